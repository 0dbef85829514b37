#!/bin/bash
# vxctl's bash completion (conf/bash-completion/vxctl): commands, kinds,
# trace protocols and argument names; keys come from the API, which is
# not running here, so none are offered.  Usage: vxctl_completion_test.sh SOURCE_DIR
set -u
source "$1/conf/bash-completion/vxctl"
export VXCTL_API=http://127.0.0.1:9   # nothing listens: key lookups find nothing
pass=0 fail=0
complete_words() {  # complete_words WORD...: COMPREPLY for the last word
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
    _vxctl
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
check() {  # check NAME EXPECTED WORD...
    local name=$1 want=$2; shift 2
    local got; got=$(complete_words "$@")
    if [ "$got" = "$want" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $name: got '$got', want '$want'"; fi
}
check commands "--api --help --json --token add attach del detach explain-cookie flows list show state trace " vxctl ""
check attach-options "--ip --mac " vxctl attach 3 hv2 vnet7 --
check commands-prefix "state " vxctl st
check options "--api --help --json --token " vxctl --
check kinds "bridge host network router " vxctl list ""
check kind-prefix "host " vxctl show ho
check after-api "trace " vxctl --api http://x tr
check trace-proto "arp " vxctl trace da:1d:64:e8:e6:86 10.0.0.4 ar
check trace-args "ttl= " vxctl trace da:1d:64:e8:e6:86 10.0.0.4 icmp tt
check explain "- " vxctl explain-cookie ""
echo "completion: $pass passed, $fail failed"
[ "$fail" = 0 ]
