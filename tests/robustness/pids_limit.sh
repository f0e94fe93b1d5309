#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The sandbox under a host limit on tasks (a pids cgroup with a small pids.max): the Sentry's
# own pthread_create, its stub processes and its stub threads fail there. clone_storm forks,
# then starts threads, until refused; every refusal must be EAGAIN, everything must be reaped,
# and the sandbox must exit with the program's status (7). Run natively first (that proves the
# program), then in the sandbox at four consecutive limits a little above what the sandbox
# itself takes, so that the limit falls on the Sentry's pthread_create (the log shows it) as
# well as on a stub.
#   pids_limit.sh CLONE_STORM CVISOR
set -u
storm=$1 cvisor=$2
here=$(dirname "$0")

# A pids cgroup to run in: cgroup v1's pids hierarchy, or v2 with the pids controller.
if [ -f /sys/fs/cgroup/pids/cgroup.procs ]; then
    cgroot=/sys/fs/cgroup/pids
elif grep -qw pids /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
    cgroot=/sys/fs/cgroup
else
    echo "SKIP: no pids cgroup controller to limit the sandbox with"
    exit 77
fi
cg=$cgroot/cvisor-pids-test-$$
mkdir "$cg" || { echo "SKIP: cannot create a cgroup under $cgroot"; exit 77; }
logdir=$(mktemp -d)
cleanup() {
    for _ in $(seq 50); do
        rmdir "$cg" 2>/dev/null && break
        sleep 0.1
    done
    rm -rf "$logdir"
}
trap cleanup EXIT

# run LIMIT CMD...: run CMD alone in the cgroup with pids.max LIMIT (at most 120 s).
run() {
    echo "$1" >"$cg/pids.max"
    shift
    timeout 120 sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}

fail=0
out=$(run 30 "$storm")
rc=$?
echo "native, pids.max 30: exit $rc: $out"
[ "$rc" -eq 7 ] || { echo "FAIL: the program fails natively"; exit 1; }

prog=$("$here/../lib/sandbox_path.sh" "$storm")
# What the sandbox itself takes (runtime, gofer, Sentry threads, init's stub): at a roomy
# limit each fork costs two (a stub process and a Sentry thread), so the rest is the base.
out=$(run 60 "$cvisor" do --log "$logdir/calibrate.log" -- "$prog")
rc=$?
forks=$(echo "$out" | sed -n 's/^forks \([0-9]*\) .*/\1/p')
if [ "$rc" -ne 7 ] || [ -z "$forks" ]; then
    [ "$rc" -eq 124 ] && echo "FAIL: the sandbox hung"
    echo "FAIL: sandbox, pids.max 60: exit $rc, want 7: $out"
    exit 1
fi
base=$((60 - 2 * forks))
echo "sandbox, pids.max 60: $out (the sandbox itself takes about $base)"
hit_thread=0
for limit in $((base + 6)) $((base + 7)) $((base + 8)) $((base + 9)); do
    log=$logdir/sentry-$limit.log
    out=$(run "$limit" "$cvisor" do --log "$log" -- "$prog")
    rc=$?
    threads=$(grep -c "cannot start a host thread" "$log")
    echo "sandbox, pids.max $limit: exit $rc, Sentry threads refused: $threads: $out"
    if [ "$rc" -ne 7 ]; then
        [ "$rc" -eq 124 ] && echo "FAIL: the sandbox hung"
        echo "FAIL: sandbox exit status $rc, want 7"
        fail=1
    fi
    [ "$threads" -gt 0 ] && hit_thread=1
done
if [ "$hit_thread" -eq 0 ]; then
    echo "FAIL: no limit made the Sentry's pthread_create fail: this test missed its case"
    fail=1
fi
[ "$fail" -eq 0 ] && echo "PASS"
exit "$fail"
