#!/usr/bin/env bash
# Runs the same vxbench load against vxfabricd, the baseline responder and
# the os-ken peer, RUNS times each, and prints medians and ratios measured
# in this one run.  The controller under test is pinned to core 0 and the
# generator to core 1 (taskset), so they never share a core.
#
#   bench/compare.sh [--runs N] [--switches N] [--duration S] [--modes "arp dhcp"]
#
# Needs: a build (cmake --build build), python3-os-ken for the peer
# (scripts/install-deps.sh bench).  Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3 SWITCHES=16 DURATION=5 HOSTS=20 MODES="arp dhcp"
while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --switches) SWITCHES=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--switches N] [--duration S] [--modes \"arp dhcp\"]"; exit 2 ;;
    esac
done
B=build
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

python3 bench/topogen.py --bridges "$SWITCHES" --hosts-per-bridge "$HOSTS" \
    --networks $((SWITCHES * 2)) --routers $((SWITCHES / 4 + 1)) --seed 1 --workers 1 \
    --packet-in-rate 1000000000 >"$WORK/fabric.conf"

start_target() {  # start_target NAME PORT: starts it on core 0, echoes its PID
    case $1 in
    vxfabricd) taskset -c 0 "$B/vxfabricd" --config "$WORK/fabric.conf" --listen "tcp:127.0.0.1:$2" --workers 1 \
                   >"$WORK/$1.log" 2>&1 & ;;
    baseline)  taskset -c 0 "$B/bench/baseline" "$2" >"$WORK/$1.log" 2>&1 & ;;
    os-ken)    VXBENCH_CONFIG="$WORK/fabric.conf" taskset -c 0 osken-manager --ofp-listen-host 127.0.0.1 \
                   --ofp-tcp-listen-port "$2" bench/osken_arp.py >"$WORK/$1.log" 2>&1 & ;;
    esac
    echo $!
}

run_one() {  # run_one TARGET MODE: one vxbench run, appends its JSON line
    local target=$1 mode=$2 p pid verify=""
    p=$(port)
    pid=$(start_target "$target" "$p")
    PIDS+=("$pid")
    for _ in $(seq 100); do ss -Hltn "sport = :$p" | grep -q . && break; sleep 0.1; done
    [ "$target" = baseline ] && verify=--no-verify
    taskset -c 1 "$B/bench/vxbench" --config "$WORK/fabric.conf" --controller "tcp:127.0.0.1:$p" \
        --mode "$mode" --switches "$SWITCHES" --duration "$DURATION" --warmup 1 $verify \
        --controller-pid "$pid" --label "$target" | grep '^{' >>"$WORK/results.jsonl" || true
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
}

for mode in $MODES; do
    for r in $(seq "$RUNS"); do
        for target in vxfabricd baseline os-ken; do
            # The baseline and the peer only answer ARP.
            [ "$mode" != arp ] && [ "$target" != vxfabricd ] && continue
            if [ "$target" = os-ken ] && ! command -v osken-manager >/dev/null; then
                continue
            fi
            run_one "$target" "$mode"
        done
    done
done

python3 - "$WORK/results.jsonl" "$RUNS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(label, mode, key):
    v = [r[key] for r in rows if r["label"] == label and r["mode"] == mode]
    return statistics.median(v) if v else None
print("%-10s %-5s %14s %8s %8s %8s %8s" % ("target", "mode", "replies/s", "p50us", "p99us", "wrong", "missing"))
for r in rows:
    print("%-10s %-5s %14.0f %8d %8d %8d %8d" % (r["label"], r["mode"], r["replies_per_s"], r["p50_us"],
                                              r["p99_us"], r["wrong"], r["missing"]))
print("\nmedians of %s runs:" % sys.argv[2])
v, b, o = (med(x, "arp", "replies_per_s") for x in ("vxfabricd", "baseline", "os-ken"))
d = med("vxfabricd", "dhcp", "replies_per_s")
print("  vxfabricd ARP  %12.0f correct replies/s" % (v or 0))
if b: print("  baseline  ARP  %12.0f replies/s (unverified)   vxfabricd/baseline = %.2f" % (b, v / b))
if o: print("  os-ken    ARP  %12.0f correct replies/s        vxfabricd/os-ken   = %.0fx" % (o, v / o))
if d: print("  vxfabricd DHCP %12.0f correct replies/s        DHCP/ARP           = %.2f" % (d, d / v))
summary = {"bench": "compare", "runs": int(sys.argv[2]), "vxfabricd_arp": v, "baseline_arp": b,
           "osken_arp": o, "vxfabricd_dhcp": d,
           "ratio_baseline": (v / b) if b else None, "ratio_osken": (v / o) if o else None,
           "ratio_dhcp_arp": (d / v) if d else None}
print(json.dumps(summary))
PY
