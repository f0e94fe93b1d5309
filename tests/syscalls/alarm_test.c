// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for alarm: delivery of SIGALRM, the remaining seconds returned by a second
 * call, cancellation with alarm(0), default action, and no inheritance across fork. */
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static volatile int fired;

static void handler(int sig)
{
    (void)sig;
    fired++;
}

TEST(alarm_delivers_sigalrm)
{
    signal(SIGALRM, handler);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT_EQ(alarm(1), 0);
    while (!fired)
        pause();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    EXPECT_EQ(fired, 1);
    EXPECT_TRUE((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 990);
}

TEST(second_call_returns_remaining)
{
    signal(SIGALRM, handler);
    EXPECT_EQ(alarm(10), 0);
    unsigned left = alarm(5);
    EXPECT_TRUE(left >= 9 && left <= 10);
    left = alarm(0);
    EXPECT_TRUE(left >= 4 && left <= 5);
    EXPECT_EQ(alarm(0), 0);
}

TEST(cancelled_alarm_does_not_fire)
{
    signal(SIGALRM, handler);
    fired = 0;
    alarm(1);
    alarm(0);
    struct itimerval v;
    CHECK(getitimer(ITIMER_REAL, &v)); /* alarm shares the ITIMER_REAL timer */
    EXPECT_EQ(v.it_value.tv_sec, 0);
    EXPECT_EQ(v.it_value.tv_usec, 0);
    usleep(100000);
    EXPECT_EQ(fired, 0);
}

TEST(default_action_terminates)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct itimerval it = {{0, 0}, {0, 10000}}; /* SIGALRM, like alarm, but sooner */
        setitimer(ITIMER_REAL, &it, NULL);
        for (;;)
            pause();
    }
    EXPECT_SIGNALED(pid, SIGALRM);
}

TEST(not_inherited_by_fork)
{
    signal(SIGALRM, handler);
    alarm(10);
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(alarm(0) == 0 ? 0 : 1);
    EXPECT_EXIT(pid, 0);
    alarm(0);
}
