// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for clock_gettime, clock_getres, gettimeofday and time: every common clock,
 * monotonicity, agreement between the realtime interfaces, CPU-time clocks, and EINVAL. */
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static const clockid_t clocks[] = {
    CLOCK_REALTIME,      CLOCK_MONOTONIC,       CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
    CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE,   CLOCK_BOOTTIME};

TEST(all_clocks_readable)
{
    for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
        struct timespec ts = {-1, -1};
        EXPECT_OK(syscall(SYS_clock_gettime, clocks[i], &ts));
        EXPECT_TRUE(ts.tv_sec >= 0);
        EXPECT_TRUE(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
    }
}

TEST(all_clocks_have_resolution)
{
    for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
        struct timespec res = {-1, -1};
        EXPECT_OK(syscall(SYS_clock_getres, clocks[i], &res));
        EXPECT_EQ(res.tv_sec, 0);
        EXPECT_TRUE(res.tv_nsec > 0);
    }
    EXPECT_OK(syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
}

TEST(monotonic_never_goes_back)
{
    struct timespec a, b;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &a));
    for (int i = 0; i < 1000; i++) {
        CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b));
        if (b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec))
            FATAL("monotonic went backwards");
        a = b;
    }
}

TEST(boottime_at_least_monotonic)
{
    struct timespec m, b;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &m));
    CHECK(clock_gettime(CLOCK_BOOTTIME, &b));
    EXPECT_TRUE(b.tv_sec >= m.tv_sec);
}

TEST(realtime_agrees_with_gettimeofday_and_time)
{
    struct timespec ts, coarse;
    struct timeval tv;
    CHECK(syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts));
    CHECK(syscall(SYS_clock_gettime, CLOCK_REALTIME_COARSE, &coarse));
    CHECK(syscall(SYS_gettimeofday, &tv, NULL));
    long t = (long)syscall(SYS_time, NULL);
    EXPECT_TRUE(ts.tv_sec > 1600000000); /* after 2020 */
    EXPECT_TRUE(tv.tv_sec >= ts.tv_sec && tv.tv_sec - ts.tv_sec <= 2);
    /* time() gives the coarse clock's seconds (the last tick's), which at a second boundary
     * may still be one behind CLOCK_REALTIME read just before. */
    EXPECT_TRUE(t >= coarse.tv_sec && t - ts.tv_sec <= 2);
    EXPECT_TRUE(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    time_t out = 0;
    long r = (long)syscall(SYS_time, &out);
    EXPECT_EQ(r, (long)out);
}

TEST(process_cputime_advances_with_work)
{
    struct timespec a, b;
    CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a));
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 20000000; i++)
        x += i;
    CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b));
    long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
    EXPECT_TRUE(ns > 1000000);
}

TEST(einval_and_efault)
{
    struct timespec ts;
    EXPECT_ERRNO(syscall(SYS_clock_gettime, 12345, &ts), EINVAL);
    EXPECT_ERRNO(syscall(SYS_clock_getres, 12345, &ts), EINVAL);
    EXPECT_ERRNO(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)1), EFAULT);
    EXPECT_ERRNO(syscall(SYS_gettimeofday, (void *)1, NULL), EFAULT);
    EXPECT_ERRNO(syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts), EINVAL);
}

TEST(cpu_clock_of_process_via_clock_getcpuclockid)
{
    clockid_t cid;
    EXPECT_EQ(clock_getcpuclockid(getpid(), &cid), 0);
    struct timespec ts;
    EXPECT_OK(clock_gettime(cid, &ts));
}
