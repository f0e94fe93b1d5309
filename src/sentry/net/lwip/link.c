// SPDX-License-Identifier: Apache-2.0
/*
 * Links: the Ethernet interfaces of the Sentry's network namespace inside lwIP (link.h).
 *
 * At boot the Sentry reads its namespace's configuration over rtnetlink (links, IPv4
 * addresses, the default route), gives lwIP one netif per Ethernet interface with the same
 * MAC, MTU, address and gateway, deletes the addresses from the kernel's side (so the host
 * kernel neither answers ARP nor accepts packets there: lwIP is the only stack on the wire)
 * and opens one AF_PACKET socket bound to the interface. Frames leave through lwIP's
 * linkoutput hook into a batch that netstack_unlock() sends with one sendmmsg; they arrive
 * through a thread per link that waits in poll(), takes up to LINK_BATCH frames with one
 * recvmmsg and hands them to lwIP under the kernel and netstack locks. Both calls pass
 * MSG_DONTWAIT and are the only ones the Sentry's filter allows on these descriptors.
 */
#include "sentry/net/lwip/link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <lwip/etharp.h>
#include <lwip/ip.h>
#include <lwip/ip4_frag.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/timeouts.h>
#include <netif/ethernet.h>

#include "common/log.h"
#include "sentry/context/klock.h"
#include "sentry/net/lwip/netstack.h"

/* Largest frame: lwIP's 16-bit MTU plus the Ethernet header and a VLAN tag. */
#define FRAME_MAX (0xffff + 18)

struct link {
    struct netif netif;      /* Protected by the netstack lock */
    struct pbuf *sentinel;   /* Immutable after init: head of netif's loop queue */
    int fd;                  /* AF_PACKET socket; immutable after init */
    int ifindex;             /* in the Sentry's namespace; immutable */
    char name[IF_NAMESIZE];  /* immutable */
    uint8_t mac[6];          /* immutable */
    uint16_t mtu;            /* immutable */
    uint32_t addr, mask, gw; /* network order; gw 0: none. Immutable */
    /* Output batch; Protected by the netstack lock. */
    struct mmsghdr tx[LINK_BATCH];
    struct iovec txv[LINK_BATCH];
    uint8_t *txbuf; /* LINK_BATCH frames of FRAME_MAX bytes */
    int ntx;
    /* Input; owned by the input thread. */
    struct mmsghdr rx[LINK_BATCH];
    struct iovec rxv[LINK_BATCH];
    struct sockaddr_ll rxaddr[LINK_BATCH];
    uint8_t *rxbuf;
    struct netstack_if_stats stats; /* Protected by the netstack lock */
};

static struct link g_links[LINK_MAX];
static int g_nlinks; /* Written once at boot */

/* ---- rtnetlink at boot -------------------------------------------------------------------- */

typedef void (*nl_cb)(struct nlmsghdr *h, void *arg);

/* Send @req (a dump request, or with @ack a change) and feed every answer to @cb. Returns 0 or
 * -errno (the kernel's error for a change). */
static int nl_call(int fd, struct nlmsghdr *req, nl_cb cb, void *arg)
{
    static uint32_t seq;
    req->nlmsg_seq = ++seq;
    if (send(fd, req, req->nlmsg_len, 0) < 0)
        return -errno;
    static char buf[32768];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0)
            return -errno;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != seq)
                continue;
            if (h->nlmsg_type == NLMSG_DONE)
                return 0;
            if (h->nlmsg_type == NLMSG_ERROR)
                return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
            if (cb)
                cb(h, arg);
        }
    }
}

static int nl_dump(int fd, int type, int family, size_t hlen, nl_cb cb)
{
    struct {
        struct nlmsghdr h;
        char body[64];
    } req = {0};
    req.h.nlmsg_len = (uint32_t)NLMSG_LENGTH(hlen);
    req.h.nlmsg_type = (uint16_t)type;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.body[0] = (char)family; /* rtgen_family / ifi_family / ifa_family / rtm_family */
    return nl_call(fd, &req.h, cb, NULL);
}

static struct link *link_by_index(int ifindex)
{
    for (int i = 0; i < g_nlinks; i++)
        if (g_links[i].ifindex == ifindex)
            return &g_links[i];
    return NULL;
}

/* RTM_NEWLINK answers: every up Ethernet interface becomes a candidate link. */
static void on_link(struct nlmsghdr *h, void *arg)
{
    (void)arg;
    struct ifinfomsg *ifi = NLMSG_DATA(h);
    if (h->nlmsg_type != RTM_NEWLINK || ifi->ifi_type != ARPHRD_ETHER || g_nlinks == LINK_MAX)
        return;
    struct link *l = &g_links[g_nlinks];
    memset(l, 0, sizeof(*l));
    l->fd = -1;
    l->ifindex = ifi->ifi_index;
    bool mac = false;
    int len = (int)IFLA_PAYLOAD(h);
    for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == IFLA_IFNAME)
            strncpy(l->name, RTA_DATA(a), sizeof(l->name) - 1);
        else if (a->rta_type == IFLA_MTU && RTA_PAYLOAD(a) >= 4)
            l->mtu =
                (uint16_t)(*(uint32_t *)RTA_DATA(a) > 0xffff ? 0xffff : *(uint32_t *)RTA_DATA(a));
        else if (a->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(a) == 6) {
            memcpy(l->mac, RTA_DATA(a), 6);
            mac = true;
        }
    }
    if (mac && l->mtu >= 576)
        g_nlinks++;
}

/* RTM_NEWADDR answers: the first IPv4 address of each link. */
static void on_addr(struct nlmsghdr *h, void *arg)
{
    (void)arg;
    struct ifaddrmsg *ifa = NLMSG_DATA(h);
    struct link *l = link_by_index((int)ifa->ifa_index);
    if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET || !l || l->addr ||
        ifa->ifa_prefixlen > 32)
        return;
    int len = (int)IFA_PAYLOAD(h);
    for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == IFA_LOCAL && RTA_PAYLOAD(a) == 4) {
            memcpy(&l->addr, RTA_DATA(a), 4);
            l->mask = ifa->ifa_prefixlen ? htonl(~0u << (32 - ifa->ifa_prefixlen)) : 0;
        }
    }
}

/* RTM_NEWROUTE answers: the default route of the main table gives its link a gateway. */
static void on_route(struct nlmsghdr *h, void *arg)
{
    (void)arg;
    struct rtmsg *rt = NLMSG_DATA(h);
    if (h->nlmsg_type != RTM_NEWROUTE || rt->rtm_family != AF_INET || rt->rtm_dst_len != 0 ||
        rt->rtm_table != RT_TABLE_MAIN)
        return;
    uint32_t gw = 0;
    int oif = 0;
    int len = (int)RTM_PAYLOAD(h);
    for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == 4)
            memcpy(&gw, RTA_DATA(a), 4);
        else if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == 4)
            oif = *(int *)RTA_DATA(a);
    }
    struct link *l = link_by_index(oif);
    if (l && gw)
        l->gw = gw;
}

/* Take @l's address off the kernel's side of the interface. */
static int addr_delete(int fd, const struct link *l)
{
    struct {
        struct nlmsghdr h;
        struct ifaddrmsg ifa;
        char attrs[64];
    } req = {0};
    req.h.nlmsg_len = (uint32_t)NLMSG_LENGTH(sizeof(req.ifa));
    req.h.nlmsg_type = RTM_DELADDR;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req.ifa.ifa_family = AF_INET;
    req.ifa.ifa_index = (unsigned)l->ifindex;
    req.ifa.ifa_prefixlen = (unsigned char)__builtin_popcount(l->mask);
    struct rtattr *a = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
    a->rta_type = IFA_LOCAL;
    a->rta_len = RTA_LENGTH(4);
    memcpy(RTA_DATA(a), &l->addr, 4);
    req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(a->rta_len);
    return nl_call(fd, &req.h, NULL, NULL);
}

/* Read the namespace's links, addresses and default route into g_links (only those with an
 * address stay). Returns 0 or -errno. */
static int discover(int fd)
{
    int ret = nl_dump(fd, RTM_GETLINK, AF_UNSPEC, sizeof(struct ifinfomsg), on_link);
    if (ret == 0)
        ret = nl_dump(fd, RTM_GETADDR, AF_INET, sizeof(struct ifaddrmsg), on_addr);
    if (ret == 0)
        ret = nl_dump(fd, RTM_GETROUTE, AF_INET, sizeof(struct rtmsg), on_route);
    if (ret < 0)
        return ret;
    int n = 0;
    for (int i = 0; i < g_nlinks; i++)
        if (g_links[i].addr)
            g_links[n++] = g_links[i];
    g_nlinks = n;
    return 0;
}

/* ---- the packet socket -------------------------------------------------------------------- */

static int packet_open(struct link *l)
{
    /* Protocol 0: no frames until bind() names the protocol and the interface at once, so
     * the kernel hooks the socket in once (a socket made with ETH_P_ALL is hooked to every
     * interface first, and the bind unhooks it, which waits for an RCU grace period). */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = l->ifindex};
    int one = 1, size = 4 << 20;
    if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
        setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    /* Best effort: the kernel caps them at net.core.[rw]mem_max. */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    l->fd = fd;
    return 0;
}

static int buffers_alloc(struct link *l)
{
    l->txbuf = malloc((size_t)LINK_BATCH * FRAME_MAX);
    l->rxbuf = malloc((size_t)LINK_BATCH * FRAME_MAX);
    if (!l->txbuf || !l->rxbuf)
        return -ENOMEM;
    for (int i = 0; i < LINK_BATCH; i++) {
        l->rxv[i] = (struct iovec){l->rxbuf + (size_t)i * FRAME_MAX, FRAME_MAX};
        l->rx[i].msg_hdr = (struct msghdr){.msg_name = &l->rxaddr[i],
                                           .msg_namelen = sizeof(l->rxaddr[i]),
                                           .msg_iov = &l->rxv[i],
                                           .msg_iovlen = 1};
        l->txv[i].iov_base = l->txbuf + (size_t)i * FRAME_MAX;
        l->tx[i].msg_hdr = (struct msghdr){.msg_iov = &l->txv[i], .msg_iovlen = 1};
    }
    return 0;
}

/* ---- lwIP's side -------------------------------------------------------------------------- */

void link_flush_locked(void)
{
    netstack_assert_locked();
    for (int i = 0; i < g_nlinks; i++) {
        struct link *l = &g_links[i];
        int done = 0;
        while (done < l->ntx) {
            int n = sendmmsg(l->fd, l->tx + done, (unsigned)(l->ntx - done), MSG_DONTWAIT);
            if (n <= 0) { /* a full queue or a link gone: dropped, as a NIC would */
                l->stats.rx_dropped += (uint64_t)(l->ntx - done);
                break;
            }
            done += n;
        }
        l->ntx = 0;
    }
}

/* lwIP's linkoutput: copy the frame into the batch. */
static err_t link_output(struct netif *netif, struct pbuf *p)
{
    struct link *l = (struct link *)netif;
    if (l->ntx == LINK_BATCH)
        link_flush_locked();
    uint8_t *buf = l->txv[l->ntx].iov_base;
    l->txv[l->ntx].iov_len = pbuf_copy_partial(p, buf, p->tot_len, 0);
    l->ntx++;
    l->stats.tx_packets++;
    l->stats.tx_bytes += p->tot_len;
    return ERR_OK;
}

/* IPv6 is not configured on links: lwIP only routes here when nothing else matches. */
static err_t link_output6(struct netif *netif, struct pbuf *p, const ip6_addr_t *addr)
{
    (void)netif;
    (void)p;
    (void)addr;
    return ERR_RTE;
}

static err_t link_netif_init(struct netif *netif)
{
    struct link *l = (struct link *)netif;
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->hwaddr_len = 6;
    memcpy(netif->hwaddr, l->mac, 6);
    netif->mtu = l->mtu;
    netif->output = etharp_output;
    netif->output_ip6 = link_output6;
    netif->linkoutput = link_output;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
                   NETIF_FLAG_LINK_UP | NETIF_FLAG_UP;
    return ERR_OK;
}

void link_input_locked(int idx, const uint8_t *frame, uint32_t len)
{
    netstack_assert_locked();
    struct link *l = &g_links[idx];
    if (len < SIZEOF_ETH_HDR || len > 0xffff) { /* a pbuf's length is 16 bits */
        l->stats.rx_dropped++;
        return;
    }
    uint16_t type = (uint16_t)(frame[12] << 8 | frame[13]);
    if ((type == ETHTYPE_IP || type == ETHTYPE_IPV6) &&
        netstack_input_filter_drops(frame + SIZEOF_ETH_HDR, len - SIZEOF_ETH_HDR)) {
        l->stats.rx_dropped++;
        return;
    }
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
    if (!p) {
        l->stats.rx_dropped++;
        return;
    }
    memcpy(p->payload, frame, len);
    p->if_idx = netif_get_index(&l->netif);
    l->stats.rx_packets++;
    l->stats.rx_bytes += len;
    if (l->netif.input(p, &l->netif) != ERR_OK)
        pbuf_free(p);
}

/* The next packet lwIP looped back on @l, unlinked, or NULL (see lo_dequeue in netstack.c). */
static struct pbuf *loop_dequeue(struct link *l)
{
    SYS_ARCH_DECL_PROTECT(lev);
    SYS_ARCH_PROTECT(lev);
    CV_BUG_ON(l->netif.loop_first != l->sentinel);
    struct pbuf *in = l->sentinel->next;
    if (in) {
        struct pbuf *end = in;
        while (end->len != end->tot_len && end->next)
            end = end->next;
        l->sentinel->next = end->next;
        if (l->netif.loop_last == end)
            l->netif.loop_last = l->sentinel;
        end->next = NULL;
    }
    SYS_ARCH_UNPROTECT(lev);
    return in;
}

bool link_drain_locked(void)
{
    netstack_assert_locked();
    bool any = false;
    for (int i = 0; i < g_nlinks; i++) {
        struct link *l = &g_links[i];
        struct pbuf *in;
        while ((in = loop_dequeue(l)) != NULL) {
            any = true;
            in->if_idx = netif_get_index(&l->netif);
            if (ip_input(in, &l->netif) != ERR_OK)
                pbuf_free(in);
        }
    }
    return any;
}

bool link_is_local4(uint32_t addr)
{
    for (int i = 0; i < g_nlinks; i++)
        if (g_links[i].addr == addr)
            return true;
    return false;
}

bool link_routes4(uint32_t addr)
{
    for (int i = 0; i < g_nlinks; i++) {
        const struct link *l = &g_links[i];
        if (l->gw || ((addr ^ l->addr) & l->mask) == 0)
            return true;
    }
    return false;
}

bool link_info(int i, struct link_info *out)
{
    if (i < 0 || i >= g_nlinks)
        return false;
    const struct link *l = &g_links[i];
    *out = (struct link_info){
        .index = 2 + i, .mtu = l->mtu, .addr = l->addr, .mask = l->mask, .gw = l->gw};
    memcpy(out->name, l->name, sizeof(out->name));
    memcpy(out->mac, l->mac, sizeof(out->mac));
    return true;
}

bool link_stats_locked(int i, struct netstack_if_stats *st)
{
    netstack_assert_locked();
    if (i < 0 || i >= g_nlinks)
        return false;
    *st = g_links[i].stats;
    return true;
}

int link_fds(int *fds, int max)
{
    int n = 0;
    for (int i = 0; i < g_nlinks && n < max; i++)
        fds[n++] = g_links[i].fd;
    return n;
}

/* lwIP's cyclic link timers (ARP cache ageing and retries, IPv4 reassembly), once a second
 * while links exist. They run on the netstack's kernel timer like every lwIP timeout. */
static void link_timer(void *arg)
{
    (void)arg;
    etharp_tmr();
    ip_reass_tmr();
    sys_timeout(ARP_TMR_INTERVAL, link_timer, NULL);
}

/* ---- input threads ------------------------------------------------------------------------ */

static void *link_rx_main(void *arg)
{
    struct link *l = arg;
    int idx = (int)(l - g_links);
    for (;;) {
        struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
        if (poll(&pfd, 1, -1) < 0)
            continue; /* EINTR */
        for (int i = 0; i < LINK_BATCH; i++)
            l->rx[i].msg_hdr.msg_namelen = sizeof(l->rxaddr[i]);
        int n = recvmmsg(l->fd, l->rx, LINK_BATCH, MSG_DONTWAIT, NULL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR || errno == ENETDOWN)
                continue;
            log_warn("link %s: receive: %s; the link stops", l->name, strerror(errno));
            return NULL;
        }
        kernel_lock();
        netstack_lock();
        for (int i = 0; i < n; i++) {
            if (l->rxaddr[i].sll_pkttype == PACKET_OUTGOING)
                continue;
            uint32_t len = l->rx[i].msg_len;
            if (l->rx[i].msg_hdr.msg_flags & MSG_TRUNC)
                len = 0; /* larger than any MTU: dropped */
            link_input_locked(idx, l->rxv[i].iov_base, len);
        }
        netstack_unlock();
        kernel_unlock();
    }
}

int link_start(void)
{
    /* The input threads are born with every signal blocked, as every Sentry thread but the
     * console's: a signal meant for the Sentry (the terminal's SIGWINCH, SIGINT) must not be
     * taken by a thread that ignores it. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = 0;
    for (int i = 0; err == 0 && i < g_nlinks; i++) {
        pthread_t th;
        err = pthread_create(&th, NULL, link_rx_main, &g_links[i]);
        if (err == 0)
            pthread_detach(th);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return -err;
}

/* ---- boot ---------------------------------------------------------------------------------- */

/* Add @l to lwIP. Caller holds the netstack lock. */
static int link_add_locked(struct link *l)
{
    ip4_addr_t addr, mask, gw;
    ip4_addr_set_u32(&addr, l->addr);
    ip4_addr_set_u32(&mask, l->mask);
    ip4_addr_set_u32(&gw, l->gw);
    if (!netif_add(&l->netif, &addr, &mask, &gw, NULL, link_netif_init, ethernet_input))
        return -ENOMEM;
    l->sentinel = pbuf_alloc(PBUF_RAW, 0, PBUF_RAM);
    if (!l->sentinel)
        return -ENOMEM;
    l->netif.loop_first = l->netif.loop_last = l->sentinel;
    if (l->gw)
        netif_set_default(&l->netif);
    netif_set_link_up(&l->netif);
    netif_set_up(&l->netif);
    return 0;
}

int link_init_all(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -errno;
    struct timeval tv = {.tv_sec = 10}; /* a lost answer fails the boot, never hangs it */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int ret = discover(fd);
    for (int i = 0; ret == 0 && i < g_nlinks; i++) {
        struct link *l = &g_links[i];
        if ((ret = addr_delete(fd, l)) < 0 || (ret = packet_open(l)) < 0 ||
            (ret = buffers_alloc(l)) < 0)
            log_error("link %s: %s", l->name, strerror(-ret));
    }
    close(fd);
    if (ret < 0)
        return ret;
    netstack_lock();
    for (int i = 0; ret == 0 && i < g_nlinks; i++)
        ret = link_add_locked(&g_links[i]);
    if (ret == 0 && g_nlinks)
        sys_timeout(ARP_TMR_INTERVAL, link_timer, NULL);
    netstack_unlock();
    for (int i = 0; i < g_nlinks; i++) {
        struct link *l = &g_links[i];
        struct in_addr a = {l->addr}, g = {l->gw};
        char gws[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &g, gws, sizeof(gws));
        log_debug("link %s: %s/%d mtu %u gateway %s", l->name, inet_ntoa(a),
                  __builtin_popcount(l->mask), l->mtu, l->gw ? gws : "none");
    }
    return ret < 0 ? ret : g_nlinks;
}
