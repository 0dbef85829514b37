#!/bin/sh
# vxbench, the sizing generator, judged on correctness (never on speed):
#  - against vxfabricd, ARP, DHCP and mix runs (2 generator threads, deep
#    windows) end with correct replies and none wrong or missing;
#  - against the baseline, whose fixed reply is wrong for every request,
#    verification fails the run: a generator that cannot see a wrong
#    reply would count anything.
# Usage: vxbench_test.sh VXFABRICD VXBENCH BASELINE SOURCE_DIR
set -u
D=$1 B=$2 BASE=$3 SRC=$4
pass=0 fail=0
tmp=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_listen() { for _ in $(seq 100); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.1; done; return 1; }
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; sed -n 1,30p "$2"; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" "$2"; }

python3 "$SRC/bench/topogen.py" --bridges 4 --hosts-per-bridge 10 --networks 6 --routers 2 \
    --seed 3 --workers 1 --packet-in-rate 1000000000 >"$tmp/fabric.conf"
p=$(port)
"$D" --config "$tmp/fabric.conf" --listen "tcp:127.0.0.1:$p" --workers 1 >"$tmp/d.log" 2>&1 &
pids="$pids $!"
wait_listen "$p" || { echo "FAIL vxfabricd did not listen"; cat "$tmp/d.log"; exit 1; }
for mode in arp dhcp mix; do
    "$B" --config "$tmp/fabric.conf" --controller "tcp:127.0.0.1:$p" --mode "$mode" \
        --threads 2 --duration 1 --warmup 0.3 >"$tmp/$mode.out" 2>&1
    rc=$?
    c=$(field replies_per_s "$tmp/$mode.out")
    if [ "$rc" = 0 ] && [ "$(field wrong "$tmp/$mode.out")" = 0 ] \
       && [ "$(field missing "$tmp/$mode.out")" = 0 ] && [ "${c%.*}" -gt 0 ] 2>/dev/null; then
        ok
    else
        bad "vxfabricd $mode: rc=$rc" "$tmp/$mode.out"
    fi
done
# Latency mode: one request in flight per switch, every reply verified.
"$B" --config "$tmp/fabric.conf" --controller "tcp:127.0.0.1:$p" --latency --duration 1 \
    --warmup 0.2 >"$tmp/lat.out" 2>&1 && grep -q '"window":1,' "$tmp/lat.out" \
    && [ "$(field wrong "$tmp/lat.out")" = 0 ] && ok || bad "latency mode" "$tmp/lat.out"

bp=$(port)
"$BASE" "$bp" >"$tmp/b.log" 2>&1 &
pids="$pids $!"
wait_listen "$bp" || { echo "FAIL baseline did not listen"; exit 1; }
"$B" --config "$tmp/fabric.conf" --controller "tcp:127.0.0.1:$bp" --duration 1 --warmup 0.2 \
    --label baseline >"$tmp/base.out" 2>&1
rc=$?
w=$(field wrong "$tmp/base.out")
if [ "$rc" = 1 ] && [ "${w:-0}" -gt 0 ] && [ "$(field replies_per_s "$tmp/base.out")" = 0 ]; then
    ok
else
    bad "baseline's fixed replies were not refused: rc=$rc wrong=$w" "$tmp/base.out"
fi
# Unverified, the same replies count: what bench/compare.sh does for the baseline.
"$B" --config "$tmp/fabric.conf" --controller "tcp:127.0.0.1:$bp" --duration 1 --warmup 0.2 \
    --no-verify --label baseline >"$tmp/base2.out" 2>&1 \
    && grep -q '"verified":false' "$tmp/base2.out" && ok || bad "baseline unverified" "$tmp/base2.out"
echo "vxbench: $pass passed, $fail failed"
[ "$fail" = 0 ]
