// SPDX-License-Identifier: Apache-2.0
/*
 * UDP sockets (net/inet.h) on lwIP's raw API: datagrams are queued per socket as lwIP hands
 * them over (bounded by SO_RCVBUF, then dropped as Linux drops them), sent at once.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <lwip/udp.h>

#include "abi/linux/errno.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/memmap/uio.h"
#include "sentry/mm/mm.h"
#include "sentry/net/inet/inet_internal.h"

#define LINUX_SIOCINQ 0x541Bu
#define LINUX_SIOCOUTQ 0x5411u
#define UDP_MAX_PAYLOAD4 65507 /* 65535 - IPv4 and UDP headers */
/* COMPAT: Linux allows 65527 (the IPv6 payload length counts no IPv6 header); lwIP keeps a
 * packet in a pbuf whose 16-bit length includes the 40-byte header. */
#define UDP_MAX_PAYLOAD6 65487
#define DGRAM_OVERHEAD 256 /* per-datagram cost counted against SO_RCVBUF, as skb truesize */

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                        u16_t port)
{
    struct inet_sock *s = arg;
    (void)pcb;
    if (!s || (s->shut & INET_RCV_SHUT) ||
        s->dgram_bytes + p->tot_len + DGRAM_OVERHEAD > (size_t)s->rcvbuf) {
        pbuf_free(p);
        return;
    }
    struct inet_dgram *d = malloc(sizeof(*d));
    if (!d) {
        pbuf_free(p);
        return;
    }
    d->p = p;
    ip_addr_copy(d->addr, *addr);
    d->port = port;
    ip_addr_copy(d->dst, *ip_current_dest_addr());
    d->hoplimit = ip_current_is_v6() ? IP6H_HOPLIM(ip6_current_header()) : 0;
    d->rx_ns = s->timestamp ? kernel_realtime_ns() : 0;
    list_add_tail(&d->link, &s->dgrams);
    s->dgram_bytes += p->tot_len + DGRAM_OVERHEAD;
    inet_notify_locked(s, POLLIN | POLLRDNORM);
}

/* The connected UDP socket whose datagram from @lport to @rport an ICMP error quotes. */
static struct inet_sock *find_connected_locked(uint16_t lport, uint16_t rport)
{
    struct inet_sock *s;
    list_for_each_entry(s, inet_all_socks_locked(), all_link)
    {
        if (s->sock.type == SOCK_DGRAM && s->state == INET_CONNECTED && s->lport == lport &&
            s->rport == rport)
            return s;
    }
    return NULL;
}

void inet_udp_icmp_error(const uint8_t *quoted, uint32_t size, bool v6)
{
    uint32_t hl;
    if (!v6) {
        if (size < 20 || (quoted[0] >> 4) != 4 || quoted[9] != IP_PROTO_UDP)
            return;
        hl = (uint32_t)(quoted[0] & 0xf) * 4;
    } else {
        if (size < 40 || (quoted[0] >> 4) != 6 || quoted[6] != IP_PROTO_UDP)
            return;
        hl = 40;
    }
    if (size < hl + 4)
        return;
    uint16_t sport = (uint16_t)(quoted[hl] << 8 | quoted[hl + 1]);
    uint16_t dport = (uint16_t)(quoted[hl + 2] << 8 | quoted[hl + 3]);
    struct inet_sock *s = find_connected_locked(sport, dport);
    if (!s)
        return; /* COMPAT: unconnected sockets would need IP_RECVERR's error queue */
    s->err = ECONNREFUSED;
    inet_notify_locked(s, POLLERR);
}

int inet_udp_init_locked(struct inet_sock *s)
{
    u8_t type = !s->v6 ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY;
    struct udp_pcb *pcb = udp_new_ip_type(type);
    if (!pcb)
        return -ENOBUFS;
    s->pcb.udp = pcb;
    udp_recv(pcb, udp_recv_cb, s);
    inet_apply_ip_opts_locked(s);
    return 0;
}

static void udp_save_addrs_locked(struct inet_sock *s)
{
    struct udp_pcb *pcb = s->pcb.udp;
    ip_addr_copy(s->laddr, pcb->local_ip);
    s->lport = pcb->local_port;
    s->bound = pcb->local_port != 0;
}

static int udp_bind_op(struct task *t, struct socket *sk, const void *addr, int len)
{
    struct inet_sock *s = inet_sk(sk);
    ip_addr_t ip;
    uint16_t port;
    int ret = inet_bind_addr(t, s, addr, len, &ip, &port);
    if (ret < 0)
        return ret;
    netstack_lock();
    if (s->bound) {
        ret = -EINVAL;
        goto out;
    }
    if (s->v6 && !s->v6only && IP_IS_V6_VAL(ip) && ip_addr_isany(&ip))
        ip_addr_copy(ip, *IP_ANY_TYPE);
    if (s->v6 && s->v6only)
        IP_SET_TYPE_VAL(s->pcb.udp->local_ip, IPADDR_TYPE_V6);
    err_t e = udp_bind(s->pcb.udp, &ip, port);
    if (e == ERR_USE)
        ret = -EADDRINUSE;
    else if (e != ERR_OK)
        ret = -EINVAL;
    else
        udp_save_addrs_locked(s);
out:
    netstack_unlock();
    return ret;
}

static int udp_connect_op(struct task *t, struct socket *sk, const void *addr, int len,
                          bool nonblock)
{
    struct inet_sock *s = inet_sk(sk);
    (void)t;
    (void)nonblock;
    ip_addr_t ip;
    uint16_t port;
    int ret = inet_connect_dest(s, addr, len, &ip, &port, true);
    if (ret < 0)
        return ret;
    netstack_lock();
    if (ret == 1) { /* AF_UNSPEC: dissolve the association */
        udp_disconnect(s->pcb.udp);
        s->state = INET_CLOSED;
        ret = 0;
        goto out;
    }
    err_t e = udp_connect(s->pcb.udp, &ip, port);
    if (e == ERR_USE) {
        ret = -EADDRINUSE;
        goto out;
    }
    if (e != ERR_OK) {
        ret = -EINVAL;
        goto out;
    }
    s->state = INET_CONNECTED;
    ip_addr_copy(s->raddr, ip);
    s->rport = port;
    udp_save_addrs_locked(s);
out:
    netstack_unlock();
    return ret;
}

static int udp_listen_op(struct task *t, struct socket *sk, int backlog)
{
    return -EOPNOTSUPP;
}

static int udp_accept_op(struct task *t, struct socket *sk, bool nonblock, struct socket **out)
{
    return -EOPNOTSUPP;
}

/* The datagram to send, in one pbuf. Returns 0 or -errno. */
static int udp_build(struct uio *u, size_t size, struct pbuf **out)
{
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)size, PBUF_RAM);
    if (!p)
        return -ENOBUFS;
    if (size && uio_copy_from(u, p->payload, size) != size) {
        pbuf_free(p);
        return -EFAULT;
    }
    *out = p;
    return 0;
}

static int udp_err(err_t e)
{
    switch (e) {
    case ERR_OK:
        return 0;
    case ERR_MEM:
    case ERR_BUF:
        return -ENOBUFS;
    case ERR_RTE:
        return -ENETUNREACH;
    case ERR_USE:
        return -EADDRINUSE;
    default:
        return -EINVAL;
    }
}

static ssize_t udp_sendmsg_op(struct task *t, struct socket *sk, struct sock_msg *m, bool nonblock)
{
    struct inet_sock *s = inet_sk(sk);
    (void)nonblock;
    if (m->flags & MSG_OOB)
        return -EOPNOTSUPP;
    size_t size = uio_remaining(m->data);
    if (size > (s->v6 ? UDP_MAX_PAYLOAD6 : UDP_MAX_PAYLOAD4))
        return -EMSGSIZE;
    ip_addr_t ip;
    uint16_t port = 0;
    bool to = m->name && m->namelen;
    if (to) {
        int r = inet_connect_dest(s, m->name, m->namelen, &ip, &port, true);
        if (r == 1)
            to = false; /* AF_UNSPEC: the default destination, as Linux */
        else if (r < 0)
            return r;
        else if (port == 0)
            return -EINVAL;
    }
    struct pbuf *p;
    int ret = udp_build(m->data, size, &p);
    if (ret < 0)
        return ret;
    netstack_lock();
    if (s->shut & INET_SND_SHUT) {
        ret = -EPIPE;
    } else if (!to && s->state != INET_CONNECTED) {
        ret = -EDESTADDRREQ;
    } else {
        ret = udp_err(to ? udp_sendto(s->pcb.udp, p, &ip, port) : udp_send(s->pcb.udp, p));
        udp_save_addrs_locked(s);
    }
    netstack_unlock();
    pbuf_free(p);
    if (ret == -EPIPE)
        inet_sigpipe(t, m->flags);
    return ret < 0 ? ret : (ssize_t)size;
}

/* struct cmsghdr of x86-64, and CMSG_ALIGN. */
struct linux_cmsghdr {
    uint64_t len;
    int32_t level;
    int32_t type;
};
#define CMSG_ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* Append one control message to @m (MSG_CTRUNC if it does not fit, as Linux's put_cmsg). */
static void put_cmsg(struct sock_rmsg *m, size_t *used, int level, int type, const void *data,
                     size_t size)
{
    size_t need = sizeof(struct linux_cmsghdr) + size;
    if (!m->control || *used + need > m->controllen) {
        m->out_flags |= MSG_CTRUNC;
        return;
    }
    struct linux_cmsghdr h = {need, level, type};
    memcpy((uint8_t *)m->control + *used, &h, sizeof(h));
    memcpy((uint8_t *)m->control + *used + sizeof(h), data, size);
    *used += MIN(CMSG_ALIGN8(need), m->controllen - *used);
}

/* SCM_TIMESTAMP (its arrival), IP_PKTINFO / IPV6_PKTINFO of datagram @d, when asked for: the
 * loopback's index and the address the datagram was sent to; IPV6_HOPLIMIT: the hop limit it came
 * with. */
static void inet_dgram_cmsgs(struct inet_sock *s, struct inet_dgram *d, struct sock_rmsg *m)
{
    size_t used = 0;
    if (s->timestamp) {
        int64_t tv[2] = {(int64_t)(d->rx_ns / 1000000000ull),
                         (int64_t)(d->rx_ns % 1000000000ull / 1000)};
        put_cmsg(m, &used, SOL_SOCKET, SO_TIMESTAMP_OLD, tv, sizeof(tv));
    }
    if (s->pktinfo4 && IP_IS_V4_VAL(d->dst)) {
        struct in_pktinfo pi = {.ipi_ifindex = 1};
        pi.ipi_spec_dst.s_addr = ip4_addr_get_u32(ip_2_ip4(&d->dst));
        pi.ipi_addr.s_addr = pi.ipi_spec_dst.s_addr;
        put_cmsg(m, &used, SOL_IP, IP_PKTINFO, &pi, sizeof(pi));
    }
    if (s->pktinfo6 && s->v6) {
        struct in6_pktinfo pi6 = {.ipi6_ifindex = 1};
        if (IP_IS_V6_VAL(d->dst)) {
            memcpy(&pi6.ipi6_addr, ip_2_ip6(&d->dst)->addr, 16);
        } else { /* v4-mapped */
            pi6.ipi6_addr.s6_addr[10] = pi6.ipi6_addr.s6_addr[11] = 0xff;
            uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(&d->dst));
            memcpy(&pi6.ipi6_addr.s6_addr[12], &v4, 4);
        }
        put_cmsg(m, &used, SOL_IPV6, IPV6_PKTINFO, &pi6, sizeof(pi6));
    }
    if (s->recvhoplimit && s->v6) {
        int hl = d->hoplimit ? d->hoplimit : 64;
        put_cmsg(m, &used, SOL_IPV6, IPV6_HOPLIMIT, &hl, sizeof(hl));
    }
    m->controllen = used;
}

/* Copy datagram @d into @m. Returns the size to report. */
static size_t udp_copy_out(struct inet_sock *s, struct inet_dgram *d, struct sock_rmsg *m)
{
    size_t want = uio_remaining(m->data), copied = 0;
    for (struct pbuf *q = d->p; q && copied < want; q = q->next) {
        size_t n = MIN((size_t)q->len, want - copied);
        size_t got = uio_copy_to(m->data, q->payload, n);
        copied += got;
        if (got < n)
            break;
    }
    if (d->p->tot_len > copied)
        m->out_flags |= MSG_TRUNC;
    inet_addr_to_user(s, &d->addr, d->port, m->name, &m->namelen);
    inet_dgram_cmsgs(s, d, m);
    return (m->flags & MSG_TRUNC) ? d->p->tot_len : copied;
}

ssize_t inet_dgram_recvmsg(struct task *t, struct socket *sk, struct sock_rmsg *m, bool nonblock)
{
    struct inet_sock *s = inet_sk(sk);
    if (m->flags & MSG_ERRQUEUE)
        return -EAGAIN; /* the error queue is always empty */
    nonblock = nonblock || (m->flags & MSG_DONTWAIT);
    struct waiter w = {0};
    uint64_t deadline = inet_deadline(s->rcvtimeo_ns);
    long ret;
    netstack_lock();
    for (;;) {
        if (!list_empty(&s->dgrams)) {
            struct inet_dgram *d = list_first_entry(&s->dgrams, struct inet_dgram, link);
            ret = (long)udp_copy_out(s, d, m);
            if (!(m->flags & MSG_PEEK)) {
                list_del(&d->link);
                s->dgram_bytes -= d->p->tot_len + DGRAM_OVERHEAD;
                pbuf_free(d->p);
                free(d);
            }
            break;
        }
        if (s->err) {
            ret = -s->err;
            s->err = 0;
            break;
        }
        if (s->shut & INET_RCV_SHUT) {
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
        inet_uio_settle(m->data);
        netstack_lock();
        ret = inet_wait_result(r, 0, s->rcvtimeo_ns);
        if (ret)
            break;
    }
    netstack_unlock();
    waitq_remove(&w);
    return ret;
}

int inet_dgram_shutdown(struct task *t, struct socket *sk, int how)
{
    struct inet_sock *s = inet_sk(sk);
    (void)t;
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    netstack_lock();
    s->shut |= (unsigned)how + 1;
    int ret = s->state == INET_CONNECTED ? 0 : -ENOTCONN;
    inet_notify_locked(s, 0);
    netstack_unlock();
    return ret;
}

static int udp_getname_op(struct task *t, struct socket *sk, bool peer, void *addr, int *len)
{
    struct inet_sock *s = inet_sk(sk);
    (void)t;
    int ret = 0;
    netstack_lock();
    if (peer) {
        if (s->state != INET_CONNECTED || s->rport == 0) /* Linux: port 0 is no peer */
            ret = -ENOTCONN;
        else
            inet_addr_to_user(s, &s->raddr, s->rport, addr, len);
    } else {
        udp_save_addrs_locked(s);
        inet_addr_to_user(s, s->bound ? &s->laddr : NULL, s->lport, addr, len);
    }
    netstack_unlock();
    return ret;
}

uint32_t inet_dgram_poll(struct socket *sk)
{
    struct inet_sock *s = inet_sk(sk);
    uint32_t mask = POLLOUT | POLLWRNORM | POLLWRBAND;
    netstack_lock();
    if (!list_empty(&s->dgrams))
        mask |= POLLIN | POLLRDNORM;
    if (s->shut & INET_RCV_SHUT)
        mask |= POLLIN | POLLRDNORM | POLLRDHUP;
    if (s->shut == (INET_RCV_SHUT | INET_SND_SHUT))
        mask |= POLLHUP;
    if (s->err)
        mask |= POLLERR;
    netstack_unlock();
    return mask;
}

struct waitq *inet_dgram_waitq(struct socket *sk)
{
    return &inet_sk(sk)->wq;
}

long inet_dgram_ioctl(struct task *t, struct socket *sk, unsigned int cmd, gaddr_t arg)
{
    struct inet_sock *s = inet_sk(sk);
    int v = 0;
    netstack_lock();
    if (cmd == LINUX_SIOCINQ && !list_empty(&s->dgrams))
        v = list_first_entry(&s->dgrams, struct inet_dgram, link)->p->tot_len;
    netstack_unlock();
    if (cmd != LINUX_SIOCINQ && cmd != LINUX_SIOCOUTQ)
        return -ENOTTY;
    return copy_out(t, arg, &v, sizeof(v));
}

static int udp_setsockopt_op(struct task *t, struct socket *sk, int level, int name,
                             const void *val, int len)
{
    struct inet_sock *s = inet_sk(sk);
    netstack_lock();
    if (level == SOL_UDP) {
        inet_log_unsupported("UDP", SOL_UDP, name);
        netstack_unlock();
        return -ENOPROTOOPT;
    }
    int ret = inet_setsockopt_common(t, s, level, name, val, len);
    netstack_unlock();
    return ret;
}

static int udp_getsockopt_op(struct task *t, struct socket *sk, int level, int name, void *val,
                             int *len)
{
    struct inet_sock *s = inet_sk(sk);
    (void)t;
    if (level == SOL_UDP)
        return -ENOPROTOOPT; /* COMPAT: no UDP_CORK, UDP_SEGMENT, UDP_GRO */
    netstack_lock();
    int ret = inet_getsockopt_common(s, level, name, val, len);
    netstack_unlock();
    return ret;
}

static void udp_release_op(struct socket *sk)
{
    struct inet_sock *s = inet_sk(sk);
    netstack_lock();
    if (s->pcb.udp) {
        udp_recv(s->pcb.udp, NULL, NULL);
        udp_remove(s->pcb.udp);
        s->pcb.udp = NULL;
    }
    inet_sock_free_locked(s);
    netstack_unlock();
}

const struct socket_ops inet_udp_ops = {
    .bind = udp_bind_op,
    .connect = udp_connect_op,
    .listen = udp_listen_op,
    .accept = udp_accept_op,
    .sendmsg = udp_sendmsg_op,
    .recvmsg = inet_dgram_recvmsg,
    .shutdown = inet_dgram_shutdown,
    .getname = udp_getname_op,
    .setsockopt = udp_setsockopt_op,
    .getsockopt = udp_getsockopt_op,
    .poll = inet_dgram_poll,
    .waitq = inet_dgram_waitq,
    .ioctl = inet_dgram_ioctl,
    .release = udp_release_op,
};
