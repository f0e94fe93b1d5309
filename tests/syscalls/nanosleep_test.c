// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for nanosleep and clock_nanosleep: minimum durations, TIMER_ABSTIME,
 * absolute times in the past, remaining time after EINTR, and EINVAL/EFAULT. */
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static long since_ms(clockid_t c, const struct timespec *a)
{
    struct timespec b;
    clock_gettime(c, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

TEST(nanosleep_sleeps_at_least)
{
    struct timespec t0, ts = {0, 50 * 1000000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT_OK(nanosleep(&ts, NULL));
    EXPECT_TRUE(since_ms(CLOCK_MONOTONIC, &t0) >= 50);
    ts.tv_nsec = 0;
    EXPECT_OK(nanosleep(&ts, NULL));
}

TEST(nanosleep_einval)
{
    struct timespec ts = {0, 1000000000};
    EXPECT_ERRNO(nanosleep(&ts, NULL), EINVAL);
    ts.tv_nsec = -1;
    EXPECT_ERRNO(nanosleep(&ts, NULL), EINVAL);
    ts.tv_sec = -1;
    ts.tv_nsec = 0;
    EXPECT_ERRNO(nanosleep(&ts, NULL), EINVAL);
    EXPECT_ERRNO(syscall(SYS_nanosleep, (void *)1, NULL), EFAULT);
}

static void handler(int sig)
{
    (void)sig;
}

TEST(nanosleep_eintr_reports_remaining)
{
    signal(SIGALRM, handler);
    alarm(1);
    struct timespec ts = {4, 0}, rem = {0, 0};
    EXPECT_ERRNO(nanosleep(&ts, &rem), EINTR);
    EXPECT_TRUE(rem.tv_sec >= 2 && rem.tv_sec <= 3);
}

TEST(clock_nanosleep_relative)
{
    struct timespec t0, ts = {0, 30 * 1000000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL), 0);
    EXPECT_TRUE(since_ms(CLOCK_MONOTONIC, &t0) >= 30);
}

TEST(clock_nanosleep_abstime)
{
    clockid_t cs[] = {CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME};
    for (size_t i = 0; i < 3; i++) {
        struct timespec t0, target;
        clock_gettime(cs[i], &t0);
        target = t0;
        target.tv_nsec += 40 * 1000000;
        if (target.tv_nsec >= 1000000000) {
            target.tv_sec++;
            target.tv_nsec -= 1000000000;
        }
        EXPECT_EQ(clock_nanosleep(cs[i], TIMER_ABSTIME, &target, NULL), 0);
        EXPECT_TRUE(since_ms(cs[i], &t0) >= 39);
    }
}

TEST(clock_nanosleep_abstime_in_past_returns_at_once)
{
    struct timespec past = {1, 0};
    EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL), 0);
}

TEST(clock_nanosleep_errors)
{
    /* clock_nanosleep returns the error number rather than setting errno. */
    struct timespec ts = {0, 1000000000};
    EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL), EINVAL);
    ts.tv_nsec = 0;
    EXPECT_EQ(clock_nanosleep(12345, 0, &ts, NULL), EINVAL);
    EXPECT_ERRNO(syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &ts, NULL), EOPNOTSUPP);
    EXPECT_ERRNO(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (void *)1, NULL), EFAULT);
}

TEST(nanosleep_uses_no_cpu)
{
    /* A sleeping process is not running: its CPU clock (user and system time) barely moves. */
    struct timespec c0, c1, d = {0, 300000000};
    CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0));
    EXPECT_OK(nanosleep(&d, NULL));
    CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1));
    long used_ms = (c1.tv_sec - c0.tv_sec) * 1000 + (c1.tv_nsec - c0.tv_nsec) / 1000000;
    if (used_ms >= 100)
        FAIL("a 300 ms sleep used %ld ms of CPU", used_ms);
}
