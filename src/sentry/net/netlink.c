// SPDX-License-Identifier: Apache-2.0
/*
 * AF_NETLINK sockets of protocol NETLINK_ROUTE, enough for `ip addr`, `ip link`, `ip route`,
 * getifaddrs() and `hostname -I`: the dumps RTM_GETLINK, RTM_GETADDR and RTM_GETROUTE (and
 * RTM_GETLINK of one interface) of the stack's interfaces, today the loopback. Requests that
 * would change the configuration are refused (EPERM without CAP_NET_ADMIN, else EOPNOTSUPP).
 * Every answer is queued on the socket as one datagram, as Linux's netlink_dump fills one
 * buffer; recvmsg returns one datagram (MSG_TRUNC when it does not fit).
 *
 * Locking: everything is protected by the kernel lock.
 */
#include "sentry/net/netlink.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "abi/linux/errno.h"
#include "common/list.h"
#include "common/log.h"
#include "sentry/kernel/task.h"
#include "sentry/memmap/uio.h"
#include "sentry/net/lwip/link.h"
#include "sentry/net/socket.h"
#include "sentry/waiter/waitq.h"

#define NL_MAX_QUEUED 64   /* answers not yet read; then ENOBUFS, as a full Linux socket */
#define NL_DGRAM_MAX 16384 /* one answer (our dumps are far smaller) */
#define NL_DEFAULT_BUF 212992

struct nl_dgram {
    struct list_head link;
    size_t len;
    uint8_t data[];
};

struct nl_sock {
    struct socket sock;    /* first: the socket layer casts */
    struct waitq wq;       /* Protected by the kernel lock, as everything here */
    struct list_head rcvq; /* of struct nl_dgram */
    int nqueued;
    uint32_t portid; /* 0 until bound (explicitly or by the first send) */
    uint32_t groups;
    int err; /* pending SO_ERROR */
    int sndbuf, rcvbuf;
    uint64_t rcvtimeo_ns;
};

static struct nl_sock *nl_sk(struct socket *s)
{
    return (struct nl_sock *)s;
}

/* ---- building answers ------------------------------------------------------------------- */

struct nl_buf {
    uint8_t data[NL_DGRAM_MAX];
    size_t len;
    bool full;
};

static void *nl_put(struct nl_buf *b, size_t size)
{
    size_t aligned = NLMSG_ALIGN(size);
    if (b->len + aligned > sizeof(b->data)) {
        b->full = true;
        return NULL;
    }
    void *p = b->data + b->len;
    memset(p, 0, aligned);
    b->len += aligned;
    return p;
}

/* Start a message; returns its header (its length is fixed by nl_end). */
static struct nlmsghdr *nl_begin(struct nl_buf *b, uint16_t type, uint16_t flags, uint32_t seq,
                                 uint32_t portid)
{
    struct nlmsghdr *h = nl_put(b, sizeof(*h));
    if (h) {
        h->nlmsg_type = type;
        h->nlmsg_flags = flags;
        h->nlmsg_seq = seq;
        h->nlmsg_pid = portid;
    }
    return h;
}

static void nl_end(struct nl_buf *b, struct nlmsghdr *h)
{
    if (h)
        h->nlmsg_len = (uint32_t)(b->data + b->len - (uint8_t *)h);
}

static void nl_attr(struct nl_buf *b, uint16_t type, const void *data, size_t size)
{
    struct rtattr *a = nl_put(b, RTA_LENGTH(size));
    if (!a)
        return;
    a->rta_type = type;
    a->rta_len = (uint16_t)RTA_LENGTH(size);
    memcpy(RTA_DATA(a), data, size);
}

static void nl_attr_u32(struct nl_buf *b, uint16_t type, uint32_t v)
{
    nl_attr(b, type, &v, sizeof(v));
}

static void nl_attr_u8(struct nl_buf *b, uint16_t type, uint8_t v)
{
    nl_attr(b, type, &v, sizeof(v));
}

/* ---- the interfaces (the stack's loopback) ---------------------------------------------- */

#define LO_INDEX 1
static const uint8_t k_lo4[4] = {127, 0, 0, 1};
static const uint8_t k_lo6[16] = {[15] = 1};

static void put_link_lo(struct nl_buf *b, uint32_t seq, uint32_t portid, uint16_t flags)
{
    struct nlmsghdr *h = nl_begin(b, RTM_NEWLINK, flags, seq, portid);
    struct ifinfomsg *ifi = nl_put(b, sizeof(*ifi));
    if (ifi) {
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_type = ARPHRD_LOOPBACK;
        ifi->ifi_index = LO_INDEX;
        ifi->ifi_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP;
    }
    nl_attr(b, IFLA_IFNAME, "lo", 3);
    nl_attr_u32(b, IFLA_TXQLEN, 1000);
    nl_attr(b, IFLA_QDISC, "noqueue", 8);
    nl_attr_u8(b, IFLA_OPERSTATE, 0); /* IF_OPER_UNKNOWN, as Linux's lo */
    nl_attr_u8(b, IFLA_LINKMODE, 0);
    nl_attr_u32(b, IFLA_MTU, 65536);
    nl_attr_u32(b, IFLA_GROUP, 0);
    nl_attr_u32(b, IFLA_NUM_TX_QUEUES, 1);
    nl_attr_u32(b, IFLA_NUM_RX_QUEUES, 1);
    static const uint8_t zero_mac[6];
    nl_attr(b, IFLA_ADDRESS, zero_mac, sizeof(zero_mac));
    nl_attr(b, IFLA_BROADCAST, zero_mac, sizeof(zero_mac));
    nl_end(b, h);
}

/* The links of the stack (net/lwip/link.h), as Linux shows a veth end. */
static void put_link_eth(struct nl_buf *b, uint32_t seq, uint32_t portid, uint16_t flags,
                         const struct link_info *li)
{
    struct nlmsghdr *h = nl_begin(b, RTM_NEWLINK, flags, seq, portid);
    struct ifinfomsg *ifi = nl_put(b, sizeof(*ifi));
    if (ifi) {
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_type = ARPHRD_ETHER;
        ifi->ifi_index = li->index;
        ifi->ifi_flags = IFF_UP | IFF_BROADCAST | IFF_MULTICAST | IFF_RUNNING | IFF_LOWER_UP;
    }
    nl_attr(b, IFLA_IFNAME, li->name, strlen(li->name) + 1);
    nl_attr_u32(b, IFLA_TXQLEN, 1000);
    nl_attr(b, IFLA_QDISC, "noqueue", 8);
    nl_attr_u8(b, IFLA_OPERSTATE, 6); /* IF_OPER_UP */
    nl_attr_u8(b, IFLA_LINKMODE, 0);
    nl_attr_u32(b, IFLA_MTU, li->mtu);
    nl_attr_u32(b, IFLA_GROUP, 0);
    nl_attr_u32(b, IFLA_NUM_TX_QUEUES, 1);
    nl_attr_u32(b, IFLA_NUM_RX_QUEUES, 1);
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    nl_attr(b, IFLA_ADDRESS, li->mac, sizeof(li->mac));
    nl_attr(b, IFLA_BROADCAST, bcast, sizeof(bcast));
    nl_end(b, h);
}

static void put_links(struct nl_buf *b, uint32_t seq, uint32_t portid)
{
    put_link_lo(b, seq, portid, NLM_F_MULTI);
    struct link_info li;
    for (int i = 0; link_info(i, &li); i++)
        put_link_eth(b, seq, portid, NLM_F_MULTI, &li);
}

static void put_addr_eth(struct nl_buf *b, uint32_t seq, uint32_t portid,
                         const struct link_info *li)
{
    struct nlmsghdr *h = nl_begin(b, RTM_NEWADDR, NLM_F_MULTI, seq, portid);
    struct ifaddrmsg *ifa = nl_put(b, sizeof(*ifa));
    if (ifa) {
        ifa->ifa_family = AF_INET;
        ifa->ifa_prefixlen = (uint8_t)__builtin_popcount(li->mask);
        ifa->ifa_flags = IFA_F_PERMANENT;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        ifa->ifa_index = (uint32_t)li->index;
    }
    uint32_t bcast = li->addr | ~li->mask;
    nl_attr(b, IFA_ADDRESS, &li->addr, 4);
    nl_attr(b, IFA_LOCAL, &li->addr, 4);
    nl_attr(b, IFA_BROADCAST, &bcast, 4);
    nl_attr(b, IFA_LABEL, li->name, strlen(li->name) + 1);
    nl_attr_u32(b, IFA_FLAGS, IFA_F_PERMANENT);
    struct ifa_cacheinfo ci = {.ifa_prefered = 0xffffffffu, .ifa_valid = 0xffffffffu};
    nl_attr(b, IFA_CACHEINFO, &ci, sizeof(ci));
    nl_end(b, h);
}

static void put_addr(struct nl_buf *b, uint32_t seq, uint32_t portid, int family)
{
    struct nlmsghdr *h = nl_begin(b, RTM_NEWADDR, NLM_F_MULTI, seq, portid);
    struct ifaddrmsg *ifa = nl_put(b, sizeof(*ifa));
    bool v4 = family == AF_INET;
    if (ifa) {
        ifa->ifa_family = (uint8_t)family;
        ifa->ifa_prefixlen = v4 ? 8 : 128;
        ifa->ifa_flags = IFA_F_PERMANENT;
        ifa->ifa_scope = RT_SCOPE_HOST;
        ifa->ifa_index = LO_INDEX;
    }
    const void *a = v4 ? (const void *)k_lo4 : (const void *)k_lo6;
    size_t n = v4 ? sizeof(k_lo4) : sizeof(k_lo6);
    nl_attr(b, IFA_ADDRESS, a, n);
    if (v4) {
        nl_attr(b, IFA_LOCAL, a, n);
        nl_attr(b, IFA_LABEL, "lo", 3);
    }
    nl_attr_u32(b, IFA_FLAGS, IFA_F_PERMANENT);
    struct ifa_cacheinfo ci = {.ifa_prefered = 0xffffffffu, .ifa_valid = 0xffffffffu};
    nl_attr(b, IFA_CACHEINFO, &ci, sizeof(ci));
    nl_end(b, h);
}

/* One route of the loopback: @dst/@dst_len in @table, of @type and @scope. */
static void put_route(struct nl_buf *b, uint32_t seq, uint32_t portid, int family, const void *dst,
                      int dst_len, uint8_t table, uint8_t type, uint8_t scope)
{
    struct nlmsghdr *h = nl_begin(b, RTM_NEWROUTE, NLM_F_MULTI, seq, portid);
    struct rtmsg *rt = nl_put(b, sizeof(*rt));
    bool v4 = family == AF_INET;
    if (rt) {
        rt->rtm_family = (uint8_t)family;
        rt->rtm_dst_len = (uint8_t)dst_len;
        rt->rtm_table = table;
        rt->rtm_protocol = RTPROT_KERNEL;
        rt->rtm_scope = scope;
        rt->rtm_type = type;
    }
    nl_attr_u32(b, RTA_TABLE, table);
    nl_attr(b, RTA_DST, dst, v4 ? 4 : 16);
    if (v4)
        nl_attr(b, RTA_PREFSRC, k_lo4, sizeof(k_lo4));
    else
        nl_attr_u32(b, RTA_PRIORITY, table == RT_TABLE_MAIN ? 256 : 0);
    if (!v4)
        nl_attr_u8(b, RTA_PREF, 0); /* ICMPV6_ROUTER_PREF_MEDIUM */
    nl_attr_u32(b, RTA_OIF, LO_INDEX);
    nl_end(b, h);
}

/* One IPv4 route of link @li: to @dst/@dst_len (network order), via @gw if not 0. */
static void put_route_eth(struct nl_buf *b, uint32_t seq, uint32_t portid,
                          const struct link_info *li, uint32_t dst, int dst_len, uint32_t gw,
                          uint8_t table, uint8_t type, uint8_t scope)
{
    struct nlmsghdr *h = nl_begin(b, RTM_NEWROUTE, NLM_F_MULTI, seq, portid);
    struct rtmsg *rt = nl_put(b, sizeof(*rt));
    if (rt) {
        rt->rtm_family = AF_INET;
        rt->rtm_dst_len = (uint8_t)dst_len;
        rt->rtm_table = table;
        rt->rtm_protocol = gw ? RTPROT_BOOT : RTPROT_KERNEL;
        rt->rtm_scope = scope;
        rt->rtm_type = type;
    }
    nl_attr_u32(b, RTA_TABLE, table);
    if (dst_len)
        nl_attr(b, RTA_DST, &dst, 4);
    if (gw)
        nl_attr(b, RTA_GATEWAY, &gw, 4);
    else
        nl_attr(b, RTA_PREFSRC, &li->addr, 4);
    nl_attr_u32(b, RTA_OIF, (uint32_t)li->index);
    nl_end(b, h);
}

/* Linux's routes of an interface with one IPv4 address: the default route (main), the
 * subnet (main), the address and the subnet's broadcast (local). */
static void put_routes_eth(struct nl_buf *b, uint32_t seq, uint32_t portid)
{
    struct link_info li;
    for (int i = 0; link_info(i, &li); i++) {
        int plen = __builtin_popcount(li.mask);
        if (li.gw)
            put_route_eth(b, seq, portid, &li, 0, 0, li.gw, RT_TABLE_MAIN, RTN_UNICAST,
                          RT_SCOPE_UNIVERSE);
        put_route_eth(b, seq, portid, &li, li.addr & li.mask, plen, 0, RT_TABLE_MAIN, RTN_UNICAST,
                      RT_SCOPE_LINK);
    }
    for (int i = 0; link_info(i, &li); i++) {
        put_route_eth(b, seq, portid, &li, li.addr, 32, 0, RT_TABLE_LOCAL, RTN_LOCAL,
                      RT_SCOPE_HOST);
        if (__builtin_popcount(li.mask) < 31)
            put_route_eth(b, seq, portid, &li, li.addr | ~li.mask, 32, 0, RT_TABLE_LOCAL,
                          RTN_BROADCAST, RT_SCOPE_LINK);
    }
}

static void put_routes(struct nl_buf *b, uint32_t seq, uint32_t portid, int family)
{
    if (family == AF_UNSPEC || family == AF_INET)
        put_routes_eth(b, seq, portid);
    if (family == AF_UNSPEC || family == AF_INET) {
        static const uint8_t net[4] = {127, 0, 0, 0}, bcast[4] = {127, 255, 255, 255};
        put_route(b, seq, portid, AF_INET, net, 8, RT_TABLE_LOCAL, RTN_LOCAL, RT_SCOPE_HOST);
        put_route(b, seq, portid, AF_INET, k_lo4, 32, RT_TABLE_LOCAL, RTN_LOCAL, RT_SCOPE_HOST);
        put_route(b, seq, portid, AF_INET, bcast, 32, RT_TABLE_LOCAL, RTN_BROADCAST, RT_SCOPE_LINK);
    }
    if (family == AF_UNSPEC || family == AF_INET6) {
        put_route(b, seq, portid, AF_INET6, k_lo6, 128, RT_TABLE_MAIN, RTN_UNICAST,
                  RT_SCOPE_UNIVERSE);
        put_route(b, seq, portid, AF_INET6, k_lo6, 128, RT_TABLE_LOCAL, RTN_LOCAL, RT_SCOPE_HOST);
    }
}

static void put_done(struct nl_buf *b, uint32_t seq, uint32_t portid)
{
    struct nlmsghdr *h = nl_begin(b, NLMSG_DONE, NLM_F_MULTI, seq, portid);
    int32_t *err = nl_put(b, sizeof(*err));
    if (err)
        *err = 0;
    nl_end(b, h);
}

/* NLMSG_ERROR for request @req (@err 0: an acknowledgement). */
static void put_error(struct nl_buf *b, const struct nlmsghdr *req, uint32_t portid, int err)
{
    struct nlmsghdr *h = nl_begin(b, NLMSG_ERROR, 0, req->nlmsg_seq, portid);
    struct nlmsgerr *e = nl_put(b, sizeof(*e));
    if (e) {
        e->error = err;
        e->msg = *req; /* the request's header only (NETLINK_CAP_ACK style) */
    }
    nl_end(b, h);
}

/* ---- requests --------------------------------------------------------------------------- */

/* The family byte that follows the header of a GET request (rtgenmsg, ifinfomsg...). */
static int req_family(const struct nlmsghdr *h)
{
    if (h->nlmsg_len < NLMSG_LENGTH(1))
        return AF_UNSPEC;
    return ((const uint8_t *)NLMSG_DATA(h))[0];
}

/* True if interface @name (@n bytes, maybe NUL-terminated) is @want. */
static bool name_is(const char *name, size_t n, const char *want)
{
    size_t len = strnlen(name, n);
    return len == strlen(want) && memcmp(name, want, len) == 0;
}

/* RTM_GETLINK for one interface: by index, or by IFLA_IFNAME. Returns its index (1: lo, else
 * a link, *@li filled), or -ENODEV/-EINVAL. */
static int get_one_link(const struct nlmsghdr *h, struct link_info *li)
{
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
        return -EINVAL;
    const struct ifinfomsg *ifi = NLMSG_DATA(h);
    if (ifi->ifi_index) {
        if (ifi->ifi_index == LO_INDEX)
            return LO_INDEX;
        return link_info(ifi->ifi_index - 2, li) ? li->index : -ENODEV;
    }
    int left = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
    const struct rtattr *a = (const void *)((const uint8_t *)ifi + NLMSG_ALIGN(sizeof(*ifi)));
    for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
        if (a->rta_type == IFLA_IFNAME) {
            const char *name = RTA_DATA(a);
            size_t n = RTA_PAYLOAD(a);
            if (name_is(name, n, "lo"))
                return LO_INDEX;
            for (int i = 0; link_info(i, li); i++)
                if (name_is(name, n, li->name))
                    return li->index;
            return -ENODEV;
        }
    }
    return -EINVAL;
}

/* Answer one request into @b. */
static void nl_handle(struct task *t, struct nl_sock *s, const struct nlmsghdr *h, struct nl_buf *b)
{
    uint32_t seq = h->nlmsg_seq, pid = s->portid;
    bool dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    if (!(h->nlmsg_flags & NLM_F_REQUEST) || h->nlmsg_type < NLMSG_MIN_TYPE)
        return; /* not a request, or a control message: ignored, as Linux */
    int err = 0;
    switch (h->nlmsg_type) {
    case RTM_GETLINK:
        if (dump) {
            if (req_family(h) == AF_UNSPEC || req_family(h) == AF_PACKET)
                put_links(b, seq, pid);
            put_done(b, seq, pid);
            return;
        }
        struct link_info li;
        if ((err = get_one_link(h, &li)) > 0) {
            if (err == LO_INDEX)
                put_link_lo(b, seq, pid, 0);
            else
                put_link_eth(b, seq, pid, 0, &li);
            if (h->nlmsg_flags & NLM_F_ACK)
                put_error(b, h, pid, 0);
            return;
        }
        break;
    case RTM_GETADDR:
        if (!dump) {
            err = -EOPNOTSUPP;
            break;
        }
        if (req_family(h) == AF_UNSPEC || req_family(h) == AF_INET) {
            put_addr(b, seq, pid, AF_INET);
            struct link_info ai;
            for (int i = 0; link_info(i, &ai); i++)
                put_addr_eth(b, seq, pid, &ai);
        }
        if (req_family(h) == AF_UNSPEC || req_family(h) == AF_INET6)
            put_addr(b, seq, pid, AF_INET6);
        put_done(b, seq, pid);
        return;
    case RTM_GETROUTE:
        if (!dump) {
            err = -EOPNOTSUPP; /* COMPAT: no route lookups (ip route get) */
            break;
        }
        put_routes(b, seq, pid, req_family(h));
        put_done(b, seq, pid);
        return;
    case RTM_GETNEIGH:
    case RTM_GETRULE:
    case RTM_GETQDISC:
    case RTM_GETNETCONF:
        if (dump) { /* nothing of these on a loopback-only stack */
            put_done(b, seq, pid);
            return;
        }
        err = -EOPNOTSUPP;
        break;
    default:
        /* Changes to links, addresses, routes: Linux checks CAP_NET_ADMIN first. */
        err = task_capable(t, CAP_NET_ADMIN) ? -EOPNOTSUPP : -EPERM;
        log_debug("netlink: route request %u refused (%d)", h->nlmsg_type, err);
        break;
    }
    put_error(b, h, pid, err);
}

/* ---- socket operations ------------------------------------------------------------------ */

static uint32_t g_next_portid = 0x40000000u; /* Protected by the kernel lock */

static void nl_autobind(struct task *t, struct nl_sock *s)
{
    if (!s->portid)
        s->portid = g_next_portid++; /* COMPAT: Linux tries the thread group id first */
    (void)t;
}

static int nl_bind(struct task *t, struct socket *sk, const void *addr, int len)
{
    struct nl_sock *s = nl_sk(sk);
    struct sockaddr_nl nl;
    if (len < (int)sizeof(nl))
        return -EINVAL;
    memcpy(&nl, addr, sizeof(nl));
    if (nl.nl_family != AF_NETLINK)
        return -EINVAL;
    /* Route groups may be joined without privileges (NL_CFG_F_NONROOT_RECV).
     * COMPAT: no notifications are ever sent to them. */
    s->groups = nl.nl_groups;
    if (s->portid && nl.nl_pid && nl.nl_pid != s->portid)
        return -EINVAL;
    if (nl.nl_pid)
        s->portid = nl.nl_pid;
    nl_autobind(t, s);
    return 0;
}

static int nl_connect(struct task *t, struct socket *sk, const void *addr, int len, bool nonblock)
{
    struct nl_sock *s = nl_sk(sk);
    if (len < (int)sizeof(sa_family_t))
        return -EINVAL;
    nl_autobind(t, s);
    return 0; /* only the kernel (port 0) answers here */
}

static int nl_listen(struct task *t, struct socket *sk, int backlog)
{
    return -EOPNOTSUPP;
}

static int nl_accept(struct task *t, struct socket *sk, bool nonblock, struct socket **out)
{
    return -EOPNOTSUPP;
}

static int nl_queue(struct nl_sock *s, const struct nl_buf *b)
{
    if (b->len == 0)
        return 0;
    if (s->nqueued >= NL_MAX_QUEUED)
        return -ENOBUFS;
    struct nl_dgram *d = malloc(sizeof(*d) + b->len);
    if (!d)
        return -ENOMEM;
    d->len = b->len;
    memcpy(d->data, b->data, b->len);
    list_add_tail(&d->link, &s->rcvq);
    s->nqueued++;
    waitq_notify(&s->wq, POLLIN | POLLRDNORM);
    return 0;
}

static ssize_t nl_sendmsg(struct task *t, struct socket *sk, struct sock_msg *m, bool nonblock)
{
    struct nl_sock *s = nl_sk(sk);
    if (m->name && m->namelen) {
        struct sockaddr_nl to;
        if (m->namelen < (int)sizeof(to))
            return -EINVAL;
        memcpy(&to, m->name, sizeof(to));
        if (to.nl_family != AF_NETLINK)
            return -EINVAL;
        if (to.nl_pid != 0 || to.nl_groups != 0)
            return -EPERM; /* COMPAT: no messages to other sockets or groups */
    }
    size_t size = uio_remaining(m->data);
    if (size > NL_DGRAM_MAX)
        return -EMSGSIZE;
    uint8_t *req = malloc(size ? size : 1);
    if (!req)
        return -ENOMEM;
    size_t got = uio_copy_from(m->data, req, size);
    if (got != size) {
        free(req);
        return -EFAULT;
    }
    nl_autobind(t, s);
    struct nl_buf *b = malloc(sizeof(*b));
    if (!b) {
        free(req);
        return -ENOMEM;
    }
    b->len = 0;
    b->full = false;
    int left = (int)size, ret = 0;
    for (const struct nlmsghdr *h = (const void *)req; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
        nl_handle(t, s, h, b);
    if (b->full)
        log_warn("netlink: an answer did not fit in %d bytes", NL_DGRAM_MAX);
    ret = nl_queue(s, b);
    free(b);
    free(req);
    return ret < 0 ? ret : (ssize_t)size;
}

static ssize_t nl_recvmsg(struct task *t, struct socket *sk, struct sock_rmsg *m, bool nonblock)
{
    struct nl_sock *s = nl_sk(sk);
    nonblock = nonblock || (m->flags & MSG_DONTWAIT);
    struct waiter w = {0};
    uint64_t deadline = s->rcvtimeo_ns ? kernel_now_ns() + s->rcvtimeo_ns : 0;
    ssize_t ret;
    for (;;) {
        if (s->err) {
            ret = -s->err;
            s->err = 0;
            break;
        }
        if (!list_empty(&s->rcvq)) {
            struct nl_dgram *d = list_first_entry(&s->rcvq, struct nl_dgram, link);
            size_t n = uio_copy_to(m->data, d->data, d->len);
            if (n < d->len)
                m->out_flags |= MSG_TRUNC;
            ret = (m->flags & MSG_TRUNC) ? (ssize_t)d->len : (ssize_t)n;
            struct sockaddr_nl from = {.nl_family = AF_NETLINK};
            memcpy(m->name, &from, sizeof(from));
            m->namelen = sizeof(from);
            m->controllen = 0; /* COMPAT: no NETLINK_PKTINFO/SO_PASSCRED messages */
            if (!(m->flags & MSG_PEEK)) {
                list_del(&d->link);
                s->nqueued--;
                free(d);
            }
            break;
        }
        if (nonblock) {
            ret = -EAGAIN;
            break;
        }
        if (!w.q)
            waitq_add(&s->wq, &w, &t->ctx, 0);
        int r = task_wait(t, deadline);
        if (r == -EINTR) {
            ret = s->rcvtimeo_ns ? -EINTR : -LINUX_ERESTARTSYS;
            break;
        }
        if (r == -ETIMEDOUT) {
            ret = -EAGAIN;
            break;
        }
    }
    waitq_remove(&w);
    return ret;
}

static int nl_shutdown(struct task *t, struct socket *sk, int how)
{
    return -EOPNOTSUPP; /* as Linux's netlink */
}

static int nl_getname(struct task *t, struct socket *sk, bool peer, void *addr, int *len)
{
    struct nl_sock *s = nl_sk(sk);
    struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
    if (!peer) {
        nl.nl_pid = s->portid;
        nl.nl_groups = s->groups;
    }
    memcpy(addr, &nl, sizeof(nl));
    *len = sizeof(nl);
    return 0;
}

static int nl_setsockopt(struct task *t, struct socket *sk, int level, int name, const void *val,
                         int len)
{
    struct nl_sock *s = nl_sk(sk);
    int v = 0;
    if (len >= (int)sizeof(int))
        memcpy(&v, val, sizeof(v));
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_SNDBUF:
        case SO_SNDBUFFORCE:
            s->sndbuf = v < 2304 ? 4608 : v * 2;
            return 0;
        case SO_RCVBUF:
        case SO_RCVBUFFORCE:
            s->rcvbuf = v < 1152 ? 2304 : v * 2;
            return 0;
        case SO_RCVTIMEO_OLD:
            return socket_timeout_set(&s->rcvtimeo_ns, val, len);
        case SO_PASSCRED:
        case SO_TIMESTAMP_OLD:
            return 0; /* COMPAT: no credentials or timestamps on the answers */
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level != SOL_NETLINK)
        return -ENOPROTOOPT;
    switch (name) {
    case NETLINK_ADD_MEMBERSHIP:
    case NETLINK_DROP_MEMBERSHIP:
    case NETLINK_PKTINFO:
    case NETLINK_BROADCAST_ERROR:
    case NETLINK_NO_ENOBUFS:
    case NETLINK_LISTEN_ALL_NSID:
    case NETLINK_CAP_ACK:
    case NETLINK_EXT_ACK:
    case NETLINK_GET_STRICT_CHK:
        if (len < (int)sizeof(int))
            return -EINVAL;
        return 0; /* COMPAT: accepted; no notifications, no extended acks */
    default:
        return -ENOPROTOOPT;
    }
}

static int nl_getsockopt(struct task *t, struct socket *sk, int level, int name, void *val,
                         int *len)
{
    struct nl_sock *s = nl_sk(sk);
    int v;
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_TYPE:
            v = s->sock.type;
            break;
        case SO_DOMAIN:
            v = AF_NETLINK;
            break;
        case SO_PROTOCOL:
            v = NETLINK_ROUTE;
            break;
        case SO_SNDBUF:
            v = s->sndbuf;
            break;
        case SO_RCVBUF:
            v = s->rcvbuf;
            break;
        case SO_ERROR:
            v = s->err;
            s->err = 0;
            break;
        default:
            return -ENOPROTOOPT;
        }
    } else if (level == SOL_NETLINK) {
        v = 0;
    } else {
        return -ENOPROTOOPT;
    }
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}

static uint32_t nl_poll(struct socket *sk)
{
    struct nl_sock *s = nl_sk(sk);
    uint32_t mask = POLLOUT | POLLWRNORM;
    if (!list_empty(&s->rcvq))
        mask |= POLLIN | POLLRDNORM;
    if (s->err)
        mask |= POLLERR;
    return mask;
}

static struct waitq *nl_waitq(struct socket *sk)
{
    return &nl_sk(sk)->wq;
}

static void nl_release(struct socket *sk)
{
    struct nl_sock *s = nl_sk(sk);
    struct nl_dgram *d, *n;
    list_for_each_entry_safe(d, n, &s->rcvq, link) free(d);
    free(s);
}

static const struct socket_ops nl_ops = {
    .bind = nl_bind,
    .connect = nl_connect,
    .listen = nl_listen,
    .accept = nl_accept,
    .sendmsg = nl_sendmsg,
    .recvmsg = nl_recvmsg,
    .shutdown = nl_shutdown,
    .getname = nl_getname,
    .setsockopt = nl_setsockopt,
    .getsockopt = nl_getsockopt,
    .poll = nl_poll,
    .waitq = nl_waitq,
    .release = nl_release,
};

int netlink_socket_create(struct task *t, int type, int protocol, struct socket **out)
{
    if (type != SOCK_RAW && type != SOCK_DGRAM)
        return -ESOCKTNOSUPPORT;
    if (protocol != NETLINK_ROUTE)
        return -EPROTONOSUPPORT; /* COMPAT: only the route family (no sock_diag, audit...) */
    struct nl_sock *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    socket_init(&s->sock, &nl_ops, AF_NETLINK, type, protocol);
    waitq_init(&s->wq);
    list_init(&s->rcvq);
    s->sndbuf = s->rcvbuf = NL_DEFAULT_BUF;
    *out = &s->sock;
    return 0;
}
