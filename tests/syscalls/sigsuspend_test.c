// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for rt_sigsuspend and pause: wait with a temporary mask, return EINTR after a
 * handler runs, and restore the original mask afterwards. */
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static volatile int got;
static volatile int blocked_in_handler;

static void handler(int sig)
{
    got = sig;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    blocked_in_handler = sigismember(&cur, SIGUSR2);
}

TEST(pending_signal_wakes_immediately)
{
    signal(SIGUSR1, handler);
    sigset_t block, waitmask;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &block, NULL));
    CHECK(raise(SIGUSR1));
    sigemptyset(&waitmask);
    sigaddset(&waitmask, SIGUSR2);
    got = 0;
    EXPECT_ERRNO(sigsuspend(&waitmask), EINTR);
    EXPECT_EQ(got, SIGUSR1);
    EXPECT_EQ(blocked_in_handler, 1); /* the handler runs with the temporary mask */
    sigset_t cur;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur));
    EXPECT_TRUE(sigismember(&cur, SIGUSR1));
    EXPECT_TRUE(!sigismember(&cur, SIGUSR2));
}

TEST(woken_by_signal_from_child)
{
    signal(SIGUSR1, handler);
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    CHECK(sigprocmask(SIG_BLOCK, &block, NULL));
    pid_t parent = getpid();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int late = harness_wait_process_sleeping(parent); /* in sigsuspend */
        kill(parent, SIGUSR1);
        _exit(late ? 9 : 0);
    }
    got = 0;
    EXPECT_ERRNO(sigsuspend(&empty), EINTR);
    EXPECT_EQ(got, SIGUSR1);
    EXPECT_EXIT(pid, 0);
}

TEST(ignored_signal_does_not_wake)
{
    signal(SIGUSR1, handler);
    signal(SIGUSR2, SIG_IGN);
    sigset_t empty;
    sigemptyset(&empty);
    pid_t parent = getpid();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int late = harness_wait_process_sleeping(parent); /* in sigsuspend */
        kill(parent, SIGUSR2);
        /* Time in which a wrong wake-up by the ignored SIGUSR2 would show (got stays 0). */
        usleep(30000);
        kill(parent, SIGUSR1);
        _exit(late ? 9 : 0);
    }
    got = 0;
    EXPECT_ERRNO(sigsuspend(&empty), EINTR);
    EXPECT_EQ(got, SIGUSR1);
    EXPECT_EXIT(pid, 0);
}

TEST(raw_bad_size_einval)
{
    uint64_t mask = 0;
    EXPECT_ERRNO(syscall(SYS_rt_sigsuspend, &mask, 4), EINVAL);
    EXPECT_ERRNO(syscall(SYS_rt_sigsuspend, (void *)1, 8), EFAULT);
}

TEST(pause_returns_eintr)
{
    signal(SIGALRM, handler);
    got = 0;
    alarm(1);
    EXPECT_ERRNO(pause(), EINTR);
    EXPECT_EQ(got, SIGALRM);
}
