#!/usr/bin/env python3
"""Writes the seed inputs of each fuzz target into corpus/TARGET/seed-*.

Seeds are well-formed protocol messages built from the specifications
(OF1.3.5 appendix A, RFC 826, RFC 2131/2132); the fuzzers grow the corpus
from them, and the test run replays every file.  Run from this directory.
"""
import os
import struct

OFP13 = 4


def ofp(mtype, xid, body=b""):
    return struct.pack("!BBHI", OFP13, mtype, 8 + len(body), xid) + body


def match(oxms):
    body = b"".join(oxms)
    length = 4 + len(body)
    pad = (8 - length % 8) % 8
    return struct.pack("!HH", 1, length) + body + b"\0" * pad


def oxm(cls, field, value, mask=None):
    hasmask = mask is not None
    payload = value + (mask or b"")
    return struct.pack("!I", cls << 16 | field << 9 | hasmask << 8 | len(payload)) + payload


def in_port(n):
    return oxm(0x8000, 0, struct.pack("!I", n))


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip(s):
    return bytes(int(x) for x in s.split("."))


def eth(dst, src, etype, payload):
    return mac(dst) + mac(src) + struct.pack("!H", etype) + payload


def arp_req(src_mac, src_ip, target_ip):
    return eth("ff:ff:ff:ff:ff:ff", src_mac, 0x0806,
               struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac(src_mac) + ip(src_ip)
               + b"\0" * 6 + ip(target_ip))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4_udp(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, ip(src), ip(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + udp


def dhcp_msg(mtype, chaddr, ciaddr="0.0.0.0", opts=b"", flags=0):
    bootp = struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, 0, 0x3903F326, 0, flags, ip(ciaddr),
                        b"\0" * 4, b"\0" * 4, b"\0" * 4)
    bootp += mac(chaddr) + b"\0" * 10 + b"\0" * 64 + b"\0" * 128
    bootp += struct.pack("!I", 0x63825363) + bytes([53, 1, mtype]) + opts + b"\xff"
    return bootp


def dhcp_frame(chaddr, msg):
    return eth("ff:ff:ff:ff:ff:ff", chaddr, 0x0800, ipv4_udp("0.0.0.0", "255.255.255.255", 68, 67, msg))


def packet_in(port, frame, extra_oxms=()):
    m = match([in_port(port)] + list(extra_oxms))
    return ofp(10, 0, struct.pack("!IHBBQ", 0xFFFFFFFF, len(frame), 1, 0, 0x7678000000000000)
               + m + b"\0\0" + frame)


def port(no, name):
    return struct.pack("!I4x6s2x16sIIIIIIII", no, b"\x02\0\0\0\0" + bytes([no & 255]),
                       name.encode(), 0, 0, 0, 0, 0, 0, 0, 0)


def multipart_reply(xid, mtype, body, more=False):
    return ofp(19, xid, struct.pack("!HH4x", mtype, 1 if more else 0) + body)


def flow_stats_entry(table, prio, m, insts):
    length = 48 + len(m) + len(insts)
    return struct.pack("!HBxIIHHHH4xQQQ", length, table, 5, 0, prio, 0, 0, 0,
                       0x7678000000000000, 1, 64) + m + insts


VM1 = "da:1d:64:e8:e6:86"
PRL = bytes([55, 7, 1, 3, 6, 12, 15, 28, 42])

arp_vm1 = arp_req(VM1, "10.0.0.1", "10.0.0.2")
arp_gw = arp_req(VM1, "10.0.0.1", "10.0.0.254")
discover = dhcp_msg(1, VM1, opts=PRL)
request = dhcp_msg(3, VM1, opts=bytes([54, 4]) + ip("10.0.0.254") + bytes([50, 4]) + ip("10.0.0.1") + PRL)
renew = dhcp_msg(3, VM1, ciaddr="10.0.0.1")
inform = dhcp_msg(8, VM1, ciaddr="10.0.0.1", opts=PRL)
release = dhcp_msg(7, VM1, ciaddr="10.0.0.1")
overload = dhcp_msg(1, VM1, opts=bytes([52, 1, 2]))
overload = overload[:44] + bytes([55, 2, 1, 3, 255]) + overload[49:]
ports = b"".join(port(n, "vm%d-p" % n) for n in range(1, 7)) + port(7, "vtun1")
remote_flow = flow_stats_entry(
    3, 100,
    match([oxm(0x8000, 5, b"\x08\x00"), oxm(0x8000, 12, ip("10.0.0.4")),
           oxm(0x8000, 38, struct.pack("!Q", 1))]),
    struct.pack("!HH4x", 4, 40) + struct.pack("!HH", 25, 16) + oxm(1, 32, ip("192.168.1.2")) + b"\0" * 4
    + struct.pack("!HHIH6x", 0, 16, 7, 0))


def golden_flow_stats(names):
    """FLOW stats entries with the match and instructions of golden FLOW_MODs
    (test/proto/golden.h): the NAT gateway's ct and nat actions (#16)."""
    import re
    text = open("../proto/golden.h").read()
    out = b""
    for name in names:
        hexes = re.search(r'"%s",\s*"([0-9a-f]+)"' % name, text).group(1)
        fm = bytes.fromhex(hexes)
        out += flow_stats_entry(fm[25], struct.unpack("!H", fm[30:32])[0], fm[48:], b"")
    return out


GATEWAY_CONF = open("../../conf/vxfabric.conf").read().replace(
    'networks = [ 1, 3 ]; }',
    'networks = [ 1, 3 ];\n    gateway = { bridge = "hv1"; uplink_port = "uplink"; external_ip = "203.0.113.10/24";'
    ' next_hop = "203.0.113.1"; };\n    floating_ips = ( { ip = "203.0.113.20"; host = "52:21:f7:11:a6:10"; } ); }')
assert "floating_ips" in GATEWAY_CONF

def etcd_watch(rev, events=None, **extra):
    """One object of an etcd v3 watch stream (its JSON gateway's form)."""
    import base64
    import json
    r = {"header": {"revision": str(rev)}}
    if events:
        r["events"] = [{"kv": dict({"key": base64.b64encode(k if isinstance(k, bytes) else k.encode()).decode(),
                                    "mod_revision": str(rev)},
                                   **({"value": base64.b64encode(v.encode()).decode()} if v is not None else {})),
                        **({"type": "DELETE"} if v is None else {})} for k, v in events]
    r.update(extra)
    return json.dumps({"result": r}).encode()


ETCD_HOST = '{"bridge":"0x32d1f6ddc94f","ip":"10.0.0.31","mac":"02:00:00:00:00:31","network":1,"port":31}'

seeds = {
    "etcd": {
        "created": etcd_watch(1, created=True),
        "host-put-delete": etcd_watch(2, [("/vx/objects/hosts/1/02:00:00:00:00:31", ETCD_HOST)]) + b"\n"
                           + etcd_watch(3, [("/vx/objects/hosts/1/02:00:00:00:00:31", None)]),
        "members": etcd_watch(4, [("/vx/members/a", '{"name":"a"}'), ("/vx/members/b", '{"name":"b"}')])
                   + etcd_watch(5, [("/vx/members/a", None)]),
        "batch": etcd_watch(6, [("/vx/objects/networks/9", '{"subnet":"172.31.9.0/24","gateway":"172.31.9.254"}'),
                                ("/vx/objects/routers/00:bb:cc:dd:ee:09", '{"networks":[9]}'),
                                ("/vx/objects/hosts/9/02:00:00:00:09:01",
                                 '{"bridge":"hv2","port":20,"ip":"172.31.9.1"}')]),
        "refused": etcd_watch(7, [("/vx/objects/hosts/77/02:00:00:00:00:77", ETCD_HOST),
                                  ("/vx/objects/networks/1", "not json")]),
        "compacted": etcd_watch(8, compact_revision="3", canceled=True),
        # A key that is not UTF-8 (etcd keys are bytes) with a valid value:
        # no object of ours (fuzz_etcd found the crash).
        "not-utf8": etcd_watch(9, [(b"/vx/objects/hosts/1/\xff", ETCD_HOST)]),
    },
    "ofp": {
        "flow-stats-nat": multipart_reply(6, 1, golden_flow_stats(
            ["flow_mod_add_snat", "flow_mod_add_unnat", "flow_mod_add_dnat",
             "flow_mod_add_ct_established"])),
        "hello": ofp(0, 1, struct.pack("!HHI", 1, 8, 0x10)),
        "hello-old": ofp(0, 1)[:1].replace(b"\x04", b"\x01") + ofp(0, 1)[1:],
        "echo": ofp(2, 5, b"ping"),
        "features": ofp(6, 2, struct.pack("!QIBB2xII", 0x32D1F6DDC94F, 0, 254, 0, 0x4F, 0)),
        "error": ofp(1, 9, struct.pack("!HH", 4, 6) + ofp(14, 9)),
        "packet-in-arp": packet_in(1, arp_vm1),
        "packet-in-tunnel": packet_in(7, arp_vm1, [oxm(0x8000, 38, struct.pack("!Q", 3)),
                                                   oxm(1, 31, ip("192.168.1.2")),
                                                   oxm(1, 32, ip("192.168.1.216"))]),
        "port-status": ofp(12, 0, struct.pack("!B7x", 0) + port(8, "vm13-p")),
        "desc": multipart_reply(3, 0, b"Nicira".ljust(256, b"\0") + b"\0" * 800),
        "port-desc": multipart_reply(4, 13, ports, more=True),
        "flow-stats": multipart_reply(5, 1, remote_flow),
        "flow-removed": ofp(11, 0, struct.pack("!QHBBIIHHQQ", 0x7678000000000000, 100, 0, 3, 1, 0, 0, 0, 1, 2)
                            + match([in_port(3)])),
        "role-reply": ofp(25, 6, struct.pack("!I4xQ", 2, 5)),
        "barrier-reply": ofp(21, 7),
    },
    "pkt": {
        "arp": arp_vm1,
        "arp-vlan": arp_vm1[:12] + b"\x81\x00\x00\x64" + arp_vm1[12:],
        "dhcp": dhcp_frame(VM1, discover),
        "icmp": eth("00:bb:cc:dd:ee:00", VM1, 0x0800,
                    bytes.fromhex("4500001c0000000040010000") + ip("10.0.0.1") + ip("10.0.0.254")
                    + bytes.fromhex("0800f7ff00000000")),
    },
    "dhcp": {"discover": discover, "request": request, "renew": renew, "inform": inform,
             "release": release, "overload": overload},
    # conn_start's xids: SET_CONFIG 0x1000, SET_ASYNC 0x1001, DESC 0x1002,
    # PORT_DESC 0x1003, FLOW stats 0x1004; the first FLOW_MOD is 0x1005.
    "conn": {
        "session": multipart_reply(0x1003, 13, ports) + multipart_reply(0x1004, 1, remote_flow)
                   + packet_in(1, arp_vm1) + packet_in(1, arp_gw)
                   + packet_in(1, dhcp_frame(VM1, discover)) + packet_in(1, dhcp_frame(VM1, request))
                   + ofp(2, 77) + ofp(21, 0x1006) + ofp(12, 0, struct.pack("!B7x", 1) + port(2, "vm2-p")),
        "errors": multipart_reply(0x1003, 13, ports) + multipart_reply(0x1004, 1, b"")
                  + ofp(1, 0x1005, struct.pack("!HH", 5, 0) + b"\0" * 64) + ofp(21, 0x1006),
        # FLOW stats in several parts (REPLY_MORE), one entry with
        # write-actions, then a FLOW_REMOVED of a flow we installed.
        "multipart": multipart_reply(0x1003, 13, ports[:3 * 64], more=True)
                     + multipart_reply(0x1003, 13, ports[3 * 64:])
                     + multipart_reply(0x1004, 1, remote_flow, more=True)
                     + multipart_reply(0x1004, 1, flow_stats_entry(1, 7, match([]),
                                                                   struct.pack("!HH4x", 3, 8)),
                                       more=True)
                     + multipart_reply(0x1004, 1, remote_flow)
                     + ofp(11, 0, struct.pack("!QHBBIIHHQQ", 0x7678000000000000, 100, 2, 3, 1, 0, 0, 0,
                                              1, 2) + remote_flow[48:48 + 40])
                     + ofp(21, 0x1006),
    },
    "api": {
        'bad-json': 'PUT /v1/hosts/1/02:00:00:00:00:23 {"bridge":\n'.encode(),
        'bridge-put': 'PUT /v1/bridges/0x10 {"name":"hv9","endpoint":"192.168.1.9"}\n'.encode(),
        'host-delete': 'DELETE /v1/hosts/1/da:1d:64:e8:e6:86\n'.encode(),
        'host-port-name': 'PUT /v1/hosts/3/02:00:00:00:00:22 {"bridge":"0x32d1f6ddc94f","port":"vm22-p","ip":"192.168.5.22"}\n'.encode(),
        'host-put': 'PUT /v1/hosts/1/02:00:00:00:00:21 {"bridge":"hv1","port":9,"ip":"10.0.0.21"}\n'.encode(),
        'network-delete-used': 'DELETE /v1/networks/1\n'.encode(),
        'network-put': 'PUT /v1/networks/50 {"subnet":"172.16.0.0/24","gateway":"172.16.0.1","dns":["172.16.0.2"],"mtu":1450,"lease_time":3600}\n'.encode(),
        'router-put': 'PUT /v1/routers/00:bb:cc:dd:ee:01 {"networks":[1,3]}\n'.encode(),
        'router-gateway': 'PUT /v1/routers/00:bb:cc:dd:ee:00 {"networks":[1,3],"gateway":{"bridge":"hv1","uplink_port":"uplink","external_ip":"203.0.113.10/24","next_hop":"203.0.113.1"},"floating_ips":[{"ip":"203.0.113.20","host":"52:21:f7:11:a6:10"}]}\nPUT /v1/networks/1 {"subnet":"10.0.0.0/24","gateway":"10.0.0.254","snat":false}\n'.encode(),
    },
    "store": {
        'create-delete': 'PUT /v1/bridges/0x10 {"name":"hv9","endpoint":"192.168.1.9"}\nPUT /v1/networks/60 {"subnet":"172.17.0.0/24","gateway":"172.17.0.1"}\nPUT /v1/hosts/60/02:00:00:00:60:01 {"bridge":"hv9","port":1,"ip":"172.17.0.10"}\nPUT /v1/routers/00:bb:cc:dd:ee:02 {"networks":[2,60]}\nDELETE /v1/routers/00:bb:cc:dd:ee:02\nDELETE /v1/hosts/60/02:00:00:00:60:01\nDELETE /v1/networks/60\n'.encode(),
        'net-host-move': 'PUT /v1/networks/50 {"subnet":"172.16.0.0/24","gateway":"172.16.0.1"}\nPUT /v1/hosts/50/02:00:00:00:50:01 {"bridge":"hv1","port":40,"ip":"172.16.0.10"}\nPUT /v1/hosts/50/02:00:00:00:50:01 {"bridge":"hv2","port":41,"ip":"172.16.0.11"}\nPUT /v1/hosts/1/da:1d:64:e8:e6:86 {"bridge":"hv1","port":1,"ip":"10.0.0.31"}\nDELETE /v1/hosts/1/ba:ce:a6:08:b6:67\n'.encode(),
        'rename-bridge': 'PUT /v1/hosts/1/02:00:00:00:00:41 {"bridge":"hv2","port":12,"ip":"10.0.0.41"}\nPUT /v1/bridges/0x10 {"name":"hv9","endpoint":"192.168.1.9"}\nPUT /v1/hosts/1/02:00:00:00:00:42 {"bridge":"hv9","port":12,"ip":"10.0.0.42"}\n'.encode(),
    },
    "config": {"article": open("../../conf/vxfabric.conf", "rb").read(),
               "gateway": GATEWAY_CONF.encode(),
               "broken": b"bridges = ( { dpid = \"0x1\"; endpoint = \"1.2.3.4\"; } );\nhosts = ( { mac = 1; } );\n"},
}

for target, files in seeds.items():
    d = os.path.join("corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data)
print("seeds written")
