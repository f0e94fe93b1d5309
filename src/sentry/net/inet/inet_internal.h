// SPDX-License-Identifier: Apache-2.0
/*
 * Shared by the inet socket files: inet.c (creation, addresses, options, readiness),
 * inet_tcp.c (TCP) and inet_udp.c (UDP).
 *
 * Lock order: g_kernel_lock, then the netstack lock. Fields marked "netstack" are changed by
 * lwIP's callbacks and read under the netstack lock; the wait queue is under the kernel lock.
 * An inet_sock is owned by its file, or (accepted but not yet accept()ed) by its listener's
 * queue; lwIP's pcb points back to it (tcp_arg/udp_recv) and is detached before it is freed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <lwip/ip_addr.h>
#include <lwip/pbuf.h>

#include "common/list.h"
#include "sentry/net/lwip/netstack.h"
#include "sentry/net/socket.h"
#include "sentry/waiter/waitq.h"

struct tcp_pcb;
struct udp_pcb;
struct raw_pcb;
struct uio;
struct task;

#define INET_RCV_SHUT 1
#define INET_SND_SHUT 2

#define INET_MAX_SOCKETS 65536 /* sockets of the whole sandbox; then ENOBUFS */
#define INET_SOMAXCONN 4096    /* net.core.somaxconn */
#define INET_WMEM_MAX 212992   /* net.core.wmem_max / rmem_max */
#define INET_TCP_SNDBUF 16384  /* net.ipv4.tcp_wmem[1] */
#define INET_TCP_RCVBUF 131072 /* net.ipv4.tcp_rmem[1] */
#define INET_UDP_BUF 212992    /* net.core.wmem_default / rmem_default */
#define INET_MIN_SNDBUF 4608
#define INET_MIN_RCVBUF 2304

enum inet_state {
    INET_CLOSED, /* new, bound, or done (after a reset, a close, a failed connect) */
    INET_LISTEN,
    INET_CONNECTING, /* TCP SYN sent */
    INET_CONNECTED,  /* TCP established (and later states); UDP with a default peer */
};

/* A queued UDP datagram. */
struct inet_dgram {
    struct list_head link;
    struct pbuf *p;
    ip_addr_t addr; /* source */
    uint16_t port;
    ip_addr_t dst;    /* destination (IP_PKTINFO) */
    uint8_t hoplimit; /* the IPv6 hop limit it came with (IPV6_HOPLIMIT) */
    uint64_t rx_ns;   /* CLOCK_REALTIME of its arrival (SO_TIMESTAMP) */
};

struct inet_sock {
    struct socket sock;        /* first: the socket layer casts */
    struct waitq wq;           /* Protected by the kernel lock */
    struct netstack_notify nt; /* wake-ups asked for by callbacks */
    struct list_head all_link; /* on the list of all inet sockets; Protected by netstack */
    bool v6;                   /* Immutable: AF_INET6 */
    uint32_t uid;              /* Immutable: the creator's effective uid (/proc/net) */

    /* Protected by the netstack lock. */
    enum inet_state state;
    unsigned shut;        /* INET_RCV_SHUT | INET_SND_SHUT */
    int err;              /* pending SO_ERROR (a positive errno), 0 if none */
    bool ever_connected;  /* reached INET_CONNECTED once */
    bool connect_pending; /* a connect() started and not yet reported (SS_CONNECTING) */
    bool fin;             /* TCP: the peer's FIN arrived (reads see end of file) */
    bool bound;           /* has a local port */
    /* The last known addresses (the pcb's while there is one). */
    ip_addr_t laddr, raddr;
    uint16_t lport, rport;
    uint64_t bytes_received, bytes_acked; /* TCP_INFO */
    union {
        struct tcp_pcb *tcp;
        struct udp_pcb *udp;
        struct raw_pcb *raw;
        void *any;
    } pcb; /* NULL once lwIP freed it (reset, closed) */
    /* TCP: received bytes not yet read (a pbuf chain) and the offset into its first pbuf. */
    struct pbuf *rcv;
    uint32_t rcv_off;
    size_t rcv_bytes;
    bool rcv_err_pending; /* a reset arrived: report err after the queued data */
    /* TCP listener: accepted connections (struct inet_sock.acc_link), its backlog. */
    struct list_head accq;
    int acc_len;
    int backlog;
    struct list_head acc_link;  /* on the listener's accq while not yet accept()ed */
    struct inet_sock *listener; /* while on that queue */
    /* UDP: queued datagrams. */
    struct list_head dgrams;
    size_t dgram_bytes;

    /* Options (Protected by the netstack lock, copied to the pcb when there is one). */
    bool v6only, reuseaddr, reuseport, keepalive, nodelay, cork, broadcast, oobinline;
    bool quickack, passcred, linger_on;
    int linger_sec;
    int sndbuf, rcvbuf, rcvlowat;
    uint64_t rcvtimeo_ns, sndtimeo_ns;
    int tos, tclass, ttl, hoplimit;
    int keepidle, keepintvl, keepcnt; /* seconds, seconds, probes */
    int priority, mark, user_timeout, defer_accept, maxseg;
    uint32_t icmp_filter[8]; /* raw: ICMP_FILTER (word 0) or ICMP6_FILTER, a set bit blocks */
    bool recverr, pktinfo4, pktinfo6; /* IP_PKTINFO, IPV6_RECVPKTINFO */
    bool recvhoplimit;                /* IPV6_RECVHOPLIMIT */
    bool timestamp;                   /* SO_TIMESTAMP (datagram sockets) */
};

static inline struct inet_sock *inet_sk(struct socket *s)
{
    return (struct inet_sock *)s;
}

/* ---- inet.c ---- */

/* Parse the user's address for @s into @ip/@port (v4-mapped addresses of a v6 socket become
 * IPv4). @allow_unspec accepts AF_UNSPEC (returns 1 then). Returns 0, 1, or -errno. */
int inet_addr_from_user(const struct inet_sock *s, const void *addr, int len, ip_addr_t *ip,
                        uint16_t *port, bool allow_unspec);
/* Write @ip/@port as @s's family (IPv4 as v4-mapped on a v6 socket) into @out; *@len gets
 * the size. */
void inet_addr_to_user(const struct inet_sock *s, const ip_addr_t *ip, uint16_t port, void *out,
                       int *len);
/* True if @ip is an address of this stack (bindable): any, 127/8, ::1, a link's address,
 * multicast for UDP. */
bool inet_addr_is_local(const ip_addr_t *ip, bool udp);
/* True if @ip is local or the stack routes it through a link (a connect's destination). */
bool inet_addr_is_reachable(const ip_addr_t *ip, bool udp);
/* The deadline for a timeout option, 0 for none. */
uint64_t inet_deadline(uint64_t timeo_ns);
/* Queue @w for the caller on @s's waitq (once) and sleep until @deadline. Caller holds the
 * kernel lock, not the netstack lock. Returns 0, -EINTR or -ETIMEDOUT. */
int inet_wait(struct task *t, struct inet_sock *s, struct waiter *w, uint64_t deadline);
/* The errno of an interrupted or timed-out wait with @done bytes moved: the byte count, or
 * -ERESTARTSYS/-EINTR (a timeout option set) for a signal, -EAGAIN for a timeout. Returns
 * 0 to keep going. */
long inet_wait_result(int r, size_t done, uint64_t timeo_ns);
/* Bring @u's guest pages up to date (mm may fault them in, which can release the kernel
 * lock) before the netstack lock is taken: the copies made under that lock are then plain
 * memory copies. Called after every sleep, before re-taking the netstack lock (the syscall
 * layer prepared @u fresh). Caller holds the kernel lock, not the netstack lock. */
void inet_uio_settle(struct uio *u);
/* SIGPIPE to @t for a write to a shut-down or broken stream (unless MSG_NOSIGNAL). Caller
 * holds the kernel lock, not the netstack lock. */
void inet_sigpipe(struct task *t, int flags);
/* Mark the events of @s to notify at unlock. Caller holds the netstack lock. */
void inet_notify_locked(struct inet_sock *s, uint32_t events);
/* Allocate and register a socket (netstack lock held); NULL past the limit or on ENOMEM. */
struct inet_sock *inet_sock_alloc_locked(int family, int type, int protocol);
/* Unregister and free @s (its pcb already detached). Caller holds the netstack lock. */
void inet_sock_free_locked(struct inet_sock *s);
/* Apply socket-level options of @s to its pcb (TOS/TTL/keepalive/reuse). Netstack lock. */
void inet_apply_ip_opts_locked(struct inet_sock *s);
/* One warning per unsupported option (@level, @name), however often a program probes it
 * (a hash of the pair decides; a collision only silences the line). Netstack lock held. */
void inet_log_unsupported(const char *what, int level, int name);
/* Socket options common to both protocols; -ENOPROTOOPT if not one of them. */
int inet_setsockopt_common(struct task *t, struct inet_sock *s, int level, int name,
                           const void *val, int len);
int inet_getsockopt_common(struct inet_sock *s, int level, int name, void *val, int *len);
/* The whole list of sockets, for /proc/net. */
struct list_head *inet_all_socks_locked(void);

/* ---- inet_tcp.c ---- */
/* Parse and check a bind address for @s (Linux's inet_bind/inet6_bind rules: -EINVAL,
 * -EAFNOSUPPORT, -EADDRNOTAVAIL, -EACCES below port 1024 without CAP_NET_BIND_SERVICE). */
int inet_bind_addr(struct task *t, struct inet_sock *s, const void *addr, int len, ip_addr_t *ip,
                   uint16_t *port);
/* The destination of a connect or sendto: the wildcard means loopback; -ENETUNREACH for an
 * address no interface reaches. Returns 0, 1 for AF_UNSPEC, or -errno. */
int inet_connect_dest(struct inet_sock *s, const void *addr, int len, ip_addr_t *ip, uint16_t *port,
                      bool udp);
extern const struct socket_ops inet_tcp_ops;
int inet_tcp_init_locked(struct inet_sock *s);
/* The listener filter on loopback input: true to drop a SYN to a full accept queue. */
bool inet_tcp_syn_filter(const uint8_t *data, uint32_t size);
/* The loopback input filter (netstack_set_input_filter): the SYN rule, and ICMP errors to
 * UDP sockets. Returns true to drop the packet. */
bool inet_input_filter(const uint8_t *data, uint32_t size);
/* Copy the options that live in the pcb (Nagle, keep-alive, TOS/TTL...) to it. Netstack
 * lock held. */
void inet_tcp_apply_opts_locked(struct inet_sock *s);
/* SOL_TCP options (inet_tcp_opt.c): 0 or -errno (-ENOPROTOOPT, logged once, if unknown).
 * Netstack lock held. */
int inet_tcp_opt_set_locked(struct inet_sock *s, int name, const void *val, int len);
int inet_tcp_opt_get_locked(struct inet_sock *s, int name, void *val, int *len);
/* Linux's TCP state number of @s (1 ESTABLISHED ... 10 LISTEN), for TCP_INFO and /proc. */
int inet_tcp_linux_state(const struct inet_sock *s);

/* ---- inet_udp.c ---- */
/* The datagram side shared by UDP and raw sockets (the queue of struct inet_dgram): socket
 * operations of net/socket.h. */
ssize_t inet_dgram_recvmsg(struct task *t, struct socket *sk, struct sock_rmsg *m, bool nonblock);
uint32_t inet_dgram_poll(struct socket *sk);
long inet_dgram_ioctl(struct task *t, struct socket *sk, unsigned int cmd, gaddr_t arg);
int inet_dgram_shutdown(struct task *t, struct socket *sk, int how);
struct waitq *inet_dgram_waitq(struct socket *sk);
extern const struct socket_ops inet_udp_ops;
int inet_udp_init_locked(struct inet_sock *s);

/* ---- inet_raw.c ---- */
extern const struct socket_ops inet_raw_ops;
/* A raw ICMP (v4) or ICMPv6 (v6) pcb for @s. Netstack lock held. */
int inet_raw_init_locked(struct inet_sock *s);
/* A port-unreachable ICMP error quoting @quoted (the start of the datagram that caused it)
 * came back: a connected UDP socket that sent it gets ECONNREFUSED, as on Linux. Netstack
 * lock held (from the loopback input filter). */
void inet_udp_icmp_error(const uint8_t *quoted, uint32_t size, bool v6);
