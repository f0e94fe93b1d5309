#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# run_sandboxed.sh CVISOR PLATFORM PROGRAM [ARGS...]: run a test program in the sandbox, from
# a place the sandbox can see (see sandbox_path.sh).
set -eu
cvisor=$1 platform=$2 prog=$3
shift 3
prog=$("$(dirname "$0")/sandbox_path.sh" "$prog")
exec "$cvisor" do --platform="$platform" -- "$prog" "$@"
