#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# ps, top, pgrep and pstree (procps, psmisc) read the sandbox's /proc: run them inside the
# sandbox next to processes the test starts, and check that each names those processes with
# their arguments, states (S, T, Z) and parentage. Also checks /sys's CPU files against nproc.
#   proc_tools.sh CVISOR
set -u
cvisor=$1
out=$("$cvisor" do ${CVISOR_PLATFORM:+--platform="$CVISOR_PLATFORM"} -- /usr/bin/python3 -c '
import os, signal, subprocess, time
def run(*argv):
    r = subprocess.run(argv, capture_output=True, text=True)
    print("== " + " ".join(argv)); print(r.stdout, end=""); print(r.stderr, end="")
sleeper = subprocess.Popen(["sleep", "77.5"])
stopped = subprocess.Popen(["sleep", "88.5"])
os.kill(stopped.pid, signal.SIGSTOP)
zombie = os.fork()
if zombie == 0:
    os.execv("/bin/true", ["true"])
time.sleep(0.5)
print("pids", os.getpid(), sleeper.pid, stopped.pid, zombie)
run("ps", "aux")
run("ps", "-ef")
run("ps", "-o", "pid=,stat=,comm=", "-p", "%d,%d,%d" % (sleeper.pid, stopped.pid, zombie))
run("top", "-b", "-n1")
run("pgrep", "-a", "sleep")
run("pstree", "-p")
run("sh", "-c", "cat /sys/devices/system/cpu/online; nproc")
os.kill(stopped.pid, signal.SIGKILL); sleeper.kill()
' 2>&1)
echo "$out"
fail=0
check() { # check DESCRIPTION EXTENDED-REGEX
    if echo "$out" | grep -Eq "$2"; then echo "ok: $1"; else echo "FAIL: $1 (/$2/)"; fail=1; fi
}
read -r _ py sl st zo <<<"$(echo "$out" | grep '^pids ')"
check "ps aux shows the sleeper with its arguments" "^root +$sl .* S +.* sleep 77\.5$"
check "ps aux shows the stopped process as T" "^root +$st .* T +.* sleep 88\.5$"
check "ps aux shows the zombie as Z <defunct>" "^root +$zo .* Z +.*<defunct>$"
check "ps -ef shows parentage" "^root +$sl +$py .* sleep 77\.5$"
check "ps -o stat: sleeping" "^ *$sl S +sleep$"
check "ps -o stat: stopped" "^ *$st T +sleep$"
check "ps -o stat: zombie" "^ *$zo Z +true$"
check "top lists the sandbox's tasks" "^Tasks: +[0-9]+ total, .* 1 stopped, +1 zombie"
check "top shows the sleeper" "^ +$sl root .* S .* sleep$"
check "pgrep -a shows both sleeps" "^$sl sleep 77\.5$"
check "pgrep -a shows the stopped sleep" "^$st sleep 88\.5$"
check "pstree -p shows init at the root" "^python3\($py\)-"
check "pstree -p shows the sleeper under it" "^ +[|\`]-sleep\($sl\)$"
check "pstree -p shows the zombie under it" "^ +[|\`]-true\($zo\)$"
n=$(nproc)
check "/sys cpu online agrees with nproc" "^(0-$((n - 1))|0)$"
exit $fail
