#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A stub killed from outside while its app runs app code (a busy loop, no syscalls): the
# Sentry thread waiting on it must see the death within a bounded time (here 10 s, the
# platform promises well under one), kill the app, and the sandbox must end with the app's
# SIGKILL status (137), not hang.
#   stub_death.sh CVISOR
set -u
cvisor=$1
. "$(dirname "$0")/lib.sh"

"$cvisor" do $platform_flag -- /bin/sh -c 'while :; do :; done' &
runtime=$!
trap 'kill -9 $runtime 2>/dev/null' EXIT

# The stub running the loop: a descendant of the Sentry with a running thread.
stub=
for _ in $(seq 200); do
    sentry=$(sentry_of "$runtime")
    if [ -n "$sentry" ]; then
        for p in $(descendants "$sentry"); do
            [ "$p" = "$sentry" ] && continue
            thread_states "$p" | grep -q '^R' && stub=$p
        done
    fi
    [ -n "$stub" ] && break
    sleep 0.1
done
[ -n "$stub" ] || { echo "FAIL: no running stub found"; exit 1; }
echo "sentry $sentry, busy stub $stub"
kill -9 "$stub"
start=$(date +%s%N)
for _ in $(seq 100); do
    kill -0 "$runtime" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$runtime" 2>/dev/null; then
    echo "FAIL: the sandbox still runs 10 s after its stub died"
    exit 1
fi
wait "$runtime"
rc=$?
echo "sandbox ended $((($(date +%s%N) - start) / 1000000)) ms after the kill, status $rc"
[ "$rc" -eq 137 ] || { echo "FAIL: status $rc, want 137"; exit 1; }
echo "PASS"
