#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The sandbox under a host limit on tasks (a pids cgroup with a small pids.max): the Sentry's
# own pthread_create, its stub processes and its stub threads fail there. clone_storm forks,
# then starts threads, until refused; every refusal must be EAGAIN, everything must be reaped,
# and the sandbox must exit with the program's status (7). Run natively first (that proves the
# program), then in the sandbox at a few consecutive limits, so that the limit falls once on
# the Sentry's pthread_create (the log shows it) and once on a stub.
#   pids_limit.sh CLONE_STORM CVISOR
set -u
storm=$1 cvisor=$2
here=$(dirname "$0")

# A pids cgroup to run in: cgroup v1's pids hierarchy, or v2 with the pids controller.
if [ -f /sys/fs/cgroup/pids/cgroup.procs ]; then
    base=/sys/fs/cgroup/pids
elif grep -qw pids /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
    base=/sys/fs/cgroup
else
    echo "SKIP: no pids cgroup controller to limit the sandbox with"
    exit 77
fi
cg=$base/cvisor-pids-test-$$
mkdir "$cg" || { echo "SKIP: cannot create a cgroup under $base"; exit 77; }
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
hit_thread=0
for limit in 20 21 22 23; do
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
