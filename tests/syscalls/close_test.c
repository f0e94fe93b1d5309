// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for close and close_range: EBADF on bad and already-closed descriptors, and
 * that a closed slot is reused. */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(close_bad_fd)
{
    EXPECT_ERRNO(close(-1), EBADF);
    EXPECT_ERRNO(close(12345), EBADF);
}

TEST(double_close_ebadf)
{
    int fd = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_OK(close(fd));
    EXPECT_ERRNO(close(fd), EBADF);
    EXPECT_ERRNO(fcntl(fd, F_GETFD), EBADF);
}

TEST(closed_slot_reused)
{
    int a = CHECK(open("/dev/null", O_RDONLY));
    int b = CHECK(open("/dev/null", O_RDONLY));
    CHECK(close(a));
    int c = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_EQ(c, a);
    close(b);
    close(c);
}

TEST(close_one_dup_keeps_other)
{
    int p[2];
    CHECK(pipe(p));
    int d = CHECK(dup(p[1]));
    CHECK(close(p[1]));
    EXPECT_EQ(write(d, "z", 1), 1);
    char c = 0;
    EXPECT_EQ(read(p[0], &c, 1), 1);
    EXPECT_EQ(c, 'z');
    close(d);
    close(p[0]);
}

TEST(close_range_closes_span)
{
    int base = 300;
    for (int i = 0; i < 5; i++)
        CHECK(dup2(0, base + i));
    long r = syscall(SYS_close_range, base + 1, base + 3, 0);
    if (r == -1 && errno == ENOSYS)
        SKIP("close_range not available");
    EXPECT_EQ(r, 0);
    EXPECT_OK(fcntl(base, F_GETFD));
    EXPECT_ERRNO(fcntl(base + 1, F_GETFD), EBADF);
    EXPECT_ERRNO(fcntl(base + 3, F_GETFD), EBADF);
    EXPECT_OK(fcntl(base + 4, F_GETFD));
    EXPECT_ERRNO(syscall(SYS_close_range, 10, 5, 0), EINVAL);
}
