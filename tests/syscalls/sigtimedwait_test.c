// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for rt_sigtimedwait: dequeuing a pending blocked signal with its siginfo,
 * EAGAIN on timeout, EINTR from an unwaited handled signal, and EINVAL for bad timeouts. */
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static sigset_t only(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    return s;
}

TEST(dequeues_pending_signal)
{
    sigset_t s = only(SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL));
    CHECK(kill(getpid(), SIGUSR1));
    siginfo_t si;
    struct timespec ts = {1, 0};
    EXPECT_EQ(sigtimedwait(&s, &si, &ts), SIGUSR1);
    EXPECT_EQ(si.si_signo, SIGUSR1);
    EXPECT_EQ(si.si_code, SI_USER);
    EXPECT_EQ(si.si_pid, getpid());
    sigset_t p;
    CHECK(sigpending(&p));
    EXPECT_TRUE(!sigismember(&p, SIGUSR1));
}

TEST(timeout_eagain)
{
    sigset_t s = only(SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL));
    struct timespec ts = {0, 50 * 1000000}, t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT_ERRNO(sigtimedwait(&s, NULL, &ts), EAGAIN);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    EXPECT_TRUE((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 49);
    ts.tv_nsec = 0;
    EXPECT_ERRNO(sigtimedwait(&s, NULL, &ts), EAGAIN); /* zero timeout polls */
}

TEST(waits_for_signal_from_child)
{
    sigset_t s = only(SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL));
    pid_t parent = getpid();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int late = harness_wait_process_sleeping(parent); /* in sigtimedwait */
        kill(parent, SIGUSR2);
        _exit(late ? 9 : 0);
    }
    siginfo_t si;
    struct timespec ts = {5, 0};
    EXPECT_EQ(sigtimedwait(&s, &si, &ts), SIGUSR2);
    EXPECT_EQ(si.si_pid, pid);
    EXPECT_EXIT(pid, 0);
}

static void handler(int sig)
{
    (void)sig;
}

TEST(other_handled_signal_eintr)
{
    sigset_t s = only(SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL));
    signal(SIGALRM, handler);
    alarm(1);
    struct timespec ts = {5, 0};
    EXPECT_ERRNO(sigtimedwait(&s, NULL, &ts), EINTR);
}

TEST(sigchld_can_be_waited)
{
    sigset_t s = only(SIGCHLD);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL));
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(6);
    siginfo_t si;
    struct timespec ts = {5, 0};
    EXPECT_EQ(sigtimedwait(&s, &si, &ts), SIGCHLD);
    EXPECT_EQ(si.si_code, CLD_EXITED);
    EXPECT_EQ(si.si_pid, pid);
    EXPECT_EQ(si.si_status, 6);
    EXPECT_EXIT(pid, 6);
}

TEST(errors)
{
    sigset_t s = only(SIGUSR1);
    struct timespec bad = {0, 1000000000};
    EXPECT_ERRNO(sigtimedwait(&s, NULL, &bad), EINVAL);
    bad.tv_sec = -1;
    bad.tv_nsec = 0;
    EXPECT_ERRNO(sigtimedwait(&s, NULL, &bad), EINVAL);
    struct timespec ts = {0, 0};
    EXPECT_ERRNO(syscall(SYS_rt_sigtimedwait, &s, NULL, &ts, 4), EINVAL);
}
