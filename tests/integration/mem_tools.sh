#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# free, vmstat, top and ps read the sandbox's memory and terminal figures (/proc/meminfo,
# /proc/vmstat, /proc/<pid>/stat and statm): run them inside the sandbox while the test adds
# 50 MiB of /dev/shm and then 100 MiB of touched anonymous memory, and check that free's
# rows move by those amounts, that vmstat prints its rows, and that ps on a pty names it.
#   mem_tools.sh CVISOR
set -u
cvisor=$1
out=$("$cvisor" do ${CVISOR_PLATFORM:+--platform="$CVISOR_PLATFORM"} -- /usr/bin/python3 -c '
import mmap, os, subprocess
def run(tag, *argv):
    r = subprocess.run(argv, capture_output=True, text=True)
    for line in (r.stdout + r.stderr).splitlines():
        print(tag, line)
run("free0", "free", "-m")
with open("/dev/shm/mem_tools", "wb") as f:
    f.write(b"x" * (50 << 20))
run("free1", "free", "-m")
m = mmap.mmap(-1, 100 << 20, flags=mmap.MAP_PRIVATE)
for off in range(0, 100 << 20, 4096):
    m[off] = 1
run("free2", "free", "-m")
run("vmstat", "vmstat", "1", "2")
run("top", "top", "-b", "-n1")
pid, fd = os.forkpty()
if pid == 0:
    os.execvp("ps", ["ps", "-o", "pid,tty,rss,vsz,sz,stat,cmd"])
data = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
os.waitpid(pid, 0)
for line in data.decode().splitlines():
    print("ps", line.rstrip("\r"))
' 2>&1)
echo "$out"
fail=0
check() { # check DESCRIPTION EXTENDED-REGEX
    if echo "$out" | grep -Eq "$2"; then echo "ok: $1"; else echo "FAIL: $1 (/$2/)"; fail=1; fi
}
relation() { # relation DESCRIPTION ARITHMETIC-EXPRESSION
    if (($2)); then echo "ok: $1"; else echo "FAIL: $1 ($2)"; fail=1; fi
}
check "free prints its header" "^free0 +total +used +free +shared +buff/cache +available$"
check "free shows no swap" "^free0 Swap: +0 +0 +0$"
# Mem: total used free shared buff/cache available
read -r _ _ t0 u0 f0 s0 c0 a0 <<<"$(echo "$out" | grep '^free0 Mem:')"
read -r _ _ t1 u1 f1 s1 c1 a1 <<<"$(echo "$out" | grep '^free1 Mem:')"
read -r _ _ t2 u2 f2 s2 c2 a2 <<<"$(echo "$out" | grep '^free2 Mem:')"
relation "free: used + available = total" "u0 + a0 >= t0 - 1 && u0 + a0 <= t0 + 1"
relation "free: the sandbox uses little at first" "u0 < 100"
relation "free: 50 MiB in /dev/shm is shared" "s1 - s0 >= 48 && s1 - s0 <= 52"
relation "free: 50 MiB in /dev/shm is buff/cache" "c1 - c0 >= 48 && c1 - c0 <= 52"
relation "free: 100 MiB touched is used" "u2 - u1 >= 98 && u2 - u1 <= 110"
relation "free: 100 MiB touched leaves free" "f1 - f2 >= 98 && f1 - f2 <= 110"
relation "free: the total stays" "t0 == t1 && t1 == t2"
relation "free: private memory is not shared" "s2 == s1"
check "vmstat prints its header" "^vmstat +r +b +swpd +free +buff +cache +si +so +bi +bo +in +cs +us +sy +id +wa +st$"
n=$(echo "$out" | grep -cE '^vmstat( +[0-9]+){17}$')
relation "vmstat prints two rows of 17 numbers" "n == 2"
check "top shows the sandbox's memory" "^top MiB Mem : +$t2\.[0-9] total"
check "ps -o on a pty prints its header" "^ps +PID TT +RSS +VSZ +SZ STAT CMD$"
check "ps -o shows its own tty" "^ps +[0-9]+ pts/[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ Rs\+ +ps -o pid,tty"
exit $fail
