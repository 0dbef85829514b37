#!/usr/bin/env bash
# End-to-end: external access through a router's gateway (#16) on the
# article's fabric.  hv1 is the gateway bridge; its port "uplink" leads to
# an "outside" namespace that is both the next hop (203.0.113.1) and a
# server (198.51.100.5).  Router 00:bb:cc:dd:ee:00 (networks 1 and 3)
# leaves as 203.0.113.10, a second router (network 2, overlapping network
# 1) as 203.0.113.11.  NAT is the userspace datapath's own conntrack.
# Documentation addresses (RFC 5737) exist only inside the lab.
# Usage: gateway.sh [SCENARIO...]
source "$(dirname "${BASH_SOURCE[0]}")/fabric.sh"

R1=00:bb:cc:dd:ee:00
R2=00:bb:cc:dd:ee:01
SERVER=198.51.100.5
GW1='{"bridge": "hv1", "uplink_port": "uplink", "external_ip": "203.0.113.10/24", "next_hop": "203.0.113.1"}'
GW2='{"bridge": "hv1", "uplink_port": "uplink", "external_ip": "203.0.113.11/24", "next_hop": "203.0.113.1"}'
FIP=203.0.113.20
FIP_HOST=52:21:f7:11:a6:10     # vm12: hv2, network 3, 192.168.5.4

gw_setup() {
    setup
    # The outside: next hop and server, on hv1's uplink port.
    vm_plug hv1 out uplink
    in_ns out ip addr add 203.0.113.1/24 dev eth0
    in_ns out ip addr add "$SERVER"/32 dev lo
    in_ns out sysctl -qw net.ipv4.conf.all.arp_accept=1 net.ipv4.conf.eth0.arp_accept=1
    # ip netns exec execs python: $! is the server itself, stopped at teardown.
    ip netns exec "$(ns_name out)" python3 "$E2E_DIR/tcpq.py" serve "$SERVER" 8080 "$LAB/server.peers" &
    LAB_PIDS+=($!)
    local vm pids=()
    while read -r vm _; do dhcp "$vm" & pids+=($!); done <<<"$VMS"
    for p in "${pids[@]}"; do wait "$p"; done
}

synced() { wait_until 15 ctl_flows_synced hv1 && wait_until 15 ctl_flows_synced hv2; }

# peer_of VM: the address the server saw for a TCP connection from VM.
peer_of() {
    local before
    before=$(wc -l <"$LAB/server.peers" 2>/dev/null || echo 0)
    in_ns "$1" python3 "$E2E_DIR/tcpq.py" connect "$SERVER" 8080 >/dev/null || return 1
    wait_until 3 test "$(wc -l <"$LAB/server.peers")" -gt "$before" || return 1
    tail -n 1 "$LAB/server.peers"
}

t_gateway_configured() {
    local code
    code=$(api PUT /v1/routers/$R1 "{\"networks\": [1, 3], \"gateway\": $GW1}")
    expect "router 1's gateway accepted (200, got $code)" test "$code" = 200 || return 1
    code=$(api PUT /v1/routers/$R2 "{\"networks\": [2], \"gateway\": $GW2}")
    expect "router 2 with its gateway created (201, got $code)" test "$code" = 201 || return 1
    code=$(api PUT /v1/routers/$R2 '{"networks": [2], "gateway": {"bridge": "hv1", "uplink_port": "uplink", "external_ip": "10.0.0.9/24", "next_hop": "10.0.0.1"}}')
    expect "an external subnet overlapping a network is refused (400, got $code)" test "$code" = 400 || return 1
    expect "flows synced" synced || return 1
    expect "the next hop resolved by ARP from the controller" \
        wait_until 10 bash -c "$(declare -f hv_flows ofctl ovs_env); $(declare -p HV_DIR); hv_flows hv1 | grep -q 'table=5, .*set_field:$(in_ns out cat /sys/class/net/eth0/address)->eth_dst'" || return 1
    expect "flows synced" synced || return 1
    ctl_dump
    for hv in hv1 hv2; do
        expect "$hv holds exactly the desired flows, NAT included" switch_equals_desired "$hv" || return 1
    done
    expect "next hop learned, counted" test "$(counter gw_next_hop_learned)" -ge 1 || return 1
    expect "gratuitous ARP for both external addresses, counted" test "$(counter gw_garps)" -ge 2 || return 1
    expect "the outside knows both routers' MACs from the controller's ARP" \
        test "$(neigh_mac_out 203.0.113.10) $(neigh_mac_out 203.0.113.11)" = "$R1 $R2" || return 1
    expect "hv1 has SNAT flows for both routers" \
        test "$(hv_flows hv1 | grep -c 'ct(commit,table=5,zone=609[23][89],nat(src=203.0.113.1[01]))')" = 3
}

t_snat() {
    local peer
    expect "vm11 (hv2, network 3) pings the server outside" \
        in_ns vm11 ping -c 3 -i 0.2 -W 2 -q "$SERVER" >/dev/null || return 1
    peer=$(peer_of vm11)
    expect "the server sees router 1's external IP (got '$peer')" test "$peer" = 203.0.113.10 || return 1
    peer=$(peer_of vm5)
    expect "vm5 (hv1, the gateway itself) too (got '$peer')" test "$peer" = 203.0.113.10 || return 1
    expect "the outside resolved 203.0.113.10 to the router's MAC" \
        test "$(neigh_mac_out 203.0.113.10)" = "$R1" || return 1
    expect "the connections are in hv1's conntrack, router 1's zone" \
        bash -c "$(declare -f appctl ovs_env); $(declare -p HV_DIR); appctl hv1 dpctl/dump-conntrack | grep -q 'zone=60928'"
}
neigh_mac_out() { in_ns out ip neigh show "$1" dev eth0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'; }

t_overlapping_networks() {
    # vm7 (network 1) and vm9 (network 2) are both 10.0.0.4 on hv2, behind
    # two routers: each leaves as its own router.
    local p1 p2
    p1=$(peer_of vm7); p2=$(peer_of vm9)
    expect "network 1 leaves as 203.0.113.10 (got '$p1')" test "$p1" = 203.0.113.10 || return 1
    expect "network 2 leaves as 203.0.113.11, not through router 1 (got '$p2')" test "$p2" = 203.0.113.11
}

t_inbound_dropped() {
    in_ns out ip route replace 192.168.5.0/24 via 203.0.113.10
    expect "outside cannot reach a VM's internal address" \
        bash -c "! ip netns exec $(ns_name out) ping -c 2 -i 0.2 -W 1 -q 192.168.5.3 >/dev/null" || return 1
    expect "nor open a connection to the external IP" \
        bash -c "! ip netns exec $(ns_name out) python3 $E2E_DIR/tcpq.py connect 203.0.113.10 8080 2>/dev/null" || return 1
    expect "nor ping the external IP (no floating IP: nothing listens)" \
        bash -c "! ip netns exec $(ns_name out) ping -c 2 -i 0.2 -W 1 -q 203.0.113.10 >/dev/null"
}

t_floating_ip() {
    local code peer
    ip netns exec "$(ns_name vm12)" python3 "$E2E_DIR/tcpq.py" serve 0.0.0.0 9000 "$LAB/vm12.peers" &
    LAB_PIDS+=($!)
    code=$(api PUT /v1/routers/$R1 "{\"networks\": [1, 3], \"gateway\": $GW1, \"floating_ips\": [{\"ip\": \"$FIP\", \"host\": \"$FIP_HOST\"}]}")
    expect "floating IP accepted (200, got $code)" test "$code" = 200 || return 1
    expect "flows synced" synced || return 1
    expect "the outside pings vm12 by its floating IP" \
        in_ns out ping -I "$SERVER" -c 3 -i 0.2 -W 2 -q "$FIP" >/dev/null || return 1
    expect "and opens TCP to it" \
        in_ns out python3 "$E2E_DIR/tcpq.py" connect "$FIP" 9000 "$SERVER" >/dev/null || return 1
    expect "vm12 sees the server's own address" test "$(tail -n 1 "$LAB/vm12.peers")" = "$SERVER" || return 1
    peer=$(peer_of vm12)
    expect "vm12's outbound traffic leaves as its floating IP (got '$peer')" test "$peer" = "$FIP" || return 1
    peer=$(peer_of vm11)
    expect "vm11 still leaves as the router's IP (got '$peer')" test "$peer" = 203.0.113.10 || return 1
    ctl_dump
    expect "hv1 holds exactly the desired flows" switch_equals_desired hv1
}

# ct_names HV IP: some conntrack entry of HV's datapath names IP.
ct_names() { appctl "$1" dpctl/dump-conntrack | grep -qF "=$2,"; }
ct_forgot() { ! ct_names "$@"; }

t_floating_ip_removed() {
    # A connection opened to the floating IP before it is removed: after,
    # the flows are gone, conntrack has forgotten the address's
    # connections (their entries held the old translation) and nothing
    # passes.
    local fifo=$LAB/hold.fifo code
    mkfifo "$fifo"
    ip netns exec "$(ns_name out)" python3 "$E2E_DIR/tcpq.py" hold "$FIP" 9000 "$SERVER" "$fifo" \
        >"$LAB/hold.out" 2>&1 &
    local holder=$!
    LAB_PIDS+=($holder)
    exec 7>"$fifo"
    echo one >&7
    expect "the held connection works" wait_until 5 grep -q one "$LAB/hold.out" || return 1
    expect "hv1's conntrack holds connections of $FIP" ct_names hv1 "$FIP" || return 1
    code=$(api PUT /v1/routers/$R1 "{\"networks\": [1, 3], \"gateway\": $GW1}")
    expect "floating IP removed (200, got $code)" test "$code" = 200 || return 1
    expect "flows synced" synced || return 1
    expect "no flow names $FIP any more" test "$(hv_flows hv1 | grep -c "$FIP")" = 0 || return 1
    expect "hv1's conntrack has forgotten $FIP" wait_until 5 ct_forgot hv1 "$FIP" || return 1
    ctl_dump
    expect "the flush is counted" test "$(counter ct_flushes)" -ge 1 || return 1
    echo two >&7
    expect "the held connection no longer passes" wait_until 8 grep -qx timeout "$LAB/hold.out" || return 1
    exec 7>&-
    expect "the outside no longer reaches vm12" \
        bash -c "! ip netns exec $(ns_name out) ping -I $SERVER -c 2 -i 0.2 -W 1 -q $FIP >/dev/null"
}

t_gateway_removed() {
    local code
    code=$(api PUT /v1/routers/$R1 '{"networks": [1, 3]}')
    expect "gateway removed (200, got $code)" test "$code" = 200 || return 1
    code=$(api DELETE /v1/routers/$R2)
    expect "router 2 deleted (204, got $code)" test "$code" = 204 || return 1
    expect "flows synced" synced || return 1
    for hv in hv1 hv2; do
        expect "$hv: no gateway or floating-IP flow left" \
            test "$(hv_flows "$hv" | grep -c -e 'cookie=0x764' -e 'cookie=0x765' -e 'ct(')" = 0 || return 1
    done
    expect "vm11 no longer reaches outside" \
        bash -c "! ip netns exec $(ns_name vm11) ping -c 2 -i 0.2 -W 1 -q $SERVER >/dev/null" || return 1
    expect "internal routing still works (vm5 -> vm11)" \
        in_ns vm5 ping -c 2 -i 0.2 -W 2 -q 192.168.5.3 >/dev/null
}

GW_ALL="gateway_configured snat overlapping_networks inbound_dropped floating_ip
        floating_ip_removed gateway_removed clean_shutdown"
gw_setup
for t in ${*:-$GW_ALL}; do run_test "$t" "t_$t"; done
summary
