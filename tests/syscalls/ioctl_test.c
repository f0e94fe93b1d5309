// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for ioctl: ENOTTY for terminal requests on files and pipes, FIONREAD and
 * FIONBIO on pipes, FIOCLEX/FIONCLEX, EBADF, and TCGETS on stdin only when it is a terminal. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(tcgets_on_regular_file_enotty)
{
    write_file(tpath("f"), "x", 0644);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    struct termios t;
    EXPECT_ERRNO(ioctl(fd, TCGETS, &t), ENOTTY);
    EXPECT_EQ(isatty(fd), 0);
    EXPECT_EQ(errno, ENOTTY);
    close(fd);
}

TEST(tcgets_on_pipe_and_devnull_enotty)
{
    int p[2];
    CHECK(pipe(p));
    struct termios t;
    EXPECT_ERRNO(ioctl(p[0], TCGETS, &t), ENOTTY);
    close(p[0]);
    close(p[1]);
    int fd = CHECK(open("/dev/null", O_RDWR));
    EXPECT_ERRNO(ioctl(fd, TCGETS, &t), ENOTTY);
    close(fd);
}

TEST(fionread_on_pipe)
{
    int p[2];
    CHECK(pipe(p));
    int n = -1;
    EXPECT_OK(ioctl(p[0], FIONREAD, &n));
    EXPECT_EQ(n, 0);
    CHECK(write(p[1], "hello", 5));
    EXPECT_OK(ioctl(p[0], FIONREAD, &n));
    EXPECT_EQ(n, 5);
    close(p[0]);
    close(p[1]);
}

TEST(fionbio_sets_nonblock)
{
    int p[2];
    CHECK(pipe(p));
    int on = 1;
    EXPECT_OK(ioctl(p[0], FIONBIO, &on));
    EXPECT_TRUE(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    char c;
    EXPECT_ERRNO(read(p[0], &c, 1), EAGAIN);
    close(p[0]);
    close(p[1]);
}

TEST(fioclex_fionclex)
{
    int fd = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_OK(ioctl(fd, FIOCLEX));
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT_OK(ioctl(fd, FIONCLEX));
    EXPECT_EQ(fcntl(fd, F_GETFD), 0);
    close(fd);
}

TEST(bad_fd_ebadf)
{
    int n;
    EXPECT_ERRNO(ioctl(-1, FIONREAD, &n), EBADF);
}

TEST(tcgets_on_tty)
{
    if (!isatty(0))
        SKIP("stdin is not a terminal");
    struct termios t;
    EXPECT_OK(ioctl(0, TCGETS, &t));
    struct winsize ws;
    EXPECT_OK(ioctl(0, TIOCGWINSZ, &ws));
}
