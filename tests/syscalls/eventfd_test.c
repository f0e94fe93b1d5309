// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for eventfd2: counter semantics, EFD_SEMAPHORE, EFD_NONBLOCK EAGAIN, overflow
 * of the counter, short-buffer EINVAL, and poll readiness. */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(counter_accumulates_and_resets)
{
    int fd = CHECK(eventfd(3, EFD_NONBLOCK));
    uint64_t v = 4;
    EXPECT_EQ(write(fd, &v, 8), 8);
    EXPECT_EQ(read(fd, &v, 8), 8);
    EXPECT_EQ(v, 7);
    EXPECT_ERRNO(read(fd, &v, 8), EAGAIN);
    close(fd);
}

TEST(semaphore_mode)
{
    int fd = CHECK(eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK));
    uint64_t v;
    EXPECT_EQ(read(fd, &v, 8), 8);
    EXPECT_EQ(v, 1);
    EXPECT_EQ(read(fd, &v, 8), 8);
    EXPECT_EQ(v, 1);
    EXPECT_ERRNO(read(fd, &v, 8), EAGAIN);
    close(fd);
}

TEST(overflow_blocks_or_eagain)
{
    int fd = CHECK(eventfd(0, EFD_NONBLOCK));
    uint64_t v = 0xfffffffffffffffeULL; /* the maximum counter value */
    EXPECT_EQ(write(fd, &v, 8), 8);
    v = 1;
    EXPECT_ERRNO(write(fd, &v, 8), EAGAIN);
    v = 0xffffffffffffffffULL;
    EXPECT_ERRNO(write(fd, &v, 8), EINVAL);
    CHECK(read(fd, &v, 8));
    EXPECT_EQ(v, 0xfffffffffffffffeULL);
    close(fd);
}

TEST(short_buffers_einval)
{
    int fd = CHECK(eventfd(1, 0));
    uint32_t small = 1;
    EXPECT_ERRNO(write(fd, &small, 4), EINVAL);
    EXPECT_ERRNO(read(fd, &small, 4), EINVAL);
    close(fd);
    EXPECT_ERRNO(eventfd(0, O_APPEND), EINVAL);
}

TEST(flags_applied)
{
    int fd = CHECK(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
    close(fd);
}

TEST(poll_readiness)
{
    int fd = CHECK(eventfd(0, 0));
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
    EXPECT_EQ(poll(&p, 1, 0), 1);
    EXPECT_EQ(p.revents, POLLOUT);
    uint64_t v = 1;
    CHECK(write(fd, &v, 8));
    EXPECT_EQ(poll(&p, 1, 0), 1);
    EXPECT_EQ(p.revents, POLLIN | POLLOUT);
    close(fd);
}

TEST(blocking_read_woken_by_child)
{
    int fd = CHECK(eventfd(0, 0));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int late = harness_wait_process_sleeping(getppid()); /* in read */
        uint64_t v = 5;
        _exit(write(fd, &v, 8) == 8 ? (late ? 9 : 0) : 1);
    }
    uint64_t v = 0;
    EXPECT_EQ(read(fd, &v, 8), 8);
    EXPECT_EQ(v, 5);
    EXPECT_EXIT(pid, 0);
    close(fd);
}
