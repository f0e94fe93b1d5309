// SPDX-License-Identifier: Apache-2.0
/*
 * Inet sockets (net/inet.h): creation, address conversion between the app's sockaddr_in/
 * sockaddr_in6 and lwIP's ip_addr_t, waiting, and the options both protocols share
 * (SOL_SOCKET, SOL_IP, SOL_IPV6). TCP is in inet_tcp.c, UDP in inet_udp.c.
 */
#include "sentry/net/inet.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <lwip/ip.h>
#include <lwip/tcp.h>
#include <lwip/udp.h>

#include "abi/linux/errno.h"
#include "abi/linux/signal.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/task.h"
#include "sentry/memmap/uio.h"
#include "sentry/net/inet/inet_internal.h"

static struct list_head g_all = LIST_HEAD_INIT(g_all); /* Protected by the netstack lock */
static int g_nsocks;                                   /* Protected by the netstack lock */

struct list_head *inet_all_socks_locked(void)
{
    netstack_assert_locked();
    return &g_all;
}

int inet_init(const char *mode)
{
    enum netstack_mode m;
    if (strcmp(mode, "sandbox") == 0)
        m = NETSTACK_SANDBOX;
    else if (strcmp(mode, "none") == 0)
        m = NETSTACK_NONE;
    else
        return -EINVAL;
    netstack_set_input_filter(inet_input_filter);
    return netstack_init(m);
}

bool inet_input_filter(const uint8_t *data, uint32_t size)
{
    if (size >= 20 && (data[0] >> 4) == 4 && data[9] == IP_PROTO_ICMP) {
        uint32_t hl = (uint32_t)(data[0] & 0xf) * 4;
        /* ICMP destination unreachable (3), port unreachable (3): 8 bytes, then the quote. */
        if (size >= hl + 8 && data[hl] == 3 && data[hl + 1] == 3)
            inet_udp_icmp_error(data + hl + 8, size - hl - 8, false);
        return false;
    }
    if (size >= 48 && (data[0] >> 4) == 6 && data[6] == IP6_NEXTH_ICMP6) {
        /* ICMPv6 destination unreachable (1), port unreachable (4). */
        if (data[40] == 1 && data[41] == 4)
            inet_udp_icmp_error(data + 48, size - 48, true);
        return false;
    }
    return inet_tcp_syn_filter(data, size);
}

/* ---- life cycle ------------------------------------------------------------------------- */

struct inet_sock *inet_sock_alloc_locked(int family, int type, int protocol)
{
    netstack_assert_locked();
    if (g_nsocks >= INET_MAX_SOCKETS)
        return NULL;
    struct inet_sock *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    const struct socket_ops *ops = type == SOCK_STREAM ? &inet_tcp_ops
                                   : type == SOCK_RAW  ? &inet_raw_ops
                                                       : &inet_udp_ops;
    socket_init(&s->sock, ops, family, type, protocol);
    waitq_init(&s->wq);
    netstack_notify_init(&s->nt, &s->wq);
    s->v6 = family == AF_INET6;
    list_init(&s->accq);
    list_init(&s->acc_link);
    list_init(&s->dgrams);
    bool tcp = type == SOCK_STREAM;
    s->sndbuf = tcp ? INET_TCP_SNDBUF : INET_UDP_BUF;
    s->rcvbuf = tcp ? INET_TCP_RCVBUF : INET_UDP_BUF;
    s->rcvlowat = 1;
    s->ttl = -1;
    s->hoplimit = -1;
    s->keepidle = 7200;
    s->keepintvl = 75;
    s->keepcnt = 9;
    s->maxseg = 0;
    list_add_tail(&s->all_link, &g_all);
    g_nsocks++;
    return s;
}

void inet_sock_free_locked(struct inet_sock *s)
{
    netstack_assert_locked();
    CV_BUG_ON(s->pcb.any != NULL);
    CV_BUG_ON(g_nsocks <= 0);
    netstack_notify_cancel_locked(&s->nt);
    list_del(&s->all_link);
    g_nsocks--;
    if (s->rcv)
        pbuf_free(s->rcv);
    struct inet_dgram *d, *n;
    list_for_each_entry_safe(d, n, &s->dgrams, link)
    {
        pbuf_free(d->p);
        free(d);
    }
    free(s);
}

int inet_socket_create(struct task *t, int family, int type, int protocol, struct socket **out)
{
    if (!netstack_enabled())
        return -EAFNOSUPPORT;
    if (type == SOCK_STREAM) {
        if (protocol != 0 && protocol != IPPROTO_TCP)
            return -EPROTONOSUPPORT;
        protocol = IPPROTO_TCP;
    } else if (type == SOCK_DGRAM) {
        if (protocol != 0 && protocol != IPPROTO_UDP)
            return -EPROTONOSUPPORT;
        protocol = IPPROTO_UDP;
    } else if (type == SOCK_RAW) {
        /* Raw ICMP for ping; Linux checks the capability first. COMPAT: no other raw
         * protocols. */
        if (!task_capable(t, CAP_NET_RAW))
            return -EPERM;
        if (protocol != (family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP))
            return -EPROTONOSUPPORT;
    } else {
        return -ESOCKTNOSUPPORT;
    }
    netstack_lock();
    struct inet_sock *s = inet_sock_alloc_locked(family, type, protocol);
    int ret = s ? 0 : -ENOBUFS;
    if (s) {
        s->uid = task_cred(t)->euid;
        ret = type == SOCK_STREAM ? inet_tcp_init_locked(s)
              : type == SOCK_RAW  ? inet_raw_init_locked(s)
                                  : inet_udp_init_locked(s);
        if (ret < 0)
            inet_sock_free_locked(s);
    }
    netstack_unlock();
    if (ret == 0)
        *out = &s->sock;
    return ret;
}

/* ---- addresses -------------------------------------------------------------------------- */

int inet_addr_from_user(const struct inet_sock *s, const void *addr, int len, ip_addr_t *ip,
                        uint16_t *port, bool allow_unspec)
{
    sa_family_t fam;
    if (len < (int)sizeof(fam))
        return -EINVAL;
    memcpy(&fam, addr, sizeof(fam));
    if (fam == AF_UNSPEC && allow_unspec)
        return 1;
    if (!s->v6) {
        struct sockaddr_in sin;
        if (len < (int)sizeof(sin))
            return -EINVAL;
        memcpy(&sin, addr, sizeof(sin));
        if (sin.sin_family != AF_INET)
            return -EAFNOSUPPORT;
        ip_addr_set_ip4_u32_val(*ip, sin.sin_addr.s_addr);
        *port = ntohs(sin.sin_port);
        return 0;
    }
    struct sockaddr_in6 sin6;
    if (len < 24) /* SIN6_LEN_RFC2133: without sin6_scope_id */
        return -EINVAL;
    memset(&sin6, 0, sizeof(sin6));
    memcpy(&sin6, addr, MIN((size_t)len, sizeof(sin6)));
    if (sin6.sin6_family != AF_INET6)
        return -EAFNOSUPPORT;
    *port = ntohs(sin6.sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
        uint32_t v4;
        memcpy(&v4, &sin6.sin6_addr.s6_addr[12], 4);
        ip_addr_set_ip4_u32_val(*ip, v4);
        return 0;
    }
    memset(ip, 0, sizeof(*ip));
    IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V6);
    memcpy(ip_2_ip6(ip)->addr, &sin6.sin6_addr, 16);
    ip6_addr_clear_zone(ip_2_ip6(ip));
    return 0;
}

void inet_addr_to_user(const struct inet_sock *s, const ip_addr_t *ip, uint16_t port, void *out,
                       int *len)
{
    if (!s->v6) {
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
        if (ip && IP_IS_V4(ip))
            sin.sin_addr.s_addr = ip4_addr_get_u32(ip_2_ip4(ip));
        memcpy(out, &sin, sizeof(sin));
        *len = sizeof(sin);
        return;
    }
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    if (ip && IP_IS_V6_VAL(*ip)) {
        memcpy(&sin6.sin6_addr, ip_2_ip6(ip)->addr, 16);
    } else if (ip && IP_IS_V4_VAL(*ip)) {
        sin6.sin6_addr.s6_addr[10] = 0xff;
        sin6.sin6_addr.s6_addr[11] = 0xff;
        uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(ip));
        memcpy(&sin6.sin6_addr.s6_addr[12], &v4, 4);
    } /* IPADDR_TYPE_ANY: a dual-stack wildcard, "::" */
    memcpy(out, &sin6, sizeof(sin6));
    *len = sizeof(sin6);
}

bool inet_addr_is_reachable(const ip_addr_t *ip, bool udp)
{
    if (inet_addr_is_local(ip, udp))
        return true;
    return IP_IS_V4(ip) && netstack_routes4(ip4_addr_get_u32(ip_2_ip4(ip)));
}

bool inet_addr_is_local(const ip_addr_t *ip, bool udp)
{
    if (ip_addr_isany(ip))
        return true;
    if (IP_IS_V4(ip)) {
        const ip4_addr_t *a = ip_2_ip4(ip);
        if (ip4_addr_isloopback(a) || netstack_is_link_addr4(ip4_addr_get_u32(a)))
            return true;
        return udp && (ip4_addr_ismulticast(a) || ip4_addr_get_u32(a) == IPADDR_BROADCAST);
    }
    const ip6_addr_t *a6 = ip_2_ip6(ip);
    return ip6_addr_isloopback(a6) || (udp && ip6_addr_ismulticast(a6));
}

/* ---- waiting ---------------------------------------------------------------------------- */

uint64_t inet_deadline(uint64_t timeo_ns)
{
    return timeo_ns ? kernel_now_ns() + timeo_ns : 0;
}

int inet_wait(struct task *t, struct inet_sock *s, struct waiter *w, uint64_t deadline)
{
    if (!w->q)
        waitq_add(&s->wq, w, &t->ctx, 0);
    return task_wait(t, deadline);
}

long inet_wait_result(int r, size_t done, uint64_t timeo_ns)
{
    if (r == -EINTR) {
        if (done)
            return (long)done;
        /* Linux's sock_intr_errno: a call with a timeout is not restarted. */
        return timeo_ns ? -EINTR : -LINUX_ERESTARTSYS;
    }
    if (r == -ETIMEDOUT)
        return done ? (long)done : -EAGAIN;
    return 0;
}

void inet_uio_settle(struct uio *u)
{
    if (u && u->refresh)
        u->refresh(u);
}

void inet_sigpipe(struct task *t, int flags)
{
    if (flags & MSG_NOSIGNAL)
        return;
    struct linux_siginfo info;
    signal_info_kill(&info, SIGPIPE, LINUX_SI_USER, t);
    signal_send_task(t, &info);
}

void inet_notify_locked(struct inet_sock *s, uint32_t events)
{
    netstack_notify_locked(&s->nt, events);
}

/* ---- options ---------------------------------------------------------------------------- */

void inet_apply_ip_opts_locked(struct inet_sock *s)
{
    struct ip_pcb *ip = s->pcb.any;
    if (!ip)
        return;
    int ttl = s->v6 ? s->hoplimit : s->ttl;
    ip->ttl = ttl < 0 ? 64 : (u8_t)ttl;
    ip->tos = (u8_t)(s->v6 ? s->tclass : s->tos);
    if (s->reuseaddr || s->reuseport) /* lwIP's one switch for sharing a local port */
        ip_set_option(ip, SOF_REUSEADDR);
    else
        ip_reset_option(ip, SOF_REUSEADDR);
    if (s->keepalive)
        ip_set_option(ip, SOF_KEEPALIVE);
    else
        ip_reset_option(ip, SOF_KEEPALIVE);
    if (s->broadcast)
        ip_set_option(ip, SOF_BROADCAST);
    else
        ip_reset_option(ip, SOF_BROADCAST);
}

/* Linux's sock_setsockopt buffer rule: capped at the maximum, doubled, at least the floor. */
static int buf_size(int v, int floor)
{
    unsigned uv = (unsigned)v > INET_WMEM_MAX ? INET_WMEM_MAX : (unsigned)v;
    return (int)MAX(uv * 2, (unsigned)floor);
}

void inet_log_unsupported(const char *what, int level, int name)
{
    static uint64_t seen[64]; /* Protected by the netstack lock */
    unsigned key = ((unsigned)level * 131u + (unsigned)name) % (64u * 64u);
    if (seen[key / 64] & (1ull << (key % 64)))
        return;
    seen[key / 64] |= 1ull << (key % 64);
    log_warn("inet: unsupported %s option level %d name %d: ENOPROTOOPT", what, level, name);
}

static int sol_socket_set(struct task *t, struct inet_sock *s, int name, const void *val, int len)
{
    if (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD)
        return socket_timeout_set(name == SO_RCVTIMEO_OLD ? &s->rcvtimeo_ns : &s->sndtimeo_ns, val,
                               len);
    if (name == SO_LINGER) {
        int lv[2];
        if (len < (int)sizeof(lv))
            return -EINVAL;
        memcpy(lv, val, sizeof(lv));
        s->linger_on = lv[0] != 0;
        s->linger_sec = lv[1] < 0 ? 0 : lv[1];
        return 0;
    }
    if (name == SO_BINDTODEVICE) {
        char dev[16] = {0};
        memcpy(dev, val, MIN((size_t)len, sizeof(dev) - 1));
        return dev[0] == '\0' || strcmp(dev, "lo") == 0 ? 0 : -ENODEV;
    }
    if (len < (int)sizeof(int))
        return -EINVAL;
    int v;
    memcpy(&v, val, sizeof(v));
    switch (name) {
    case SO_REUSEADDR:
        s->reuseaddr = v != 0;
        break;
    case SO_REUSEPORT:
        s->reuseport = v != 0; /* TCP: listeners share connections (inet_tcp.c) */
        break;
    case SO_KEEPALIVE:
        s->keepalive = v != 0;
        break;
    case SO_BROADCAST:
        s->broadcast = v != 0;
        break;
    case SO_OOBINLINE:
        s->oobinline = v != 0;
        break;
    case SO_SNDBUF:
    case SO_SNDBUFFORCE:
        s->sndbuf = buf_size(v, INET_MIN_SNDBUF);
        break;
    case SO_RCVBUF:
    case SO_RCVBUFFORCE:
        s->rcvbuf = buf_size(v, INET_MIN_RCVBUF);
        break;
    case SO_RCVLOWAT:
        s->rcvlowat = v < 1 ? 1 : v;
        break;
    case SO_PRIORITY:
        s->priority = v;
        break;
    case SO_MARK:
        s->mark = v;
        break;
    case SO_PASSCRED:
        s->passcred = v != 0;
        break;
    case SO_TIMESTAMP_OLD:
        if (s->sock.type == SOCK_STREAM) { /* COMPAT: no SCM_TIMESTAMP on TCP reads */
            inet_log_unsupported("socket", SOL_SOCKET, name);
            return -ENOPROTOOPT;
        }
        s->timestamp = v != 0; /* SCM_TIMESTAMP on received datagrams */
        break;
    case SO_DEBUG:
    case SO_DONTROUTE:
        break; /* no effect on Linux's TCP/UDP either */
    default:
        inet_log_unsupported("socket", SOL_SOCKET, name);
        return -ENOPROTOOPT;
    }
    (void)t;
    inet_apply_ip_opts_locked(s);
    return 0;
}

static int sol_ip_set(struct inet_sock *s, int name, const void *val, int len)
{
    int v = 0;
    if (len >= (int)sizeof(int))
        memcpy(&v, val, sizeof(v));
    else if (len >= 1)
        v = *(const uint8_t *)val; /* Linux accepts a single byte for these */
    else
        return -EINVAL;
    switch (name) {
    case IP_TOS:
        /* Linux keeps the ECN bits of TCP sockets out of the app's reach. */
        s->tos = s->sock.type == SOCK_STREAM ? (v & ~3) | (s->tos & 3) : v & 0xff;
        break;
    case IP_TTL:
        if (v != -1 && (v < 1 || v > 255))
            return -EINVAL;
        s->ttl = v;
        break;
    case IP_RECVERR:
        s->recverr = v != 0; /* COMPAT: no ICMP errors reach the error queue */
        break;
    case IP_PKTINFO:
        s->pktinfo4 = v != 0;
        break;
    case IP_MTU_DISCOVER:
        if (v < 0 || v > 5)
            return -EINVAL;
        break;
    case IP_RECVTOS:
    case IP_FREEBIND:
    case IP_BIND_ADDRESS_NO_PORT:
        break; /* COMPAT: accepted without effect */
    default:
        inet_log_unsupported("IP", SOL_IP, name);
        return -ENOPROTOOPT;
    }
    inet_apply_ip_opts_locked(s);
    return 0;
}

static int sol_ipv6_set(struct inet_sock *s, int name, const void *val, int len)
{
    if (!s->v6)
        return -ENOPROTOOPT;
    if (len < (int)sizeof(int))
        return -EINVAL;
    int v;
    memcpy(&v, val, sizeof(v));
    switch (name) {
    case IPV6_V6ONLY:
        if (s->bound || s->state != INET_CLOSED)
            return -EINVAL;
        s->v6only = v != 0;
        if (s->pcb.any) { /* a wildcard pcb serves IPv4 too unless v6-only */
            struct ip_pcb *ip = s->pcb.any;
            IP_SET_TYPE_VAL(ip->local_ip, s->v6only ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY);
            IP_SET_TYPE_VAL(ip->remote_ip, s->v6only ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY);
        }
        return 0;
    case IPV6_TCLASS:
        if (v < -1 || v > 255)
            return -EINVAL;
        s->tclass = v < 0 ? 0 : v;
        break;
    case IPV6_UNICAST_HOPS:
        if (v < -1 || v > 255)
            return -EINVAL;
        s->hoplimit = v;
        break;
    case IPV6_RECVERR:
        s->recverr = v != 0;
        break;
    case IPV6_RECVPKTINFO:
        s->pktinfo6 = v != 0;
        break;
    case IPV6_RECVHOPLIMIT:
    case IPV6_2292HOPLIMIT:
        s->recvhoplimit = v != 0;
        break;
    case IPV6_MTU_DISCOVER:
        if (v < 0 || v > 5)
            return -EINVAL;
        break;
    default:
        inet_log_unsupported("IPv6", SOL_IPV6, name);
        return -ENOPROTOOPT;
    }
    inet_apply_ip_opts_locked(s);
    return 0;
}

int inet_setsockopt_common(struct task *t, struct inet_sock *s, int level, int name,
                           const void *val, int len)
{
    netstack_assert_locked();
    switch (level) {
    case SOL_SOCKET:
        return sol_socket_set(t, s, name, val, len);
    case SOL_IP:
        return sol_ip_set(s, name, val, len);
    case SOL_IPV6:
        return sol_ipv6_set(s, name, val, len);
    default:
        return -ENOPROTOOPT;
    }
}

static int put_int(void *val, int *len, int v)
{
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}

static int sol_socket_get(struct inet_sock *s, int name, void *val, int *len)
{
    switch (name) {
    case SO_RCVTIMEO_OLD:
    case SO_SNDTIMEO_OLD: {
        uint64_t ns = name == SO_RCVTIMEO_OLD ? s->rcvtimeo_ns : s->sndtimeo_ns;
        socket_timeout_get(ns, val, len);
        return 0;
    }
    case SO_LINGER: {
        int lv[2] = {s->linger_on, s->linger_sec};
        memcpy(val, lv, sizeof(lv));
        *len = sizeof(lv);
        return 0;
    }
    case SO_PEERCRED: {
        int32_t c[3] = {0, -1, -1}; /* inet sockets carry no credentials */
        memcpy(val, c, sizeof(c));
        *len = sizeof(c);
        return 0;
    }
    case SO_BINDTODEVICE:
        *len = 0;
        return 0;
    case SO_COOKIE: {
        uint64_t cookie = s->sock.ino;
        memcpy(val, &cookie, sizeof(cookie));
        *len = sizeof(cookie);
        return 0;
    }
    case SO_TYPE:
        return put_int(val, len, s->sock.type);
    case SO_DOMAIN:
        return put_int(val, len, s->sock.family);
    case SO_PROTOCOL:
        return put_int(val, len, s->sock.protocol);
    case SO_ERROR: {
        int e = s->err;
        s->err = 0;
        return put_int(val, len, e);
    }
    case SO_ACCEPTCONN:
        return put_int(val, len, s->state == INET_LISTEN);
    case SO_REUSEADDR:
        return put_int(val, len, s->reuseaddr);
    case SO_REUSEPORT:
        return put_int(val, len, s->reuseport);
    case SO_KEEPALIVE:
        return put_int(val, len, s->keepalive);
    case SO_BROADCAST:
        return put_int(val, len, s->broadcast);
    case SO_OOBINLINE:
        return put_int(val, len, s->oobinline);
    case SO_SNDBUF:
        return put_int(val, len, s->sndbuf);
    case SO_RCVBUF:
        return put_int(val, len, s->rcvbuf);
    case SO_RCVLOWAT:
        return put_int(val, len, s->rcvlowat);
    case SO_SNDLOWAT:
        return put_int(val, len, 1);
    case SO_PRIORITY:
        return put_int(val, len, s->priority);
    case SO_MARK:
        return put_int(val, len, s->mark);
    case SO_PASSCRED:
        return put_int(val, len, s->passcred);
    case SO_TIMESTAMP_OLD:
        return put_int(val, len, s->timestamp);
    case SO_DEBUG:
    case SO_DONTROUTE:
        return put_int(val, len, 0);
    default:
        inet_log_unsupported("socket", SOL_SOCKET, name);
        return -ENOPROTOOPT;
    }
}

static int sol_ip_get(struct inet_sock *s, int name, void *val, int *len)
{
    switch (name) {
    case IP_TOS:
        return put_int(val, len, s->tos);
    case IP_TTL:
        return put_int(val, len, s->ttl < 0 ? 64 : s->ttl);
    case IP_RECVERR:
        return put_int(val, len, s->recverr);
    case IP_PKTINFO:
        return put_int(val, len, s->pktinfo4);
    case IP_MTU_DISCOVER:
        return put_int(val, len, IP_PMTUDISC_WANT);
    case IP_MTU:
        if (s->state != INET_CONNECTED)
            return -ENOTCONN;
        return put_int(val, len, 65535);
    default:
        inet_log_unsupported("IP", SOL_IP, name);
        return -ENOPROTOOPT;
    }
}

static int sol_ipv6_get(struct inet_sock *s, int name, void *val, int *len)
{
    if (!s->v6)
        return -EOPNOTSUPP; /* Linux's ip_getsockopt for a level not its own */
    switch (name) {
    case IPV6_V6ONLY:
        return put_int(val, len, s->v6only);
    case IPV6_TCLASS:
        return put_int(val, len, s->tclass);
    case IPV6_UNICAST_HOPS:
        return put_int(val, len, s->hoplimit < 0 ? 64 : s->hoplimit);
    case IPV6_RECVERR:
        return put_int(val, len, s->recverr);
    case IPV6_RECVPKTINFO:
        return put_int(val, len, s->pktinfo6);
    case IPV6_RECVHOPLIMIT:
    case IPV6_2292HOPLIMIT:
        return put_int(val, len, s->recvhoplimit);
    default:
        inet_log_unsupported("IPv6", SOL_IPV6, name);
        return -ENOPROTOOPT;
    }
}

int inet_getsockopt_common(struct inet_sock *s, int level, int name, void *val, int *len)
{
    netstack_assert_locked();
    switch (level) {
    case SOL_SOCKET:
        return sol_socket_get(s, name, val, len);
    case SOL_IP:
        return sol_ip_get(s, name, val, len);
    case SOL_IPV6:
        return sol_ipv6_get(s, name, val, len);
    default:
        /* A foreign level: Linux's ip_getsockopt says EOPNOTSUPP, ipv6_getsockopt
         * ENOPROTOOPT (setsockopt: ENOPROTOOPT for both). */
        return s->v6 ? -ENOPROTOOPT : -EOPNOTSUPP;
    }
}
