// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for rt_sigprocmask: SIG_BLOCK/SIG_UNBLOCK/SIG_SETMASK, the old mask, SIGKILL
 * and SIGSTOP being unblockable, delivery on unblock, and EINVAL/EFAULT. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static uint64_t bit(int sig)
{
    return 1ULL << (sig - 1);
}

static long raw_mask(int how, const uint64_t *set, uint64_t *old)
{
    return syscall(SYS_rt_sigprocmask, how, set, old, 8);
}

TEST(block_unblock_setmask)
{
    uint64_t set = bit(SIGUSR1), old = ~0ULL;
    EXPECT_OK(raw_mask(SIG_SETMASK, &set, &old));
    EXPECT_EQ(old, 0);
    set = bit(SIGUSR2);
    EXPECT_OK(raw_mask(SIG_BLOCK, &set, &old));
    EXPECT_EQ(old, bit(SIGUSR1));
    set = bit(SIGUSR1);
    EXPECT_OK(raw_mask(SIG_UNBLOCK, &set, &old));
    EXPECT_EQ(old, bit(SIGUSR1) | bit(SIGUSR2));
    EXPECT_OK(raw_mask(SIG_BLOCK, NULL, &old));
    EXPECT_EQ(old, bit(SIGUSR2));
}

TEST(kill_and_stop_cannot_be_blocked)
{
    uint64_t set = ~0ULL, old;
    EXPECT_OK(raw_mask(SIG_SETMASK, &set, NULL));
    EXPECT_OK(raw_mask(SIG_BLOCK, NULL, &old));
    EXPECT_EQ(old & bit(SIGKILL), 0);
    EXPECT_EQ(old & bit(SIGSTOP), 0);
    EXPECT_EQ(old & bit(SIGUSR1), bit(SIGUSR1));
    EXPECT_EQ(old & bit(64), bit(64));
}

static volatile int got;
static void handler(int sig)
{
    got = sig;
}

TEST(blocked_signal_delivered_on_unblock)
{
    signal(SIGUSR1, handler);
    uint64_t set = bit(SIGUSR1);
    CHECK(raw_mask(SIG_BLOCK, &set, NULL));
    got = 0;
    CHECK(raise(SIGUSR1));
    EXPECT_EQ(got, 0);
    CHECK(raw_mask(SIG_UNBLOCK, &set, NULL));
    EXPECT_EQ(got, SIGUSR1); /* delivered before sigprocmask returns */
}

TEST(blocked_fatal_signal_kills_on_unblock)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        uint64_t set = bit(SIGTERM);
        raw_mask(SIG_BLOCK, &set, NULL);
        raise(SIGTERM);
        usleep(10000);
        raw_mask(SIG_UNBLOCK, &set, NULL);
        _exit(0);
    }
    EXPECT_SIGNALED(pid, SIGTERM);
}

TEST(errors)
{
    uint64_t set = 0;
    EXPECT_ERRNO(raw_mask(99, &set, NULL), EINVAL);
    EXPECT_ERRNO(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL);
    EXPECT_ERRNO(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)1, NULL, 8), EFAULT);
    /* A bad "how" is not diagnosed when no new set is given. */
    EXPECT_OK(raw_mask(99, NULL, &set));
}

static void *thread_mask(void *arg)
{
    uint64_t cur;
    raw_mask(SIG_BLOCK, NULL, &cur);
    *(uint64_t *)arg = cur;
    return NULL;
}

TEST(mask_is_per_thread_and_inherited)
{
    uint64_t set = bit(SIGUSR2);
    CHECK(raw_mask(SIG_SETMASK, &set, NULL));
    uint64_t in_thread = 0;
    pthread_t t;
    pthread_create(&t, NULL, thread_mask, &in_thread);
    pthread_join(t, NULL);
    EXPECT_EQ(in_thread & bit(SIGUSR2), bit(SIGUSR2));
}
