#!/bin/sh
# Builds vxfabricd and starts it on the example configuration.
set -eu
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVX_TESTS=OFF >/dev/null
cmake --build build -j2 --target vxfabricd
exec ./build/vxfabricd --config conf/vxfabric.conf "$@"
