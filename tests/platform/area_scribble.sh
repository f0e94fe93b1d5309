#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# area_scribble.sh CVISOR PROGRAM: run area_scribble natively (it must end with "parent
# alive"), then in the sandbox, where the Sentry must survive the child's scribbling: the
# parent reports and exits 0, within the time limit of the test.
set -u
cvisor=$1 prog=$2
. "$(dirname "$0")/lib.sh"
lib=$(dirname "$0")/../lib
prog=$("$lib/sandbox_path.sh" "$prog")

echo "--- native"
out=$("$prog" 5) || { echo "FAIL: native run failed: $out"; exit 1; }
echo "$out"
echo "$out" | grep -qx "parent alive" || { echo "FAIL: native run incomplete"; exit 1; }
echo "--- sandbox"
out=$(timeout 100 "$cvisor" do $platform_flag -- "$prog" 200)
rc=$?
echo "$out"
[ "$rc" -eq 0 ] || { echo "FAIL: sandbox exit status $rc"; exit 1; }
echo "$out" | grep -qx "parent alive" || { echo "FAIL: the parent did not survive"; exit 1; }
echo "PASS"
