// SPDX-License-Identifier: Apache-2.0
/* Conformance test for recvmsg's msg_flags: Linux reports the caller's MSG_CMSG_CLOEXEC back
 * in msg_flags (with MSG_TRUNC/MSG_CTRUNC as they happen); Go's syscall tests rely on it. */
#include <sys/socket.h>
#include <sys/uio.h>

#include "tests/syscalls/harness.h"

TEST(cmsg_cloexec_echoed)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK(write(sv[0], "ab", 2));
    char buf[8];
    struct iovec iov = {buf, sizeof(buf)};
    struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1};
    EXPECT_EQ(recvmsg(sv[1], &h, MSG_CMSG_CLOEXEC), 2);
    EXPECT_EQ(h.msg_flags, MSG_CMSG_CLOEXEC);
    CHECK(write(sv[0], "cd", 2));
    EXPECT_EQ(recvmsg(sv[1], &h, 0), 2);
    EXPECT_EQ(h.msg_flags, 0);
    int dg[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg));
    CHECK(write(dg[0], "long message", 12));
    iov.iov_len = 4;
    EXPECT_EQ(recvmsg(dg[1], &h, MSG_CMSG_CLOEXEC), 4);
    EXPECT_EQ(h.msg_flags, MSG_CMSG_CLOEXEC | MSG_TRUNC);
}
