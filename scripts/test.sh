#!/usr/bin/env bash
# Run every test suite and end with one plain line: "N passed, N failed, N skipped".
set -uo pipefail
build=${1:-build}
# One seed per run for every randomised test (tests/robustness/run_fuzz.sh, the proto codec's
# garbage test): a new one each time, named first so that a failure can be repeated.
export CVISOR_TEST_SEED=${CVISOR_TEST_SEED:-0x$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')}
echo "test seed: CVISOR_TEST_SEED=$CVISOR_TEST_SEED (repeat a randomised test with it set)"
python3 tools/check_includes.py src || { echo "0 passed, 1 failed"; exit 1; }
meson test -C "$build" --num-processes 2 --print-errorlogs "${@:2}"
rc=$?
python3 tools/test_summary.py "$build/meson-logs/testlog.json"
exit $rc
