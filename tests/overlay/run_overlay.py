#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Overlay root and volume tests: run `cvisor do` on a scratch root made of a static busybox
and a few files, then check from the host what the sandbox may and may not have changed.
Usage: run_overlay.py --list | run_overlay.py CASE CVISOR"""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BB = "/bin/busybox"
CASES = {}


def case(fn):
    CASES[fn.__name__.replace("_", "-")] = fn
    return fn


def make_root(tmp):
    """The lower layer: busybox, /etc with files, /var/lib/dir with a tree, mount points."""
    root = os.path.join(tmp, "root")
    for d in ("tmp", "dev", "proc", "sys", "etc", "var/lib/dir/sub", "mnt", "bin"):
        os.makedirs(os.path.join(root, d))
    shutil.copy2(BB, os.path.join(root, "bin", "busybox"))
    for name in ("sh", "ls", "cat", "stat", "rm", "mkdir", "mv", "ln", "chmod", "touch", "echo",
                 "rmdir", "readlink", "head", "sort", "wc", "find", "dd", "sync", "truncate"):
        os.symlink("busybox", os.path.join(root, "bin", name))
    files = {
        "etc/hostname": "lower-host\n",
        "etc/passwd": "root:x:0:0::/root:/bin/sh\n",
        "etc/mode640": "secret\n",
        "var/lib/dir/a": "A\n",
        "var/lib/dir/b": "B\n",
        "var/lib/dir/sub/c": "C\n",
    }
    for rel, text in files.items():
        with open(os.path.join(root, rel), "w", encoding="ascii") as f:
            f.write(text)
    os.chmod(os.path.join(root, "etc/mode640"), 0o640)
    os.utime(os.path.join(root, "etc/mode640"), (1000000000, 1000000000))
    os.symlink("hostname", os.path.join(root, "etc/link"))
    return root


def snapshot(root):
    """Every path under @root with its type, mode, size, mtime and content hash."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            h = ""
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    h = hashlib.sha256(f.read()).hexdigest()
            out[os.path.relpath(p, root)] = (st.st_mode, st.st_size, st.st_mtime_ns, h,
                                             os.readlink(p) if os.path.islink(p) else "")
    return out


def cvisor_do(cvisor, flags, script, timeout=60):
    argv = [cvisor, "do"] + flags + ["--cwd", "/", "--", "/bin/sh", "-c", script]
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def expect(cond, what, out=""):
    if not cond:
        print("FAIL: " + what)
        if out:
            print("---- output ----\n" + out)
        sys.exit(1)
    print("ok: " + what)


def lines(out):
    return out.strip().split("\n") if out.strip() else []


# The script run inside the sandbox for the overlay semantics; prints one line per check.
OVERLAY_SCRIPT = r"""
set -u
check() { if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: got [$2] want [$3]"; fi; }
# copy-up: modify a lower file; mode, owner, mtime survive a data-less change, st_ino is stable
ino0=$(stat -c %i /etc/mode640)
check mode-before "$(stat -c %a /etc/mode640)" 640
chmod 600 /etc/mode640
check mode-after "$(stat -c '%a %Y' /etc/mode640)" "600 1000000000"
check ino-stable "$(stat -c %i /etc/mode640)" "$ino0"
check data-kept "$(cat /etc/mode640)" secret
echo more >> /etc/hostname
check append "$(cat /etc/hostname | wc -l)" 2
check append-data "$(head -n 1 /etc/hostname)" lower-host
echo new > /etc/newfile
check create "$(cat /etc/newfile)" new
# symlink copy-up keeps the target
touch -h /etc/link 2>/dev/null; check link "$(readlink /etc/link)" hostname
# whiteout: a deleted lower file stays deleted, and is not listed
rm /var/lib/dir/a
check whiteout "$(ls /var/lib/dir | sort | tr '\n' ' ')" "b sub "
[ -e /var/lib/dir/a ] && echo "FAIL whiteout-stat" || echo "PASS whiteout-stat"
echo again > /var/lib/dir/a
check recreate "$(cat /var/lib/dir/a)" again
# readdir merges the layers without duplicates
touch /var/lib/dir/z /var/lib/dir/b
check merge "$(ls -a /var/lib/dir | sort | tr '\n' ' ')" ". .. a b sub z "
# rmdir of a non-empty lower dir fails; after emptying it, rmdir + mkdir is opaque
rmdir /var/lib/dir/sub 2>/dev/null && echo "FAIL rmdir-nonempty" || echo "PASS rmdir-nonempty"
rm /var/lib/dir/sub/c && rmdir /var/lib/dir/sub && mkdir /var/lib/dir/sub
check opaque "$(ls -a /var/lib/dir/sub | tr '\n' ' ')" ". .. "
# rename across layers: a lower file and a lower directory
mv /var/lib/dir/b /etc/b-moved
check rename-file "$(cat /etc/b-moved)" B
mv /var/lib/dir /var/lib/moved
check rename-dir "$(ls /var/lib/moved | sort | tr '\n' ' ')" "a sub z "
check rename-dir-old "$([ -e /var/lib/dir ] && echo yes || echo no)" no
# hard links and unlink of an open file
ln /etc/passwd /etc/passwd2
check link-count "$(stat -c %h /etc/passwd)" 2
rm -r /var/lib/moved
check rm-r "$([ -e /var/lib/moved ] && echo yes || echo no)" no
mkdir -p /var/new/deep && echo x > /var/new/deep/f
check mkdir-p "$(cat /var/new/deep/f)" x
echo done
"""


@case
def overlay_semantics(cvisor, tmp):
    root = make_root(tmp)
    before = snapshot(root)
    rc, out, err = cvisor_do(cvisor, ["--root", root], OVERLAY_SCRIPT)
    fails = [l for l in lines(out) if l.startswith("FAIL")]
    expect(rc == 0 and out.rstrip().endswith("done"), "script ran (rc %d)" % rc, out + err)
    expect(not fails, "overlay checks inside the sandbox", out)
    expect(sum(1 for l in lines(out) if l.startswith("PASS")) == 20, "all checks reported", out)
    expect(snapshot(root) == before, "the host root is unchanged")


@case
def overlay_host_root(cvisor, tmp):
    """The default `do` on the host's / : writes to /etc and /var stay in the sandbox."""
    marker = "cvisor-overlay-%d" % os.getpid()
    script = ("echo x > /etc/%s && echo y > /var/%s && cat /etc/%s /var/%s && "
              "rm /etc/hostname && [ ! -e /etc/hostname ] && echo gone" % ((marker,) * 4))
    host_hostname = open("/etc/hostname", "rb").read() if os.path.exists("/etc/hostname") else None
    rc, out, err = cvisor_do(cvisor, [], script)
    expect(rc == 0 and lines(out) == ["x", "y", "gone"], "writes in the sandbox", out + err)
    expect(not os.path.exists("/etc/" + marker) and not os.path.exists("/var/" + marker),
           "no file reached the host")
    if host_hostname is not None:
        expect(open("/etc/hostname", "rb").read() == host_hostname, "/etc/hostname intact")


@case
def overlay_fchmod_rdonly(cvisor, tmp):
    """A lower file opened read-only is still the overlay's file for fchmod and fstat."""
    py = ("import os; fd = os.open('/etc/passwd', os.O_RDONLY); os.fchmod(fd, 0o600); "
          "print(oct(os.fstat(fd).st_mode & 0o777), oct(os.stat('/etc/passwd').st_mode & 0o777),"
          " os.read(fd, 5).decode())")
    before = os.stat("/etc/passwd").st_mode
    rc, out, err = cvisor_do(cvisor, [], shutil.which("python3") + ' -c "%s"' % py)
    expect(rc == 0 and lines(out) == ["0o600 0o600 root:"], "fchmod of a read-only fd", out + err)
    expect(os.stat("/etc/passwd").st_mode == before, "the host file kept its mode")


# Descriptors opened read-only before a copy-up follow it (Linux >= 4.19): fd 3 is opened
# before a write truncates the file, fd 4 before a chmod (metadata copy-up) and an append.
RDONLY_FD_SCRIPT = r"""
set -u
check() { if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: got [$2] want [$3]"; fi; }
exec 3< /etc/hostname
echo upper > /etc/hostname
check read-after-write "$(cat <&3)" upper
exec 4< /etc/passwd
chmod 600 /etc/passwd
check read-after-chmod "$(cat <&4)" "root:x:0:0::/root:/bin/sh"
echo extra >> /etc/passwd
exec 4<&-
exec 4< /var/lib/dir/a
rm /var/lib/dir/b
echo new > /var/lib/dir/b
echo B2 >> /var/lib/dir/a
check read-after-append "$(cat <&4)" "A
B2"
check new-name "$(cat /var/lib/dir/b)" new
echo done
"""


@case
def overlay_rdonly_fd_follows_copy_up(cvisor, tmp):
    root = make_root(tmp)
    before = snapshot(root)
    rc, out, err = cvisor_do(cvisor, ["--root", root], RDONLY_FD_SCRIPT)
    fails = [l for l in lines(out) if l.startswith("FAIL")]
    expect(rc == 0 and out.rstrip().endswith("done"), "script ran (rc %d)" % rc, out + err)
    expect(not fails, "read-only descriptors follow the copy-up", out)
    expect(sum(1 for l in lines(out) if l.startswith("PASS")) == 4, "all checks reported", out)
    expect(snapshot(root) == before, "the host root is unchanged")


# The same through python3 on the host root, for what a shell cannot do: pread, lseek
# (SEEK_END, SEEK_DATA), fstat, mmap, fsetxattr and ftruncate of a read-only descriptor, and
# getdents of a directory descriptor opened before names were added and removed.
RDONLY_FD_PY = r"""
import errno, mmap, os, sys
d = sys.argv[1]
res = {}
data = os.path.join(d, "data")
r = os.open(data, os.O_RDONLY)
size = os.fstat(r).st_size
ino = os.fstat(r).st_ino
w = os.open(data, os.O_WRONLY)
os.pwrite(w, b"UPPER", 0)
res["pread"] = os.pread(r, 5, 0) == b"UPPER"
os.ftruncate(w, 1 << 20)
os.pwrite(w, b"X", 512 << 10)
res["seek-end"] = os.lseek(r, 0, os.SEEK_END) == 1 << 20
res["seek-data"] = os.lseek(r, size + 8192, os.SEEK_DATA) == 512 << 10
st = os.fstat(r)
res["fstat"] = st.st_size == 1 << 20 and st.st_ino == ino == os.stat(data).st_ino
m = mmap.mmap(r, 0, mmap.MAP_SHARED, mmap.PROT_READ)
res["mmap"] = m[:5] == b"UPPER" and m[512 << 10] == ord("X")
os.pwrite(w, b"AGAIN", 0)
res["mmap-shared"] = m[:5] == b"AGAIN"
attr = os.path.join(d, "attr")
a = os.open(attr, os.O_RDONLY)
os.setxattr(a, "user.k", b"v")
res["fsetxattr"] = os.getxattr(attr, "user.k") == b"v" and os.read(a, 100) == b"attr\n"
try:
    os.ftruncate(a, 0)
    res["ftruncate-ro"] = False
except OSError as e:
    res["ftruncate-ro"] = e.errno == errno.EINVAL
dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
first = os.listdir(dfd)
open(os.path.join(d, "added"), "w").close()
os.unlink(os.path.join(d, "gone"))
again = os.listdir(dfd)  # rewinds the descriptor
res["getdents"] = "gone" in first and "added" in again and "gone" not in again
for k, v in res.items():
    print(("PASS " if v else "FAIL ") + k)
print("done")
"""


@case
def overlay_rdonly_fd_follows_copy_up_py(cvisor, tmp):
    # Under /var/tmp (not the sandbox's own /tmp), so the sandbox sees it in the lower layer.
    d = tempfile.mkdtemp(prefix="cvisor-rdonly-", dir="/var/tmp")
    try:
        with open(os.path.join(d, "data"), "wb") as f:
            f.write(bytes(range(256)) * 80)  # 20 KiB, several pages
        for name, text in (("attr", "attr\n"), ("gone", "gone\n"), ("script.py", RDONLY_FD_PY)):
            with open(os.path.join(d, name), "w", encoding="ascii") as f:
                f.write(text)
        before = snapshot(d)
        py = shutil.which("python3")
        rc, out, err = cvisor_do(cvisor, [], "%s %s/script.py %s" % (py, d, d))
        fails = [l for l in lines(out) if l.startswith("FAIL")]
        expect(rc == 0 and out.rstrip().endswith("done"), "script ran (rc %d)" % rc, out + err)
        expect(not fails, "read-only descriptors follow the copy-up", out)
        expect(sum(1 for l in lines(out) if l.startswith("PASS")) == 9, "all checks reported",
               out)
        expect(snapshot(d) == before, "the host files are unchanged")
    finally:
        shutil.rmtree(d, ignore_errors=True)


@case
def overlay_find_usr(cvisor, tmp):
    """Walking a whole large tree lists every entry (the gofer must not run out of fds)."""
    host = subprocess.run(["find", "/usr"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    rc, out, err = cvisor_do(cvisor, [], "find /usr | wc -l", timeout=110)
    want = len(host.stdout.splitlines())
    expect(rc == 0 and lines(out) == [str(want)], "find /usr lists %d entries" % want,
           out + err[-2000:])


@case
def overlay_none(cvisor, tmp):
    root = make_root(tmp)
    script = ("echo changed > /etc/hostname && echo new > /etc/created && mkdir /var/d && "
              "rm /var/lib/dir/a && mv /var/lib/dir/b /var/d/b && ln -s created /etc/sl && "
              "chmod 600 /etc/created && cat /etc/hostname")
    rc, out, err = cvisor_do(cvisor, ["--root", root, "--overlay=none"], script)
    expect(rc == 0 and lines(out) == ["changed"], "writes in the sandbox", out + err)
    rd = lambda p: open(os.path.join(root, p), encoding="ascii").read()
    expect(rd("etc/hostname") == "changed\n", "modified file on the host")
    expect(rd("etc/created") == "new\n", "created file on the host")
    expect(os.stat(os.path.join(root, "etc/created")).st_mode & 0o777 == 0o600, "chmod reached")
    expect(os.readlink(os.path.join(root, "etc/sl")) == "created", "symlink on the host")
    expect(not os.path.exists(os.path.join(root, "var/lib/dir/a")), "unlink reached the host")
    expect(rd("var/d/b") == "B\n", "rename reached the host")


@case
def volumes(cvisor, tmp):
    root = make_root(tmp)
    vol = os.path.join(tmp, "vol")
    rovol = os.path.join(tmp, "rovol")
    os.makedirs(vol)
    os.makedirs(rovol)
    with open(os.path.join(rovol, "r"), "w", encoding="ascii") as f:
        f.write("read only\n")
    with open(os.path.join(vol, "old"), "w", encoding="ascii") as f:
        f.write("old\n")
    # The mount point /data does not exist in the root: it is created in the overlay.
    script = ("cat /mnt/v/old && echo hello > /mnt/v/new && mkdir /mnt/v/d && "
              "echo deep > /mnt/v/d/f && mv /mnt/v/old /mnt/v/d/old && ls /mnt/v | sort && "
              "cat /data/r && (echo no > /data/w) 2>/dev/null || echo refused; "
              "rm /data/r 2>/dev/null || echo refused-rm")
    rc, out, err = cvisor_do(cvisor, ["--root", root, "--volume", vol + ":/mnt/v",
                                      "--volume", rovol + ":/data:ro"], script)
    expect(lines(out) == ["old", "d", "new", "read only", "refused", "refused-rm"],
           "volume operations in the sandbox", out + err)
    rd = lambda p: open(os.path.join(vol, p), encoding="ascii").read()
    expect(rd("new") == "hello\n" and rd("d/f") == "deep\n" and rd("d/old") == "old\n",
           "writes reached the host")
    expect(sorted(os.listdir(rovol)) == ["r"], "the read-only volume is unchanged")
    # A change on the host shows in a later walk (positive-only caching, re-stat).
    script = ("cat /mnt/v/new; sleep 1; cat /mnt/v/late 2>/dev/null || echo missing; "
              "sleep 2; cat /mnt/v/late; stat -c %s /mnt/v/new")
    p = subprocess.Popen([cvisor, "do", "--root", root, "--volume", vol + ":/mnt/v", "--cwd", "/",
                          "--", "/bin/sh", "-c", script], stdout=subprocess.PIPE)
    time.sleep(2)
    with open(os.path.join(vol, "late"), "w", encoding="ascii") as f:
        f.write("late\n")
    with open(os.path.join(vol, "new"), "a", encoding="ascii") as f:
        f.write("more\n")
    out = p.communicate(timeout=60)[0].decode()
    got = lines(out)
    expect(got[:1] == ["hello"] and got[-2:] == ["late", "11"],
           "host changes are seen by the sandbox", out)


# The sandbox's half of volume_host_changes: one step per line the host writes on stdin,
# after which it prints its observations as "name=value" and "step N" when done.
SHARED_PY = r"""
import errno, os, sys
V = "/v"
def err(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
def read(p):
    with open(p) as f:
        return f.read().strip()
def out(k, v):
    print("%s=%s" % (k, v), flush=True)
def step(n):
    print("step %d" % n, flush=True)
    if sys.stdin.readline().strip() != "go":
        sys.exit(3)
# 1: look everything up once, so that the cache knows the names (a negative one too).
out("old", read(V + "/old"))
out("ren", err(lambda: os.stat(V + "/ren")))
out("keep", err(lambda: os.stat(V + "/keep")))
out("ro-keep", err(lambda: os.stat("/r/keep")))
out("new", err(lambda: os.stat(V + "/new")))
out("dir", err(lambda: os.listdir(V + "/dir")))
held = open(V + "/old")
os.chdir(V + "/cwdd")
out("ls1", " ".join(sorted(os.listdir(V))))
step(1)
# 2: the host created new (and a hard link to it), removed keep, renamed ren, replaced old,
# made dir with files and removed the working directory.
out("new", read(V + "/new"))
out("new-stat", err(lambda: os.stat(V + "/new")))
out("hl", os.stat(V + "/hl").st_ino == os.stat(V + "/new").st_ino)
out("keep", err(lambda: os.stat(V + "/keep")))
out("keep-open", err(lambda: open(V + "/keep")))
out("ro-keep", err(lambda: os.stat("/r/keep")))
out("ro-new", read("/r/new"))
out("ren", err(lambda: os.stat(V + "/ren")))
out("ren2", read(V + "/ren2"))
out("old", read(V + "/old"))
out("held", held.read().strip())
out("dir", " ".join(sorted(os.listdir(V + "/dir"))))
out("dir-x", read(V + "/dir/x"))
out("getcwd", err(os.getcwd))
os.chdir(V)
out("ls2", " ".join(sorted(os.listdir(V))))
os.rename(V + "/ren2", V + "/ren3")
out("ren3", read(V + "/ren3"))
step(2)
# 3: the host replaced dir by another directory and removed ren3 (renamed in here).
out("dir", " ".join(sorted(os.listdir(V + "/dir"))))
out("dir-x", err(lambda: os.stat(V + "/dir/x")))
out("dir-z", read(V + "/dir/z"))
out("ren3", err(lambda: os.stat(V + "/ren3")))
step(3)
"""


@case
def volume_host_changes(cvisor, tmp):
    """The host and the sandbox take turns in one volume: what the host does, the sandbox sees
    (gVisor's shared file access for bind mounts)."""
    vol = os.path.join(tmp, "vol")
    os.makedirs(os.path.join(vol, "cwdd"))
    put = lambda rel, text: open(os.path.join(vol, rel), "w", encoding="ascii").write(text)
    for rel, text in (("old", "old\n"), ("ren", "ren\n"), ("keep", "keep\n"),
                      ("shared.py", SHARED_PY)):
        put(rel, text)
    py = shutil.which("python3")
    # The same directory read-only at /r: the host may change it all the same.
    p = subprocess.Popen([cvisor, "do", "--volume", vol + ":/v", "--volume", vol + ":/r:ro",
                          "--cwd", "/", "--", py,
                          "/v/shared.py"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    seen = {}

    def until_step(n):
        got = {}
        while True:
            line = p.stdout.readline().decode()
            if not line:
                p.kill()
                expect(False, "sandbox reached step %d" % n, repr(got) + p.stderr.read().decode())
            line = line.strip()
            if line == "step %d" % n:
                seen.update(got)
                return got
            k, _, v = line.partition("=")
            got[k] = v

    def go():
        p.stdin.write(b"go\n")
        p.stdin.flush()

    try:
        got = until_step(1)
        expect(got == {"old": "old", "ren": "ok", "keep": "ok", "ro-keep": "ok", "new": "ENOENT",
                       "dir": "ENOENT", "ls1": "cwdd keep old ren shared.py"},
               "first look-ups", repr(got))
        put("new", "created on the host\n")
        os.link(os.path.join(vol, "new"), os.path.join(vol, "hl"))
        os.unlink(os.path.join(vol, "keep"))
        os.rename(os.path.join(vol, "ren"), os.path.join(vol, "ren2"))
        put("old.tmp", "replaced\n")
        os.rename(os.path.join(vol, "old.tmp"), os.path.join(vol, "old"))
        os.makedirs(os.path.join(vol, "dir"))
        put("dir/x", "x\n")
        put("dir/y", "y\n")
        os.rmdir(os.path.join(vol, "cwdd"))
        go()
        got = until_step(2)
        want = {"new": "created on the host", "new-stat": "ok", "hl": "True", "keep": "ENOENT",
                "keep-open": "ENOENT", "ro-keep": "ENOENT", "ro-new": "created on the host",
                "ren": "ENOENT", "ren2": "ren", "old": "replaced",
                "held": "old", "dir": "x y", "dir-x": "x", "getcwd": "ENOENT",
                "ls2": "dir hl new old ren2 shared.py", "ren3": "ren"}
        for k, v in want.items():
            expect(got.get(k) == v, "after host changes: %s is %s" % (k, v), repr(got))
        expect(os.path.exists(os.path.join(vol, "ren3")) and
               not os.path.exists(os.path.join(vol, "ren2")), "the sandbox's rename on the host")
        shutil.rmtree(os.path.join(vol, "dir"))
        os.makedirs(os.path.join(vol, "dir"))
        put("dir/z", "z\n")
        os.unlink(os.path.join(vol, "ren3"))
        go()
        got = until_step(3)
        want = {"dir": "z", "dir-x": "ENOENT", "dir-z": "z", "ren3": "ENOENT"}
        for k, v in want.items():
            expect(got.get(k) == v, "after the host replaced dir: %s is %s" % (k, v), repr(got))
        go()
        rc = p.wait(timeout=60)
        expect(rc == 0, "the sandbox exited cleanly (rc %d)" % rc, p.stderr.read().decode())
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


@case
def fsync_sigkill(cvisor, tmp):
    """fsync'ed volume data survives a SIGKILL of the runtime and the Sentry."""
    vol = os.path.join(tmp, "vol")
    os.makedirs(vol)
    writer = ("import os,sys\n"
              "fd = os.open('/v/log', os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)\n"
              "i = 0\n"
              "while True:\n"
              "    os.write(fd, bytes([65 + i % 26]) * 4096)\n"
              "    os.fsync(fd)\n"
              "    i += 1\n"
              "    sys.stdout.write('synced %d\\n' % i)\n"
              "    sys.stdout.flush()\n")
    py = shutil.which("python3")
    # The same directory read-only at /r: the host may change it all the same.
    p = subprocess.Popen([cvisor, "do", "--volume", vol + ":/v", "--volume", vol + ":/r:ro",
                          "--cwd", "/", "--", py, "-c",
                          writer], stdout=subprocess.PIPE, start_new_session=True)
    synced = 0
    deadline = time.time() + 60
    while synced < 200 and time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        synced = int(line.split()[1])
    # SIGKILL the runtime and every process of the sandbox at once (its own session).
    children = subprocess.run(["pgrep", "-s", str(p.pid)], stdout=subprocess.PIPE).stdout.split()
    os.killpg(p.pid, signal.SIGKILL)
    for c in children:
        try:
            os.kill(int(c), signal.SIGKILL)
        except ProcessLookupError:
            pass
    p.wait()
    expect(synced >= 200, "the writer synced %d records" % synced)
    data = open(os.path.join(vol, "log"), "rb").read()
    expect(len(data) >= synced * 4096, "%d bytes on the host for %d synced records"
           % (len(data), synced))
    for i in range(synced):
        rec = data[i * 4096:(i + 1) * 4096]
        if rec != bytes([65 + i % 26]) * 4096:
            expect(False, "record %d intact" % i)
    expect(True, "every synced record is intact")


@case
def volume_programs(cvisor, tmp):
    """git, tar and sqlite3 in a volume; the host's tools read the results back."""
    vol = os.path.join(tmp, "vol")
    os.makedirs(vol)
    # scripts/deps.sh installs all three; a missing one is a failure, not a silent skip.
    tools = ("git", "tar", "sqlite3")
    missing = [t for t in tools if not shutil.which(t)]
    expect(not missing, "the tools are installed (%s)" % " ".join(missing))
    script = "set -e; cd /w\n"
    if "git" in tools:
        script += ("git init -q repo; cd repo; echo hi > f; git add f;"
                   " git -c user.email=a@b -c user.name=n commit -qm first; cd ..\n")
    if "tar" in tools:
        script += "mkdir src; echo data > src/a; tar -cf t.tar src; mkdir x; tar -xf t.tar -C x\n"
    if "sqlite3" in tools:
        script += ("(echo 'create table t(i integer); begin;'; i=1; while [ $i -le 10000 ]; do"
                   " echo \"insert into t values($i);\"; i=$((i+1)); done; echo 'commit;')"
                   " | sqlite3 db.sqlite\n")
    script += "echo done"
    rc, out, err = cvisor_do(cvisor, ["--volume", vol + ":/w"], script, timeout=110)
    expect(rc == 0 and lines(out)[-1:] == ["done"], "programs ran (%s)" % " ".join(tools),
           out + err)
    if "git" in tools:
        log = subprocess.run(["git", "-C", os.path.join(vol, "repo"), "log", "--format=%s"],
                             stdout=subprocess.PIPE).stdout.decode()
        fsck = subprocess.run(["git", "-C", os.path.join(vol, "repo"), "fsck"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        expect(log == "first\n" and fsck.returncode == 0, "the host's git reads the commit")
    if "tar" in tools:
        expect(open(os.path.join(vol, "x/src/a"), encoding="ascii").read() == "data\n",
               "tar extracted on the host")
    if "sqlite3" in tools:
        q = subprocess.run(["sqlite3", os.path.join(vol, "db.sqlite"),
                            "select count(*), sum(i) from t; pragma integrity_check;"],
                           stdout=subprocess.PIPE).stdout.decode()
        expect(q == "10000|50005000\nok\n", "the host's sqlite3 reads 10000 rows", q)


@case
def volume_shared_mmap(cvisor, tmp):
    """MAP_SHARED writes to volume files reach the host: a SQLite database in WAL mode (its
    -shm index is mapped shared) and a python3 mmap.mmap write."""
    vol = os.path.join(tmp, "vol")
    os.makedirs(vol)
    missing = [t for t in ("sqlite3", "python3") if not shutil.which(t)]
    expect(not missing, "the tools are installed (%s)" % " ".join(missing))
    script = ("set -e; cd /w\n"
              "(echo 'pragma journal_mode=wal; create table t(i integer); begin;'; i=1;"
              " while [ $i -le 1000 ]; do echo \"insert into t values($i);\"; i=$((i+1)); done;"
              " echo 'commit; pragma wal_checkpoint(truncate);') | sqlite3 wal.db\n"
              "python3 -c \"import mmap, os\n"
              "fd = os.open('m.bin', os.O_RDWR | os.O_CREAT, 0o644); os.ftruncate(fd, 8192)\n"
              "m = mmap.mmap(fd, 8192, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)\n"
              "m[4096:4101] = b'hello'; m.close(); os.close(fd)\"\n"
              "echo done")
    rc, out, err = cvisor_do(cvisor, ["--volume", vol + ":/w"], script, timeout=110)
    expect(rc == 0 and lines(out)[-1:] == ["done"], "sqlite3 (WAL) and python3 ran", out + err)
    q = subprocess.run(["sqlite3", os.path.join(vol, "wal.db"),
                        "pragma journal_mode; select count(*), sum(i) from t;"
                        " pragma integrity_check;"], stdout=subprocess.PIPE).stdout.decode()
    expect(q == "wal\n1000|500500\nok\n", "the host's sqlite3 reads 1000 rows of a WAL db", q)
    with open(os.path.join(vol, "m.bin"), "rb") as f:
        data = f.read()
    expect(len(data) == 8192 and data[4096:4101] == b"hello" and data[:4096] == bytes(4096),
           "the host sees what python3 wrote through mmap")


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        print("\n".join(CASES))
        return 0
    if len(argv) != 3 or argv[1] not in CASES:
        print(__doc__)
        return 2
    cvisor = os.path.abspath(argv[2])
    # Under /tmp the sandbox's own tmpfs would hide the scratch root only inside; the host
    # paths are used from the host side only, so any writable place works.
    tmp = tempfile.mkdtemp(prefix="cvisor-overlay-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    try:
        CASES[argv[1]](cvisor, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
