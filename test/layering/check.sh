#!/usr/bin/env bash
# The layer rule, enforced by the build: core <- proto <- model <- workers
# <- daemon.  For every pair of layers, a file of the lower layer that
# includes a header of the higher one must fail to compile against the
# lower layer's include view, and the same include from the higher layer
# (or from the layer itself) must compile.  Also refuses "../" includes,
# which would walk around the views.
#   check.sh CC VIEWS_DIR SOURCE_DIR
set -u
cc=$1 views=$2 src=$3
layers=(core proto model workers daemon)
header() { case $1 in core) echo core/util.h ;; proto) echo proto/ofp_msgs.h ;;
    model) echo model/model.h ;; workers) echo workers/worker.h ;; daemon) echo daemon/api.h ;; esac; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fail=0 checked=0
try() {  # try VIEW HEADER: compiles a file that includes HEADER against VIEW
    printf '#include "%s"\nint layering_probe;\n' "$2" >"$work/probe.c"
    "$cc" -std=gnu11 -D_GNU_SOURCE -fsyntax-only -I"$views/$1" $(pkg-config --cflags jansson libmicrohttpd 2>/dev/null) \
        "$work/probe.c" 2>"$work/err"
}
for i in "${!layers[@]}"; do
    for j in "${!layers[@]}"; do
        low=${layers[$i]} high=${layers[$j]} h=$(header "${layers[$j]}")
        checked=$((checked + 1))
        if [ "$j" -gt "$i" ]; then
            if try "$low" "$h"; then
                echo "FAIL: $low may include $h (a higher layer)"; fail=$((fail + 1))
            fi
        elif ! try "$low" "$h"; then
            echo "FAIL: $low cannot include $h (its own or a lower layer):"; head -3 "$work/err"; fail=$((fail + 1))
        fi
    done
done
if grep -rn '#include "\.\./' "$src/src"; then
    echo "FAIL: an include walks around the layer views with ../"; fail=$((fail + 1))
fi
echo "layering: $((checked - fail)) passed, $fail failed"
[ $fail = 0 ]
