#!/bin/sh
# Installs every Debian 12 package vxfabric needs to build, run and test.
# Usage: scripts/install-deps.sh [run|test|bench]   (default: test; bench adds the os-ken peer, valgrind and curl)
set -eu
mode=${1:-test}

BUILD="build-essential cmake pkg-config clang libclang-rt-14-dev \
       liburcu-dev libck-dev libjemalloc-dev libconfig-dev \
       libjansson-dev libmicrohttpd-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev libgnutls28-dev"
TEST="libcriterion-dev openvswitch-switch openvswitch-common iproute2 ethtool \
      socat tcpdump iputils-ping udhcpc procps iputils-tracepath traceroute \
      python3 openssl systemd man-db etcd-server etcd-client curl"

pkgs=$BUILD
[ "$mode" = test ] && pkgs="$pkgs $TEST"
[ "$mode" = bench ] && pkgs="$pkgs python3 python3-os-ken iproute2 procps valgrind curl"

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# openvswitch-switch's postinst starts a system-wide ovs; the lab runs its own
# instances, so keep the packaged service from starting (policy-rc.d 101).
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
