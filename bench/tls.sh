#!/usr/bin/env bash
# OpenFlow over TLS against TCP, same vxfabricd (#18):
#  1. ARP packet-in throughput, 16 switches × 20 hosts, runs interleaved
#     (TCP, TLS, TCP, TLS...), 1 worker on core 0, vxbench on core 1:
#     medians and the TLS/TCP ratio, with the generator's CPU;
#  2. a storm of 1,000 switches connecting at once: the time until every
#     one has finished its handshake (TLS, then HELLO and FEATURES).
# Certificates are made with ovs-pki in a temporary directory.
#
#   bench/tls.sh [RUNS] [DURATION]        defaults: 5 runs, 5 s
set -euo pipefail
RUNS=${1:-5} DUR=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VXFABRICD=${VXFABRICD:-$ROOT/build/vxfabricd}
VXBENCH=${VXBENCH:-$ROOT/build/bench/vxbench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ovs-pki init --dir="$work/pki" -l "$work/pki.log" >/dev/null
(cd "$work" && ovs-pki req+sign ctl controller --dir="$work/pki" -l "$work/pki.log" >/dev/null \
    && ovs-pki req+sign sw switch --dir="$work/pki" -l "$work/pki.log" >/dev/null)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

conf() {  # conf BRIDGES HOSTS OUT
    python3 "$ROOT/bench/topogen.py" --bridges "$1" --hosts-per-bridge "$2" --networks "$1" --routers 0 \
        --packet-in-rate 1000000000 --listen tcp:127.0.0.1:0 >"$3.base"
    { echo "ssl_private_key = \"$work/ctl-privkey.pem\";"
      echo "ssl_certificate = \"$work/ctl-cert.pem\";"
      echo "ssl_ca_cert = \"$work/pki/switchca/cacert.pem\";"
      grep -v '^listen' "$3.base"; } >"$3"
}

one() {  # one CONF SCHEME SWITCHES DURATION: vxbench's JSON line
    local tcp tls pid json
    tcp=$(free_port); tls=$(free_port)
    taskset -c 0 "$VXFABRICD" --config <(sed "1i ssl_listen = \"ssl:127.0.0.1:$tls\";" "$1") \
        --listen tcp:127.0.0.1:"$tcp" --workers 1 --log-level err >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do ss -Hltn "sport = :$tls" | grep -q . && break; sleep 0.05; done
    local port=$tcp; [ "$2" = ssl ] && port=$tls
    json=$(taskset -c 1 "$VXBENCH" --config "$1" --controller "$2:127.0.0.1:$port" --switches "$3" \
           --duration "$4" --warmup 1 --controller-pid "$pid" --ssl-key "$work/sw-privkey.pem" \
           --ssl-cert "$work/sw-cert.pem" --ssl-ca "$work/pki/controllerca/cacert.pem" | tail -n 1)
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "$2 $json"
}

conf 16 20 "$work/f16.conf"
for r in $(seq "$RUNS"); do one "$work/f16.conf" tcp 16 "$DUR"; one "$work/f16.conf" ssl 16 "$DUR"; done \
    | tee "$work/throughput"
conf 1000 1 "$work/f1000.conf"
for r in $(seq 3); do one "$work/f1000.conf" tcp 1000 1; one "$work/f1000.conf" ssl 1000 1; done \
    | tee "$work/storm"
python3 - "$work/throughput" "$work/storm" <<'PY'
import json, statistics, sys
def load(path):
    rows = [l.split(" ", 1) for l in open(path)]
    return {k: [json.loads(j) for s, j in rows if s == k] for k in ("tcp", "ssl")}
t = load(sys.argv[1])
med = {k: statistics.median(j["replies_per_s"] for j in v) for k, v in t.items()}
for k in ("tcp", "ssl"):
    print("ARP %s: median %.2fM replies/s (runs %s), generator CPU %s %%, wrong %d, missing %d" % (
        k, med[k] / 1e6, " / ".join("%.2fM" % (j["replies_per_s"] / 1e6) for j in t[k]),
        " / ".join("%d" % j["generator_cpu_pct"] for j in t[k]),
        sum(j["wrong"] for j in t[k]), sum(j["missing"] for j in t[k])))
print("ratio TLS/TCP %.2f" % (med["ssl"] / med["tcp"]))
s = load(sys.argv[2])
for k in ("tcp", "ssl"):
    print("storm of 1,000 %s connections: all connected after median %.2f s (runs %s)" % (
        k, statistics.median(j["connect_s"] for j in s[k]), " / ".join("%.2f" % j["connect_s"] for j in s[k])))
PY
