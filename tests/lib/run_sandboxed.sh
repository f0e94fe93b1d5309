#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# run_sandboxed.sh CVISOR PLATFORM PROGRAM [ARGS...]: run a test program in the sandbox, from
# a place the sandbox can see (see sandbox_path.sh). CVISOR_VOLUMES="SRC:DST ..." gives it
# volumes (each SRC is created if missing). With CVISOR_SANITIZED=1 (CVISOR is cvisor-asan)
# the run's stderr is also scanned for sanitizer reports, which fail the test (san_check.sh).
set -eu
cvisor=$1 platform=$2 prog=$3
shift 3
lib=$(dirname "$0")
prog=$("$lib/sandbox_path.sh" "$prog")
volumes=()
for v in ${CVISOR_VOLUMES:-}; do
    mkdir -p "${v%%:*}"
    volumes+=(--volume "$v")
done
if [ "${CVISOR_SANITIZED:-}" != 1 ]; then
    exec "$cvisor" do --platform="$platform" "${volumes[@]}" -- "$prog" "$@"
fi
errlog=$(mktemp)
trap 'rm -f "$errlog"' EXIT
# stdout stays the test's (TAP); stderr goes through tee into $errlog as well.
set +e
{ "$cvisor" do --platform="$platform" "${volumes[@]}" -- "$prog" "$@" 2>&1 1>&3 3>&- |
    tee "$errlog" >&2 3>&-; } 3>&1
rc=${PIPESTATUS[0]}
set -e
"$lib/san_check.sh" "$errlog" || exit 1
exit $rc
