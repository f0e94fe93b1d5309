// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for SIGCHLD: delivery with si_pid/si_status/si_code on child exit and stop,
 * SA_NOCLDSTOP, and automatic reaping with SIG_IGN or SA_NOCLDWAIT (wait gives ECHILD). */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static volatile int n_chld;
static volatile int last_code, last_status;
static volatile pid_t last_pid;

static void chld_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    n_chld++;
    last_code = si->si_code;
    last_status = si->si_status;
    last_pid = si->si_pid;
}

static void install(int flags)
{
    struct sigaction sa = {.sa_sigaction = chld_handler, .sa_flags = SA_SIGINFO | flags};
    CHECK(sigaction(SIGCHLD, &sa, NULL));
}

static void wait_for_chld(int n)
{
    for (int i = 0; i < 2000 && n_chld < n; i++)
        usleep(1000);
}

TEST(delivered_on_exit)
{
    install(0);
    n_chld = 0;
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(12);
    wait_for_chld(1);
    EXPECT_EQ(n_chld, 1);
    EXPECT_EQ(last_code, CLD_EXITED);
    EXPECT_EQ(last_status, 12);
    EXPECT_EQ(last_pid, pid);
    EXPECT_EXIT(pid, 12);
}

TEST(delivered_on_kill)
{
    install(0);
    n_chld = 0;
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK(kill(pid, SIGTERM));
    wait_for_chld(1);
    EXPECT_EQ(last_code, CLD_KILLED);
    EXPECT_EQ(last_status, SIGTERM);
    EXPECT_SIGNALED(pid, SIGTERM);
}

TEST(delivered_on_stop_unless_nocldstop)
{
    install(0);
    n_chld = 0;
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK(kill(pid, SIGSTOP));
    wait_for_chld(1);
    EXPECT_EQ(n_chld, 1);
    EXPECT_EQ(last_code, CLD_STOPPED);
    EXPECT_EQ(last_status, SIGSTOP);
    CHECK(kill(pid, SIGCONT));
    wait_for_chld(2);
    EXPECT_EQ(last_code, CLD_CONTINUED);
    install(SA_NOCLDSTOP);
    n_chld = 0;
    CHECK(kill(pid, SIGSTOP));
    int st;
    EXPECT_EQ(waitpid(pid, &st, WUNTRACED), pid);
    usleep(20000);
    EXPECT_EQ(n_chld, 0);
    kill(pid, SIGKILL);
    wait_for_chld(1);
    EXPECT_EQ(n_chld, 1);
    EXPECT_SIGNALED(pid, SIGKILL);
}

TEST(sig_ign_auto_reaps)
{
    signal(SIGCHLD, SIG_IGN);
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(0);
    int st;
    /* wait blocks until the child is gone, then fails: nothing to report. */
    EXPECT_ERRNO(waitpid(pid, &st, 0), ECHILD);
}

TEST(sa_nocldwait_auto_reaps_but_signals)
{
    install(SA_NOCLDWAIT);
    n_chld = 0;
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(0);
    int st;
    pid_t r;
    do
        r = waitpid(pid, &st, 0);
    while (r == -1 && errno == EINTR);
    EXPECT_EQ(r, -1);
    EXPECT_EQ(errno, ECHILD);
    wait_for_chld(1);
    EXPECT_EQ(n_chld, 1);
}

TEST(parent_death_signal_is_not_sigchld_to_child)
{
    /* A child's own SIGCHLD disposition is default (ignore): its child's exit does not hurt it. */
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0)
            _exit(0);
        /* Its exit (and SIGCHLD to us) has happened once it is a zombie. */
        if (harness_wait_process_state(g, "Z") != 0)
            _exit(2);
        _exit(waitpid(g, NULL, 0) == g ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
}
