#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install the Debian packages `make bench` needs, when any is missing: the workloads of the
# Performance Guide's figures (sysbench, fio, ffmpeg with libx264, gcc and libpng-dev, whose
# example pngtest.c is the compile figure's input, python3) and hyperfine. `make bench` calls it;
# scripts/deps.sh covers building and testing cvisor (and the tiny bench test's sysbench, fio).
set -euo pipefail
pkgs=(sysbench fio ffmpeg libpng-dev hyperfine gcc libc6-dev python3 procps coreutils)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "bench-deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
