#!/usr/bin/env bash
# Install the Debian packages cvisor needs to build and test, when any is missing.
set -euo pipefail
pkgs=(meson ninja-build gcc pkg-config libcmocka-dev libseccomp-dev busybox-static python3
      bash coreutils findutils grep make git tar sqlite3 util-linux hyperfine fio procps
      psmisc tmux htop passwd sudo nginx-light postgresql curl sysbench liblwip-dev
      redis-server redis-tools iperf3 apache2-utils nodejs
      iputils-ping iproute2 nftables)
# `scripts/deps.sh full` (make test-full): the suites of others too (tests/compat/).
[ "${1:-}" = full ] && pkgs+=(golang-go tzdata)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
