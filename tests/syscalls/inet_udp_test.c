// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for AF_INET/AF_INET6 UDP sockets over loopback: message boundaries,
 * source addresses, MSG_TRUNC/PEEK, connected sockets, sendmmsg/recvmmsg, FIONREAD, sizes,
 * readiness, shutdown and v4-mapped addresses. */
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define TCP_NODELAY_OPT 1 /* netinet/tcp.h */

static struct sockaddr_in lo4(uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* A UDP socket bound to 127.0.0.1 at an ephemeral port; its address in *@a. */
static int bound4(struct sockaddr_in *a)
{
    int fd = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    *a = lo4(0);
    CHECK(bind(fd, (struct sockaddr *)a, sizeof(*a)));
    socklen_t len = sizeof(*a);
    CHECK(getsockname(fd, (struct sockaddr *)a, &len));
    return fd;
}

static short poll_one(int fd, short events, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    return poll(&p, 1, timeout_ms) > 0 ? p.revents : 0;
}

TEST(datagrams_keep_boundaries_and_source)
{
    struct sockaddr_in ra, sa;
    int r = bound4(&ra);
    int s = bound4(&sa);
    EXPECT_EQ(sendto(s, "one", 3, 0, (struct sockaddr *)&ra, sizeof(ra)), 3);
    EXPECT_EQ(sendto(s, "second", 6, 0, (struct sockaddr *)&ra, sizeof(ra)), 6);
    EXPECT_EQ(poll_one(r, POLLIN, 5000) & POLLIN, POLLIN);
    char b[16] = {0};
    struct sockaddr_in from;
    socklen_t len = sizeof(from);
    EXPECT_EQ(recvfrom(r, b, sizeof(b), 0, (struct sockaddr *)&from, &len), 3);
    EXPECT_STREQ(b, "one");
    EXPECT_EQ(len, sizeof(from));
    EXPECT_EQ(from.sin_port, sa.sin_port);
    EXPECT_EQ(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    memset(b, 0, sizeof(b));
    EXPECT_EQ(recv(r, b, sizeof(b), 0), 6);
    EXPECT_STREQ(b, "second");
    EXPECT_ERRNO(recv(r, b, sizeof(b), MSG_DONTWAIT), EAGAIN);
    EXPECT_EQ(sendto(s, "", 0, 0, (struct sockaddr *)&ra, sizeof(ra)), 0);
    EXPECT_EQ(recv(r, b, sizeof(b), 0), 0); /* an empty datagram */
    close(r);
    close(s);
}

TEST(truncation_peek_and_fionread)
{
    struct sockaddr_in ra;
    int r = bound4(&ra);
    int s = CHECK(socket(AF_INET, SOCK_DGRAM, 0)); /* sendto binds it */
    CHECK(sendto(s, "abcdefgh", 8, 0, (struct sockaddr *)&ra, sizeof(ra)));
    CHECK(sendto(s, "xy", 2, 0, (struct sockaddr *)&ra, sizeof(ra)));
    EXPECT_EQ(poll_one(r, POLLIN, 5000) & POLLIN, POLLIN);
    int n = -1;
    CHECK(ioctl(r, FIONREAD, &n));
    EXPECT_EQ(n, 8); /* the first datagram's size */
    char b[16] = {0};
    EXPECT_EQ(recv(r, b, 4, MSG_PEEK), 4);
    EXPECT_EQ(recv(r, b, 4, MSG_PEEK | MSG_TRUNC), 8);
    struct iovec iov = {b, 4};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    EXPECT_EQ(recvmsg(r, &mh, 0), 4);
    EXPECT_TRUE(mh.msg_flags & MSG_TRUNC);
    EXPECT_EQ(memcmp(b, "abcd", 4), 0);
    memset(b, 0, sizeof(b));
    EXPECT_EQ(recv(r, b, sizeof(b), 0), 2); /* the rest of the first one is gone */
    EXPECT_STREQ(b, "xy");
    close(r);
    close(s);
}

TEST(connected_socket)
{
    struct sockaddr_in ra, oa;
    int r = bound4(&ra);
    int other = bound4(&oa);
    int s = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    EXPECT_ERRNO(send(s, "x", 1, 0), EDESTADDRREQ);
    struct sockaddr_in peer;
    socklen_t len = sizeof(peer);
    EXPECT_ERRNO(getpeername(s, (struct sockaddr *)&peer, &len), ENOTCONN);
    CHECK(connect(s, (struct sockaddr *)&ra, sizeof(ra)));
    len = sizeof(peer);
    CHECK(getpeername(s, (struct sockaddr *)&peer, &len));
    EXPECT_EQ(peer.sin_port, ra.sin_port);
    EXPECT_EQ(send(s, "hi", 2, 0), 2);
    char b[8] = {0};
    EXPECT_EQ(poll_one(r, POLLIN, 5000) & POLLIN, POLLIN);
    EXPECT_EQ(recv(r, b, sizeof(b), 0), 2);
    /* A connected socket only hears from its peer. */
    struct sockaddr_in sa;
    len = sizeof(sa);
    CHECK(getsockname(s, (struct sockaddr *)&sa, &len));
    CHECK(sendto(other, "no", 2, 0, (struct sockaddr *)&sa, sizeof(sa)));
    CHECK(sendto(r, "yes", 3, 0, (struct sockaddr *)&sa, sizeof(sa)));
    EXPECT_EQ(poll_one(s, POLLIN, 5000) & POLLIN, POLLIN);
    memset(b, 0, sizeof(b));
    EXPECT_EQ(recv(s, b, sizeof(b), 0), 3);
    EXPECT_STREQ(b, "yes");
    EXPECT_ERRNO(recv(s, b, sizeof(b), MSG_DONTWAIT), EAGAIN);
    /* AF_UNSPEC dissolves the association. */
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    CHECK(connect(s, &unspec, sizeof(unspec)));
    len = sizeof(peer);
    EXPECT_ERRNO(getpeername(s, (struct sockaddr *)&peer, &len), ENOTCONN);
    close(r);
    close(s);
    close(other);
}

TEST(sendmmsg_recvmmsg)
{
    struct sockaddr_in ra;
    int r = bound4(&ra);
    int s = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    CHECK(connect(s, (struct sockaddr *)&ra, sizeof(ra)));
    struct iovec iov[3] = {{"a", 1}, {"bb", 2}, {"ccc", 3}};
    struct mmsghdr msgs[3];
    memset(msgs, 0, sizeof(msgs));
    for (int i = 0; i < 3; i++) {
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    EXPECT_EQ(sendmmsg(s, msgs, 3, 0), 3);
    EXPECT_EQ(msgs[2].msg_len, 3);
    char bufs[3][8];
    struct iovec riov[3];
    struct mmsghdr rm[3];
    memset(rm, 0, sizeof(rm));
    for (int i = 0; i < 3; i++) {
        riov[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
        rm[i].msg_hdr.msg_iov = &riov[i];
        rm[i].msg_hdr.msg_iovlen = 1;
    }
    EXPECT_EQ(poll_one(r, POLLIN, 5000) & POLLIN, POLLIN);
    EXPECT_EQ(recvmmsg(r, rm, 3, MSG_DONTWAIT, NULL), 3);
    EXPECT_EQ(rm[0].msg_len, 1);
    EXPECT_EQ(rm[1].msg_len, 2);
    EXPECT_EQ(rm[2].msg_len, 3);
    EXPECT_EQ(memcmp(bufs[2], "ccc", 3), 0);
    close(r);
    close(s);
}

TEST(sizes_and_errors)
{
    struct sockaddr_in ra;
    int r = bound4(&ra);
    int s = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    int big = 1 << 20;
    CHECK(setsockopt(r, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)));
    static char buf[65508];
    EXPECT_ERRNO(sendto(s, buf, 65508, 0, (struct sockaddr *)&ra, sizeof(ra)), EMSGSIZE);
    EXPECT_EQ(sendto(s, buf, 65507, 0, (struct sockaddr *)&ra, sizeof(ra)), 65507);
    EXPECT_EQ(poll_one(r, POLLIN, 5000) & POLLIN, POLLIN);
    EXPECT_EQ(recv(r, buf, sizeof(buf), 0), 65507);
    struct sockaddr_in zero = lo4(0);
    EXPECT_ERRNO(sendto(s, "x", 1, 0, (struct sockaddr *)&zero, sizeof(zero)), EINVAL);
    EXPECT_ERRNO(listen(s, 1), EOPNOTSUPP);
    EXPECT_ERRNO(accept(s, NULL, NULL), EOPNOTSUPP);
    EXPECT_EQ(poll_one(s, POLLOUT, 0), POLLOUT);
    close(r);
    close(s);
}

TEST(bind_conflicts)
{
    struct sockaddr_in a;
    int x = bound4(&a);
    int y = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    EXPECT_ERRNO(bind(y, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
    close(x);
    close(y);
    int one = 1;
    x = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    y = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    CHECK(setsockopt(x, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
    CHECK(setsockopt(y, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
    a = lo4(0);
    CHECK(bind(x, (struct sockaddr *)&a, sizeof(a)));
    socklen_t len = sizeof(a);
    CHECK(getsockname(x, (struct sockaddr *)&a, &len));
    EXPECT_OK(bind(y, (struct sockaddr *)&a, sizeof(a))); /* both SO_REUSEADDR */
    close(x);
    close(y);
}

TEST(shutdown_wakes_and_reports)
{
    int s = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    EXPECT_ERRNO(shutdown(s, SHUT_RD), ENOTCONN);
    close(s);
    struct sockaddr_in ra;
    int r = bound4(&ra);
    s = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    CHECK(connect(s, (struct sockaddr *)&ra, sizeof(ra)));
    CHECK(shutdown(s, SHUT_RD));
    char b[4];
    EXPECT_EQ(recv(s, b, sizeof(b), 0), 0);
    CHECK(shutdown(s, SHUT_WR));
    EXPECT_ERRNO(send(s, "x", 1, MSG_NOSIGNAL), EPIPE);
    EXPECT_TRUE(poll_one(s, POLLIN, 0) & POLLHUP);
    close(r);
    close(s);
}

TEST(ipv6_and_v4_mapped)
{
    int r = CHECK(socket(AF_INET6, SOCK_DGRAM, 0));
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
    CHECK(bind(r, (struct sockaddr *)&a, sizeof(a)));
    socklen_t len = sizeof(a);
    CHECK(getsockname(r, (struct sockaddr *)&a, &len));
    int s4 = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in to = lo4(ntohs(a.sin6_port));
    CHECK(sendto(s4, "v4", 2, 0, (struct sockaddr *)&to, sizeof(to)));
    struct sockaddr_in6 from;
    len = sizeof(from);
    char b[8] = {0};
    EXPECT_EQ(poll_one(r, POLLIN, 5000) & POLLIN, POLLIN);
    EXPECT_EQ(recvfrom(r, b, sizeof(b), 0, (struct sockaddr *)&from, &len), 2);
    EXPECT_EQ(len, sizeof(from));
    EXPECT_TRUE(IN6_IS_ADDR_V4MAPPED(&from.sin6_addr));
    /* Answer through the mapped address. */
    EXPECT_EQ(sendto(r, "re", 2, 0, (struct sockaddr *)&from, len), 2);
    EXPECT_EQ(poll_one(s4, POLLIN, 5000) & POLLIN, POLLIN);
    EXPECT_EQ(recv(s4, b, sizeof(b), 0), 2);
    int s6 = CHECK(socket(AF_INET6, SOCK_DGRAM, 0));
    struct sockaddr_in6 to6 = {
        .sin6_family = AF_INET6, .sin6_port = a.sin6_port, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    CHECK(sendto(s6, "v6", 2, 0, (struct sockaddr *)&to6, sizeof(to6)));
    EXPECT_EQ(poll_one(r, POLLIN, 5000) & POLLIN, POLLIN);
    len = sizeof(from);
    EXPECT_EQ(recvfrom(r, b, sizeof(b), 0, (struct sockaddr *)&from, &len), 2);
    EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&from.sin6_addr));
    close(r);
    close(s4);
    close(s6);
}

TEST(interface_ioctls)
{
    int fd = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    struct ifconf ic = {.ifc_len = 0, .ifc_buf = NULL};
    CHECK(ioctl(fd, SIOCGIFCONF, &ic));
    EXPECT_TRUE(ic.ifc_len > 0 && ic.ifc_len % (int)sizeof(struct ifreq) == 0);
    struct ifreq reqs[16];
    ic.ifc_len = sizeof(reqs);
    ic.ifc_req = reqs;
    CHECK(ioctl(fd, SIOCGIFCONF, &ic));
    int found = 0;
    for (int i = 0; i < ic.ifc_len / (int)sizeof(struct ifreq); i++) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&reqs[i].ifr_addr;
        if (strcmp(reqs[i].ifr_name, "lo") == 0 && sin->sin_family == AF_INET &&
            sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK))
            found = 1;
    }
    EXPECT_TRUE(found);
    struct ifreq r;
    memset(&r, 0, sizeof(r));
    strcpy(r.ifr_name, "lo");
    CHECK(ioctl(fd, SIOCGIFFLAGS, &r));
    EXPECT_EQ(r.ifr_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING),
              IFF_UP | IFF_LOOPBACK | IFF_RUNNING);
    CHECK(ioctl(fd, SIOCGIFINDEX, &r));
    int index = r.ifr_ifindex;
    EXPECT_EQ(index, 1);
    CHECK(ioctl(fd, SIOCGIFADDR, &r));
    EXPECT_EQ(((struct sockaddr_in *)&r.ifr_addr)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    CHECK(ioctl(fd, SIOCGIFNETMASK, &r));
    EXPECT_EQ(((struct sockaddr_in *)&r.ifr_netmask)->sin_addr.s_addr, htonl(0xff000000));
    CHECK(ioctl(fd, SIOCGIFMTU, &r));
    EXPECT_EQ(r.ifr_mtu, 65536);
    CHECK(ioctl(fd, SIOCGIFHWADDR, &r));
    EXPECT_EQ(r.ifr_hwaddr.sa_family, ARPHRD_LOOPBACK);
    memset(&r, 0, sizeof(r));
    r.ifr_ifindex = index;
    CHECK(ioctl(fd, SIOCGIFNAME, &r));
    EXPECT_STREQ(r.ifr_name, "lo");
    strcpy(r.ifr_name, "nosuchif0");
    EXPECT_ERRNO(ioctl(fd, SIOCGIFFLAGS, &r), ENODEV);
    close(fd);
}

TEST(connected_socket_learns_port_unreachable)
{
    struct sockaddr_in a;
    int tmp = bound4(&a); /* a port nobody uses once this socket is gone */
    close(tmp);
    int s = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    CHECK(connect(s, (struct sockaddr *)&a, sizeof(a)));
    EXPECT_EQ(send(s, "x", 1, 0), 1);
    EXPECT_TRUE(poll_one(s, POLLIN, 5000) & POLLERR); /* the ICMP error came back */
    char b[4];
    EXPECT_ERRNO(recv(s, b, sizeof(b), 0), ECONNREFUSED);
    EXPECT_ERRNO(recv(s, b, sizeof(b), MSG_DONTWAIT), EAGAIN); /* reported once */
    close(s);
    /* An unconnected socket hears nothing of it. */
    s = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    EXPECT_EQ(sendto(s, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
    EXPECT_EQ(poll_one(s, POLLIN, 200), 0);
    close(s);
}

TEST(pktinfo_control_messages)
{
    int r = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    CHECK(bind(r, (struct sockaddr *)&a, sizeof(a)));
    socklen_t len = sizeof(a);
    CHECK(getsockname(r, (struct sockaddr *)&a, &len));
    int one = 1;
    CHECK(setsockopt(r, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)));
    int s = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in to = lo4(ntohs(a.sin_port));
    CHECK(sendto(s, "pk", 2, 0, (struct sockaddr *)&to, sizeof(to)));
    char data[8], ctl[256];
    struct iovec iov = {data, sizeof(data)};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    EXPECT_EQ(poll_one(r, POLLIN, 5000) & POLLIN, POLLIN);
    EXPECT_EQ(recvmsg(r, &mh, 0), 2);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    EXPECT_TRUE(c != NULL);
    if (c) {
        EXPECT_EQ(c->cmsg_level, IPPROTO_IP);
        EXPECT_EQ(c->cmsg_type, IP_PKTINFO);
        struct in_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        EXPECT_EQ(pi.ipi_ifindex, 1);
        EXPECT_EQ(pi.ipi_addr.s_addr, htonl(INADDR_LOOPBACK));
        EXPECT_TRUE(CMSG_NXTHDR(&mh, c) == NULL);
    }
    /* Without the option, and on TCP, there are no control messages. */
    int zero = 0;
    CHECK(setsockopt(r, IPPROTO_IP, IP_PKTINFO, &zero, sizeof(zero)));
    CHECK(sendto(s, "pk", 2, 0, (struct sockaddr *)&to, sizeof(to)));
    mh.msg_controllen = sizeof(ctl);
    EXPECT_EQ(poll_one(r, POLLIN, 5000) & POLLIN, POLLIN);
    EXPECT_EQ(recvmsg(r, &mh, 0), 2);
    EXPECT_EQ(mh.msg_controllen, 0);
    close(r);
    close(s);
}

TEST(so_timestamp_control_message)
{
    struct sockaddr_in ra;
    int r = bound4(&ra);
    int one = 1;
    CHECK(setsockopt(r, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one)));
    int s = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    struct timeval before, after;
    gettimeofday(&before, NULL);
    CHECK(sendto(s, "t", 1, 0, (struct sockaddr *)&ra, sizeof(ra)));
    EXPECT_EQ(poll_one(r, POLLIN, 5000) & POLLIN, POLLIN);
    gettimeofday(&after, NULL);
    char data[4], ctl[128];
    struct iovec iov = {data, sizeof(data)};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    EXPECT_EQ(recvmsg(r, &mh, 0), 1);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    EXPECT_TRUE(c != NULL);
    if (c) {
        EXPECT_EQ(c->cmsg_level, SOL_SOCKET);
        EXPECT_EQ(c->cmsg_type, SCM_TIMESTAMP);
        struct timeval tv;
        memcpy(&tv, CMSG_DATA(c), sizeof(tv));
        long long t = tv.tv_sec * 1000000LL + tv.tv_usec;
        EXPECT_TRUE(t >= before.tv_sec * 1000000LL + before.tv_usec - 1000);
        EXPECT_TRUE(t <= after.tv_sec * 1000000LL + after.tv_usec + 1000);
    }
    close(r);
    close(s);
}

TEST(option_errnos_by_level)
{
    int v4 = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    int v6 = CHECK(socket(AF_INET6, SOCK_DGRAM, 0));
    int v = 0, one = 1;
    socklen_t len = sizeof(v);
    /* getsockopt at a level the socket does not have: ip_getsockopt and ipv6_getsockopt
     * differ; setsockopt says ENOPROTOOPT for both. */
    EXPECT_ERRNO(getsockopt(v4, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len), EOPNOTSUPP);
    EXPECT_ERRNO(getsockopt(v4, IPPROTO_TCP, TCP_NODELAY_OPT, &v, &len), EOPNOTSUPP);
    EXPECT_ERRNO(getsockopt(v6, IPPROTO_TCP, TCP_NODELAY_OPT, &v, &len), ENOPROTOOPT);
    EXPECT_ERRNO(setsockopt(v4, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), ENOPROTOOPT);
    EXPECT_ERRNO(setsockopt(v4, IPPROTO_TCP, TCP_NODELAY_OPT, &one, sizeof(one)), ENOPROTOOPT);
    EXPECT_ERRNO(getsockopt(v4, SOL_SOCKET, 250, &v, &len), ENOPROTOOPT);
    len = sizeof(v);
    EXPECT_OK(getsockopt(v6, IPPROTO_IP, IP_TOS, &v, &len)); /* IP options on v6 sockets */
    close(v4);
    close(v6);
}

TEST(connect_to_port_zero_has_no_peer)
{
    int s = CHECK(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in a = lo4(0);
    EXPECT_OK(connect(s, (struct sockaddr *)&a, sizeof(a)));
    struct sockaddr_in peer;
    socklen_t len = sizeof(peer);
    EXPECT_ERRNO(getpeername(s, (struct sockaddr *)&peer, &len), ENOTCONN);
    close(s);
}
