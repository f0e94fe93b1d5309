// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for AF_UNIX socketpair: SOCK_STREAM byte streams and SOCK_DGRAM message
 * boundaries, shutdown, EPIPE, sendmsg/recvmsg with iovecs and SCM_RIGHTS, and errors. */
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(stream_bidirectional)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    EXPECT_EQ(write(sv[0], "ping", 4), 4);
    char buf[8] = {0};
    EXPECT_EQ(read(sv[1], buf, sizeof(buf)), 4);
    EXPECT_STREQ(buf, "ping");
    EXPECT_EQ(write(sv[1], "pong", 4), 4);
    memset(buf, 0, sizeof(buf));
    EXPECT_EQ(read(sv[0], buf, sizeof(buf)), 4);
    EXPECT_STREQ(buf, "pong");
    close(sv[0]);
    close(sv[1]);
}

TEST(stream_merges_writes)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK(write(sv[0], "ab", 2));
    CHECK(write(sv[0], "cd", 2));
    char buf[8] = {0};
    EXPECT_EQ(recv(sv[1], buf, sizeof(buf), MSG_WAITALL | MSG_DONTWAIT), 4);
    EXPECT_STREQ(buf, "abcd");
    close(sv[0]);
    close(sv[1]);
}

TEST(dgram_keeps_boundaries_and_truncates)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    CHECK(send(sv[0], "first", 5, 0));
    CHECK(send(sv[0], "second!", 7, 0));
    char buf[16] = {0};
    EXPECT_EQ(recv(sv[1], buf, sizeof(buf), 0), 5);
    EXPECT_STREQ(buf, "first");
    memset(buf, 0, sizeof(buf));
    struct iovec iov = {buf, 3};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    EXPECT_EQ(recvmsg(sv[1], &mh, 0), 3);
    EXPECT_TRUE(mh.msg_flags & MSG_TRUNC);
    EXPECT_STREQ(buf, "sec");
    EXPECT_ERRNO(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN); /* rest was discarded */
    close(sv[0]);
    close(sv[1]);
}

TEST(dgram_peek_and_trunc_flag)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    CHECK(send(sv[0], "hello", 5, 0));
    char buf[2];
    EXPECT_EQ(recv(sv[1], buf, sizeof(buf), MSG_PEEK | MSG_TRUNC), 5);
    EXPECT_EQ(recv(sv[1], buf, sizeof(buf), 0), 2);
    close(sv[0]);
    close(sv[1]);
}

TEST(sendmsg_recvmsg_iovecs)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct iovec out[3] = {{"he", 2}, {"ll", 2}, {"o!", 2}};
    struct msghdr mh = {.msg_iov = out, .msg_iovlen = 3};
    EXPECT_EQ(sendmsg(sv[0], &mh, 0), 6);
    char a[4] = {0}, b[4] = {0};
    struct iovec in[2] = {{a, 3}, {b, 3}};
    struct msghdr rh = {.msg_iov = in, .msg_iovlen = 2};
    EXPECT_EQ(recvmsg(sv[1], &rh, MSG_WAITALL), 6);
    EXPECT_STREQ(a, "hel");
    EXPECT_STREQ(b, "lo!");
    close(sv[0]);
    close(sv[1]);
}

TEST(scm_rights_passes_fd)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    write_file(tpath("f"), "passed", 0644);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    char ctl[CMSG_SPACE(sizeof(int))];
    memset(ctl, 0, sizeof(ctl));
    struct iovec iov = {"x", 1};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    EXPECT_EQ(sendmsg(sv[0], &mh, 0), 1);
    close(fd);
    char byte;
    char rctl[CMSG_SPACE(sizeof(int))];
    struct iovec riov = {&byte, 1};
    struct msghdr rh = {
        .msg_iov = &riov, .msg_iovlen = 1, .msg_control = rctl, .msg_controllen = sizeof(rctl)};
    EXPECT_EQ(recvmsg(sv[1], &rh, 0), 1);
    struct cmsghdr *rc = CMSG_FIRSTHDR(&rh);
    if (!rc || rc->cmsg_type != SCM_RIGHTS)
        FATAL("no SCM_RIGHTS received");
    int got;
    memcpy(&got, CMSG_DATA(rc), sizeof(int));
    char buf[8] = {0};
    EXPECT_EQ(read(got, buf, sizeof(buf)), 6);
    EXPECT_STREQ(buf, "passed");
    close(got);
    close(sv[0]);
    close(sv[1]);
}

TEST(shutdown_write_gives_eof_and_epipe)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK(shutdown(sv[0], SHUT_WR));
    char c;
    EXPECT_EQ(read(sv[1], &c, 1), 0);
    signal(SIGPIPE, SIG_IGN);
    EXPECT_ERRNO(write(sv[0], "x", 1), EPIPE);
    EXPECT_EQ(write(sv[1], "y", 1), 1); /* the other direction still works */
    EXPECT_EQ(read(sv[0], &c, 1), 1);
    EXPECT_ERRNO(shutdown(sv[0], 7), EINVAL);
    close(sv[0]);
    close(sv[1]);
}

TEST(peer_close_epipe_and_sigpipe)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    close(sv[1]);
    EXPECT_ERRNO(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        (void)!write(sv[0], "x", 1);
        _exit(0);
    }
    EXPECT_SIGNALED(pid, SIGPIPE);
    char c;
    EXPECT_EQ(read(sv[0], &c, 1), 0);
    close(sv[0]);
}

TEST(errors)
{
    int sv[2];
    EXPECT_ERRNO(socketpair(AF_UNIX, 0x7777, 0, sv), EINVAL);
    EXPECT_ERRNO(socketpair(AF_UNIX, SOCK_STREAM, 5, sv), EPROTONOSUPPORT);
    EXPECT_ERRNO(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
    int fd = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_ERRNO(send(fd, "x", 1, 0), ENOTSOCK);
    close(fd);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    EXPECT_EQ(fcntl(sv[0], F_GETFD), FD_CLOEXEC);
    char c;
    EXPECT_ERRNO(read(sv[0], &c, 1), EAGAIN);
    close(sv[0]);
    close(sv[1]);
}
