// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for setitimer and getitimer with ITIMER_REAL: one-shot and periodic timers,
 * the old value, disarming, interaction with alarm, and EINVAL. */
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static volatile int ticks;

static void handler(int sig)
{
    (void)sig;
    ticks++;
}

TEST(initially_disarmed)
{
    struct itimerval v;
    memset(&v, 0xff, sizeof(v));
    EXPECT_OK(getitimer(ITIMER_REAL, &v));
    EXPECT_EQ(v.it_value.tv_sec, 0);
    EXPECT_EQ(v.it_value.tv_usec, 0);
    EXPECT_EQ(v.it_interval.tv_sec, 0);
}

TEST(one_shot_fires_once)
{
    signal(SIGALRM, handler);
    ticks = 0;
    struct itimerval it = {{0, 0}, {0, 30000}};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT_OK(setitimer(ITIMER_REAL, &it, NULL));
    while (!ticks)
        pause();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    EXPECT_TRUE((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 29);
    usleep(60000);
    EXPECT_EQ(ticks, 1);
    struct itimerval v;
    CHECK(getitimer(ITIMER_REAL, &v));
    EXPECT_EQ(v.it_value.tv_sec + v.it_value.tv_usec, 0);
}

TEST(periodic_fires_repeatedly)
{
    signal(SIGALRM, handler);
    ticks = 0;
    struct itimerval it = {{0, 10000}, {0, 10000}};
    CHECK(setitimer(ITIMER_REAL, &it, NULL));
    while (ticks < 3)
        pause();
    struct itimerval v;
    CHECK(getitimer(ITIMER_REAL, &v));
    EXPECT_EQ(v.it_interval.tv_usec, 10000);
    struct itimerval off = {{0, 0}, {0, 0}}, old;
    CHECK(setitimer(ITIMER_REAL, &off, &old));
    EXPECT_EQ(old.it_interval.tv_usec, 10000);
    int seen = ticks;
    usleep(50000);
    EXPECT_EQ(ticks, seen);
}

TEST(getitimer_counts_down)
{
    struct itimerval it = {{0, 0}, {5, 0}}, v;
    signal(SIGALRM, handler);
    CHECK(setitimer(ITIMER_REAL, &it, NULL));
    usleep(20000);
    CHECK(getitimer(ITIMER_REAL, &v));
    EXPECT_EQ(v.it_value.tv_sec, 4);
    EXPECT_TRUE(v.it_value.tv_usec > 0);
    struct itimerval old;
    struct itimerval off = {{0, 0}, {0, 0}};
    CHECK(setitimer(ITIMER_REAL, &off, &old));
    EXPECT_EQ(old.it_value.tv_sec, 4);
}

TEST(shared_with_alarm)
{
    signal(SIGALRM, handler);
    alarm(7);
    struct itimerval v;
    CHECK(getitimer(ITIMER_REAL, &v));
    EXPECT_TRUE(v.it_value.tv_sec >= 6 && v.it_value.tv_sec <= 7);
    alarm(0);
}

TEST(errors)
{
    struct itimerval it = {{0, 0}, {0, 0}};
    EXPECT_ERRNO(setitimer((__itimer_which_t)99, &it, NULL), EINVAL);
    EXPECT_ERRNO(getitimer((__itimer_which_t)99, &it), EINVAL);
    it.it_value.tv_usec = 1000000;
    EXPECT_ERRNO(setitimer(ITIMER_REAL, &it, NULL), EINVAL);
    EXPECT_ERRNO(syscall(SYS_getitimer, ITIMER_REAL, (void *)1), EFAULT);
}
