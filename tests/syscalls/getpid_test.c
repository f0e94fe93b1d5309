// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for getpid, getppid and gettid: identities of the main thread, other threads,
 * and children, and reparenting of an orphan away from its exited parent. */
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(main_thread_tid_equals_pid)
{
    EXPECT_TRUE(getpid() > 0);
    EXPECT_TRUE(getppid() > 0);
    EXPECT_EQ(syscall(SYS_gettid), getpid());
    EXPECT_EQ(syscall(SYS_getpid), getpid());
    EXPECT_NE(getppid(), getpid());
}

struct ids {
    pid_t pid, tid, ppid;
};

static void *report_ids(void *arg)
{
    struct ids *ids = arg;
    ids->pid = getpid();
    ids->tid = (pid_t)syscall(SYS_gettid);
    ids->ppid = getppid();
    return NULL;
}

TEST(thread_has_own_tid_same_pid)
{
    struct ids a = {0}, b = {0};
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, report_ids, &a) ? -1 : 0);
    CHECK(pthread_create(&tb, NULL, report_ids, &b) ? -1 : 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    EXPECT_EQ(a.pid, getpid());
    EXPECT_EQ(b.pid, getpid());
    EXPECT_EQ(a.ppid, getppid());
    EXPECT_NE(a.tid, getpid());
    EXPECT_NE(b.tid, getpid());
    EXPECT_NE(a.tid, b.tid);
    EXPECT_TRUE(a.tid > 0);
}

TEST(child_sees_parent)
{
    pid_t me = getpid();
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(getppid() == me && getpid() != me && syscall(SYS_gettid) == getpid() ? 0 : 1);
    EXPECT_EXIT(pid, 0);
}

TEST(orphan_is_reparented)
{
    int p[2], started[2];
    CHECK(pipe(p));
    CHECK(pipe(started));
    pid_t mid = CHECK(fork());
    if (mid == 0) {
        pid_t me = getpid();
        pid_t grandchild = fork();
        if (grandchild == 0) {
            pid_t old = getppid(); /* mid is still alive: it waits for our byte */
            (void)!write(started[1], "s", 1);
            while (getppid() == me)
                usleep(1000);
            pid_t now = getppid();
            (void)!write(p[1], &old, sizeof(old));
            (void)!write(p[1], &now, sizeof(now));
            _exit(0);
        }
        char c;
        (void)!read(started[0], &c, 1);
        _exit(0);
    }
    EXPECT_EXIT(mid, 0);
    close(p[1]);
    pid_t old = 0, now = 0;
    EXPECT_EQ(read(p[0], &old, sizeof(old)), (ssize_t)sizeof(old));
    EXPECT_EQ(read(p[0], &now, sizeof(now)), (ssize_t)sizeof(now));
    EXPECT_EQ(old, mid);
    EXPECT_NE(now, mid);
    EXPECT_TRUE(now > 0);
    close(p[0]);
    close(started[0]);
    close(started[1]);
}
