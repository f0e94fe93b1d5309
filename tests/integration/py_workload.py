# SPDX-License-Identifier: Apache-2.0
"""Integration workload for Debian's /usr/bin/python3: threads and locks, subprocess, fork and
waitpid, SIGALRM, pipes with select, json, hashlib, file I/O and queue.Queue. Every line it prints
is deterministic, so the runner compares a native run and a sandboxed run byte for byte."""

import hashlib
import json
import os
import queue
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time


def counter_threads():
    """8 threads increment one counter under a lock; the total must be exact."""
    lock = threading.Lock()
    state = {"count": 0}

    def work():
        for _ in range(20000):
            with lock:
                state["count"] += 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("threads: count =", state["count"])


def run_subprocess():
    r = subprocess.run(["/bin/echo", "hi"], capture_output=True, check=False)
    print("subprocess: rc =", r.returncode, "stdout =", repr(r.stdout), "stderr =", repr(r.stderr))
    r = subprocess.run(["/bin/sh", "-c", "echo err >&2; exit 3"], capture_output=True, check=False)
    print("subprocess: rc =", r.returncode, "stdout =", repr(r.stdout), "stderr =", repr(r.stderr))


def fork_and_wait():
    """Children exit with known codes (one dies by SIGKILL); the parent reaps them in order."""
    pids = []
    for code in (0, 7, 42):
        pid = os.fork()
        if pid == 0:
            os._exit(code)
        pids.append(pid)
    pid = os.fork()
    if pid == 0:
        os.kill(os.getpid(), signal.SIGKILL)
        os._exit(99)  # not reached
    pids.append(pid)
    for pid in pids:
        got, status = os.waitpid(pid, 0)
        print("fork: same pid =", got == pid, "exit =", os.waitstatus_to_exitcode(status))
    try:
        os.waitpid(-1, os.WNOHANG)
        print("fork: ECHILD missing")
    except ChildProcessError:
        print("fork: no more children")


def alarm_signal():
    fired = []

    def handler(signum, frame):
        fired.append(signum)

    old = signal.signal(signal.SIGALRM, handler)
    start = time.monotonic()
    signal.alarm(1)
    while not fired:
        signal.pause()
    elapsed = time.monotonic() - start
    signal.signal(signal.SIGALRM, old)
    print("alarm: fired", signal.Signals(fired[0]).name, "after >= 0.9 s:", elapsed >= 0.9)


def pipe_select():
    """A writer thread sends chunks through os.pipe(); the reader waits for each with select."""
    rfd, wfd = os.pipe()

    def writer():
        for i in range(5):
            os.write(wfd, b"chunk%d;" % i)
            time.sleep(0.02)
        os.close(wfd)

    t = threading.Thread(target=writer)
    t.start()
    data = b""
    while True:
        ready, _, _ = select.select([rfd], [], [], 10.0)
        if not ready:
            print("select: timed out")
            break
        chunk = os.read(rfd, 4096)
        if not chunk:
            break
        data += chunk
    t.join()
    os.close(rfd)
    print("select: got", data.decode())
    # An empty select with a timeout returns nothing.
    r, w = os.pipe()
    print("select: idle pipe ready =", select.select([r], [], [], 0.05)[0])
    os.close(r)
    os.close(w)


def json_round_trip():
    obj = {"name": "cvisor", "ints": list(range(10)), "nested": {"a": [1.5, None, True, "x\u00e9"]}}
    text = json.dumps(obj, sort_keys=True)
    back = json.loads(text)
    print("json:", text)
    print("json: round trip equal =", back == obj)


def hashing():
    data = b"".join(i.to_bytes(4, "little") for i in range(250000))
    print("sha256:", hashlib.sha256(data).hexdigest())
    print("md5:", hashlib.md5(data).hexdigest())


def files():
    path = "/usr/share/doc/python3.11/copyright"
    with open(path, "rb") as f:
        content = f.read()
    print("doc file: lines =", content.count(b"\n"), "sha256 =", hashlib.sha256(content).hexdigest())
    fd, tmp = tempfile.mkstemp(dir="/tmp", prefix="cvtest-py-")
    try:
        payload = b"".join(b"line %d\n" % i for i in range(5000))
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        st = os.stat(tmp)
        with open(tmp, "rb") as f:
            f.seek(100)
            mid = f.read(20)
            f.seek(0)
            whole = f.read()
        print("tmp file: size =", st.st_size, "equal =", whole == payload, "mid =", repr(mid))
    finally:
        os.unlink(tmp)
    print("tmp file: removed =", not os.path.exists(tmp))


def queues():
    """Three producers and one consumer exchange numbers through queue.Queue."""
    q = queue.Queue(maxsize=16)
    total = {"sum": 0, "items": 0}

    def producer(base):
        for i in range(1000):
            q.put(base + i)

    def consumer():
        while True:
            item = q.get()
            if item is None:
                break
            total["sum"] += item
            total["items"] += 1

    c = threading.Thread(target=consumer)
    c.start()
    producers = [threading.Thread(target=producer, args=(k * 1000,)) for k in range(3)]
    for p in producers:
        p.start()
    for p in producers:
        p.join()
    q.put(None)
    c.join()
    print("queue: items =", total["items"], "sum =", total["sum"])


def main():
    for step in (counter_threads, run_subprocess, fork_and_wait, alarm_signal, pipe_select,
                 json_round_trip, hashing, files, queues):
        step()
        sys.stdout.flush()
    print("py_workload: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
