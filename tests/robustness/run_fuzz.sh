#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs the syscall fuzzer natively, then in `cvisor do --platform=ptrace`, then /bin/true in a
# fresh sandbox. Passing means: the fuzzer completes natively (the test is sound), the sandbox
# returns the fuzzer's exit status 0 with "fuzz done N calls" on stdout before the timeout (the
# Sentry neither crashed nor hung), and the runtime still works afterwards.
#   run_fuzz.sh FUZZ_BINARY CVISOR [fuzzer args...]   (CVISOR=native: every leg runs natively)
# The seed is --seed S among the fuzzer args, else $CVISOR_TEST_SEED (scripts/test.sh draws one
# per `make test`), else a new one from /dev/urandom; the first line names it and a failure
# says how to repeat the run. With CVISOR_SANITIZED=1 (CVISOR is cvisor-asan) a sanitizer
# report in the sandbox leg's output fails the test (../lib/san_check.sh).
set -u

fuzz=${1:?usage: run_fuzz.sh FUZZ_BINARY CVISOR [ARGS...]}
cvisor=${2:-${CVISOR:-}}
shift 2 || shift $#
[ "${CVISOR:-}" = native ] && cvisor=native
calls=20000
seed=
for ((i = 1; i <= $#; i++)); do
    [ "${!i}" = --calls ] && { j=$((i + 1)); calls=${!j}; }
    [ "${!i}" = --seed ] && { j=$((i + 1)); seed=${!j}; }
done
if [ -z "$seed" ]; then
    seed=${CVISOR_TEST_SEED:-0x$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')}
    set -- "$@" --seed "$seed"
fi
build=$(cd "$(dirname "$fuzz")/../.." && pwd)
test_name=syscall-fuzz
[ "${CVISOR_SANITIZED:-}" = 1 ] && test_name=syscall-fuzz-asan
echo "fuzz seed $seed (repeat: CVISOR_TEST_SEED=$seed meson test -C $build $test_name)"
native_timeout=${FUZZ_NATIVE_TIMEOUT:-60}
sandbox_timeout=${FUZZ_SANDBOX_TIMEOUT:-220}
failed=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

# leg NAME TIMEOUT CMD...: runs the fuzzer, checks exit status 0 and the closing line.
leg() {
    local name=$1 limit=$2
    shift 2
    local start=$SECONDS rc
    timeout --kill-after=10 "$limit" "$@" > "$out" 2>&1 < /dev/null
    rc=$?
    echo "== $name: exit $rc after $((SECONDS - start)) s: $*"
    tail -n 40 "$out"
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        echo "FAIL: $name did not finish within $limit s (a hang)"
        failed=1
    elif [ $rc -ne 0 ]; then
        echo "FAIL: $name exited $rc, want 0"
        failed=1
    elif ! grep -qx "fuzz done $calls calls" "$out"; then
        echo "FAIL: $name did not print \"fuzz done $calls calls\""
        failed=1
    fi
    if [ "${CVISOR_SANITIZED:-}" = 1 ] && ! "$(dirname "$0")/../lib/san_check.sh" "$out"; then
        grep -E -A 60 '^==[0-9]+==ERROR: |: runtime error: ' "$out" | head -n 200
        failed=1
    fi
}

if [ "$cvisor" != native ] && [ ! -x "$cvisor" ]; then
    echo "FAIL: cvisor binary $cvisor is not executable"
    exit 1
fi

# The sandbox has its own /tmp: run a fuzzer built there from a copy it can see.
if [ "$cvisor" != native ]; then
    fuzz_in_sandbox=$("$(dirname "$0")/../lib/sandbox_path.sh" "$fuzz") || exit 1
else
    fuzz_in_sandbox=$fuzz
fi

leg native "$native_timeout" "$fuzz" "$@"
if [ $failed -ne 0 ]; then
    echo "the fuzzer itself fails natively: fix the test before reading anything into the sandbox run"
    exit 1
fi

if [ "$cvisor" = native ]; then
    leg "native (standing in for the sandbox)" "$sandbox_timeout" "$fuzz" "$@"
    healthy=(/bin/true)
else
    leg "cvisor ptrace" "$sandbox_timeout" "$cvisor" do --platform=ptrace -- "$fuzz_in_sandbox" "$@"
    healthy=("$cvisor" do --platform=ptrace -- /bin/true)
fi

timeout 60 "${healthy[@]}" < /dev/null
rc=$?
echo "== after the fuzzer: ${healthy[*]} -> exit $rc"
if [ $rc -ne 0 ]; then
    echo "FAIL: the runtime is not healthy after the fuzz run"
    failed=1
fi
if [ $failed -eq 0 ]; then
    echo PASS
else
    echo "FAIL with seed $seed: repeat with CVISOR_TEST_SEED=$seed meson test -C $build $test_name"
    if [ "$cvisor" = native ]; then
        echo "  (call #I alone: $fuzz --seed $seed --start I --calls I+1)"
    else
        echo "  (call #I alone: $cvisor do --platform=ptrace -- $fuzz_in_sandbox --seed $seed" \
            "--start I --calls I+1)"
    fi
fi
exit $failed
