#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Syscall-site patching (docs/platform.md): patch_test natively (nothing patched), then on
# systrap with patching (the `mov $39,%eax; syscall` site becomes `jmp *abs32` into the
# [usertrap] table while the executable's file keeps its bytes; the REX-prefixed false match
# stays as it is; eight threads racing on an unpatched site and a forked child get correct
# results), then with --systrap-patching=false (nothing patched).
#   patching.sh CVISOR PROGRAM
set -u
cvisor=$1 prog=$2
lib=$(dirname "$0")/../lib
prog=$("$lib/sandbox_path.sh" "$prog")
fail() { echo "FAIL: $*"; exit 1; }
val() { echo "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
orig=b827000000 # mov $39, %eax
check_common() {
    [ "$(val "$1" results_ok)" = 1 ] || fail "$2: wrong syscall results"
    [ "$(val "$1" threads_ok)" = 1 ] || fail "$2: wrong results in racing threads"
    [ "$(val "$1" fork_ok)" = 1 ] || fail "$2: the forked child failed"
    [ "$(val "$1" prefixed)" = 41b8270000000f05 ] || fail "$2: the false match was patched"
    [ "$(val "$1" site_file)" = ${orig}0f05 ] || fail "$2: the executable's file changed"
}

out=$("$prog") || fail "native run"
echo "--- native"; echo "$out"
check_common "$out" native
[ "$(val "$out" site)" = ${orig}0f05 ] && [ "$(val "$out" usertrap)" = 0 ] ||
    fail "native: the site changed"

out=$("$cvisor" do --platform=systrap -- "$prog") || fail "sandbox run"
echo "--- systrap"; echo "$out"
check_common "$out" systrap
site=$(val "$out" site)
[ "${site:0:6}" = ff2425 ] && [ "${site:10:4}" = 0600 ] || fail "the site was not patched"
shared=$(val "$out" shared)
[ "${shared:0:6}" = ff2425 ] || fail "the site the threads raced on was not patched"
[ "$(val "$out" usertrap)" = 1 ] || fail "no [usertrap] mapping"

out=$("$cvisor" do --platform=systrap --systrap-patching=false -- "$prog") || fail "sandbox run"
echo "--- systrap, --systrap-patching=false"; echo "$out"
check_common "$out" "no patching"
[ "$(val "$out" site)" = ${orig}0f05 ] && [ "$(val "$out" usertrap)" = 0 ] ||
    fail "patched with --systrap-patching=false"
echo PASS
