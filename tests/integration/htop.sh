#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# htop in the sandbox on a real terminal (tmux): it draws its header (CPU, Mem and Swp meters,
# Tasks, Load average, Uptime) and a process list from the sandbox's /proc, shows a sleep the
# sandbox started under the pid the sandbox gave it, and quits with status 0 on F10, which
# ends the sandbox. The same htop runs natively in a pane of the same size first: its header
# (CPU meters, memory totals) and its row of its own sleep (state, priority, I/O columns) are
# what the sandbox must show too.
#   htop.sh CVISOR
set -u
cvisor=$(realpath "$1")
sock=cvisorhtop-$$
work=$(mktemp -d)
tm() { tmux -L "$sock" "$@"; }
native_sleep=
cleanup() {
    tm kill-server 2>/dev/null
    [ -n "$native_sleep" ] && kill "$native_sleep" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

if ! htop --version >/dev/null 2>&1; then
    echo "htop cannot run: skipped"
    exit 77
fi
# The same fresh configuration for both runs (htop writes it back on exit).
mkdir -p "$work/home" "$work/out"
env="env -u XDG_CONFIG_HOME -u HTOPRC HOME=$work/home"

fail=0
pane() { tm capture-pane -p -t "$1"; }
# Wait until the screen of session @1 shows @2 (an extended regular expression), at most 10 s.
wait_for() {
    for _ in $(seq 100); do
        pane "$1" | grep -Eq -- "$2" && return 0
        sleep 0.1
    done
    echo "FAIL: no \`$2\` on the $1 screen:"
    pane "$1" | sed -e '/^ *$/d' -e 's/^/    /'
    fail=1
    return 1
}
check() { # check DESCRIPTION ACTUAL EXPECTED
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
    else
        echo "FAIL: $1: \`$2\`, expected \`$3\`"
        fail=1
    fi
}
# The header of a screen: its first block of non-blank lines.
header() { pane "$1" | awk 'NF { seen = 1; print; next } seen { exit }'; }
# The CPU meters' labels ("0 1 2 ..."), the Mem and Swp totals.
cpu_labels() { header "$1" | grep -oE '(^| )[0-9]+\[' | tr -d ' [' | sort -n | tr '\n' ' '; }
mem_total() { header "$1" | grep -oE "$2\[[^]]*/[0-9.]+[KMGTP]?\]" | sed -E 's|.*/||; s|\]||'; }
# Fields @3.. of the row of pid @2 on the screen of session @1.
row() {
    local s=$1 pid=$2
    shift 2
    pane "$s" | awk -v pid="$pid" -v f="$*" '$1 == pid { n = split(f, want, " ");
        for (i = 1; i <= n; i++) printf "%s%s", $want[i], (i < n ? " " : "\n"); exit }'
}
main_fields="3 4 8 12 13"     # PRI NI S Command
io_fields="3 4 5 6 7 8 9"     # IO, DISK R/W, DISK READ, DISK WRITE (rates and units)

# Native: htop limited to its own sleep (-p), so that the sleep's row is on the screen.
if ! tm new-session -d -s native -x 120 -y 30 \
    "$env sh -c 'sleep 300 & echo \$! >$work/native.pid; exec htop -d 5 -p \$!'; echo HTOPEXIT=\$?; sleep 60" \
    2>/dev/null; then
    echo "tmux cannot start: skipped"
    exit 77
fi
wait_for native 'Tasks: '
for _ in $(seq 50); do [ -s "$work/native.pid" ] && break; sleep 0.1; done
native_sleep=$(cat "$work/native.pid" 2>/dev/null)
wait_for native "^ *$native_sleep .* sleep 300 *\$"
n_cpus=$(cpu_labels native)
n_mem=$(mem_total native Mem)
n_swp=$(mem_total native Swp)
n_main=$(row native "$native_sleep" $main_fields)
has_io_tab=0
if pane native | grep -q '\[I/O\]'; then
    has_io_tab=1
    tm send-keys -t native Tab
    sleep 2 # a few refreshes (-d 5: every 0.5 s) read the I/O columns' sources
    wait_for native "^ *$native_sleep +[^ ]+ +[^ ]+ +[0-9.]+ [KMG]?B/s .* sleep 300 *\$"
    n_io=$(row native "$native_sleep" $io_fields)
fi
tm send-keys -t native q
wait_for native '^HTOPEXIT=0$'
[ "$fail" = 0 ] || exit 1

# The sandbox: htop is pid 1 (sh exec's it), next to a sleep whose pid the shell writes to a
# volume; Sentry logs go to a file (an unsupported syscall would be logged there). htop reads
# a process's command line once, when it first sees it, so the shell waits until the sleep
# has exec'd (its comm is "sleep") before it becomes htop.
tm new-session -d -s sandbox -x 120 -y 30 \
    "$env $cvisor --log $work/sentry.log do ${CVISOR_PLATFORM:+--platform=$CVISOR_PLATFORM} --volume $work/out:/out -- sh -c 'sleep 300 & echo \$! >/out/pid; until grep -qx sleep /proc/\$!/comm; do :; done; exec htop -d 5'; echo CVEXIT=\$?; sleep 60"
wait_for sandbox 'Tasks: '
for _ in $(seq 50); do [ -s "$work/out/pid" ] && break; sleep 0.1; done
pid=$(cat "$work/out/pid" 2>/dev/null)
echo "sandbox sleep pid: ${pid:-none}"
wait_for sandbox "^ *$pid +[^ ]+ .* sleep 300 *\$"
wait_for sandbox '^ *1 +[^ ]+ .* htop -d 5 *$'
# Only the sandbox's processes: htop (running) and the sleep.
wait_for sandbox 'Tasks: 2, 0 thr(, 0 kthr)?; 1 running'
wait_for sandbox 'Load average: [0-9.]+ [0-9.]+ [0-9.]+'
wait_for sandbox 'Uptime: [0-9:]+'
wait_for sandbox 'Mem\[[^]]*[0-9][0-9.]*[KMGTP]?/[0-9.]+[KMGTP]?\]'
check "CPU meters" "$(cpu_labels sandbox)" "$n_cpus"
check "Mem total" "$(mem_total sandbox Mem)" "$n_mem"
check "Swp total" "$(mem_total sandbox Swp)" "$n_swp"
check "the sleep's row (PRI NI S Command)" "$(row sandbox "$pid" $main_fields)" "$n_main"
# TIME+: the Sentry's work for it (exec, loading) counts, but a sleeping process uses no more.
check "the sleep's TIME+ is under a second" "$(row sandbox "$pid" 11 | sed -E 's/^0:00\.[0-9]{2}$/small/')" small
if [ "$has_io_tab" = 1 ]; then
    tm send-keys -t sandbox Tab
    sleep 2
    wait_for sandbox "^ *$pid +[^ ]+ +[^ ]+ +[0-9.]+ [KMG]?B/s .* sleep 300 *\$"
    check "the sleep's I/O row (IO, DISK R/W, READ, WRITE)" "$(row sandbox "$pid" $io_fields)" "$n_io"
fi
tm send-keys -t sandbox F10
wait_for sandbox '^CVEXIT=0$'
if grep -q 'unsupported' "$work/sentry.log"; then
    echo "FAIL: htop made unsupported system calls:"
    sed 's/^/    /' "$work/sentry.log"
    fail=1
fi
[ "$fail" = 0 ] && echo "ok"
exit $fail
