#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# run_asuser.sh ASUSER CVISOR|native PROGRAM [ARGS...]: run a test program as the unprivileged
# test user cvisor-test (created by test_user.sh), natively or inside `cvisor do` on the
# platform CVISOR_PLATFORM names (default ptrace).
# The ASUSER wrapper (asuser.c) starts as root and drops to the user's ids: natively on the
# host, or in the sandbox as the sandbox's first process. Both binaries are first copied where
# the user may execute them (sandbox_path.sh --world), and the run starts in that directory,
# since the build directory may be closed to the user. Exits 77 (skip) unless run as root.
set -eu
asuser=$1 cvisor=$2 prog=$3
shift 3
lib=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ]; then
    echo "run_asuser.sh: dropping to the test user needs root" >&2
    exit 77
fi
rc=0
ids=$("$lib/test_user.sh") || rc=$?
[ $rc -eq 0 ] || exit $rc
read -r uid gid <<< "$ids"
asuser=$("$lib/sandbox_path.sh" --world "$asuser")
prog=$("$lib/sandbox_path.sh" --world "$prog")
cd "$(dirname "$prog")"
if [ "$cvisor" = native ]; then
    exec "$asuser" "$uid" "$gid" "$prog" "$@"
fi
exec "$lib/run_sandboxed.sh" "$cvisor" "${CVISOR_PLATFORM:-ptrace}" "$asuser" "$uid" "$gid" "$prog" "$@"
