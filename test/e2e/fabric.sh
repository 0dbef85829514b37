#!/usr/bin/env bash
# End-to-end scenarios on the article's fabric: 2 hypervisors, 12 VMs,
# networks 1 and 2 overlapping on 10.0.0.0/24, network 3 routed with 1.
# Usage: fabric.sh [SCENARIO...]   (default: all, in order)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HV1_DPID=0x32d1f6ddc94f
HV2_DPID=0x4e7879903e4c

# vm  hv  mac  port  network  ip
VMS="vm1  hv1 da:1d:64:e8:e6:86 1 1 10.0.0.1
vm2  hv1 ba:ce:a6:08:b6:67 2 1 10.0.0.2
vm3  hv1 3e:d4:89:c5:d5:ec 3 2 10.0.0.1
vm4  hv1 b2:5b:4e:49:85:59 4 2 10.0.0.2
vm5  hv1 8a:14:11:f1:3d:c9 5 3 192.168.5.1
vm6  hv1 8e:2b:b5:39:03:64 6 3 192.168.5.2
vm7  hv2 7e:cc:09:63:aa:6f 1 1 10.0.0.4
vm8  hv2 ea:3d:e4:bc:b6:9f 2 1 10.0.0.5
vm9  hv2 74:4b:c6:95:18:73 4 2 10.0.0.4
vm10 hv2 86:95:72:30:f5:ac 5 2 10.0.0.5
vm11 hv2 5e:9f:86:77:6e:87 6 3 192.168.5.3
vm12 hv2 52:21:f7:11:a6:10 7 3 192.168.5.4"

vm_field() {  # vm_field VM COLUMN(2..6)
    awk -v vm="$1" -v c="$2" '$1 == vm { print $c }' <<<"$VMS"
}

# VX_LAB_ARP=datapath runs the whole lab with the datapath ARP responder.
ARP_MODE=${VX_LAB_ARP:-controller}
# Flows per bridge of the article's fabric: 40 in controller mode; in
# datapath mode table 0 loses 6 ARP flows and tables 1 and 2 gain 6 ARP
# validations, 15 answers, 3 gateway echo replies and 1 catch-all.
if [ "$ARP_MODE" = datapath ]; then ARTICLE_FLOWS=59; else ARTICLE_FLOWS=40; fi

setup() {
    lab_init
    STATE_DIR=$LAB/state
    CONF=$LAB/vxfabric.conf
    # The example config, with the lab's state dir and a short echo
    # interval so that keepalive is exercised within seconds.
    API_PORT=$(free_port)
    # The API's settings go at the top: scenarios edit the host list at the end.
    sed -e "s|^state_dir = .*|state_dir = \"$STATE_DIR\";\napi_store = \"$LAB/api.db\";|" \
        -e "s|^api_listen = .*|api_listen = \"tcp:127.0.0.1:$API_PORT\";|" \
        -e "s|^echo_interval_ms = .*|echo_interval_ms = 1000;\nmax_flow_stats = 20000;\narp_responder = \"$ARP_MODE\";|" \
        -e "s|^workers = .*|workers = 2;|" \
        "$ROOT_DIR/conf/vxfabric.conf" >"$CONF"
    hv_create hv1 $HV1_DPID 192.168.1.216
    hv_create hv2 $HV2_DPID 192.168.1.2
    hv_link_underlay hv1 hv2
    while read -r vm hv mac port _net _ip; do
        vm_create "$hv" "$vm" "$mac" "$port"
    done <<<"$VMS"
    hv_add_tunnel hv1
    hv_add_tunnel hv2
    hv_prime_underlay hv1 hv2
    ctl_start "$CONF"
    hv_connect_controller hv1
    hv_connect_controller hv2
}

connected() {  # connected HV: the switch reports a live controller connection
    grep -q "br0<->unix:.*: connected" "${HV_DIR[$1]}/log/ovs-vswitchd.log"
}

# Desired flows as the controller computes them, in the switch's syntax.
ctl_flows_synced() {  # ctl_flows_synced HV: installed == desired, nothing pending
    local f=$STATE_DIR/flows-$(printf '%016x' "${HV_DPID[$1]}").txt
    ctl_dump
    head -1 "$f" | grep -q 'state=idle' && head -1 "$f" | grep -q 'pending=0 failed=0'
}

t_handshake() {
    expect "hv1 connects" wait_until 20 connected hv1 || return 1
    expect "hv2 connects" wait_until 20 connected hv2 || return 1
    expect "both bridges programmed" wait_until 20 ctl_flows_synced hv1 || return 1
    wait_until 20 ctl_flows_synced hv2
}

t_ports_by_name() {
    # The tunnel port's number is OVS's choice; the table-1 tunnel flow must
    # use it, which the controller can only know from PORT_DESC by name.
    local hv ofport
    for hv in hv1 hv2; do
        ofport=$(vsctl "$hv" get interface vtun1 ofport)
        expect "$hv: tunnel port $ofport learned by name" \
            grep -q "table=1, priority=100,in_port=$ofport actions=goto_table:3" <(hv_flows "$hv") || return 1
    done
}

ctl_desired() {  # ctl_desired HV: the controller's desired flows (after ctl_dump)
    local f=$STATE_DIR/flows-$(printf '%016x' "${HV_DPID[$1]}").txt
    [ -s "$f" ] || { log "no flow dump $f"; return 1; }
    sed -n '/^# desired/,/^# installed/p' "$f" | grep '^cookie' | sort
}

# The switch holds exactly the controller's desired flows (after ctl_dump),
# compared in ovs-ofctl's own rendering of the switch's table.
switch_equals_desired() {  # switch_equals_desired HV
    local hv=$1
    ctl_desired "$hv" >"$LAB/desired.$hv" || return 1
    hv_flows "$hv" >"$LAB/installed.$hv"
    diff "$LAB/desired.$hv" "$LAB/installed.$hv" >"$LAB/flowdiff.$hv" \
        || { log "$hv: desired (<) vs switch (>):"; cat "$LAB/flowdiff.$hv" >&2; return 1; }
}

t_flows_equal_desired() {
    local hv n
    ctl_dump
    for hv in hv1 hv2; do
        switch_equals_desired "$hv" || return 1
        n=$(grep -c . "$LAB/desired.$hv")
        expect "$hv: the article's pipeline is $ARTICLE_FLOWS flows ($ARP_MODE ARP; got $n)" \
            test "$n" = "$ARTICLE_FLOWS" || return 1
    done
}

t_survives_echo() {
    # Several echo intervals (1 s) of idleness: still one connection each.
    local before after
    ctl_dump; before=$(counter conn_accepted)
    sleep 4
    ctl_dump; after=$(counter conn_accepted)
    expect "no reconnection while idle ($before -> $after)" test "$before" = "$after" || return 1
    expect "echo requests were sent" test "$(counter echo_requests)" -gt 0 || return 1
    expect "no echo timeout" test "$(counter conn_echo_timeout)" = 0
}

t_ovs_restart() {
    # Kill OVS hard, start it again: it reconnects and its flows are back.
    local n
    ctl_dump; n=$(counter conn_accepted)
    hv_stop_ovs hv2 KILL
    : >"${HV_DIR[hv2]}/log/ovs-vswitchd.log"
    hv_start_ovs hv2
    expect "hv2 reconnects" wait_until 30 connected hv2 || return 1
    expect "hv2 reprogrammed" wait_until 20 ctl_flows_synced hv2 || return 1
    ctl_dump
    expect "OVS itself holds the desired flows again" switch_equals_desired hv2 || return 1
    expect "a new connection was accepted" test "$(counter conn_accepted)" -gt "$n"
    expect "and the restarted switch forwards again" in_ns vm1 ping -c 2 -i 0.2 -W 2 -q 10.0.0.4 >/dev/null
}

# ---- DHCP, ARP and forwarding ----

net_gw() { case $1 in 1) echo 10.0.0.254;; 2) echo 10.0.0.253;; 3) echo 192.168.5.253;; 4) echo 172.31.4.254;; esac; }
net_dns() { case $1 in 1) echo 10.0.0.250;; 2) echo 10.0.0.249;; 3) echo 192.168.5.249;; 4) echo 172.31.4.250;; esac; }

dhcp() {  # dhcp VM: runs udhcpc once in VM; the lease lands in $LAB/lease.VM
    rm -f "$LAB/lease.$1"
    in_ns "$1" env LEASE_FILE="$LAB/lease.$1" \
        udhcpc -i eth0 -n -q -t 5 -T 1 -s "$E2E_DIR/udhcpc.script" >"$LAB/udhcpc.$1.log" 2>&1
}

lease_is() {  # lease_is VM KEY VALUE
    grep -qx "$2=$3" "$LAB/lease.$1" || { log "$1: lease $2 is '$(sed -n "s/^$2=//p" "$LAB/lease.$1" 2>/dev/null)', want '$3'"; return 1; }
}

check_lease() {  # check_lease VM NET IP
    local vm=$1 net=$2 ip=$3
    lease_is "$vm" ip "$ip" && lease_is "$vm" mask 24 && lease_is "$vm" router "$(net_gw "$net")" \
        && lease_is "$vm" dns "$(net_dns "$net")" && lease_is "$vm" mtu 1450 \
        && lease_is "$vm" serverid "$(net_gw "$net")" \
        && in_ns "$vm" ip -4 addr show dev eth0 | grep -q "inet $ip/24" \
        && in_ns "$vm" ip link show dev eth0 | grep -q "mtu 1450"
}

t_dhcp_every_vm() {
    local pids=() vm hv mac port net ip ok=0
    while read -r vm _; do dhcp "$vm" & pids+=($!); done <<<"$VMS"
    for p in "${pids[@]}"; do wait "$p"; done
    while read -r vm hv mac port net ip; do
        check_lease "$vm" "$net" "$ip" || { log "$vm: no correct lease"; ok=1; }
    done <<<"$VMS"
    ctl_dump
    expect "one OFFER per VM at least" test "$(counter dhcp_offers)" -ge 12 || return 1
    expect "no NAK" test "$(counter dhcp_naks)" = 0 || return 1
    return $ok
}

t_dhcp_unicast_renewal() {
    # RENEWING (RFC 2131 4.4.5): a unicast REQUEST to the server identifier
    # must reach the controller (table 0 matches udp dst 67 whatever the
    # destination) and get a unicast ACK; a wrong ciaddr gets a NAK.
    local out
    in_ns vm1 ip neigh flush dev eth0
    out=$(in_ns vm1 python3 "$E2E_DIR/dhcp_renew.py" "$(vm_field vm1 3)" 10.0.0.1 10.0.0.254 ack 2>&1)
    expect "unicast renewal ACKed ($out)" grep -q "reply ack from 10.0.0.254, yiaddr 10.0.0.1" <<<"$out" || return 1
    out=$(in_ns vm1 python3 "$E2E_DIR/dhcp_renew.py" "$(vm_field vm1 3)" 10.0.0.77 10.0.0.254 nak 2>&1)
    expect "a renewal for the wrong address is NAKed ($out)" grep -q "reply nak" <<<"$out"
}

neigh_mac() {  # neigh_mac VM IP: the MAC VM resolved IP to
    in_ns "$1" ip neigh show "$2" dev eth0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}

rx_packets() { in_ns "$1" cat /sys/class/net/eth0/statistics/rx_packets; }

t_same_network_ping() {
    # No static neighbour entries: every address is resolved by ARP,
    # answered by the controller.
    local pair src dst
    for pair in "vm1 vm7" "vm2 vm8" "vm3 vm9" "vm5 vm11" "vm6 vm12" "vm1 vm2"; do
        set -- $pair; src=$1; dst=$2
        in_ns "$src" ip neigh flush dev eth0
        expect "$src pings $dst ($(vm_field "$dst" 6))" \
            in_ns "$src" ping -c 3 -i 0.2 -W 2 -q "$(vm_field "$dst" 6)" >/dev/null || return 1
        expect "$src resolved $dst's MAC" test "$(neigh_mac "$src" "$(vm_field "$dst" 6)")" = "$(vm_field "$dst" 3)" || return 1
    done
    ctl_dump
    if [ "$ARP_MODE" = datapath ]; then
        expect "ARP was answered in the datapath, not by packet-in" test "$(counter arp_replies)" = 0
    else
        expect "ARP replies were sent by the controller" test "$(counter arp_replies)" -ge 6
    fi
}

t_isolation_overlapping() {
    # 10.0.0.4 exists in network 1 (vm7) and network 2 (vm9).  Each side
    # reaches its own peer only, both ways, and the other never sees it.
    local before7 before9
    for vm in vm1 vm3 vm7 vm9; do in_ns "$vm" ip neigh flush dev eth0; done
    before7=$(rx_packets vm7); before9=$(rx_packets vm9)
    expect "vm1 (net 1) reaches 10.0.0.4" in_ns vm1 ping -c 5 -i 0.1 -W 2 -q 10.0.0.4 >/dev/null || return 1
    expect "vm1 resolved 10.0.0.4 to vm7" test "$(neigh_mac vm1 10.0.0.4)" = "$(vm_field vm7 3)" || return 1
    expect "vm9 (net 2) saw none of it" test "$(rx_packets vm9)" = "$before9" || return 1
    before7=$(rx_packets vm7)
    expect "vm3 (net 2) reaches 10.0.0.4" in_ns vm3 ping -c 5 -i 0.1 -W 2 -q 10.0.0.4 >/dev/null || return 1
    expect "vm3 resolved 10.0.0.4 to vm9" test "$(neigh_mac vm3 10.0.0.4)" = "$(vm_field vm9 3)" || return 1
    expect "vm7 (net 1) saw none of it" test "$(rx_packets vm7)" = "$before7" || return 1
    # And the other direction, from hv2 back to hv1.
    before9=$(rx_packets vm3)
    expect "vm7 (net 1) reaches 10.0.0.1" in_ns vm7 ping -c 3 -i 0.1 -W 2 -q 10.0.0.1 >/dev/null || return 1
    expect "vm7 resolved 10.0.0.1 to vm1" test "$(neigh_mac vm7 10.0.0.1)" = "$(vm_field vm1 3)" || return 1
    expect "vm3 (net 2, also 10.0.0.1) saw none of it" test "$(rx_packets vm3)" = "$before9"
}

t_routing() {
    # Network 1 to network 3 through the router, across hypervisors: the
    # reply comes back with the TTL decremented once (64 -> 63).
    local out
    out=$(in_ns vm1 ping -c 3 -i 0.2 -W 2 192.168.5.3 2>&1)
    expect "vm1 (net 1) pings vm11 (net 3)" grep -q " 0% packet loss" <<<"$out" || { log "$out"; return 1; }
    expect "TTL decremented by one" grep -q "ttl=63" <<<"$out" || { log "$out"; return 1; }
    expect "vm1 resolved its gateway to the router" test "$(neigh_mac vm1 10.0.0.254)" = 00:bb:cc:dd:ee:00 || return 1
    expect "vm11 (net 3) pings vm2 (net 1)" in_ns vm11 ping -c 2 -i 0.2 -W 2 -q 10.0.0.2 >/dev/null || return 1
    # Network 2 overlaps network 1 but is not on the router.
    expect "vm3 (net 2) cannot reach net 3" \
        bash -c "! ip netns exec $(ns_name vm3) ping -c 2 -i 0.2 -W 1 -q 192.168.5.3 >/dev/null"
}

t_gateway_ping() {
    # The gateway answers ping, on a routed network and on one with no router.
    local out
    out=$(in_ns vm1 ping -c 3 -i 0.2 -W 2 10.0.0.254 2>&1)
    expect "vm1 pings its gateway 10.0.0.254" grep -q " 0% packet loss" <<<"$out" || { log "$out"; return 1; }
    out=$(in_ns vm3 ping -c 3 -i 0.2 -W 2 10.0.0.253 2>&1)
    expect "vm3 (net 2, no router) pings its gateway 10.0.0.253" grep -q " 0% packet loss" <<<"$out" || { log "$out"; return 1; }
    expect "vm3 resolved its gateway to the VNI-derived MAC" test "$(neigh_mac vm3 10.0.0.253)" = 02:76:78:00:00:02 || return 1
    ctl_dump
    if [ "$ARP_MODE" = datapath ]; then
        expect "echo replies came from the datapath, none from the controller" \
            test "$(counter icmp_echo_replies)" = 0
    else
        expect "replies counted" test "$(counter icmp_echo_replies)" -ge 6
    fi
}

t_traceroute() {
    # traceroute from network 1 to network 3 shows the gateway as hop 1:
    # the router's dec_ttl expires the probe, the controller answers with
    # ICMP time exceeded from 10.0.0.254.
    local out
    out=$(in_ns vm1 traceroute -n -q 1 -w 2 -m 4 192.168.5.3 2>&1)
    log "$(tr '\n' '|' <<<"$out")"
    expect "hop 1 is the gateway" grep -qE '^ *1 +10\.0\.0\.254 ' <<<"$out" || return 1
    expect "hop 2 is the destination" grep -qE '^ *2 +192\.168\.5\.3 ' <<<"$out" || return 1
    ctl_dump
    expect "time exceeded counted" test "$(counter icmp_time_exceeded)" -ge 1
}

# trace_agrees NAME "VXCTL TRACE ARGS" OVS_FLOW EXPECTED: vxfabricd's trace
# and OVS's ofproto/trace visit the same flows and reach the same verdict,
# which starts with EXPECTED ("delivered hv2 1", "dropped hv1 3 ...").
trace_agrees() {
    local bridges="" hv out
    for hv in hv1 hv2; do
        bridges+="${bridges:+,}$hv:${HV_DIR[$hv]}/run:$(vsctl "$hv" get interface vtun1 ofport):${HV_TUN_IP[$hv]}"
    done
    out=$(python3 "$ROOT_DIR/test/e2e/trace_check.py" "$VXCTL" "http://127.0.0.1:$API_PORT" \
          "$bridges" "$2" "$3" 2>&1)
    expect "$1: trace = ofproto/trace: $out" grep -q "^$4" <<<"$out"
}

icmp_flow() {  # icmp_flow VM DST_MAC DST_IP [TTL]: an echo request of VM, ofproto/trace syntax
    printf 'in_port=%s,icmp,dl_src=%s,dl_dst=%s,nw_src=%s,nw_dst=%s,nw_ttl=%s,icmp_type=8' \
        "$(vm_field "$1" 4)" "$(vm_field "$1" 3)" "$2" "$(vm_field "$1" 6)" "$3" "${4:-64}"
}

# reaches_only SRC IP TO NOT: SRC pings IP; TO received it, NOT did not.
reaches_only() {
    local before_to before_not
    before_to=$(rx_packets "$3"); before_not=$(rx_packets "$4")
    expect "$1 reaches $2" in_ns "$1" ping -c 3 -i 0.2 -W 2 -q "$2" >/dev/null || return 1
    expect "traffic: $3 received it" test "$(rx_packets "$3")" -gt "$before_to" || return 1
    expect "traffic: $4 did not" test "$(rx_packets "$4")" = "$before_not"
}

t_trace() {
    # #19: for each of the article's scenarios, the trace's verdict agrees
    # with ofproto/trace on the real bridges, and with the traffic.
    local before11 before2 out gw_verdict
    for vm in vm1 vm3; do in_ns "$vm" ip neigh flush dev eth0; done

    # The same network across hypervisors: vm1 -> vm7 (10.0.0.4, net 1).
    trace_agrees "net 1 across hypervisors" "da:1d:64:e8:e6:86 10.0.0.4" \
        "$(icmp_flow vm1 7e:cc:09:63:aa:6f 10.0.0.4)" "delivered hv2 1" || return 1
    reaches_only vm1 10.0.0.4 vm7 vm9 || return 1

    # Isolation of networks 1 and 2: vm3 (net 2) -> 10.0.0.4 is vm9, and
    # network 3 is out of its reach (network 2 is on no router).
    trace_agrees "net 2's 10.0.0.4 is vm9" "3e:d4:89:c5:d5:ec 10.0.0.4" \
        "$(icmp_flow vm3 74:4b:c6:95:18:73 10.0.0.4)" "delivered hv2 4" || return 1
    reaches_only vm3 10.0.0.4 vm9 vm7 || return 1
    trace_agrees "net 2 cannot reach net 3" "3e:d4:89:c5:d5:ec 192.168.5.3" \
        "$(icmp_flow vm3 02:76:78:00:00:02 192.168.5.3)" "dropped hv1 3 other_network" || return 1
    before11=$(rx_packets vm11)
    expect "vm3's ping to 192.168.5.3 fails" \
        bash -c "! ip netns exec $(ns_name vm3) ping -c 2 -i 0.2 -W 1 -q 192.168.5.3 >/dev/null"
    expect "traffic: vm11 received nothing" test "$(rx_packets vm11)" = "$before11" || return 1

    # Routing from network 1 to 3 through the router's MAC.
    trace_agrees "net 1 to net 3" "da:1d:64:e8:e6:86 192.168.5.3" \
        "$(icmp_flow vm1 00:bb:cc:dd:ee:00 192.168.5.3)" "delivered hv2 6" || return 1
    before11=$(rx_packets vm11)
    expect "vm1 reaches 192.168.5.3" in_ns vm1 ping -c 3 -i 0.2 -W 2 -q 192.168.5.3 >/dev/null || return 1
    expect "traffic: vm11 (hv2 port 6) received it" test "$(rx_packets vm11)" -gt "$before11" || return 1

    # TTL 1: expires in the router; the controller answers time exceeded.
    trace_agrees "TTL 1" "da:1d:64:e8:e6:86 192.168.5.3 ttl=1" \
        "$(icmp_flow vm1 00:bb:cc:dd:ee:00 192.168.5.3 1)" "controller hv1 ttl_expired ICMP time exceeded from the gateway 10.0.0.254" || return 1
    out=$(in_ns vm1 ping -c 1 -t 1 -W 2 192.168.5.3 2>&1)
    expect "traffic: time exceeded from 10.0.0.254" grep -q "From 10.0.0.254 .*Time to live exceeded" <<<"$out" || { log "$out"; return 1; }

    # A ping to the gateway: the controller answers it, or the datapath does.
    if [ "$ARP_MODE" = datapath ]; then gw_verdict="replied hv1 1"; else gw_verdict="controller hv1 packet_in ICMP echo reply"; fi
    trace_agrees "ping to the gateway" "da:1d:64:e8:e6:86 10.0.0.254" \
        "$(icmp_flow vm1 00:bb:cc:dd:ee:00 10.0.0.254)" "$gw_verdict" || return 1
    expect "traffic: vm1 pings its gateway" in_ns vm1 ping -c 2 -i 0.2 -W 2 -q 10.0.0.254 >/dev/null || return 1

    # An unknown source: vm1's port with a MAC no host has.
    trace_agrees "unknown source" \
        "bridge=$HV1_DPID in_port=1 eth_src=02:00:00:00:00:99 ip_src=10.0.0.1 dst=10.0.0.2 dst_mac=ba:ce:a6:08:b6:67" \
        "in_port=1,icmp,dl_src=02:00:00:00:00:99,dl_dst=ba:ce:a6:08:b6:67,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,icmp_type=8" \
        "dropped hv1 1 unknown_source" || return 1
    before2=$(rx_packets vm2)
    in_ns vm1 ip link set eth0 address 02:00:00:00:00:99
    in_ns vm1 ip neigh replace 10.0.0.2 lladdr ba:ce:a6:08:b6:67 dev eth0
    in_ns vm1 ping -c 3 -i 0.2 -W 1 -q 10.0.0.2 >/dev/null 2>&1
    local after2; after2=$(rx_packets vm2)
    in_ns vm1 ip link set eth0 address "$(vm_field vm1 3)"
    in_ns vm1 ip neigh flush dev eth0
    expect "traffic: vm2 received nothing from the unknown source" test "$after2" = "$before2"
}

# Flows of HV that deliver to IP or come from MAC (delivery, source and
# packet-in flows; not the datapath ARP answers, which outlive a port).
host_flows() {  # host_flows HV IP MAC
    hv_flows "$1" | grep -e "nw_dst=$2 actions" -e "nw_src=$2" -e "dl_src=$3" | grep -v "arp_tpa=$2"
}

binding_of() {  # binding_of MAC: the API's binding of network 3's host MAC
    api_get "/v1/hosts/3/$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["binding"])'
}
binding_is() { test "$(binding_of "$1")" = "$2"; }                 # binding_is MAC STATE
flows_from_port() { hv_flows "$1" | grep -q "in_port=$2,dl_src=$3"; }  # flows_from_port HV PORT MAC

t_attach() {
    # #17: zero-touch attachment on real OVS.  A VM is plugged into hv2 as
    # vnet20 (no ofport_request), attached by name, gets its address by
    # DHCP and pings network 3 on hv1; the port is re-plugged with a new
    # number and the flows follow; unplugged, the host is unbound and no
    # bridge delivers to it; detached, it is gone.
    local out mac ip ofport new_ofport
    vm_plug hv2 vm20 vnet20
    out=$("$VXCTL" --api "http://127.0.0.1:$API_PORT" attach 3 hv2 vnet20) || { log "attach: $out"; return 1; }
    read -r mac ip <<<"$out"
    expect "attach returned a MAC and an IP ($out)" test -n "$mac" -a -n "$ip" || return 1
    in_ns vm20 ip link set eth0 address "$mac"
    expect "hv2 programmed" wait_until 10 ctl_flows_synced hv2 || return 1
    expect "vm20 gets exactly $ip by DHCP" dhcp vm20 || { cat "$LAB/udhcpc.vm20.log" >&2; return 1; }
    expect "the lease is $ip" check_lease vm20 3 "$ip" || return 1
    expect "bound" test "$(binding_of "$mac")" = bound || return 1
    expect "vm20 (hv2) pings vm5 (hv1, network 3)" \
        in_ns vm20 ping -c 3 -i 0.2 -W 2 -q 192.168.5.1 >/dev/null || return 1

    # Re-plug under another number (forced with ofport_request: a plain
    # re-add may get the old number back); the flows follow by name.
    ofport=$(vsctl hv2 get interface vnet20 ofport)
    vsctl hv2 del-port br0 vnet20
    vsctl hv2 add-port br0 vnet20 -- set interface vnet20 ofport_request=$((ofport + 20))
    new_ofport=$(vsctl hv2 get interface vnet20 ofport)
    expect "a new port number ($ofport -> $new_ofport)" test "$new_ofport" != "$ofport" || return 1
    expect "hv2's flows follow the port" wait_until 10 flows_from_port hv2 "$new_ofport" "$mac" || return 1
    expect "no flow left on the old number" test -z "$(hv_flows hv2 | grep "in_port=$ofport,")" || return 1
    in_ns vm20 ip neigh flush dev eth0
    expect "connectivity returns" in_ns vm20 ping -c 3 -i 0.2 -W 2 -q 192.168.5.1 >/dev/null || return 1

    # Unplug: unbound; no bridge delivers to it; its ARP is still answered.
    vsctl hv2 del-port br0 vnet20
    expect "reported unbound" wait_until 10 binding_is "$mac" unbound || return 1
    expect "hv1 and hv2 programmed" wait_until 10 ctl_flows_synced hv1 || return 1
    wait_until 10 ctl_flows_synced hv2
    expect "no flow of the host left on hv1" test -z "$(host_flows hv1 "$ip" "$mac")" || return 1
    expect "no flow of the host left on hv2" test -z "$(host_flows hv2 "$ip" "$mac")" || return 1
    expect "the state counts it" api_get /v1/bridges/$HV2_DPID/state | grep -q '"hosts_unbound":1' || return 1
    expect "vm5 still resolves it by ARP" test "$(arp_answer vm5 192.168.5.1 "$ip")" = "$mac" || return 1

    # Plugged again: bound, reachable.  Then detached: gone everywhere.
    vsctl hv2 add-port br0 vnet20
    expect "bound again" wait_until 10 binding_is "$mac" bound || return 1
    in_ns vm20 ip neigh flush dev eth0
    expect "reachable again" in_ns vm20 ping -c 3 -i 0.2 -W 2 -q 192.168.5.1 >/dev/null || return 1
    expect "vxctl detach" "$VXCTL" --api "http://127.0.0.1:$API_PORT" detach hv2 vnet20 || return 1
    expect "hv1 programmed" wait_until 10 ctl_flows_synced hv1 || return 1
    wait_until 10 ctl_flows_synced hv2
    expect "no flow of the host on any bridge" test -z "$(host_flows hv1 "$ip" "$mac")$(host_flows hv2 "$ip" "$mac")"
}

t_controller_restart() {
    # ~100 packets/s across the tunnel while vxfabricd restarts: no loss,
    # no FLOW_MOD after the restart, no flow's duration reset.
    local out before after n
    hv_durations() { ofctl "$1" dump-flows br0 cookie=0x7600000000000000/0xff00000000000000 \
        | sed -n 's/.*duration=\([0-9.]*\)s, table=\([0-9]*\).*priority=\([0-9]*\),\([^ ]*\).* actions=.*/\2 \3 \4 \1/p' | sort; }
    hv_durations hv1 >"$LAB/dur.before"
    in_ns vm1 ping -i 0.01 -c 500 -W 1 -q 10.0.0.5 >"$LAB/ping.restart" 2>&1 &
    local ping=$!
    sleep 1
    expect "vxfabricd exits cleanly on SIGTERM" ctl_stop || return 1
    sleep 0.5
    ctl_start "$CONF"
    wait_until 30 connected_twice || { log "switches did not reconnect"; }
    expect "both bridges resynced" wait_until 30 ctl_flows_synced hv1 || return 1
    wait_until 30 ctl_flows_synced hv2
    wait "$ping"
    out=$(cat "$LAB/ping.restart")
    expect "zero loss during the restart" grep -q " 0% packet loss" <<<"$out" || { log "$out"; return 1; }
    ctl_dump
    expect "no FLOW_MOD after the restart (sent $(counter flow_mods))" test "$(counter flow_mods)" = 0 || return 1
    hv_durations hv1 >"$LAB/dur.after"
    n=$(join -j1 <(awk '{print $1"|"$2"|"$3, $4}' "$LAB/dur.before" | sort) \
                 <(awk '{print $1"|"$2"|"$3, $4}' "$LAB/dur.after" | sort) \
        | awk '$3 + 0.001 < $2 { bad++ } END { print bad + 0 }')
    expect "no flow's duration reset ($n did)" test "$n" = 0 || return 1
    expect "same flows before and after" test "$(wc -l <"$LAB/dur.before")" = "$(wc -l <"$LAB/dur.after")"
}

connected_twice() {
    grep -c "br0<->unix:.*: connected" "${HV_DIR[hv1]}/log/ovs-vswitchd.log" | grep -qv '^1$' \
        && grep -c "br0<->unix:.*: connected" "${HV_DIR[hv2]}/log/ovs-vswitchd.log" | grep -qv '^1$'
}

# ---- configuration reload ----

conf_edit() {  # conf_edit PYTHON-STATEMENTS: edits $CONF's text as 's'
    python3 - "$CONF" "$1" <<'PY'
import sys
path, code = sys.argv[1], sys.argv[2]
s = open(path).read()
exec(code)
open(path, "w").write(s)
PY
}

n_reloads() { grep -c -e "reloaded:" -e "reload failed" "$LAB/vxfabricd.log"; }
reloads_above() { test "$(n_reloads)" -gt "$1"; }   # re-read at every poll

reload() {  # SIGHUP, then waits until the daemon reports the outcome
    local n
    n=$(n_reloads)
    kill -HUP "$CTL_PID"
    expect "the daemon reports the reload" wait_until 10 reloads_above "$n"
}

bridge_flow_mods() {  # bridge_flow_mods HV: FLOW_MODs sent to HV (after ctl_dump)
    sed -n 's/.* flow_mods=\([0-9]*\).*/\1/p' "$STATE_DIR/flows-$(printf '%016x' "${HV_DPID[$1]}").txt"
}

t_reload_add_host() {
    # vm13 joins network 1 on hv1: exactly its four flows appear on hv1 and
    # one (delivery through the tunnel) on hv2; it gets a lease and is reached.
    hv_flows hv1 >"$LAB/r1.hv1.before"; hv_flows hv2 >"$LAB/r1.hv2.before"
    vm_create hv1 vm13 02:00:00:00:00:13 8
    conf_edit 's = s.rstrip().rstrip(");").rstrip() + ",\n  { mac = \"02:00:00:00:00:13\"; network = 1; bridge = \"hv1\"; port = 8; ip = \"10.0.0.13\"; }\n);\n"'
    reload
    expect "hv1 programmed" wait_until 10 ctl_flows_synced hv1 || return 1
    expect "hv2 programmed" wait_until 10 ctl_flows_synced hv2 || return 1
    hv_flows hv1 >"$LAB/r1.hv1.after"; hv_flows hv2 >"$LAB/r1.hv2.after"
    local a1 d1 a2 d2
    a1=$(comm -13 "$LAB/r1.hv1.before" "$LAB/r1.hv1.after" | grep -c .)
    d1=$(comm -23 "$LAB/r1.hv1.before" "$LAB/r1.hv1.after" | grep -c .)
    a2=$(comm -13 "$LAB/r1.hv2.before" "$LAB/r1.hv2.after" | grep -c .)
    d2=$(comm -23 "$LAB/r1.hv2.before" "$LAB/r1.hv2.after" | grep -c .)
    # Controller ARP: ARP and DHCP to the controller, source validation,
    # delivery on hv1; delivery on hv2.  Datapath ARP: DHCP, two source
    # validations (IPv4, ARP), delivery and the answer for 10.0.0.13 on
    # hv1; delivery and the answer on hv2 (it has hosts in network 1).
    local want1=4/0 want2=1/0
    [ "$ARP_MODE" = datapath ] && { want1=5/0; want2=2/0; }
    expect "hv1: +$want1 flows (got +$a1 -$d1)" test "$a1/$d1" = "$want1" || return 1
    expect "hv2: +$want2 flows (got +$a2 -$d2)" test "$a2/$d2" = "$want2" || return 1
    expect "hv1's new flows are all vm13's" \
        bash -c "comm -13 '$LAB/r1.hv1.before' '$LAB/r1.hv1.after' | grep -v -e 02:00:00:00:00:13 -e 10.0.0.13 | grep -q . && exit 1 || exit 0" || return 1
    expect "vm13 gets its lease" dhcp vm13 || return 1
    check_lease vm13 1 10.0.0.13 || return 1
    expect "vm7 (hv2) reaches vm13" in_ns vm7 ping -c 3 -i 0.2 -W 2 -q 10.0.0.13 >/dev/null
}

t_reload_touches_only_concerned() {
    # A host in a new network 4, on hv1 only: hv2 is not concerned and
    # must receive no FLOW_MOD at all.
    local before2 after2
    ctl_dump; before2=$(bridge_flow_mods hv2)
    vm_create hv1 vm14 02:00:00:00:00:14 9
    conf_edit 's = s.replace("  { id = 3;", "  { id = 4; subnet = \"172.31.4.0/24\"; gateway = \"172.31.4.254\"; dns = [ \"172.31.4.250\" ]; },\n  { id = 3;", 1)
s = s.rstrip().rstrip(");").rstrip() + ",\n  { mac = \"02:00:00:00:00:14\"; network = 4; bridge = \"hv1\"; port = 9; ip = \"172.31.4.14\"; }\n);\n"'
    reload
    expect "hv1 programmed" wait_until 10 ctl_flows_synced hv1 || return 1
    ctl_dump; after2=$(bridge_flow_mods hv2)
    expect "hv2 got no FLOW_MOD ($before2 -> $after2)" test "$before2" = "$after2" || return 1
    expect "vm14 gets its lease in network 4" dhcp vm14 || return 1
    check_lease vm14 4 172.31.4.14
}

t_reload_remove_host() {
    # vm12 leaves: its flows disappear from both bridges and it is no
    # longer reachable.
    expect "vm11 reaches vm12 before" in_ns vm11 ping -c 2 -i 0.2 -W 2 -q 192.168.5.4 >/dev/null || return 1
    conf_edit 's = "\n".join(l for l in s.split("\n") if "52:21:f7:11:a6:10" not in l)'
    reload
    expect "hv1 programmed" wait_until 10 ctl_flows_synced hv1 || return 1
    expect "hv2 programmed" wait_until 10 ctl_flows_synced hv2 || return 1
    expect "no flow for vm12 left on hv1" test "$(hv_flows hv1 | grep -c '192.168.5.4')" = 0 || return 1
    expect "no flow for vm12 left on hv2" test "$(hv_flows hv2 | grep -c -e '192.168.5.4' -e '52:21:f7:11:a6:10')" = 0 || return 1
    expect "vm11 no longer reaches vm12" \
        bash -c "! ip netns exec $(ns_name vm11) ping -c 2 -i 0.2 -W 1 -q 192.168.5.4 >/dev/null"
}

api() {  # api METHOD PATH [JSON]: prints the HTTP status
    python3 - "$1" "http://127.0.0.1:$API_PORT$2" "${3:-}" <<'PY'
import sys, urllib.request, urllib.error
method, url, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, data=body.encode() if body else None, method=method)
try:
    print(urllib.request.urlopen(req, timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
}

api_get() {  # api_get PATH: prints the body
    python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
        "http://127.0.0.1:$API_PORT$1"
}

t_api_host_lifecycle() {
    # A host added through the API gets its lease and is reached across
    # the tunnel; deleting it removes its flows from every bridge.
    local code
    vm_create hv2 vm15 02:00:00:00:00:15 11
    code=$(api PUT /v1/hosts/3/02:00:00:00:00:15 '{"bridge": "hv2", "port": 11, "ip": "192.168.5.15"}')
    expect "PUT accepted (201, got $code)" test "$code" = 201 || return 1
    expect "hv1 programmed" wait_until 10 ctl_flows_synced hv1 || return 1
    expect "hv2 programmed" wait_until 10 ctl_flows_synced hv2 || return 1
    expect "vm15 gets its lease from the API's reservation" dhcp vm15 || return 1
    check_lease vm15 3 192.168.5.15 || return 1
    expect "vm5 (hv1) reaches vm15" in_ns vm5 ping -c 2 -i 0.2 -W 2 -q 192.168.5.15 >/dev/null || return 1
    # The API's view of the bridges: connected, in sync, flows in ovs-ofctl syntax.
    api_get /v1/state >"$LAB/state.json"
    expect "both bridges connected and idle" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
ok = len(s) == 2 and all(b["connected"] and b["state"] == "idle" and b["flows_pending"] == 0
                         and b["flows_failed"] == 0 and b["flows_installed"] == b["flows_desired"] > 0 for b in s)
sys.exit(0 if ok else 1)' "$LAB/state.json" || { cat "$LAB/state.json" >&2; return 1; }
    "$VXCTL" --api "http://127.0.0.1:$API_PORT" flows 0x4e7879903e4c >"$LAB/hv2.flows.api"
    expect "vxctl flows: hv2's flows include vm15's" \
        grep -q "table=3, priority=100,ip,tun_id=0x3,nw_dst=192.168.5.15 actions=set_field:02:00:00:00:00:15->eth_dst" \
        "$LAB/hv2.flows.api" || return 1
    code=$(api DELETE /v1/hosts/3/02:00:00:00:00:15)
    expect "DELETE accepted (204, got $code)" test "$code" = 204 || return 1
    expect "hv1 programmed" wait_until 10 ctl_flows_synced hv1 || return 1
    expect "hv2 programmed" wait_until 10 ctl_flows_synced hv2 || return 1
    expect "no flow for vm15 left on hv1" test "$(hv_flows hv1 | grep -c -e 192.168.5.15 -e 02:00:00:00:00:15)" = 0 || return 1
    expect "no flow for vm15 left on hv2" test "$(hv_flows hv2 | grep -c -e 192.168.5.15 -e 02:00:00:00:00:15)" = 0 || return 1
    expect "vm5 no longer reaches vm15" \
        bash -c "! ip netns exec $(ns_name vm5) ping -c 2 -i 0.2 -W 1 -q 192.168.5.15 >/dev/null"
}

t_api_touches_only_concerned() {
    # A host in network 4 (on hv1 only, added by an earlier reload
    # scenario) through the API: hv2 receives no FLOW_MOD.
    local before2 after2 code
    if ! grep -q "id = 4;" "$CONF"; then
        log "SKIP: needs network 4 from reload_touches_only_concerned"
        return 77
    fi
    ctl_dump; before2=$(bridge_flow_mods hv2)
    code=$(api PUT /v1/hosts/4/02:00:00:00:00:16 '{"bridge": "hv1", "port": 12, "ip": "172.31.4.16"}')
    expect "PUT accepted" test "$code" = 201 || return 1
    expect "hv1 programmed" wait_until 10 ctl_flows_synced hv1 || return 1
    expect "hv1 has the new host's flows" test "$(hv_flows hv1 | grep -c 172.31.4.16)" -ge 1 || return 1
    ctl_dump; after2=$(bridge_flow_mods hv2)
    expect "hv2 got no FLOW_MOD ($before2 -> $after2)" test "$before2" = "$after2"
}

t_bad_reload_keeps_model() {
    # A broken file is refused whole; the old model keeps running.
    local good
    good=$(mktemp); cp "$CONF" "$good"
    conf_edit 's = s.replace("id = 3;", "id = 99999999;")'
    reload
    expect "reload refused" grep -q "reload failed; still running the previous configuration" "$LAB/vxfabricd.log" || return 1
    expect "with the reason" grep -q "network 99999999: VNI 99999999 is outside 1..16777215" "$LAB/vxfabricd.log" || return 1
    cp "$good" "$CONF"; rm -f "$good"
    expect "the old model still answers" in_ns vm1 ping -c 2 -i 0.2 -W 2 -q 10.0.0.4 >/dev/null
}

t_hostile_clients() {
    # Hostile clients are each disconnected with a logged reason, while the
    # two real switches keep being served without a reconnection.
    local c1 c2 ping pids=() rc=0 mode
    c1=$(grep -c "br0<->unix:.*: connected" "${HV_DIR[hv1]}/log/ovs-vswitchd.log")
    c2=$(grep -c "br0<->unix:.*: connected" "${HV_DIR[hv2]}/log/ovs-vswitchd.log")
    in_ns vm1 ip neigh flush dev eth0
    in_ns vm1 ping -i 0.05 -c 160 -W 1 -q 10.0.0.4 >"$LAB/ping.hostile" 2>&1 &
    ping=$!
    for mode in garbage version "stall 8" "noread 12" "storm 300" replace; do
        set -- $mode
        python3 "$E2E_DIR/hostile.py" "$1" "$CTL_PORT" ${2:+"$2"} >"$LAB/hostile.$1" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    wait "$ping"
    for mode in garbage version stall noread storm replace; do
        log "hostile $mode: $(tail -n 1 "$LAB/hostile.$mode")"
    done
    [ $rc = 0 ] || { log "a hostile client was not handled"; return 1; }
    expect "garbage: reason logged" grep -q "handshake refused: garbage: first message is not HELLO" "$LAB/vxfabricd.log" || return 1
    expect "version: reason logged" grep -q "handshake refused: no common OpenFlow version" "$LAB/vxfabricd.log" || return 1
    expect "stall: reason logged" grep -q "dpid 0xdead0001: disconnected: stalled in the middle of a message" "$LAB/vxfabricd.log" || return 1
    expect "noread: reason logged" grep -qE "dpid 0xdead0002: disconnected: (peer stopped reading|output buffer limit)" "$LAB/vxfabricd.log" || return 1
    expect "replace: reason logged" grep -q "dpid 0xdead0003: disconnected: replaced by a new connection from the same datapath" "$LAB/vxfabricd.log" || return 1
    expect "the switches' traffic never stopped" grep -q " 0% packet loss" "$LAB/ping.hostile" || { cat "$LAB/ping.hostile" >&2; return 1; }
    expect "hv1 never reconnected" test "$(grep -c "br0<->unix:.*: connected" "${HV_DIR[hv1]}/log/ovs-vswitchd.log")" = "$c1" || return 1
    expect "hv2 never reconnected" test "$(grep -c "br0<->unix:.*: connected" "${HV_DIR[hv2]}/log/ovs-vswitchd.log")" = "$c2" || return 1
    ctl_dump
    expect "refusals counted" test "$(counter hs_protocol_error)" -ge 1 -a "$(counter hs_incompatible)" -ge 1
}

set_arp_mode() {  # set_arp_mode controller|datapath: by reload, then wait for both bridges
    conf_edit "import re; s = re.sub(r'(?m)^arp_responder = .*$', 'arp_responder = \"$1\";', s)"
    reload
    wait_until 30 ctl_flows_synced hv1 && wait_until 30 ctl_flows_synced hv2
}

arp_answer() {  # arp_answer VM SENDER_IP TARGET_IP: the MAC that answered, or fails
    in_ns "$1" python3 "$E2E_DIR/arpq.py" eth0 "$2" "$3"
}

t_arp_datapath() {
    # #20: with arp_responder = datapath, ARP survives the controller.
    local vm n
    expect "switched to datapath ARP" set_arp_mode datapath || return 1
    n=$(hv_flows hv1 | grep -c "arp_op=1 actions=move")
    expect "hv1 answers 15 addresses (12 hosts of its 3 networks, 3 gateways; got $n)" test "$n" = 15 || return 1
    expect "vxfabricd stopped" ctl_stop || return 1
    for vm in vm1 vm3 vm7 vm9 vm11; do in_ns "$vm" ip neigh flush dev eth0; done
    expect "controller down: vm1 pings vm7 across hypervisors" \
        in_ns vm1 ping -c 3 -i 0.2 -W 2 -q 10.0.0.4 >/dev/null || return 1
    expect "vm1 resolved 10.0.0.4 to vm7" test "$(neigh_mac vm1 10.0.0.4)" = "$(vm_field vm7 3)" || return 1
    expect "controller down: routed ping, network 1 -> 3" \
        in_ns vm1 ping -c 3 -i 0.2 -W 2 -q 192.168.5.3 >/dev/null || return 1
    expect "controller down: vm1 pings its gateway" \
        in_ns vm1 ping -c 3 -i 0.2 -W 2 -q 10.0.0.254 >/dev/null || return 1
    expect "controller down: vm3 (net 2) pings 10.0.0.4" \
        in_ns vm3 ping -c 3 -i 0.2 -W 2 -q 10.0.0.4 >/dev/null || return 1
    expect "isolation: vm3 resolved 10.0.0.4 to vm9, not vm7" \
        test "$(neigh_mac vm3 10.0.0.4)" = "$(vm_field vm9 3)" || return 1
    expect "the answer comes from the datapath (control case)" \
        test "$(arp_answer vm1 10.0.0.1 10.0.0.5)" = "$(vm_field vm8 3)" || return 1
    expect "no answer for the other network's gateway (10.0.0.253 is network 2's)" \
        bash -c "! ip netns exec $(ns_name vm1) python3 $E2E_DIR/arpq.py eth0 10.0.0.1 10.0.0.253" || return 1
    expect "no answer for a host of network 3 (reached by routing, not ARP)" \
        bash -c "! ip netns exec $(ns_name vm1) python3 $E2E_DIR/arpq.py eth0 10.0.0.1 192.168.5.3" || return 1
    expect "no answer to a spoofed sender (10.0.0.9 is not vm1's)" \
        bash -c "! ip netns exec $(ns_name vm1) python3 $E2E_DIR/arpq.py eth0 10.0.0.9 10.0.0.4" || return 1
    ctl_start "$CONF"
    expect "switches back" wait_until 30 connected_twice || return 1
    expect "hv1 in sync" wait_until 30 ctl_flows_synced hv1 || return 1
    expect "hv2 in sync" wait_until 30 ctl_flows_synced hv2 || return 1
    expect "back to $ARP_MODE ARP" set_arp_mode "$ARP_MODE"
}

ctl_rss_mib() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$CTL_PID/status"; }
reconnects() { grep -c "br0<->unix:.*: connected" "${HV_DIR[$1]}/log/ovs-vswitchd.log"; }

# hostile_load MODE ARG: runs one hostile client while vm1 pings vm4
# across the tunnel; the real switches must be served throughout (no loss,
# no reconnection), the daemon alive, its RSS within 64 MiB of where it
# started.
hostile_load() {
    local mode=$1 arg=$2 c1 c2 rss0 rss1 ping rc=0
    wait_until 30 ctl_flows_synced hv1 && wait_until 30 ctl_flows_synced hv2 \
        || { log "the switches are not in sync to start with"; return 1; }
    c1=$(reconnects hv1); c2=$(reconnects hv2); rss0=$(ctl_rss_mib)
    in_ns vm1 ping -i 0.1 -c 150 -W 1 -q 10.0.0.4 >"$LAB/ping.$mode" 2>&1 &
    ping=$!
    (ulimit -n 8192; python3 "$E2E_DIR/hostile.py" "$mode" "$CTL_PORT" "$arg") >"$LAB/hostile.$mode" 2>&1 || rc=1
    wait "$ping"
    rss1=$(ctl_rss_mib)
    log "hostile $mode $arg: $(tr "\n" " " <"$LAB/hostile.$mode"); RSS $rss0 -> $rss1 MiB"
    expect "$mode: handled" test $rc = 0 || return 1
    expect "$mode: the daemon is alive" kill -0 "$CTL_PID" || return 1
    expect "$mode: RSS bounded ($rss0 -> $rss1 MiB)" test "$rss1" -le $((rss0 + 64)) || return 1
    expect "$mode: the switches' traffic never stopped" grep -q " 0% packet loss" "$LAB/ping.$mode" || { cat "$LAB/ping.$mode" >&2; return 1; }
    expect "$mode: no switch reconnected" test "$(reconnects hv1)/$(reconnects hv2)" = "$c1/$c2"
}

t_hostile_load() {
    # #13: hostile load against the ASan daemon, one kind at a time.
    # Each old connection is closed once: replaced by the new one, or on a
    # write error when the client closed it first (which wins depends on
    # timing, and the log is rate-limited): counted either way.
    local closed0
    ctl_dump; closed0=$(counter conn_closed)
    hostile_load dupflood 500 || return 1
    ctl_dump
    expect "dupflood: every old connection closed and counted ($closed0 -> $(counter conn_closed))" \
        test "$(counter conn_closed)" -ge $((closed0 + 500)) || return 1
    hostile_load statsflood 20 || return 1
    ctl_dump
    expect "statsflood: closed at the cap, counted" test "$(counter conn_stats_overflow)" -ge 1 || return 1
    hostile_load idle 3000 || return 1
    ctl_dump
    expect "idle: refused beyond the handshake cap or paused on fds" \
        test $(( $(counter hs_over_limit) + $(counter accept_paused) )) -ge 1
}

t_fd_exhaustion() {
    # The daemon's descriptors limited to 256 while 400 connections arrive:
    # accepting pauses and resumes, the switches keep their service.
    local limits
    limits=$(prlimit --pid "$CTL_PID" --nofile --raw --noheadings | awk '{ print $2 ":" $3 }')
    prlimit --pid "$CTL_PID" --nofile=256:256
    hostile_load idle 400
    local rc=$?
    prlimit --pid "$CTL_PID" --nofile="$limits"
    [ $rc = 0 ] || return 1
    ctl_dump
    expect "accepting paused on EMFILE, counted" test "$(counter accept_paused)" -ge 1 || return 1
    expect "the reason logged" grep -q "accept: Too many open files" "$LAB/vxfabricd.log"
}

t_clean_shutdown() {
    # Last: the daemon stops cleanly and no sanitizer spoke during the run
    # (the suite runs this lab with the ASan/UBSan build).
    expect "vxfabricd exits with status 0" ctl_stop || return 1
    if ctl_sanitizer_reports >&2; then
        log "sanitizer reports in the controller log"
        return 1
    fi
}

ALL="handshake ports_by_name flows_equal_desired survives_echo
     dhcp_every_vm dhcp_unicast_renewal same_network_ping isolation_overlapping routing
     gateway_ping traceroute trace attach arp_datapath
     controller_restart reload_add_host reload_touches_only_concerned
     reload_remove_host api_host_lifecycle api_touches_only_concerned
     bad_reload_keeps_model hostile_clients hostile_load fd_exhaustion ovs_restart
     clean_shutdown"
# Sourced (bench/arp_storm.sh): only the definitions.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
setup
for t in ${*:-$ALL}; do run_test "$t" "t_$t"; done
summary
