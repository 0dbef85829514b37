#!/usr/bin/env bash
# OpenFlow over TLS on the article's fabric (#18): certificates from
# ovs-pki, both bridges connected to an ssl: target only, the seed
# scenarios over TLS, and three bad clients refused with a logged reason
# and a counter while the switches keep being served.  Then the
# controller's certificate is renewed and SIGHUP makes new sessions use it.
#
# Each hypervisor's ovs-vswitchd runs in its own namespace, so its
# ssl:127.0.0.1:6653 target is a relay there (socat) to a unix socket,
# relayed in turn to vxfabricd's TLS port: the bytes, TLS included, pass
# through untouched.
#
# Usage: tls.sh [SCENARIO...]
source "$(dirname "${BASH_SOURCE[0]}")/fabric.sh"

PKI=""

make_pki() {  # the ovs-pki layout: controllerca and switchca, and a rogue CA
    PKI=$LAB/pki
    ovs-pki init --dir="$PKI" -l "$LAB/pki.log" >/dev/null
    (cd "$LAB" && ovs-pki req+sign ctl controller --dir="$PKI" -l "$LAB/pki.log" >/dev/null)
    for hv in hv1 hv2; do
        (cd "$LAB" && ovs-pki req+sign "$hv" switch --dir="$PKI" -l "$LAB/pki.log" >/dev/null)
    done
    ovs-pki init --dir="$LAB/rogue-pki" -l "$LAB/pki.log" >/dev/null
    (cd "$LAB" && ovs-pki req+sign rogue switch --dir="$LAB/rogue-pki" -l "$LAB/pki.log" >/dev/null)
}

tls_setup() {
    setup
    make_pki
    TLS_PORT=$(free_port)
    socat UNIX-LISTEN:"$LAB/ctl-tls.sock",fork,unlink-early TCP:127.0.0.1:"$TLS_PORT" \
        </dev/null >>"$LAB/socat.log" 2>&1 &
    LAB_PIDS+=("$!")
    cat >>"$CONF" <<EOF
ssl_listen = "ssl:127.0.0.1:$TLS_PORT";
ssl_private_key = "$LAB/ctl-privkey.pem";
ssl_certificate = "$LAB/ctl-cert.pem";
ssl_ca_cert = "$PKI/switchca/cacert.pem";
EOF
    ctl_stop
    ctl_start "$CONF"
    for hv in hv1 hv2; do
        ip netns exec "${HV_NS[$hv]}" socat TCP-LISTEN:6653,bind=127.0.0.1,reuseaddr,fork \
            UNIX-CONNECT:"$LAB/ctl-tls.sock" </dev/null >>"$LAB/socat.log" 2>&1 &
        LAB_PIDS+=("$!")
        vsctl "$hv" set-ssl "$LAB/$hv-privkey.pem" "$LAB/$hv-cert.pem" "$PKI/controllerca/cacert.pem"
        vsctl "$hv" -- --if-exists clear bridge br0 controller
        vsctl "$hv" -- --id=@c create Controller target=\"ssl:127.0.0.1:6653\" \
            max_backoff=1000 inactivity_probe=5000 -- set bridge br0 controller=@c
    done
}

tls_connected() {  # tls_connected HV: OVS reports its ssl: controller connected
    vsctl "$1" --columns=target,is_connected list controller | grep -q 'is_connected *: true'
}

t_both_bridges_over_tls() {
    expect "hv1 connected over TLS" wait_until 20 tls_connected hv1 || return 1
    expect "hv2 connected over TLS" wait_until 20 tls_connected hv2 || return 1
    expect "hv1's certificate seen" grep -q "TLS peer .*CN=hv1 " "$LAB/vxfabricd.log" || return 1
    expect "hv2's certificate seen" grep -q "TLS peer .*CN=hv2 " "$LAB/vxfabricd.log" || return 1
    expect "hv1 programmed" wait_until 20 ctl_flows_synced hv1 || return 1
    expect "hv2 programmed" wait_until 20 ctl_flows_synced hv2
}

# A client that is refused: the reason is logged and counted, and the
# switches keep being served (a VM of hv1 still pings one of hv2).
refused() {  # refused NAME COUNTER LOG_PATTERN CMD...
    local name=$1 ctr=$2 pattern=$3; shift 3
    ctl_dump; local before; before=$(counter "$ctr")
    "$@" >/dev/null 2>&1
    ctl_dump
    expect "$name: counted in $ctr" test "$(counter "$ctr")" -gt "$before" || return 1
    expect "$name: reason logged" grep -q "handshake refused: $pattern" "$LAB/vxfabricd.log" || return 1
    expect "$name: the switches are still served" \
        in_ns vm1 ping -c 2 -i 0.2 -W 2 -q 10.0.0.4 >/dev/null || return 1
    expect "$name: both still connected" tls_connected hv1 && tls_connected hv2
}

plaintext_hello() {  # an OpenFlow HELLO in the clear, to the TLS port
    python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(bytes([4, 0, 0, 8, 0, 0, 0, 1])); time.sleep(0.5)' "$TLS_PORT"
}

t_refusals() {
    refused "a client without a certificate" tls_no_cert "the client sent no certificate" \
        timeout 5 openssl s_client -connect 127.0.0.1:"$TLS_PORT" \
        -CAfile "$PKI/controllerca/cacert.pem" </dev/null || return 1
    refused "a certificate from another CA" tls_bad_cert "the client's certificate is not from the switch CA" \
        timeout 5 openssl s_client -connect 127.0.0.1:"$TLS_PORT" -cert "$LAB/rogue-cert.pem" \
        -key "$LAB/rogue-privkey.pem" </dev/null || return 1
    refused "plaintext on the TLS port" tls_not_tls "not TLS: plaintext on the TLS port" plaintext_hello
}

server_serial() {  # the serial of the certificate vxfabricd presents now
    timeout 5 openssl s_client -connect 127.0.0.1:"$TLS_PORT" -cert "$LAB/hv1-cert.pem" \
        -key "$LAB/hv1-privkey.pem" </dev/null 2>/dev/null | openssl x509 -noout -serial
}

t_certificate_reload() {
    local before after
    before=$(server_serial)
    expect "a certificate is presented ($before)" test -n "$before" || return 1
    mkdir -p "$LAB/renew"
    (cd "$LAB/renew" && ovs-pki req+sign ctl controller --dir="$PKI" -l "$LAB/pki.log" >/dev/null)
    cp "$LAB/renew/ctl-cert.pem" "$LAB/ctl-cert.pem"
    cp "$LAB/renew/ctl-privkey.pem" "$LAB/ctl-privkey.pem"
    reload
    expect "reloaded" wait_until 5 grep -q "TLS key and certificates reloaded" "$LAB/vxfabricd.log" || return 1
    after=$(server_serial)
    expect "new sessions get the renewed certificate ($before -> $after)" \
        test -n "$after" -a "$after" != "$before" || return 1
    expect "the switches are still served" in_ns vm1 ping -c 2 -i 0.2 -W 2 -q 10.0.0.4 >/dev/null
}

TLS_ALL="both_bridges_over_tls dhcp_every_vm same_network_ping isolation_overlapping routing
         gateway_ping traceroute trace refusals certificate_reload clean_shutdown"
tls_setup
for t in ${*:-$TLS_ALL}; do run_test "$t" "t_$t"; done
summary
