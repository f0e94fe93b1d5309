// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for timerfd_create/settime/gettime: expirations counted by read, blocking
 * and non-blocking reads, intervals, absolute times, poll readiness and the errors. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static struct itimerspec ms(long value_ms, long interval_ms)
{
    struct itimerspec its = {
        .it_value = {value_ms / 1000, (value_ms % 1000) * 1000000},
        .it_interval = {interval_ms / 1000, (interval_ms % 1000) * 1000000},
    };
    return its;
}

TEST(one_shot_read_blocks_until_expiry)
{
    int fd = CHECK(timerfd_create(CLOCK_MONOTONIC, 0));
    struct itimerspec its = ms(50, 0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    EXPECT_OK(timerfd_settime(fd, 0, &its, NULL));
    uint64_t n = 0;
    EXPECT_EQ(read(fd, &n, sizeof(n)), (ssize_t)sizeof(n));
    clock_gettime(CLOCK_MONOTONIC, &b);
    EXPECT_EQ(n, 1);
    long el = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    EXPECT_TRUE(el >= 45);
    struct itimerspec cur;
    EXPECT_OK(timerfd_gettime(fd, &cur));
    EXPECT_EQ(cur.it_value.tv_sec, 0);
    EXPECT_EQ(cur.it_value.tv_nsec, 0); /* disarmed after a one-shot expiry */
    close(fd);
}

TEST(nonblocking_read_and_small_buffer)
{
    int fd = CHECK(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    uint64_t n;
    EXPECT_ERRNO(read(fd, &n, sizeof(n)), EAGAIN);
    uint32_t small;
    EXPECT_ERRNO(read(fd, &small, sizeof(small)), EINVAL);
    close(fd);
}

TEST(interval_accumulates_expirations)
{
    int fd = CHECK(timerfd_create(CLOCK_MONOTONIC, 0));
    struct itimerspec its = ms(10, 10);
    EXPECT_OK(timerfd_settime(fd, 0, &its, NULL));
    usleep(75000);
    uint64_t n = 0;
    EXPECT_EQ(read(fd, &n, sizeof(n)), (ssize_t)sizeof(n));
    EXPECT_TRUE(n >= 3);
    struct itimerspec cur;
    EXPECT_OK(timerfd_gettime(fd, &cur));
    EXPECT_EQ(cur.it_interval.tv_nsec, 10000000);
    EXPECT_TRUE(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0);
    its = ms(0, 0);
    struct itimerspec old;
    EXPECT_OK(timerfd_settime(fd, 0, &its, &old)); /* disarm, returning the old setting */
    EXPECT_EQ(old.it_interval.tv_nsec, 10000000);
    close(fd);
}

TEST(absolute_realtime_and_poll)
{
    int fd = CHECK(timerfd_create(CLOCK_REALTIME, 0));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct itimerspec its = {.it_value = now};
    its.it_value.tv_nsec += 30000000;
    if (its.it_value.tv_nsec >= 1000000000) {
        its.it_value.tv_sec++;
        its.it_value.tv_nsec -= 1000000000;
    }
    EXPECT_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL));
    struct pollfd p = {.fd = fd, .events = POLLIN};
    EXPECT_EQ(poll(&p, 1, 0), 0);
    EXPECT_EQ(poll(&p, 1, 2000), 1);
    EXPECT_TRUE(p.revents & POLLIN);
    close(fd);
}

TEST(errors)
{
    EXPECT_ERRNO(timerfd_create(12345, 0), EINVAL);
    EXPECT_ERRNO(timerfd_create(CLOCK_MONOTONIC, 0x4), EINVAL);
    int fd = CHECK(timerfd_create(CLOCK_MONOTONIC, 0));
    struct itimerspec bad = {.it_value = {0, 1000000000}};
    EXPECT_ERRNO(timerfd_settime(fd, 0, &bad, NULL), EINVAL);
    struct itimerspec ok = ms(100, 0);
    EXPECT_ERRNO(timerfd_settime(fd, 0x8, &ok, NULL), EINVAL);
    EXPECT_ERRNO(timerfd_settime(fd, 0, (struct itimerspec *)1, NULL), EFAULT);
    int notimer = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_ERRNO(timerfd_settime(notimer, 0, &ok, NULL), EINVAL);
    EXPECT_ERRNO(timerfd_gettime(999, &ok), EBADF);
    close(notimer);
    close(fd);
}
