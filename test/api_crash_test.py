#!/usr/bin/env python3
"""Crash test of the API's persistence: a stream of API writes (PUTs and
DELETEs of hosts), vxfabricd killed with SIGKILL at random moments and
restarted, ten times.  After each restart the model must hold every
acknowledged change and nothing else: the one request in flight at the
kill may land or not, but never half.

    api_crash_test.py VXFABRICD SOURCE_DIR [CYCLES]
"""
import json
import os
import re
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from vxtestlib import free_port



def main():
    daemon, src = sys.argv[1], sys.argv[2]
    cycles = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    rng = random.Random(7)
    work = tempfile.mkdtemp()
    api, of = free_port(), free_port()
    conf = os.path.join(work, "vxfabric.conf")
    with open(conf, "w") as f:
        text = open(os.path.join(src, "conf/vxfabric.conf")).read()
        text = re.sub(r'(?m)^api_listen = .*$', 'api_listen = "tcp:127.0.0.1:%d";' % api, text)
        f.write(text + '\napi_store = "%s/api.db";\n' % work)
    base = "http://127.0.0.1:%d" % api

    # The truth: host key -> ip for acknowledged PUTs, None for acknowledged DELETEs.
    acked = {}
    config_hosts = None
    failures = 0

    def start():
        p = subprocess.Popen([daemon, "--config", conf, "--listen", "tcp:127.0.0.1:%d" % of],
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "log"), "a"))
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", api), timeout=0.1).close()
                return p
            except OSError:
                time.sleep(0.02)
        sys.exit("daemon did not start")

    def request(method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(base + path, data=data, method=method)
        try:
            with urllib.request.urlopen(req, timeout=2) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def model():
        _, text = request("GET", "/v1/hosts")
        return {"%d/%s" % (h["network"], h["mac"]): h["ip"] for h in json.loads(text)}

    n_writes = 0
    for cycle in range(cycles):
        proc = start()
        state = model()
        if config_hosts is None:
            config_hosts = dict(state)
        # Check: every acknowledged change is there; nothing unexplained.
        expected = dict(config_hosts)
        for k, ip in acked.items():
            if ip is None:
                expected.pop(k, None)
            else:
                expected[k] = ip
        in_flight = getattr(main, "in_flight", None)
        for k in set(expected) | set(state):
            if expected.get(k) != state.get(k) and not (in_flight and k == in_flight[0]):
                print("FAIL cycle %d: %s is %s, acknowledged %s" % (cycle, k, state.get(k), expected.get(k)))
                failures += 1
        if in_flight:   # whatever happened to it, the model now says
            acked[in_flight[0]] = state.get(in_flight[0])

        # Stream writes and kill at a random moment.
        stop = threading.Event()

        def writer():
            nonlocal n_writes
            while not stop.is_set():
                i = rng.randrange(200)
                key = "3/02:00:00:00:%02x:%02x" % (i >> 8, i & 255)
                main.in_flight = (key,)
                try:
                    if rng.random() < 0.7:
                        ip = "192.168.5.%d" % (10 + i)
                        code, _ = request("PUT", "/v1/hosts/" + key,
                                          {"bridge": "hv%d" % (1 + i % 2), "port": 100 + i, "ip": ip})
                        if code in (200, 201):
                            acked[key] = ip
                    else:
                        code, _ = request("DELETE", "/v1/hosts/" + key)
                        if code in (204, 404):
                            acked[key] = None
                except (urllib.error.URLError, ConnectionError, OSError):
                    return      # killed mid-request: stays in flight
                main.in_flight = None
                n_writes += 1

        t = threading.Thread(target=writer)
        t.start()
        time.sleep(rng.uniform(0.2, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        t.join()

    proc = start()
    proc.terminate()
    proc.wait()
    print("api_crash: %d cycles, %d acknowledged writes, %d mismatches" % (cycles, n_writes, failures))
    print("api_crash: %d passed, %d failed" % (1 if not failures else 0, 1 if failures else 0))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
