// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for pipe and pipe2: data flow, EOF, O_NONBLOCK EAGAIN, EPIPE with SIGPIPE,
 * O_CLOEXEC, F_GETPIPE_SZ/F_SETPIPE_SZ, and EINVAL/EFAULT. */
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(data_flows_and_eof)
{
    int p[2];
    CHECK(pipe(p));
    EXPECT_EQ(write(p[1], "abc", 3), 3);
    char buf[8] = {0};
    EXPECT_EQ(read(p[0], buf, 2), 2);
    EXPECT_EQ(read(p[0], buf + 2, 6), 1);
    EXPECT_STREQ(buf, "abc");
    close(p[1]);
    EXPECT_EQ(read(p[0], buf, 1), 0);
    close(p[0]);
}

TEST(pipe2_nonblock_eagain)
{
    int p[2];
    CHECK(pipe2(p, O_NONBLOCK));
    char c;
    EXPECT_ERRNO(read(p[0], &c, 1), EAGAIN);
    char big[4096];
    memset(big, 'x', sizeof(big));
    long total = 0;
    for (;;) {
        ssize_t n = write(p[1], big, sizeof(big));
        if (n < 0) {
            EXPECT_EQ(errno, EAGAIN);
            break;
        }
        total += n;
        if (total > (64L << 20))
            FATAL("pipe never filled");
    }
    EXPECT_TRUE(total >= 4096);
    close(p[0]);
    close(p[1]);
}

TEST(pipe2_cloexec_and_bad_flags)
{
    int p[2];
    CHECK(pipe2(p, O_CLOEXEC));
    EXPECT_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
    EXPECT_EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
    close(p[0]);
    close(p[1]);
    EXPECT_ERRNO(pipe2(p, O_APPEND), EINVAL);
    EXPECT_ERRNO(syscall(SYS_pipe2, (void *)1, 0), EFAULT);
}

TEST(write_to_closed_read_end_epipe_sigpipe)
{
    int p[2];
    CHECK(pipe(p));
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    EXPECT_ERRNO(write(p[1], "x", 1), EPIPE);
    signal(SIGPIPE, SIG_DFL);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        (void)!write(p[1], "x", 1);
        _exit(0);
    }
    EXPECT_SIGNALED(pid, SIGPIPE);
    close(p[1]);
}

TEST(sigpipe_is_pending_when_blocked)
{
    int p[2];
    CHECK(pipe(p));
    close(p[0]);
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL));
    EXPECT_ERRNO(write(p[1], "x", 1), EPIPE);
    CHECK(sigpending(&pending));
    EXPECT_TRUE(sigismember(&pending, SIGPIPE));
    close(p[1]);
}

TEST(pipe_size)
{
    int p[2];
    CHECK(pipe(p));
    int sz = fcntl(p[0], F_GETPIPE_SZ);
    if (sz == -1 && errno == EINVAL)
        SKIP("F_GETPIPE_SZ unsupported");
    EXPECT_TRUE(sz >= 4096);
    int n = EXPECT_OK(fcntl(p[1], F_SETPIPE_SZ, 128 * 1024));
    EXPECT_TRUE(n >= 128 * 1024);
    EXPECT_EQ(fcntl(p[0], F_GETPIPE_SZ), n);
    close(p[0]);
    close(p[1]);
}

TEST(atomic_small_writes_from_children)
{
    int p[2];
    CHECK(pipe(p));
    for (int i = 0; i < 4; i++) {
        pid_t pid = CHECK(fork());
        if (pid == 0) {
            char msg[64];
            memset(msg, 'a' + i, sizeof(msg));
            for (int j = 0; j < 10; j++)
                if (write(p[1], msg, sizeof(msg)) != sizeof(msg))
                    _exit(1);
            _exit(0);
        }
    }
    close(p[1]);
    char msg[64];
    int count = 0;
    ssize_t n;
    while ((n = read(p[0], msg, sizeof(msg))) > 0) {
        EXPECT_EQ(n, 64);
        for (int j = 1; j < 64; j++)
            if (msg[j] != msg[0])
                FATAL("interleaved write");
        count++;
    }
    EXPECT_EQ(count, 40);
    while (wait(NULL) > 0)
        ;
    close(p[0]);
}
