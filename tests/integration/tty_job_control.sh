#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The sandbox console on a real terminal (tmux): interactive bash gets a pty with job control
# (Ctrl-Z stops a job, fg resumes it, Ctrl-C interrupts it), the host window size (also after
# a resize) and the host terminal back in its own mode once the sandbox exits.
#   tty_job_control.sh CVISOR
set -u
cvisor=$(realpath "$1")
sock=cvisortest-$$
tm() { tmux -L "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null' EXIT

# After the sandbox: the exit status and whether the host terminal is in canonical mode again.
cmd="$cvisor do ${CVISOR_PLATFORM:+--platform=$CVISOR_PLATFORM} -- bash --norc --noprofile; echo CVEXIT=\$?; stty -a | grep -o -- '-\\?icanon' | sed 's/^/MODE=/'; sleep 60"
if ! tm new-session -d -x 100 -y 30 "$cmd" 2>/dev/null; then
    echo "tmux cannot start: skipped"
    exit 77
fi

fail=0
pane() { tm capture-pane -p -S -100; }
# Wait until the pane shows @1 (an extended regular expression), at most 10 s.
wait_for() {
    for _ in $(seq 100); do
        pane | grep -Eq -- "$1" && return 0
        sleep 0.1
    done
    echo "FAIL: no \`$1\` on the screen:"
    pane | sed -e '/^$/d' -e 's/^/    /'
    fail=1
    return 1
}
keys() { tm send-keys "$@"; }

wait_for 'bash-[0-9.]+[#$]'
keys 'sleep 100' Enter
sleep 0.5
keys C-z
wait_for 'Stopped +sleep 100'
keys 'fg' Enter
wait_for '^sleep 100$'
sleep 0.3
keys C-c
wait_for '\^C'
keys 'echo status=$?' Enter
wait_for '^status=130$'
keys 'stty size' Enter
wait_for '^30 100$'
tm resize-window -x 90 -y 25
# The new size reaches the sandbox's pty through the host's SIGWINCH: ask until it shows (a
# loaded machine may take a while), at most 10 s.
for _ in $(seq 50); do
    keys 'stty size' Enter
    sleep 0.2
    pane | grep -Eq '^25 90$' && break
done
keys 'stty size; tty' Enter
wait_for '^25 90$'
wait_for '^/dev/pts/[0-9]+$'
keys 'cat' Enter
keys 'typed line' Enter
wait_for '^typed line$' && keys C-d
keys 'exit' Enter
wait_for '^CVEXIT=0$'
wait_for '^MODE=icanon$'
if [ "$fail" = 0 ]; then
    echo "ok"
fi
exit $fail
