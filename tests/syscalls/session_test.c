// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for setsid and getsid: a group leader cannot start a session, a child can,
 * and the new session has no controlling terminal. */
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(getsid_self)
{
    pid_t sid = getsid(0);
    EXPECT_TRUE(sid >= 0);
    EXPECT_EQ(getsid(getpid()), sid);
    EXPECT_ERRNO(getsid(999999999), ESRCH);
}

TEST(child_setsid_creates_session)
{
    pid_t parent_sid = getsid(0);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        pid_t s = setsid();
        if (s != getpid())
            _exit(1);
        if (getsid(0) != getpid() || getpgrp() != getpid())
            _exit(2);
        if (getsid(getppid()) != parent_sid)
            _exit(3);
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(group_leader_setsid_eperm)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (setpgid(0, 0) != 0)
            _exit(1);
        _exit(setsid() == -1 && errno == EPERM ? 0 : 2);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(second_setsid_eperm)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (setsid() < 0)
            _exit(1);
        _exit(setsid() == -1 && errno == EPERM ? 0 : 2);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(new_session_has_no_tty)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (setsid() < 0)
            _exit(1);
        int fd = open("/dev/tty", O_RDWR);
        _exit(fd == -1 && errno == ENXIO ? 0 : 2);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(getsid_of_child_in_other_session)
{
    int p[2];
    CHECK(pipe(p));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        setsid();
        (void)!write(p[1], "x", 1);
        for (;;)
            pause();
    }
    char c;
    CHECK(read(p[0], &c, 1));
    EXPECT_EQ(getsid(pid), pid);
    EXPECT_ERRNO(setpgid(pid, getpgrp()), EPERM); /* different session */
    kill(pid, SIGKILL);
    wait_status(pid);
    close(p[0]);
    close(p[1]);
}
