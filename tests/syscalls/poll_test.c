// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for poll and ppoll: pipe readiness, timeouts, POLLHUP and POLLERR, POLLNVAL
 * for bad descriptors, negative fds ignored, ppoll's signal mask, and EINVAL/EFAULT. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static long elapsed_ms(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

TEST(timeout_with_nothing_ready)
{
    int p[2];
    CHECK(pipe(p));
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT_EQ(poll(&pfd, 1, 50), 0);
    EXPECT_TRUE(elapsed_ms(&t0) >= 49);
    EXPECT_EQ(pfd.revents, 0);
    EXPECT_EQ(poll(&pfd, 1, 0), 0);
    close(p[0]);
    close(p[1]);
}

TEST(readiness_of_pipe_ends)
{
    int p[2];
    CHECK(pipe(p));
    struct pollfd pfd[2] = {{.fd = p[0], .events = POLLIN}, {.fd = p[1], .events = POLLOUT}};
    EXPECT_EQ(poll(pfd, 2, 0), 1);
    EXPECT_EQ(pfd[0].revents, 0);
    EXPECT_EQ(pfd[1].revents, POLLOUT);
    CHECK(write(p[1], "x", 1));
    EXPECT_EQ(poll(pfd, 2, 0), 2);
    EXPECT_EQ(pfd[0].revents, POLLIN);
    close(p[0]);
    close(p[1]);
}

TEST(pollhup_after_writer_closes)
{
    int p[2];
    CHECK(pipe(p));
    close(p[1]);
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    EXPECT_EQ(poll(&pfd, 1, 1000), 1);
    EXPECT_TRUE(pfd.revents & POLLHUP);
    close(p[0]);
}

TEST(pollerr_after_reader_closes)
{
    int p[2];
    CHECK(pipe(p));
    close(p[0]);
    struct pollfd pfd = {.fd = p[1], .events = POLLOUT};
    EXPECT_EQ(poll(&pfd, 1, 0), 1);
    EXPECT_TRUE(pfd.revents & POLLERR);
    close(p[1]);
}

TEST(pollnval_and_negative_fd)
{
    struct pollfd pfd[2] = {{.fd = 4000, .events = POLLIN}, {.fd = -1, .events = POLLIN}};
    EXPECT_EQ(poll(pfd, 2, 0), 1);
    EXPECT_EQ(pfd[0].revents, POLLNVAL);
    EXPECT_EQ(pfd[1].revents, 0);
}

TEST(wakes_when_child_writes)
{
    int p[2];
    CHECK(pipe(p));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int late = harness_wait_process_sleeping(getppid()); /* in poll */
        (void)!write(p[1], "x", 1);
        _exit(late ? 9 : 0);
    }
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    EXPECT_EQ(poll(&pfd, 1, 5000), 1);
    EXPECT_EQ(pfd.revents, POLLIN);
    EXPECT_EXIT(pid, 0);
    close(p[0]);
    close(p[1]);
}

static void on_usr1(int sig)
{
    (void)sig;
}

TEST(ppoll_timeout_and_sigmask)
{
    int p[2];
    CHECK(pipe(p));
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    struct timespec ts = {0, 20 * 1000000};
    EXPECT_EQ(ppoll(&pfd, 1, &ts, NULL), 0);
    /* A signal unblocked only by ppoll's mask interrupts it. */
    signal(SIGUSR1, on_usr1);
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    CHECK(sigprocmask(SIG_BLOCK, &block, NULL));
    CHECK(kill(getpid(), SIGUSR1));
    ts.tv_sec = 5;
    EXPECT_ERRNO(ppoll(&pfd, 1, &ts, &empty), EINTR);
    ts.tv_nsec = 1000000000;
    EXPECT_ERRNO(ppoll(&pfd, 1, &ts, NULL), EINVAL);
    close(p[0]);
    close(p[1]);
}

TEST(errors)
{
    EXPECT_ERRNO(syscall(SYS_poll, (void *)1, 1, 0), EFAULT);
    EXPECT_ERRNO(syscall(SYS_poll, NULL, 1UL << 30, 0), EINVAL);
}
