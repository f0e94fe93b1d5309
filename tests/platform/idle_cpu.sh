#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# An idle sandbox burns no CPU: with the app blocked in the Sentry (sleep), the Sentry, the
# stub processes and whatever else the platform runs must stay asleep. The CPU time of all of
# them over 5 s must be under 2% of one CPU (100 ms); spinning waiters would take 100%.
#   idle_cpu.sh CVISOR
set -u
cvisor=$1
. "$(dirname "$0")/lib.sh"

"$cvisor" do $platform_flag -- /bin/sh -c 'sleep 1 & wait; exec sleep 100' &
runtime=$!
trap 'kill -9 $runtime 2>/dev/null' EXIT

# Wait for the state: the Sentry has stubs, and every thread below it sleeps (or, on ptrace,
# stays in a tracing stop).
procs=
for _ in $(seq 200); do
    sentry=$(sentry_of "$runtime")
    if [ -n "$sentry" ]; then
        procs=$(descendants "$sentry")
        n=$(echo $procs | wc -w)
        busy=$(thread_states $procs | grep -cv '^[SDItT]')
        [ "$n" -ge 2 ] && [ "$busy" -eq 0 ] && [ -n "$(pgrep -P "$sentry")" ] && break
    fi
    sleep 0.1
done
[ -n "$procs" ] || { echo "FAIL: no Sentry under the runtime"; exit 1; }
echo "processes: $(echo $procs)"
# The first sleep has ended and the shell has exec'd the long one: wait for it to settle.
for _ in $(seq 100); do
    [ "$(thread_states $procs | grep -cv '^[SDItT]')" -eq 0 ] && break
    sleep 0.1
done
procs=$(descendants "$sentry")
hz=$(getconf CLK_TCK)
before=$(cpu_ticks $procs)
sleep 5
after=$(cpu_ticks $procs)
used_ms=$(((after - before) * 1000 / hz))
echo "CPU time of the idle sandbox over 5 s: ${used_ms} ms (limit 100 ms)"
[ "$used_ms" -lt 100 ] || { echo "FAIL: the idle sandbox spins"; exit 1; }
echo "PASS"
