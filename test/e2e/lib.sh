# vxfabric end-to-end lab: real ovs-vswitchd (userspace datapath) per
# hypervisor network namespace, VMs in namespaces on veth ports, a
# flow-based VXLAN port per bridge, and vxfabricd in the root namespace.
#
# Source this file, then call lab_init; everything is torn down on exit,
# failure included.  Traffic stays inside the lab's namespaces and on
# 127.0.0.1; processes are stopped by PID only.
#
# Topology (see ../../../shared/notes/ovs-lab.md for the recipe's origin):
#   vxfabricd 127.0.0.1:PORT <- socat <- unix socket, linked into each
#   hypervisor's OVS rundir.  hvN: br0 (netdev, OF1.3, fail_mode=secure)
#   with VM ports and vtun1; br-phy holds the tunnel endpoint IP, with the
#   underlay veth as its port.

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$E2E_DIR/../.." && pwd)
VXFABRICD=${VXFABRICD:-$ROOT_DIR/build/vxfabricd}
VXCTL=${VXCTL:-$ROOT_DIR/build/vxctl}

LAB=""              # lab directory
LAB_ID=""           # short unique prefix for namespace names
LAB_NS=()           # namespaces created, deleted at teardown
LAB_PIDS=()         # processes started in the background, killed at teardown
CTL_PORT=""
CTL_PID=""
SOCAT_PID=""
declare -A HV_DIR HV_NS HV_TUN_IP HV_DPID

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

ns_name() { printf '%s-%s' "$LAB_ID" "$1"; }

ovs_env() {  # ovs_env HV: the environment that points OVS clients at HV
    local d=${HV_DIR[$1]}
    printf 'OVS_RUNDIR=%s OVS_DBDIR=%s OVS_LOGDIR=%s OVS_SYSCONFDIR=%s' \
        "$d/run" "$d" "$d/log" "$d/etc"
}
vsctl() { local hv=$1; shift; env $(ovs_env "$hv") ovs-vsctl --timeout=10 "$@"; }
ofctl() { local hv=$1; shift; env $(ovs_env "$hv") ovs-ofctl -O OpenFlow13 "$@"; }
appctl() { local hv=$1; shift; env $(ovs_env "$hv") ovs-appctl "$@"; }
in_ns() { local ns; ns=$(ns_name "$1"); shift; ip netns exec "$ns" "$@"; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_until TIMEOUT_S CMD...: polls CMD every 0.1 s.
wait_until() {
    local timeout=$1; shift
    local deadline=$((SECONDS + timeout))
    while ! "$@" >/dev/null 2>&1; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.1
    done
}

lab_teardown() {
    local rc=$?
    set +e
    [ -n "$CTL_PID" ] && kill "$CTL_PID" 2>/dev/null && wait "$CTL_PID" 2>/dev/null
    for pid in "${LAB_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for hv in "${!HV_DIR[@]}"; do hv_stop_ovs "$hv"; done
    for pid in "${LAB_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    for ns in "${LAB_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
    if [ -n "$LAB" ] && [ -z "${KEEP_LAB:-}" ]; then rm -rf "$LAB"; fi
    return $rc
}

lab_init() {
    [ "$(id -u)" = 0 ] || die "the lab needs root (network namespaces)"
    command -v ovs-vswitchd >/dev/null || die "ovs-vswitchd not installed (scripts/install-deps.sh)"
    [ -x "$VXFABRICD" ] || die "$VXFABRICD not built"
    LAB=$(mktemp -d /tmp/vxlab.XXXXXX)
    LAB_ID="vx$(printf '%04x' $((RANDOM % 65536)))"
    trap lab_teardown EXIT
    trap 'exit 130' INT TERM
    CTL_PORT=$(free_port)
    # One relay for every hypervisor: OVS accepts unix: targets only in its
    # rundir (a symlink there is fine); the relay reaches 127.0.0.1.
    socat UNIX-LISTEN:"$LAB/ctl.sock",fork,unlink-early TCP:127.0.0.1:"$CTL_PORT" \
        </dev/null >"$LAB/socat.log" 2>&1 &
    SOCAT_PID=$!
    LAB_PIDS+=("$SOCAT_PID")
    log "lab $LAB ($LAB_ID), controller port $CTL_PORT"
}

# hv_create HV DPID TUN_IP: a hypervisor namespace with its own OVS.
hv_create() {
    local hv=$1 dpid=$2 tun_ip=$3
    local d=$LAB/$hv ns
    ns=$(ns_name "$hv")
    HV_DIR[$hv]=$d; HV_NS[$hv]=$ns; HV_TUN_IP[$hv]=$tun_ip; HV_DPID[$hv]=$dpid
    mkdir -p "$d/run" "$d/log" "$d/etc"
    ip netns add "$ns"; LAB_NS+=("$ns")
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    hv_start_ovs "$hv"
    vsctl "$hv" --no-wait init
    vsctl "$hv" -- add-br br0 -- set bridge br0 datapath_type=netdev protocols=OpenFlow13 \
        fail_mode=secure other_config:datapath-id=$(printf '%016x' "$dpid")
    vsctl "$hv" -- add-br br-phy -- set bridge br-phy datapath_type=netdev fail_mode=standalone \
        other_config:hwaddr=02:00:ac:10:00:$(printf '%02x' "${#HV_DIR[@]}")
    ip netns exec "$ns" ip link set br0 up
}

hv_start_ovs() {
    local hv=$1 d=${HV_DIR[$1]}
    ip netns exec "${HV_NS[$hv]}" env $(ovs_env "$hv") ovsdb-server "$d/conf.db" \
        --remote=punix:"$d/run/db.sock" -vconsole:off --pidfile --log-file --detach --no-chdir
    ip netns exec "${HV_NS[$hv]}" env $(ovs_env "$hv") ovs-vswitchd \
        -vconsole:off --pidfile --log-file --detach --no-chdir
}

# Stops HV's daemons by the PIDs in their pidfiles and waits for them.
hv_stop_ovs() {
    local hv=$1 d=${HV_DIR[$1]} sig=${2:-TERM} pidf pid
    for pidf in "$d/run/ovs-vswitchd.pid" "$d/run/ovsdb-server.pid"; do
        [ -f "$pidf" ] || continue
        pid=$(cat "$pidf")
        kill -"$sig" "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        rm -f "$pidf"
    done
}

# hv_link_underlay HV1 HV2: the underlay between two hypervisors.
hv_link_underlay() {
    local a=$1 b=$2
    ip link add ul-"$b" netns "${HV_NS[$a]}" mtu 1600 type veth peer name ul-"$a" netns "${HV_NS[$b]}" mtu 1600
    for pair in "$a $b" "$b $a"; do
        set -- $pair
        ip netns exec "${HV_NS[$1]}" ip link set ul-"$2" arp off up
        vsctl "$1" add-port br-phy ul-"$2"
        ip netns exec "${HV_NS[$1]}" ip link set br-phy mtu 1600 up
        ip netns exec "${HV_NS[$1]}" ip addr add "${HV_TUN_IP[$1]}"/24 dev br-phy
    done
}

# hv_add_tunnel HV: the single flow-based VXLAN port, added after the VMs
# and without ofport_request, so its number is whatever OVS picks: the
# controller must learn it by name.
hv_add_tunnel() {
    vsctl "$1" -- add-port br0 vtun1 -- set interface vtun1 type=vxlan \
        options:remote_ip=flow options:key=flow
}

# vm_create HV VM MAC OFPORT: a VM namespace on port OFPORT of HV's br0.
# vm_plug HV VM IFACE [OFPORT]: VM's namespace, whose eth0 is plugged into
# HV's br0 as IFACE, numbered OFPORT if given, else as OVS chooses (the
# way libvirt plugs a VM).
vm_plug() {
    local hv=$1 vm=$2 iface=$3 ofport=${4:-} ns
    ns=$(ns_name "$vm")
    ip netns add "$ns"; LAB_NS+=("$ns")
    ip link add "$iface" netns "${HV_NS[$hv]}" type veth peer name eth0 netns "$ns"
    ip netns exec "$ns" sh -c "ip link set lo up; ip link set eth0 up; ethtool -K eth0 tx off >/dev/null 2>&1"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "${HV_NS[$hv]}" ip link set "$iface" arp off up
    vsctl "$hv" add-port br0 "$iface" ${ofport:+-- set interface "$iface" ofport_request="$ofport"}
}

vm_create() {  # vm_create HV VM MAC OFPORT: a VM of the article's table
    vm_plug "$1" "$2" "$2-p" "$4"
    ip netns exec "$(ns_name "$2")" ip link set eth0 address "$3"
}

# Points every hypervisor's br0 at the controller.  Deleting and
# re-creating the Controller row forces an immediate reconnect.
hv_connect_controller() {
    local hv=$1
    ln -sfn "$LAB/ctl.sock" "${HV_DIR[$hv]}/run/ctl.sock"
    vsctl "$hv" -- --if-exists clear bridge br0 controller
    vsctl "$hv" -- --id=@c create Controller target=\"unix:${HV_DIR[$hv]}/run/ctl.sock\" \
        max_backoff=1000 inactivity_probe=5000 -- set bridge br0 controller=@c
}

# Primes OVS's tunnel neighbour cache (pitfall 2).
hv_prime_underlay() {
    local a=$1 b=$2
    ip netns exec "${HV_NS[$a]}" ping -c1 -W1 "${HV_TUN_IP[$b]}" >/dev/null 2>&1 || true
    ip netns exec "${HV_NS[$b]}" ping -c1 -W1 "${HV_TUN_IP[$a]}" >/dev/null 2>&1 || true
}

# Whether something listens on the lab's OpenFlow port (ss exits 0 either way).
ctl_listening() { ss -Hltn "sport = :$CTL_PORT" | grep -q .; }

# ctl_start CONFIG [ARGS...]: starts vxfabricd on the lab's port.
ctl_start() {
    local conf=$1; shift
    "$VXFABRICD" --config "$conf" --listen tcp:127.0.0.1:"$CTL_PORT" "$@" \
        >>"$LAB/vxfabricd.log" 2>&1 &
    CTL_PID=$!
    wait_until 5 ctl_listening || die "vxfabricd did not start; see $LAB/vxfabricd.log"
    if ! kill -0 "$CTL_PID" 2>/dev/null; then
        local rc=0
        wait "$CTL_PID" || rc=$?
        log "vxfabricd (pid $CTL_PID) exited at start with status $rc"
    fi
}

# Stops vxfabricd with SIGTERM; returns its exit status (a sanitizer
# report at exit makes it non-zero).
ctl_stop() {
    local rc=0
    [ -n "$CTL_PID" ] || return 0
    kill "$CTL_PID" 2>/dev/null
    wait "$CTL_PID" 2>/dev/null || rc=$?
    CTL_PID=""
    return $rc
}

# Sanitizer reports (ASan, UBSan, LSan, TSan) in the controller's log.
ctl_sanitizer_reports() {
    grep -E "ERROR: (AddressSanitizer|LeakSanitizer|ThreadSanitizer)|runtime error:|WARNING: ThreadSanitizer" \
        "$LAB/vxfabricd.log"
}

# ctl_dump: asks vxfabricd for counters and flows (SIGUSR2) and waits for
# them in STATE_DIR.
mtime() { stat -c %y "$1" 2>/dev/null || echo none; }
changed_since() { test "$(mtime "$1")" != "$2"; }   # re-read at every poll

ctl_dump() {
    local before n_bridges
    before=$(mtime "$STATE_DIR/counters.prom")
    rm -f "$STATE_DIR"/flows-*.txt
    kill -USR2 "$CTL_PID"
    wait_until 5 changed_since "$STATE_DIR/counters.prom" "$before" || log "no counters dump"
    # The workers write their flow files after the counters: wait for one
    # file per connected bridge.
    n_bridges=${#HV_DIR[@]}
    wait_until 5 flow_files_at_least "$n_bridges" || true
}
flow_files_at_least() { [ "$(ls "$STATE_DIR"/flows-*.txt 2>/dev/null | wc -l)" -ge "$1" ]; }

# counter NAME: the sum of a vxfabricd counter over all threads (after ctl_dump).
counter() {
    awk -v n="vxfabric_$1" '$1 ~ "^"n"\\{" { s += $2 } END { print s + 0 }' "$STATE_DIR/counters.prom"
}

# Flows of HV's br0 carrying our cookie, without counters or durations,
# sorted: comparable across time and with the controller's view.
hv_flows() {
    ofctl "$1" dump-flows br0 cookie=0x7600000000000000/0xff00000000000000 --no-stats \
        | sed -e 's/^ *//' | grep -v '^OFPST_FLOW' | sort
}
hv_flow_count() { hv_flows "$1" | grep -c . ; }

# Dumps what a failing scenario needs to be understood.
lab_diagnose() {
    log "---- diagnostics ----"
    for hv in "${!HV_DIR[@]}"; do
        log "flows on $hv:"; ofctl "$hv" dump-flows br0 >&2 2>&1
        log "ports on $hv:"; ofctl "$hv" show br0 2>&1 | grep -E '^ [0-9]+\(' >&2
    done
    [ -n "$CTL_PID" ] && ctl_dump && { log "counters:"; grep -v '^#' "$STATE_DIR/counters.prom" | grep -v ' 0$' >&2; }
    log "controller log (tail):"; tail -n 40 "$LAB/vxfabricd.log" >&2
}

# ---- scenario runner ----
N_PASS=0; N_FAIL=0; N_SKIP=0; FAILED=()

# run_test NAME FUNCTION: runs one scenario in a subshell-free way so that
# lab state persists between scenarios; failure dumps diagnostics.
run_test() {
    local name=$1 fn=$2 start=$SECONDS
    log "=== $name"
    if "$fn"; then
        N_PASS=$((N_PASS + 1)); log "PASS $name ($((SECONDS - start)) s)"
    else
        local rc=$?
        if [ $rc = 77 ]; then
            N_SKIP=$((N_SKIP + 1)); log "SKIP $name"
        else
            N_FAIL=$((N_FAIL + 1)); FAILED+=("$name"); log "FAIL $name"
            lab_diagnose
        fi
    fi
}

summary() {
    [ ${#FAILED[@]} -gt 0 ] && log "failed: ${FAILED[*]}"
    echo "e2e: $N_PASS passed, $N_FAIL failed, $N_SKIP skipped"
    [ $N_FAIL = 0 ]
}

# expect DESCRIPTION CMD...: fails the scenario with a message.
expect() {
    local what=$1; shift
    if ! "$@"; then log "expectation failed: $what"; return 1; fi
}
