#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attacks on the systrap platform's stubs (docs/security.md, "Platform"). systrap_probe runs
# natively first against a stand-in of the stub region, where each attack must visibly
# succeed (proof that the checks below see an escape), then in `cvisor do --platform=systrap`,
# where it must not:
#   selector: write the syscall-user-dispatch selector to "allow", then getpid and openat of a
#             host file outside the sandbox's root directly: the selector is read-only, getpid
#             answers the sandbox's pid, the host file stays out of reach;
#   jump:     jump to every syscall instruction of the stub code with rax = openat / execve /
#             mmap of the attacker's choice: each child is killed, no host file is created,
#             nothing is mapped behind the Sentry's back;
#   memop:    forge a memory-operation request: the request page is read-only, nothing mapped.
#   systrap.sh CVISOR PROBE TEST
# Exit 0: pass, 1: fail.
set -u
cvisor=$1 prog=$2 test=$3

fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d /var/tmp/cvisor-systrap-sec.XXXXXX) || fail "mktemp"
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{dev,proc,tmp} "$work/secret" "$work/jump"
echo HOST-SECRET >"$work/secret/secret.txt"
cp "$prog" "$root/probe"
val() { echo "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
sandboxed() { "$cvisor" do --platform=systrap --root "$root" --cwd / -- /probe "$@" 2>/dev/null; }

case $test in
systrap-selector)
    out=$("$root/probe" selector "$work/secret/secret.txt") || fail "native run"
    echo "--- native"; echo "$out"
    [ "$(val "$out" selector_write)" = done ] && [ "$(val "$out" getpid)" -ne 1 ] &&
        [ "$(val "$out" openat)" = opened ] || fail "the native stand-in attack did not succeed"
    out=$(sandboxed selector "$work/secret/secret.txt")
    echo "--- sandbox"; echo "$out"
    [ "$(val "$out" fake)" = 0 ] || fail "no stub region in the sandbox"
    [ "$(val "$out" selector_write)" = faulted ] || fail "the selector is writable"
    [ "$(val "$out" getpid)" = 1 ] || fail "getpid was not answered by the Sentry"
    [ "$(val "$out" openat)" != opened ] || fail "the host file was opened"
    ;;
systrap-jump)
    out=$("$root/probe" jump "$work/jump") || fail "native run"
    echo "--- native"; echo "$out"
    [ "$(val "$out" mapped)" = 1 ] && [ -e "$work/jump/created_by_jump" ] &&
        [ -e "$work/jump/exec_marker" ] || fail "the native stand-in attack did not succeed"
    rm -f "$work/jump"/*
    out=$(sandboxed jump "$work/jump")
    echo "--- sandbox"; echo "$out"
    sites=$(val "$out" sites)
    [ "$(val "$out" fake)" = 0 ] && [ "${sites:-0}" -ge 10 ] || fail "stub code not found"
    [ "$(val "$out" refused)" = "$sites" ] || fail "a jump into stub code was not refused"
    [ "$(val "$out" mapped)" = 0 ] || fail "a jump mapped memory"
    [ -z "$(ls -A "$work/jump")" ] || fail "a jump created host files: $(ls "$work/jump")"
    ;;
systrap-memop)
    out=$("$root/probe" memop) || fail "native run"
    echo "--- native"; echo "$out"
    [ "$(val "$out" request_bytes_written)" = 48 ] || fail "the native stand-in was not written"
    out=$(sandboxed memop)
    echo "--- sandbox"; echo "$out"
    [ "$(val "$out" fake)" = 0 ] || fail "no stub region in the sandbox"
    [ "$(val "$out" request_bytes_written)" = 0 ] || fail "the request page is writable"
    [ "$(val "$out" target)" = absent ] || fail "a forged request mapped memory"
    ;;
*) fail "unknown test $test" ;;
esac
echo PASS
