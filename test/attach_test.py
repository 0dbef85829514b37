#!/usr/bin/env python3
"""1,000 concurrent zero-touch attaches through the API (#17), with
vxfabricd killed by SIGKILL in the middle of the stream and restarted.

Every attach asks the controller for both the MAC and the IP.  Checks:
no address (IP or MAC) is ever handed out twice, and every acknowledged
attach is in the model after the restart, with the same MAC and IP; the
attach in flight at the kill may land or not, never half.  Then the rest
of the 1,000 complete on the restarted daemon, still without a duplicate.

    attach_test.py VXFABRICD SOURCE_DIR
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from vxtestlib import free_port, start_daemon

N = 1000
THREADS = 32
KILL_AFTER = 400            # acknowledged attaches before the kill


def main():
    daemon, src = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp()
    api, of = free_port(), free_port()
    conf = os.path.join(work, "vxfabric.conf")
    text = open(os.path.join(src, "conf/vxfabric.conf")).read()
    text = re.sub(r'(?m)^api_listen = .*$', 'api_listen = "tcp:127.0.0.1:%d";' % api, text)
    text = text.replace("networks = (", 'networks = (\n  { id = 50; subnet = "10.50.0.0/20"; '
                        'gateway = "10.50.15.254"; dns = [ "10.50.15.253" ]; reserved = "10.50.0.1-10.50.0.9"; },', 1)
    with open(conf, "w") as f:
        text = re.sub(r'(?m)^log_level = .*$', 'log_level = "warn";', text)
        f.write(text + '\napi_store = "%s/api.db";\n' % work)
    base = "http://127.0.0.1:%d" % api
    log = open(os.path.join(work, "log"), "a")

    def start():
        p = start_daemon(daemon, conf, api, of, log)
        if p.poll() is not None:
            sys.exit("daemon did not start")
        return p

    def attach(i):
        body = json.dumps({"network": 50, "bridge": "hv1", "iface": "a%04d" % i}).encode()
        req = urllib.request.Request(base + "/v1/attach", data=body, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return i, r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return i, e.code, e.read().decode()
        except (OSError, urllib.error.URLError) as e:
            return i, 0, str(e)          # the daemon died under it

    acked = {}                           # iface -> (mac, ip)
    lock = threading.Lock()
    proc = start()
    killed = threading.Event()

    def run(i):
        _, status, body = attach(i)
        with lock:
            if status == 201:
                acked["a%04d" % i] = (body["mac"], body["ip"])
                if len(acked) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    proc.send_signal(signal.SIGKILL)
            return status

    with ThreadPoolExecutor(THREADS) as ex:
        statuses = list(ex.map(run, range(N)))
    proc.wait()
    before_kill = dict(acked)
    failures = []

    def check(name, cond, detail=""):
        if not cond:
            failures.append(name)
            print("FAIL %s %s" % (name, detail))

    def duplicates(pairs):
        macs = [m for m, _ in pairs]
        ips = [ip for _, ip in pairs]
        return len(macs) - len(set(macs)), len(ips) - len(set(ips))

    check("the daemon was killed mid-stream", killed.is_set() and statuses.count(0) > 0,
          "%d acked, %d refused connections" % (len(acked), statuses.count(0)))
    check("no address handed out twice before the kill", duplicates(before_kill.values()) == (0, 0))

    proc = start()
    try:
        hosts = json.loads(urllib.request.urlopen(base + "/v1/hosts", timeout=10).read())
        net50 = {h["port"]: (h["mac"], h["ip"]) for h in hosts if h["network"] == 50}
        lost = [k for k, v in before_kill.items() if net50.get(k) != v]
        check("every acknowledged attach survived the kill", not lost, "lost or changed: %s" % lost[:5])
        extra = set(net50) - set(before_kill)
        check("at most the one in flight landed unacknowledged", len(extra) <= THREADS, str(sorted(extra)[:5]))

        # The rest, on the restarted daemon.
        rest = [i for i in range(N) if "a%04d" % i not in net50]
        with ThreadPoolExecutor(THREADS) as ex:
            results = list(ex.map(attach, rest))
        for i, status, body in results:
            if status == 201:
                net50["a%04d" % i] = (body["mac"], body["ip"])
        check("all the rest attached", all(s == 201 for _, s, _ in results),
              str([r for r in results if r[1] != 201][:3]))
        check("1,000 hosts in network 50", len(net50) == N, str(len(net50)))
        check("no IP or MAC twice among them", duplicates(net50.values()) == (0, 0))
        ips = sorted(tuple(map(int, ip.split("."))) for _, ip in net50.values())
        check("the gateway, DNS and reserved range were skipped",
              all(ip >= (10, 50, 0, 10) and ip not in [(10, 50, 15, 253), (10, 50, 15, 254)] for ip in ips))
        hosts = json.loads(urllib.request.urlopen(base + "/v1/hosts", timeout=10).read())
        check("the model holds exactly them", sorted(
            h["port"] for h in hosts if h["network"] == 50) == sorted(net50), "")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print("attach: %d acknowledged before the kill, %d after; %s" %
          (len(before_kill), N - len(before_kill), "FAILED: " + ", ".join(failures) if failures else "ok"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
