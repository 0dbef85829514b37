#!/bin/sh
# Builds the Debian package (CPack, packaging/CMakeLists.txt says why) in
# build-pkg/ and prints its path.  Usage: scripts/package.sh
set -eu
cd "$(dirname "$0")/.."
cmake -S . -B build-pkg -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
      -DVX_TESTS=OFF >/dev/null
cmake --build build-pkg -j"${JOBS:-2}" >/dev/null
(cd build-pkg && cpack -G DEB >/dev/null)
ls "$PWD"/build-pkg/vxfabric_*.deb
