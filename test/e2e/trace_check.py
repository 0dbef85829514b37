#!/usr/bin/env python3
"""Compares `vxctl trace` with Open vSwitch's own ofproto/trace (#19).

Usage: trace_check.py VXCTL API_URL BRIDGES TRACE_ARGS OVS_FLOW

BRIDGES is "hv1:RUNDIR:TUNPORT:ENDPOINT,hv2:...".  TRACE_ARGS are vxctl
trace's arguments (space separated), OVS_FLOW the same packet in
ofproto/trace syntax at the ingress bridge.  The script traces the packet
with vxfabricd, then with ofproto/trace on the ingress bridge and, if OVS
tunnels it, on the destination bridge (the inner packet of the first
trace's final flow, with the VNI of its datapath actions).  It checks that
both visit the same flows (by cookie, in the same tables, in the same
order on each bridge) and reach the same verdict, and prints that verdict
as "VERDICT BRIDGE PORT_OR_TABLE" for the caller to compare with the
traffic it observes.  Exit status 1 on any disagreement."""
import json
import os
import re
import subprocess
import sys

STEP = re.compile(r"^\s*(\d+)\. .*cookie (0x[0-9a-f]+)$")
INNER_KEYS = ("dl_src", "dl_dst", "nw_src", "nw_dst", "nw_ttl", "nw_tos", "icmp_type", "icmp_code",
              "tp_src", "tp_dst", "arp_op", "arp_spa", "arp_tpa", "arp_sha", "arp_tha")


def fail(msg):
    print("trace_check: " + msg, file=sys.stderr)
    sys.exit(1)


def ofproto_trace(rundir, flow):
    env = dict(os.environ, OVS_RUNDIR=rundir)
    p = subprocess.run(["ovs-appctl", "ofproto/trace", "br0", flow], capture_output=True, text=True,
                       env=env, timeout=10)
    if p.returncode:
        fail("ofproto/trace %s: %s" % (flow, p.stderr))
    return p.stdout


def br0_section(text):
    """The lines of the br0 bridge's part of an ofproto/trace output."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith('bridge("'):
            inside = line.startswith('bridge("br0")')
            continue
        if line.startswith("Final flow:"):
            break
        if inside:
            out.append(line)
    return out


def ovs_steps(text):
    return [(int(m.group(1)), m.group(2)) for m in map(STEP.match, br0_section(text)) if m]


def ovs_verdict(text, tunport):
    """('tunnel', vni) | ('controller', reason) | ('dropped', table) | ('delivered', port) | ('replied', None)"""
    actions = re.search(r"^Datapath actions: (.*)$", text, re.M).group(1)
    steps = ovs_steps(text)
    outputs = [int(m.group(1)) for m in (re.match(r"^\s+output:(\d+)$", l) for l in br0_section(text)) if m]
    if "controller(" in actions:
        return ("controller", int(re.search(r"reason=(\d+)", actions).group(1)))
    if any(re.match(r"^\s+(IN_PORT|in_port)$", l) for l in br0_section(text)):
        return ("replied", None)
    if outputs and outputs[-1] == tunport:
        return ("tunnel", int(re.search(r"vni=0x([0-9a-f]+)", actions).group(1), 16))
    if outputs:
        return ("delivered", outputs[-1])
    if actions.strip() == "drop":
        return ("dropped", steps[-1][0] if steps else 0)
    fail("cannot read the verdict of:\n" + text)


def inner_flow(text):
    """The inner packet of a trace's final flow, in ofproto/trace syntax."""
    final = re.search(r"^Final flow: (.*)$", text, re.M).group(1)
    fields = final.split(",")
    keep = [fields[0]] if "=" not in fields[0] else []
    keep += [f for f in fields if f.split("=")[0] in INNER_KEYS]
    return ",".join(keep)


def main():
    vxctl, api, bridges_arg, trace_args, flow = sys.argv[1:6]
    bridges = {}
    for b in bridges_arg.split(","):
        name, rundir, tunport, endpoint = b.split(":")
        bridges[name] = (rundir, int(tunport), endpoint)
    p = subprocess.run([vxctl, "--api", api, "--json", "trace"] + trace_args.split(), capture_output=True,
                       text=True, timeout=20)
    if p.returncode:
        fail("vxctl trace: " + p.stderr)
    ours = json.loads(p.stdout)
    if ours["warnings"]:
        fail("the trace warns that installed flows differ: %s" % p.stdout)

    bridge = ours["steps"][0]["bridge"] if ours["steps"] else ours["bridge"]
    hops, src_endpoint = [], None
    while True:
        rundir, tunport, endpoint = bridges[bridge]
        text = ofproto_trace(rundir, flow)
        hops.append((bridge, ovs_steps(text)))
        verdict = ovs_verdict(text, tunport)
        if verdict[0] != "tunnel":
            break
        if len(hops) > 2:
            fail("OVS tunnels more than once")
        dst = [n for n, v in bridges.items() if v[0] != rundir][0]
        flow = "in_port=%d,tun_id=%#x,tun_src=%s,tun_dst=%s,%s" % (
            bridges[dst][1], verdict[1], endpoint, bridges[dst][2], inner_flow(text))
        bridge = dst

    # The same flows, bridge by bridge.
    for name, steps in hops:
        mine = [(s["table"], s["cookie"]) for s in ours["steps"] if s["bridge"] == name]
        if mine != steps:
            fail("%s: vxfabricd's steps %s, OVS's %s" % (name, mine, steps))
    if len(hops) != len({s["bridge"] for s in ours["steps"]}):
        fail("vxfabricd crosses %s, OVS %s" % ({s["bridge"] for s in ours["steps"]}, [h[0] for h in hops]))

    # The same verdict.
    kind, value = verdict
    v = ours["verdict"]
    if kind == "delivered":
        ok = v == "delivered" and ours["port"] == value and ours["bridge"] == bridge
        said = "delivered %s %d" % (bridge, value)
    elif kind == "replied":
        ok = v == "answered in the datapath" and ours["bridge"] == bridge
        said = "replied %s %d" % (bridge, ours.get("port", 0))
    elif kind == "controller":
        ok = v == "sent to the controller" and (ours["reason"] == "ttl_expired") == (value == 2)
        said = "controller %s %s" % (bridge, ours["reason"])
    else:
        ok = v == "dropped" and ours["table"] == value and ours["bridge"] == bridge
        said = "dropped %s %d %s" % (bridge, value, ours["reason"])
    if not ok:
        fail("OVS says %s %s on %s; vxfabricd says %s" % (kind, value, bridge, p.stdout))
    print(said, ours.get("controller_answer", ""))


if __name__ == "__main__":
    main()
