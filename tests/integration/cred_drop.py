#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A privilege drop as a daemon does it, run as root natively and in the sandbox (cred_drop.sh
compares the two, and with cred_drop.c, which prints the same lines).

As root: a 0755 scratch directory with a 0600 root file, a sticky 1777 directory holding a
root file, a 0755 root directory. A child then drops to nobody (setgroups([]), setgid, setuid:
the order a daemon must use) and tries what nobody may not do: read the root file and
/etc/shadow, open /etc/passwd for appending (O_WRONLY|O_APPEND; never written: if the open
succeeded the descriptor is closed at once), remove and rename the root file in the sticky
directory, create a file in the root directory, chown and chmod a root file, take uid 0 or
group 0 back, signal root's process, claim uid 0 in SCM_CREDENTIALS. Each line says what
happened, with the errno name and text. Then what nobody may do (create and remove its own
file in the sticky directory), its ids and the /proc/self/status capability lines. The
credentials a unix socket reports are checked both ways: the child connects to root's
listener (an abstract name) and sees root in SO_PEERCRED; root sees nobody in SO_PEERCRED
of the accepted socket and in the SCM_CREDENTIALS the child sends. The parent checks
afterwards that the root files are untouched.
"""

import errno
import os
import socket
import struct
import sys
import tempfile

NOBODY = 65534


def outcome(fn):
    """'ok' or 'ERRNO (text)' for fn()."""
    try:
        fn()
        return "ok"
    except OSError as e:
        return "%s (%s)" % (errno.errorcode.get(e.errno, str(e.errno)), os.strerror(e.errno))


def try_read(path):
    with open(path, "rb") as f:
        f.read()


def try_open_append(path):
    """Open for appending and close without writing a byte (natively this is the host's
    file: nothing may ever be written to it)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    os.close(fd)


def ucred(pid, uid, gid):
    return struct.pack("3i", pid, uid, gid)


def describe_cred(raw, pids):
    """'pid=WHO uid=U gid=G' with the pid named by its role (pids: {pid: role})."""
    pid, uid, gid = struct.unpack("3i", raw)
    return "pid=%s uid=%d gid=%d" % (pids.get(pid, "other (%d)" % pid), uid, gid)


def try_create(path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.close(fd)


def status_lines(names):
    with open("/proc/self/status", encoding="ascii") as f:
        return [l.rstrip("\n") for l in f if l.split(":")[0] in names]


def child(d, root_bounding, listen_name):
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)
    secret = os.path.join(d, "secret")
    sticky = os.path.join(d, "sticky")
    locked = os.path.join(d, "locked")
    steps = [
        ("read 0600 root file", lambda: try_read(secret)),
        ("read /etc/shadow", lambda: try_read("/etc/shadow")),
        ("open /etc/passwd O_WRONLY|O_APPEND", lambda: try_open_append("/etc/passwd")),
        ("unlink root file in sticky dir", lambda: os.unlink(os.path.join(sticky, "rootfile"))),
        ("rename root file in sticky dir",
         lambda: os.rename(os.path.join(sticky, "rootfile"), os.path.join(sticky, "moved"))),
        ("create file in 0755 root dir", lambda: try_create(os.path.join(locked, "new"))),
        ("chmod root file", lambda: os.chmod(secret, 0o644)),
        ("chown root file to nobody", lambda: os.chown(secret, NOBODY, NOBODY)),
        ("setuid(0)", lambda: os.setuid(0)),
        ("setgroups([0])", lambda: os.setgroups([0])),
        ("kill(root parent, 0)", lambda: os.kill(os.getppid(), 0)),
        ("create own file in sticky dir", lambda: try_create(os.path.join(sticky, "mine"))),
        ("chown own file to root", lambda: os.chown(os.path.join(sticky, "mine"), 0, 0)),
        ("unlink own file in sticky dir", lambda: os.unlink(os.path.join(sticky, "mine"))),
    ]
    for label, fn in steps:
        print("%s: %s" % (label, outcome(fn)))
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(listen_name)
    peer = c.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    print("SO_PEERCRED of the connecting socket:", describe_cred(peer, {os.getppid(): "parent"}))
    anc = [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, ucred(os.getpid(), 0, 0))]
    print("claim uid 0 in SCM_CREDENTIALS:", outcome(lambda: c.sendmsg([b"x"], anc)))
    anc = [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, ucred(os.getpid(), NOBODY, NOBODY))]
    print("send own SCM_CREDENTIALS:", outcome(lambda: c.sendmsg([b"y"], anc)))
    c.close()
    print("resuid:", *os.getresuid())
    print("resgid:", *os.getresgid())
    print("groups:", os.getgroups())
    for line in status_lines(("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapAmb")):
        print(line)
    # The bounding set is the configuration's (a container may lack some bits): it is the same
    # before and after the drop, which is what is compared.
    bnd = status_lines(("CapBnd",))
    print("CapBnd unchanged by the drop:", "yes" if bnd == root_bounding else "no: %s" % bnd)
    sys.stdout.flush()


def main():
    if os.geteuid() != 0:
        print("cred_drop.py must run as root")
        return 77
    d = tempfile.mkdtemp(prefix="cred-drop-")
    os.chmod(d, 0o755)
    secret = os.path.join(d, "secret")
    with open(secret, "w", encoding="ascii") as f:
        f.write("root only\n")
    os.chmod(secret, 0o600)
    sticky = os.path.join(d, "sticky")
    os.mkdir(sticky)
    os.chmod(sticky, 0o1777)
    with open(os.path.join(sticky, "rootfile"), "w", encoding="ascii") as f:
        f.write("root's\n")
    os.mkdir(os.path.join(d, "locked"), 0o755)
    print("root can read its 0600 file:", outcome(lambda: try_read(secret)))
    root_bounding = status_lines(("CapBnd",))
    listen_name = b"\0cred-drop-%d" % os.getpid()
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(listen_name)
    lsock.listen(1)
    sys.stdout.flush()

    pid = os.fork()
    if pid == 0:
        try:
            child(d, root_bounding, listen_name)
        finally:
            os._exit(0)
    _, st = os.waitpid(pid, 0)
    print("child exit status:", os.waitstatus_to_exitcode(st))
    a, _ = lsock.accept()
    roles = {pid: "child", os.getpid(): "self"}
    peer = a.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    print("SO_PEERCRED of the accepted socket:", describe_cred(peer, roles))
    a.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    msg, anc, _, _ = a.recvmsg(16, socket.CMSG_SPACE(12))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            print("received %r with SCM_CREDENTIALS %s" % (msg.decode(), describe_cred(data, roles)))
    a.close()
    lsock.close()
    print("after: secret", oct(os.stat(secret).st_mode & 0o7777), os.stat(secret).st_uid,
          "rootfile there:", os.path.exists(os.path.join(sticky, "rootfile")),
          "locked empty:", os.listdir(os.path.join(d, "locked")) == [])
    for root, dirs, files in os.walk(d, topdown=False):
        for n in files:
            os.unlink(os.path.join(root, n))
        for n in dirs:
            os.rmdir(os.path.join(root, n))
    os.rmdir(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
