#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Escape attempts against the sandbox (docs/security.md). Each test runs escape_test natively
# first, where the attempt must SUCCEED (proof that it is a real attempt), then inside
# `cvisor do --root ROOT`, where it must FAIL; some checks look from the host side.
#   security.sh CVISOR ESCAPE_TEST TEST
# TEST: host-file, host-create, unimplemented, host-pids, sentry-seccomp, symlink-race,
# gofer-mounts, volume-symlinks.
# Exit 0: pass, 1: fail, 77: skipped.
set -u
cvisor=$1 prog=$2 test=$3

fail() { echo "FAIL: $*"; exit 1; }
need_root() { [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }; }

# A small root tree outside /tmp (the sandbox has its own /tmp) and a secret outside it.
work=$(mktemp -d /var/tmp/cvisor-security.XXXXXX) || fail "mktemp"
trap 'rm -rf "$work"' EXIT
root=$work/root
secret=$work/secret/host_secret.txt
mkdir -p "$root"/{dev,proc,tmp,jail,mnt} "$work/secret"
echo HOST-SECRET >"$secret"
cp "$prog" "$root/escape_test"
ln -s "$secret" "$root/escape_link"
ln -s "$work/secret" "$root/escape_dirlink"

native() { echo "--- native: $*"; "$root/escape_test" escape "$@"; }
sandboxed() { echo "--- sandbox: $*"; "$cvisor" do --root "$root" --cwd / -- /escape_test confined "$@"; }

case $test in
host-file)
    need_root # the native leg's chroot and /proc/1/root need it
    (cd "$root" && native read "$secret" "$root") || fail "native attempts did not escape"
    sandboxed read "$secret" / || fail "an attempt read the host file from the sandbox"
    ;;
host-create)
    native create "$root" >/dev/null
    for f in probe_fifo probe_dir probe_link probe_file; do
        [ -e "$root/$f" ] || [ -L "$root/$f" ] || fail "native: $f was not created"
    done
    rm -rf "$root"/probe_*
    sandboxed create /
    left=$(ls -A "$root" | grep probe_)
    [ -z "$left" ] || fail "the sandbox created host files: $left"
    echo "host side: no probe_* file in $root"
    ;;
unimplemented)
    sandboxed unimplemented || fail "a raw system call reached the host"
    ;;
host-pids)
    native pids $$ || fail "native: own shell not visible"
    # The runtime is this subshell's pid (exec); the gofer and the Sentry come right after.
    bash -c 'p=$$; exec "$1" do --root "$2" --cwd / -- /escape_test confined pids \
        $p $((p + 1)) $((p + 2)) $((p + 3))' _ "$cvisor" "$root" ||
        fail "a host process was visible from the sandbox"
    ;;
sentry-seccomp)
    "$cvisor" do --root "$root" -- /escape_test confined unimplemented >/dev/null ||
        fail "control run without the trigger failed"
    CVISOR_TEST_FORBIDDEN_SYSCALL=1 "$cvisor" do --root "$root" -- /escape_test confined \
        unimplemented >"$work/out" 2>&1
    rc=$?
    cat "$work/out"
    [ $rc -eq $((128 + 31)) ] || fail "expected the Sentry killed by SIGSYS (159), got $rc"
    ! grep -q '^ok 1' "$work/out" || fail "the app ran although the Sentry made a forbidden call"
    echo "the Sentry was killed by its seccomp filter (exit $rc)"
    ;;
volume-symlinks)
    # Symlinks and .. planted in a volume that lead out of it to the host secret: natively
    # they reach it; in the sandbox they are resolved by the Sentry inside the sandbox's own
    # tree (the gofer never follows a symlink or a ..), where the secret does not exist.
    vol=$work/vol
    mkdir -p "$vol/sub" "$root/mnt/v"
    ln -s "$secret" "$vol/out"
    ln -s ../secret/host_secret.txt "$vol/up"
    ln -s "$work/secret" "$vol/dirout"
    ln -s ../../secret "$vol/sub/upup"
    for p in out up dirout/host_secret.txt sub/upup/host_secret.txt; do
        echo "--- native: file $vol/$p"
        "$root/escape_test" escape file "$vol/$p" || fail "native: $p did not reach the secret"
        echo "--- sandbox: file /mnt/v/$p"
        "$cvisor" do --root "$root" --volume "$vol:/mnt/v" --cwd / -- /escape_test confined \
            file "/mnt/v/$p" || fail "the sandbox read the host secret through $p in a volume"
    done
    echo "--- sandbox: file /mnt/v/../../../secret/host_secret.txt"
    "$cvisor" do --root "$root" --volume "$vol:/mnt/v" --cwd / -- /escape_test confined \
        file /mnt/v/../../../secret/host_secret.txt || fail ".. out of the volume reached the host"
    ;;
symlink-race)
    # d/ holds a harmless host_secret.txt; the host keeps swapping d with a symlink to the
    # directory of the real secret.
    mkdir -p "$root/d" && echo INSIDE >"$root/d/host_secret.txt"
    (
        while :; do
            mv "$root/d" "$root/d.away" && ln -s "$work/secret" "$root/d"
            rm -f "$root/d" && mv "$root/d.away" "$root/d"
        done
    ) 2>/dev/null &
    swapper=$!
    native race "$root/d/host_secret.txt" 10
    nrc=$?
    sandboxed race /d/host_secret.txt 3
    src=$?
    kill "$swapper"
    wait "$swapper" 2>/dev/null
    [ $nrc -eq 0 ] || fail "native: the swap was never seen (the race did not run)"
    [ $src -eq 0 ] || fail "the sandbox read the host file through the swapped symlink"
    ;;
gofer-mounts)
    need_root
    command -v unshare >/dev/null || { echo "SKIP: no unshare(1)"; exit 77; }
    # A mount below the root, in a private mount namespace so the host never sees it.
    unshare -m --propagation private bash -c '
        set -e
        mount -t tmpfs cvisor-test "$2/mnt"
        echo HOST-SECRET >"$2/mnt/host_secret.txt"
        echo "--- native: file $2/mnt/host_secret.txt"
        "$2/escape_test" escape file "$2/mnt/host_secret.txt" || exit 2
        echo "--- sandbox: file /mnt/host_secret.txt"
        "$1" do --root "$2" --cwd / -- /escape_test confined file /mnt/host_secret.txt || exit 3
        # Not root, the gofer binds the root recursively and serves /mnt as an empty directory.
        if command -v setpriv >/dev/null; then
            chmod 755 "$3" "$2"
            echo "--- sandbox as nobody: file /mnt/host_secret.txt"
            setpriv --reuid 65534 --regid 65534 --clear-groups "$1" do --root "$2" --cwd / -- \
                /escape_test confined file /mnt/host_secret.txt || exit 3
        fi
    ' _ "$cvisor" "$root" "$work"
    rc=$?
    [ $rc -ne 2 ] || fail "native: the file on the mount was not readable"
    [ $rc -eq 0 ] || fail "the sandbox saw a mount below its root"
    ;;
*)
    fail "unknown test $test"
    ;;
esac
echo PASS
