// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for epoll_create1, epoll_ctl and epoll_wait/epoll_pwait: the ADD/MOD/DEL
 * error paths, timeouts, level- and edge-triggered readiness, EPOLLONESHOT and user data. */
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(create1_flags)
{
    int ep = CHECK(epoll_create1(0));
    EXPECT_EQ(fcntl(ep, F_GETFD), 0);
    close(ep);
    ep = CHECK(epoll_create1(EPOLL_CLOEXEC));
    EXPECT_EQ(fcntl(ep, F_GETFD), FD_CLOEXEC);
    close(ep);
    EXPECT_ERRNO(epoll_create1(1), EINVAL);
    EXPECT_ERRNO(epoll_create(0), EINVAL);
    ep = CHECK(epoll_create(1));
    close(ep);
}

TEST(ctl_errors)
{
    int ep = CHECK(epoll_create1(0));
    int p[2];
    CHECK(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
    EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
    EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], &ev), ENOENT);
    EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
    EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
    EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, 4000, &ev), EBADF);
    EXPECT_ERRNO(epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev), EINVAL);
    EXPECT_ERRNO(epoll_ctl(ep, 99, p[1], &ev), EINVAL);
    write_file(tpath("f"), "", 0644);
    int f = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev), EPERM); /* regular files are not pollable */
    EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
    close(f);
    close(p[0]);
    close(p[1]);
    close(ep);
}

TEST(wait_timeout_and_ready)
{
    int ep = CHECK(epoll_create1(0));
    int p[2];
    CHECK(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1234567890ULL};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    struct epoll_event out[4];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT_EQ(epoll_wait(ep, out, 4, 50), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    EXPECT_TRUE((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 49);
    CHECK(write(p[1], "x", 1));
    EXPECT_EQ(epoll_wait(ep, out, 4, 1000), 1);
    EXPECT_EQ(out[0].events, EPOLLIN);
    EXPECT_EQ(out[0].data.u64, 0x1234567890ULL);
    /* Level-triggered: still reported until drained. */
    EXPECT_EQ(epoll_wait(ep, out, 4, 0), 1);
    char c;
    CHECK(read(p[0], &c, 1));
    EXPECT_EQ(epoll_wait(ep, out, 4, 0), 0);
    EXPECT_ERRNO(epoll_wait(ep, out, 0, 0), EINVAL);
    EXPECT_ERRNO(epoll_wait(p[0], out, 1, 0), EINVAL);
    close(p[0]);
    close(p[1]);
    close(ep);
}

TEST(mod_changes_events)
{
    int ep = CHECK(epoll_create1(0));
    int p[2];
    CHECK(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = p[1]};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    struct epoll_event out;
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 0);
    ev.events = EPOLLOUT;
    EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 1);
    EXPECT_EQ(out.events, EPOLLOUT);
    EXPECT_EQ(out.data.fd, p[1]);
    close(p[0]);
    close(p[1]);
    close(ep);
}

TEST(oneshot_disables_until_mod)
{
    int ep = CHECK(epoll_create1(0));
    int p[2];
    CHECK(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    CHECK(write(p[1], "xy", 2));
    struct epoll_event out;
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 1);
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 0);
    EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST); /* still registered */
    EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 1);
    close(p[0]);
    close(p[1]);
    close(ep);
}

TEST(edge_triggered_reports_new_data_only)
{
    int ep = CHECK(epoll_create1(0));
    int p[2];
    CHECK(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    struct epoll_event out;
    CHECK(write(p[1], "a", 1));
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 1);
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 0); /* data still there, but no new edge */
    CHECK(write(p[1], "b", 1));
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 1);
    close(p[0]);
    close(p[1]);
    close(ep);
}

TEST(hangup_reported)
{
    int ep = CHECK(epoll_create1(0));
    int p[2];
    CHECK(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    close(p[1]);
    struct epoll_event out;
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 1);
    EXPECT_TRUE(out.events & EPOLLHUP);
    close(p[0]);
    close(ep);
}

TEST(closed_fd_is_removed)
{
    int ep = CHECK(epoll_create1(0));
    int p[2];
    CHECK(pipe(p));
    struct epoll_event ev = {.events = EPOLLOUT};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    close(p[1]);
    struct epoll_event out;
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 0);
    close(p[0]);
    close(ep);
}

TEST(wakes_on_write_from_child)
{
    int ep = CHECK(epoll_create1(0));
    int p[2];
    CHECK(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int late = harness_wait_process_sleeping(getppid()); /* in epoll_pwait */
        (void)!write(p[1], "x", 1);
        _exit(late ? 9 : 0);
    }
    struct epoll_event out;
    EXPECT_EQ(epoll_pwait(ep, &out, 1, 5000, NULL), 1);
    EXPECT_EXIT(pid, 0);
    close(p[0]);
    close(p[1]);
    close(ep);
}
