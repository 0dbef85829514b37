#!/usr/bin/env bash
# Instructions per packet-in, whole process (callgrind): vxfabricd, one
# worker, under a throughput load from vxbench (16 switches x 20 hosts by
# default).  Instrumentation is switched on only for the measured window
# (after the handshakes and the flow programming), so the figure is every
# instruction the process executed in that window -- decode, lookups,
# replies, the event loop, counters, timers, the main thread -- divided by
# the packet-ins it handled (the daemon's pktin counter, read from its
# /metrics around each switch of the instrumentation; the range printed is
# what the reads' spread allows).  Syscalls' kernel side is not counted
# (callgrind sees user space only).
#
#   bench/instructions.sh [MODE...]      (default: arp dhcp)
#
# Needs valgrind (scripts/install-deps.sh bench).  Traffic on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
MODES=${*:-arp dhcp}
B=build
WORK=$(mktemp -d); [ -n "${KEEP:-}" ] && echo "work: $WORK"
PID=
# KEEP=1 keeps the callgrind files (callgrind_annotate WORK/callgrind.MODE).
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
    [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
python3 bench/topogen.py --bridges 16 --hosts-per-bridge 20 --networks 32 --routers 5 --seed 1 \
    --workers 1 --packet-in-rate 1000000000 >"$WORK/fabric.conf"

api=$(port)
sed -i "s|^workers = 1;|workers = 1;\napi_listen = \"tcp:127.0.0.1:$api\";|" "$WORK/fabric.conf"
pktins() {  # the packet-ins the daemon has handled (its /metrics)
    curl -s "http://127.0.0.1:$api/metrics" | awk '$1 ~ /^vxfabric_pktin\{/ {n += $2} END {print n + 0}'
}

for mode in $MODES; do
    p=$(port)
    out="$WORK/callgrind.$mode"
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
        "$B/vxfabricd" --config "$WORK/fabric.conf" --listen "tcp:127.0.0.1:$p" --workers 1 \
        >"$WORK/d.log" 2>&1 &
    PID=$!
    for _ in $(seq 300); do ss -Hltn "sport = :$p" | grep -q . && break; sleep 0.1; done
    "$B/bench/vxbench" --config "$WORK/fabric.conf" --controller "tcp:127.0.0.1:$p" --mode "$mode" \
        --duration 12 --warmup 4 >"$WORK/bench.$mode" 2>&1 &
    bench=$!
    sleep 6
    # The count of packet-ins is read from the daemon's counters around
    # each switch of the instrumentation: the midpoints bound the window,
    # and the spread is the figure's uncertainty.
    a1=$(pktins); callgrind_control -i on "$PID" >/dev/null 2>&1; a2=$(pktins)
    sleep 6
    b1=$(pktins); callgrind_control -i off "$PID" >/dev/null 2>&1; b2=$(pktins)
    wait "$bench" || true
    kill -INT "$PID"; wait "$PID" 2>/dev/null || true
    PID=
    python3 - "$out" "$mode" "$a1" "$a2" "$b1" "$b2" <<'PY'
import sys
total = 0
for line in open(sys.argv[1]):
    if line.startswith("summary:") or line.startswith("totals:"):
        total = max(total, int(line.split()[1]))
a1, a2, b1, b2 = (int(x) for x in sys.argv[3:7])
n = (b1 + b2) / 2 - (a1 + a2) / 2
slop = ((a2 - a1) + (b2 - b1)) / 2
if n <= 0:
    sys.exit("no packet-in was handled while instrumented")
print("%-5s instructions %14d  packet-ins %10.0f (+/- %.0f)  instructions per packet-in %7.0f (%.0f..%.0f)"
      % (sys.argv[2], total, n, slop, total / n, total / (n + slop), total / max(n - slop, 1)))
PY
done
