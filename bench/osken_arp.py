"""The peer: an ARP responder written as an os-ken (Ryu) application with
os-ken's packet library, as a Python controller would do it.  It answers
ARP requests from its packet-ins with the right MAC, looked up in a table
read from the same vxfabric configuration (VXBENCH_CONFIG), so vxbench can
verify its replies like vxfabricd's.

    VXBENCH_CONFIG=fabric.conf osken-manager --ofp-listen-host 127.0.0.1 \
        --ofp-tcp-listen-port PORT bench/osken_arp.py
"""
import os
import re

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import arp, ethernet, packet
from os_ken.ofproto import ofproto_v1_3


def load_table(path):
    """(vni, ip) -> mac, and gateway (vni, ip) -> mac, from a config file."""
    text = open(path).read()
    table = {}
    for m in re.finditer(r'mac = "([0-9a-f:]+)"; network = (\d+);[^}]*ip = "([0-9.]+)"', text):
        table[(int(m.group(2)), m.group(3))] = m.group(1)
    routers = {}
    for m in re.finditer(r'mac = "([0-9a-f:]+)"; networks = \[([^\]]*)\]', text):
        for n in m.group(2).split(","):
            routers[int(n)] = m.group(1)
    for m in re.finditer(r'id = (\d+); subnet = "[^"]+"; gateway = "([0-9.]+)"', text):
        vni = int(m.group(1))
        table[(vni, m.group(2))] = routers.get(vni, "02:76:78:%02x:%02x:%02x"
                                               % ((vni >> 16) & 255, (vni >> 8) & 255, vni & 255))
    by_mac = {}
    for m in re.finditer(r'mac = "([0-9a-f:]+)"; network = (\d+);', text):
        by_mac[m.group(1)] = int(m.group(2))
    return table, by_mac


class ArpResponder(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.table, self.vni_of = load_table(os.environ["VXBENCH_CONFIG"])

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        parser = dp.ofproto_parser
        pkt = packet.Packet(msg.data)
        req = pkt.get_protocol(arp.arp)
        if req is None or req.opcode != arp.ARP_REQUEST:
            return
        vni = self.vni_of.get(req.src_mac)
        mac = self.table.get((vni, req.dst_ip))
        if mac is None:
            return
        reply = packet.Packet()
        reply.add_protocol(ethernet.ethernet(ethertype=0x0806, dst=req.src_mac, src=mac))
        reply.add_protocol(arp.arp(opcode=arp.ARP_REPLY, src_mac=mac, src_ip=req.dst_ip,
                                   dst_mac=req.src_mac, dst_ip=req.src_ip))
        reply.serialize()
        in_port = msg.match["in_port"]
        dp.send_msg(parser.OFPPacketOut(datapath=dp, buffer_id=dp.ofproto.OFP_NO_BUFFER,
                                        in_port=dp.ofproto.OFPP_CONTROLLER,
                                        actions=[parser.OFPActionOutput(in_port)],
                                        data=reply.data))
