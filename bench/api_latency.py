#!/usr/bin/env python3
"""Latency from an API write to the flows being installed on every bridge
it concerns (the last barrier reply), with vxbench's emulated switches.

    api_latency.py VXFABRICD VXBENCH CONFIG [WRITES]

Starts vxfabricd (core 0) with the API on a free port, and vxbench --mode
hold (core 1) with every bridge of CONFIG; once they are programmed, PUTs
and DELETEs WRITES hosts one at a time and measures, for each, the time
until the last barrier the write caused (no new barrier for 200 ms).
Prints the median and p99 and one JSON line.
"""
import http.client
import json
import os
import re
import select
import socket
import statistics
import subprocess
import sys
import time


def port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    vxfabricd, vxbench, config = sys.argv[1:4]
    writes = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    of, api = port(), port()
    conf = config + ".api.conf"
    with open(conf, "w") as f:
        text = re.sub(r'(?m)^api_listen = .*$', '', open(config).read())
        f.write(text + '\napi_listen = "tcp:127.0.0.1:%d";\n' % api)
    ctl = subprocess.Popen(["taskset", "-c", "0", vxfabricd, "--config", conf, "--workers", "1",
                            "--listen", "tcp:127.0.0.1:%d" % of, "--log-level", "warn"],
                           stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    bench = subprocess.Popen(["taskset", "-c", "1", vxbench, "--config", conf, "--controller",
                              "tcp:127.0.0.1:%d" % of, "--mode", "hold", "--duration", "600"],
                             stdout=subprocess.PIPE, bufsize=0)
    fd = bench.stdout.fileno()
    pending = b""

    def lines(timeout):
        """Lines vxbench printed within 'timeout' s of the last one (raw fd
        reads: a buffered reader would hide lines from select())."""
        nonlocal pending
        while True:
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                yield line.decode()
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                return
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            pending += chunk

    try:
        line = next(lines(120), "")
        if not line.startswith("ready"):
            sys.exit("api_latency: vxbench did not get ready: %r" % line)
        n_switches = int(line.split()[1])
        http_conn = http.client.HTTPConnection("127.0.0.1", api, timeout=30)
        http_conn.request("GET", "/v1/networks/3")
        prefix = json.loads(http_conn.getresponse().read())["subnet"].rsplit(".", 1)[0]
        http_conn.request("GET", "/v1/bridges")
        bridge = json.loads(http_conn.getresponse().read())[0]["dpid"]
        lat, bridges_touched = [], []
        for i in range(writes):
            path = "/v1/hosts/3/02:b0:00:00:00:%02x" % (i % 40 + 1)
            for method, body in (("PUT", json.dumps({"bridge": bridge, "port": 61000 + i % 40,
                                                      "ip": "%s.%d" % (prefix, 200 + i % 40)})),
                                 ("DELETE", None)):
                t0 = time.monotonic_ns()
                http_conn.request(method, path, body=body)
                r = http_conn.getresponse()
                r.read()
                if r.status not in (200, 201, 204):
                    sys.exit("api_latency: %s %s -> %d" % (method, path, r.status))
                last, seen = None, set()
                for line in lines(0.2):
                    _, dpid, ts = line.split()
                    if int(ts) >= t0:
                        last = max(last or 0, int(ts))
                        seen.add(dpid)
                if last is None:
                    sys.exit("api_latency: no barrier after %s %s" % (method, path))
                lat.append((last - t0) / 1e6)
                bridges_touched.append(len(seen))
        lat.sort()
        res = {"bench": "api_latency", "switches": n_switches, "writes": len(lat),
               "p50_ms": round(statistics.median(lat), 3), "p99_ms": round(lat[int(len(lat) * 0.99)], 3),
               "bridges_per_write": statistics.median(bridges_touched)}
        print("API write -> flows installed on every concerned bridge (%d switches): "
              "p50 %.3f ms, p99 %.3f ms, %s bridges per write" %
              (n_switches, res["p50_ms"], res["p99_ms"], res["bridges_per_write"]))
        print(json.dumps(res))
    finally:
        bench.kill()
        ctl.terminate()
        ctl.wait()
        os.unlink(conf)


if __name__ == "__main__":
    main()
