#!/usr/bin/env bash
# Two builds of vxfabricd under the same vxbench load, runs interleaved
# (A, B, A, B...), controller pinned to core 0 and vxbench to core 1.
# For each run: correct replies/s, and the generator's CPU over the counted
# window (near 100 % means vxbench is the cap, and the ratio says little).
#
#   bench/ab.sh DAEMON_A DAEMON_B CONFIG MODE [RUNS] [DURATION]
#     MODE: arp | dhcp | program       RUNS: 5     DURATION: 3 s
#
# Prints one line per run, then the medians and the ratio B/A.
set -euo pipefail
A=$1 B=$2 CONF=$3 MODE=$4 RUNS=${5:-5} DUR=${6:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VXBENCH=${VXBENCH:-$ROOT/build/bench/vxbench}
n_sw=$(grep -c "dpid =" "$CONF")
out=$(mktemp)

one() {  # one LABEL DAEMON
    local port pid json
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    taskset -c 0 "$2" --config "$CONF" --listen tcp:127.0.0.1:"$port" --workers 1 --log-level warn \
        >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do ss -Hltn "sport = :$port" | grep -q . && break; sleep 0.05; done
    if [ "$MODE" = program ]; then
        json=$(taskset -c 1 "$VXBENCH" --config "$CONF" --controller tcp:127.0.0.1:"$port" \
               --mode program --switches "$n_sw" --controller-pid "$pid" | tail -n 1)
    else
        json=$(taskset -c 1 "$VXBENCH" --config "$CONF" --controller tcp:127.0.0.1:"$port" \
               --mode "$MODE" --switches "$n_sw" --duration "$DUR" --warmup 1 \
               --controller-pid "$pid" | tail -n 1)
    fi
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "$1 $json" | tee -a "$out"
}

for r in $(seq "$RUNS"); do one A "$A"; one B "$B"; done
python3 - "$out" "$MODE" <<'PY'
import json, statistics, sys
rows = [l.split(" ", 1) for l in open(sys.argv[1])]
mode = sys.argv[2]
key = "converge_s" if mode == "program" else "replies_per_s"
med = {}
for label in ("A", "B"):
    js = [json.loads(j) for l, j in rows if l == label]
    med[label] = statistics.median(j[key] for j in js)
    extra = ""
    if mode == "program":
        extra = " flow_mods %s, reconnect flow_mods %s, RSS %s KiB" % (
            statistics.median(j["flow_mods"] for j in js),
            statistics.median(j["reconnect_flow_mods"] for j in js),
            statistics.median(j["controller_rss_kib"] for j in js))
    else:
        extra = " (runs %s), generator CPU %s %%, wrong %d, missing %d" % (
            " / ".join("%.2fM" % (j[key] / 1e6) for j in js),
            " / ".join("%d" % j.get("generator_cpu_pct", -1) for j in js),
            sum(j["wrong"] for j in js), sum(j["missing"] for j in js))
    print("%s median %s %.3f%s" % (label, key, med[label], extra))
print("ratio B/A %.2f" % (med["B"] / med["A"]))
PY
rm -f "$out"
