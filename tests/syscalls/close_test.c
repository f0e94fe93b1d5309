// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for close and close_range: EBADF on bad and already-closed descriptors,
 * that a closed slot is reused, and close_range's CLOSE_RANGE_CLOEXEC and CLOSE_RANGE_UNSHARE. */
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
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

TEST(close_range_cloexec)
{
    int base = CHECK(open("/dev/null", O_RDONLY));
    int a = CHECK(dup(base)), b = CHECK(dup(base));
    EXPECT_OK(syscall(SYS_close_range, a, b, CLOSE_RANGE_CLOEXEC));
    /* Marked, not closed; descriptors outside the range are untouched. */
    EXPECT_EQ(fcntl(a, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(fcntl(b, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(fcntl(base, F_GETFD), 0);
    /* A range past every open descriptor is fine, and unknown flags are not. */
    EXPECT_OK(syscall(SYS_close_range, b + 1, ~0u, CLOSE_RANGE_CLOEXEC));
    EXPECT_ERRNO(syscall(SYS_close_range, a, b, 1u << 5), EINVAL);
    close(a);
    close(b);
    close(base);
}

TEST(close_range_unshare)
{
    /* A child sharing our table (CLONE_FILES) closes a range with CLOSE_RANGE_UNSHARE: it
     * gets its own copy first, so our descriptors stay open. */
    int p[2];
    CHECK(pipe(p));
    int fd = CHECK(open("/dev/null", O_RDONLY));
    fflush(stdout);
    long pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid == 0) {
        if (syscall(SYS_close_range, fd, fd, CLOSE_RANGE_UNSHARE) != 0)
            _exit(2);
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            _exit(3);
        /* No longer shared: a descriptor opened now is not the parent's. */
        int n = open("/dev/null", O_RDONLY);
        _exit(write(p[1], &n, sizeof(n)) == sizeof(n) ? 0 : 4);
    }
    CHECK(pid);
    EXPECT_EXIT((pid_t)pid, 0);
    int n;
    CHECK(read(p[0], &n, sizeof(n)));
    EXPECT_OK(fcntl(fd, F_GETFD));
    if (n != fd) /* the child reused the slot it closed, or took a new one */
        EXPECT_ERRNO(fcntl(n, F_GETFD), EBADF);
    /* Without UNSHARE the shared table loses the descriptor for both. */
    fflush(stdout);
    pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid == 0)
        _exit(syscall(SYS_close_range, fd, fd, 0) == 0 ? 0 : 1);
    CHECK(pid);
    EXPECT_EXIT((pid_t)pid, 0);
    EXPECT_ERRNO(fcntl(fd, F_GETFD), EBADF);
    close(p[0]);
    close(p[1]);
}
