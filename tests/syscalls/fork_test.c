// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for fork: return values, parent/child identity, inherited descriptors with
 * shared offsets, inherited signal dispositions and masks, and the exit status seen by the parent.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(fork_returns_pid_to_parent_zero_to_child)
{
    pid_t parent = getpid();
    int p[2];
    CHECK(pipe(p));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        pid_t me = getpid();
        int ok = getppid() == parent && me != parent;
        (void)!write(p[1], &me, sizeof(me));
        _exit(ok ? 0 : 1);
    }
    pid_t reported;
    EXPECT_EQ(read(p[0], &reported, sizeof(reported)), (ssize_t)sizeof(reported));
    EXPECT_EQ(reported, pid);
    EXPECT_EXIT(pid, 0);
    close(p[0]);
    close(p[1]);
}

TEST(exit_codes_reach_parent)
{
    int codes[] = {0, 1, 42, 255, 256 + 7};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        pid_t pid = CHECK(fork());
        if (pid == 0)
            _exit(codes[i]);
        EXPECT_EXIT(pid, codes[i] & 0xff);
    }
}

TEST(child_shares_file_offset)
{
    write_file(tpath("f"), "abcdef", 0644);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char c[3];
        _exit(read(fd, c, 3) == 3 ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 3);
    close(fd);
}

TEST(child_inherits_mask_and_ignored_signals)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL));
    signal(SIGUSR1, SIG_IGN);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        sigset_t cur;
        sigprocmask(SIG_BLOCK, NULL, &cur);
        if (!sigismember(&cur, SIGUSR2))
            _exit(1);
        raise(SIGUSR1); /* ignored: survives */
        sigset_t pend;
        sigpending(&pend);
        _exit(sigismember(&pend, SIGUSR2) ? 2 : 0);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(pending_signals_not_inherited)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL));
    CHECK(raise(SIGUSR1));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        sigset_t pend;
        sigpending(&pend);
        _exit(sigismember(&pend, SIGUSR1) ? 1 : 0);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(many_children)
{
    pid_t pids[20];
    for (int i = 0; i < 20; i++) {
        pids[i] = CHECK(fork());
        if (pids[i] == 0)
            _exit(i);
    }
    for (int i = 0; i < 20; i++)
        EXPECT_EXIT(pids[i], i);
    EXPECT_ERRNO(wait(NULL), ECHILD);
}

TEST(raw_fork_syscall)
{
    long pid = syscall(SYS_fork);
    if (pid == 0)
        _exit(9);
    EXPECT_TRUE(pid > 0);
    EXPECT_EXIT((pid_t)pid, 9);
}
