#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# sandbox_path.sh FILE: print a path under which FILE is visible inside `cvisor do`.
# The sandbox has its own empty tmpfs on /tmp and /dev/shm, so a test program built under
# them (a build directory in /tmp) is copied, once per content, to /var/tmp first.
set -eu
f=$(readlink -f "$1")
case "$f" in
/tmp/* | /dev/shm/*)
    dir=/var/tmp/cvisor-test-bin/$(sha256sum "$f" | cut -c1-16)
    mkdir -p "$dir"
    dst=$dir/$(basename "$f")
    [ -x "$dst" ] || { cp "$f" "$dst.$$" && mv "$dst.$$" "$dst"; }
    echo "$dst"
    ;;
*)
    echo "$f"
    ;;
esac
