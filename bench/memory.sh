#!/usr/bin/env bash
# Memory of two builds of vxfabricd under two loads (#12), B bridges × H
# hosts, runs interleaved (A, B, A, B...), controller (1 worker) pinned to
# core 0, vxbench to core 1:
#  - a deep window: every switch keeps W ARP packet-ins outstanding and
#    reads its replies (throughput, peak RSS);
#  - a flood (vxbench --flood): every switch keeps 64 KiB of packet-ins
#    queued and never reads a reply, so the replies can only pile up in
#    the controller (issue #12's load): peak RSS after DURATION.
#
#   bench/memory.sh DAEMON_A DAEMON_B [RUNS] [DURATION] [BRIDGES] [HOSTS] [WINDOW]
#     defaults: 3 runs, 10 s, 1000 bridges, 10 hosts, window 640 (~64 KiB of ARP packet-ins)
#
# Per run: correct replies/s, the controller's peak RSS (VmHWM), the
# generator's CPU; then medians.
set -euo pipefail
A=$1 B=$2 RUNS=${3:-3} DUR=${4:-10} NB=${5:-1000} NH=${6:-10} WIN=${7:-640}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VXBENCH=${VXBENCH:-$ROOT/build/bench/vxbench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$ROOT/bench/topogen.py" --bridges "$NB" --hosts-per-bridge "$NH" --networks "$NB" \
    --routers 0 --packet-in-rate 1000000000 --listen tcp:127.0.0.1:0 >"$work/fabric.conf"

# bench LABEL DAEMON OUT VXBENCH_ARGS...: starts DAEMON (1 worker, core 0),
# runs vxbench on core 1 against it, and appends "LABEL PEAK_RSS_KIB JSON"
# to OUT.
bench() {
    local label=$1 daemon=$2 out=$3 port pid json hwm
    shift 3
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    taskset -c 0 "$daemon" --config "$work/fabric.conf" --listen tcp:127.0.0.1:"$port" --workers 1 \
        --log-level err >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do ss -Hltn "sport = :$port" | grep -q . && break; sleep 0.05; done
    json=$(taskset -c 1 "$VXBENCH" --config "$work/fabric.conf" --controller tcp:127.0.0.1:"$port" \
           --switches "$NB" --duration "$DUR" --controller-pid "$pid" "$@" | tail -n 1)
    hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "$label $hwm $json" | tee -a "$out"
}
one() { bench "$1" "$2" "$work/out" --mode arp --warmup 2 --window "$WIN"; }
flood() { bench "$1" "$2" "$work/flood" --flood; }

for r in $(seq "$RUNS"); do one A "$A"; one B "$B"; done
for r in $(seq "$RUNS"); do flood A "$A"; flood B "$B"; done
python3 - "$work/flood" <<'PY'
import json, statistics, sys
rows = [l.split(" ", 2) for l in open(sys.argv[1])]
for label in ("A", "B"):
    js = [json.loads(j) for l, h, j in rows if l == label]
    print("%s flood: controller peak RSS median %d MiB (runs %s), %s MiB of packet-ins queued" % (
        label, statistics.median(j["controller_peak_rss_kib"] for j in js) // 1024,
        " / ".join("%d" % (j["controller_peak_rss_kib"] // 1024) for j in js),
        " / ".join("%.0f" % j["queued_mib"] for j in js)))
PY
python3 - "$work/out" <<'PY'
import json, statistics, sys
rows = [l.split(" ", 2) for l in open(sys.argv[1])]
for label in ("A", "B"):
    rs = [(int(h), json.loads(j)) for l, h, j in rows if l == label]
    print("%s slowest switch / mean: %s" % (label, " / ".join(
        "%.2f" % (j["switch_min_per_s"] / j["switch_mean_per_s"]) for _, j in rs if j.get("switch_mean_per_s"))))
    print("%s median replies/s %.2fM, peak RSS %d MiB (runs %s), generator CPU %s %%, wrong %d, missing %d" % (
        label, statistics.median(j["replies_per_s"] for _, j in rs) / 1e6,
        statistics.median(h for h, _ in rs) // 1024, " / ".join("%d" % (h // 1024) for h, _ in rs),
        " / ".join("%d" % j.get("generator_cpu_pct", -1) for _, j in rs),
        sum(j["wrong"] for _, j in rs), sum(j["missing"] for _, j in rs)))
PY
