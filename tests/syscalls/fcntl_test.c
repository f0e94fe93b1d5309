// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for fcntl: F_DUPFD and F_DUPFD_CLOEXEC minimum-fd semantics, F_GETFD/F_SETFD,
 * F_GETFL/F_SETFL for O_NONBLOCK and O_APPEND, and EBADF/EINVAL. */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(dupfd_uses_lowest_at_or_above_min)
{
    int fd = CHECK(open("/dev/null", O_RDONLY));
    int d = CHECK(fcntl(fd, F_DUPFD, 100));
    EXPECT_EQ(d, 100);
    int d2 = CHECK(fcntl(fd, F_DUPFD, 100));
    EXPECT_EQ(d2, 101);
    EXPECT_EQ(fcntl(d, F_GETFD), 0);
    close(d);
    close(d2);
    close(fd);
}

TEST(dupfd_cloexec)
{
    int fd = CHECK(open("/dev/null", O_RDONLY));
    int d = CHECK(fcntl(fd, F_DUPFD_CLOEXEC, 0));
    EXPECT_TRUE(d > fd);
    EXPECT_EQ(fcntl(d, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(fcntl(fd, F_GETFD), 0);
    close(d);
    close(fd);
}

TEST(dupfd_errors)
{
    int fd = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_ERRNO(fcntl(fd, F_DUPFD, -1), EINVAL);
    EXPECT_ERRNO(fcntl(fd, F_DUPFD, 1 << 30), EINVAL);
    EXPECT_ERRNO(fcntl(-1, F_DUPFD, 0), EBADF);
    close(fd);
}

TEST(getfd_setfd)
{
    int fd = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_EQ(fcntl(fd, F_GETFD), 0);
    EXPECT_OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT_OK(fcntl(fd, F_SETFD, 0));
    EXPECT_EQ(fcntl(fd, F_GETFD), 0);
    close(fd);
    EXPECT_ERRNO(fcntl(fd, F_GETFD), EBADF);
}

TEST(getfl_reports_access_mode)
{
    write_file(tpath("f"), "", 0644);
    int fd = CHECK(open(tpath("f"), O_WRONLY | O_APPEND));
    int fl = CHECK(fcntl(fd, F_GETFL));
    EXPECT_EQ(fl & O_ACCMODE, O_WRONLY);
    EXPECT_TRUE(fl & O_APPEND);
    close(fd);
    fd = CHECK(open(tpath("f"), O_RDWR));
    EXPECT_EQ(CHECK(fcntl(fd, F_GETFL)) & O_ACCMODE, O_RDWR);
    close(fd);
}

TEST(setfl_nonblock_on_pipe)
{
    int p[2];
    CHECK(pipe(p));
    char c;
    EXPECT_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
    EXPECT_TRUE(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    EXPECT_ERRNO(read(p[0], &c, 1), EAGAIN);
    EXPECT_OK(fcntl(p[0], F_SETFL, 0));
    EXPECT_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
    close(p[0]);
    close(p[1]);
}

TEST(setfl_append_and_ignored_bits)
{
    write_file(tpath("f"), "abc", 0644);
    int fd = CHECK(open(tpath("f"), O_WRONLY));
    EXPECT_OK(fcntl(fd, F_SETFL, O_APPEND | O_RDONLY | O_CREAT));
    int fl = CHECK(fcntl(fd, F_GETFL));
    EXPECT_TRUE(fl & O_APPEND);
    EXPECT_EQ(fl & O_ACCMODE, O_WRONLY); /* access mode cannot be changed */
    EXPECT_EQ(write(fd, "d", 1), 1);
    char buf[8];
    read_file(tpath("f"), buf, sizeof(buf));
    EXPECT_STREQ(buf, "abcd");
    close(fd);
}

TEST(status_flags_shared_by_dups_but_fd_flags_not)
{
    int p[2];
    CHECK(pipe(p));
    int d = CHECK(dup(p[0]));
    CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK));
    EXPECT_TRUE(fcntl(d, F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(p[0], F_SETFD, FD_CLOEXEC));
    EXPECT_EQ(fcntl(d, F_GETFD), 0);
    close(d);
    close(p[0]);
    close(p[1]);
}

TEST(bad_command_einval)
{
    int fd = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_ERRNO(fcntl(fd, 0x7fff), EINVAL);
    close(fd);
}

TEST(f_notify)
{
    /* dnotify: a directory takes a watch; the argument is an unsigned int, so the high half
     * of a 64-bit argument is ignored (Python passes a long); no event bits removes it. */
    int d = CHECK(open("/tmp", O_RDONLY | O_DIRECTORY));
    EXPECT_OK(fcntl(d, F_NOTIFY, DN_CREATE | DN_DELETE | DN_MULTISHOT));
    EXPECT_OK(syscall(SYS_fcntl, d, F_NOTIFY, 0xffffffff00000000ul | DN_MODIFY));
    EXPECT_OK(fcntl(d, F_NOTIFY, 0));
    int f = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_ERRNO(fcntl(f, F_NOTIFY, DN_MODIFY), ENOTDIR);
    EXPECT_OK(fcntl(f, F_NOTIFY, DN_MULTISHOT)); /* nothing to remove is fine anywhere */
    close(f);
    close(d);
}
