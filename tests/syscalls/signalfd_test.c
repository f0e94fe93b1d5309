// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for signalfd and signalfd4: reading blocked pending signals as
 * signalfd_siginfo records (kill, sigqueue, SIGCHLD), several per read, non-blocking and
 * blocking reads, poll and epoll readiness, changing the mask, the reader's own signals after
 * fork, and the errors. */
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static void block(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL));
}

static int sfd_for(int sig, int flags)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    return CHECK(signalfd(-1, &s, flags));
}

/* Sends @sig to the parent from a child once the parent sleeps (in the call under test). The
 * child exits 0, or 9 if the parent did not block within 10 s. */
static pid_t send_later(int sig)
{
    pid_t parent = getpid();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int late = harness_wait_process_sleeping(parent);
        kill(parent, sig);
        _exit(late ? 9 : 0);
    }
    return pid;
}

TEST(reads_a_kill)
{
    block(SIGUSR1);
    int fd = sfd_for(SIGUSR1, 0);
    CHECK(kill(getpid(), SIGUSR1));
    struct signalfd_siginfo ssi;
    EXPECT_EQ(read(fd, &ssi, sizeof(ssi)), (ssize_t)sizeof(ssi));
    EXPECT_EQ(ssi.ssi_signo, (uint32_t)SIGUSR1);
    EXPECT_EQ(ssi.ssi_code, SI_USER);
    EXPECT_EQ(ssi.ssi_pid, (uint32_t)getpid());
    EXPECT_EQ(ssi.ssi_uid, (uint32_t)getuid());
    sigset_t pend;
    CHECK(sigpending(&pend));
    EXPECT_TRUE(!sigismember(&pend, SIGUSR1)); /* the read took it */
}

TEST(reads_sigqueue_values_several_at_once)
{
    block(SIGUSR1);
    block(SIGRTMIN);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGRTMIN);
    int fd = CHECK(signalfd(-1, &s, SFD_NONBLOCK | SFD_CLOEXEC));
    EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    CHECK(sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 41}));
    CHECK(sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 42}));
    CHECK(kill(getpid(), SIGUSR1));
    struct signalfd_siginfo ssi[4];
    EXPECT_ERRNO(read(fd, ssi, sizeof(ssi[0]) - 1), EINVAL);
    EXPECT_EQ(read(fd, ssi, sizeof(ssi)), (ssize_t)(3 * sizeof(ssi[0])));
    EXPECT_EQ(ssi[0].ssi_signo, (uint32_t)SIGUSR1); /* lowest number first */
    EXPECT_EQ(ssi[1].ssi_signo, (uint32_t)SIGRTMIN);
    EXPECT_EQ(ssi[1].ssi_code, SI_QUEUE);
    EXPECT_EQ(ssi[1].ssi_int, 41);
    EXPECT_EQ(ssi[2].ssi_int, 42); /* real-time signals queue in order */
    EXPECT_ERRNO(read(fd, ssi, sizeof(ssi)), EAGAIN);
}

TEST(sigchld_record)
{
    block(SIGCHLD);
    int fd = sfd_for(SIGCHLD, 0);
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(7);
    struct signalfd_siginfo ssi;
    EXPECT_EQ(read(fd, &ssi, sizeof(ssi)), (ssize_t)sizeof(ssi)); /* blocks until the exit */
    EXPECT_EQ(ssi.ssi_signo, (uint32_t)SIGCHLD);
    EXPECT_EQ(ssi.ssi_code, CLD_EXITED);
    EXPECT_EQ(ssi.ssi_pid, (uint32_t)pid);
    EXPECT_EQ(ssi.ssi_status, 7);
    EXPECT_EXIT(pid, 7);
}

TEST(blocking_read_and_poll_wake_up)
{
    block(SIGUSR2);
    int fd = sfd_for(SIGUSR2, 0);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    EXPECT_EQ(poll(&p, 1, 0), 0);
    pid_t c = send_later(SIGUSR2);
    EXPECT_EQ(poll(&p, 1, 10000), 1);
    EXPECT_EQ(p.revents, POLLIN);
    struct signalfd_siginfo ssi;
    EXPECT_EQ(read(fd, &ssi, sizeof(ssi)), (ssize_t)sizeof(ssi));
    EXPECT_EQ(ssi.ssi_pid, (uint32_t)c);
    EXPECT_EXIT(c, 0);
    c = send_later(SIGUSR2);
    EXPECT_EQ(read(fd, &ssi, sizeof(ssi)), (ssize_t)sizeof(ssi)); /* sleeps until it comes */
    EXPECT_EQ(ssi.ssi_signo, (uint32_t)SIGUSR2);
    EXPECT_EXIT(c, 0);
}

TEST(epoll_reports_it)
{
    block(SIGUSR1);
    int fd = sfd_for(SIGUSR1, SFD_NONBLOCK);
    int ep = CHECK(epoll_create1(0));
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 77};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    EXPECT_EQ(epoll_wait(ep, &ev, 1, 0), 0);
    pid_t c = send_later(SIGUSR1);
    EXPECT_EQ(epoll_wait(ep, &ev, 1, 10000), 1);
    EXPECT_EQ(ev.data.u32, 77u);
    struct signalfd_siginfo ssi;
    EXPECT_EQ(read(fd, &ssi, sizeof(ssi)), (ssize_t)sizeof(ssi));
    EXPECT_EQ(epoll_wait(ep, &ev, 1, 0), 0);
    EXPECT_EXIT(c, 0);
}

TEST(mask_update_and_the_readers_own_signals)
{
    block(SIGUSR1);
    block(SIGUSR2);
    int fd = sfd_for(SIGUSR1, SFD_NONBLOCK);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    EXPECT_EQ(signalfd(fd, &s, 0), fd); /* now SIGUSR2 only */
    CHECK(kill(getpid(), SIGUSR1));
    struct signalfd_siginfo ssi;
    EXPECT_ERRNO(read(fd, &ssi, sizeof(ssi)), EAGAIN);
    pid_t pid = CHECK(fork());
    if (pid == 0) { /* a child's pending set starts empty: it reads its own signals */
        sigset_t s1;
        sigemptyset(&s1);
        sigaddset(&s1, SIGUSR1);
        signalfd(fd, &s1, 0);
        if (read(fd, &ssi, sizeof(ssi)) != -1 || errno != EAGAIN)
            _exit(1);
        kill(getpid(), SIGUSR1);
        _exit(read(fd, &ssi, sizeof(ssi)) == sizeof(ssi) && ssi.ssi_pid == (uint32_t)getpid()
                  ? 0 : 2);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(errors)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    EXPECT_ERRNO(signalfd(-1, &s, 0x1), EINVAL);
    EXPECT_ERRNO(syscall(SYS_signalfd4, -1, &s, 4, 0), EINVAL);
    EXPECT_ERRNO(syscall(SYS_signalfd4, -1, (void *)8, 8, 0), EFAULT);
    int p[2];
    CHECK(pipe(p));
    EXPECT_ERRNO(signalfd(p[0], &s, 0), EINVAL); /* not a signalfd */
    EXPECT_ERRNO(signalfd(999, &s, 0), EBADF);
}
