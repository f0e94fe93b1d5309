// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for select and pselect6: pipe readiness, the timeout being updated, EBADF for
 * closed descriptors, EINVAL for bad nfds/timeouts, and pselect's signal mask. */
#include <signal.h>
#include <stdint.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(select_timeout_updates_tv)
{
    int p[2];
    CHECK(pipe(p));
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv = {0, 50000};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT_EQ(select(p[0] + 1, &r, NULL, NULL, &tv), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    EXPECT_TRUE(ms >= 49);
    EXPECT_EQ(tv.tv_sec, 0);
    EXPECT_EQ(tv.tv_usec, 0);
    EXPECT_TRUE(!FD_ISSET(p[0], &r));
    close(p[0]);
    close(p[1]);
}

TEST(select_readiness)
{
    int p[2];
    CHECK(pipe(p));
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    struct timeval tv = {0, 0};
    EXPECT_EQ(select(p[1] + 1, &r, &w, NULL, &tv), 1);
    EXPECT_TRUE(!FD_ISSET(p[0], &r));
    EXPECT_TRUE(FD_ISSET(p[1], &w));
    CHECK(write(p[1], "x", 1));
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 1;
    EXPECT_EQ(select(p[0] + 1, &r, NULL, NULL, &tv), 1);
    EXPECT_TRUE(FD_ISSET(p[0], &r));
    EXPECT_TRUE(tv.tv_sec <= 1);
    close(p[0]);
    close(p[1]);
}

TEST(select_eof_is_readable)
{
    int p[2];
    CHECK(pipe(p));
    close(p[1]);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    EXPECT_EQ(select(p[0] + 1, &r, NULL, NULL, NULL), 1);
    EXPECT_TRUE(FD_ISSET(p[0], &r));
    close(p[0]);
}

TEST(select_errors)
{
    int p[2];
    CHECK(pipe(p));
    int bad = p[0];
    close(p[0]);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(bad, &r);
    struct timeval tv = {0, 0};
    EXPECT_ERRNO(select(bad + 1, &r, NULL, NULL, &tv), EBADF);
    FD_ZERO(&r);
    EXPECT_ERRNO(select(-1, &r, NULL, NULL, &tv), EINVAL);
    tv.tv_usec = -1;
    EXPECT_ERRNO(select(1, &r, NULL, NULL, &tv), EINVAL);
    close(p[1]);
}

TEST(select_with_no_fds_sleeps)
{
    struct timeval tv = {0, 30000};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT_EQ(select(0, NULL, NULL, NULL, &tv), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    EXPECT_TRUE(ms >= 29);
}

static void on_usr1(int sig)
{
    (void)sig;
}

TEST(pselect6_sigmask_and_timeout)
{
    int p[2];
    CHECK(pipe(p));
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = {0, 10000000};
    EXPECT_EQ(pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL), 0);
    signal(SIGUSR1, on_usr1);
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    CHECK(sigprocmask(SIG_BLOCK, &block, NULL));
    CHECK(raise(SIGUSR1));
    FD_SET(p[0], &r);
    ts.tv_sec = 5;
    EXPECT_ERRNO(pselect(p[0] + 1, &r, NULL, NULL, &ts, &empty), EINTR);
    /* The original mask is back: SIGUSR1 is still blocked. */
    sigset_t cur;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur));
    EXPECT_TRUE(sigismember(&cur, SIGUSR1));
    ts.tv_nsec = -5;
    EXPECT_ERRNO(pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL), EINVAL);
    close(p[0]);
    close(p[1]);
}

/* In a process whose only descriptors are 0-2 and a pipe: select on descriptors above the
 * highest open one. Returns 0 or the number of the failed step. */
static int closed_above_highest(void)
{
    if (syscall(SYS_close_range, 3, ~0u, 0) != 0)
        return 1;
    int p[2];
    if (pipe(p) != 0)
        return 2;
    int hi = dup(p[1]);
    close(hi);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(hi, &r);
    struct timeval tv = {0, 0};
    if (select(hi + 1, &r, NULL, NULL, &tv) != -1 || errno != EBADF)
        return 3;
    FD_ZERO(&r);
    FD_SET(63, &r);
    if (select(64, &r, NULL, NULL, &tv) != -1 || errno != EBADF)
        return 4;
    /* Bits past the table's room are ignored (it never shrinks: the harness's descriptors
     * near 900 made it 1024 before the fork). */
    static uint64_t big[8192 / 64];
    memset(big, 0, sizeof(big));
    big[8000 / 64] |= 1ull << (8000 % 64);
    if (select(8001, (fd_set *)big, NULL, NULL, &tv) != 0)
        return 5;
    return 0;
}

TEST(select_closed_above_highest)
{
    /* A closed descriptor above the highest open one is still EBADF: Linux checks the sets
     * against the table's room (at least 64), not against the highest descriptor. */
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(closed_above_highest());
    EXPECT_EXIT(pid, 0);
}
