// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for raw ICMP sockets (ping): an echo request to 127.0.0.1 and to ::1 gets
 * its reply, IPv4 with the IP header and IPv6 without, the IPv6 checksum filled in by the
 * stack, ICMP_FILTER and ICMP6_FILTER, and the capability rule. */
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef ICMP_FILTER
#define ICMP_FILTER 1 /* linux/icmp.h, which clashes with netinet/ip_icmp.h */
#endif

#include "tests/syscalls/harness.h"

static uint16_t csum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons((uint16_t)~sum);
}

TEST(icmp_echo_v4)
{
    if (!harness_is_root())
        SKIP("raw sockets need CAP_NET_RAW");
    int fd = CHECK(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
    uint32_t filter = 1u << ICMP_ECHO; /* hear the replies, not our own requests */
    CHECK(setsockopt(fd, SOL_RAW, ICMP_FILTER, &filter, sizeof(filter)));
    uint8_t pkt[64] = {0};
    struct icmphdr *h = (struct icmphdr *)pkt;
    h->type = ICMP_ECHO;
    h->un.echo.id = htons(0x4242);
    h->un.echo.sequence = htons(7);
    memcpy(pkt + 8, "cvisor-ping", 11);
    h->checksum = csum(pkt, sizeof(pkt));
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    EXPECT_EQ(sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)), 64);
    struct pollfd p = {fd, POLLIN, 0};
    EXPECT_EQ(poll(&p, 1, 5000), 1);
    uint8_t buf[256];
    struct sockaddr_in from;
    socklen_t len = sizeof(from);
    ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
    EXPECT_EQ(n, 20 + 64); /* the IPv4 header comes with it */
    EXPECT_EQ(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    struct iphdr *ip = (struct iphdr *)buf;
    EXPECT_EQ(ip->protocol, IPPROTO_ICMP);
    struct icmphdr *r = (struct icmphdr *)(buf + ip->ihl * 4);
    EXPECT_EQ(r->type, ICMP_ECHOREPLY);
    EXPECT_EQ(ntohs(r->un.echo.id), 0x4242);
    EXPECT_EQ(ntohs(r->un.echo.sequence), 7);
    EXPECT_EQ(memcmp((uint8_t *)r + 8, "cvisor-ping", 11), 0);
    uint32_t got = 0;
    len = sizeof(got);
    CHECK(getsockopt(fd, SOL_RAW, ICMP_FILTER, &got, &len));
    EXPECT_EQ(got, filter);
    close(fd);
}

TEST(icmp_echo_v6)
{
    if (!harness_is_root())
        SKIP("raw sockets need CAP_NET_RAW");
    int fd = CHECK(socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6));
    struct icmp6_filter f;
    ICMP6_FILTER_SETBLOCKALL(&f);
    ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
    CHECK(setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)));
    uint8_t pkt[32] = {0};
    struct icmp6_hdr *h = (struct icmp6_hdr *)pkt;
    h->icmp6_type = ICMP6_ECHO_REQUEST;
    h->icmp6_id = htons(0x77);
    h->icmp6_seq = htons(3);
    memcpy(pkt + 8, "six", 3); /* checksum left 0: the stack computes it */
    struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    EXPECT_EQ(sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)), 32);
    struct pollfd p = {fd, POLLIN, 0};
    EXPECT_EQ(poll(&p, 1, 5000), 1);
    uint8_t buf[256];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    EXPECT_EQ(n, 32); /* no IPv6 header */
    struct icmp6_hdr *r = (struct icmp6_hdr *)buf;
    EXPECT_EQ(r->icmp6_type, ICMP6_ECHO_REPLY);
    EXPECT_EQ(ntohs(r->icmp6_id), 0x77);
    EXPECT_EQ(memcmp(buf + 8, "six", 3), 0);
    EXPECT_ERRNO(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN); /* the request was filtered */
    close(fd);
}

TEST(icmp6_short_messages_and_mapped_addresses)
{
    if (!harness_is_root())
        SKIP("raw sockets need CAP_NET_RAW");
    int fd = CHECK(socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6));
    struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    EXPECT_ERRNO(sendto(fd, "\x80\0\0", 3, 0, (struct sockaddr *)&to, sizeof(to)), EINVAL);
    EXPECT_ERRNO(sendto(fd, "\x80", 1, 0, (struct sockaddr *)&to, sizeof(to)), EFAULT);
    struct sockaddr_in6 m = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &m.sin6_addr);
    EXPECT_ERRNO(bind(fd, (struct sockaddr *)&m, sizeof(m)), EADDRNOTAVAIL);
    close(fd);
}

TEST(raw_needs_cap_net_raw)
{
    if (harness_is_root()) {
        int fd = CHECK(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
        close(fd);
        return;
    }
    EXPECT_ERRNO(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM);
}
