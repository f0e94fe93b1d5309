// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for setpgid and getpgid/getpgrp: creating and joining process groups, the
 * ESRCH/EINVAL/EPERM/EACCES errors, and signalling a whole group. */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
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

TEST(getpgid_of_self_and_child)
{
    EXPECT_EQ(getpgid(0), getpgrp());
    EXPECT_EQ(getpgid(getpid()), getpgrp());
    pid_t pid = sleeping_child();
    EXPECT_EQ(getpgid(pid), getpgrp()); /* children inherit the group */
    kill(pid, SIGKILL);
    wait_status(pid);
    EXPECT_ERRNO(getpgid(999999999), ESRCH);
    EXPECT_ERRNO(getpgid(-5), ESRCH);
}

TEST(child_becomes_group_leader)
{
    pid_t pid = sleeping_child();
    EXPECT_OK(setpgid(pid, 0));
    EXPECT_EQ(getpgid(pid), pid);
    EXPECT_OK(setpgid(pid, pid)); /* idempotent */
    pid_t other = sleeping_child();
    EXPECT_OK(setpgid(other, pid)); /* join an existing group in the same session */
    EXPECT_EQ(getpgid(other), pid);
    kill(-pid, SIGKILL);
    EXPECT_SIGNALED(pid, SIGKILL);
    EXPECT_SIGNALED(other, SIGKILL);
}

TEST(self_setpgid_in_child)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (setpgid(0, 0) != 0)
            _exit(1);
        _exit(getpgrp() == getpid() ? 0 : 2);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(errors)
{
    EXPECT_ERRNO(setpgid(0, -1), EINVAL);
    EXPECT_ERRNO(setpgid(999999999, 0), ESRCH);
    EXPECT_ERRNO(setpgid(getppid(), 0), ESRCH); /* not self or a child */
    pid_t pid = sleeping_child();
    /* A group that does not exist in our session. */
    EXPECT_ERRNO(setpgid(pid, 999999), EPERM);
    kill(pid, SIGKILL);
    wait_status(pid);
}

SUBPROG(pause_forever)
{
    for (;;)
        pause();
    return 0;
}

TEST(eacces_after_child_execs)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        execl(harness_self(), harness_self(), "--sub", "pause_forever", (char *)NULL);
        _exit(127);
    }
    /* Wait until the exec has happened: its comm/cmdline changes; poll /proc. */
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    for (int i = 0; i < 500; i++) {
        int fd = open(path, O_RDONLY);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n > 0) {
            buf[n] = '\0';
            size_t l = strlen(buf);
            if ((ssize_t)l + 1 < n && strcmp(buf + l + 1, "--sub") == 0)
                break;
        }
        usleep(2000);
    }
    EXPECT_ERRNO(setpgid(pid, 0), EACCES);
    kill(pid, SIGKILL);
    wait_status(pid);
}

TEST(session_leader_cannot_change_group)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (setsid() < 0)
            _exit(1);
        _exit(setpgid(0, 0) == -1 && errno == EPERM ? 0 : 2);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(kill_group_reaches_all_members)
{
    pid_t a = sleeping_child();
    pid_t b = sleeping_child();
    CHECK(setpgid(a, a));
    CHECK(setpgid(b, a));
    CHECK(kill(-a, SIGTERM));
    EXPECT_SIGNALED(a, SIGTERM);
    EXPECT_SIGNALED(b, SIGTERM);
    EXPECT_ERRNO(kill(-a, SIGTERM), ESRCH);
}

static int g_hup_pipe = -1;
static void on_hup_report(int sig)
{
    (void)!write(g_hup_pipe, "H", 1);
}

/* The parent that links a group with a stopped member to its session exits: the orphaned
 * group gets SIGHUP and SIGCONT; a group without stopped members gets nothing. */
static void orphaned_group_case(bool stopped, const char *want)
{
    int p[2];
    CHECK(pipe(p));
    /* In a session of its own: c's new parent (whoever reaps orphans) is then outside. */
    pid_t parent = CHECK(fork());
    if (parent == 0) {
        close(p[0]);
        if (setsid() < 0)
            _exit(2);
        pid_t me = getpid();
        pid_t c = fork();
        if (c == 0) {
            g_hup_pipe = p[1];
            signal(SIGHUP, on_hup_report);
            setpgid(0, 0);
            if (stopped)
                raise(SIGSTOP);
            else
                (void)!write(p[1], "r", 1);
            /* Live on until the parent is gone: orphaning, and any SIGHUP it brings, happens
             * when this process is reparented. */
            for (int i = 0; i < 2000 && getppid() == me; i++)
                usleep(5000);
            _exit(0);
        }
        close(p[1]);
        int st;
        if (stopped && (waitpid(c, &st, WUNTRACED) != c || !WIFSTOPPED(st)))
            _exit(1);
        _exit(0); /* c's group is orphaned now */
    }
    close(p[1]);
    EXPECT_EXIT(parent, 0);
    char buf[4] = {0};
    ssize_t n = read(p[0], buf, sizeof(buf) - 1); /* EOF once the child is gone */
    EXPECT_EQ(n, (ssize_t)strlen(want));
    EXPECT_STREQ(buf, want);
    close(p[0]);
}

TEST(orphaned_group_with_stopped_member_gets_sighup)
{
    orphaned_group_case(true, "H");
    orphaned_group_case(false, "r");
}
