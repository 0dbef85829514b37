#!/usr/bin/env bash
# Runs the same vxbench load against vxfabricd (1 worker), the no-logic
# baseline responder and the os-ken peer, RUNS times each, interleaved
# (vxfabricd, baseline, os-ken, vxfabricd, ...), and prints every run, the
# medians and the ratios.  The controller under test is pinned to core 0
# and vxbench to core 1 (taskset), so they never share a core.  Each row
# has the generator's own CPU: near 100 %, vxbench is the cap and the
# ratio says little.
#
#   bench/compare.sh [--runs N] [--switches N] [--hosts N] [--duration S]
#                    [--modes "arp dhcp"] [--peers "baseline os-ken"]
#
# Defaults: 3 runs, 16 switches x 20 hosts, 5 s, ARP and DHCP, both
# peers.  The fabric has switches x 2 networks.  DHCP runs against
# vxfabricd and the baseline (the peer answers ARP alone); the baseline's
# DHCP reply is its fixed frame padded to 342 bytes, the size of
# vxfabricd's OFFER and ACK, so baseline DHCP / baseline ARP is what
# the kernel's copies leave of the ARP rate when nothing else is done.
#
# Needs: a build (cmake --build build), python3-os-ken for the peer
# (scripts/install-deps.sh bench).  Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3 SWITCHES=16 HOSTS=20 DURATION=5 MODES="arp dhcp" PEERS="baseline os-ken"
while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --switches) SWITCHES=$2; shift 2 ;;
    --hosts) HOSTS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --peers) PEERS=$2; shift 2 ;;
    *) sed -n '2,19p' "$0"; exit 2 ;;
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

start_target() {  # start_target NAME PORT MODE: starts it on core 0, echoes its PID
    local size=60
    [ "$3" = dhcp ] && size=342
    case $1 in
    vxfabricd) taskset -c 0 "$B/vxfabricd" --config "$WORK/fabric.conf" --listen "tcp:127.0.0.1:$2" --workers 1 \
                   >"$WORK/$1.log" 2>&1 & ;;
    baseline)  taskset -c 0 "$B/bench/baseline" "$2" "$size" >"$WORK/$1.log" 2>&1 & ;;
    os-ken)    VXBENCH_CONFIG="$WORK/fabric.conf" taskset -c 0 osken-manager --ofp-listen-host 127.0.0.1 \
                   --ofp-tcp-listen-port "$2" bench/osken_arp.py >"$WORK/$1.log" 2>&1 & ;;
    esac
    echo $!
}

run_one() {  # run_one TARGET MODE RUN: one vxbench run, appends its JSON line
    local target=$1 mode=$2 run=$3 p pid verify=""
    p=$(port)
    pid=$(start_target "$target" "$p" "$mode")
    PIDS+=("$pid")
    for _ in $(seq 100); do ss -Hltn "sport = :$p" | grep -q . && break; sleep 0.1; done
    [ "$target" = baseline ] && verify=--no-verify
    taskset -c 1 "$B/bench/vxbench" --config "$WORK/fabric.conf" --controller "tcp:127.0.0.1:$p" \
        --mode "$mode" --switches "$SWITCHES" --duration "$DURATION" --warmup 1 $verify \
        --controller-pid "$pid" --label "$target" | grep '^{' \
        | sed "s/^{/{\"run\":$run,/" >>"$WORK/results.jsonl" || true
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
}

for r in $(seq "$RUNS"); do
    for mode in $MODES; do
        for target in vxfabricd $PEERS; do
            [ "$mode" != arp ] && [ "$target" = os-ken ] && continue
            if [ "$target" = os-ken ] && ! command -v osken-manager >/dev/null; then
                continue
            fi
            run_one "$target" "$mode" "$r"
        done
    done
done

python3 - "$WORK/results.jsonl" "$RUNS" "$SWITCHES" "$HOSTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
runs, switches, hosts = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def pick(label, mode):
    return [r for r in rows if r["label"] == label and r["mode"] == mode]
def med(label, mode, key):
    v = [r[key] for r in pick(label, mode)]
    return statistics.median(v) if v else None
def per_run_ratio(a, am, b, bm):
    """Median over runs of a/b, each pair measured in the same run."""
    v = []
    for r in range(1, runs + 1):
        x = [q["replies_per_s"] for q in pick(a, am) if q["run"] == r]
        y = [q["replies_per_s"] for q in pick(b, bm) if q["run"] == r]
        if x and y and y[0]:
            v.append(x[0] / y[0])
    return statistics.median(v) if v else None
print("%d switches x %d hosts, %d interleaved runs" % (switches, hosts, runs))
def ns_per_reply(r):
    """The controller's CPU time per reply: at 100 % of its core, what
    bounds its rate whatever the generator does."""
    return r["controller_cpu_pct"] / 100 / max(r["replies_per_s"], 1) * 1e9
print("%-9s %-4s %3s %12s %7s %7s %8s %7s %9s %6s %6s %7s" % ("target", "mode", "run", "replies/s", "gen%",
      "ctl%", "ns/reply", "wrong", "missing", "min/mn", "max/mn", "peakMiB"))
for r in rows:
    mean = r["switch_mean_per_s"] or 1
    print("%-9s %-4s %3d %12.0f %7.0f %7.0f %8.1f %7d %9d %6.2f %6.2f %7.0f" % (
        r["label"], r["mode"], r["run"], r["replies_per_s"], r["generator_cpu_pct"],
        r["controller_cpu_pct"], ns_per_reply(r), r["wrong"], r["missing"], r["switch_min_per_s"] / mean,
        r["switch_max_per_s"] / mean, r["controller_peak_rss_kib"] / 1024))
v, b, o = (med(x, "arp", "replies_per_s") for x in ("vxfabricd", "baseline", "os-ken"))
d, bd = med("vxfabricd", "dhcp", "replies_per_s"), med("baseline", "dhcp", "replies_per_s")
rb, ro = per_run_ratio("vxfabricd", "arp", "baseline", "arp"), per_run_ratio("vxfabricd", "arp", "os-ken", "arp")
rd = per_run_ratio("vxfabricd", "dhcp", "vxfabricd", "arp")
rbd, rbb = per_run_ratio("vxfabricd", "dhcp", "baseline", "dhcp"), per_run_ratio("baseline", "dhcp", "baseline", "arp")
print("\nmedians:")
print("  vxfabricd ARP  %12.0f correct replies/s  (generator %s %% of its core)"
      % (v or 0, med("vxfabricd", "arp", "generator_cpu_pct")))
if b: print("  baseline  ARP  %12.0f replies/s, unverified (generator %s %%)  vxfabricd/baseline = %.2f"
            % (b, med("baseline", "arp", "generator_cpu_pct"), rb))
if o: print("  os-ken    ARP  %12.0f correct replies/s  vxfabricd/os-ken = %.0fx" % (o, ro))
if d: print("  vxfabricd DHCP %12.0f correct replies/s  (generator %s %%)  DHCP/ARP = %.2f"
            % (d, med("vxfabricd", "dhcp", "generator_cpu_pct"), rd))
if bd: print("  baseline  DHCP %12.0f replies/s of 342 bytes, unverified (generator %s %%)  vxfabricd/baseline = %.2f;"
             " the baseline's own DHCP/ARP = %.2f" % (bd, med("baseline", "dhcp", "generator_cpu_pct"), rbd, rbb))
for label, mode in (("vxfabricd", "arp"), ("baseline", "arp"), ("vxfabricd", "dhcp"), ("baseline", "dhcp")):
    ns = [ns_per_reply(r) for r in pick(label, mode)]
    if ns: print("  %-9s %-4s controller CPU per reply: %.1f ns (median)" % (label, mode.upper(), statistics.median(ns)))
fair = [r["switch_min_per_s"] / (r["switch_mean_per_s"] or 1) for r in pick("vxfabricd", "arp")]
if fair: print("  vxfabricd ARP slowest switch / mean: %.2f (worst run)" % min(fair))
peak = [r["controller_peak_rss_kib"] for r in rows if r["label"] == "vxfabricd"]
if peak: print("  vxfabricd peak RSS: %.0f MiB (largest run)" % (max(peak) / 1024))
# vxfabricd must answer every request right; a peer that cannot keep up
# (os-ken answers late, so its replies count as missing) is reported above.
bad = sum(r["wrong"] + r["missing"] for r in rows if r["label"] == "vxfabricd")
print(json.dumps({"bench": "compare", "switches": switches, "hosts": hosts, "runs": runs,
                  "vxfabricd_arp": v, "baseline_arp": b, "osken_arp": o, "vxfabricd_dhcp": d,
                  "baseline_dhcp": bd, "ratio_baseline": rb, "ratio_osken": ro, "ratio_dhcp_arp": rd,
                  "ratio_baseline_dhcp": rbd, "baseline_dhcp_arp": rbb,
                  "wrong_or_missing": bad}))
sys.exit(1 if bad else 0)
PY
