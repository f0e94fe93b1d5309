#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# many_threads.sh CVISOR PROGRAM: 300 threads at once, and exit_group from one of them while
# the others spin in app code; natively first, then in the sandbox: both must print
# "threads 300" and end with status 42, the sandbox within the test's time limit.
set -u
cvisor=$1 prog=$2
. "$(dirname "$0")/lib.sh"
prog=$("$(dirname "$0")/../lib/sandbox_path.sh" "$prog")
out=$("$prog"); rc=$?
echo "native: $out, status $rc"
[ "$out" = "threads 300" ] && [ $rc -eq 42 ] || { echo "FAIL: native run"; exit 1; }
out=$("$cvisor" do $platform_flag -- "$prog"); rc=$?
echo "sandbox: $out, status $rc"
[ "$out" = "threads 300" ] && [ $rc -eq 42 ] || { echo "FAIL: sandbox run"; exit 1; }
echo PASS
