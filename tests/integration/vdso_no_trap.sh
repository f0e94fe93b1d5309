#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# DESIGN.md: clock_gettime and friends must not cost a trap. Run programs that read the clocks
# in loops (python3's time module and date, both through glibc's vDSO lookup; raw vDSO use is
# covered by tests/syscalls/vdso_test.c) under --strace, and check that the sandbox saw none
# of those system calls while the programs still got the right time.
#   vdso_no_trap.sh CVISOR
set -u
cvisor=$1
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
clock_calls='\] [^ ]+ E (clock_gettime|gettimeofday|time)\('

out=$("$cvisor" do ${CVISOR_PLATFORM:+--platform="$CVISOR_PLATFORM"} --strace -- /usr/bin/python3 -c '
import time
t0 = time.time(); m0 = time.monotonic(); p0 = time.perf_counter()
for _ in range(20000):
    time.time(); time.monotonic(); time.perf_counter(); time.time_ns()
print("wall", int(t0), "elapsed_ok", time.monotonic() >= m0 and time.perf_counter() >= p0)
' 2>"$tmp/py.trace")
host_now=$(date +%s)
wall=$(printf '%s\n' "$out" | sed -n 's/^wall \([0-9]*\) elapsed_ok True$/\1/p')
if [ -z "$wall" ]; then
    echo "FAIL: python3 did not report its clocks: $out"; tail -20 "$tmp/py.trace"; fail=1
elif [ $((host_now - wall)) -lt 0 ] || [ $((host_now - wall)) -gt 60 ]; then
    echo "FAIL: sandbox wall clock $wall, host $host_now"; fail=1
fi
n=$(grep -cE "$clock_calls" "$tmp/py.trace")
if [ "$n" -ne 0 ]; then
    echo "FAIL: $n clock syscalls reached the Sentry for 80000 clock reads in python3"
    grep -E "$clock_calls" "$tmp/py.trace" | head -5; fail=1
else
    echo "ok: python3 read the clocks 80000 times without a syscall"
fi

out=$("$cvisor" do ${CVISOR_PLATFORM:+--platform="$CVISOR_PLATFORM"} --strace -- /bin/sh -c 'for i in 1 2 3 4 5; do date +%s; done' \
    2>"$tmp/date.trace")
n=$(grep -cE "$clock_calls" "$tmp/date.trace")
d=$(printf '%s\n' "$out" | tail -1)
now=$(date +%s)
if ! [[ "$d" =~ ^[0-9]+$ ]] || [ $((d - now)) -gt 5 ] || [ $((now - d)) -gt 60 ]; then
    echo "FAIL: date printed '$d' (host: $now)"; fail=1
elif [ "$n" -ne 0 ]; then
    echo "FAIL: date made $n clock syscalls"; grep -E "$clock_calls" "$tmp/date.trace" | head -5
    fail=1
else
    echo "ok: date reads the time without a syscall"
fi
exit $fail
