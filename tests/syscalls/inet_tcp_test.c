// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for AF_INET/AF_INET6 TCP sockets over loopback: bind and ports,
 * listen/accept, blocking and non-blocking connect, data transfer and its flags, half-close,
 * reset, readiness (poll, epoll), timeouts, signals, options, IPv6 and v4-mapped addresses. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ
#endif

static struct sockaddr_in lo4(uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static uint16_t port_of(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    CHECK(getsockname(fd, (struct sockaddr *)&ss, &len));
    return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                         : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A listener on 127.0.0.1 at an ephemeral port. */
static int listener4(int backlog)
{
    int l = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = lo4(0);
    CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)));
    CHECK(listen(l, backlog));
    return l;
}

/* A connected pair: *c the client, *s the accepted end. */
static void pair4(int *c, int *s)
{
    int l = listener4(8);
    struct sockaddr_in a = lo4(port_of(l));
    *c = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(connect(*c, (struct sockaddr *)&a, sizeof(a)));
    *s = CHECK(accept(l, NULL, NULL));
    close(l);
}

/* A port nobody listens on (bound once, then released). */
static uint16_t closed_port(void)
{
    int fd = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = lo4(0);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
    uint16_t p = port_of(fd);
    close(fd);
    return p;
}

static short poll_one(int fd, short events, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    int n = poll(&p, 1, timeout_ms);
    return n > 0 ? p.revents : 0;
}

static int int_opt(int fd, int level, int name)
{
    int v = -12345;
    socklen_t len = sizeof(v);
    if (getsockopt(fd, level, name, &v, &len) < 0)
        return -errno - 100000;
    return v;
}

TEST(socket_creation_and_types)
{
    int fd = CHECK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(int_opt(fd, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    EXPECT_EQ(int_opt(fd, SOL_SOCKET, SO_DOMAIN), AF_INET);
    EXPECT_EQ(int_opt(fd, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
    EXPECT_EQ(int_opt(fd, SOL_SOCKET, SO_ACCEPTCONN), 0);
    close(fd);
    fd = CHECK(socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP));
    EXPECT_EQ(int_opt(fd, SOL_SOCKET, SO_DOMAIN), AF_INET6);
    close(fd);
    EXPECT_ERRNO(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
    EXPECT_ERRNO(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
    int sv[2];
    EXPECT_ERRNO(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
}

TEST(unconnected_socket)
{
    int fd = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    EXPECT_EQ(poll_one(fd, POLLIN | POLLOUT, 0), POLLOUT | POLLHUP);
    char b[4];
    EXPECT_ERRNO(recv(fd, b, sizeof(b), 0), ENOTCONN);
    EXPECT_ERRNO(send(fd, "x", 1, MSG_NOSIGNAL), EPIPE);
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    EXPECT_ERRNO(getpeername(fd, (struct sockaddr *)&a, &len), ENOTCONN);
    len = sizeof(a);
    EXPECT_OK(getsockname(fd, (struct sockaddr *)&a, &len));
    EXPECT_EQ(len, sizeof(a));
    EXPECT_EQ(a.sin_port, 0);
    EXPECT_EQ(a.sin_addr.s_addr, htonl(INADDR_ANY));
    EXPECT_ERRNO(accept(fd, NULL, NULL), EINVAL);
    EXPECT_ERRNO(shutdown(fd, SHUT_RDWR), ENOTCONN);
    close(fd);
}

TEST(bind_ephemeral_and_errors)
{
    int fd = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = lo4(0);
    EXPECT_ERRNO(bind(fd, (struct sockaddr *)&a, sizeof(a) - 1), EINVAL);
    struct sockaddr_in bad = a;
    bad.sin_family = AF_INET6;
    EXPECT_ERRNO(bind(fd, (struct sockaddr *)&bad, sizeof(bad)), EAFNOSUPPORT);
    bad = a;
    bad.sin_addr.s_addr = inet_addr("192.0.2.1"); /* TEST-NET-1, not on this host */
    EXPECT_ERRNO(bind(fd, (struct sockaddr *)&bad, sizeof(bad)), EADDRNOTAVAIL);
    EXPECT_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
    EXPECT_NE(port_of(fd), 0);
    EXPECT_ERRNO(bind(fd, (struct sockaddr *)&a, sizeof(a)), EINVAL);
    close(fd);
}

TEST(bind_address_in_use_and_reuseaddr)
{
    int a = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in sa = lo4(0);
    CHECK(bind(a, (struct sockaddr *)&sa, sizeof(sa)));
    sa.sin_port = htons(port_of(a));
    int b = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    EXPECT_ERRNO(bind(b, (struct sockaddr *)&sa, sizeof(sa)), EADDRINUSE);
    struct sockaddr_in any = sa;
    any.sin_addr.s_addr = htonl(INADDR_ANY);
    EXPECT_ERRNO(bind(b, (struct sockaddr *)&any, sizeof(any)), EADDRINUSE);
    int one = 1;
    CHECK(setsockopt(a, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
    CHECK(setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
    EXPECT_EQ(int_opt(b, SOL_SOCKET, SO_REUSEADDR), 1);
    EXPECT_OK(bind(b, (struct sockaddr *)&sa, sizeof(sa))); /* both reuse, none listens */
    CHECK(listen(a, 1));
    EXPECT_ERRNO(listen(b, 1), EADDRINUSE);
    int c = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
    EXPECT_ERRNO(bind(c, (struct sockaddr *)&sa, sizeof(sa)), EADDRINUSE); /* a listens */
    close(a);
    close(b);
    close(c);
}

TEST(connect_accept_and_exchange)
{
    int l = listener4(4);
    EXPECT_EQ(int_opt(l, SOL_SOCKET, SO_ACCEPTCONN), 1);
    struct sockaddr_in a = lo4(port_of(l));
    int c = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)));
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&a, sizeof(a)), EISCONN);
    struct sockaddr_in peer;
    socklen_t len = sizeof(peer);
    int s = CHECK(accept4(l, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
    EXPECT_EQ(len, sizeof(peer));
    EXPECT_TRUE(fcntl(s, F_GETFL) & O_NONBLOCK);
    EXPECT_EQ(fcntl(s, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    EXPECT_EQ(ntohs(peer.sin_port), port_of(c)); /* accept's address is the client's name */
    struct sockaddr_in cp;
    len = sizeof(cp);
    CHECK(getpeername(c, (struct sockaddr *)&cp, &len));
    EXPECT_EQ(ntohs(cp.sin_port), port_of(l));
    EXPECT_EQ(port_of(s), port_of(l));
    EXPECT_ERRNO(listen(c, 1), EINVAL);

    char buf[64] = {0};
    EXPECT_EQ(write(c, "hello", 5), 5);
    EXPECT_EQ(poll_one(s, POLLIN, 5000) & POLLIN, POLLIN);
    EXPECT_EQ(read(s, buf, sizeof(buf)), 5);
    EXPECT_STREQ(buf, "hello");
    EXPECT_EQ(send(s, "world", 5, 0), 5);
    memset(buf, 0, sizeof(buf));
    EXPECT_EQ(recv(c, buf, sizeof(buf), 0), 5);
    EXPECT_STREQ(buf, "world");
    EXPECT_EQ(sendto(c, "to", 2, 0, NULL, 0), 2);
    memset(buf, 0, sizeof(buf));
    struct sockaddr_in from = {0};
    len = sizeof(from);
    EXPECT_EQ(poll_one(s, POLLIN, 5000) & POLLIN, POLLIN);
    EXPECT_EQ(recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 2);
    EXPECT_STREQ(buf, "to");
    EXPECT_EQ(len, 0); /* TCP reports no source address */
    struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
    EXPECT_EQ(sendmsg(c, &mh, 0), 4);
    char x[2], y[2];
    struct iovec riov[2] = {{x, 2}, {y, 2}};
    char ctl[64];
    struct msghdr rh = {
        .msg_iov = riov, .msg_iovlen = 2, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    EXPECT_EQ(poll_one(s, POLLIN, 5000) & POLLIN, POLLIN);
    EXPECT_EQ(recvmsg(s, &rh, MSG_WAITALL), 4);
    EXPECT_EQ(rh.msg_controllen, 0); /* no control messages on TCP */
    EXPECT_EQ(memcmp(x, "ab", 2), 0);
    EXPECT_EQ(memcmp(y, "cd", 2), 0);
    EXPECT_ERRNO(recv(s, buf, sizeof(buf), 0), EAGAIN); /* non-blocking, empty */
    close(c);
    close(s);
    close(l);
}

TEST(connect_refused_and_unreachable)
{
    struct sockaddr_in a = lo4(closed_port());
    int c = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED);
    close(c);
    c = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&a, sizeof(a) - 1), EINVAL);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&a6, sizeof(a6)), EAFNOSUPPORT);
    close(c);
}

TEST(nonblocking_connect)
{
    int l = listener4(4);
    struct sockaddr_in a = lo4(port_of(l));
    int c = CHECK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
    EXPECT_EQ(poll_one(c, POLLOUT, 5000) & (POLLOUT | POLLERR), POLLOUT);
    EXPECT_EQ(int_opt(c, SOL_SOCKET, SO_ERROR), 0);
    EXPECT_OK(connect(c, (struct sockaddr *)&a, sizeof(a))); /* reports the completion */
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&a, sizeof(a)), EISCONN);
    close(c);
    close(l);
}

TEST(nonblocking_connect_refused)
{
    struct sockaddr_in a = lo4(closed_port());
    int c = CHECK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
    short ev = poll_one(c, POLLIN | POLLOUT, 5000);
    EXPECT_TRUE(ev & POLLERR);
    EXPECT_TRUE(ev & POLLHUP);
    EXPECT_EQ(int_opt(c, SOL_SOCKET, SO_ERROR), ECONNREFUSED);
    EXPECT_EQ(int_opt(c, SOL_SOCKET, SO_ERROR), 0); /* reading it clears it */
    close(c);
    /* A second connect reports the failure and leaves a socket as good as new. */
    c = CHECK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
    EXPECT_TRUE(poll_one(c, POLLOUT, 5000) & POLLERR);
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED);
    EXPECT_EQ(poll_one(c, POLLIN | POLLOUT, 0), POLLOUT | POLLHUP);
    close(c);
}

TEST(epoll_connect_completion_and_edge_trigger)
{
    int l = listener4(4);
    struct sockaddr_in a = lo4(port_of(l));
    int ep = CHECK(epoll_create1(0));
    int c = CHECK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = c};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev));
    struct epoll_event out[4];
    EXPECT_EQ(epoll_wait(ep, out, 4, 5000), 1);
    EXPECT_EQ(out[0].events & (EPOLLOUT | EPOLLERR), EPOLLOUT);
    EXPECT_EQ(epoll_wait(ep, out, 4, 0), 0); /* edge-triggered: reported once */
    int s = CHECK(accept(l, NULL, NULL));
    CHECK(write(s, "x", 1));
    EXPECT_EQ(epoll_wait(ep, out, 4, 5000), 1);
    EXPECT_TRUE(out[0].events & EPOLLIN);
    EXPECT_EQ(epoll_wait(ep, out, 4, 0), 0);
    CHECK(shutdown(s, SHUT_WR));
    EXPECT_EQ(epoll_wait(ep, out, 4, 5000), 1);
    EXPECT_TRUE(out[0].events & EPOLLRDHUP);
    /* Level-triggered on the accepting side. */
    int ep2 = CHECK(epoll_create1(0));
    struct epoll_event ev2 = {.events = EPOLLIN, .data.fd = s};
    CHECK(epoll_ctl(ep2, EPOLL_CTL_ADD, s, &ev2));
    CHECK(write(c, "yz", 2));
    EXPECT_EQ(epoll_wait(ep2, out, 4, 5000), 1);
    EXPECT_EQ(epoll_wait(ep2, out, 4, 0), 1); /* still readable */
    char b[4];
    EXPECT_EQ(read(s, b, sizeof(b)), 2);
    EXPECT_EQ(epoll_wait(ep2, out, 4, 0), 0);
    close(ep);
    close(ep2);
    close(c);
    close(s);
    close(l);
}

TEST(half_close_and_epipe)
{
    int c, s;
    pair4(&c, &s);
    CHECK(write(c, "data", 4));
    CHECK(shutdown(c, SHUT_WR));
    char b[16] = {0};
    EXPECT_EQ(read(s, b, sizeof(b)), 4);
    EXPECT_EQ(read(s, b, sizeof(b)), 0); /* end of file after the peer's SHUT_WR */
    short ev = poll_one(s, POLLIN | POLLRDHUP | POLLOUT, 0);
    EXPECT_EQ(ev & (POLLIN | POLLRDHUP | POLLOUT | POLLHUP), POLLIN | POLLRDHUP | POLLOUT);
    EXPECT_EQ(write(s, "back", 4), 4); /* the other direction still works */
    memset(b, 0, sizeof(b));
    EXPECT_EQ(read(c, b, sizeof(b)), 4);
    EXPECT_STREQ(b, "back");
    EXPECT_ERRNO(send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
    signal(SIGPIPE, SIG_IGN);
    EXPECT_ERRNO(write(c, "x", 1), EPIPE);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_DFL);
    EXPECT_ERRNO(write(c, "x", 1), EPIPE);
    sigset_t pend;
    sigpending(&pend);
    EXPECT_TRUE(sigismember(&pend, SIGPIPE));
    CHECK(shutdown(s, SHUT_WR));
    EXPECT_EQ(read(c, b, sizeof(b)), 0);
    EXPECT_TRUE(poll_one(c, POLLIN, 0) & POLLHUP); /* both directions closed */
    close(c);
    close(s);
}

TEST(shutdown_read_and_rdwr)
{
    int c, s;
    pair4(&c, &s);
    CHECK(shutdown(s, SHUT_RD));
    char b[4];
    EXPECT_EQ(recv(s, b, sizeof(b), MSG_DONTWAIT), 0);
    EXPECT_TRUE(poll_one(s, POLLIN | POLLRDHUP, 0) & POLLRDHUP);
    EXPECT_ERRNO(shutdown(s, 7), EINVAL);
    CHECK(shutdown(c, SHUT_RDWR));
    EXPECT_TRUE(poll_one(c, POLLIN, 0) & POLLHUP);
    close(c);
    close(s);
}

TEST(close_with_unread_data_resets)
{
    int c, s;
    pair4(&c, &s);
    CHECK(write(c, "unread", 6));
    EXPECT_EQ(poll_one(s, POLLIN, 5000) & POLLIN, POLLIN);
    close(s); /* unread data: RST instead of FIN */
    EXPECT_TRUE(poll_one(c, POLLIN, 5000) & (POLLERR | POLLHUP));
    char b[8];
    EXPECT_ERRNO(read(c, b, sizeof(b)), ECONNRESET);
    EXPECT_EQ(read(c, b, sizeof(b)), 0);
    EXPECT_ERRNO(send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
    struct sockaddr_in a = lo4(closed_port());
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&a, sizeof(a)), EISCONN); /* still "connected" */
    close(c);
}

TEST(linger_zero_resets)
{
    int c, s;
    pair4(&c, &s);
    struct linger lg = {1, 0};
    CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
    struct linger got;
    socklen_t len = sizeof(got);
    CHECK(getsockopt(s, SOL_SOCKET, SO_LINGER, &got, &len));
    EXPECT_EQ(got.l_onoff, 1);
    EXPECT_EQ(got.l_linger, 0);
    close(s);
    EXPECT_TRUE(poll_one(c, POLLIN, 5000) & POLLERR);
    EXPECT_EQ(int_opt(c, SOL_SOCKET, SO_ERROR), ECONNRESET);
    close(c);
}

TEST(reset_after_peer_closed_gives_epipe)
{
    int c, s;
    pair4(&c, &s);
    close(s); /* FIN: c is in CLOSE_WAIT */
    char b[4];
    EXPECT_EQ(poll_one(c, POLLIN, 5000) & POLLIN, POLLIN);
    EXPECT_EQ(read(c, b, sizeof(b)), 0);
    EXPECT_EQ(send(c, "x", 1, MSG_NOSIGNAL), 1); /* the closed peer answers with RST */
    EXPECT_TRUE(poll_one(c, POLLIN, 5000) & POLLERR);
    EXPECT_ERRNO(send(c, "x", 1, MSG_NOSIGNAL), EPIPE); /* Linux: EPIPE in CLOSE_WAIT */
    close(c);
}

TEST(orderly_close_gives_eof)
{
    int c, s;
    pair4(&c, &s);
    CHECK(write(s, "bye", 3));
    close(s);
    char b[8] = {0};
    EXPECT_EQ(poll_one(c, POLLIN, 5000) & POLLIN, POLLIN);
    EXPECT_EQ(read(c, b, sizeof(b)), 3);
    EXPECT_EQ(read(c, b, sizeof(b)), 0);
    close(c);
}

TEST(peek_dontwait_trunc_and_fionread)
{
    int c, s;
    pair4(&c, &s);
    char b[16] = {0};
    EXPECT_ERRNO(recv(s, b, sizeof(b), MSG_DONTWAIT), EAGAIN);
    CHECK(write(c, "abcdef", 6));
    EXPECT_EQ(poll_one(s, POLLIN, 5000) & POLLIN, POLLIN);
    int n = -1;
    CHECK(ioctl(s, FIONREAD, &n));
    EXPECT_EQ(n, 6);
    EXPECT_EQ(recv(s, b, 3, MSG_PEEK), 3);
    EXPECT_EQ(memcmp(b, "abc", 3), 0);
    EXPECT_EQ(recv(s, b, sizeof(b), MSG_PEEK), 6);
    EXPECT_EQ(recv(s, b, 2, MSG_TRUNC), 2); /* TCP: discards the bytes */
    memset(b, 0, sizeof(b));
    EXPECT_EQ(recv(s, b, sizeof(b), 0), 4);
    EXPECT_STREQ(b, "cdef");
    CHECK(ioctl(s, FIONREAD, &n));
    EXPECT_EQ(n, 0);
    CHECK(ioctl(c, SIOCOUTQ, &n));
    EXPECT_EQ(n, 0); /* acknowledged */
    int l = listener4(1);
    EXPECT_ERRNO(ioctl(l, FIONREAD, &n), EINVAL);
    close(l);
    close(c);
    close(s);
}

TEST(waitall_waits_for_everything)
{
    int c, s;
    pair4(&c, &s);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char b[6] = {0};
        ssize_t n = recv(s, b, sizeof(b), MSG_WAITALL);
        _exit(n == 6 && memcmp(b, "abcdef", 6) == 0 ? 0 : 1);
    }
    CHECK(write(c, "abc", 3));
    CHECK(harness_wait_process_sleeping(pid));
    CHECK(write(c, "def", 3));
    EXPECT_EXIT(pid, 0);
    close(c);
    close(s);
}

TEST(large_transfer_with_flow_control)
{
    int c, s;
    pair4(&c, &s);
    enum { TOTAL = 4 << 20 };
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        close(c);
        static char buf[65536];
        size_t got = 0;
        uint32_t sum = 0;
        ssize_t n;
        while ((n = read(s, buf, sizeof(buf))) > 0) {
            for (ssize_t i = 0; i < n; i++)
                sum = sum * 31 + (uint8_t)buf[i];
            got += (size_t)n;
        }
        _exit(got == TOTAL && n == 0 ? (int)(sum & 0x7f) : 200);
    }
    close(s);
    static char data[TOTAL];
    uint32_t sum = 0;
    for (size_t i = 0; i < TOTAL; i++) {
        data[i] = (char)(i * 7 + i / 4096);
        sum = sum * 31 + (uint8_t)data[i];
    }
    for (size_t off = 0; off < TOTAL; off += 1 << 20) /* a blocking write moves it all */
        EXPECT_EQ(write(c, data + off, 1 << 20), 1 << 20);
    close(c);
    EXPECT_EXIT(pid, (int)(sum & 0x7f));
}

TEST(rcvtimeo_gives_eagain)
{
    int c, s;
    pair4(&c, &s);
    struct timeval tv = {0, 100000};
    CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
    struct timeval got;
    socklen_t len = sizeof(got);
    CHECK(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &len));
    EXPECT_EQ(got.tv_usec, 100000);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char b[4];
    EXPECT_ERRNO(recv(s, b, sizeof(b), 0), EAGAIN);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    EXPECT_TRUE(ms >= 90);
    close(c);
    close(s);
}

static void on_alarm(int sig)
{
    (void)sig;
}

TEST(signal_interrupts_blocking_calls)
{
    int c, s;
    pair4(&c, &s);
    struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {.it_value = {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    char b[4];
    EXPECT_ERRNO(read(s, b, sizeof(b)), EINTR);
    int l = listener4(1);
    setitimer(ITIMER_REAL, &it, NULL);
    EXPECT_ERRNO(accept(l, NULL, NULL), EINTR);
    /* With SA_RESTART the read restarts and gets the data sent after the signal. */
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct sigaction r = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
        sigaction(SIGALRM, &r, NULL);
        char x[4] = {0};
        ssize_t n = read(s, x, sizeof(x));
        _exit(n == 2 && memcmp(x, "ok", 2) == 0 ? 0 : 1);
    }
    CHECK(harness_wait_process_sleeping(pid));
    kill(pid, SIGALRM);
    CHECK(harness_wait_process_sleeping(pid));
    CHECK(write(c, "ok", 2));
    EXPECT_EXIT(pid, 0);
    close(l);
    close(c);
    close(s);
}

TEST(socket_options)
{
    int fd = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    int one = 1, v;
    EXPECT_EQ(int_opt(fd, IPPROTO_TCP, TCP_NODELAY), 0);
    CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
    EXPECT_EQ(int_opt(fd, IPPROTO_TCP, TCP_NODELAY), 1);
    CHECK(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
    EXPECT_EQ(int_opt(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
    EXPECT_EQ(int_opt(fd, IPPROTO_TCP, TCP_KEEPIDLE), 7200);
    EXPECT_EQ(int_opt(fd, IPPROTO_TCP, TCP_KEEPINTVL), 75);
    EXPECT_EQ(int_opt(fd, IPPROTO_TCP, TCP_KEEPCNT), 9);
    v = 30;
    CHECK(setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)));
    EXPECT_EQ(int_opt(fd, IPPROTO_TCP, TCP_KEEPIDLE), 30);
    v = 0;
    EXPECT_ERRNO(setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v)), EINVAL);
    v = 200;
    EXPECT_ERRNO(setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)), EINVAL);
    v = 10000;
    CHECK(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
    EXPECT_EQ(int_opt(fd, SOL_SOCKET, SO_SNDBUF), 20000); /* Linux doubles it */
    CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
    EXPECT_EQ(int_opt(fd, SOL_SOCKET, SO_RCVBUF), 20000);
    v = 1;
    CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
    EXPECT_EQ(int_opt(fd, SOL_SOCKET, SO_RCVBUF), 2304); /* the floor */
    v = 0x10;
    CHECK(setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof(v)));
    EXPECT_EQ(int_opt(fd, IPPROTO_IP, IP_TOS), 0x10);
    EXPECT_EQ(int_opt(fd, IPPROTO_IP, IP_TTL), 64);
    EXPECT_EQ(int_opt(fd, IPPROTO_TCP, 9999), -ENOPROTOOPT - 100000);
    EXPECT_ERRNO(setsockopt(fd, IPPROTO_TCP, 9999, &one, sizeof(one)), ENOPROTOOPT);
    EXPECT_ERRNO(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, 2), EINVAL);
    close(fd);
}

TEST(tcp_info_state)
{
    int l = listener4(1);
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    CHECK(getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &len));
    EXPECT_EQ(ti.tcpi_state, TCP_LISTEN);
    struct sockaddr_in a = lo4(port_of(l));
    int c = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)));
    len = sizeof(ti);
    CHECK(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
    EXPECT_EQ(ti.tcpi_state, TCP_ESTABLISHED);
    EXPECT_TRUE(ti.tcpi_snd_mss > 0);
    EXPECT_TRUE(ti.tcpi_snd_cwnd > 0);
    EXPECT_TRUE(ti.tcpi_rto > 0);
    len = 8; /* a short buffer gets a prefix */
    CHECK(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
    EXPECT_EQ(len, 8);
    close(c);
    close(l);
}

TEST(ipv6_loopback)
{
    int l = CHECK(socket(AF_INET6, SOCK_STREAM, 0));
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)));
    CHECK(listen(l, 2));
    a.sin6_port = htons(port_of(l));
    int c = CHECK(socket(AF_INET6, SOCK_STREAM, 0));
    CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)));
    struct sockaddr_in6 peer;
    socklen_t len = sizeof(peer);
    int s = CHECK(accept(l, (struct sockaddr *)&peer, &len));
    EXPECT_EQ(len, sizeof(peer));
    EXPECT_EQ(peer.sin6_family, AF_INET6);
    EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&peer.sin6_addr));
    CHECK(write(c, "six", 3));
    char b[4] = {0};
    EXPECT_EQ(read(s, b, 3), 3);
    EXPECT_STREQ(b, "six");
    close(c);
    close(s);
    close(l);
}

TEST(ipv6_dual_stack_and_v6only)
{
    int l = CHECK(socket(AF_INET6, SOCK_STREAM, 0));
    EXPECT_EQ(int_opt(l, IPPROTO_IPV6, IPV6_V6ONLY), 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
    CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)));
    int one = 1;
    EXPECT_ERRNO(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), EINVAL);
    CHECK(listen(l, 2));
    uint16_t port = port_of(l);
    int c = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a4 = lo4(port);
    CHECK(connect(c, (struct sockaddr *)&a4, sizeof(a4)));
    struct sockaddr_in6 peer;
    socklen_t len = sizeof(peer);
    int s = CHECK(accept(l, (struct sockaddr *)&peer, &len));
    EXPECT_TRUE(IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr));
    EXPECT_EQ(peer.sin6_addr.s6_addr[15], 1);
    close(s);
    close(c);
    /* A v6 socket reaches an IPv4 listener through a v4-mapped address. */
    int c6 = CHECK(socket(AF_INET6, SOCK_STREAM, 0));
    struct sockaddr_in6 m = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &m.sin6_addr);
    CHECK(connect(c6, (struct sockaddr *)&m, sizeof(m)));
    s = CHECK(accept(l, NULL, NULL));
    close(s);
    close(c6);
    close(l);
    /* v6-only: no IPv4, and v4-mapped destinations are unreachable. */
    l = CHECK(socket(AF_INET6, SOCK_STREAM, 0));
    CHECK(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
    a.sin6_port = 0;
    CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)));
    CHECK(listen(l, 2));
    c = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    a4 = lo4(port_of(l));
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&a4, sizeof(a4)), ECONNREFUSED);
    c6 = CHECK(socket(AF_INET6, SOCK_STREAM, 0));
    CHECK(setsockopt(c6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
    EXPECT_ERRNO(connect(c6, (struct sockaddr *)&m, sizeof(m)), ENETUNREACH);
    close(c6);
    close(c);
    close(l);
}

TEST(accept_nonblocking_and_listen_backlog)
{
    int l = listener4(0);
    CHECK(fcntl(l, F_SETFL, O_NONBLOCK));
    EXPECT_ERRNO(accept(l, NULL, NULL), EAGAIN);
    EXPECT_EQ(poll_one(l, POLLIN, 0), 0);
    struct sockaddr_in a = lo4(port_of(l));
    int c = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(connect(c, (struct sockaddr *)&a, sizeof(a))); /* backlog 0 still takes one */
    EXPECT_EQ(poll_one(l, POLLIN, 5000), POLLIN);
    int s = CHECK(accept(l, NULL, NULL));
    EXPECT_ERRNO(accept(l, NULL, NULL), EAGAIN);
    close(s);
    close(c);
    close(l);
}

TEST(full_accept_queue_drops_syn_until_accept)
{
    int l = listener4(0); /* room for one connection */
    struct sockaddr_in a = lo4(port_of(l));
    int c1 = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(connect(c1, (struct sockaddr *)&a, sizeof(a)));
    int c2 = CHECK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    EXPECT_ERRNO(connect(c2, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
    EXPECT_EQ(poll_one(c2, POLLOUT, 300), 0); /* its SYN was dropped: still connecting */
    int s1 = CHECK(accept(l, NULL, NULL));
    /* The client retransmits its SYN (a timer of the stack) and gets in now. */
    EXPECT_EQ(poll_one(c2, POLLOUT, 15000) & (POLLOUT | POLLERR), POLLOUT);
    EXPECT_EQ(int_opt(c2, SOL_SOCKET, SO_ERROR), 0);
    int s2 = CHECK(accept(l, NULL, NULL));
    close(s1);
    close(s2);
    close(c1);
    close(c2);
    close(l);
}

/* The line of /proc/net/@file whose inode is @fd's, or an empty string. */
static void proc_net_line(const char *file, int fd, char *out, size_t size)
{
    struct stat st;
    CHECK(fstat(fd, &st));
    char path[64], ino[32];
    snprintf(path, sizeof(path), "/proc/net/%s", file);
    snprintf(ino, sizeof(ino), " %lu ", (unsigned long)st.st_ino);
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f))
        if (strstr(line, ino)) {
            snprintf(out, size, "%s", line);
            break;
        }
    fclose(f);
}

TEST(proc_net_tcp_lists_sockets)
{
    int l = listener4(3);
    int c = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = lo4(port_of(l));
    CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)));
    char line[512], want[64];
    proc_net_line("tcp", l, line, sizeof(line));
    snprintf(want, sizeof(want), ": 0100007F:%04X 00000000:0000 0A ", port_of(l));
    EXPECT_TRUE(strstr(line, want) != NULL);
    EXPECT_TRUE(strstr(line, ":00000001 ") != NULL); /* rx_queue: one to accept */
    proc_net_line("tcp", c, line, sizeof(line));
    snprintf(want, sizeof(want), ": 0100007F:%04X 0100007F:%04X 01 ", port_of(c), port_of(l));
    EXPECT_TRUE(strstr(line, want) != NULL);
    char buf[4096] = {0};
    int fd = CHECK(open("/proc/net/dev", O_RDONLY));
    EXPECT_TRUE(read(fd, buf, sizeof(buf) - 1) > 0);
    EXPECT_TRUE(strstr(buf, "    lo:") != NULL);
    close(fd);
    memset(buf, 0, sizeof(buf));
    fd = CHECK(open("/proc/net/if_inet6", O_RDONLY));
    EXPECT_TRUE(read(fd, buf, sizeof(buf) - 1) > 0);
    EXPECT_TRUE(strstr(buf, "00000000000000000000000000000001 01 80 10 80       lo\n") != NULL);
    close(fd);
    memset(buf, 0, sizeof(buf));
    fd = CHECK(open("/proc/net/route", O_RDONLY));
    EXPECT_TRUE(read(fd, buf, sizeof(buf) - 1) > 0);
    const char head[] = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask";
    EXPECT_EQ(strncmp(buf, head, sizeof(head) - 1), 0);
    close(fd);
    close(c);
    close(l);
}

TEST(whole_loopback_network)
{
    int l = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)));
    CHECK(listen(l, 2));
    a.sin_addr.s_addr = inet_addr("127.0.0.2");
    a.sin_port = htons(port_of(l));
    int c = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)));
    struct sockaddr_in peer, self;
    socklen_t len = sizeof(peer);
    int s = CHECK(accept(l, (struct sockaddr *)&peer, &len));
    len = sizeof(self);
    CHECK(getsockname(s, (struct sockaddr *)&self, &len));
    EXPECT_EQ(self.sin_addr.s_addr, inet_addr("127.0.0.2"));
    EXPECT_EQ(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    CHECK(write(c, "ok", 2));
    char b[4] = {0};
    EXPECT_EQ(read(s, b, sizeof(b)), 2);
    /* A socket bound to another address of 127/8 listens there only. */
    int l2 = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a3 = {.sin_family = AF_INET, .sin_addr.s_addr = inet_addr("127.0.0.3")};
    CHECK(bind(l2, (struct sockaddr *)&a3, sizeof(a3)));
    CHECK(listen(l2, 1));
    struct sockaddr_in wrong = lo4(port_of(l2));
    int c2 = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    EXPECT_ERRNO(connect(c2, (struct sockaddr *)&wrong, sizeof(wrong)), ECONNREFUSED);
    close(c2);
    close(l2);
    close(s);
    close(c);
    close(l);
}

TEST(accept_without_descriptors_keeps_the_connection)
{
    int l = listener4(4);
    struct sockaddr_in a = lo4(port_of(l));
    int c = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)));
    struct rlimit rl = {64, 64};
    CHECK(setrlimit(RLIMIT_NOFILE, &rl));
    int fill[64], n = 0;
    while (n < 64 && (fill[n] = dup(0)) >= 0)
        n++;
    EXPECT_ERRNO(accept(l, NULL, NULL), EMFILE);
    close(fill[--n]);
    int s = CHECK(accept(l, NULL, NULL)); /* the connection waited in the queue */
    CHECK(write(c, "still", 5));
    char b[8] = {0};
    EXPECT_EQ(read(s, b, sizeof(b)), 5);
    while (n > 0)
        close(fill[--n]);
    close(s);
    close(c);
    close(l);
}

/* A non-blocking listener of 127.0.0.1:@port with SO_REUSEPORT. */
static int reuseport_listener(uint16_t port)
{
    int l = CHECK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    int one = 1;
    CHECK(setsockopt(l, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)));
    struct sockaddr_in a = lo4(port);
    CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)));
    CHECK(listen(l, 64));
    return l;
}

static int accept_all(int l)
{
    int n = 0, fd;
    while ((fd = accept(l, NULL, NULL)) >= 0) {
        close(fd);
        n++;
    }
    return n;
}

TEST(reuseport_listeners_share_connections)
{
    int a = reuseport_listener(0);
    uint16_t port = port_of(a);
    int b = reuseport_listener(port);
    int other = CHECK(socket(AF_INET, SOCK_STREAM, 0)); /* without the option: in use */
    struct sockaddr_in sa = lo4(port);
    EXPECT_ERRNO(bind(other, (struct sockaddr *)&sa, sizeof(sa)), EADDRINUSE);
    close(other);
    int c[20];
    for (int i = 0; i < 20; i++) {
        c[i] = CHECK(socket(AF_INET, SOCK_STREAM, 0));
        CHECK(connect(c[i], (struct sockaddr *)&sa, sizeof(sa)));
    }
    EXPECT_EQ(poll_one(a, POLLIN, 5000), POLLIN);
    int na = accept_all(a), nb = accept_all(b);
    EXPECT_EQ(na + nb, 20);
    EXPECT_TRUE(na > 0 && nb > 0); /* both got connections */
    close(a);                      /* the group goes on with b */
    int d = CHECK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(connect(d, (struct sockaddr *)&sa, sizeof(sa)));
    EXPECT_EQ(poll_one(b, POLLIN, 5000), POLLIN);
    EXPECT_EQ(accept_all(b), 1);
    close(d);
    for (int i = 0; i < 20; i++)
        close(c[i]);
    close(b);
}

TEST(sigpipe_kills_by_default)
{
    int c, s;
    pair4(&c, &s);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        shutdown(c, SHUT_WR);
        write(c, "x", 1);
        _exit(0);
    }
    EXPECT_SIGNALED(pid, SIGPIPE);
    close(c);
    close(s);
}
