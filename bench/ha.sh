#!/usr/bin/env bash
# HA on etcd (#15): two measurements on loopback.
#
#  1. Failover: the lab of test/e2e/ha.sh (3-member etcd cluster, three
#     instances, the article's fabric on real OVS).  KILLS times: kill -9 of
#     hv1's master, time until OVS reports a survivor as master, restart,
#     wait for one master per bridge again.  Median and maximum.
#  2. Aggregate ARP replies/s with 1, 2 and 3 instances: BRIDGES switches
#     of vxbench split evenly over the instances (one vxbench per instance,
#     each emulating its own share of the bridges), one etcd member.  The
#     instances share core 0, the generators core 1; each generator's CPU is
#     reported, since a generator near 100 % is the cap.
#
#   bench/ha.sh [KILLS] [RUNS] [DURATION] [BRIDGES] [HOSTS]   (root; defaults 20 3 10 300 10)
set -uo pipefail
KILLS=${1:-20} RUNS=${2:-3} DUR=${3:-10} NB=${4:-300} NH=${5:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VXBENCH=${VXBENCH:-$ROOT/build/bench/vxbench}
export VXFABRICD=${VXFABRICD:-$ROOT/build/vxfabricd}

failover() {
    ha_setup
    t_import >/dev/null 2>&1 || die "import failed"
    wait_until 10 one_master hv1 && wait_until 10 one_master hv2 || die "no masters"
    local times=()
    for k in $(seq "$KILLS"); do
        kill_master_of_hv1 && await_failover || die "kill $k: no failover"
        times+=("$FAILOVER_MS")
        echo "kill $k: $FAILOVER_MS ms (killed $KILLED)"
        inst_start "$KILLED"
        wait_until 15 bash -c "$(declare -f inst_counter); $(declare -p INST_API); [ \"\$(inst_counter $KILLED ha_members)\" = 3 ]" \
            || die "kill $k: $KILLED did not rejoin"
        # Every switch connected to all three again (OVS reconnects after
        # its backoff), one master each: the state a kill should find.
        wait_until 20 all_connected hv1 && wait_until 20 all_connected hv2 || die "kill $k: not reconnected"
        wait_until 10 one_master hv1 && wait_until 10 one_master hv2 || die "kill $k: no single master"
        sleep 1
    done
    python3 -c 'import statistics, sys; t = [int(x) for x in sys.argv[2:]]
print("failover over %d kills (lease TTL %s s): median %d ms, max %d ms, min %d ms"
      % (len(t), sys.argv[1], statistics.median(t), max(t), min(t)))' "$TTL" "${times[@]}"
}

arp() {
    local work pids=() etcd_pid port cport pport
    work=$(mktemp -d)
    cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    etcd --name b --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$cport" \
        --advertise-client-urls "http://127.0.0.1:$cport" --listen-peer-urls "http://127.0.0.1:$pport" \
        --initial-advertise-peer-urls "http://127.0.0.1:$pport" --initial-cluster "b=http://127.0.0.1:$pport" \
        >"$work/etcd.log" 2>&1 &
    etcd_pid=$!
    trap 'kill ${pids[*]:-} $etcd_pid 2>/dev/null; rm -rf "$work"' RETURN
    python3 "$ROOT/bench/topogen.py" --bridges "$NB" --hosts-per-bridge "$NH" --networks "$NB" \
        --routers 0 --packet-in-rate 1000000000 --listen tcp:127.0.0.1:0 >"$work/fabric.conf"
    for n in 1 2 3; do
        python3 - "$work/fabric.conf" "$n" "$work/share" <<'PY'
# Splits the bridges (and their hosts) in n shares, one vxbench config each.
import re, sys
text, n, out = open(sys.argv[1]).read(), int(sys.argv[2]), sys.argv[3]
bridges = re.findall(r'\{[^{}]*dpid = "(0x[0-9a-f]+)"[^{}]*\}', text)
head, rest = text.split("bridges = (", 1)
blist, tail = rest.split(");", 1)
items = re.findall(r'\{[^{}]*\}', blist)
for k in range(n):
    mine = items[k::n]
    dpids = set(re.search(r'dpid = "(0x[0-9a-f]+)"', b).group(1) for b in mine)
    names = set(m.group(1) for m in (re.search(r'name = "([^"]+)"', b) for b in mine) if m)
    body = tail
    hosts_head, hosts_rest = body.split("hosts = (", 1)
    hosts, after = hosts_rest.rsplit(");", 1)
    hs = [h for h in re.findall(r'\{[^{}]*\}', hosts)
          if re.search(r'bridge = "([^"]+)"', h).group(1) in names | dpids]
    open("%s-%d-%d.conf" % (out, n, k), "w").write(
        head + "bridges = (\n" + ",\n".join(mine) + "\n);" + hosts_head + "hosts = (\n"
        + ",\n".join(hs) + "\n);" + after)
PY
    done
    for r in $(seq "$RUNS"); do
        for n in 1 2 3; do
            arp_run "$work" "$cport" "$n" "$r-$n"
        done
    done | tee "$work/results"
    python3 - "$work/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.startswith("instances")]
for n in ("1", "2", "3"):
    rs = [float(r[3]) for r in rows if r[1] == n]
    gs = [r[5] for r in rows if r[1] == n]
    print("%s instance%s: aggregate ARP replies/s median %.0f (runs %s); generator CPU %s"
          % (n, "" if n == "1" else "s", statistics.median(rs), " / ".join("%.0f" % x for x in rs), " | ".join(gs)))
PY
}

# arp_run WORK ETCD_PORT N TAG: N instances, N vxbench, one run.
arp_run() {
    local work=$1 cport=$2 n=$3 tag=$4 k pids=() ports=() benches=()
    local prefix="/bench-$tag"
    for k in $(seq 0 $((n - 1))); do
        local of api
        of=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        api=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        {
            sed -e '/^listen/d' -e '/^workers/d' -e '/^log_level/d' "$work/fabric.conf" | sed -n '/^bridges/q;p'
            etcd_settings "i$k" "http://127.0.0.1:$cport" "$prefix" "$api"
            echo 'log_level = "err";'
        } >"$work/i$k.conf"
        taskset -c 0 "$VXFABRICD" --config "$work/i$k.conf" --listen tcp:127.0.0.1:"$of" --workers 1 \
            >"$work/i$k.log" 2>&1 &
        pids+=($!); ports+=("$of")
        for _ in $(seq 100); do ss -Hltn "sport = :$api" | grep -q . && break; sleep 0.05; done
        [ "$k" = 0 ] && "$ROOT/build/vxctl" --api "http://127.0.0.1:$api" import "$work/fabric.conf" >/dev/null
    done
    sleep 1
    for k in $(seq 0 $((n - 1))); do
        taskset -c 1 "$VXBENCH" --config "$work/share-$n-$k.conf" --controller tcp:127.0.0.1:"${ports[$k]}" \
            --mode arp --warmup 2 --duration "$DUR" --controller-pid "${pids[$k]}" \
            >"$work/bench-$tag-$k.json" 2>"$work/bench-$tag-$k.err" &
        benches+=($!)
    done
    wait "${benches[@]}"
    kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null
    python3 - "$n" "$work" "$tag" <<'PY'
import json, sys
n, work, tag = int(sys.argv[1]), sys.argv[2], sys.argv[3]
js = [json.loads(open("%s/bench-%s-%d.json" % (work, tag, k)).read().strip().splitlines()[-1]) for k in range(n)]
total = sum(j.get("replies_per_s", 0) for j in js)
print("instances %d aggregate %.0f gen_cpu %s" % (n, total, ",".join("%.0f%%" % j.get("generator_cpu_pct", -1) for j in js)))
PY
}

[ "$(id -u)" = 0 ] || { echo "bench/ha.sh needs root (the lab's namespaces)"; exit 1; }
source "$ROOT/test/e2e/ha.sh"      # the lab's definitions (etcd_settings, the HA lab)
case "${HA_BENCH:-both}" in
failover) failover ;;
arp) arp ;;
*) arp; (failover) ;;
esac
