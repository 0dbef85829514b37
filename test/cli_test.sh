#!/bin/sh
# vxfabricd's command line: --version, --help, bad options, an unusable
# listen address, and a bad configuration listing every error with a
# non-zero exit.  Usage: cli_test.sh VXFABRICD SOURCE_DIR
set -u
D=$1 SRC=$2
pass=0 fail=0
check() {  # check NAME EXPECTED_RC PATTERN CMD...
    name=$1 want_rc=$2 pattern=$3; shift 3
    out=$("$@" 2>&1); rc=$?
    if [ "$rc" = "$want_rc" ] && printf '%s\n' "$out" | grep -qE -- "$pattern"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); echo "FAIL $name: rc=$rc (want $want_rc), output:"; printf '%s\n' "$out" | head -5
    fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check version 0 '^vxfabricd [0-9]+\.[0-9]+' "$D" --version
check help 0 'usage: vxfabricd --config FILE' "$D" --help
check bad-option 2 "unrecognized option '--bogus'" "$D" --bogus
check no-config 2 'config FILE is required' "$D"
check bad-workers 2 "workers: 'many' is not 0..256" "$D" --config "$SRC/conf/vxfabric.conf" --workers many
check bad-level 2 "log-level: 'loud' is not" "$D" --config "$SRC/conf/vxfabric.conf" --log-level loud
check bad-listen 1 "listen address 'tcp:1.2.3.4:99999' is not tcp:IPv4:PORT" \
    "$D" --config "$SRC/conf/vxfabric.conf" --listen tcp:1.2.3.4:99999
# An address this machine does not have: bind fails with a clear message.
check unusable-listen 1 "cannot listen on tcp:192.0.2.1:6653: Cannot assign requested address" \
    "$D" --config "$SRC/conf/vxfabric.conf" --listen tcp:192.0.2.1:6653
check missing-file 1 "$tmp/none.conf: cannot read the file" "$D" --config "$tmp/none.conf"
check check-ok 0 'OK: 2 bridges, 3 networks, 1 routers, 12 hosts' "$D" --config "$SRC/conf/vxfabric.conf" --check

# A file with three errors: all listed, then the count, exit 1.
cat >"$tmp/bad.conf" <<'CONF'
bridges = ( { name = "hv1"; dpid = "0x1"; endpoint = "192.0.2.1"; } );
networks = ( { id = 1; subnet = "10.0.0.0/24"; gateway = "10.0.1.1"; },
             { id = 20000000; subnet = "10.1.0.0/24"; } );
hosts = ( { mac = "02:00:00:00:00:01"; network = 7; bridge = "hv1"; port = 1; ip = "10.0.0.5"; } );
CONF
check every-error 1 "3 errors; configuration not loaded" "$D" --config "$tmp/bad.conf"
check error-gateway 1 "bad.conf:2: network 1: gateway 10.0.1.1 is outside subnet 10.0.0.0/24" "$D" --config "$tmp/bad.conf"
check error-vni 1 "bad.conf:3: network 20000000: VNI 20000000 is outside 1..16777215" "$D" --config "$tmp/bad.conf"
check error-ref 1 "bad.conf:4: host 02:00:00:00:00:01: unknown network 7" "$D" --config "$tmp/bad.conf"

# A SIGHUP or SIGUSR2 while a large configuration loads waits for the
# daemon to be ready; it used to terminate it (their default action), as
# a dump request right after a restart did in the end-to-end lab.
python3 "$SRC/bench/topogen.py" --bridges 1000 --hosts-per-bridge 100 --networks 2000 --routers 300 \
    --listen tcp:127.0.0.1:0 >"$tmp/big.conf"
"$D" --config "$tmp/big.conf" --log-level err >"$tmp/big.log" 2>&1 &
pid=$!
sleep 0.2                                   # inside main, still loading
kill -HUP "$pid"; kill -USR2 "$pid"
sleep 3
if kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" && wait "$pid"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1)); echo "FAIL early-signals: the daemon died of a signal sent while loading"
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
