// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for waitid: P_PID/P_ALL/P_PGID selection, the siginfo it fills, WNOWAIT,
 * WNOHANG with si_pid zeroed, stop/continue reports, and EINVAL/ECHILD. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(exited_child_siginfo)
{
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(17);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    EXPECT_OK(waitid(P_PID, pid, &si, WEXITED));
    EXPECT_EQ(si.si_signo, SIGCHLD);
    EXPECT_EQ(si.si_code, CLD_EXITED);
    EXPECT_EQ(si.si_pid, pid);
    EXPECT_EQ(si.si_status, 17);
    EXPECT_EQ(si.si_uid, getuid());
}

TEST(killed_child_siginfo)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK(kill(pid, SIGTERM));
    siginfo_t si;
    EXPECT_OK(waitid(P_ALL, 0, &si, WEXITED));
    EXPECT_EQ(si.si_code, CLD_KILLED);
    EXPECT_EQ(si.si_status, SIGTERM);
    EXPECT_EQ(si.si_pid, pid);
}

TEST(wnowait_leaves_child_waitable)
{
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(3);
    siginfo_t si;
    EXPECT_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
    EXPECT_EQ(si.si_pid, pid);
    EXPECT_OK(waitid(P_PID, pid, &si, WEXITED));
    EXPECT_EQ(si.si_status, 3);
    EXPECT_ERRNO(waitid(P_PID, pid, &si, WEXITED), ECHILD);
}

TEST(wnohang_zeroes_si_pid)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        for (;;)
            pause();
    }
    siginfo_t si;
    memset(&si, 0xff, sizeof(si));
    EXPECT_EQ(waitid(P_PID, pid, &si, WEXITED | WNOHANG), 0);
    EXPECT_EQ(si.si_pid, 0);
    kill(pid, SIGKILL);
    EXPECT_OK(waitid(P_PID, pid, &si, WEXITED));
}

TEST(stopped_and_continued)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK(kill(pid, SIGSTOP));
    siginfo_t si;
    EXPECT_OK(waitid(P_PID, pid, &si, WSTOPPED));
    EXPECT_EQ(si.si_code, CLD_STOPPED);
    EXPECT_EQ(si.si_status, SIGSTOP);
    CHECK(kill(pid, SIGCONT));
    EXPECT_OK(waitid(P_PID, pid, &si, WCONTINUED));
    EXPECT_EQ(si.si_code, CLD_CONTINUED);
    EXPECT_EQ(si.si_status, SIGCONT);
    kill(pid, SIGKILL);
    EXPECT_OK(waitid(P_PID, pid, &si, WEXITED));
}

TEST(by_process_group)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        setpgid(0, 0);
        harness_wait_process_sleeping(getppid()); /* exit while the parent waits */
        _exit(8);
    }
    setpgid(pid, pid);
    siginfo_t si;
    EXPECT_OK(waitid(P_PGID, pid, &si, WEXITED));
    EXPECT_EQ(si.si_pid, pid);
    EXPECT_EQ(si.si_status, 8);
}

TEST(errors)
{
    siginfo_t si;
    EXPECT_ERRNO(waitid(P_ALL, 0, &si, WEXITED), ECHILD);
    EXPECT_ERRNO(waitid(P_ALL, 0, &si, 0), EINVAL); /* no state requested */
    EXPECT_ERRNO(waitid((idtype_t)42, 0, &si, WEXITED), EINVAL);
    EXPECT_ERRNO(waitid(P_PID, 0, &si, WEXITED), EINVAL);
}
