#!/usr/bin/env bash
# End-to-end: three vxfabricd instances sharing the article's fabric
# through a 3-member etcd cluster on loopback (#15, docs/ha.md).  Each
# bridge lists all three as controllers; each instance reaches etcd through
# its own socat relays, so that one can be cut off from etcd alone.
# Usage: ha.sh [SCENARIO...]
source "$(dirname "${BASH_SOURCE[0]}")/fabric.sh"

command -v etcd >/dev/null || { echo "SKIP: etcd not installed (scripts/install-deps.sh)"; exit 77; }

TTL=2
INSTANCES="a b c"
declare -A INST_PID INST_API INST_OF INST_RELAYS ETCD_PID ETCD_CLIENT
HV1=0x32d1f6ddc94f

# --- etcd ---

etcd_start() {  # etcd_start N: member eN of the cluster (after etcd_ports)
    local i=$1
    etcd --name e$i --data-dir "$LAB/etcd$i" --listen-client-urls "http://127.0.0.1:${ETCD_CLIENT[$i]}" \
        --advertise-client-urls "http://127.0.0.1:${ETCD_CLIENT[$i]}" \
        --listen-peer-urls "http://127.0.0.1:${ETCD_PEER[$i]}" \
        --initial-advertise-peer-urls "http://127.0.0.1:${ETCD_PEER[$i]}" \
        --initial-cluster "$ETCD_CLUSTER" --initial-cluster-state new \
        --initial-cluster-token "$LAB_ID" >"$LAB/etcd$i.log" 2>&1 &
    ETCD_PID[$i]=$!
    LAB_PIDS+=($!)
}

etcd_healthy() {
    etcdctl --endpoints "http://127.0.0.1:${ETCD_CLIENT[1]}" endpoint health --cluster >/dev/null 2>&1
}

etcd_setup() {
    declare -gA ETCD_PEER
    local i
    for i in 1 2 3; do ETCD_CLIENT[$i]=$(free_port); ETCD_PEER[$i]=$(free_port); done
    ETCD_CLUSTER="e1=http://127.0.0.1:${ETCD_PEER[1]},e2=http://127.0.0.1:${ETCD_PEER[2]},e3=http://127.0.0.1:${ETCD_PEER[3]}"
    for i in 1 2 3; do etcd_start $i; done
    wait_until 20 etcd_healthy || die "the etcd cluster did not form; see $LAB/etcd*.log"
}

# --- instances ---

# relays_start X: instance X's own way to each etcd member.
relays_start() {
    local x=$1 i port endpoints=""
    INST_RELAYS[$x]=""
    for i in 1 2 3; do
        port=${RELAY_PORT[$x$i]:-$(free_port)}
        RELAY_PORT[$x$i]=$port
        socat TCP-LISTEN:"$port",bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:"${ETCD_CLIENT[$i]}" \
            </dev/null >/dev/null 2>&1 &
        INST_RELAYS[$x]+=" $!"
        LAB_PIDS+=($!)
        endpoints+="${endpoints:+,}http://127.0.0.1:$port"
    done
    RELAY_ENDPOINTS[$x]=$endpoints
}
# relays_stop X: the relays and the connections they carry (socat forks a
# child per connection), by PID.
relays_stop() {
    local p c
    for p in ${INST_RELAYS[$1]}; do
        for c in $(ps --ppid "$p" -o pid= 2>/dev/null); do kill "$c" 2>/dev/null; done
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
}

inst_start() {  # inst_start X
    local x=$1
    "$VXFABRICD" --config "$LAB/$x.conf" >>"$LAB/vxfabricd-$x.log" 2>&1 &
    INST_PID[$x]=$!
    LAB_PIDS+=($!)
    wait_until 10 api_up "$x" || die "instance $x did not start; see $LAB/vxfabricd-$x.log"
}
api_up() { python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "${INST_API[$1]}"; }

# etcd_settings NAME ENDPOINTS PREFIX API_PORT [TTL]: an instance's store
# and API settings (bench/ha.sh uses it too).
etcd_settings() {
    printf 'store = "etcd";\netcd_endpoints = "%s";\netcd_prefix = "%s";\ninstance_name = "%s";\n' "$2" "$3" "$1"
    printf 'etcd_lease_ttl = %s;\napi_listen = "tcp:127.0.0.1:%s";\n' "${5:-$TTL}" "$4"
}

inst_setup() {  # inst_setup X: its config, relays, OpenFlow relay and process
    local x=$1
    declare -gA RELAY_PORT RELAY_ENDPOINTS
    INST_API[$x]=$(free_port); INST_OF[$x]=$(free_port)
    relays_start "$x"
    {
        printf 'listen = "tcp:127.0.0.1:%s";\nworkers = 2;\necho_interval_ms = 1000;\nstate_dir = "%s";\n' \
            "${INST_OF[$x]}" "$LAB/state-$x"
        # c, never the one killed or cut off (b masters hv1), holds a longer
        # lease: t_compaction pauses it, and its lease must outlive that.
        etcd_settings "$x" "${RELAY_ENDPOINTS[$x]}" /vxfabric-lab "${INST_API[$x]}" \
            "$([ "$x" = c ] && echo 6 || echo "$TTL")"
    } >"$LAB/$x.conf"
    socat UNIX-LISTEN:"$LAB/ctl-$x.sock",fork,unlink-early TCP:127.0.0.1:"${INST_OF[$x]}" \
        </dev/null >/dev/null 2>&1 &
    LAB_PIDS+=($!)
    inst_start "$x"
}

# Every bridge gets the three instances as its controllers.
hv_connect_all() {
    local hv=$1 x args=() ids=""
    for x in $INSTANCES; do
        ln -sfn "$LAB/ctl-$x.sock" "${HV_DIR[$hv]}/run/ctl-$x.sock"
        args+=(-- --id=@$x create Controller target=\"unix:${HV_DIR[$hv]}/run/ctl-$x.sock\"
               max_backoff=1000 inactivity_probe=5000)
        ids+="${ids:+,}@$x"
    done
    vsctl "$hv" -- --if-exists clear bridge br0 controller "${args[@]}" -- set bridge br0 controller="$ids"
}

ha_setup() {
    lab_init
    CONF=$LAB/vxfabric.conf
    etcd_setup
    for x in $INSTANCES; do inst_setup "$x"; done
    hv_create hv1 $HV1_DPID 192.168.1.216
    hv_create hv2 $HV2_DPID 192.168.1.2
    hv_link_underlay hv1 hv2
    while read -r vm hv mac port _net _ip; do vm_create "$hv" "$vm" "$mac" "$port"; done <<<"$VMS"
    hv_add_tunnel hv1
    hv_add_tunnel hv2
    hv_prime_underlay hv1 hv2
    hv_connect_all hv1
    hv_connect_all hv2
}

# --- what OVS reports ---

# OVS writes a controller's role into its database only when its
# connectivity changes (ovs-vswitchd refreshes the Controller table's
# status on its connectivity sequence), so after a role change alone the
# table can be stale for seconds.  Checks right after a failover therefore
# use what each instance holds from OVS's ROLE_REPLY (claimed), and the
# table once it has caught up.

# masters HV: the instances OVS's Controller table has as connected
# masters of HV's br0.
masters() {
    vsctl "$1" --columns=target,role,is_connected --format=csv --data=bare --no-headings list controller \
        | awk -F, '$2 == "master" && $3 == "true" { n = split($1, p, "ctl-"); sub(/\.sock.*/, "", p[n]); print p[n] }' | sort
}
one_master() { [ "$(masters "$1" | wc -l)" = 1 ]; }
# claimed DPID: the instances that hold OVS's ROLE_REPLY MASTER for DPID.
claimed() {  # claimed DPID [EXCEPT]: EXCEPT (a dead instance) is not asked
    local x
    for x in $INSTANCES; do
        [ "$x" = "${2:-}" ] && continue
        [ "$(bridge_field "$x" "$1" role 2>/dev/null)" = master ] && echo "$x"
    done
}
# all_connected HV: OVS holds a connection to every instance.
all_connected() {
    [ "$(vsctl "$1" --columns=is_connected --data=bare --no-headings list controller | grep -c true)" = 3 ]
}
master_of() { masters "$1" | head -1; }
master_is_not() { local m; m=$(master_of "$1"); [ -n "$m" ] && [ "$m" != "$2" ]; }

use_api() { API_PORT=${INST_API[$1]}; }   # fabric.sh's api/api_get go to instance $1

# inst_counter X NAME: a counter of instance X's /metrics (summed over labels).
inst_counter() {
    python3 - "http://127.0.0.1:${INST_API[$1]}/metrics" "$2" <<'PY'
import re, sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
name = "vxfabric_" + sys.argv[2]
print(int(sum(float(l.split()[-1]) for l in text.splitlines()
              if re.match(re.escape(name) + r"(\{| )", l))))
PY
}

# metrics X: instance X's /metrics (fails if it does not answer).
metrics() { curl -sf "http://127.0.0.1:${INST_API[$1]}/metrics"; }

# bridge_field X DPID FIELD: instance X's /v1/bridges/DPID/state FIELD.
bridge_field() {
    use_api "$1"
    api_get "/v1/bridges/$2/state" | python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1]))' "$3"
}

# --- scenarios ---

t_import() {
    local out
    out=$("$VXCTL" --api "http://127.0.0.1:${INST_API[a]}" import "$ROOT_DIR/conf/vxfabric.conf" 2>&1)
    expect "vxctl import loads the file's 18 objects into etcd ($out)" grep -qx "imported: 18" <<<"$out" || return 1
    for x in $INSTANCES; do
        use_api "$x"
        expect "instance $x sees the 12 hosts" wait_until 5 bash -c \
            "$(declare -f api_get); API_PORT=$API_PORT; api_get /v1/hosts | python3 -c 'import json,sys; sys.exit(len(json.load(sys.stdin)) != 12)'" || return 1
    done
}

t_one_master_each() {
    local hv
    for hv in hv1 hv2; do
        expect "$hv: exactly one master, as OVS reports it" wait_until 10 one_master "$hv" || return 1
        log "$hv: master $(master_of "$hv"); $(vsctl "$hv" --columns=target,role,is_connected --format=csv --data=bare --no-headings list controller | tr '\n' ' ')"
    done
    use_api b
    local m
    m=$(api_get /v1/state | python3 -c 'import json,sys; print(" ".join(b["master"] for b in json.load(sys.stdin)))')
    expect "every instance names the same masters (b says '$m')" test "$m" = "$(master_of hv1) $(master_of hv2)" || return 1
    local out
    out=$("$VXCTL" --api "http://127.0.0.1:${INST_API[a]}" state)
    expect "vxctl state shows each bridge's master ($out)" \
        test "$(awk 'NR > 1 { print $NF }' <<<"$out" | tr '\n' ' ')" = "$(master_of hv1) $(master_of hv2) " || return 1
    out=$(metrics "$(master_of hv1)") || { log "no /metrics"; return 1; }
    expect "/metrics: this instance masters hv1" grep -q "vxfabric_bridge_role{dpid=\"$HV1\",role=\"master\"} 1" <<<"$out" || return 1
    local line
    for line in "vxfabric_ha_members 3" "vxfabric_ha_joined 1" "vxfabric_ha_watch_lag 0"; do
        expect "/metrics: $line" grep -qx "$line" <<<"$out" || return 1
    done
}

t_dhcp_and_ping() {
    local vm pids=() ok=0
    while read -r vm _; do dhcp "$vm" & pids+=($!); done <<<"$VMS"
    for p in "${pids[@]}"; do wait "$p"; done
    while read -r vm hv mac port net ip; do
        check_lease "$vm" "$net" "$ip" || { log "$vm: no correct lease"; ok=1; }
    done <<<"$VMS"
    [ $ok = 0 ] || return 1
    expect "vm1 (hv1) pings vm7 (hv2)" in_ns vm1 ping -c 2 -i 0.2 -W 2 -q 10.0.0.4 >/dev/null || return 1
    expect "vm5 (hv1) reaches vm11 (hv2) through the router" in_ns vm5 ping -c 2 -i 0.2 -W 2 -q 192.168.5.3 >/dev/null
}

# confirmed_master DPID EXCEPT: the instance (not EXCEPT) whose connection
# to DPID OVS confirmed MASTER by ROLE_REPLY, as its /v1/state says.
confirmed_master() {
    local m
    m=$(claimed "$1" "$2" | head -1)
    [ -n "$m" ] && echo "$m"
}

# kill_master_of_hv1: kill -9 of hv1's master (KILLED, at KILL_NS).
kill_master_of_hv1() {
    KILLED=$(confirmed_master $HV1 none)
    [ -n "$KILLED" ] || { log "hv1 has no master"; return 1; }
    KILL_NS=$(date +%s%N)
    kill -9 "${INST_PID[$KILLED]}"
    wait "${INST_PID[$KILLED]}" 2>/dev/null || true     # 137: killed, as meant
}

# await_failover: measures the failover until a survivor holds OVS's
# ROLE_REPLY MASTER for hv1 (OVS's own Controller table follows later: it
# refreshes the role column on connectivity changes only), then checks
# that OVS reports the same master.  Sets FAILOVER_MS.
await_failover() {
    local m=$KILLED t1 n
    wait_until 15 confirmed_master $HV1 "$m" || { log "no survivor became hv1's master"; return 1; }
    n=$(confirmed_master $HV1 "$m")
    # When its ROLE_REPLY came, from its own log (polling adds its latency).
    t1=$(python3 - "$LAB/vxfabricd-$n.log" "$KILL_NS" <<'PY'
import datetime, sys
kill = int(sys.argv[2]) / 1e9
for line in open(sys.argv[1]):
    if "dpid 0x32d1f6ddc94f: master (generation" in line:
        t = datetime.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f")
        t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
        if t > kill:
            print(int(t * 1e9))
            break
PY
)
    [ -n "$t1" ] || { log "no promotion of hv1 in $n's log"; return 1; }
    FAILOVER_MS=$(( (t1 - KILL_NS) / 1000000 ))
    log "killed $m; $n holds hv1's ROLE_REPLY MASTER after $FAILOVER_MS ms"
    wait_until 15 ovs_reports_master hv1 "$n" \
        || { log "OVS reports '$(masters hv1 | tr '\n' ' ')' as hv1's master, not $n"; return 1; }
}
ovs_reports_master() { [ "$(masters "$1")" = "$2" ]; }

# After the kill, flushes vm2's ARP cache and pings vm8 from it once a
# second for 6 s; prints the milliseconds from the kill to the first
# answer, or nothing.
resolve_after_kill() {
    in_ns vm2 ip neigh flush dev eth0
    while [ $(( ($(date +%s%N) - KILL_NS) / 1000000 )) -lt 6000 ]; do
        if in_ns vm2 ping -c 1 -W 1 -q 10.0.0.5 >/dev/null 2>&1; then
            echo $(( ($(date +%s%N) - KILL_NS) / 1000000 ))
            return
        fi
    done
}

t_failover() {
    local ping_out=$LAB/ping100.out resolved_ms=""
    # 100 pings a second between VMs across the tunnel, through the kill.
    in_ns vm1 ping -i 0.01 -c 800 -W 1 -q 10.0.0.4 >"$ping_out" 2>&1 &
    local pinger=$!
    sleep 1
    kill_master_of_hv1 || { wait $pinger; return 1; }
    # vm2 (hv1) forgets its neighbours after the kill: reaching vm8 needs an
    # ARP answer from hv1's master, the new one.
    resolve_after_kill >"$LAB/resolved_ms" &
    local resolver=$!
    await_failover || { wait $pinger $resolver; return 1; }
    expect "a survivor is master within the lease TTL + 2 s ($FAILOVER_MS ms)" \
        test "$FAILOVER_MS" -le $(( (TTL + 2) * 1000 )) || { wait $pinger $resolver; return 1; }
    wait $pinger $resolver
    resolved_ms=$(cat "$LAB/resolved_ms")
    log "vm2 resolved vm8 and got its echo reply ${resolved_ms:-never} ms after the kill"
    log "ping through the failover: $(grep -E 'packets transmitted' "$ping_out")"
    expect "vm2, its ARP cache flushed, resolves and pings within 5 s of the kill (${resolved_ms:-never} ms)" \
        test -n "$resolved_ms" -a "${resolved_ms:-99999}" -le 5000 || return 1
    expect "the 100/s ping lost no packet" grep -q " 0% packet loss" "$ping_out" || return 1
    local n
    n=$(master_of hv1)
    expect "the new master is in sync with hv1" wait_until 10 bash -c \
        "$(declare -f bridge_field use_api api_get); $(declare -p INST_API); [ \"\$(bridge_field $n $HV1 state)\" = idle ]" || return 1
    expect "the new master sent 0 FLOW_MODs to hv1 (nothing changed)" \
        test "$(bridge_field "$n" $HV1 flow_mods_sent)" = 0 || return 1
    expect "its promotion is counted" test "$(inst_counter "$n" role_promotions)" -ge 1 || return 1
    inst_start "$KILLED"
    rejoined "$KILLED" ha_members 3
}

# rejoined X COUNTER VALUE: instance X's COUNTER reaches VALUE (it is back
# in etcd), both switches connect to all three, each has one master.
rejoined() {
    expect "$1 rejoins ($2 = $3)" wait_until 15 bash -c \
        "$(declare -f inst_counter); $(declare -p INST_API); [ \"\$(inst_counter $1 $2)\" = $3 ]" || return 1
    for hv in hv1 hv2; do
        expect "$hv is connected to every instance" wait_until 20 all_connected "$hv" || return 1
        expect "$hv: one master after the rejoin" wait_until 10 one_master "$hv" || return 1
    done
}

t_write_elsewhere() {
    # A host added through an instance that does not master hv1 gets its
    # flows on hv1 (programmed by hv1's master), DHCP and connectivity.
    local m x code
    m=$(master_of hv1)
    for x in $INSTANCES; do [ "$x" != "$m" ] && break; done
    vm_create hv1 vm13 02:00:00:00:00:13 13
    use_api "$x"
    code=$(api PUT /v1/hosts/3/02:00:00:00:00:13 '{"bridge": "hv1", "port": 13, "ip": "192.168.5.13"}')
    expect "PUT on instance $x (hv1's master is $m) accepted (201, got $code)" test "$code" = 201 || return 1
    expect "vm13 gets its lease" dhcp vm13 || return 1
    check_lease vm13 3 192.168.5.13 || return 1
    expect "vm13 (hv1) reaches vm11 (hv2)" in_ns vm13 ping -c 2 -i 0.2 -W 2 -q 192.168.5.3 >/dev/null
}

t_conflict() {
    local out
    out=$(python3 "$E2E_DIR/ha_conflict.py" "http://127.0.0.1:${INST_API[a]}" "http://127.0.0.1:${INST_API[b]}" \
        "${INST_PID[b]}" /v1/networks/3 \
        '{"subnet": "192.168.5.0/24", "gateway": "192.168.5.253", "dns": ["192.168.5.249"], "domain": "by-a"}' \
        '{"subnet": "192.168.5.0/24", "gateway": "192.168.5.253", "dns": ["192.168.5.249"], "domain": "by-b"}' 2>&1)
    expect "A's write wins, B's gets 409 ($out)" test "$out" = "A=200 B=409" || return 1
    for x in $INSTANCES; do
        use_api "$x"
        expect "instance $x holds A's write" wait_until 5 bash -c \
            "$(declare -f api_get); API_PORT=$API_PORT; api_get /v1/networks/3 | grep -q by-a" || return 1
    done
    expect "the conflict is counted on b" test "$(inst_counter b ha_write_conflicts)" -ge 1
}

t_compaction() {
    # Instance c misses two writes (stopped) that etcd then compacts away;
    # its etcd connections are cut, so its watch resumes from a compacted
    # revision: it must re-list and diff, and end up with both writes.
    local rev code
    kill -STOP "${INST_PID[c]}"
    relays_stop c               # no event of the writes below reaches c
    # Straight into etcd (as another instance would write them), quickly:
    # c is stopped, its lease must outlive the pause.
    local ctl=(etcdctl --endpoints "http://127.0.0.1:${ETCD_CLIENT[2]}")
    code=$("${ctl[@]}" put /vxfabric-lab/objects/networks/3 \
           '{"subnet": "192.168.5.0/24", "gateway": "192.168.5.253", "dns": ["192.168.5.249"], "domain": "one"}')
    code+=" $("${ctl[@]}" put /vxfabric-lab/objects/networks/1 \
           '{"subnet": "10.0.0.0/24", "gateway": "10.0.0.254", "dns": ["10.0.0.250"], "domain": "two"}')"
    rev=$("${ctl[@]}" get /vxfabric-lab/objects/networks/1 -w json \
          | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
    "${ctl[@]}" compact "$rev" >/dev/null
    relays_start c
    kill -CONT "${INST_PID[c]}"
    expect "both writes made ($code)" test "$code" = "OK OK" || return 1
    expect "c re-lists after the compacted revision" \
        wait_until 10 grep -q "is compacted: re-listing" "$LAB/vxfabricd-c.log" || return 1
    use_api c
    expect "and holds both writes" wait_until 10 bash -c \
        "$(declare -f api_get); API_PORT=$API_PORT; api_get /v1/networks/3 | grep -q '\"one\"' && api_get /v1/networks/1 | grep -q '\"two\"'" || return 1
    # The pause may have cost c its lease (then it rejoined): either way it
    # is back, and every bridge has one master.
    rejoined c ha_joined 1
}

# no_gap_for SECONDS: at every sample, every bridge has exactly one master
# in OVS's table, and exactly one instance holds its ROLE_REPLY.
no_gap_for() {
    local end=$((SECONDS + $1)) hv dpid c
    while [ $SECONDS -lt $end ]; do
        for hv in hv1 hv2; do
            dpid=${HV_DPID[$hv]}
            one_master "$hv" || { log "$hv: OVS masters '$(masters "$hv" | tr '\n' ' ')'"; return 1; }
            c=$(claimed "$(printf '%#x' "$dpid")")
            [ "$(grep -c . <<<"$c")" = 1 ] || { log "$hv: claimed by '$(tr '\n' ' ' <<<"$c")'"; return 1; }
        done
    done
}

t_etcd_member_down() {
    local before code
    before="$(master_of hv1) $(master_of hv2)"
    kill -9 "${ETCD_PID[1]}"
    wait "${ETCD_PID[1]}" 2>/dev/null
    expect "with one etcd member killed, every bridge keeps one master for 3 lease TTLs" \
        no_gap_for $((3 * TTL)) || return 1
    expect "the masters did not change" test "$(master_of hv1) $(master_of hv2)" = "$before" || return 1
    use_api c
    code=$(api DELETE /v1/hosts/3/02:00:00:00:00:13)
    expect "API writes still work (204, got $code)" test "$code" = 204 || return 1
    expect "ping still works" in_ns vm1 ping -c 2 -i 0.2 -W 2 -q 10.0.0.4 >/dev/null || return 1
    for x in $INSTANCES; do
        expect "instance $x still joined" test "$(inst_counter "$x" ha_joined)" = 1 || return 1
    done
}

t_cut_off_and_fencing() {
    # hv1's master loses etcd (its relays go): it demotes itself everywhere,
    # a survivor takes hv1 over, and at no sample do two instances master a
    # bridge.  Then OVS refuses a ROLE_REQUEST with a stale generation.
    local m out gen since
    m=$(confirmed_master $HV1 none)
    since=$(date +%s%N)
    relays_stop "$m"
    sleep $((TTL + 3))
    # From the instances' logs: ROLE_REPLY MASTER opens a mastership, the
    # demotion (logged before programming stops) closes it.
    expect "never two instances holding a bridge's mastership" \
        python3 "$E2E_DIR/mastership_overlap.py" "$since" "$LAB"/vxfabricd-*.log || return 1
    expect "$m, cut off from etcd, left its lease" test "$(inst_counter "$m" ha_joined)" = 0 || return 1
    expect "and gave up hv1" test "$(inst_counter "$m" role_demotions)" -ge 1 || return 1
    expect "a survivor masters hv1, as OVS reports it" wait_until 10 master_is_not hv1 "$m" || return 1
    out=$(metrics "$m") || { log "$m: no /metrics"; return 1; }
    expect "$m masters nothing" bash -c "! grep -q 'role=\"master\"'" <<<"$out" || return 1
    # Fencing: a ROLE_REQUEST with an old generation is refused.
    gen=$(inst_counter "$(master_of hv1)" ha_generation)
    python3 "$E2E_DIR/ofrole.py" "$LAB/ofrole.sock" 1 >"$LAB/ofrole.out" 2>&1 &
    local prober=$!
    LAB_PIDS+=($prober)
    sleep 0.3
    ln -sfn "$LAB/ofrole.sock" "${HV_DIR[hv1]}/run/ofrole.sock"
    vsctl hv1 -- --id=@p create Controller target=\"unix:${HV_DIR[hv1]}/run/ofrole.sock\" \
        -- add bridge br0 controller @p
    wait $prober
    out=$(cat "$LAB/ofrole.out")
    vsctl hv1 -- --if-exists remove bridge br0 controller "$(vsctl hv1 --bare --columns=_uuid find controller target=\"unix:${HV_DIR[hv1]}/run/ofrole.sock\")"
    expect "OVS refuses MASTER with generation 1 < $gen: OFPRRFC_STALE ($out)" test "$out" = "error 11 0" || return 1
    relays_start "$m"
    # The relays listen on the same ports: the instance rejoins by itself.
    rejoined "$m" ha_joined 1
}

t_clean_shutdown() {
    local x rc=0
    for x in $INSTANCES; do
        kill "${INST_PID[$x]}" 2>/dev/null
        wait "${INST_PID[$x]}" 2>/dev/null || { log "instance $x exited with $?"; rc=1; }
    done
    if grep -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$LAB"/vxfabricd-*.log >&2; then
        log "sanitizer reports in an instance's log"
        return 1
    fi
    return $rc
}

HA_ALL="import one_master_each dhcp_and_ping failover write_elsewhere conflict compaction etcd_member_down
        cut_off_and_fencing clean_shutdown"
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
ha_setup
for t in ${*:-$HA_ALL}; do run_test "$t" "t_$t"; done
summary
