// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for vfork: the parent is suspended until the child exits or execs, and the
 * child runs in the parent's memory. */
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static volatile int shared_flag;

SUBPROG(exit7)
{
    return 7;
}

TEST(vfork_child_shares_memory)
{
    shared_flag = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        shared_flag = 1234; /* writes land in the parent's address space */
        _exit(3);
    }
    if (pid < 0)
        FATAL("vfork: %s", harness_errname(errno));
    EXPECT_EQ(shared_flag, 1234);
    EXPECT_EXIT(pid, 3);
}

TEST(vfork_parent_waits_for_child_exit)
{
    static volatile int order;
    order = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        struct timespec ts = {0, 30 * 1000000};
        nanosleep(&ts, NULL); /* the parent cannot run while we sleep */
        order = 1;
        _exit(0);
    }
    EXPECT_EQ(order, 1);
    EXPECT_EXIT(pid, 0);
}

TEST(vfork_then_exec)
{
    const char *self = harness_self();
    pid_t pid = vfork();
    if (pid == 0) {
        execl(self, self, "--sub", "exit7", (char *)NULL);
        _exit(127);
    }
    EXPECT_TRUE(pid > 0);
    EXPECT_EXIT(pid, 7);
}

TEST(vfork_exec_failure_seen)
{
    static volatile int err;
    err = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        execl("/nonexistent/prog", "prog", (char *)NULL);
        err = errno;
        _exit(127);
    }
    EXPECT_EXIT(pid, 127);
    EXPECT_EQ(err, ENOENT);
}

TEST(raw_vfork_syscall_child_getppid)
{
    pid_t me = getpid();
    static volatile pid_t seen;
    seen = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        seen = (pid_t)syscall(SYS_getppid);
        _exit(0);
    }
    EXPECT_EQ(seen, me);
    EXPECT_EXIT(pid, 0);
}
