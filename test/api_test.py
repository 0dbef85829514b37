#!/usr/bin/env python3
"""Tests for vxfabricd's HTTP/JSON API: every endpoint, every validation
error (status and field), idempotent PUT, DELETE, /metrics and the bearer
token.  Starts its own vxfabricd on 127.0.0.1 ports it picks.

    api_test.py VXFABRICD SOURCE_DIR [VXCTL]
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from vxtestlib import free_port

passed = failed = 0



def start(daemon, src, extra=""):
    api, of = free_port(), free_port()
    conf = open(os.path.join(src, "conf/vxfabric.conf")).read()
    conf = re.sub(r'(?m)^api_listen = .*$', 'api_listen = "tcp:127.0.0.1:%d";' % api, conf)
    conf += "\n%s\n" % extra
    f = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    f.write(conf)
    f.close()
    return launch(daemon, f.name, api, of)


def launch(daemon, conf, api, of):
    """Starts vxfabricd on config file 'conf' whose API listens on 'api';
    returns when the API accepts connections."""
    proc = subprocess.Popen([daemon, "--config", conf, "--listen", "tcp:127.0.0.1:%d" % of],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", api), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, "http://127.0.0.1:%d" % api, conf


def call(base, method, path, body=None, token=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            text = r.read().decode()
            return r.status, text
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail))


def expect(name, got, status, field=None, contains=None):
    code, text = got
    ok = code == status
    if ok and field is not None:
        ok = json.loads(text).get("field") == field
    if ok and contains is not None:
        ok = contains in text
    check(name, ok, "-> %s %s (want %s%s)" % (code, text[:200], status,
                                             ", field " + field if field else ""))
    return text


def vxctl_checks(vxctl, base):
    def run(*args, stdin=None):
        p = subprocess.run([vxctl, "--api", base] + list(args), capture_output=True, text=True,
                           timeout=10, input=stdin)
        return p.returncode, p.stdout, p.stderr
    rc, out, _ = run("--json", "list", "hosts")
    check("vxctl --json list", rc == 0 and len(json.loads(out)) == 12, out[:200])
    rc, out, _ = run("list", "hosts")
    lines = out.splitlines()
    check("vxctl list: a table with a header and a row per host",
          rc == 0 and lines[0].split() == ["MAC", "NETWORK", "BRIDGE", "PORT", "IP"] and len(lines) == 13
          and ["da:1d:64:e8:e6:86", "1", "0x32d1f6ddc94f", "1", "10.0.0.1"] in [l.split() for l in lines],
          out[:300])
    rc, out, err = run("--json", "add", "host", "1/02:00:00:00:00:31", "bridge=hv2", "port=31", "ip=10.0.0.31")
    check("vxctl add", rc == 0 and json.loads(out)["ip"] == "10.0.0.31", out + err)
    rc, out, _ = run("--json", "show", "host", "1/02:00:00:00:00:31")
    check("vxctl show --json", rc == 0 and json.loads(out)["port"] == 31, out)
    rc, out, _ = run("show", "host", "1/02:00:00:00:00:31")
    check("vxctl show: field: value lines", rc == 0 and "port: 31" in out.splitlines(), out)
    rc, out, err = run("add", "host", "1/02:00:00:00:00:32", "bridge=hv2", "port=31", "ip=10.0.0.32")
    check("vxctl reports the API's error", rc == 1 and "409" in err and "(field port)" in err, err)
    rc, out, err = run("--json", "add", "network", "12", "subnet=172.31.12.0/24", "dns=172.31.12.1,172.31.12.2")
    check("vxctl add network with a list", rc == 0 and json.loads(out)["dns"] == ["172.31.12.1", "172.31.12.2"],
          out + err)
    rc, _, err = run("del", "network", "12")
    check("vxctl del network", rc == 0, err)
    rc, _, err = run("del", "host", "1/02:00:00:00:00:31")
    check("vxctl del", rc == 0, err)
    rc, _, err = run("del", "host", "1/02:00:00:00:00:31")
    check("vxctl del of a missing host fails", rc == 1 and "404" in err, err)
    rc, out, _ = run("--json", "state")
    check("vxctl state --json", rc == 0 and len(json.loads(out)) == 2, out[:200])
    rc, out, _ = run("state")
    check("vxctl state: a table", rc == 0 and out.splitlines()[0].split()[:3] == ["BRIDGE", "DPID", "CONNECTED"]
          and len(out.splitlines()) == 3 and " no " in out.splitlines()[1], out)
    rc, _, err = run("flows", "0x4e7879903e4c")
    check("vxctl flows of an unconnected bridge", rc == 1 and "not connected" in err, err)
    rc, _, _ = run("bogus")
    check("vxctl usage error", rc == 2)
    rc, out, err = run("attach", "3", "hv2", "vnet9")
    check("vxctl attach prints the MAC and IP", rc == 0 and out.split() == ["02:76:76:00:00:01", "192.168.5.6"],
          out + err)
    rc, out, err = run("attach", "3", "hv2", "vnet9")
    check("vxctl attach of an attached interface", rc == 1 and "409" in err, err)
    rc, out, err = run("detach", "hv2", "vnet9")
    check("vxctl detach", rc == 0, err)
    trace_checks(run)


def gateway_checks(base):
    """#16: a router's gateway and floating IPs, their JSON form and rules;
    network 9 (172.31.9.0/24, host 02:00:00:00:09:01) is on no router."""
    r = "/v1/routers/00:bb:cc:dd:ee:00"
    gw = {"bridge": "hv1", "uplink_port": "uplink", "external_ip": "203.0.113.10/24",
          "next_hop": "203.0.113.1"}
    fip = {"ip": "203.0.113.20", "host": "52:21:f7:11:a6:10"}
    got = json.loads(expect("gateway and floating IP", call(base, "PUT", r, {
        "networks": [1, 3], "gateway": dict(gw, bridge="0x32d1f6ddc94f"), "floating_ips": [fip]}), 200))
    check("gateway read back in the file's form", got.get("gateway") == dict(gw, bridge="0x32d1f6ddc94f")
          and got.get("floating_ips") == [fip], str(got))
    expect("a floating IP's host cannot be deleted", call(base, "DELETE", "/v1/hosts/3/52:21:f7:11:a6:10"),
           409, "floating_ips", "remove it first")
    expect("external subnet overlapping a network", call(base, "PUT", r, {
        "networks": [1, 3], "gateway": dict(gw, external_ip="172.31.9.7/16", next_hop="172.31.9.1")}),
        400, "gateway", "overlaps network 9")
    expect("next hop outside the uplink's subnet", call(base, "PUT", r, {
        "networks": [1, 3], "gateway": dict(gw, next_hop="198.51.100.1")}), 400, "gateway", "next_hop")
    expect("unknown gateway bridge", call(base, "PUT", r, {"networks": [1, 3], "gateway": dict(gw, bridge="hv7")}),
           400, "gateway.bridge")
    expect("floating IP without a gateway", call(base, "PUT", r, {"networks": [1, 3], "floating_ips": [fip]}),
           400, "floating_ips", "need a gateway")
    expect("floating IP for a host of no network of the router", call(base, "PUT", r, {
        "networks": [1, 3], "gateway": gw, "floating_ips": [dict(fip, host="02:00:00:00:09:01")]}),
        400, "floating_ips", "no host 02:00:00:00:09:01")
    expect("floating IP outside the uplink's subnet", call(base, "PUT", r, {
        "networks": [1, 3], "gateway": gw, "floating_ips": [dict(fip, ip="198.51.100.20")]}),
        400, "floating_ips", "not a usable address")
    expect("a second router with the same external IP", call(base, "PUT", "/v1/routers/00:bb:cc:dd:ef:00", {
        "networks": [9], "gateway": dict(gw, external_ip="203.0.113.20/24")}), 409, "floating_ips",
        "already used")
    expect("a second router in the same conntrack zone", call(base, "PUT", "/v1/routers/02:bb:cc:dd:ee:00", {
        "networks": [9], "gateway": dict(gw, external_ip="203.0.113.30/24")}), 409, "mac", "conntrack zone")
    expect("snat must be a boolean", call(base, "PUT", "/v1/networks/9", {"subnet": "172.31.9.0/24", "snat": 0}),
           400, "snat")
    expect("snat = false", call(base, "PUT", "/v1/networks/9", {"subnet": "172.31.9.0/24", "gateway": "172.31.9.254",
                                                               "snat": False}), 200, contains='"snat":false')
    expect("gateway removed", call(base, "PUT", r, {"networks": [1, 3]}), 200)
    check("no gateway left", "gateway" not in json.loads(call(base, "GET", r)[1]))


def attach_checks(base):
    """#17: addresses allocated by the controller, attach and detach."""
    h = "/v1/hosts/1/02:00:00:00:00:41"
    got = json.loads(expect("PUT without ip allocates one", call(base, "PUT", h, {"bridge": "hv1", "port": 41}),
                            201) or "{}")
    # Network 1: .1 .2 .4 .5 are hosts, .250 DNS, .254 the gateway: .3 is the lowest free.
    check("the lowest free address", got.get("ip") == "10.0.0.3", str(got))
    expect("release it", call(base, "DELETE", h), 204)
    got = json.loads(expect("PUT without ip again", call(base, "PUT", h, {"bridge": "hv1", "port": 41}), 201)
                     or "{}")
    check("a released address stays in quarantine", got.get("ip") == "10.0.0.6", str(got))
    expect("clean up", call(base, "DELETE", h), 204)

    a = json.loads(expect("attach by interface name", call(base, "POST", "/v1/attach",
                                                           {"network": 3, "bridge": "hv2", "iface": "vnet7"}),
                          201) or "{}")
    check("attach: allocated MAC and IP, bound by name",
          a.get("mac") == "02:76:76:00:00:01" and a.get("ip") == "192.168.5.5" and a.get("port") == "vnet7", str(a))
    expect("the same interface twice", call(base, "POST", "/v1/attach",
                                            {"network": 3, "bridge": "hv2", "iface": "vnet7"}),
           409, "port", "duplicate (bridge, port)")
    expect("attach with a MAC that exists", call(base, "POST", "/v1/attach",
                                                 {"network": 3, "bridge": "hv2", "iface": "vnet8",
                                                  "mac": "02:76:76:00:00:01"}), 409, "mac")
    expect("attach without iface", call(base, "POST", "/v1/attach", {"network": 3, "bridge": "hv2"}), 400)
    expect("attach to a missing network", call(base, "POST", "/v1/attach",
                                               {"network": 77, "bridge": "hv2", "iface": "x"}), 404, "network")
    expect("detach", call(base, "POST", "/v1/detach", {"bridge": "hv2", "iface": "vnet7"}), 204)
    expect("detach again", call(base, "POST", "/v1/detach", {"bridge": "hv2", "iface": "vnet7"}), 404)

    # A /30 has one address besides its gateway; a /31 has none to give.
    expect("a /30", call(base, "PUT", "/v1/networks/40", {"subnet": "10.40.0.0/30", "gateway": "10.40.0.1",
                                                         "reserved": "10.40.0.1-10.40.0.1"}), 201,
           contains='"reserved":"10.40.0.1-10.40.0.1"')
    a = json.loads(expect("attach in the /30", call(base, "POST", "/v1/attach",
                                                    {"network": 40, "bridge": "hv1", "iface": "t30a"}), 201) or "{}")
    check("its only address", a.get("ip") == "10.40.0.2", str(a))
    expect("exhausted: 409 with a clear message", call(base, "POST", "/v1/attach",
                                                       {"network": 40, "bridge": "hv1", "iface": "t30b"}),
           409, "ip", "network 40 has no free address: all of 10.40.0.0/30 are taken, reserved or in quarantine")
    expect("detach it", call(base, "POST", "/v1/detach", {"bridge": "hv1", "iface": "t30a"}), 204)
    expect("drop the /30", call(base, "DELETE", "/v1/networks/40"), 204)
    expect("a /31", call(base, "PUT", "/v1/networks/41", {"subnet": "10.41.0.0/31"}), 201)
    expect("no address to allocate in a /31", call(base, "POST", "/v1/attach",
                                                   {"network": 41, "bridge": "hv1", "iface": "t31"}),
           409, "ip", "network 41 is 10.41.0.0/31: it has no host addresses to allocate")
    expect("drop the /31", call(base, "DELETE", "/v1/networks/41"), 204)
    expect("reserved outside the subnet", call(base, "PUT", "/v1/networks/42",
                                               {"subnet": "10.42.0.0/24", "reserved": "10.43.0.1-10.43.0.9"}),
           400, None, "outside subnet")


def trace_checks(run):
    """#19 without switches: ports configured by number are known, tunnel
    ports are not (no bridge is connected), so remote hosts are unreachable."""
    rc, out, err = run("--json", "trace", "da:1d:64:e8:e6:86", "10.0.0.2")
    t = json.loads(out) if rc == 0 else {}
    check("trace: local delivery", t.get("verdict") == "delivered" and t.get("port") == 2
          and [s["table"] for s in t["steps"]] == [0, 1, 2, 3]
          and all(s["installed"] == "unknown" for s in t["steps"]), out + err)
    rc, out, err = run("trace", "da:1d:64:e8:e6:86", "10.0.0.4")
    check("trace: human output, dropped without a tunnel port",
          rc == 0 and "verdict: dropped at table 3 on hv1" in out and "no tunnel reaches its bridge" in out
          and "dest_unreachable" in out, out + err)
    rc, out, err = run("--json", "trace", "da:1d:64:e8:e6:86", "10.0.0.4", "arp")
    t = json.loads(out) if rc == 0 else {}
    check("trace: ARP goes to the controller, which answers",
          t.get("verdict") == "sent to the controller"
          and t.get("controller_answer") == "ARP reply: 10.0.0.4 is-at 7e:cc:09:63:aa:6f", out + err)
    rc, out, err = run("--json", "trace", "1/da:1d:64:e8:e6:86", "192.168.5.1", "tcp", "ttl=1", "dst_port=22")
    t = json.loads(out) if rc == 0 else {}
    check("trace: TTL 1 expires in the router", t.get("reason") == "ttl_expired"
          and "time exceeded" in t.get("controller_answer", ""), out + err)
    rc, out, err = run("--json", "trace", "bridge=0x32d1f6ddc94f", "in_port=1", "eth_src=02:00:00:00:00:99",
                       "ip_src=10.0.0.1", "dst=10.0.0.2")
    t = json.loads(out) if rc == 0 else {}
    check("trace: an unknown source", t.get("reason") == "unknown_source" and t.get("table") == 1, out + err)
    rc, _, err = run("trace", "da:1d:64:e8:e6:86", "10.0.0.2", "sctp")
    check("trace: a bad protocol is a 400", rc == 1 and "400" in err and "(field proto)" in err, err)
    rc, _, err = run("trace", "02:00:00:00:00:99", "10.0.0.2")
    check("trace: an unknown host is a 404", rc == 1 and "404" in err, err)
    rc, _, err = run("trace", "da:1d:64:e8:e6:86", "10.0.0.2", "ttl=300")
    check("trace: a bad TTL is a 400", rc == 1 and "400" in err and "(field ttl)" in err, err)
    rc, out, err = run("explain-cookie", "0x7612da1d64e8e686", "0x763a00bbccddee00")
    check("explain-cookie: host and router",
          "host da:1d:64:e8:e6:86 (10.0.0.1) of network 1 on hv1: ARP request to the controller" in out
          and "router 00:bb:cc:dd:ee:00 (networks 1, 3): routing" in out, out + err)
    dump = (" cookie=0x7628000000000001, duration=3.2s, table=2, n_packets=0, priority=200,icmp,tun_id=0x1,"
            "nw_dst=10.0.0.254 actions=CONTROLLER:65535\n"
            " cookie=0x0, duration=1s, table=0, priority=0 actions=NORMAL\n")
    rc, out, err = run("explain-cookie", "-", stdin=dump)
    check("explain-cookie -: annotates dump-flows lines",
          rc == 0 and "=> 0x7628000000000001: network 1 (10.0.0.0/24, gateway 10.0.0.254)" in out
          and "=> 0: not a vxfabric flow" in out, out + err)


def main():
    daemon, src = sys.argv[1], sys.argv[2]
    proc, base, conf = start(daemon, src)
    try:
        hosts = json.loads(expect("list hosts", call(base, "GET", "/v1/hosts"), 200))
        check("12 hosts", len(hosts) == 12, str(len(hosts)))
        check("3 networks", len(json.loads(call(base, "GET", "/v1/networks")[1])) == 3)
        check("2 bridges", len(json.loads(call(base, "GET", "/v1/bridges")[1])) == 2)
        routers = json.loads(call(base, "GET", "/v1/routers")[1])
        check("1 router joining 1 and 3", routers == [{"mac": "00:bb:cc:dd:ee:00", "networks": [1, 3]}],
              str(routers))
        expect("get one host", call(base, "GET", "/v1/hosts/1/da:1d:64:e8:e6:86"), 200,
               contains='"ip":"10.0.0.1"')

        new = {"bridge": "hv1", "port": 9, "ip": "10.0.0.21"}
        path = "/v1/hosts/1/02:00:00:00:00:21"
        expect("create", call(base, "PUT", path, new), 201, contains='"ip":"10.0.0.21"')
        expect("read back", call(base, "GET", path), 200, contains='"port":9')
        expect("PUT again is idempotent", call(base, "PUT", path, new), 200)
        check("13 hosts", len(json.loads(call(base, "GET", "/v1/hosts")[1])) == 13)
        moved = dict(new, port="vm21-p")
        expect("replace (port by name)", call(base, "PUT", path, moved), 200, contains='"port":"vm21-p"')

        bad = "/v1/hosts/1/02:00:00:00:00:22"
        expect("ip outside subnet", call(base, "PUT", bad, dict(new, ip="10.0.1.5")), 400, "ip",
               "outside network 1")
        expect("ip is the gateway", call(base, "PUT", bad, dict(new, ip="10.0.0.254")), 400, "ip")
        expect("ip malformed", call(base, "PUT", bad, dict(new, ip="10.0.0")), 400, "ip")
        expect("ip null", call(base, "PUT", bad, {"bridge": "hv1", "port": 9, "ip": None}), 400, "ip")
        expect("unknown bridge", call(base, "PUT", bad, dict(new, bridge="hv9", ip="10.0.0.22")), 400, "bridge")
        expect("port 0", call(base, "PUT", bad, dict(new, port=0, ip="10.0.0.22")), 400, "port")
        expect("port name too long", call(base, "PUT", bad, dict(new, port="x" * 17, ip="10.0.0.22")), 400, "port")
        expect("unknown field", call(base, "PUT", bad, dict(new, ip="10.0.0.22", colour="red")), 400, "colour")
        expect("duplicate IP in the network", call(base, "PUT", bad, dict(new, ip="10.0.0.2", port=10)),
               409, "ip", "duplicate (network, IP)")
        expect("duplicate bridge port", call(base, "PUT", bad, dict(new, ip="10.0.0.22", port=1)),
               409, "port", "duplicate (bridge, port)")
        expect("unknown network", call(base, "PUT", "/v1/hosts/9/02:00:00:00:00:22",
                                       dict(new, ip="10.0.0.22")), 404, "network")
        expect("not JSON", call(base, "PUT", bad, raw=b"{ip: nope"), 400)
        expect("not an object", call(base, "PUT", bad, [1, 2]), 400)
        expect("bad host URL", call(base, "GET", "/v1/hosts/one/02:00:00:00:00:22"), 400)
        expect("missing network in URL", call(base, "GET", "/v1/hosts/02:00:00:00:00:22"), 400)
        expect("bad MAC in URL", call(base, "GET", "/v1/hosts/1/02:00:00:00:00"), 400)
        expect("VNI out of range in URL", call(base, "GET", "/v1/hosts/16777216/02:00:00:00:00:22"), 400)
        expect("body too large", call(base, "PUT", bad, raw=b"x" * 70000), 413)
        check("nothing half-applied", len(json.loads(call(base, "GET", "/v1/hosts")[1])) == 13)

        # Networks, bridges, routers.
        net = {"subnet": "172.31.9.0/24", "gateway": "172.31.9.254", "dns": ["172.31.9.250"], "mtu": 1400}
        expect("create network", call(base, "PUT", "/v1/networks/9", net), 201, contains='"mtu":1400')
        expect("network idempotent", call(base, "PUT", "/v1/networks/9", net), 200)
        expect("get network", call(base, "GET", "/v1/networks/9"), 200, contains='"subnet":"172.31.9.0/24"')
        expect("network answers ARP in the datapath",
               call(base, "PUT", "/v1/networks/9", dict(net, arp_responder="datapath")), 200,
               contains='"arp_responder":"datapath"')
        expect("arp_responder malformed",
               call(base, "PUT", "/v1/networks/9", dict(net, arp_responder="kernel")), 400, "arp_responder")
        expect("back to the fabric's", call(base, "PUT", "/v1/networks/9", net), 200)
        expect("gateway outside subnet", call(base, "PUT", "/v1/networks/10",
                                              {"subnet": "172.31.10.0/24", "gateway": "172.31.11.1"}),
               400, "gateway", "outside subnet")
        expect("subnet host bits", call(base, "PUT", "/v1/networks/10", {"subnet": "172.31.10.1/24"}),
               400, "subnet")
        expect("subnet malformed", call(base, "PUT", "/v1/networks/10", {"subnet": "172.31.10.0"}), 400, "subnet")
        expect("mtu out of range", call(base, "PUT", "/v1/networks/10",
                                        {"subnet": "172.31.10.0/24", "mtu": 100}), 400, "mtu")
        expect("too many dns", call(base, "PUT", "/v1/networks/10",
                                    {"subnet": "172.31.10.0/24", "dns": ["1.1.1.1"] * 5}), 400, "dns")
        expect("VNI 0", call(base, "PUT", "/v1/networks/0", net), 400)
        expect("VNI too big", call(base, "PUT", "/v1/networks/16777216", net), 400)
        expect("host in the new network", call(base, "PUT", "/v1/hosts/9/02:00:00:00:09:01",
                                               {"bridge": "hv2", "port": 20, "ip": "172.31.9.1"}), 201)
        expect("network in use cannot go", call(base, "DELETE", "/v1/networks/9"), 409, None, "still referred to")
        expect("router joining 3 and 9", call(base, "PUT", "/v1/routers/00:bb:cc:dd:ee:09", {"networks": [9, 3]}),
               409, "networks", "already on router")
        expect("router with overlapping networks", call(base, "PUT", "/v1/routers/00:bb:cc:dd:ee:09",
                                                         {"networks": [1, 2]}), 409, "networks", "overlapping")
        expect("router with unknown network", call(base, "PUT", "/v1/routers/00:bb:cc:dd:ee:09",
                                                    {"networks": [9, 77]}), 400, "networks")
        expect("router joins 1, 3 and 9", call(base, "PUT", "/v1/routers/00:bb:cc:dd:ee:00",
                                               {"networks": [9, 1, 3]}), 200, contains='"networks":[1,3,9]')
        expect("malformed router MAC", call(base, "PUT", "/v1/routers/00:bb:cc", {"networks": [9]}), 400)
        expect("router back to 1 and 3", call(base, "PUT", "/v1/routers/00:bb:cc:dd:ee:00",
                                              {"networks": [1, 3]}), 200)
        gateway_checks(base)
        expect("delete the host", call(base, "DELETE", "/v1/hosts/9/02:00:00:00:09:01"), 204)
        expect("now the network can go", call(base, "DELETE", "/v1/networks/9"), 204)
        expect("new bridge", call(base, "PUT", "/v1/bridges/0x99",
                                  {"endpoint": "192.0.2.99", "name": "hv3"}), 201, contains='"name":"hv3"')
        expect("bridge endpoint malformed", call(base, "PUT", "/v1/bridges/0x99", {"endpoint": "x"}),
               400, "endpoint")
        expect("bridge key malformed", call(base, "PUT", "/v1/bridges/zz", {"endpoint": "192.0.2.9"}), 400)
        expect("bridge with hosts cannot go", call(base, "DELETE", "/v1/bridges/0x32d1f6ddc94f"), 409)
        expect("delete the new bridge", call(base, "DELETE", "/v1/bridges/0x99"), 204)
        expect("delete a missing router", call(base, "DELETE", "/v1/routers/00:bb:cc:dd:ee:42"), 404)
        expect("list is GET only", call(base, "PUT", "/v1/networks", net), 405)

        expect("delete", call(base, "DELETE", path), 204)
        expect("deleted host is gone", call(base, "GET", path), 404)
        expect("delete again", call(base, "DELETE", path), 404)
        check("12 hosts again", len(json.loads(call(base, "GET", "/v1/hosts")[1])) == 12)
        expect("method not allowed", call(base, "POST", path, new), 405)
        expect("unknown resource", call(base, "GET", "/v2/things"), 404)
        expect("metrics", call(base, "GET", "/metrics"), 200, contains="vxfabric_conn_accepted{worker=")
        state = json.loads(expect("state", call(base, "GET", "/v1/state"), 200))
        check("state lists both bridges, unconnected", len(state) == 2 and not any(b["connected"] for b in state),
              str(state))
        expect("one bridge's state", call(base, "GET", "/v1/bridges/0x4e7879903e4c/state"), 200,
               contains='"connected":false')
        expect("unknown bridge's state", call(base, "GET", "/v1/bridges/0x77/state"), 404)
        expect("flows of an unconnected bridge", call(base, "GET", "/v1/bridges/0x4e7879903e4c/flows"), 404,
               contains="not connected")
        expect("bad bridge sub-resource", call(base, "GET", "/v1/bridges/0x4e7879903e4c/colour"), 404)
        attach_checks(base)
        if len(sys.argv) > 3:
            vxctl_checks(sys.argv[3], base)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        check("daemon exits cleanly", proc.returncode == 0, err.decode()[-500:])
        os.unlink(conf)

    proc, base, conf = start(daemon, src, 'api_token = "s3cret";')
    try:
        expect("no token", call(base, "GET", "/v1/hosts"), 401)
        expect("wrong token", call(base, "GET", "/v1/hosts", token="nope"), 401)
        expect("right token", call(base, "GET", "/v1/hosts", token="s3cret"), 200)
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
        os.unlink(conf)

    print("api: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
