// SPDX-License-Identifier: Apache-2.0
/*
 * The SOL_TCP options of TCP sockets (net/inet.h) and TCP_INFO, Linux's numbers and ranges
 * over what lwIP's pcb offers; the socket calls themselves are in inet_tcp.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <lwip/priv/tcp_priv.h>
#include <lwip/tcp.h>

#include "common/cleanup.h"
#include "sentry/net/inet/inet_internal.h"

/* SOL_TCP option names of Linux (netinet/tcp.h would clash with lwIP's TCP_MSS). */
enum {
    TCP_NODELAY = 1,
    TCP_MAXSEG = 2,
    TCP_CORK = 3,
    TCP_KEEPIDLE = 4,
    TCP_KEEPINTVL = 5,
    TCP_KEEPCNT = 6,
    TCP_SYNCNT = 7,
    TCP_LINGER2 = 8,
    TCP_DEFER_ACCEPT = 9,
    TCP_WINDOW_CLAMP = 10,
    TCP_INFO = 11,
    TCP_QUICKACK = 12,
    TCP_CONGESTION = 13,
    TCP_USER_TIMEOUT = 18,
    TCP_NOTSENT_LOWAT = 25,
};

int inet_tcp_linux_state(const struct inet_sock *s)
{
    static const int map[] = {
        [CLOSED] = 7,      [LISTEN] = 10,    [SYN_SENT] = 2,   [SYN_RCVD] = 3,
        [ESTABLISHED] = 1, [FIN_WAIT_1] = 4, [FIN_WAIT_2] = 5, [CLOSE_WAIT] = 8,
        [CLOSING] = 11,    [LAST_ACK] = 9,   [TIME_WAIT] = 6,
    };
    if (s->state == INET_LISTEN)
        return 10;
    if (!s->pcb.tcp)
        return 7;
    unsigned st = (unsigned)s->pcb.tcp->state;
    return st < sizeof(map) / sizeof(map[0]) ? map[st] : 7;
}

/* struct tcp_info of Linux (x86-64), the fields up to tcpi_snd_wnd. */
struct linux_tcp_info {
    uint8_t state, ca_state, retransmits, probes, backoff, options, wscale, app_limited;
    uint32_t rto, ato, snd_mss, rcv_mss;
    uint32_t unacked, sacked, lost, retrans, fackets;
    uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
    uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
    uint32_t rcv_rtt, rcv_space, total_retrans;
    uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
    uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
    uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
    uint32_t delivered, delivered_ce;
    uint64_t bytes_sent, bytes_retrans;
    uint32_t dsack_dups, reord_seen, rcv_ooopack, snd_wnd;
};
_Static_assert(sizeof(struct linux_tcp_info) == 232, "Linux 5.4+ struct tcp_info");

static void tcp_fill_info_locked(struct inet_sock *s, struct linux_tcp_info *ti)
{
    memset(ti, 0, sizeof(*ti));
    ti->state = (uint8_t)inet_tcp_linux_state(s);
    ti->bytes_received = s->bytes_received;
    ti->bytes_acked = s->bytes_acked;
    ti->pmtu = 65535;
    const struct tcp_pcb *pcb = s->pcb.tcp;
    if (!pcb || s->state == INET_LISTEN) {
        ti->snd_mss = ti->rcv_mss = ti->advmss = 536;
        ti->rto = 1000000;
        ti->snd_cwnd = 10;
        ti->snd_ssthresh = 0x7fffffff;
        return;
    }
    uint32_t mss = pcb->mss ? pcb->mss : 536;
    uint32_t tick_us = TCP_SLOW_INTERVAL * 1000u; /* lwIP counts RTT and RTO in these */
    ti->snd_mss = ti->rcv_mss = ti->advmss = mss;
    ti->rto = (uint32_t)pcb->rto * tick_us;
    ti->ato = 40000;
    ti->rtt = (uint32_t)(pcb->sa >> 3) * tick_us;
    ti->rttvar = (uint32_t)(pcb->sv >> 2) * tick_us;
    ti->snd_cwnd = pcb->cwnd / mss ? pcb->cwnd / mss : 1;
    ti->snd_ssthresh = pcb->ssthresh / mss;
    ti->rcv_ssthresh = pcb->rcv_wnd;
    ti->rcv_space = pcb->rcv_wnd;
    ti->snd_wnd = pcb->snd_wnd;
    ti->retransmits = pcb->nrtx;
    ti->total_retrans = pcb->nrtx;
    ti->reordering = 3;
    for (const struct tcp_seg *seg = pcb->unacked; seg; seg = seg->next)
        ti->unacked++;
    for (const struct tcp_seg *seg = pcb->unsent; seg; seg = seg->next)
        ti->notsent_bytes += seg->len;
#if LWIP_WND_SCALE
    if (pcb->flags & TF_WND_SCALE) {
        ti->options |= 4; /* TCPI_OPT_WSCALE */
        ti->wscale = (uint8_t)((pcb->snd_scale & 0xf) | (pcb->rcv_scale << 4));
    }
#endif
}

int inet_tcp_opt_set_locked(struct inet_sock *s, int name, const void *val, int len)
{
    if (name == TCP_CONGESTION) {
        char algo[16] = {0};
        memcpy(algo, val, MIN((size_t)len, sizeof(algo) - 1));
        return strcmp(algo, "reno") == 0 ? 0 : -ENOENT; /* lwIP does Reno only */
    }
    if (len < (int)sizeof(int))
        return -EINVAL;
    int v;
    memcpy(&v, val, sizeof(v));
    switch (name) {
    case TCP_NODELAY:
        s->nodelay = v != 0;
        break;
    case TCP_CORK:
        s->cork = v != 0;
        if (!s->cork && s->pcb.tcp && s->state == INET_CONNECTED)
            tcp_output(s->pcb.tcp);
        break;
    case TCP_KEEPIDLE:
    case TCP_KEEPINTVL:
        if (v < 1 || v > 32767)
            return -EINVAL;
        *(name == TCP_KEEPIDLE ? &s->keepidle : &s->keepintvl) = v;
        break;
    case TCP_KEEPCNT:
        if (v < 1 || v > 127)
            return -EINVAL;
        s->keepcnt = v;
        break;
    case TCP_MAXSEG:
        if (v && (v < 88 || v > 32767))
            return -EINVAL;
        s->maxseg = v; /* COMPAT: recorded; lwIP's MSS is its build's */
        break;
    case TCP_QUICKACK:
        s->quickack = v != 0; /* ACKs are immediate anyway (tcp_recv_cb) */
        break;
    case TCP_DEFER_ACCEPT:
        s->defer_accept = v < 0 ? 0 : v; /* COMPAT: accept() does not wait for data */
        break;
    case TCP_USER_TIMEOUT:
        if (v < 0)
            return -EINVAL;
        s->user_timeout = v; /* COMPAT: recorded; lwIP's retransmission limit applies */
        break;
    case TCP_SYNCNT:
        if (v < 1 || v > 127)
            return -EINVAL;
        break;
    case TCP_LINGER2:
    case TCP_WINDOW_CLAMP:
    case TCP_NOTSENT_LOWAT:
        break; /* COMPAT: accepted without effect */
    default:
        inet_log_unsupported("TCP", IPPROTO_TCP, name);
        return -ENOPROTOOPT;
    }
    inet_tcp_apply_opts_locked(s);
    return 0;
}

static int put_int(void *val, int *len, int v)
{
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}

int inet_tcp_opt_get_locked(struct inet_sock *s, int name, void *val, int *len)
{
    switch (name) {
    case TCP_INFO: {
        struct linux_tcp_info ti;
        tcp_fill_info_locked(s, &ti);
        memcpy(val, &ti, sizeof(ti));
        *len = sizeof(ti);
        return 0;
    }
    case TCP_CONGESTION:
        memset(val, 0, 16);
        memcpy(val, "reno", 4);
        *len = 16;
        return 0;
    case TCP_NODELAY:
        return put_int(val, len, s->nodelay);
    case TCP_CORK:
        return put_int(val, len, s->cork);
    case TCP_KEEPIDLE:
        return put_int(val, len, s->keepidle);
    case TCP_KEEPINTVL:
        return put_int(val, len, s->keepintvl);
    case TCP_KEEPCNT:
        return put_int(val, len, s->keepcnt);
    case TCP_MAXSEG:
        return put_int(val, len,
                       s->pcb.tcp && s->state == INET_CONNECTED ? s->pcb.tcp->mss
                       : s->maxseg                              ? s->maxseg
                                                                : 536);
    case TCP_QUICKACK:
        return put_int(val, len, 1);
    case TCP_DEFER_ACCEPT:
        return put_int(val, len, s->defer_accept);
    case TCP_USER_TIMEOUT:
        return put_int(val, len, s->user_timeout);
    case TCP_SYNCNT:
        return put_int(val, len, 6);
    default:
        inet_log_unsupported("TCP", IPPROTO_TCP, name);
        return -ENOPROTOOPT;
    }
}
