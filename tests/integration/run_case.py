#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Integration test runner: runs one real program natively and in `cvisor do` (on the platform
CVISOR_PLATFORM names, else the default one),
then compares stdout and the exit status byte for byte.

    run_case.py CASE [CVISOR]     run one case (CVISOR: path of the cvisor binary, or "native")
    run_case.py --list            print the case names, one a line (meson reads this)
    run_case.py --all [CVISOR]    run every case, print a summary

The environment variable CVISOR=native overrides the binary: both legs then run natively (the
sandbox flags --cwd, --root and --strace are emulated with cwd=, chroot and strace(1)). That mode
proves each case against Linux itself; a case must pass there before a failure in the sandbox
means anything. Exit status: 0 pass, 1 fail, 77 skip (meson's convention).

Cases avoid what legitimately differs between two runs (pids, times, inode numbers, most of
/proc). Where the kernel leaves an order unspecified (readdir order seen by find, grep -r and
tar) the script sorts it. Nothing is compared loosely.
"""

import difflib
import fcntl
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BB = "/bin/busybox"
BASH = "/bin/bash"
PY = "/usr/bin/python3"
LEG_TIMEOUT = 150  # seconds per leg; meson's own timeout for a case is 180
SKIP = 77

# The environment both legs get: small and fixed, so nothing of the caller leaks into outputs.
BASE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LC_ALL": "C",
    "LANG": "C",
    "HOME": "/",
    "TZ": "UTC",
}


def sh(script):
    return [BB, "sh", "-c", script]


def bash(script):
    return [BASH, "-c", script]


# ---------------------------------------------------------------------------------------------
# The cases. Each is a dict:
#   argv          the command (run natively, and after `cvisor do [--platform=P] --`)
#   stdin         bytes for stdin (default: empty, /dev/null)
#   env           extra environment variables
#   status        the exit status the native run must have (default 0): proves the case itself
#   stdout        if given, the exact stdout the native run must produce
#   flags         extra cvisor flags: ("--cwd", DIR) is emulated natively by cwd=
#   setup         function(tmpdir) -> dict of substitutions "{key}" into argv and flags
#   check         function(result) -> error string or None, for cases that are not a comparison
# ---------------------------------------------------------------------------------------------

CASES = {}


def case(name, argv, **kw):
    assert name not in CASES, name
    CASES[name] = dict(argv=argv, **kw)


# --- busybox-static: single applets -----------------------------------------------------------

case("bb-echo", [BB, "echo", "hello,", "world", "-", "\u00e9t\u00e9"],
     stdout="hello, world - \u00e9t\u00e9\n".encode())
case("bb-cat-os-release", [BB, "cat", "/etc/os-release"])
case("bb-wc", [BB, "wc", "/etc/os-release", "/usr/share/doc/busybox-static/copyright"])
case("bb-sort-uniq", sh(
    "cat /etc/os-release /etc/os-release /usr/share/doc/busybox-static/copyright"
    " | cut -d= -f1 | sort | uniq -c | sort -k1,1nr -k2"))
case("bb-head-tail", sh(
    "head -n 3 /etc/os-release; tail -n 2 /etc/os-release; seq 100 | tail -n +95 | head -n 3;"
    " head -c 17 /usr/share/doc/busybox-static/copyright; echo"))
case("bb-sed", sh(
    "sed -e 's/=/ := /' -e '/^ID/d' /etc/os-release;"
    " sed -n '2,4p' /usr/share/doc/busybox-static/copyright;"
    " printf 'a b c\\nd e f\\n' | sed -E 's/([a-z]) ([a-z])/\\2\\1/g'"))
case("bb-awk", sh(
    "awk -F= '{ n[$1] = length($2) } END { for (k in n) print k, n[k] }' /etc/os-release | sort;"
    " seq 1 100 | awk '{ s += $1; q += $1 * $1 } END { printf \"%d %d %.3f\\n\", s, q, s / NR }';"
    " awk 'BEGIN { x = sprintf(\"%05.1f|%-4s|%x\", 3.14159, \"ab\", 255); print x, toupper(\"q\") }'"))
case("bb-tr-cut", sh(
    "echo 'Hello World' | tr a-z A-Z; echo 'Hello World' | tr -d lo; echo 'aaabbb' | tr -s ab;"
    " echo 'abcdefghij' | cut -c1-5,8; cut -d: -f1,7 /etc/passwd | head -n 5"))
case("bb-expr-seq", sh(
    "expr 6 \\* 7; expr length abcdef; expr 17 % 5; expr abc \\< abd; seq 5; seq 10 -3 1;"
    " seq -s, 1 5; expr 1 = 2; echo \"expr status $?\""))
case("bb-ls-la", [BB, "ls", "-la", "/usr/share/doc/busybox-static"])
case("bb-find", sh("find /usr/share/doc/busybox-static | sort;"
                   " find /usr/share/doc/busybox-static -type f -name '*.conf' | sort"))
case("bb-grep-r", sh(
    "grep -r -n -i dhcp /usr/share/doc/busybox-static/examples | sort | head -n 40;"
    " grep -r -l -i interface /usr/share/doc/busybox-static | sort;"
    " grep -c -v '^$' /usr/share/doc/busybox-static/copyright"))
case("bb-md5-sha256", sh(
    "md5sum /etc/os-release /bin/busybox; sha256sum /bin/busybox /usr/share/doc/busybox-static/copyright"))
case("bb-tar", sh(r"""
d=$(mktemp -d) || exit 1
mkdir -p "$d/src/sub/deeper" "$d/out"
seq 1 5000 > "$d/src/numbers"
cp /etc/os-release "$d/src/sub/os-release"
echo deep > "$d/src/sub/deeper/file"
cd "$d" || exit 1
tar -cf t.tar src || exit 1
tar -tf t.tar | sort
tar -xf t.tar -C out || exit 1
(cd src && find . -type f | sort | xargs md5sum)
(cd out/src && find . -type f | sort | xargs md5sum)
cd / && rm -rf "$d"
echo removed: $([ -e "$d" ] && echo no || echo yes)
"""))
case("bb-gzip", sh(r"""
d=$(mktemp -d) || exit 1
seq 1 20000 | gzip -c | gunzip -c | md5sum
seq 1 20000 | md5sum
gzip -c /etc/os-release > "$d/os.gz"
gunzip -c "$d/os.gz" | cmp - /etc/os-release && echo round trip ok
gzip -t "$d/os.gz" && echo gzip -t ok
rm -rf "$d"
"""))

# --- busybox-static: shell scripts ------------------------------------------------------------

case("bb-sh-pipes-redirects", sh(r"""
d=$(mktemp -d) || exit 1
echo one > "$d/f"; echo two >> "$d/f"; cat < "$d/f" | wc -l
(echo sub1; echo sub2) | sort -r
x=$(echo inner $(echo nested)); echo "x=$x"
cat <<EOF > "$d/h"
here $x
	tab kept
EOF
cat "$d/h"
cat <<'EOF'
literal $x
EOF
ls /nonexistent 2> "$d/err"; echo "ls status $?"; wc -l < "$d/err"
{ echo to-stderr >&2; } 2>&1 | tr a-z A-Z
echo a b c | { read p q r; echo "$r$q$p"; }
rm -rf "$d"
"""))
case("bb-sh-jobs-wait", sh(r"""
(sleep 0.3; exit 3) & p1=$!
(exit 5) & p2=$!
sh -c 'exit 7' & p3=$!
wait $p1; echo "p1 status $?"
wait $p2; echo "p2 status $?"
wait $p3; echo "p3 status $?"
sleep 0.1 & sleep 0.2 &
wait; echo "wait all $?"
"""))
case("bb-sh-traps", sh(r"""
trap 'echo got USR1' USR1
trap 'echo exit trap' EXIT
kill -USR1 $$
echo after kill
sh -c 'trap "echo sub got TERM; exit 9" TERM; kill -TERM $$; echo not reached'; echo "sub status $?"
sh -c 'kill -INT $$'; echo "sh killed by INT status $?"
exit 4
"""), status=4)
case("bb-sh-loops-read", sh(r"""
for i in 1 2 3; do printf '%s.' "$i"; done; echo
i=0; while [ $i -lt 5 ]; do i=$((i + 1)); done; echo "i=$i"
n=0; until [ $n -ge 3 ]; do n=$((n + 1)); done; echo "n=$n"
seq 1 4 | while read v; do echo "read $v"; done
printf 'k1 v1\nk2 v2\n' | while read k v; do echo "$v=$k"; done
case foo.tar.gz in *.gz) echo gz;; *) echo other;; esac
"""))
case("bb-sh-exec-ulimit-cd", sh(r"""
d=$(mktemp -d) || exit 1
exec 3> "$d/fd3"
echo via fd3 >&3
exec 3>&-
cat "$d/fd3"
exec 4< /etc/os-release
read first <&4; echo "first=$first"
exec 4<&-
ulimit -n 256; ulimit -n
ulimit -S -n 128; ulimit -S -n
cd /tmp && pwd
cd "$d" && touch a b && ls
cd / && rm -rf "$d"
"""))

# --- Debian's dynamic bash and coreutils -----------------------------------------------------

case("bash-arrays-arith", bash(r"""
a=(zero one two three); a+=(four)
echo "${#a[@]} ${a[2]} ${a[@]:1:2} ${!a[@]}"
declare -A m=([x]=1 [y]=2); m[z]=3
for k in $(printf '%s\n' "${!m[@]}" | sort); do echo "$k=${m[$k]}"; done
echo $(( (7 + 5) * 3 % 10 )) $(( 2 ** 20 )) $(( -17 / 5 )) $(( 0x1f | 0100 ))
s="Hello, cvisor"; echo "${s,,} ${s^^} ${s/cvisor/world} ${s:7} ${#s}"
printf '%05d|%-6s|%x\n' 42 ab 255
"""))
case("bash-procsubst-mapfile", bash(r"""
mapfile -t lines < <(seq 5 -1 1)
echo "${#lines[@]}: ${lines[*]}"
diff <(seq 3) <(printf '1\n2\n3\n') && echo same
paste -d: <(seq 3) <(seq 4 6)
while read -r a b; do echo "$b $a"; done < <(printf 'x 1\ny 2\n')
readarray -t -s 1 -n 2 part < /etc/os-release; printf '%s\n' "${part[@]}"
"""))
case("bash-set-e-wait-n", bash(r"""
set +m
( set -e; false; echo not reached ); echo "set -e subshell status $?"
( set -e; false || true; echo continues ); echo "status $?"
( set -o pipefail; false | true ); echo "pipefail status $?"
d=$(mktemp -d) || exit 1
# bash 5.2 may drop a job that ends before `wait -n` starts and then wait for ever (seen
# natively, about 1 run in 20 under load), so the job that must win ends 2 s after it starts,
# long after `wait -n` is waiting; the other waits on a fifo and is reaped by pid.
mkfifo "$d/go"
( read -r _ < "$d/go"; exit 8 ) & pb=$!
( sleep 2; exit 7 ) & pa=$!
wait -n $pa $pb; echo "first $?"
echo go > "$d/go"; wait $pb; echo "second $?"
wait $pa; echo "pa again $?"
wait -n; echo "none left $?"
rm -rf "$d"
"""))
case("bash-traps-signals", bash(r"""
ulimit -c 0
sleep 30 & p=$!; kill -TERM $p; wait $p; echo "sleep killed status $?"
bash -c 'kill -SEGV $$'; echo "bash SEGV status $?"
# The traps come after the background job, which must not inherit them (that would race).
trap 'echo got USR1' USR1
trap 'echo exit trap' EXIT
kill -USR1 $$; echo after kill
exit 6
"""), status=6)
case("bash-ls-etc-apt", ["/bin/ls", "-la", "/etc/apt"])
case("bash-sort-n", bash(r"""
printf '%s\n' 10 9 100 1 -5 3.5 0 | sort -n
printf 'b 3\na 10\nc 2\n' | sort -k2,2n
printf 'x\ny\nx\n' | sort -u
seq 1 1000 | sort -nr | head -n 3
"""))
case("bash-find-gz", bash(
    "find /usr/share/doc/bash -name '*.gz' | sort; find /usr/share/doc/bash -type f | wc -l"))
case("bash-grep-c", bash(
    "grep -c bash /usr/share/doc/bash/RBASH; grep -c -i -E 'restricted|shell' /usr/share/doc/bash/RBASH;"
    " zcat /usr/share/doc/bash/NEWS.gz | grep -c '^[a-z][a-z]*\\.'; grep -q nosuchword /etc/os-release;"
    " echo \"grep -q miss status $?\""))
case("bash-env", bash("env | grep ^CVTEST= ; echo \"${CVTEST_OTHER:-unset}\""),
     env={"CVTEST": "from the test, with spaces = and \u00e9"},
     stdout="CVTEST=from the test, with spaces = and \u00e9\nunset\n".encode())
case("bash-proc-self-status", bash(
    "cat /proc/self/status | grep -c ^Pid:; grep -c ^PPid: /proc/self/status;"
    " [ \"$(readlink /proc/self/exe)\" = /usr/bin/readlink ] && echo exe ok"))
case("bash-pipes-subshells", bash(r"""
d=$(mktemp -d) || exit 1
{ echo b; echo a; echo c; } | sort | tee "$d/sorted" | wc -l
cat "$d/sorted"
x=$( (echo sub; exit 3) ); echo "x=$x status $?"
exec 5>"$d/five"; echo into five >&5; exec 5>&-; cat "$d/five"
cat <<-EOF
	indented heredoc $((1 + 1))
	EOF
cd /tmp && pwd; cd / && rm -rf "$d"
"""))

# coreutils timeout arms a POSIX timer (timer_create + timer_settime on CLOCK_REALTIME): the
# child is killed after about 1 s and timeout exits 124.
case("coreutils-timeout", bash(r"""
s=$(date +%s%N); timeout 1 sleep 5; st=$?; e=$(date +%s%N)
ms=$(( (e - s) / 1000000 )); echo "status $st"
if [ "$ms" -ge 950 ] && [ "$ms" -lt 4000 ]; then echo "about 1 s"; else echo "took $ms ms"; fi
"""), stdout=b"status 124\nabout 1 s\n")

# --- python3 ---------------------------------------------------------------------------------

# Development tools writing in /tmp (the sandbox's tmpfs): a compiler and make.
case("gcc-compile-run", bash(r"""
d=$(mktemp -d /tmp/cc.XXXXXX); cd "$d"
printf '#include <stdio.h>\nint main(int argc, char **argv) { printf("hello %%d\\n", argc); return 3; }\n' > hello.c
gcc -O2 -Wall -o hello hello.c && ./hello a b; echo "status $?"
gcc -O0 -g -c hello.c -o hello.o && ls hello.o
cd / && rm -rf "$d"
"""))
case("make-project", bash(r"""
d=$(mktemp -d /tmp/mk.XXXXXX); cd "$d"
printf 'int add(int a, int b) { return a + b; }\n' > add.c
printf 'int add(int, int);\n#include <stdio.h>\nint main(void) { printf("%%d\\n", add(40, 2)); return 0; }\n' > main.c
printf 'app: main.o add.o\n\t$(CC) -o $@ $^\n%%.o: %%.c\n\t$(CC) -O2 -c $<\nclean:\n\trm -f app *.o\n' > Makefile
make -s && ./app && make -s -q app; echo "up to date $?"
sleep 1; touch add.c && make -s && ./app
make -s clean && ls
cd / && rm -rf "$d"
"""))
case("py-workload", [PY, os.path.join(HERE, "py_workload.py")])
# CPython's test_forkinthread: a read blocked while another thread forks (memory under I/O).
case("py-fork-in-thread", [PY, os.path.join(HERE, "py_fork_in_thread.py")],
     stdout=b"fork in thread: 20 of 20 rounds read b'OK'\n")

# --- exit status, signals, stdin, flags ------------------------------------------------------

case("status-exit-42", ["/bin/sh", "-c", "exit 42"], status=42, stdout=b"")
case("status-exit-42-static", [BB, "sh", "-c", "exit 42"], status=42, stdout=b"")
case("status-sigterm", ["/bin/sh", "-c", "kill -TERM $$"], status=143, stdout=b"")
case("status-sigkill-static", [BB, "sh", "-c", "echo before; kill -KILL $$; echo after"],
     status=137, stdout=b"before\n")
case("status-false", ["/bin/false"], status=1, stdout=b"")
case("stdin-cat", ["/bin/cat"], stdin=b"abc\n", stdout=b"abc\n")
case("stdin-static-large", sh("cat | md5sum; echo done"),
     stdin=b"".join(b"%08d\n" % i for i in range(60000)))
case("cwd-usr-share", sh("pwd; /bin/pwd; ls -d doc"), flags=["--cwd", "/usr/share"],
     stdout=b"/usr/share\n/usr/share\ndoc\n")


def setup_root(tmp):
    """A tiny root: a static busybox, a marker file, and the mount points cvisor may use."""
    root = os.path.join(tmp, "root")
    for d in ("tmp", "dev", "dev/shm", "proc", "sys"):
        os.makedirs(os.path.join(root, d))
    shutil.copy2(BB, os.path.join(root, "busybox"))
    with open(os.path.join(root, "hello.txt"), "w", encoding="ascii") as f:
        f.write("hello from the tiny root\n")
    return {"root": root}


case("root-busybox-ls", ["/busybox", "ls", "/"], flags=["--root", "{root}"], setup=setup_root,
     stdout=b"busybox\ndev\nhello.txt\nproc\nsys\ntmp\n")
case("root-busybox-sh", ["/busybox", "sh", "-c",
                         "/busybox cat /hello.txt; echo written > /tmp/w && /busybox cat /tmp/w;"
                         " [ -e /etc/os-release ] && echo LEAK || echo host root invisible;"
                         " /busybox ls /bin 2>/dev/null; echo \"ls /bin status $?\""],
     flags=["--root", "{root}"], setup=setup_root,
     stdout=b"hello from the tiny root\nwritten\nhost root invisible\nls /bin status 1\n")


def check_strace(res, where):
    """The syscall trace must name syscalls that /bin/true certainly makes."""
    text = res[where].decode(errors="replace")
    if res["status"] != 0:
        return "exit status %r, want 0" % res["status"]
    if res["stdout"]:
        return "trace leaked into the guest's stdout: %r" % res["stdout"][:200]
    missing = [n for n in ("exit_group",) if n not in text]
    if not any(n in text for n in ("execve", "brk", "mmap", "openat", "arch_prctl")):
        missing.append("one of execve/brk/mmap/openat/arch_prctl")
    if missing:
        return "%s lacks %s; it was:\n%s" % (where, ", ".join(missing), text[-3000:])
    return None


case("strace-true", ["/bin/true"], flags=["--strace"],
     check=lambda res: check_strace(res, "stderr"))
case("strace-log-fd", ["/bin/true"], flags=["--strace", "--log-fd", "3"],
     check=lambda res: check_strace(res, "log"))
case("debug-true-quiet-stdout", ["/bin/echo", "only this"], flags=["--debug"],
     stdout=b"only this\n")


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------

def exit_status(rc, sandbox_leg):
    """Shell convention: death by signal N is 128+N. If cvisor itself dies by a signal, that is
    a crash of the runtime, never a propagated status, so it stays distinct."""
    if rc >= 0:
        return rc
    if sandbox_leg:
        return "cvisor killed by signal %d (%s)" % (-rc, signal.Signals(-rc).name)
    return 128 - rc


def subst(items, values):
    """Replaces "{key}" placeholders from a case's setup(); scripts' own braces are untouched."""
    out = []
    for x in items:
        for k, v in values.items():
            x = x.replace("{%s}" % k, v)
        out.append(x)
    return out


def visible_in_sandbox(arg):
    """The sandbox has its own /tmp and /dev/shm: a file of the test tree there (a checkout
    under /tmp) is handed to the sandbox as a copy it can see (tests/lib/sandbox_path.sh)."""
    real = os.path.realpath(arg) if os.path.isabs(arg) else arg
    if os.path.isfile(real) and real.startswith(("/tmp/", "/dev/shm/")):
        helper = os.path.join(HERE, "..", "lib", "sandbox_path.sh")
        return subprocess.run([helper, real], check=True, capture_output=True,
                              text=True).stdout.strip()
    return arg


def run_leg(c, cvisor, sandbox_leg, values, tmp):
    """Runs the case once. The native leg runs argv directly; the sandbox leg runs it through
    cvisor, or, in native mode, emulates cvisor's flags."""
    argv = subst(c["argv"], values)
    flags = subst(c.get("flags", []), values)
    env = dict(BASE_ENV)
    env.update(c.get("env", {}))
    cwd = "/"
    preexec = None
    pass_fds = ()
    log_path = os.path.join(tmp, "log-%s" % ("sandbox" if sandbox_leg else "native"))
    log_fd = None

    if sandbox_leg and cvisor != "native":
        if "--root" not in flags:
            argv = [visible_in_sandbox(a) for a in argv]
        platform = os.environ.get("CVISOR_PLATFORM")
        cmd = [cvisor, "do"] + (["--platform=" + platform] if platform else []) + flags + ["--"] + argv
    else:
        # Emulate the flags natively: the reference for what the sandbox must produce.
        cmd = list(argv)
        it = iter(flags)
        for f in it:
            if f == "--cwd":
                cwd = next(it)
            elif f == "--root":
                root = next(it)
                if os.geteuid() == 0:
                    def preexec(root=root):
                        os.chroot(root)
                        os.chdir("/")
                else:
                    if not shutil.which("unshare"):
                        return None
                    cmd = ["unshare", "--map-root-user", "chroot", root] + cmd
            elif f == "--strace":
                if not shutil.which("strace"):
                    return None
                cmd = ["strace", "-f", "-qq"] + cmd
            elif f == "--log-fd":
                fdn = int(next(it))
                # strace(1) stands in for the trace: send it to that descriptor.
                if cmd[0] == "strace":
                    cmd[1:1] = ["-o", "/dev/fd/%d" % fdn]
            elif f == "--debug":
                pass
            else:
                raise SystemExit("run_case: cannot emulate flag %s natively" % f)
    if "--log-fd" in flags:
        # The child gets the log file as descriptor N; the runner's own N is left alone.
        fdn = int(flags[flags.index("--log-fd") + 1])
        tmp_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        log_fd = fcntl.fcntl(tmp_fd, fcntl.F_DUPFD_CLOEXEC, 100)  # never equal to N
        os.close(tmp_fd)
        pass_fds = (fdn,)
        inner = preexec

        def preexec(inner=inner, src=log_fd, dst=fdn):
            os.dup2(src, dst)  # the copy is inheritable; src is close-on-exec
            if inner:
                inner()

    try:
        p = subprocess.run(cmd, input=c.get("stdin"),
                           stdin=None if "stdin" in c else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                           preexec_fn=preexec, pass_fds=pass_fds, timeout=LEG_TIMEOUT,
                           check=False)
        status = exit_status(p.returncode, sandbox_leg and cvisor != "native")
        out, err = p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        status = "timed out after %d s" % LEG_TIMEOUT
        out, err = e.stdout or b"", e.stderr or b""
    finally:
        if log_fd is not None:
            os.close(log_fd)
    log = b""
    if os.path.exists(log_path):
        with open(log_path, "rb") as f:
            log = f.read()
    return {"cmd": cmd, "status": status, "stdout": out, "stderr": err, "log": log}


def one_line(cmd, limit=160):
    text = shlex.join(cmd).replace("\n", "; ")
    return text if len(text) <= limit else text[:limit] + " ..."


def show(label, data, limit=4000):
    text = data.decode(errors="replace")
    if len(text) > limit:
        text = "...\n" + text[-limit:]
    print("--- %s (%d bytes) ---\n%s" % (label, len(data), text), end="" if text.endswith("\n") else "\n")


def run_case(name, cvisor):
    c = CASES[name]
    with tempfile.TemporaryDirectory(prefix="cvisor-it-") as tmp:
        values = c["setup"](tmp) if "setup" in c else {}
        print("case %s (%s)" % (name, "native mode" if cvisor == "native" else cvisor))
        errors = []
        if "check" not in c:
            nat = run_leg(c, cvisor, False, values, tmp)
            if nat is None:
                print("SKIP: cannot emulate the flags natively here")
                return SKIP
            print("native:  %s -> %s" % (one_line(nat["cmd"]), nat["status"]))
            want_status = c.get("status", 0)
            if nat["status"] != want_status:
                errors.append("native run exited %r, the case expects %r (the test is wrong)"
                              % (nat["status"], want_status))
            if "stdout" in c and nat["stdout"] != c["stdout"]:
                errors.append("native stdout differs from the case's expected stdout (the test is wrong)")
                show("expected", c["stdout"])
                show("native stdout", nat["stdout"])
        sbx = run_leg(c, cvisor, True, values, tmp)
        if sbx is None:
            print("SKIP: cannot emulate the flags natively here")
            return SKIP
        print("sandbox: %s -> %s" % (one_line(sbx["cmd"]), sbx["status"]))
        if "check" in c:
            err = c["check"](sbx)
            if err:
                errors.append(err)
        else:
            if sbx["status"] != nat["status"]:
                errors.append("exit status: native %r, sandbox %r" % (nat["status"], sbx["status"]))
            if sbx["stdout"] != nat["stdout"]:
                a = nat["stdout"].decode(errors="replace").splitlines(keepends=True)
                b = sbx["stdout"].decode(errors="replace").splitlines(keepends=True)
                diff = "".join(difflib.unified_diff(a, b, "native", "sandbox"))
                errors.append("stdout differs:\n" + (diff[:6000] or "(only in bytes not shown)"))
        if errors:
            for e in errors:
                print("FAIL: " + e)
            if "check" not in c:
                show("native stderr", nat["stderr"], 1500)
            show("sandbox stderr", sbx["stderr"], 3000)
            return 1
        if os.environ.get("RUN_CASE_VERBOSE"):
            show("stdout", sbx["stdout"])
        print("PASS (%d bytes of stdout compared)" % len(sbx["stdout"]))
        return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "--list":
        print("\n".join(CASES))
        return 0
    if len(argv) < 2:
        print(__doc__)
        return 2
    cvisor = argv[2] if len(argv) > 2 else os.environ.get("CVISOR", "")
    if os.environ.get("CVISOR") == "native":
        cvisor = "native"
    if not cvisor:
        print("run_case: give the cvisor binary as the second argument, or CVISOR=native")
        return 2
    if cvisor != "native" and not os.access(cvisor, os.X_OK):
        print("run_case: %s is not an executable" % cvisor)
        return 1
    if argv[1] == "--all":
        results = {name: run_case(name, cvisor) for name in CASES}
        failed = [n for n, r in results.items() if r not in (0, SKIP)]
        skipped = [n for n, r in results.items() if r == SKIP]
        print("%d passed, %d failed, %d skipped%s" % (
            len(results) - len(failed) - len(skipped), len(failed), len(skipped),
            (": " + " ".join(failed)) if failed else ""))
        return 1 if failed else 0
    name = argv[1]
    if name not in CASES:
        print("run_case: no case %r (see --list)" % name)
        return 2
    for tool, path in (("busybox-static", BB), ("bash", BASH), ("python3", PY)):
        if name.startswith({"busybox-static": "bb-", "bash": "bash-", "python3": "py-"}[tool]) \
                and not os.access(path, os.X_OK):
            print("SKIP: %s is not installed (%s)" % (tool, path))
            return SKIP
    return run_case(name, cvisor)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
