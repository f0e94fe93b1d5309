// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for getrlimit, setrlimit and prlimit64: reading and lowering limits, EINVAL
 * for soft > hard and bad resources, EPERM for raising the hard limit unprivileged, and
 * RLIMIT_NOFILE enforcement through EMFILE. */
#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(get_and_lower_nofile)
{
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NOFILE, &rl));
    EXPECT_TRUE(rl.rlim_cur <= rl.rlim_max);
    EXPECT_TRUE(rl.rlim_cur >= 64);
    struct rlimit lower = {32, rl.rlim_max};
    EXPECT_OK(setrlimit(RLIMIT_NOFILE, &lower));
    CHECK(getrlimit(RLIMIT_NOFILE, &rl));
    EXPECT_EQ(rl.rlim_cur, 32);
}

TEST(nofile_enforced_emfile)
{
    struct rlimit rl = {16, 16};
    CHECK(setrlimit(RLIMIT_NOFILE, &rl));
    int last = -1;
    for (int i = 0; i < 32; i++) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) {
            EXPECT_EQ(errno, EMFILE);
            break;
        }
        last = fd;
    }
    EXPECT_EQ(last, 15);
    EXPECT_ERRNO(dup(0), EMFILE);
    EXPECT_ERRNO(fcntl(0, F_DUPFD, 20), EINVAL); /* minimum at or above the limit */
    EXPECT_ERRNO(dup2(0, 16), EBADF);
    int p[2];
    EXPECT_ERRNO(pipe(p), EMFILE);
    close(last);
    EXPECT_EQ(dup(0), last);
}

TEST(prlimit64_get_set_old)
{
    struct rlimit old, now, want = {1000, 2000};
    CHECK(getrlimit(RLIMIT_NPROC, &old));
    if (old.rlim_max < 2000)
        want.rlim_max = old.rlim_max, want.rlim_cur = old.rlim_max / 2;
    struct rlimit prev;
    EXPECT_OK(syscall(SYS_prlimit64, 0, RLIMIT_NPROC, &want, &prev));
    EXPECT_EQ(prev.rlim_cur, old.rlim_cur);
    EXPECT_EQ(prev.rlim_max, old.rlim_max);
    EXPECT_OK(syscall(SYS_prlimit64, getpid(), RLIMIT_NPROC, NULL, &now));
    EXPECT_EQ(now.rlim_cur, want.rlim_cur);
    EXPECT_EQ(now.rlim_max, want.rlim_max);
    EXPECT_ERRNO(syscall(SYS_prlimit64, 999999999, RLIMIT_NPROC, NULL, &now), ESRCH);
}

TEST(einval_cases)
{
    struct rlimit rl = {100, 50};
    EXPECT_ERRNO(setrlimit(RLIMIT_NOFILE, &rl), EINVAL);
    struct rlimit ok;
    EXPECT_ERRNO(syscall(SYS_getrlimit, 99, &ok), EINVAL);
    EXPECT_ERRNO(syscall(SYS_setrlimit, 99, &ok), EINVAL);
    EXPECT_ERRNO(syscall(SYS_prlimit64, 0, 99, NULL, &ok), EINVAL);
    struct rlimit huge = {RLIM_INFINITY, RLIM_INFINITY};
    EXPECT_ERRNO(setrlimit(RLIMIT_NOFILE, &huge), EPERM); /* above fs.nr_open even for root */
}

TEST(raising_hard_limit_needs_privilege)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct rlimit rl = {10, 20};
        if (setrlimit(RLIMIT_CORE, &rl) != 0)
            _exit(1);
        if (geteuid() == 0 && (setgroups(0, NULL), setuid(65534)) != 0)
            _exit(2);
        struct rlimit more = {10, 30};
        _exit(setrlimit(RLIMIT_CORE, &more) == -1 && errno == EPERM ? 0 : 3);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(limits_inherited_by_child)
{
    struct rlimit rl = {4096, 8192};
    CHECK(setrlimit(RLIMIT_CORE, &rl));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct rlimit c;
        getrlimit(RLIMIT_CORE, &c);
        _exit(c.rlim_cur == 4096 && c.rlim_max == 8192 ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(stack_and_as_readable)
{
    struct rlimit rl;
    EXPECT_OK(getrlimit(RLIMIT_STACK, &rl));
    EXPECT_TRUE(rl.rlim_cur > 0);
    EXPECT_OK(getrlimit(RLIMIT_AS, &rl));
    EXPECT_OK(getrlimit(RLIMIT_DATA, &rl));
}
