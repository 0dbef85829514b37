#!/bin/sh
# Decodes every golden message of test/proto/golden.h with the real
# `ovs-ofctl ofp-print` and checks its text: our golden bytes are what Open
# vSwitch understands them to be.
set -eu
golden_list=$1
command -v ovs-ofctl >/dev/null || { echo "SKIP: ovs-ofctl not installed (scripts/install-deps.sh test)"; exit 77; }
n=0; bad=0
while IFS='	' read -r name hex expect; do
    out=$(ovs-ofctl ofp-print "$hex" 2>&1)
    want=$(printf '%b' "$expect")
    case "$out" in
    *"$want"*) n=$((n + 1)) ;;
    *) echo "FAIL $name: ovs-ofctl printed:"; echo "$out"; echo "want: $want"; bad=$((bad + 1)) ;;
    esac
    case "$out" in *"decode error"*|*"truncated"*) echo "FAIL $name: $out"; bad=$((bad + 1)) ;; esac
done <<EOT
$($golden_list)
EOT
echo "ofp-print: $n passed, $bad failed"
[ "$bad" = 0 ] && [ "$n" -gt 0 ]
