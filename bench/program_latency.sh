#!/usr/bin/env bash
# Packet-in latency while a fabric is programmed: vxfabricd (1 worker,
# core 0) programs B-1 emulated switches from scratch (vxbench --mode
# program, core 1) while one more switch of the same worker sends ARP
# requests one at a time (vxbench --latency, core 1), before, during and
# after the programming.  Prints the programming run and the probe's
# latency percentiles: whether answering waits behind flow computation
# and FLOW_MOD pushes.
#
#   bench/program_latency.sh [RUNS] [BRIDGES] [HOSTS]     (3 runs, 1000 x 100)
#
# Traffic on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3} NB=${2:-1000} NH=${3:-100}
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

python3 bench/topogen.py --bridges "$NB" --hosts-per-bridge "$NH" --networks $((NB * 2)) \
    --routers $((NB / 4 + 1)) --seed 1 --workers 1 --packet-in-rate 1000000000 >"$WORK/fabric.conf"
# The probe's config: the same fabric with the last bridge first, so that
# 'vxbench --switches 1' emulates the one switch the programming run leaves out.
python3 - "$WORK/fabric.conf" "$WORK/probe.conf" <<'PY'
import sys
s = open(sys.argv[1]).read()
a = s.index("bridges = (")
b = s.index(");", a)
items = [l.rstrip(",") for l in s[a:b].split("\n")[1:] if l.strip()]
items = items[-1:] + items[:-1]
open(sys.argv[2], "w").write(s[:a] + "bridges = (\n" + ",\n".join(items) + "\n" + s[b:])
PY

for r in $(seq "$RUNS"); do
    p=$(port)
    taskset -c 0 build/vxfabricd --config "$WORK/fabric.conf" --listen "tcp:127.0.0.1:$p" \
        --workers 1 --log-level warn >"$WORK/d.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    for _ in $(seq 300); do ss -Hltn "sport = :$p" | grep -q . && break; sleep 0.1; done
    taskset -c 1 build/bench/vxbench --config "$WORK/probe.conf" --controller "tcp:127.0.0.1:$p" \
        --mode arp --latency --switches 1 --duration 8 --warmup 0 >"$WORK/probe.out" 2>&1 &
    probe=$!
    sleep 1.5               # the probe's switch is programmed and answering
    prog=$(taskset -c 1 build/bench/vxbench --config "$WORK/fabric.conf" --controller "tcp:127.0.0.1:$p" \
           --mode program --switches $((NB - 1)) --controller-pid "$pid" | grep '^{')
    wait "$probe" || true
    python3 - "$r" "$prog" "$(grep '^{' "$WORK/probe.out")" <<'PY'
import json, sys
prog, probe = json.loads(sys.argv[2]), json.loads(sys.argv[3])
print("run %s: programmed %d switches, %d FLOW_MODs in %.2f s; probe: %d replies, wrong %d, missing %d, "
      "latency p50 %d us, p99 %d us, p99.9 %d us, max %d us"
      % (sys.argv[1], prog["switches"], prog["flow_mods"], prog["converge_s"], probe["replies_per_s"] * 8,
         probe["wrong"], probe["missing"], probe["p50_us"], probe["p99_us"], probe["p999_us"], probe["max_us"]))
PY
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
