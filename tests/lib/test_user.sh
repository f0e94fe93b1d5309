#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_user.sh: print "UID GID" of the unprivileged test user cvisor-test, creating it (and its
# own group) first if it is missing: a system account without a home directory or a login
# shell. Idempotent and safe to run concurrently (flock). Needs root to create the user; exits
# 77 (a skip, for meson) when the user is missing and cannot be created.
set -eu
user=cvisor-test
if ! id -u "$user" > /dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "test_user.sh: user $user is missing and only root can create it" >&2
        exit 77
    fi
    lockdir=/run/lock
    [ -d "$lockdir" ] || lockdir=/tmp
    exec 9> "$lockdir/cvisor-test-user.lock"
    flock 9
    if ! id -u "$user" > /dev/null 2>&1; then
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin --comment "cvisor unprivileged test runs" "$user"
    fi
fi
echo "$(id -u "$user") $(id -g "$user")"
