// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for dup, dup2 and dup3: lowest-free allocation, shared file offsets,
 * close-on-exec handling and the EBADF/EINVAL error paths. */
#include <fcntl.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(dup_returns_lowest_free_fd)
{
    int fd = CHECK(open("/dev/null", O_RDONLY));
    int fd2 = CHECK(open("/dev/null", O_RDONLY));
    CHECK(close(fd));
    int d = CHECK(dup(fd2));
    EXPECT_EQ(d, fd);
    close(d);
    close(fd2);
}

TEST(dup_shares_file_offset)
{
    write_file(tpath("f"), "abcdef", 0644);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    int d = CHECK(dup(fd));
    char c;
    EXPECT_EQ(read(fd, &c, 1), 1);
    EXPECT_EQ(c, 'a');
    EXPECT_EQ(read(d, &c, 1), 1);
    EXPECT_EQ(c, 'b');
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 2);
    close(fd);
    close(d);
}

TEST(dup_clears_cloexec)
{
    int fd = CHECK(open("/dev/null", O_RDONLY | O_CLOEXEC));
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    int d = CHECK(dup(fd));
    EXPECT_EQ(fcntl(d, F_GETFD), 0);
    close(fd);
    close(d);
}

TEST(dup_bad_fd)
{
    EXPECT_ERRNO(dup(-1), EBADF);
    EXPECT_ERRNO(dup(4000), EBADF);
}

TEST(dup2_to_specific_fd_replaces_it)
{
    write_file(tpath("f"), "x", 0644);
    int a = CHECK(open(tpath("f"), O_RDONLY));
    int b = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_EQ(dup2(a, b), b);
    char c = 0;
    EXPECT_EQ(read(b, &c, 1), 1); /* b now refers to the file, not /dev/null */
    EXPECT_EQ(c, 'x');
    EXPECT_EQ(dup2(a, 200), 200);
    EXPECT_OK(fcntl(200, F_GETFD));
    close(a);
    close(b);
    close(200);
}

TEST(dup2_same_fd_is_noop)
{
    int fd = CHECK(open("/dev/null", O_RDONLY | O_CLOEXEC));
    EXPECT_EQ(dup2(fd, fd), fd);
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC); /* flags untouched */
    EXPECT_ERRNO(dup2(4000, 4000), EBADF);
    close(fd);
}

TEST(dup2_errors)
{
    int fd = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_ERRNO(dup2(-1, 10), EBADF);
    EXPECT_ERRNO(dup2(fd, -1), EBADF);
    EXPECT_ERRNO(dup2(fd, 1 << 30), EBADF);
    close(fd);
}

TEST(dup3_flags_and_errors)
{
    int fd = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_ERRNO(dup3(fd, fd, 0), EINVAL);
    EXPECT_ERRNO(dup3(fd, fd + 1, O_APPEND), EINVAL);
    EXPECT_ERRNO(dup3(-1, 50, 0), EBADF);
    EXPECT_EQ(dup3(fd, 50, O_CLOEXEC), 50);
    EXPECT_EQ(fcntl(50, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(dup3(fd, 51, 0), 51);
    EXPECT_EQ(fcntl(51, F_GETFD), 0);
    close(fd);
    close(50);
    close(51);
}
