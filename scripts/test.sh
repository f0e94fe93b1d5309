#!/usr/bin/env bash
# Run every test suite and end with one plain line: "N passed, N failed, N skipped".
set -uo pipefail
build=${1:-build}
python3 tools/check_includes.py src || { echo "0 passed, 1 failed"; exit 1; }
meson test -C "$build" --num-processes 2 --print-errorlogs "${@:2}"
rc=$?
python3 tools/test_summary.py "$build/meson-logs/testlog.json"
exit $rc
