#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The platform's stub processes (and systrap's template) must not outlive the Sentry: kill the
# Sentry with SIGKILL while the app runs (several processes and threads), then check that every
# stub it had is gone, and that the runtime reports the sandbox's death.
#   stubs_die_with_sentry.sh CVISOR
set -u
cvisor=$1

. "$(dirname "$0")/lib.sh"

# An app with a fork, a thread pool and a sleep, so that there are several stubs.
"$cvisor" do $platform_flag -- /usr/bin/python3 -c '
import os, threading, time
if os.fork() == 0:
    time.sleep(100)
for _ in range(3):
    threading.Thread(target=time.sleep, args=(100,), daemon=True).start()
time.sleep(100)
' &
runtime=$!

sentry=
for _ in $(seq 100); do
    for c in $(children "$runtime"); do
        grep -q boot /proc/"$c"/cmdline 2>/dev/null && sentry=$c
    done
    [ -n "$sentry" ] && [ "$(descendants "$sentry" | wc -l)" -ge 3 ] && break
    sleep 0.1
done
if [ -z "$sentry" ]; then
    echo "FAIL: no Sentry process found under the runtime $runtime"
    kill -9 "$runtime"
    exit 1
fi
stubs=$(descendants "$sentry" | tail -n +2)
echo "sentry $sentry, stubs: $(echo $stubs)"
[ "$(echo "$stubs" | wc -w)" -ge 2 ] || { echo "FAIL: expected at least 2 stub processes"; exit 1; }

kill -9 "$sentry"
wait "$runtime"
rc=$?
echo "runtime exit status: $rc"

alive=
for _ in $(seq 50); do
    alive=
    for s in $stubs; do
        [ -d /proc/"$s" ] && [ "$(awk '{print $3}' /proc/"$s"/stat 2>/dev/null)" != Z ] && alive="$alive $s"
    done
    [ -z "$alive" ] && break
    sleep 0.1
done
if [ -n "$alive" ]; then
    echo "FAIL: stub processes outlived the Sentry:$alive"
    kill -9 $alive 2>/dev/null
    exit 1
fi
[ "$rc" -eq 137 ] || { echo "FAIL: runtime exit $rc, want 137 (the Sentry died by SIGKILL)"; exit 1; }
echo "PASS: all stubs died with the Sentry"
