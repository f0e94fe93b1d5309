# SPDX-License-Identifier: Apache-2.0
# Sourced by the credential tests (cred_*.sh): run one command natively and in the sandbox
# with the same small environment, keep what each leg printed and its exit status, compare.
#   . legs.sh CVISOR       sets $cvisor, $work (removed on exit), $fail, and:
#   leg NAME native|sandbox CMD...   run CMD; $work/NAME.out (stdout and stderr as the program
#                                    wrote them), $work/NAME.status, $work/NAME.ms (wall time);
#                                    the sandbox's own logs go to $work/NAME.log
#   same WHAT NAME1 NAME2            compare two legs' output and status; print ok or FAIL
#   in_sandbox PATH                  PATH as the sandbox can see it (tests/lib/sandbox_path.sh)
#   finish                           print the timings, exit 0 or 1
# CVISOR=native runs the sandbox legs natively too, which proves the scenarios themselves.

cvisor=$(realpath "$1")
[ "${CVISOR:-}" = native ] && cvisor=native
here=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
work=$(mktemp -d)
fail=0
timings=()
legs_cleanup() { [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"; }
trap legs_cleanup EXIT

# The environment every leg gets: small and fixed, so nothing of the caller's leaks in.
leg_env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
         LANG=C HOME=/root TZ=UTC TERM=dumb USER=root LOGNAME=root SHELL=/bin/bash)

in_sandbox() {
    "$here/../lib/sandbox_path.sh" "$1"
}

leg() {
    local name=$1 where=$2
    shift 2
    local start end
    start=$(date +%s%N)
    if [ "$where" = sandbox ] && [ "$cvisor" != native ]; then
        "${leg_env[@]}" "$cvisor" do ${CVISOR_PLATFORM:+--platform="$CVISOR_PLATFORM"} --log "$work/$name.log" -- "$@" >"$work/$name.out" 2>&1 \
            </dev/null
    else
        (cd / && "${leg_env[@]}" "$@") >"$work/$name.out" 2>&1 </dev/null
    fi
    echo $? >"$work/$name.status"
    end=$(date +%s%N)
    echo $(((end - start) / 1000000)) >"$work/$name.ms"
    timings+=("$name $(cat "$work/$name.ms") ms")
}

same() {
    local what=$1 a=$2 b=$3
    if cmp -s "$work/$a.out" "$work/$b.out" && cmp -s "$work/$a.status" "$work/$b.status"; then
        echo "ok: $what ($(wc -l <"$work/$a.out") lines, status $(cat "$work/$a.status"))"
        return 0
    fi
    echo "FAIL: $what: $a (status $(cat "$work/$a.status")) and $b (status" \
        "$(cat "$work/$b.status")) differ:"
    diff -u --label "$a" --label "$b" "$work/$a.out" "$work/$b.out" | sed 's/^/    /' | head -80
    for l in "$work/$a.log" "$work/$b.log"; do
        [ -s "$l" ] && { echo "  log of $(basename "$l" .log):"; tail -n 20 "$l" | sed 's/^/    /'; }
    done
    fail=1
    return 1
}

# Fail unless leg NAME printed what the scenario must print natively (an extended regular
# expression, one line of the output): proves the scenario checks something real.
expect() {
    local name=$1 re=$2
    if grep -Eq -- "$re" "$work/$name.out"; then
        echo "ok: $name shows /$re/"
    else
        echo "FAIL: $name lacks /$re/; it printed (the end):"
        tail -n 25 "$work/$name.out" | sed 's/^/    /'
        fail=1
    fi
}

finish() {
    echo "timings: ${timings[*]}"
    exit $fail
}
