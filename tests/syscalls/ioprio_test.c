// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for ioprio_get and ioprio_set (htop's IO column): a priority reads back
 * as set, belongs to one thread, is inherited by fork, and bad arguments fail as on Linux. */
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define WHO_PROCESS 1
#define WHO_PGRP 2
#define WHO_USER 3
#define PRIO(class, level) (((class) << 13) | (level))
#define CLASS_NONE 0
#define CLASS_BE 2
#define CLASS_IDLE 3

static long ioprio_get(int which, int who)
{
    return syscall(SYS_ioprio_get, which, who);
}

static long ioprio_set(int which, int who, int prio)
{
    return syscall(SYS_ioprio_set, which, who, prio);
}

TEST(set_then_get)
{
    EXPECT_OK(ioprio_set(WHO_PROCESS, 0, PRIO(CLASS_BE, 7)));
    EXPECT_EQ(ioprio_get(WHO_PROCESS, 0), PRIO(CLASS_BE, 7));
    EXPECT_EQ(ioprio_get(WHO_PROCESS, getpid()), PRIO(CLASS_BE, 7));
    EXPECT_OK(ioprio_set(WHO_PROCESS, getpid(), PRIO(CLASS_IDLE, 0)));
    EXPECT_EQ(ioprio_get(WHO_PROCESS, 0), PRIO(CLASS_IDLE, 0));
    EXPECT_OK(ioprio_set(WHO_PROCESS, 0, PRIO(CLASS_NONE, 0)));
    EXPECT_EQ(ioprio_get(WHO_PROCESS, 0), PRIO(CLASS_NONE, 0));
}

TEST(fork_inherits)
{
    CHECK(ioprio_set(WHO_PROCESS, 0, PRIO(CLASS_BE, 2)));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        long p = ioprio_get(WHO_PROCESS, 0);
        _exit(p == PRIO(CLASS_BE, 2) ? 0 : 1);
    }
    EXPECT_EQ(wait_status(pid), 0);
    /* Another process's priority, set and read by pid. */
    pid = CHECK(fork());
    if (pid == 0) {
        for (;;)
            pause();
    }
    EXPECT_OK(ioprio_set(WHO_PROCESS, pid, PRIO(CLASS_BE, 5)));
    EXPECT_EQ(ioprio_get(WHO_PROCESS, pid), PRIO(CLASS_BE, 5));
    EXPECT_EQ(ioprio_get(WHO_PROCESS, 0), PRIO(CLASS_BE, 2));
    kill(pid, SIGKILL);
    wait_status(pid);
}

static long thread_prio;
static pid_t thread_tid;

static void *set_in_thread(void *arg)
{
    (void)arg;
    thread_tid = (pid_t)syscall(SYS_gettid);
    ioprio_set(WHO_PROCESS, 0, PRIO(CLASS_IDLE, 0));
    thread_prio = ioprio_get(WHO_PROCESS, 0);
    return NULL;
}

TEST(per_thread)
{
    CHECK(ioprio_set(WHO_PROCESS, 0, PRIO(CLASS_BE, 3)));
    pthread_t th;
    EXPECT_EQ(pthread_create(&th, NULL, set_in_thread, NULL), 0);
    pthread_join(th, NULL);
    EXPECT_EQ(thread_prio, PRIO(CLASS_IDLE, 0));
    EXPECT_EQ(ioprio_get(WHO_PROCESS, 0), PRIO(CLASS_BE, 3));
}

TEST(group_forms)
{
    CHECK(ioprio_set(WHO_PROCESS, 0, PRIO(CLASS_BE, 1)));
    CHECK(setpgid(0, 0)); /* a group of one */
    EXPECT_EQ(ioprio_get(WHO_PGRP, 0), PRIO(CLASS_BE, 1));
    EXPECT_OK(ioprio_set(WHO_PGRP, getpgrp(), PRIO(CLASS_BE, 6)));
    EXPECT_EQ(ioprio_get(WHO_PROCESS, 0), PRIO(CLASS_BE, 6));
}

TEST(errors)
{
    EXPECT_ERRNO(ioprio_get(0, 0), EINVAL);
    EXPECT_ERRNO(ioprio_get(4, 0), EINVAL);
    EXPECT_ERRNO(ioprio_set(0, 0, PRIO(CLASS_BE, 4)), EINVAL);
    EXPECT_ERRNO(ioprio_set(WHO_PROCESS, 0, PRIO(4, 0)), EINVAL);
    EXPECT_ERRNO(ioprio_set(WHO_PROCESS, 0, PRIO(7, 0)), EINVAL);
    EXPECT_ERRNO(ioprio_set(WHO_PROCESS, 0, PRIO(CLASS_NONE, 1)), EINVAL);
    EXPECT_ERRNO(ioprio_get(WHO_PROCESS, 999999999), ESRCH);
    EXPECT_ERRNO(ioprio_set(WHO_PROCESS, 999999999, PRIO(CLASS_BE, 4)), ESRCH);
    EXPECT_ERRNO(ioprio_get(WHO_PGRP, 999999999), ESRCH);
    EXPECT_ERRNO(ioprio_set(WHO_PGRP, 999999999, PRIO(CLASS_BE, 4)), ESRCH);
}
