// SPDX-License-Identifier: Apache-2.0
/*
 * TCP sockets (net/inet.h) on lwIP's raw API: connection life cycle, lwIP's callbacks,
 * the receive queue, sending with flow control, shutdown and reset, TCP options.
 *
 * Every function here that touches a pcb or socket state holds the netstack lock; blocking
 * calls queue their waiter, release the netstack lock (which delivers loopback packets and
 * may already wake them) and sleep with task_wait, then take the lock again and re-check.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <lwip/priv/tcp_priv.h>
#include <lwip/tcp.h>

#include "abi/linux/errno.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "sentry/kernel/task.h"
#include "sentry/memmap/uio.h"
#include "sentry/mm/mm.h"
#include "sentry/net/inet/inet_internal.h"

#define LINUX_SIOCINQ 0x541Bu
#define LINUX_SIOCOUTQ 0x5411u
#define LINUX_SIOCOUTQNSD 0x894Bu
#define LINUX_SIOCATMARK 0x8905u

#define TCP_SEND_CHUNK 65536
#define INET_RCV_TOTAL_MAX (512ull << 20) /* unread TCP data in the whole sandbox */

static size_t g_rcv_total; /* Protected by the netstack lock */

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len);
static void tcp_err_cb(void *arg, err_t err);

/* True if @o and @s may listen on the same port together (SO_REUSEPORT on both, same
 * owner), as Linux's reuseport groups. */
static bool reuseport_partners(const struct inet_sock *s, const struct inet_sock *o)
{
    return s->reuseport && o->reuseport && s->uid == o->uid && o->sock.type == SOCK_STREAM &&
           s->v6 == o->v6;
}

/* ---- pcbs ------------------------------------------------------------------------------- */

void inet_tcp_apply_opts_locked(struct inet_sock *s)
{
    struct tcp_pcb *pcb = s->pcb.tcp;
    if (!pcb || pcb->state == LISTEN)
        return;
    inet_apply_ip_opts_locked(s);
    if (s->nodelay)
        tcp_nagle_disable(pcb);
    else
        tcp_nagle_enable(pcb);
    pcb->keep_idle = (u32_t)s->keepidle * 1000u;
    pcb->keep_intvl = (u32_t)s->keepintvl * 1000u;
    pcb->keep_cnt = (u32_t)s->keepcnt;
}

static void tcp_attach_locked(struct inet_sock *s, struct tcp_pcb *pcb)
{
    s->pcb.tcp = pcb;
    tcp_arg(pcb, s);
    tcp_recv(pcb, tcp_recv_cb);
    tcp_sent(pcb, tcp_sent_cb);
    tcp_err(pcb, tcp_err_cb);
    inet_tcp_apply_opts_locked(s);
}

/* Detach @s from its pcb, leaving lwIP to finish (or free) it. */
static void tcp_detach_locked(struct inet_sock *s)
{
    struct tcp_pcb *pcb = s->pcb.tcp;
    if (!pcb)
        return;
    tcp_arg(pcb, NULL);
    if (pcb->state == LISTEN) {
        tcp_accept(pcb, NULL);
    } else {
        tcp_recv(pcb, NULL);
        tcp_sent(pcb, NULL);
        tcp_err(pcb, NULL);
    }
    s->pcb.tcp = NULL;
}

/* A fresh pcb for an unconnected socket (at creation, after a failed connect). */
static int tcp_new_pcb_locked(struct inet_sock *s)
{
    u8_t type = !s->v6 ? IPADDR_TYPE_V4 : s->v6only ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY;
    struct tcp_pcb *pcb = tcp_new_ip_type(type);
    if (!pcb)
        return -ENOBUFS;
    tcp_attach_locked(s, pcb);
    return 0;
}

int inet_tcp_init_locked(struct inet_sock *s)
{
    return tcp_new_pcb_locked(s);
}

/* Abort (RST) and forget the pcb of @s. */
static void tcp_abort_locked(struct inet_sock *s)
{
    struct tcp_pcb *pcb = s->pcb.tcp;
    if (!pcb)
        return;
    tcp_detach_locked(s);
    if (pcb->state == LISTEN)
        tcp_close(pcb);
    else
        tcp_abort(pcb);
}

static void rcv_drop_locked(struct inet_sock *s)
{
    if (s->rcv) {
        pbuf_free(s->rcv);
        s->rcv = NULL;
    }
    g_rcv_total -= s->rcv_bytes;
    s->rcv_bytes = 0;
}

/* Remember the addresses of the pcb. */
static void tcp_save_addrs_locked(struct inet_sock *s)
{
    struct tcp_pcb *pcb = s->pcb.tcp;
    if (!pcb)
        return;
    ip_addr_copy(s->laddr, pcb->local_ip);
    s->lport = pcb->local_port;
    if (pcb->state != LISTEN) {
        ip_addr_copy(s->raddr, pcb->remote_ip);
        s->rport = pcb->remote_port;
    }
}

/* ---- lwIP callbacks (netstack lock held) ------------------------------------------------ */

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct inet_sock *s = arg;
    (void)err;
    if (!s) {
        if (p) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (!p) { /* the peer's FIN */
        s->fin = true;
        s->shut |= INET_RCV_SHUT;
        inet_notify_locked(s, POLLIN | POLLRDNORM | POLLRDHUP | POLLHUP);
        return ERR_OK;
    }
    if (g_rcv_total + p->tot_len > INET_RCV_TOTAL_MAX)
        return ERR_MEM; /* lwIP keeps it and offers it again later */
    if (s->rcv)
        pbuf_cat(s->rcv, p);
    else
        s->rcv = p;
    s->rcv_bytes += p->tot_len;
    g_rcv_total += p->tot_len;
    s->bytes_received += p->tot_len;
    /* A segment shorter than the MSS ends what the peer wrote: acknowledge it at once, so
     * that a Nagle sender waiting for this ACK does not wait for lwIP's 250 ms delayed-ACK
     * timer (Linux's quick ACKs have the same effect). Full segments keep lwIP's rule of an
     * ACK for every second one. */
    if (p->tot_len < pcb->mss)
        tcp_ack_now(pcb);
    inet_notify_locked(s, POLLIN | POLLRDNORM);
    return ERR_OK;
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct inet_sock *s = arg;
    (void)pcb;
    if (s) {
        s->bytes_acked += len;
        inet_notify_locked(s, POLLOUT | POLLWRNORM | POLLWRBAND);
    }
    return ERR_OK;
}

static void tcp_err_cb(void *arg, err_t err)
{
    struct inet_sock *s = arg;
    if (!s)
        return;
    s->pcb.tcp = NULL; /* lwIP freed it */
    int e;
    switch (err) {
    case ERR_RST: /* Linux's tcp_reset: EPIPE once the peer's FIN came (CLOSE_WAIT) */
        e = s->state == INET_CONNECTING ? ECONNREFUSED : s->fin ? EPIPE : ECONNRESET;
        break;
    case ERR_CLSD:
        e = 0; /* closed in order after our own shutdown */
        break;
    case ERR_ABRT:
        e = ETIMEDOUT; /* retransmissions or keep-alive probes ran out */
        break;
    default:
        e = ECONNABORTED;
        break;
    }
    if (e)
        s->err = e;
    s->state = INET_CLOSED;
    s->shut = INET_RCV_SHUT | INET_SND_SHUT;
    inet_notify_locked(s, 0);
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct inet_sock *s = arg;
    (void)err;
    if (!s)
        return ERR_OK;
    s->state = INET_CONNECTED;
    s->ever_connected = true;
    tcp_save_addrs_locked(s);
    (void)pcb;
    inet_notify_locked(s, POLLOUT | POLLWRNORM);
    return ERR_OK;
}

/* Options a connection inherits from its listener, as Linux copies them. */
static void tcp_inherit(struct inet_sock *c, const struct inet_sock *l)
{
    c->uid = l->uid;
    c->nodelay = l->nodelay;
    c->keepalive = l->keepalive;
    c->keepidle = l->keepidle;
    c->keepintvl = l->keepintvl;
    c->keepcnt = l->keepcnt;
    c->sndbuf = l->sndbuf;
    c->rcvbuf = l->rcvbuf;
    c->tos = l->tos;
    c->tclass = l->tclass;
    c->ttl = l->ttl;
    c->hoplimit = l->hoplimit;
    c->linger_on = l->linger_on;
    c->linger_sec = l->linger_sec;
    c->rcvtimeo_ns = l->rcvtimeo_ns;
    c->sndtimeo_ns = l->sndtimeo_ns;
    c->v6only = l->v6only;
    c->priority = l->priority;
    c->mark = l->mark;
}

/* The listener of @l's SO_REUSEPORT group (@l itself included) with the shortest accept
 * queue: lwIP has one listen pcb per port, so the group shares its connections here. */
static struct inet_sock *reuseport_target_locked(struct inet_sock *l)
{
    struct inet_sock *best = l, *o;
    if (!l->reuseport)
        return l;
    list_for_each_entry(o, inet_all_socks_locked(), all_link)
    {
        if (o != l && o->state == INET_LISTEN && o->lport == l->lport &&
            ip_addr_cmp(&o->laddr, &l->laddr) && reuseport_partners(l, o) &&
            o->acc_len < best->acc_len)
            best = o;
    }
    return best;
}

/* A listening member of @s's SO_REUSEPORT group other than @s, or NULL; @with_pcb: the one
 * that owns the group's lwIP listen pcb, else one without. */
static struct inet_sock *reuseport_member_locked(struct inet_sock *s, bool with_pcb)
{
    struct inet_sock *o;
    list_for_each_entry(o, inet_all_socks_locked(), all_link)
    {
        if (o != s && o->state == INET_LISTEN && o->lport == s->lport &&
            ip_addr_cmp(&o->laddr, &s->laddr) && reuseport_partners(s, o) &&
            (o->pcb.tcp != NULL) == with_pcb)
            return o;
    }
    return NULL;
}

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *newpcb, err_t err)
{
    struct inet_sock *l = arg;
    if (!newpcb)
        return ERR_VAL;
    if (!l || err != ERR_OK || l->state != INET_LISTEN) {
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    l = reuseport_target_locked(l);
    struct inet_sock *c = inet_sock_alloc_locked(l->sock.family, SOCK_STREAM, IPPROTO_TCP);
    if (!c) {
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    tcp_inherit(c, l);
    tcp_attach_locked(c, newpcb);
    c->state = INET_CONNECTED;
    c->ever_connected = true;
    c->bound = true;
    tcp_save_addrs_locked(c);
    c->listener = l;
    list_add_tail(&c->acc_link, &l->accq);
    l->acc_len++;
    inet_notify_locked(l, POLLIN | POLLRDNORM);
    return ERR_OK;
}

/* ---- the listen queue limit on input ---------------------------------------------------- */

/* A listener bound to @port and an address that covers @dst (NULL: none). */
static struct inet_sock *find_listener_locked(const ip_addr_t *dst, uint16_t port)
{
    struct inet_sock *s;
    list_for_each_entry(s, inet_all_socks_locked(), all_link)
    {
        if (s->state != INET_LISTEN || s->lport != port)
            continue;
        if (ip_addr_isany(&s->laddr)) {
            if (IP_IS_ANY_TYPE_VAL(s->laddr) || IP_GET_TYPE(&s->laddr) == IP_GET_TYPE(dst))
                return s;
        } else if (ip_addr_cmp(&s->laddr, dst)) {
            return s;
        }
    }
    return NULL;
}

bool inet_tcp_syn_filter(const uint8_t *data, uint32_t size)
{
    ip_addr_t dst;
    const uint8_t *tcp;
    uint32_t left;
    if (size >= 20 && (data[0] >> 4) == 4) {
        uint32_t ihl = (uint32_t)(data[0] & 0xf) * 4;
        if (data[9] != IP_PROTO_TCP || ihl < 20 || size < ihl + 20)
            return false;
        uint32_t a;
        memcpy(&a, data + 16, 4);
        ip_addr_set_ip4_u32_val(dst, a);
        tcp = data + ihl;
        left = size - ihl;
    } else if (size >= 40 && (data[0] >> 4) == 6) {
        if (data[6] != IP6_NEXTH_TCP || size < 60)
            return false;
        memset(&dst, 0, sizeof(dst));
        IP_SET_TYPE_VAL(dst, IPADDR_TYPE_V6);
        memcpy(ip_2_ip6(&dst)->addr, data + 24, 16);
        tcp = data + 40;
        left = size - 40;
    } else {
        return false;
    }
    if (left < 20)
        return false;
    uint8_t flags = tcp[13];
    if (!(flags & TCP_SYN) || (flags & TCP_ACK))
        return false;
    uint16_t port = (uint16_t)(tcp[2] << 8 | tcp[3]);
    struct inet_sock *l = find_listener_locked(&dst, port);
    /* Linux drops a SYN while the accept queue is over the backlog; the client retries. */
    return l && l->acc_len > l->backlog;
}

/* ---- binding ---------------------------------------------------------------------------- */

/* Another listener on @port whose address overlaps @ip (SO_REUSEADDR does not allow two;
 * SO_REUSEPORT partners may). */
static bool listener_conflict_locked(const struct inet_sock *s, const ip_addr_t *ip, uint16_t port)
{
    struct inet_sock *o;
    list_for_each_entry(o, inet_all_socks_locked(), all_link)
    {
        if (o == s || o->state != INET_LISTEN || o->lport != port || o->sock.type != SOCK_STREAM ||
            reuseport_partners(s, o))
            continue;
        bool o_any = ip_addr_isany(&o->laddr), any = ip_addr_isany(ip);
        if (IP_IS_ANY_TYPE_VAL(o->laddr) || IP_IS_ANY_TYPE_VAL(*ip) ||
            IP_GET_TYPE(&o->laddr) == IP_GET_TYPE(ip)) {
            if (o_any || any || ip_addr_cmp(&o->laddr, ip))
                return true;
        }
    }
    return false;
}

static int tcp_bind_locked(struct inet_sock *s, const ip_addr_t *ip, uint16_t port)
{
    ip_addr_t bip;
    ip_addr_copy(bip, *ip);
    if (s->v6 && !s->v6only && IP_IS_V6_VAL(bip) && ip_addr_isany(&bip))
        ip_addr_copy(bip, *IP_ANY_TYPE); /* dual stack: "::" serves IPv4 too */
    if (s->v6 && IP_IS_V4_VAL(bip)) {    /* v4-mapped: an IPv4 pcb */
        IP_SET_TYPE_VAL(s->pcb.tcp->local_ip, IPADDR_TYPE_V4);
        IP_SET_TYPE_VAL(s->pcb.tcp->remote_ip, IPADDR_TYPE_V4);
    }
    if (port && (s->reuseaddr || s->reuseport) && listener_conflict_locked(s, &bip, port))
        return -EADDRINUSE;
    err_t e = tcp_bind(s->pcb.tcp, &bip, port);
    if (e == ERR_USE || e == ERR_BUF)
        return -EADDRINUSE;
    if (e != ERR_OK)
        return -EINVAL;
    s->bound = true;
    ip_addr_copy(s->laddr, s->pcb.tcp->local_ip);
    s->lport = s->pcb.tcp->local_port;
    return 0;
}

/* Parse a bind address for @s: Linux's checks of inet_bind/inet6_bind. */
static int bind_addr(struct task *t, struct inet_sock *s, const void *addr, int len, ip_addr_t *ip,
                     uint16_t *port, bool udp)
{
    sa_family_t fam = AF_UNSPEC;
    if (len >= (int)sizeof(fam))
        memcpy(&fam, addr, sizeof(fam));
    if (!s->v6 && len >= (int)sizeof(struct sockaddr_in) && fam == AF_UNSPEC) {
        struct sockaddr_in sin;
        memcpy(&sin, addr, sizeof(sin));
        if (sin.sin_addr.s_addr != htonl(INADDR_ANY))
            return -EAFNOSUPPORT;
        ip_addr_set_zero_ip4(ip);
        *port = ntohs(sin.sin_port);
    } else {
        if (!s->v6 && len < (int)sizeof(struct sockaddr_in))
            return -EINVAL;
        int r = inet_addr_from_user(s, addr, len, ip, port, false);
        if (r < 0)
            return r;
    }
    if (s->v6 && s->v6only && IP_IS_V4_VAL(*ip))
        return -EINVAL;
    if (!inet_addr_is_local(ip, udp))
        return -EADDRNOTAVAIL;
    if (*port && *port < 1024 && !task_capable(t, CAP_NET_BIND_SERVICE))
        return -EACCES;
    return 0;
}

static int tcp_bind_op(struct task *t, struct socket *sk, const void *addr, int len)
{
    struct inet_sock *s = inet_sk(sk);
    ip_addr_t ip;
    uint16_t port;
    int ret = bind_addr(t, s, addr, len, &ip, &port, false);
    if (ret < 0)
        return ret;
    netstack_lock();
    if (s->bound || s->state != INET_CLOSED || !s->pcb.tcp)
        ret = -EINVAL;
    else
        ret = tcp_bind_locked(s, &ip, port);
    netstack_unlock();
    return ret;
}

/* The exported form of bind_addr for UDP. */
int inet_bind_addr(struct task *t, struct inet_sock *s, const void *addr, int len, ip_addr_t *ip,
                   uint16_t *port)
{
    return bind_addr(t, s, addr, len, ip, port, true);
}

/* ---- listen and accept ------------------------------------------------------------------ */

static int tcp_listen_op(struct task *t, struct socket *sk, int backlog)
{
    struct inet_sock *s = inet_sk(sk);
    (void)t;
    if ((unsigned)backlog > INET_SOMAXCONN)
        backlog = INET_SOMAXCONN;
    int ret = 0;
    netstack_lock();
    if (s->state == INET_LISTEN) {
        s->backlog = backlog;
        goto out;
    }
    if (s->state != INET_CLOSED || s->ever_connected || !s->pcb.tcp) {
        ret = -EINVAL;
        goto out;
    }
    if (!s->bound) {
        ip_addr_t any;
        ip_addr_set_zero(&any);
        IP_SET_TYPE_VAL(any, s->v6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4);
        if ((ret = tcp_bind_locked(s, &any, 0)) < 0)
            goto out;
    }
    struct inet_sock *owner = s->reuseport ? reuseport_member_locked(s, true) : NULL;
    if (owner) { /* join the group: its listen pcb takes the connections for all */
        struct tcp_pcb *own = s->pcb.tcp;
        tcp_detach_locked(s);
        tcp_close(own);
        s->state = INET_LISTEN;
        s->backlog = backlog;
        goto out;
    }
    err_t e = ERR_OK;
    struct tcp_pcb *pcb = s->pcb.tcp;
    struct tcp_pcb *lpcb = tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &e);
    if (!lpcb) {
        ret = e == ERR_USE ? -EADDRINUSE : -ENOBUFS;
        goto out;
    }
    s->pcb.tcp = lpcb; /* lwIP freed the old pcb */
    tcp_arg(lpcb, s);
    tcp_accept(lpcb, tcp_accept_cb);
    s->state = INET_LISTEN;
    s->backlog = backlog;
    ip_addr_copy(s->laddr, lpcb->local_ip);
    s->lport = lpcb->local_port;
out:
    netstack_unlock();
    return ret;
}

static int tcp_accept_op(struct task *t, struct socket *sk, bool nonblock, struct socket **out)
{
    struct inet_sock *s = inet_sk(sk);
    struct waiter w = {0};
    uint64_t deadline = inet_deadline(s->rcvtimeo_ns);
    int ret;
    netstack_lock();
    for (;;) {
        if (s->state != INET_LISTEN) {
            ret = -EINVAL;
            break;
        }
        if (s->acc_len > 0) {
            struct inet_sock *c = list_first_entry(&s->accq, struct inet_sock, acc_link);
            list_del(&c->acc_link);
            list_init(&c->acc_link);
            c->listener = NULL;
            s->acc_len--;
            *out = &c->sock;
            ret = 0;
            break;
        }
        if (nonblock) {
            ret = -EAGAIN;
            break;
        }
        if (!w.q)
            waitq_add(&s->wq, &w, &t->ctx, 0);
        netstack_unlock();
        int r = task_wait(t, deadline);
        netstack_lock();
        ret = (int)inet_wait_result(r, 0, s->rcvtimeo_ns);
        if (ret)
            break;
    }
    netstack_unlock();
    waitq_remove(&w);
    return ret;
}

/* ---- connect ---------------------------------------------------------------------------- */

/* Result of a connect() on a socket whose earlier connect is pending: 1 to wait more. */
static int connect_pending_result_locked(struct inet_sock *s)
{
    if (s->state == INET_CONNECTING)
        return 1;
    s->connect_pending = false;
    if (s->state == INET_CONNECTED)
        return 0;
    int e = s->err ? s->err : ECONNABORTED;
    s->err = 0;
    s->shut = 0; /* Linux disconnects the socket: it is new again (POLLOUT|POLLHUP) */
    s->fin = false;
    return -e;
}

static int tcp_start_connect_locked(struct inet_sock *s, const ip_addr_t *ip, uint16_t port)
{
    if (!s->pcb.tcp) {
        int r = tcp_new_pcb_locked(s);
        if (r < 0)
            return r;
        s->shut = 0;
        s->fin = false;
        rcv_drop_locked(s);
    }
    if (s->v6 && IP_IS_V4_VAL(*ip) && !s->bound) {
        IP_SET_TYPE_VAL(s->pcb.tcp->local_ip, IPADDR_TYPE_V4);
        IP_SET_TYPE_VAL(s->pcb.tcp->remote_ip, IPADDR_TYPE_V4);
    }
    err_t e = tcp_connect(s->pcb.tcp, ip, port, tcp_connected_cb);
    switch (e) {
    case ERR_OK:
        break;
    case ERR_USE:
    case ERR_BUF:
        return -EADDRNOTAVAIL;
    case ERR_RTE:
        return -ENETUNREACH;
    case ERR_VAL:
        return -EAFNOSUPPORT;
    default:
        return -ENOBUFS;
    }
    s->bound = true;
    s->state = INET_CONNECTING;
    s->connect_pending = true;
    tcp_save_addrs_locked(s);
    return 0;
}

/* The destination of a connect: the wildcard means this host, as on Linux. */
int inet_connect_dest(struct inet_sock *s, const void *addr, int len, ip_addr_t *ip, uint16_t *port,
                      bool udp)
{
    int r = inet_addr_from_user(s, addr, len, ip, port, true);
    if (r != 0)
        return r;
    if (s->v6 && s->v6only && IP_IS_V4_VAL(*ip))
        return -ENETUNREACH;
    if (ip_addr_isany(ip)) {
        if (IP_IS_V4_VAL(*ip))
            ip_addr_set_ip4_u32_val(*ip, PP_HTONL(INADDR_LOOPBACK));
        else
            ip_2_ip6(ip)->addr[3] = PP_HTONL(1);
    }
    if (!inet_addr_is_reachable(ip, udp))
        return -ENETUNREACH;
    return 0;
}

static int tcp_connect_op(struct task *t, struct socket *sk, const void *addr, int len,
                          bool nonblock)
{
    struct inet_sock *s = inet_sk(sk);
    ip_addr_t ip;
    uint16_t port;
    int ret = inet_connect_dest(s, addr, len, &ip, &port, false);
    if (ret < 0)
        return ret;
    netstack_lock();
    if (ret == 1) { /* AF_UNSPEC: disconnect */
        if (s->state == INET_CONNECTED || s->state == INET_CONNECTING) {
            tcp_abort_locked(s);
            s->state = INET_CLOSED;
            s->connect_pending = false;
            s->ever_connected = false;
            s->bound = false;
            inet_notify_locked(s, 0);
        }
        ret = 0;
        goto out;
    }
    if (s->connect_pending) {
        ret = connect_pending_result_locked(s);
        if (ret != 1)
            goto out;
        if (nonblock) {
            ret = -EALREADY;
            goto out;
        }
    } else if (s->state == INET_LISTEN || s->ever_connected) {
        /* Linux: a socket that was connected stays so for connect(), even after a reset. */
        ret = -EISCONN;
        goto out;
    } else if (port == 0) {
        ret = -ECONNREFUSED; /* Linux sends the SYN and gets a reset */
        goto out;
    } else {
        if ((ret = tcp_start_connect_locked(s, &ip, port)) < 0)
            goto out;
        if (nonblock) {
            ret = -EINPROGRESS;
            goto out;
        }
    }
    struct waiter w = {0};
    uint64_t deadline = inet_deadline(s->sndtimeo_ns);
    for (;;) {
        ret = connect_pending_result_locked(s);
        if (ret != 1)
            break;
        if (!w.q)
            waitq_add(&s->wq, &w, &t->ctx, 0);
        netstack_unlock();
        int r = task_wait(t, deadline);
        netstack_lock();
        if (r == -ETIMEDOUT) {
            ret = -EINPROGRESS; /* Linux: the attempt goes on */
            break;
        }
        if (r == -EINTR) {
            ret = s->sndtimeo_ns ? -EINTR : -LINUX_ERESTARTSYS;
            break;
        }
    }
    netstack_unlock();
    waitq_remove(&w);
    return ret;
out:
    netstack_unlock();
    return ret;
}

/* ---- sending ---------------------------------------------------------------------------- */

/* Why a send cannot go on now: -errno to fail (-EPIPE: the caller raises SIGPIPE once the
 * netstack lock is released), 1 to wait for the connection, 0 to send. */
static int tcp_send_state_locked(struct inet_sock *s)
{
    if (s->err) {
        int e = s->err;
        s->err = 0;
        return -e;
    }
    if (s->shut & INET_SND_SHUT)
        return -EPIPE;
    if (s->state == INET_CONNECTING)
        return 1;
    if (s->state != INET_CONNECTED || !s->pcb.tcp)
        return -EPIPE;
    return 0;
}

/* Queue what fits of @u into lwIP. Returns the bytes taken (0: no room), or -errno. */
static long tcp_send_some_locked(struct inet_sock *s, struct uio *u, uint8_t *buf, int flags)
{
    struct tcp_pcb *pcb = s->pcb.tcp;
    size_t room = tcp_sndbuf(pcb);
    size_t mss = pcb->mss ? pcb->mss : 536;
    size_t queued = tcp_sndqueuelen(pcb);
    if (room == 0 || queued + 2 >= TCP_SND_QUEUELEN)
        return 0;
    /* Never more than the free segments can hold, so that tcp_write cannot refuse it for
     * the queue length once the bytes left the guest buffer. */
    size_t seg_room = (TCP_SND_QUEUELEN - queued - 2) * mss;
    size_t n = MIN(MIN(uio_remaining(u), room), MIN((size_t)TCP_SEND_CHUNK, seg_room));
    size_t got = uio_copy_from(u, buf, n);
    if (got == 0)
        return -EFAULT;
    u8_t wflags = TCP_WRITE_FLAG_COPY;
    if ((flags & MSG_MORE) || s->cork || uio_remaining(u) > 0)
        wflags |= TCP_WRITE_FLAG_MORE;
    if (tcp_write(pcb, buf, (u16_t)got, wflags) != ERR_OK)
        return -ENOBUFS; /* out of memory for the segments */
    if (!(flags & MSG_MORE) && !s->cork)
        tcp_output(pcb);
    return (long)got;
}

static ssize_t tcp_sendmsg_op(struct task *t, struct socket *sk, struct sock_msg *m, bool nonblock)
{
    struct inet_sock *s = inet_sk(sk);
    if (m->flags & MSG_OOB)
        return -EOPNOTSUPP; /* COMPAT: no urgent data */
    nonblock = nonblock || (m->flags & MSG_DONTWAIT);
    _cleanup_free_ uint8_t *buf = malloc(MIN(uio_remaining(m->data) + 1, TCP_SEND_CHUNK));
    if (!buf)
        return -ENOMEM;
    struct waiter w = {0};
    uint64_t deadline = inet_deadline(s->sndtimeo_ns);
    size_t sent = 0;
    long ret = 0;
    bool fresh = false; /* the lock was just released, so loopback traffic moved */
    netstack_lock();
    for (;;) {
        int st = tcp_send_state_locked(s);
        if (st < 0) {
            if (!sent)
                ret = st;
            else if (st != -EPIPE)
                s->err = -st; /* report it next time */
            break;
        }
        if (st == 0) {
            if (uio_remaining(m->data) == 0)
                break;
            long n = tcp_send_some_locked(s, m->data, buf, m->flags);
            if (n < 0) {
                if (!sent)
                    ret = n;
                break;
            }
            if (n > 0) {
                sent += (size_t)n;
                fresh = false;
                continue;
            }
            if (!fresh) {
                netstack_unlock();
                netstack_lock();
                fresh = true;
                continue;
            }
        }
        if (nonblock) {
            if (!sent)
                ret = -EAGAIN;
            break;
        }
        if (!w.q)
            waitq_add(&s->wq, &w, &t->ctx, 0);
        netstack_unlock();
        int r = task_wait(t, deadline);
        inet_uio_settle(m->data);
        netstack_lock();
        fresh = true;
        ret = inet_wait_result(r, sent, s->sndtimeo_ns);
        if (ret) {
            if (ret > 0)
                ret = 0;
            break;
        }
    }
    netstack_unlock();
    waitq_remove(&w);
    if (ret == -EPIPE)
        inet_sigpipe(t, m->flags); /* only when nothing was sent, as Linux */
    return ret < 0 ? ret : (ssize_t)sent;
}

/* ---- receiving -------------------------------------------------------------------------- */

/* Drop @n bytes from the head of the receive queue (pbuf_free_header takes 16 bits). */
static void rcv_consume_locked(struct inet_sock *s, size_t n)
{
    s->rcv_bytes -= n;
    g_rcv_total -= n;
    while (n > 0) {
        u16_t step = (u16_t)MIN(n, (size_t)0xffff);
        s->rcv = pbuf_free_header(s->rcv, step);
        n -= step;
    }
}

/* Open the window by what was read (tcp_recved also takes 16 bits). */
static void rcv_window_update_locked(struct inet_sock *s, size_t n)
{
    while (s->pcb.tcp && n > 0) {
        u16_t step = (u16_t)MIN(n, (size_t)0xffff);
        tcp_recved(s->pcb.tcp, step);
        n -= step;
    }
    /* The app took the data: an ACK lwIP still delays (an odd full segment) goes now, so
     * that a Nagle sender does not wait for the 250 ms timer. */
    struct tcp_pcb *pcb = s->pcb.tcp;
    if (pcb && (pcb->flags & TF_ACK_DELAY)) {
        tcp_ack_now(pcb);
        tcp_output(pcb);
    }
}

/* Copy (or with @discard skip) queued bytes into @u; consume them unless @peek. */
static size_t tcp_copy_rcv_locked(struct inet_sock *s, struct uio *u, bool peek, bool discard)
{
    size_t want = MIN(uio_remaining(u), s->rcv_bytes);
    size_t copied = 0;
    for (struct pbuf *q = s->rcv; q && copied < want; q = q->next) {
        size_t n = MIN((size_t)q->len, want - copied);
        size_t got = n;
        if (discard)
            uio_advance(u, n);
        else
            got = uio_copy_to(u, q->payload, n);
        copied += got;
        if (got < n)
            break; /* the guest buffer ended (a fault) */
    }
    if (peek || copied == 0)
        return copied;
    rcv_consume_locked(s, copied);
    rcv_window_update_locked(s, copied);
    return copied;
}

/* Why a read that found no data ends: -errno, 1 for end of file, 0 to wait. */
static int tcp_recv_state_locked(struct inet_sock *s)
{
    if (s->fin)
        return 1;
    if (s->err) {
        int e = s->err;
        s->err = 0;
        return -e;
    }
    if (s->shut & INET_RCV_SHUT)
        return 1;
    if (s->state == INET_CLOSED)
        return -ENOTCONN;
    return 0;
}

static ssize_t tcp_recvmsg_op(struct task *t, struct socket *sk, struct sock_rmsg *m, bool nonblock)
{
    struct inet_sock *s = inet_sk(sk);
    int flags = m->flags;
    if (flags & MSG_OOB)
        return -EINVAL; /* no urgent data is ever pending */
    if (flags & MSG_ERRQUEUE)
        return -EAGAIN; /* the error queue is always empty */
    bool peek = flags & MSG_PEEK;
    nonblock = nonblock || (flags & MSG_DONTWAIT);
    size_t want = uio_remaining(m->data);
    struct waiter w = {0};
    uint64_t deadline = inet_deadline(s->rcvtimeo_ns);
    size_t copied = 0;
    long ret = 0;
    netstack_lock();
    size_t target = (flags & MSG_WAITALL) && !peek ? want : MIN(want, (size_t)s->rcvlowat);
    if (target == 0)
        target = 1;
    for (;;) {
        if (s->state == INET_LISTEN) {
            ret = -ENOTCONN;
            break;
        }
        if (s->rcv_bytes > 0 && uio_remaining(m->data) > 0) {
            size_t before = m->data->done;
            copied += tcp_copy_rcv_locked(s, m->data, peek, flags & MSG_TRUNC);
            if (m->data->done == before && m->data->fault)
                break;
            if (copied >= target || peek || uio_remaining(m->data) == 0)
                break;
        }
        if (want == 0)
            break;
        int st = tcp_recv_state_locked(s);
        if (st != 0) {
            if (st < 0 && !copied)
                ret = st;
            else if (st < 0)
                s->err = -st; /* after the data, as Linux */
            break;
        }
        if (nonblock) {
            if (!copied)
                ret = -EAGAIN;
            break;
        }
        if (!w.q)
            waitq_add(&s->wq, &w, &t->ctx, 0);
        netstack_unlock();
        int r = task_wait(t, deadline);
        inet_uio_settle(m->data);
        netstack_lock();
        ret = inet_wait_result(r, copied, s->rcvtimeo_ns);
        if (ret) {
            if (ret > 0)
                ret = 0;
            break;
        }
    }
    netstack_unlock();
    waitq_remove(&w);
    if (ret < 0)
        return ret;
    m->namelen = 0;    /* TCP reports no source address */
    m->controllen = 0; /* nor control messages */
    return (ssize_t)copied;
}

/* ---- shutdown, close -------------------------------------------------------------------- */

/* Stop listening: reset the queued connections and free the listen pcb. */
static void tcp_unlisten_locked(struct inet_sock *s)
{
    struct inet_sock *heir = s->pcb.tcp ? reuseport_member_locked(s, false) : NULL;
    if (heir) { /* the group goes on: another member takes the listen pcb */
        heir->pcb.tcp = s->pcb.tcp;
        tcp_arg(heir->pcb.tcp, heir);
        s->pcb.tcp = NULL;
    }
    struct inet_sock *c, *n;
    list_for_each_entry_safe(c, n, &s->accq, acc_link)
    {
        list_del(&c->acc_link);
        c->listener = NULL;
        tcp_abort_locked(c);
        rcv_drop_locked(c);
        inet_sock_free_locked(c);
    }
    s->acc_len = 0;
    tcp_abort_locked(s);
    s->state = INET_CLOSED;
}

static int tcp_shutdown_op(struct task *t, struct socket *sk, int how)
{
    struct inet_sock *s = inet_sk(sk);
    (void)t;
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    unsigned bits = (unsigned)how + 1; /* SHUT_RD 1, SHUT_WR 2, SHUT_RDWR 3, as Linux */
    int ret = 0;
    netstack_lock();
    switch (s->state) {
    case INET_LISTEN:
        if (bits & INET_RCV_SHUT)
            tcp_unlisten_locked(s);
        break;
    case INET_CONNECTING:
        tcp_abort_locked(s);
        s->state = INET_CLOSED;
        s->connect_pending = false;
        break;
    case INET_CONNECTED:
        s->shut |= bits;
        if ((bits & INET_SND_SHUT) && s->pcb.tcp && tcp_shutdown(s->pcb.tcp, 0, 1) != ERR_OK)
            tcp_abort_locked(s);
        break;
    case INET_CLOSED:
        s->shut |= bits;
        ret = -ENOTCONN;
        break;
    }
    inet_notify_locked(s, 0);
    netstack_unlock();
    return ret;
}

static void tcp_release_op(struct socket *sk)
{
    struct inet_sock *s = inet_sk(sk);
    netstack_lock();
    if (s->state == INET_LISTEN) {
        tcp_unlisten_locked(s);
    } else if (s->pcb.tcp) {
        struct tcp_pcb *pcb = s->pcb.tcp;
        /* Unread data or SO_LINGER with a zero timeout: reset, as Linux. */
        bool rst = s->rcv_bytes > 0 || (s->linger_on && s->linger_sec == 0);
        tcp_detach_locked(s);
        if (rst || pcb->state == SYN_SENT)
            tcp_abort(pcb);
        else if (tcp_close(pcb) != ERR_OK)
            tcp_abort(pcb);
    }
    rcv_drop_locked(s);
    inet_sock_free_locked(s);
    netstack_unlock();
}

/* ---- names, readiness, ioctl ------------------------------------------------------------ */

static int tcp_getname_op(struct task *t, struct socket *sk, bool peer, void *addr, int *len)
{
    struct inet_sock *s = inet_sk(sk);
    (void)t;
    int ret = 0;
    netstack_lock();
    if (s->pcb.tcp)
        tcp_save_addrs_locked(s);
    if (peer) {
        if (s->state != INET_CONNECTED)
            ret = -ENOTCONN;
        else
            inet_addr_to_user(s, &s->raddr, s->rport, addr, len);
    } else {
        inet_addr_to_user(s, s->bound ? &s->laddr : NULL, s->bound ? s->lport : 0, addr, len);
    }
    netstack_unlock();
    return ret;
}

static bool tcp_writable_locked(const struct inet_sock *s)
{
    const struct tcp_pcb *pcb = s->pcb.tcp;
    if (!pcb || s->state != INET_CONNECTED)
        return true;
    return tcp_sndbuf(pcb) > TCP_SNDLOWAT && tcp_sndqueuelen(pcb) < TCP_SNDQUEUELOWAT;
}

static uint32_t tcp_poll_op(struct socket *sk)
{
    struct inet_sock *s = inet_sk(sk);
    uint32_t mask = 0;
    netstack_lock();
    if (s->state == INET_LISTEN) {
        mask = s->acc_len ? POLLIN | POLLRDNORM : 0;
        goto out;
    }
    if (s->shut == (INET_RCV_SHUT | INET_SND_SHUT) || s->state == INET_CLOSED)
        mask |= POLLHUP;
    if (s->shut & INET_RCV_SHUT)
        mask |= POLLIN | POLLRDNORM | POLLRDHUP;
    if (s->state != INET_CONNECTING) {
        if (s->rcv_bytes >= (size_t)s->rcvlowat || (s->rcv_bytes && s->fin))
            mask |= POLLIN | POLLRDNORM;
        if (!(s->shut & INET_SND_SHUT)) {
            if (tcp_writable_locked(s))
                mask |= POLLOUT | POLLWRNORM;
        } else {
            mask |= POLLOUT | POLLWRNORM;
        }
    }
    if (s->err)
        mask |= POLLERR;
out:
    netstack_unlock();
    return mask;
}

static struct waitq *tcp_waitq_op(struct socket *sk)
{
    return &inet_sk(sk)->wq;
}

static long tcp_ioctl_op(struct task *t, struct socket *sk, unsigned int cmd, gaddr_t arg)
{
    struct inet_sock *s = inet_sk(sk);
    int v = 0;
    long ret = 0;
    netstack_lock();
    switch (cmd) {
    case LINUX_SIOCINQ:
        if (s->state == INET_LISTEN)
            ret = -EINVAL;
        v = (int)s->rcv_bytes;
        break;
    case LINUX_SIOCOUTQ:
        if (s->state == INET_LISTEN)
            ret = -EINVAL;
        else if (s->pcb.tcp)
            v = (int)(TCP_SND_BUF - tcp_sndbuf(s->pcb.tcp));
        break;
    case LINUX_SIOCOUTQNSD: {
        if (s->state == INET_LISTEN) {
            ret = -EINVAL;
            break;
        }
        for (struct tcp_seg *seg = s->pcb.tcp ? s->pcb.tcp->unsent : NULL; seg; seg = seg->next)
            v += seg->len;
        break;
    }
    case LINUX_SIOCATMARK:
        v = 0;
        break;
    default:
        ret = -ENOTTY;
        break;
    }
    netstack_unlock();
    if (ret < 0)
        return ret;
    return copy_out(t, arg, &v, sizeof(v));
}

static int tcp_setsockopt_op(struct task *t, struct socket *sk, int level, int name,
                             const void *val, int len)
{
    struct inet_sock *s = inet_sk(sk);
    netstack_lock();
    int ret = level == IPPROTO_TCP ? inet_tcp_opt_set_locked(s, name, val, len)
                                   : inet_setsockopt_common(t, s, level, name, val, len);
    if (ret == 0 && level != IPPROTO_TCP)
        inet_tcp_apply_opts_locked(s);
    netstack_unlock();
    return ret;
}

static int tcp_getsockopt_op(struct task *t, struct socket *sk, int level, int name, void *val,
                             int *len)
{
    struct inet_sock *s = inet_sk(sk);
    (void)t;
    netstack_lock();
    int ret = level == IPPROTO_TCP ? inet_tcp_opt_get_locked(s, name, val, len)
                                   : inet_getsockopt_common(s, level, name, val, len);
    netstack_unlock();
    return ret;
}

const struct socket_ops inet_tcp_ops = {
    .bind = tcp_bind_op,
    .connect = tcp_connect_op,
    .listen = tcp_listen_op,
    .accept = tcp_accept_op,
    .sendmsg = tcp_sendmsg_op,
    .recvmsg = tcp_recvmsg_op,
    .shutdown = tcp_shutdown_op,
    .getname = tcp_getname_op,
    .setsockopt = tcp_setsockopt_op,
    .getsockopt = tcp_getsockopt_op,
    .poll = tcp_poll_op,
    .waitq = tcp_waitq_op,
    .ioctl = tcp_ioctl_op,
    .release = tcp_release_op,
};
