#!/usr/bin/env bash
# ARP storm from the lab's VMs, in both arp_responder modes (#20): how
# many packet-ins per second reach the controller, and how many ARP
# replies the VMs get.  Real Open vSwitch (userspace datapath) in network
# namespaces, as the end-to-end lab; needs root.
#
#   bench/arp_storm.sh [SECONDS] [RUNS]     (default 5 s, 3 interleaved runs)
#
# Four VMs on hv1 storm requests for a peer on hv2 of their own network.
# Prints one line per run and mode, then the medians.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_PER_RUN=${1:-5}
RUNS=${2:-3}
VXFABRICD=${VXFABRICD:-$ROOT/build/vxfabricd}
source "$ROOT/test/e2e/fabric.sh"
setup >/dev/null
wait_until 30 ctl_flows_synced hv1 && wait_until 30 ctl_flows_synced hv2 || die "lab not in sync"
for vm in vm1 vm2 vm3 vm4; do dhcp "$vm" >/dev/null || die "no lease for $vm"; done

storm_once() {  # storm_once MODE: one run; prints "MODE pktin/s replies/s sent/s gen_cpu%"
    local mode=$1 p0 p1 out vm pids=() sent=0 replies=0 cpu=0
    set_arp_mode "$mode" >/dev/null || die "cannot switch to $mode"
    ctl_dump; p0=$(counter pktin)
    for vm in vm1 vm2 vm3 vm4; do
        # vm1, vm2 (net 1) ask for 10.0.0.4; vm3, vm4 (net 2) for 10.0.0.5.
        local tgt=10.0.0.4; case $vm in vm3|vm4) tgt=10.0.0.5 ;; esac
        in_ns "$vm" python3 "$ROOT/bench/arp_storm.py" eth0 "$(vm_field "$vm" 6)" "$tgt" \
            "$SECONDS_PER_RUN" >"$LAB/storm.$vm" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    ctl_dump; p1=$(counter pktin)
    for vm in vm1 vm2 vm3 vm4; do
        read -r _ s _ r _ c <"$LAB/storm.$vm"
        sent=$((sent + s)); replies=$((replies + r)); cpu=$(awk -v a="$cpu" -v b="$c" 'BEGIN { print a + b }')
    done
    awk -v m="$mode" -v p=$((p1 - p0)) -v r="$replies" -v s="$sent" -v c="$cpu" -v d="$SECONDS_PER_RUN" \
        'BEGIN { printf "%-10s pktin/s %8.0f  replies/s %8.0f  sent/s %8.0f  generators %3.0f%% of a core\n",
                 m, p / d, r / d, s / d, 100 * c / d }'
}

for run in $(seq "$RUNS"); do
    for mode in controller datapath; do
        storm_once "$mode" | tee -a "$LAB/storm.results"
    done
done
echo "medians over $RUNS runs of $SECONDS_PER_RUN s:"
python3 - "$LAB/storm.results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for mode in ("controller", "datapath"):
    r = [x for x in rows if x[0] == mode]
    med = lambda i: statistics.median(float(x[i].rstrip("%")) for x in r)
    print("%-10s pktin/s %8.0f  replies/s %8.0f  sent/s %8.0f  generators %3.0f%% of a core"
          % (mode, med(2), med(4), med(6), med(8)))
PY
