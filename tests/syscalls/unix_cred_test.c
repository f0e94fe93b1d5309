// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for the credentials unix sockets carry: SO_PEERCRED (the peer's
 * effective ids when it connected or listened), the SCM_CREDENTIALS the kernel adds (the
 * sender's real ids), and which SCM_CREDENTIALS a sender may claim (its own pid and ids,
 * others with CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID). Run as root: children take
 * other ids. */
#include <grp.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "tests/syscalls/harness.h"

#define OTHER_ID 4321

static void need_root(void)
{
    if (geteuid() != 0)
        SKIP("needs uid 0 to take other ids");
}

/* Take real ids @r and effective ids @e (saved = effective), no groups. */
static void become(unsigned r, unsigned e)
{
    if (setgroups(0, NULL) != 0 || setresgid(r, e, e) != 0 || setresuid(r, e, e) != 0)
        FATAL("setresuid: %s", strerror(errno));
}

static struct ucred peercred(int fd)
{
    struct ucred c;
    socklen_t len = sizeof(c);
    CHECK(getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &len));
    return c;
}

/* Send one byte on @fd with SCM_CREDENTIALS @c. Returns 0 or the errno. */
static int send_creds(int fd, const struct ucred *c)
{
    char byte = 'x';
    struct iovec iov = {&byte, 1};
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } u;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (c) {
        m.msg_control = u.buf;
        m.msg_controllen = sizeof(u.buf);
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_CREDENTIALS;
        h->cmsg_len = CMSG_LEN(sizeof(*c));
        memcpy(CMSG_DATA(h), c, sizeof(*c));
    }
    return sendmsg(fd, &m, 0) == 1 ? 0 : errno;
}

/* Receive one byte on @fd (SO_PASSCRED set) and its credentials. */
static struct ucred recv_creds(int fd)
{
    char byte;
    struct iovec iov = {&byte, 1};
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } u;
    struct msghdr m = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    struct ucred c = {0, 0, 0};
    CHECK(recvmsg(fd, &m, 0));
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    if (!h || h->cmsg_type != SCM_CREDENTIALS)
        FATAL("no credentials received");
    memcpy(&c, CMSG_DATA(h), sizeof(c));
    return c;
}

/* A listener on an abstract address (no file: any user may connect). */
static struct sockaddr_un abstract_addr(socklen_t *len)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "cvt-unix-cred-%d", (int)getpid());
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    return a;
}

TEST(peercred_is_the_peers_effective_ids)
{
    need_root();
    socklen_t alen;
    struct sockaddr_un addr = abstract_addr(&alen);
    int l = CHECK(socket(AF_UNIX, SOCK_STREAM, 0));
    CHECK(bind(l, (struct sockaddr *)&addr, alen));
    CHECK(listen(l, 4));
    int done[2];
    CHECK(pipe(done));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become(0, OTHER_ID); /* real root, effective OTHER_ID */
        int s = CHECK(socket(AF_UNIX, SOCK_STREAM, 0));
        CHECK(connect(s, (struct sockaddr *)&addr, alen));
        struct ucred c = peercred(s); /* the listener's */
        EXPECT_EQ(c.pid, getppid());
        EXPECT_EQ(c.uid, 0);
        EXPECT_EQ(c.gid, 0);
        int one = 1;
        CHECK(setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)));
        CHECK(write(done[1], "c", 1));
        struct ucred got = recv_creds(s);
        EXPECT_EQ(got.uid, 0); /* root's real ids */
        EXPECT_EQ(got.pid, getppid());
        child_done();
    }
    char c;
    CHECK(read(done[0], &c, 1));
    int a = CHECK(accept(l, NULL, NULL));
    struct ucred pc = peercred(a);
    EXPECT_EQ(pc.pid, pid);
    EXPECT_EQ(pc.uid, OTHER_ID); /* effective */
    EXPECT_EQ(pc.gid, OTHER_ID);
    EXPECT_EQ(send_creds(a, NULL), 0);
    EXPECT_EXIT(pid, 0);
}

TEST(kernel_added_credentials_are_the_real_ids)
{
    need_root();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    int one = 1;
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become(OTHER_ID, 0); /* real OTHER_ID, effective root */
        EXPECT_EQ(send_creds(sv[0], NULL), 0);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    struct ucred c = recv_creds(sv[1]);
    EXPECT_EQ(c.pid, pid);
    EXPECT_EQ(c.uid, OTHER_ID);
    EXPECT_EQ(c.gid, OTHER_ID);
}

TEST(claimed_credentials_need_privilege)
{
    need_root();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    int one = 1;
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)));
    pid_t root = getpid();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become(OTHER_ID, OTHER_ID);
        struct ucred c = {getpid(), OTHER_ID, OTHER_ID};
        EXPECT_EQ(send_creds(sv[0], &c), 0);
        c.uid = 0;
        EXPECT_EQ(send_creds(sv[0], &c), EPERM);
        c.uid = OTHER_ID;
        c.gid = 0;
        EXPECT_EQ(send_creds(sv[0], &c), EPERM);
        c.gid = OTHER_ID;
        c.pid = root;
        EXPECT_EQ(send_creds(sv[0], &c), EPERM);
        c.pid = getpid();
        c.uid = (uid_t)-1;
        EXPECT_EQ(send_creds(sv[0], &c), EINVAL);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    struct ucred got = recv_creds(sv[1]);
    EXPECT_EQ(got.pid, pid);
    EXPECT_EQ(got.uid, OTHER_ID);
    /* Root may claim any process and ids; the process must exist. */
    struct ucred c = {pid == 1 ? 2 : 1, 123, 456};
    EXPECT_EQ(send_creds(sv[0], &c), 0);
    got = recv_creds(sv[1]);
    EXPECT_EQ(got.uid, 123);
    EXPECT_EQ(got.gid, 456);
    c.pid = 0x3ffffff0;
    EXPECT_EQ(send_creds(sv[0], &c), ESRCH);
}
