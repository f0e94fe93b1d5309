// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for rt_sigpending: blocked signals show as pending, standard signals do not
 * queue, ignoring a pending signal discards it, and per-thread versus process pending sets. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static volatile int hits;

static void handler(int sig)
{
    (void)sig;
    hits++;
}

static void block(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL));
}

static void unblock(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    CHECK(sigprocmask(SIG_UNBLOCK, &s, NULL));
}

static int is_pending(int sig)
{
    sigset_t p;
    CHECK(sigpending(&p));
    return sigismember(&p, sig);
}

TEST(nothing_pending_initially)
{
    uint64_t set = ~0ULL;
    EXPECT_OK(syscall(SYS_rt_sigpending, &set, 8));
    EXPECT_EQ(set, 0);
    EXPECT_ERRNO(syscall(SYS_rt_sigpending, &set, 9), EINVAL);
    EXPECT_ERRNO(syscall(SYS_rt_sigpending, (void *)1, 8), EFAULT);
}

TEST(blocked_signal_is_pending_and_not_queued)
{
    signal(SIGUSR1, handler);
    block(SIGUSR1);
    CHECK(raise(SIGUSR1));
    CHECK(raise(SIGUSR1));
    EXPECT_TRUE(is_pending(SIGUSR1));
    EXPECT_TRUE(!is_pending(SIGUSR2));
    hits = 0;
    unblock(SIGUSR1);
    EXPECT_EQ(hits, 1);
    EXPECT_TRUE(!is_pending(SIGUSR1));
}

TEST(rt_signal_queues)
{
    signal(SIGRTMIN + 2, handler);
    block(SIGRTMIN + 2);
    for (int i = 0; i < 3; i++)
        CHECK(raise(SIGRTMIN + 2));
    hits = 0;
    unblock(SIGRTMIN + 2);
    EXPECT_EQ(hits, 3);
}

TEST(ignoring_discards_pending)
{
    signal(SIGUSR1, handler);
    block(SIGUSR1);
    CHECK(raise(SIGUSR1));
    EXPECT_TRUE(is_pending(SIGUSR1));
    signal(SIGUSR1, SIG_IGN);
    EXPECT_TRUE(!is_pending(SIGUSR1));
    signal(SIGUSR1, handler);
    hits = 0;
    unblock(SIGUSR1);
    EXPECT_EQ(hits, 0);
}

TEST(blocked_ignored_signal_stays_pending)
{
    /* Ignored signals are discarded at generation unless blocked. */
    signal(SIGUSR2, SIG_IGN);
    block(SIGUSR2);
    CHECK(raise(SIGUSR2));
    EXPECT_TRUE(is_pending(SIGUSR2));
}

static volatile int thread_saw_pending = -1;

static void *check_pending(void *arg)
{
    (void)arg;
    thread_saw_pending = is_pending(SIGUSR1);
    return NULL;
}

TEST(thread_directed_pending_is_private)
{
    block(SIGUSR1); /* inherited by the thread */
    CHECK(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1));
    EXPECT_TRUE(is_pending(SIGUSR1));
    pthread_t t;
    pthread_create(&t, NULL, check_pending, NULL);
    pthread_join(t, NULL);
    EXPECT_EQ(thread_saw_pending, 0);
    /* A process-directed signal is visible from every thread. */
    signal(SIGUSR2, handler);
    block(SIGUSR2);
    CHECK(kill(getpid(), SIGUSR2));
    EXPECT_TRUE(is_pending(SIGUSR2));
}
