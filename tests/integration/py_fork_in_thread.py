# SPDX-License-Identifier: Apache-2.0
"""The pattern of CPython's test_thread.TestForkInThread.test_forkinthread: the main thread
blocks in os.read() on a pipe while another thread forks; the forked child writes b"OK" into
the pipe and the parent's thread goes on touching the interpreter's memory. The read must
return the child's bytes every time. The forking thread waits until the main thread is
blocked (its /proc state), so every round takes the same order; no sleeps."""

import _thread
import os
import sys
import threading

ROUNDS = 20


def wait_blocked(tid):
    """Wait until thread @tid of this process sleeps (state S in /proc)."""
    path = "/proc/self/task/%d/stat" % tid
    for _ in range(100000):
        with open(path) as f:
            stat = f.read()
        if stat[stat.rindex(")") + 2] == "S":
            return
        os.sched_yield()
    raise SystemExit("the main thread never blocked")


def one_round():
    state = {"status": "not set", "done": threading.Lock()}
    state["done"].acquire()
    read_fd, write_fd = os.pipe()
    main_tid = threading.get_native_id()

    def fork_thread():
        wait_blocked(main_tid)
        pid = os.fork()
        if pid:
            state["status"] = "parent"  # the parent writes its memory while the read waits
            state["pid"] = pid
            state["done"].release()
        else:
            os.close(read_fd)
            os.write(write_fd, b"OK")
            os._exit(0)

    _thread.start_new_thread(fork_thread, ())
    data = os.read(read_fd, 2)
    state["done"].acquire()
    _, status = os.waitpid(state["pid"], 0)
    os.close(read_fd)
    os.close(write_fd)
    return data, state["status"], status


def main():
    good = 0
    for i in range(ROUNDS):
        data, status, wstatus = one_round()
        if data == b"OK" and status == "parent" and wstatus == 0:
            good += 1
        else:
            print("round %d: read %r, status %s, child %#x" % (i, data, status, wstatus))
    print("fork in thread: %d of %d rounds read b'OK'" % (good, ROUNDS))
    sys.exit(0 if good == ROUNDS else 1)


if __name__ == "__main__":
    main()
