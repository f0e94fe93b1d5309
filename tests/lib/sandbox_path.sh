#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# sandbox_path.sh [--world] FILE: print a path under which FILE is visible inside `cvisor do`.
# The sandbox has its own empty tmpfs on /tmp and /dev/shm, so a test program built under
# them (a build directory in /tmp) is copied, once per content, to /var/tmp first. With
# --world the copy is made whatever the path, into directories every user may enter, so that
# an unprivileged user can execute it too (a build directory under /root is closed to it).
set -eu
world=0
[ "$1" = --world ] && { world=1; shift; }
f=$(readlink -f "$1")
case "$world:$f" in
0:/tmp/* | 0:/dev/shm/* | 1:*)
    base=/var/tmp/cvisor-test-bin
    dir=$base/$(sha256sum "$f" | cut -c1-16)
    mkdir -p "$dir"
    chmod 0755 "$base" "$dir"
    dst=$dir/$(basename "$f")
    [ -x "$dst" ] || { cp "$f" "$dst.$$" && chmod 0755 "$dst.$$" && mv "$dst.$$" "$dst"; }
    echo "$dst"
    ;;
*)
    echo "$f"
    ;;
esac
