#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `make bench`: the Performance Guide's figures for a set of runtimes (native, cvisor-systrap,
# cvisor-ptrace, runsc-systrap, runsc-ptrace), rounds alternating the runtimes, medians, CSV in
# the guide's shape, one SVG chart per figure and a Markdown report under bench/results/.
# The suite itself is bench/suite.py (python3, standard library only); see docs/benchmarks.md.
#   bench/run.sh [--runtimes="native cvisor-ptrace"] [--quick] [--cvisor=build/cvisor] ...
#   bench/run.sh --help
# Environment: CVISOR_FLAGS (default "--network=none"), RUNSC (a runsc binary; else `runsc`
# on PATH), RUNSC_FLAGS (default "--rootless --network=none"), BENCH_RESULTS (output directory).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# The Debian python3, not a shim that a user's PATH may put first.
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
exec "$py" "$here/suite.py" "$@"
