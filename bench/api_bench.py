#!/usr/bin/env python3
"""API write throughput: sequential PUTs and DELETEs of hosts against a
running vxfabricd, one request at a time (as an orchestrator creating VMs
one by one).  Prints writes/s and the median and p99 request latency.

    api_bench.py http://127.0.0.1:8080 NETWORK BRIDGE [SECONDS]

NETWORK must have its addresses .200-.249 free (hosts are created as
02:a0:00:00:00:XX with those IPs, then deleted).
"""
import http.client
import json
import statistics
import sys
import time
import urllib.parse


def main():
    url, vni, bridge = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 5
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request("GET", "/v1/networks/%d" % vni)
    net = json.loads(conn.getresponse().read())
    prefix = net["subnet"].rsplit(".", 1)[0]
    lat = []
    n = 0
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        i = i % 50 + 1
        path = "/v1/hosts/%d/02:a0:00:00:00:%02x" % (vni, i)
        body = json.dumps({"bridge": bridge, "port": 60000 + i, "ip": "%s.%d" % (prefix, 199 + i)})
        for method, data in (("PUT", body), ("DELETE", None)):
            t = time.monotonic()
            conn.request(method, path, body=data)
            r = conn.getresponse()
            r.read()
            if r.status not in (200, 201, 204):
                sys.exit("api_bench: %s %s -> %d" % (method, path, r.status))
            lat.append(time.monotonic() - t)
            n += 1
    lat.sort()
    print(json.dumps({"bench": "api_writes", "writes": n, "writes_per_s": round(n / seconds, 1),
                      "p50_ms": round(statistics.median(lat) * 1000, 2),
                      "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 2)}))


if __name__ == "__main__":
    main()
