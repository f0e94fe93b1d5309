// SPDX-License-Identifier: Apache-2.0
/*
 * lwIP inside the Sentry (netstack.h): start-up without lwIP's tcpip thread, the loopback
 * interface, the lock, lwIP's timeouts on a kernel timer and deferred wake-ups.
 *
 * Loopback. lwIP sends every packet for 127/8, ::1 or an interface's own address through
 * netif_loop_output(), which appends it to the interface's loop queue and, when the queue
 * was empty, posts a call of netif_poll() to the tcpip thread (Debian builds lwIP with
 * NO_SYS=0). There is no tcpip thread here: its queue would hop every packet to another
 * thread and run our callbacks where the kernel lock cannot be taken. So the loop queue
 * always starts with a sentinel (an empty pbuf that is never delivered): lwIP then never
 * sees an empty queue and never posts, and netstack_unlock() delivers what follows the
 * sentinel, synchronously, in the thread that sent it.
 */
#include "sentry/net/lwip/netstack.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <lwip/init.h>
#include <lwip/ip.h>
#include <lwip/mem.h>
#include <lwip/memp.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/sys.h>
#include <lwip/tcp.h>
#include <lwip/timeouts.h>
#include <lwip/udp.h>

#include "common/log.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/timer.h"
#include "sentry/net/lwip/link.h"
#include "sentry/waiter/waitq.h"

/* Functions of lwip/init.c that lwip_init() would call (their headers are private). */
void sys_init(void);
void udp_init(void);
void tcp_init(void);

static pthread_mutex_t g_net_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t g_net_owner;   /* Protected by g_net_lock (valid while g_net_locked) */
static bool g_net_locked;       /* Protected by g_net_lock */
static bool g_enabled;          /* Written once at boot */
static struct netif g_lo;       /* Protected by g_net_lock */
static struct pbuf *g_sentinel; /* Immutable after init: head of g_lo's loop queue */
static struct list_head g_pending = LIST_HEAD_INIT(g_pending);     /* Protected by g_net_lock */
static struct netstack_if_stats g_lo_stats;                        /* Protected by g_net_lock */
static bool (*g_input_filter)(const uint8_t *data, uint32_t size); /* Written once at boot */
static struct ktimer g_net_timer; /* Protected by the kernel lock */

bool netstack_enabled(void)
{
    return g_enabled;
}

void netstack_set_input_filter(bool (*filter)(const uint8_t *data, uint32_t size))
{
    g_input_filter = filter;
}

bool netstack_input_filter_drops(const uint8_t *data, uint32_t size)
{
    return g_input_filter && g_input_filter(data, size);
}

void netstack_lock(void)
{
    pthread_mutex_lock(&g_net_lock);
    g_net_owner = pthread_self();
    g_net_locked = true;
}

void netstack_assert_locked(void)
{
    CV_BUG_ON(!g_net_locked || !pthread_equal(g_net_owner, pthread_self()));
}

void netstack_notify_init(struct netstack_notify *n, struct waitq *q)
{
    list_init(&n->link);
    n->events = 0;
    n->q = q;
}

void netstack_notify_locked(struct netstack_notify *n, uint32_t events)
{
    netstack_assert_locked();
    if (!n->events)
        list_add_tail(&n->link, &g_pending);
    n->events |= events ? events : (uint32_t)-1;
}

void netstack_notify_cancel_locked(struct netstack_notify *n)
{
    netstack_assert_locked();
    if (n->events)
        list_del(&n->link);
    n->events = 0;
}

void netstack_lo_stats_locked(struct netstack_if_stats *st)
{
    netstack_assert_locked();
    *st = g_lo_stats;
}

/* The next packet after the sentinel, unlinked, or NULL. Each packet on the loop queue is
 * one pbuf (netif_loop_output copies into a single PBUF_RAM buffer). */
static struct pbuf *lo_dequeue(void)
{
    SYS_ARCH_DECL_PROTECT(lev);
    SYS_ARCH_PROTECT(lev);
    CV_BUG_ON(g_lo.loop_first != g_sentinel);
    struct pbuf *in = g_sentinel->next;
    if (in) {
        struct pbuf *end = in;
        while (end->len != end->tot_len && end->next)
            end = end->next;
        g_sentinel->next = end->next;
        if (g_lo.loop_last == end)
            g_lo.loop_last = g_sentinel;
        end->next = NULL;
    }
    SYS_ARCH_UNPROTECT(lev);
    return in;
}

/* The IPv4 destination of packet @p if it is in 127/8 but not 127.0.0.1 (network order),
 * else 0. */
static uint32_t other_loopback_dst(const struct pbuf *p)
{
    const uint8_t *d = p->payload;
    if (p->len < 20 || (d[0] >> 4) != 4 || d[16] != 127)
        return 0;
    uint32_t dst;
    memcpy(&dst, d + 16, 4);
    return dst == PP_HTONL(0x7f000001) ? 0 : dst;
}

/* Hand one looped packet to lwIP. Linux's lo owns all of 127/8, lwIP's netif one address:
 * for another 127/8 destination the interface takes that address while lwIP accepts the
 * packet (the field only, not netif_set_ipaddr, which would reset the connections bound to
 * 127.0.0.1); connections then carry the real address, as on Linux. */
static void lo_input(struct pbuf *in)
{
    uint32_t dst = other_loopback_dst(in);
    ip4_addr_t saved = *netif_ip4_addr(&g_lo);
    if (dst)
        ip_addr_set_ip4_u32_val(g_lo.ip_addr, dst);
    if (ip_input(in, &g_lo) != ERR_OK)
        pbuf_free(in);
    if (dst)
        ip_addr_copy_from_ip4(g_lo.ip_addr, saved);
}

/* Deliver every packet queued on the loopback interface, including those that the delivery
 * itself sends (ACKs, answers), until the queue is empty. Caller holds the netstack lock. */
static bool lo_drain_locked(void)
{
    struct pbuf *in;
    bool any = false;
    while ((in = lo_dequeue()) != NULL) {
        any = true;
        g_lo_stats.tx_packets++;
        g_lo_stats.tx_bytes += in->tot_len;
        if (g_input_filter && in->len == in->tot_len && g_input_filter(in->payload, in->len)) {
            g_lo_stats.rx_dropped++;
            pbuf_free(in);
            continue;
        }
        g_lo_stats.rx_packets++;
        g_lo_stats.rx_bytes += in->tot_len;
        in->if_idx = netif_get_index(&g_lo);
        lo_input(in);
    }
    return any;
}

/* lwIP's next timeout as a CLOCK_MONOTONIC deadline, or 0 if none. */
static uint64_t next_timeout_locked(void)
{
    u32_t ms = sys_timeouts_sleeptime();
    if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
        return 0;
    return kernel_now_ns() + (uint64_t)ms * 1000000ull;
}

void netstack_unlock(void)
{
    netstack_assert_locked();
    /* What a link looped back to its own address may answer to the loopback's, and back. */
    while (lo_drain_locked() | link_drain_locked())
        ;
    link_flush_locked();
    uint64_t deadline = next_timeout_locked();
    struct list_head pending = LIST_HEAD_INIT(pending);
    if (!list_empty(&g_pending)) {
        pending.next = g_pending.next;
        pending.prev = g_pending.prev;
        pending.next->prev = &pending;
        pending.prev->next = &pending;
        list_init(&g_pending);
    }
    /* Snapshot the events: the owners stay alive (freed only under the kernel lock, which
     * we hold), but a new lock holder may queue them again once we let go. */
    struct notify_item {
        struct waitq *q;
        uint32_t events;
    } items[64];
    int n = 0;
    bool more = false;
    while (!list_empty(&pending)) {
        struct netstack_notify *nt = list_first_entry(&pending, struct netstack_notify, link);
        if (n == (int)(sizeof(items) / sizeof(items[0]))) {
            more = true;
            break;
        }
        list_del(&nt->link);
        list_init(&nt->link);
        items[n].q = nt->q;
        items[n].events = nt->events == (uint32_t)-1 ? 0 : nt->events;
        nt->events = 0;
        n++;
    }
    if (more) { /* put the rest back; they are delivered below by another pass */
        struct list_head *first = pending.next, *last = pending.prev;
        last->next = g_pending.next;
        g_pending.next->prev = last;
        g_pending.next = first;
        first->prev = &g_pending;
    }
    g_net_locked = false;
    pthread_mutex_unlock(&g_net_lock);

    for (int i = 0; i < n; i++)
        waitq_notify(items[i].q, items[i].events);
    if (deadline && (!g_net_timer.armed || deadline < g_net_timer.deadline_ns))
        ktimer_arm(&g_net_timer, deadline);
    if (more) {
        netstack_lock();
        netstack_unlock();
    }
}

/* The kernel timer thread (kernel lock held): run lwIP's due timeouts. */
static void net_timer_fire(struct ktimer *kt, uint64_t now_ns)
{
    (void)kt;
    (void)now_ns;
    netstack_lock();
    sys_check_timeouts();
    netstack_unlock();
}

/* Output to a destination lwIP routed to the loopback interface but did not loop back (an
 * address that is not ours): dropped, as nothing is behind it. */
static err_t lo_output4(struct netif *netif, struct pbuf *p, const ip4_addr_t *addr)
{
    (void)netif;
    (void)p;
    (void)addr;
    g_lo_stats.rx_dropped++;
    return ERR_RTE;
}

static err_t lo_output6(struct netif *netif, struct pbuf *p, const ip6_addr_t *addr)
{
    (void)netif;
    (void)p;
    (void)addr;
    g_lo_stats.rx_dropped++;
    return ERR_RTE;
}

static err_t lo_netif_init(struct netif *netif)
{
    netif->name[0] = 'l';
    netif->name[1] = 'o';
    netif->mtu = 0xffff; /* COMPAT: Linux's lo has 65536; lwIP's field is 16 bits */
    netif->mtu6 = 0xffff;
    netif->output = lo_output4;
    netif->output_ip6 = lo_output6;
    netif->flags = NETIF_FLAG_UP | NETIF_FLAG_LINK_UP;
    return ERR_OK;
}

int netstack_init(enum netstack_mode mode)
{
    /* lwIP draws its first ephemeral ports from rand() (LWIP_RAND): randomise them per
     * sandbox, as Linux does. */
    unsigned seed = 0;
    if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
        seed = (unsigned)kernel_now_ns();
    srand(seed);
    /* lwip_init() without sys_timeouts_init(): lwIP's cyclic timers (ARP, IGMP, MLD, ND,
     * reassembly, every 100 ms to 1 s) serve link interfaces, and would wake an idle
     * sandbox. TCP's timer is registered on demand (tcp_timer_needed) and runs on ours. */
    sys_init();
    mem_init();
    memp_init();
    netif_init();
    udp_init();
    tcp_init();

    ip4_addr_t addr, mask, gw;
    IP4_ADDR(&addr, 127, 0, 0, 1);
    IP4_ADDR(&mask, 255, 0, 0, 0);
    IP4_ADDR(&gw, 0, 0, 0, 0);
    netstack_lock();
    int ret = 0;
    if (!netif_add(&g_lo, &addr, &mask, &gw, NULL, lo_netif_init, ip_input)) {
        ret = -ENOMEM;
        goto out;
    }
    ip6_addr_t lo6;
    IP6_ADDR(&lo6, 0, 0, 0, PP_HTONL(1));
    netif_ip6_addr_set(&g_lo, 0, &lo6);
    netif_ip6_addr_set_state(&g_lo, 0, IP6_ADDR_VALID);
    netif_set_default(&g_lo);
    netif_set_link_up(&g_lo);
    netif_set_up(&g_lo);
    g_sentinel = pbuf_alloc(PBUF_RAW, 0, PBUF_RAM);
    if (!g_sentinel) {
        ret = -ENOMEM;
        goto out;
    }
    g_lo.loop_first = g_lo.loop_last = g_sentinel;
    g_net_timer.fire = net_timer_fire;
    g_enabled = true;
out:
    g_net_locked = false;
    pthread_mutex_unlock(&g_net_lock);
    if (ret < 0 || mode != NETSTACK_SANDBOX)
        return ret;
    /* The links of the Sentry's namespace (the veth `cvisor do` made as root). */
    int n = link_init_all();
    if (n < 0)
        return n;
    if (n == 0)
        log_info("network: the sandbox's namespace has no link: loopback only");
    return link_start();
}

bool netstack_is_link_addr4(uint32_t addr)
{
    return link_is_local4(addr);
}

bool netstack_routes4(uint32_t addr)
{
    return link_routes4(addr);
}
