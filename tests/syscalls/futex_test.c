// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for futex FUTEX_WAIT and FUTEX_WAKE, private and shared: EAGAIN on a value
 * mismatch, ETIMEDOUT, wake counts, wakeups across threads and across fork via MAP_SHARED. */
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts,
                  uint32_t *uaddr2, uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

TEST(wait_value_mismatch_eagain)
{
    uint32_t word = 1;
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT, 2, NULL, NULL, 0), EAGAIN);
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0), EAGAIN);
}

TEST(wait_times_out)
{
    uint32_t word = 0;
    struct timespec ts = {0, 30 * 1000000}, t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0), ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    EXPECT_TRUE(ms >= 29);
}

TEST(wake_with_no_waiters_returns_zero)
{
    uint32_t word = 0;
    EXPECT_EQ(futex(&word, FUTEX_WAKE, 1, NULL, NULL, 0), 0);
    EXPECT_EQ(futex(&word, FUTEX_WAKE_PRIVATE, 100, NULL, NULL, 0), 0);
}

TEST(invalid_args)
{
    uint32_t word = 0;
    struct timespec bad = {0, 1000000000};
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT, 0, &bad, NULL, 0), EINVAL);
    EXPECT_ERRNO(futex((uint32_t *)((char *)&word + 1), FUTEX_WAIT, 0, NULL, NULL, 0), EINVAL);
    EXPECT_ERRNO(futex(&word, 99, 0, NULL, NULL, 0), ENOSYS);
    EXPECT_ERRNO(futex((uint32_t *)8, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT);
}

static uint32_t tword;
static int woken;
static pid_t waiter_tids[3];
static int nwaiters;

static void *waiter(void *arg)
{
    waiter_tids[__atomic_fetch_add(&nwaiters, 1, __ATOMIC_SEQ_CST)] = (pid_t)syscall(SYS_gettid);
    while (__atomic_load_n(&tword, __ATOMIC_SEQ_CST) == 0) {
        long r = futex(&tword, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
        if (r == 0)
            __atomic_add_fetch(&woken, 1, __ATOMIC_SEQ_CST);
    }
    return arg;
}

TEST(wake_threads_private)
{
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, waiter, NULL);
    /* Wake counts include only blocked waiters, so let them block. */
    while (__atomic_load_n(&nwaiters, __ATOMIC_SEQ_CST) < 3)
        usleep(1000);
    for (int i = 0; i < 3; i++)
        CHECK(harness_wait_thread_sleeping(waiter_tids[i]));
    __atomic_store_n(&tword, 1, __ATOMIC_SEQ_CST);
    long n = futex(&tword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    EXPECT_EQ(n, 1);
    long rest = futex(&tword, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
    EXPECT_EQ(rest, 2);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    EXPECT_EQ(woken, 3);
}

TEST(shared_wake_across_fork)
{
    uint32_t *word =
        CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    *word = 0;
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        while (__atomic_load_n(word, __ATOMIC_SEQ_CST) == 0)
            futex(word, FUTEX_WAIT, 0, NULL, NULL, 0);
        _exit(*word == 7 ? 0 : 1);
    }
    CHECK(harness_wait_process_sleeping(pid));
    __atomic_store_n(word, 7, __ATOMIC_SEQ_CST);
    EXPECT_EQ(futex(word, FUTEX_WAKE, 1, NULL, NULL, 0), 1);
    EXPECT_EXIT(pid, 0);
    munmap(word, 4096);
}

TEST(private_wake_does_not_cross_processes)
{
    uint32_t *word =
        CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    *word = 0;
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct timespec ts = {0, 300 * 1000000};
        long r = futex(word, FUTEX_WAIT, 0, &ts, NULL, 0); /* shared wait */
        _exit(r == -1 && errno == ETIMEDOUT ? 0 : 1);
    }
    CHECK(harness_wait_process_sleeping(pid)); /* in its shared wait */
    /* A private wake hashes on (mm, address) and cannot find the other process's waiter. */
    EXPECT_EQ(futex(word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 0);
    EXPECT_EXIT(pid, 0);
    munmap(word, 4096);
}

TEST(wait_clock_realtime_absolute_needs_bitset)
{
    uint32_t word = 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_nsec += 20 * 1000000;
    if (now.tv_nsec >= 1000000000) {
        now.tv_sec++;
        now.tv_nsec -= 1000000000;
    }
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &now, NULL,
                       FUTEX_BITSET_MATCH_ANY),
                 ETIMEDOUT);
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_BITSET, 0, NULL, NULL, 0), EINVAL); /* bitset 0 */
}
