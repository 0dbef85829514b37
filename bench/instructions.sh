#!/usr/bin/env bash
# Instructions per packet-in, whole process (callgrind): vxfabricd, one
# worker, under a throughput load from vxbench (16 switches x 20 hosts by
# default).  Instrumentation is switched on only for the measured window
# (after the handshakes and the flow programming), so the figure is every
# instruction the process executed in that window -- decode, lookups,
# replies, the event loop, counters, timers, the main thread -- divided by
# the packet-ins it decoded (calls of ofp_decode_packet_in, which the
# packet-in path makes once per PACKET_IN).  Syscalls' kernel side
# is not counted (callgrind sees user space only).
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
    callgrind_control -i on "$PID" >/dev/null 2>&1
    sleep 6
    callgrind_control -i off "$PID" >/dev/null 2>&1
    wait "$bench" || true
    kill -INT "$PID"; wait "$PID" 2>/dev/null || true
    PID=
    python3 - "$out" "$mode" <<'PY'
import re, sys
total = calls = 0
cfn = None
names = {}
for line in open(sys.argv[1]):
    if line.startswith("summary:") or line.startswith("totals:"):
        total = max(total, int(line.split()[1]))
    # Names are compressed: "(id) name" the first time, "(id)" after,
    # in fn= and cfn= lines alike.
    m = re.match(r"(c?)fn=\((\d+)\)(?: (.*))?", line)
    if m:
        if m.group(3):
            names[m.group(2)] = m.group(3).strip()
        if m.group(1):
            cfn = names.get(m.group(2))
        continue
    if line.startswith("calls=") and cfn == "ofp_decode_packet_in":
        calls += int(line.split()[0][6:])
if not calls:
    sys.exit("no packet-in was handled while instrumented")
print("%-5s instructions %14d  packet-ins %10d  instructions per packet-in %7.0f"
      % (sys.argv[2], total, calls, total / calls))
PY
done
