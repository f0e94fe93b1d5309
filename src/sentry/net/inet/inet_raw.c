// SPDX-License-Identifier: Apache-2.0
/*
 * Raw ICMP sockets (net/inet.h): SOCK_RAW with IPPROTO_ICMP on AF_INET and IPPROTO_ICMPV6 on
 * AF_INET6, for ping. They need CAP_NET_RAW, as on Linux. Every ICMP packet the stack
 * receives is offered to them (lwIP still answers echo requests itself): an AF_INET socket
 * reads it with its IPv4 header, an AF_INET6 one without (Linux's rules), filtered by
 * ICMP_FILTER / ICMP6_FILTER. Sending takes an ICMP message; IPv6 computes its checksum.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <lwip/ip.h>
#include <lwip/ip6.h>
#include <lwip/raw.h>

#include "common/cleanup.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/memmap/uio.h"
#include "sentry/net/inet/inet_internal.h"

#define LINUX_SOL_RAW 255
#define LINUX_ICMP_FILTER 1
#define LINUX_ICMPV6_FILTER 1
#define RAW_MAX_PAYLOAD 65507 /* COMPAT: what lwIP sends in one IPv4 packet without options */
#define DGRAM_OVERHEAD 256

static u8_t raw_recv_cb(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    struct inet_sock *s = arg;
    (void)pcb;
    if (!s || (s->shut & INET_RCV_SHUT) || (bool)ip_current_is_v6() != s->v6)
        return 0;
    uint16_t skip = s->v6 ? ip_current_header_tot_len() : 0; /* v6: no IP header */
    if (p->tot_len <= skip)
        return 0;
    uint8_t type; /* after the IP header, which a v4 socket still receives */
    if (pbuf_copy_partial(p, &type, 1, ip_current_header_tot_len()) != 1)
        return 0;
    if (s->icmp_filter[type >> 5] & (1u << (type & 31)))
        return 0;
    uint16_t size = (uint16_t)(p->tot_len - skip);
    if (s->dgram_bytes + size + DGRAM_OVERHEAD > (size_t)s->rcvbuf)
        return 0;
    struct inet_dgram *d = malloc(sizeof(*d));
    struct pbuf *q = pbuf_alloc(PBUF_RAW, size, PBUF_RAM);
    if (!d || !q || pbuf_copy_partial(p, q->payload, size, skip) != size) {
        free(d);
        if (q)
            pbuf_free(q);
        return 0;
    }
    d->p = q;
    ip_addr_copy(d->addr, *addr);
    d->port = 0;
    ip_addr_copy(d->dst, *ip_current_dest_addr());
    d->hoplimit = s->v6 ? IP6H_HOPLIM(ip6_current_header()) : 0;
    d->rx_ns = s->timestamp ? kernel_realtime_ns() : 0;
    list_add_tail(&d->link, &s->dgrams);
    s->dgram_bytes += size + DGRAM_OVERHEAD;
    inet_notify_locked(s, POLLIN | POLLRDNORM);
    return 0; /* not eaten: lwIP's own ICMP handling (echo replies) goes on */
}

int inet_raw_init_locked(struct inet_sock *s)
{
    struct raw_pcb *pcb =
        raw_new_ip_type(s->v6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4, (u8_t)s->sock.protocol);
    if (!pcb)
        return -ENOBUFS;
    if (s->v6) { /* the kernel fills in the ICMPv6 checksum (RFC 3542) */
        pcb->chksum_reqd = 1;
        pcb->chksum_offset = 2;
    }
    s->pcb.raw = pcb;
    raw_recv(pcb, raw_recv_cb, s);
    inet_apply_ip_opts_locked(s);
    return 0;
}

static int raw_bind_op(struct task *t, struct socket *sk, const void *addr, int len)
{
    struct inet_sock *s = inet_sk(sk);
    ip_addr_t ip;
    uint16_t port;
    int ret = inet_bind_addr(t, s, addr, len, &ip, &port);
    if (ret < 0)
        return ret;
    if (s->v6 && IP_IS_V4_VAL(ip))
        return -EADDRNOTAVAIL; /* raw IPv6 sockets are IPv6 only, as Linux's */
    netstack_lock();
    ret = raw_bind(s->pcb.raw, &ip) == ERR_OK ? 0 : -EINVAL;
    if (ret == 0) {
        ip_addr_copy(s->laddr, ip);
        s->bound = true;
    }
    netstack_unlock();
    return ret;
}

static int raw_connect_op(struct task *t, struct socket *sk, const void *addr, int len,
                          bool nonblock)
{
    struct inet_sock *s = inet_sk(sk);
    ip_addr_t ip;
    uint16_t port;
    int ret = inet_connect_dest(s, addr, len, &ip, &port, false);
    if (ret < 0)
        return ret;
    if (ret == 0 && s->v6 && IP_IS_V4_VAL(ip))
        return -ENETUNREACH;
    netstack_lock();
    if (ret == 1) {
        raw_disconnect(s->pcb.raw);
        s->state = INET_CLOSED;
        ret = 0;
    } else if (raw_connect(s->pcb.raw, &ip) == ERR_OK) {
        ip_addr_copy(s->raddr, ip);
        s->state = INET_CONNECTED;
    } else {
        ret = -EINVAL;
    }
    netstack_unlock();
    return ret;
}

static int raw_listen_op(struct task *t, struct socket *sk, int backlog)
{
    return -EOPNOTSUPP;
}

static int raw_accept_op(struct task *t, struct socket *sk, bool nonblock, struct socket **out)
{
    return -EOPNOTSUPP;
}

static ssize_t raw_sendmsg_op(struct task *t, struct socket *sk, struct sock_msg *m, bool nonblock)
{
    struct inet_sock *s = inet_sk(sk);
    size_t size = uio_remaining(m->data);
    if (size > RAW_MAX_PAYLOAD)
        return -EMSGSIZE;
    /* No room for the ICMPv6 checksum the stack fills in: Linux fails reading the type and
     * code (EFAULT), then the checksum offset (EINVAL). */
    if (s->v6 && size < 4)
        return size < 2 ? -EFAULT : -EINVAL;
    ip_addr_t ip;
    uint16_t port;
    bool to = m->name && m->namelen;
    if (to) {
        int r = inet_connect_dest(s, m->name, m->namelen, &ip, &port, false);
        if (r < 0)
            return r;
        if (r == 0 && s->v6 && IP_IS_V4_VAL(ip))
            return -ENETUNREACH;
        to = r == 0;
    }
    struct pbuf *p = pbuf_alloc(PBUF_IP, (u16_t)size, PBUF_RAM);
    if (!p)
        return -ENOBUFS;
    if (size && uio_copy_from(m->data, p->payload, size) != size) {
        pbuf_free(p);
        return -EFAULT;
    }
    netstack_lock();
    int ret = 0;
    if (!to && s->state != INET_CONNECTED)
        ret = -EDESTADDRREQ;
    else if ((to ? raw_sendto(s->pcb.raw, p, &ip) : raw_send(s->pcb.raw, p)) != ERR_OK)
        ret = -ENOBUFS;
    netstack_unlock();
    pbuf_free(p);
    return ret < 0 ? ret : (ssize_t)size;
}

static int raw_getname_op(struct task *t, struct socket *sk, bool peer, void *addr, int *len)
{
    struct inet_sock *s = inet_sk(sk);
    int ret = 0;
    netstack_lock();
    if (peer && s->state != INET_CONNECTED)
        ret = -ENOTCONN;
    else if (peer)
        inet_addr_to_user(s, &s->raddr, 0, addr, len);
    else
        inet_addr_to_user(s, s->bound ? &s->laddr : NULL, 0, addr, len);
    netstack_unlock();
    return ret;
}

static int raw_setsockopt_op(struct task *t, struct socket *sk, int level, int name,
                             const void *val, int len)
{
    struct inet_sock *s = inet_sk(sk);
    int ret;
    netstack_lock();
    if (!s->v6 && level == LINUX_SOL_RAW && name == LINUX_ICMP_FILTER) {
        ret = len < 4 ? -EINVAL : 0;
        if (ret == 0) {
            memset(s->icmp_filter, 0, sizeof(s->icmp_filter));
            memcpy(&s->icmp_filter[0], val, 4);
        }
    } else if (s->v6 && level == IPPROTO_ICMPV6 && name == LINUX_ICMPV6_FILTER) {
        ret = 0;
        memset(s->icmp_filter, 0, sizeof(s->icmp_filter));
        memcpy(s->icmp_filter, val, MIN((size_t)len, sizeof(s->icmp_filter)));
    } else if (s->v6 && level == IPPROTO_IPV6 && name == IPV6_CHECKSUM) {
        ret = -EINVAL; /* RFC 3542: not on ICMPv6 sockets at this level */
    } else if (s->v6 && level == LINUX_SOL_RAW && name == IPV6_CHECKSUM) {
        int v = 0;
        if (len >= (int)sizeof(v))
            memcpy(&v, val, sizeof(v));
        /* Linux's extension: the offset, -1 for none. COMPAT: ICMPv6's at 2 is always
         * computed. */
        ret = len < (int)sizeof(v) ? -EINVAL : (v > 0 && (v & 1)) ? -EINVAL : 0;
    } else if (level == IPPROTO_IP && name == IP_HDRINCL) {
        ret = -ENOPROTOOPT; /* COMPAT: no caller-built IP headers */
        inet_log_unsupported("raw", level, name);
    } else {
        ret = inet_setsockopt_common(t, s, level, name, val, len);
    }
    netstack_unlock();
    return ret;
}

static int raw_getsockopt_op(struct task *t, struct socket *sk, int level, int name, void *val,
                             int *len)
{
    struct inet_sock *s = inet_sk(sk);
    int ret;
    netstack_lock();
    if (!s->v6 && level == LINUX_SOL_RAW && name == LINUX_ICMP_FILTER) {
        memcpy(val, &s->icmp_filter[0], 4);
        *len = 4;
        ret = 0;
    } else if (s->v6 && level == IPPROTO_ICMPV6 && name == LINUX_ICMPV6_FILTER) {
        memcpy(val, s->icmp_filter, sizeof(s->icmp_filter));
        *len = sizeof(s->icmp_filter);
        ret = 0;
    } else {
        ret = inet_getsockopt_common(s, level, name, val, len);
    }
    netstack_unlock();
    return ret;
}

static void raw_release_op(struct socket *sk)
{
    struct inet_sock *s = inet_sk(sk);
    netstack_lock();
    if (s->pcb.raw) {
        raw_recv(s->pcb.raw, NULL, NULL);
        raw_remove(s->pcb.raw);
        s->pcb.raw = NULL;
    }
    inet_sock_free_locked(s);
    netstack_unlock();
}

const struct socket_ops inet_raw_ops = {
    .bind = raw_bind_op,
    .connect = raw_connect_op,
    .listen = raw_listen_op,
    .accept = raw_accept_op,
    .sendmsg = raw_sendmsg_op,
    .recvmsg = inet_dgram_recvmsg,
    .shutdown = inet_dgram_shutdown,
    .getname = raw_getname_op,
    .setsockopt = raw_setsockopt_op,
    .getsockopt = raw_getsockopt_op,
    .poll = inet_dgram_poll,
    .waitq = inet_dgram_waitq,
    .ioctl = inet_dgram_ioctl,
    .release = raw_release_op,
};
