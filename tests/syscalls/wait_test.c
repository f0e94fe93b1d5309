// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for wait4: WNOHANG, ECHILD, selecting by pid and process group, statuses of
 * signal deaths, WUNTRACED/WCONTINUED, rusage, and EINVAL for bad options. */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static pid_t sleeping_child(void)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        for (;;)
            pause();
    }
    return pid;
}

TEST(echild_without_children)
{
    int st;
    EXPECT_ERRNO(wait4(-1, &st, 0, NULL), ECHILD);
    EXPECT_ERRNO(wait4(-1, &st, WNOHANG, NULL), ECHILD);
    EXPECT_ERRNO(wait4(getppid(), &st, 0, NULL), ECHILD);
}

TEST(wnohang_returns_zero_while_running)
{
    pid_t pid = sleeping_child();
    int st = 0;
    EXPECT_EQ(wait4(pid, &st, WNOHANG, NULL), 0);
    CHECK(kill(pid, SIGKILL));
    EXPECT_EQ(wait4(pid, &st, 0, NULL), pid);
    EXPECT_TRUE(WIFSIGNALED(st));
    EXPECT_EQ(WTERMSIG(st), SIGKILL);
}

TEST(signal_death_status)
{
    int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        pid_t pid = sleeping_child();
        CHECK(kill(pid, sigs[i]));
        int st;
        EXPECT_EQ(wait4(pid, &st, 0, NULL), pid);
        EXPECT_TRUE(WIFSIGNALED(st));
        EXPECT_EQ(WTERMSIG(st), sigs[i]);
        EXPECT_TRUE(!WCOREDUMP(st));
    }
}

TEST(wuntraced_and_wcontinued)
{
    pid_t pid = sleeping_child();
    CHECK(kill(pid, SIGSTOP));
    int st;
    EXPECT_EQ(wait4(pid, &st, WUNTRACED, NULL), pid);
    EXPECT_TRUE(WIFSTOPPED(st));
    EXPECT_EQ(WSTOPSIG(st), SIGSTOP);
    /* Reported once only. */
    EXPECT_EQ(wait4(pid, &st, WUNTRACED | WNOHANG, NULL), 0);
    CHECK(kill(pid, SIGCONT));
    EXPECT_EQ(wait4(pid, &st, WCONTINUED, NULL), pid);
    EXPECT_TRUE(WIFCONTINUED(st));
    CHECK(kill(pid, SIGKILL));
    EXPECT_EQ(wait4(pid, &st, 0, NULL), pid);
    EXPECT_TRUE(WIFSIGNALED(st));
}

TEST(stop_not_reported_without_wuntraced)
{
    pid_t pid = sleeping_child();
    CHECK(kill(pid, SIGSTOP));
    CHECK(harness_wait_process_state(pid, "T")); /* stopped */
    int st;
    EXPECT_EQ(wait4(pid, &st, WNOHANG, NULL), 0);
    CHECK(kill(pid, SIGKILL));
    EXPECT_EQ(wait4(pid, &st, 0, NULL), pid);
    EXPECT_EQ(WTERMSIG(st), SIGKILL);
}

TEST(wait_any_and_specific)
{
    pid_t a = CHECK(fork());
    if (a == 0)
        _exit(1);
    pid_t b = CHECK(fork());
    if (b == 0)
        _exit(2);
    int st;
    EXPECT_EQ(wait4(b, &st, 0, NULL), b);
    EXPECT_EQ(WEXITSTATUS(st), 2);
    EXPECT_EQ(wait4(-1, &st, 0, NULL), a);
    EXPECT_EQ(WEXITSTATUS(st), 1);
    EXPECT_ERRNO(wait4(a, &st, 0, NULL), ECHILD);
}

TEST(wait_by_process_group)
{
    pid_t a = CHECK(fork());
    if (a == 0) {
        setpgid(0, 0);
        _exit(11);
    }
    setpgid(a, a); /* either side may win the race; both set the same group */
    int st;
    EXPECT_EQ(wait4(-a, &st, 0, NULL), a);
    EXPECT_EQ(WEXITSTATUS(st), 11);
}

TEST(rusage_reports_cpu_time)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        do
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        while (t.tv_sec == 0 && t.tv_nsec < 30 * 1000000);
        _exit(0);
    }
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    int st;
    EXPECT_EQ(wait4(pid, &st, 0, &ru), pid);
    long us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L + ru.ru_utime.tv_usec +
              ru.ru_stime.tv_usec;
    EXPECT_TRUE(us >= 10000);
}

TEST(bad_options_einval)
{
    int st;
    EXPECT_ERRNO(wait4(-1, &st, 0x100, NULL), EINVAL);
    EXPECT_ERRNO(wait4(-1, &st, WNOWAIT, NULL), EINVAL); /* waitid-only flag */
}

TEST(zombie_visible_until_reaped)
{
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(0);
    CHECK(harness_wait_process_state(pid, "Z"));
    EXPECT_OK(kill(pid, 0)); /* a zombie still exists */
    int st;
    EXPECT_EQ(wait4(pid, &st, 0, NULL), pid);
    EXPECT_ERRNO(kill(pid, 0), ESRCH);
}
