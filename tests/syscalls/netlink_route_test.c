// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for AF_NETLINK/NETLINK_ROUTE: the link, address and route dumps show the
 * loopback as Linux does (index 1, 127.0.0.1/8, ::1/128, the local routes), one link by name,
 * getifaddrs() and if_nametoindex() on top of them, and the socket's own address. */
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static char g_reply[65536];

/* Send a request of @type with the 1-byte family payload @family (padded) and the given
 * flags; collect the answer (until NLMSG_DONE for dumps) into g_reply. Returns its length. */
static int request(int fd, uint16_t type, uint16_t flags, const void *body, size_t body_len)
{
    struct {
        struct nlmsghdr h;
        uint8_t body[64];
    } req;
    memset(&req, 0, sizeof(req));
    req.h.nlmsg_len = NLMSG_LENGTH(body_len);
    req.h.nlmsg_type = type;
    req.h.nlmsg_flags = NLM_F_REQUEST | flags;
    req.h.nlmsg_seq = 42;
    memcpy(req.body, body, body_len);
    CHECK(send(fd, &req, req.h.nlmsg_len, 0));
    int total = 0;
    for (;;) {
        int n = (int)recv(fd, g_reply + total, sizeof(g_reply) - (size_t)total, 0);
        if (n <= 0)
            return total;
        int end = total + n;
        bool done = !(flags & NLM_F_DUMP);
        for (struct nlmsghdr *h = (void *)(g_reply + total); NLMSG_OK(h, n); h = NLMSG_NEXT(h, n))
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
                done = true;
        total = end;
        if (done)
            return total;
    }
}

static struct rtattr *find_attr(void *start, int len, int type)
{
    for (struct rtattr *a = start; RTA_OK(a, len); a = RTA_NEXT(a, len))
        if (a->rta_type == type)
            return a;
    return NULL;
}

TEST(link_dump_has_loopback)
{
    int fd = CHECK(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    int len = request(fd, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
    int found = 0, done = 0;
    for (struct nlmsghdr *h = (void *)g_reply; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
        EXPECT_EQ(h->nlmsg_seq, 42);
        if (h->nlmsg_type == NLMSG_DONE)
            done = 1;
        if (h->nlmsg_type != RTM_NEWLINK)
            continue;
        struct ifinfomsg *m = NLMSG_DATA(h);
        struct rtattr *name = find_attr(IFLA_RTA(m), (int)IFLA_PAYLOAD(h), IFLA_IFNAME);
        if (name && strcmp(RTA_DATA(name), "lo") == 0) {
            found = 1;
            EXPECT_EQ(m->ifi_index, 1);
            EXPECT_TRUE(m->ifi_flags & IFF_LOOPBACK);
            EXPECT_TRUE(m->ifi_flags & IFF_UP);
            struct rtattr *mtu = find_attr(IFLA_RTA(m), (int)IFLA_PAYLOAD(h), IFLA_MTU);
            EXPECT_TRUE(mtu != NULL);
        }
    }
    EXPECT_TRUE(found);
    EXPECT_TRUE(done);
    close(fd);
}

TEST(one_link_by_name)
{
    int fd = CHECK(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE));
    struct {
        struct ifinfomsg ifi;
        struct rtattr a;
        char name[4];
    } body = {.ifi = {.ifi_family = AF_UNSPEC},
              .a = {.rta_len = RTA_LENGTH(3), .rta_type = IFLA_IFNAME},
              .name = "lo"};
    int len = request(fd, RTM_GETLINK, 0, &body, sizeof(body));
    struct nlmsghdr *h = (void *)g_reply;
    EXPECT_TRUE(NLMSG_OK(h, len));
    EXPECT_EQ(h->nlmsg_type, RTM_NEWLINK);
    EXPECT_EQ(((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index, 1);
    memcpy(body.name, "zz9", 4);
    len = request(fd, RTM_GETLINK, 0, &body, sizeof(body));
    h = (void *)g_reply;
    EXPECT_EQ(h->nlmsg_type, NLMSG_ERROR);
    EXPECT_EQ(((struct nlmsgerr *)NLMSG_DATA(h))->error, -ENODEV);
    close(fd);
}

TEST(addr_dump_has_loopback_addresses)
{
    int fd = CHECK(socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
    struct ifaddrmsg ifa = {.ifa_family = AF_UNSPEC};
    int len = request(fd, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
    int v4 = 0;
    for (struct nlmsghdr *h = (void *)g_reply; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
        if (h->nlmsg_type != RTM_NEWADDR)
            continue;
        struct ifaddrmsg *m = NLMSG_DATA(h);
        struct rtattr *a = find_attr(IFA_RTA(m), (int)IFA_PAYLOAD(h), IFA_ADDRESS);
        if (m->ifa_family == AF_INET && a && m->ifa_index == 1 &&
            memcmp(RTA_DATA(a), "\x7f\0\0\x01", 4) == 0) {
            v4 = 1;
            EXPECT_EQ(m->ifa_prefixlen, 8);
            EXPECT_EQ(m->ifa_scope, RT_SCOPE_HOST);
        }
    }
    EXPECT_TRUE(v4);
    close(fd);
}

TEST(route_dump_has_local_routes)
{
    int fd = CHECK(socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
    struct rtmsg rt = {.rtm_family = AF_INET};
    int len = request(fd, RTM_GETROUTE, NLM_F_DUMP, &rt, sizeof(rt));
    int local = 0;
    for (struct nlmsghdr *h = (void *)g_reply; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
        if (h->nlmsg_type != RTM_NEWROUTE)
            continue;
        struct rtmsg *m = NLMSG_DATA(h);
        EXPECT_EQ(m->rtm_family, AF_INET);
        struct rtattr *dst = find_attr(RTM_RTA(m), (int)RTM_PAYLOAD(h), RTA_DST);
        if (m->rtm_table == RT_TABLE_LOCAL && m->rtm_type == RTN_LOCAL && m->rtm_dst_len == 8 &&
            dst && memcmp(RTA_DATA(dst), "\x7f\0\0\0", 4) == 0)
            local = 1;
    }
    EXPECT_TRUE(local);
    close(fd);
}

TEST(getifaddrs_and_nametoindex)
{
    struct ifaddrs *list;
    CHECK(getifaddrs(&list));
    int lo4 = 0;
    for (struct ifaddrs *i = list; i; i = i->ifa_next) {
        if (strcmp(i->ifa_name, "lo") == 0 && i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
            ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
            lo4 = 1;
            EXPECT_TRUE(i->ifa_flags & IFF_LOOPBACK);
            EXPECT_EQ(((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr, htonl(0xff000000));
        }
    }
    freeifaddrs(list);
    EXPECT_TRUE(lo4);
    EXPECT_EQ(if_nametoindex("lo"), 1);
}

TEST(socket_address_and_errors)
{
    int fd = CHECK(socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
    struct sockaddr_nl a = {.nl_family = AF_NETLINK};
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
    socklen_t len = sizeof(a);
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len));
    EXPECT_EQ(len, sizeof(a));
    EXPECT_EQ(a.nl_family, AF_NETLINK);
    EXPECT_NE(a.nl_pid, 0);
    int v = -1;
    len = sizeof(v);
    CHECK(getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len));
    EXPECT_EQ(v, NETLINK_ROUTE);
    char b[16];
    EXPECT_ERRNO(recv(fd, b, sizeof(b), MSG_DONTWAIT), EAGAIN);
    EXPECT_ERRNO(listen(fd, 1), EOPNOTSUPP);
    close(fd);
    EXPECT_ERRNO(socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE), ESOCKTNOSUPPORT);
}
