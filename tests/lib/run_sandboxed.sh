#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# run_sandboxed.sh CVISOR PLATFORM PROGRAM [ARGS...]: run a test program in the sandbox, from
# a place the sandbox can see (see sandbox_path.sh). CVISOR_VOLUMES="SRC:DST ..." gives it
# volumes (each SRC is created if missing).
set -eu
cvisor=$1 platform=$2 prog=$3
shift 3
prog=$("$(dirname "$0")/sandbox_path.sh" "$prog")
volumes=()
for v in ${CVISOR_VOLUMES:-}; do
    mkdir -p "${v%%:*}"
    volumes+=(--volume "$v")
done
exec "$cvisor" do --platform="$platform" "${volumes[@]}" -- "$prog" "$@"
