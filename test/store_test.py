#!/usr/bin/env python3
"""The API store's snapshot and log (#13 item 10): many writes to few
objects leave one snapshot row per object after a restart, the state is
the same as before it, and a configuration file that changed under the
snapshot still gets every stored change that applies.

    store_test.py VXFABRICD SOURCE_DIR
"""
import json
import os
import re
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import api_test  # noqa: E402
from api_test import start, call, check  # noqa: E402
from vxtestlib import free_port  # noqa: E402


def rows(db, table):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT COUNT(*) FROM %s" % table).fetchone()[0]
    finally:
        con.close()


def stop(proc):
    proc.terminate()
    proc.wait()


def main():
    daemon, src = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp()
    db = os.path.join(work, "api.db")
    extra = 'api_store = "%s";' % db

    proc, base, conf = start(daemon, src, extra)
    # 300 writes to 3 objects: a new network, a host in it, a file host moved.
    for i in range(100):
        call(base, "PUT", "/v1/networks/50",
             {"subnet": "172.16.0.0/24", "gateway": "172.16.0.1", "dns": ["172.16.0.%d" % (2 + i % 50)]})
        call(base, "PUT", "/v1/hosts/50/02:00:00:00:50:01",
             {"bridge": "hv1", "port": 40 + i % 10, "ip": "172.16.0.%d" % (100 + i)})
        call(base, "PUT", "/v1/hosts/1/da:1d:64:e8:e6:86",
             {"bridge": "hv1", "port": 1, "ip": "10.0.0.%d" % (30 + i)})
    call(base, "DELETE", "/v1/hosts/1/ba:ce:a6:08:b6:67")
    before = {p: call(base, "GET", p)[1] for p in ("/v1/networks", "/v1/hosts")}
    stop(proc)
    check("log holds every write before compaction", rows(db, "changes") == 301,
          str(rows(db, "changes")))

    # Restart: replay, then compaction at open.
    proc, base, _ = start(daemon, src, extra)
    after = {p: call(base, "GET", p)[1] for p in ("/v1/networks", "/v1/hosts")}
    check("state survives the restart", after == before)
    check("log empty after compaction", rows(db, "changes") == 0, str(rows(db, "changes")))
    check("one snapshot row per object", rows(db, "snapshot") == 4, str(rows(db, "snapshot")))
    # And again, from the snapshot alone.
    stop(proc)
    proc, base, _ = start(daemon, src, extra)
    again = {p: call(base, "GET", p)[1] for p in ("/v1/networks", "/v1/hosts")}
    check("state rebuilt from the snapshot", again == before)
    stop(proc)

    # The file changes under the snapshot: a new file host takes the IP of
    # the API's host 50/02:..:50:01.  The batch fails validation; replay
    # falls back to change by change and keeps everything else.
    ip = json.loads(call_host(before, "50/02:00:00:00:50:01"))["ip"]
    text = open(conf).read()
    text = text.replace('hosts = (', 'hosts = (\n  { mac = "02:00:00:00:50:99"; network = 50; '
                        'bridge = "hv2"; port = 9; ip = "%s"; },' % ip, 1)
    text = re.sub(r'networks = \(', 'networks = (\n  { id = 50; subnet = "172.16.0.0/24"; '
                  'gateway = "172.16.0.1"; },', text, count=1)
    with open(conf, "w") as f:
        f.write(text)
    proc, base, _ = start_with(daemon, conf)
    hosts = {"%d/%s" % (h["network"], h["mac"]): h for h in json.loads(call(base, "GET", "/v1/hosts")[1])}
    check("the conflicting stored host is skipped", hosts["50/02:00:00:00:50:99"]["ip"] == ip
          and "50/02:00:00:00:50:01" not in hosts, str(sorted(hosts)))
    check("the other stored changes still apply",
          hosts["1/da:1d:64:e8:e6:86"]["ip"] == "10.0.0.129" and "1/ba:ce:a6:08:b6:67" not in hosts,
          str(hosts.get("1/da:1d:64:e8:e6:86")))
    stop(proc)
    print("store: %d passed, %d failed" % (api_test.passed, api_test.failed))
    sys.exit(1 if api_test.failed else 0)


def call_host(state, key):
    for h in json.loads(state["/v1/hosts"]):
        if "%d/%s" % (h["network"], h["mac"]) == key:
            return json.dumps(h)
    raise SystemExit("no host %s" % key)


def start_with(daemon, conf):
    """Starts vxfabricd on an existing config file (its api_listen kept)."""
    api = int(re.search(r'api_listen = "tcp:127.0.0.1:(\d+)"', open(conf).read()).group(1))
    return api_test.launch(daemon, conf, api, free_port())


if __name__ == "__main__":
    main()
