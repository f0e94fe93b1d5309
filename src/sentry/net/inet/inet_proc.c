// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/net/tcp, tcp6, udp, udp6, dev, route and if_inet6 in Linux's formats (net/inet.h),
 * which netstat, ss and ifconfig read: the sandbox's inet sockets, and the TCP connections lwIP
 * still finishes after their socket was closed (FIN_WAIT, TIME_WAIT). procfs reaches this through a
 * hook that boot installs (fs/ may not include net/).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <lwip/priv/tcp_priv.h>
#include <lwip/tcp.h>
#include <lwip/udp.h>

#include "sentry/net/inet.h"
#include "sentry/net/inet/inet_internal.h"
#include "sentry/net/lwip/link.h"

struct text {
    char *buf;
    size_t len, cap;
    bool oom;
};

static void tprintf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tprintf(struct text *t, const char *fmt, ...)
{
    if (t->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->oom = true;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap * 2 + (size_t)n + 256;
        char *nb = realloc(t->buf, cap);
        if (!nb) {
            t->oom = true;
            return;
        }
        t->buf = nb;
        t->cap = cap;
    }
}

/* Pad the line just written to @width (Linux's seq_pad), then end it. */
static void pad_line(struct text *t, size_t start, int width)
{
    size_t used = t->len - start;
    if ((int)used < width)
        tprintf(t, "%*s", width - (int)used, "");
    tprintf(t, "\n");
}

/* An address as Linux prints it: the 32-bit words as the CPU loads them, in hex. */
static void put_addr(struct text *t, const ip_addr_t *ip, uint16_t port, bool v6)
{
    uint32_t w[4] = {0, 0, 0, 0};
    if (ip && IP_IS_V6_VAL(*ip)) {
        memcpy(w, ip_2_ip6(ip)->addr, 16);
    } else if (ip && IP_IS_V4_VAL(*ip)) {
        w[3] = ip4_addr_get_u32(ip_2_ip4(ip));
        if (v6)
            w[2] = PP_HTONL(0xffff); /* v4-mapped */
    }
    if (v6)
        tprintf(t, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3], port);
    else
        tprintf(t, "%08X:%04X", w[3], port);
}

static int lwip_linux_state(enum tcp_state st)
{
    static const int map[] = {
        [CLOSED] = 7,      [LISTEN] = 10,    [SYN_SENT] = 2,   [SYN_RCVD] = 3,
        [ESTABLISHED] = 1, [FIN_WAIT_1] = 4, [FIN_WAIT_2] = 5, [CLOSE_WAIT] = 8,
        [CLOSING] = 11,    [LAST_ACK] = 9,   [TIME_WAIT] = 6,
    };
    return (unsigned)st < sizeof(map) / sizeof(map[0]) ? map[st] : 7;
}

struct row {
    const ip_addr_t *laddr, *raddr;
    uint16_t lport, rport;
    int state;
    uint32_t txq, rxq, uid;
    uint64_t ino;
};

static void put_row(struct text *t, int sl, const struct row *r, bool v6, bool udp)
{
    size_t start = t->len;
    tprintf(t, udp ? "%5d: " : "%4d: ", sl);
    put_addr(t, r->laddr, r->lport, v6);
    tprintf(t, " ");
    put_addr(t, r->raddr, r->rport, v6);
    tprintf(t, " %02X %08X:%08X 00:00000000 00000000 %5u %8d %llu %d 0000000000000000", r->state,
            r->txq, r->rxq, r->uid, 0, (unsigned long long)r->ino, 2);
    if (udp)
        tprintf(t, " 0");
    else
        tprintf(t, " 100 0 0 10 0");
    if (!v6)
        pad_line(t, start, udp ? 127 : 149);
    else
        tprintf(t, "\n");
}

static void tcp_rows(struct text *t, bool v6)
{
    int sl = 0;
    struct inet_sock *s;
    list_for_each_entry(s, inet_all_socks_locked(), all_link)
    {
        if (s->sock.type != SOCK_STREAM || s->v6 != v6)
            continue;
        struct tcp_pcb *pcb = s->pcb.tcp;
        struct row r = {
            .laddr = pcb ? &pcb->local_ip : &s->laddr,
            .lport = pcb ? pcb->local_port : s->lport,
            .raddr = s->state == INET_LISTEN ? NULL
                     : pcb                   ? &pcb->remote_ip
                                             : &s->raddr,
            .rport = s->state == INET_LISTEN ? 0
                     : pcb                   ? pcb->remote_port
                                             : s->rport,
            .state = inet_tcp_linux_state(s),
            .rxq = s->state == INET_LISTEN ? (uint32_t)s->acc_len : (uint32_t)s->rcv_bytes,
            .txq = pcb && s->state != INET_LISTEN ? (uint32_t)(TCP_SND_BUF - tcp_sndbuf(pcb)) : 0,
            .uid = s->uid,
            .ino = s->sock.ino,
        };
        put_row(t, sl++, &r, v6, false);
    }
    /* Connections lwIP finishes on its own after their socket was closed. */
    struct tcp_pcb *lists[] = {tcp_active_pcbs, tcp_tw_pcbs};
    for (size_t i = 0; i < 2; i++) {
        for (struct tcp_pcb *pcb = lists[i]; pcb; pcb = pcb->next) {
            if (pcb->callback_arg || IP_IS_V6_VAL(pcb->local_ip) != v6)
                continue;
            struct row r = {&pcb->local_ip,
                            &pcb->remote_ip,
                            pcb->local_port,
                            pcb->remote_port,
                            lwip_linux_state(pcb->state),
                            0,
                            0,
                            0,
                            0};
            put_row(t, sl++, &r, v6, false);
        }
    }
}

static void udp_rows(struct text *t, bool v6)
{
    int sl = 0;
    struct inet_sock *s;
    list_for_each_entry(s, inet_all_socks_locked(), all_link)
    {
        if (s->sock.type != SOCK_DGRAM || s->v6 != v6)
            continue;
        struct udp_pcb *pcb = s->pcb.udp;
        bool conn = s->state == INET_CONNECTED;
        struct row r = {
            .laddr = pcb ? &pcb->local_ip : NULL,
            .lport = pcb ? pcb->local_port : 0,
            .raddr = conn ? &s->raddr : NULL,
            .rport = conn ? s->rport : 0,
            .state = conn ? 1 : 7,
            .rxq = (uint32_t)s->dgram_bytes,
            .uid = s->uid,
            .ino = s->sock.ino,
        };
        put_row(t, sl++, &r, v6, true);
    }
}

static void dev_row(struct text *t, const char *name, const struct netstack_if_stats *st)
{
    tprintf(t,
            "%6s:%8llu %7llu %4llu %4llu %4llu %5llu %10llu %9llu %8llu %7llu %4llu %4llu "
            "%4llu %5llu %7llu %10llu\n",
            name, (unsigned long long)st->rx_bytes, (unsigned long long)st->rx_packets, 0ull,
            (unsigned long long)st->rx_dropped, 0ull, 0ull, 0ull, 0ull,
            (unsigned long long)st->tx_bytes, (unsigned long long)st->tx_packets, 0ull, 0ull, 0ull,
            0ull, 0ull, 0ull);
}

static void dev_rows(struct text *t)
{
    struct netstack_if_stats st;
    netstack_lo_stats_locked(&st);
    tprintf(t, "Inter-|   Receive                                                |  Transmit\n");
    tprintf(t, " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
               "errs drop fifo colls carrier compressed\n");
    dev_row(t, "lo", &st);
    struct link_info li;
    for (int i = 0; link_info(i, &li) && link_stats_locked(i, &st); i++)
        dev_row(t, li.name, &st); /* COMPAT: output drops are counted as receive drops */
}

/* The IPv4 routes of the main table: those of the links (Linux keeps 127/8 in the local
 * table, which this file does not show). Addresses as the kernel prints a __be32. */
static void route_rows(struct text *t)
{
    size_t start = t->len;
    tprintf(t, "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow"
               "\tIRTT");
    pad_line(t, start, 127);
    struct link_info li;
    for (int i = 0; link_info(i, &li); i++) {
        if (li.gw) {
            start = t->len;
            tprintf(t, "%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u", li.name, 0u, li.gw,
                    0x0003 /* RTF_UP | RTF_GATEWAY */, 0, 0u, 0, 0u, 0, 0u, 0u);
            pad_line(t, start, 127);
        }
        start = t->len;
        tprintf(t, "%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u", li.name, li.addr & li.mask,
                0u, 0x0001 /* RTF_UP */, 0, 0u, 0, li.mask, 0, 0u, 0u);
        pad_line(t, start, 127);
    }
}

/* The IPv6 addresses: ::1 on lo, index 1, /128, host scope (0x10), permanent (0x80). */
static void if_inet6_rows(struct text *t)
{
    tprintf(t, "%032x %02x %02x %02x %02x %8s\n", 1, 1, 128, 0x10, 0x80, "lo");
}

int inet_proc_net_text(const char *which, char **out, size_t *len)
{
    struct text t = {0};
    if (strcmp(which, "route") == 0 || strcmp(which, "if_inet6") == 0) {
        if (which[0] == 'r')
            route_rows(&t);
        else
            if_inet6_rows(&t);
        goto out;
    }
    bool tcp = strcmp(which, "tcp") == 0, tcp6 = strcmp(which, "tcp6") == 0;
    bool udp = strcmp(which, "udp") == 0, udp6 = strcmp(which, "udp6") == 0;
    bool dev = strcmp(which, "dev") == 0;
    if (!tcp && !tcp6 && !udp && !udp6 && !dev)
        return -ENOENT;
    if (!netstack_enabled()) {
        tprintf(&t, "%s", ""); /* an empty table without the stack */
        goto out;
    }
    netstack_lock();
    if (tcp || tcp6) {
        size_t start = t.len;
        if (tcp)
            tprintf(&t, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
                        "retrnsmt   uid  timeout inode");
        else
            tprintf(&t, "  sl  local_address                         remote_address              "
                        "          st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
                        "inode\n");
        if (tcp)
            pad_line(&t, start, 149);
        tcp_rows(&t, tcp6);
    } else if (udp || udp6) {
        size_t start = t.len;
        if (udp)
            tprintf(&t, "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
                        "retrnsmt   uid  timeout inode ref pointer drops");
        else
            tprintf(&t, "  sl  local_address                         remote_address              "
                        "          st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
                        "inode ref pointer drops\n");
        if (udp)
            pad_line(&t, start, 127);
        udp_rows(&t, udp6);
    } else {
        dev_rows(&t);
    }
    netstack_unlock();
out:
    if (t.oom) {
        free(t.buf);
        return -ENOMEM;
    }
    *out = t.buf;
    *len = t.len;
    return 0;
}
