// SPDX-License-Identifier: Apache-2.0
/*
 * Malformed frames into a sandbox's link (tests/security/net_isolation.sh): writes COUNT
 * frames with AF_PACKET into the host end IFNAME of a sandbox's veth, to the sandbox's MAC
 * DSTMAC (and some to broadcast): random bytes; Ethernet + IPv4 with random header fields,
 * options, fragments, lengths and TCP/UDP/ICMP payloads, mostly with correct checksums so
 * that they reach deep into the stack; Ethernet + IPv6 with extension headers, NDP and TCP;
 * ARP with random fields; every kind also cut short at a random length.
 *   link_fuzz IFNAME DSTMAC SANDBOX_IPV4 PORT COUNT SEED
 * Prints how many frames were sent. Exits 0 unless the socket cannot be opened.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FRAME_MAX 1514

static uint64_t g_rng;

static uint32_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 16);
}

static uint32_t below(uint32_t n)
{
    return n ? rnd() % n : 0;
}

static void fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)(p[n - 1] << 8);
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

struct target {
    uint8_t mac[6];
    uint32_t ip; /* network order */
    uint16_t port;
};

/* A TCP, UDP or ICMP message of @len bytes at @l4 for protocol @proto; returns the offset of
 * its checksum field or -1. */
static int l4_build(uint8_t *l4, size_t len, int proto, const struct target *t)
{
    fill(l4, len);
    if (proto == 6 && len >= 20) {
        put16(l4 + 2, below(2) ? t->port : (uint16_t)rnd());
        /* data offset 5..15 words, flags mostly SYN/ACK/RST/FIN mixes */
        l4[12] = (uint8_t)((5 + below(11)) << 4);
        static const uint8_t flags[] = {0x02, 0x10, 0x12, 0x04, 0x11, 0x18, 0x01, 0x3f, 0x00};
        l4[13] = below(4) ? flags[below(sizeof(flags))] : (uint8_t)rnd();
        if (below(2)) /* option kinds that parsers look at: MSS, window scale, SACK, TS */
            for (size_t o = 20; o + 1 < len && o < 60; o += 1 + below(4))
                l4[o] = (uint8_t)below(9);
        return 16;
    }
    if (proto == 17 && len >= 8) {
        put16(l4 + 2, below(2) ? t->port : (uint16_t)rnd());
        put16(l4 + 4, below(3) ? (uint16_t)len : (uint16_t)rnd());
        return 6;
    }
    if (proto == 1 && len >= 8) {
        l4[0] = (uint8_t)(below(2) ? below(19) : rnd()); /* echo, unreachable (with quote)... */
        return 2;
    }
    if (proto == 58 && len >= 8) {
        l4[0] = (uint8_t)(below(2) ? 128 + below(10) : rnd()); /* echo and NDP: RS RA NS NA */
        if (l4[0] >= 133)
            for (size_t o = 8 + 16; o + 2 < len; o += 8) { /* NDP options with odd lengths */
                l4[o] = (uint8_t)(1 + below(5));
                l4[o + 1] = (uint8_t)below(3);
            }
        return 2;
    }
    return -1;
}

static size_t ipv4_frame(uint8_t *f, const struct target *t)
{
    uint8_t *ip = f + 14;
    put16(f + 12, ETHERTYPE_IP);
    size_t ihl = below(4) ? 5 : 5 + below(11);
    size_t len = ihl * 4 + below(FRAME_MAX - 14 - ihl * 4);
    fill(ip, ihl * 4);
    ip[0] = (uint8_t)(below(8) ? 0x40 | ihl : rnd());
    put16(ip + 2, below(4) ? (uint16_t)len : (uint16_t)rnd());
    if (below(3)) /* no fragment bits, else random offsets and more-fragments */
        put16(ip + 6, below(2) ? 0x4000 : 0);
    ip[8] = (uint8_t)(1 + below(255));
    static const int protos[] = {6, 17, 1, 2, 4, 41, 47};
    int proto = below(5) ? protos[below(3)] : protos[below(sizeof(protos) / sizeof(protos[0]))];
    ip[9] = (uint8_t)proto;
    if (below(4))
        memcpy(ip + 16, &t->ip, 4);
    int csum = l4_build(ip + ihl * 4, len - ihl * 4, proto, t);
    size_t l4len = len - ihl * 4;
    if (csum >= 0 && below(5)) {
        uint8_t *l4 = ip + ihl * 4;
        uint32_t s = 0;
        if (proto != 1) { /* pseudo header */
            s = sum16(ip + 12, 8, 0) + (uint32_t)proto + (uint32_t)l4len;
        }
        l4[csum] = l4[csum + 1] = 0;
        put16(l4 + csum, fold(sum16(l4, l4len, s)));
    }
    ip[10] = ip[11] = 0;
    if (below(6))
        put16(ip + 10, fold(sum16(ip, ihl * 4, 0)));
    return 14 + len;
}

static size_t ipv6_frame(uint8_t *f, const struct target *t)
{
    uint8_t *ip = f + 14;
    put16(f + 12, ETHERTYPE_IPV6);
    size_t len = 40 + below(FRAME_MAX - 14 - 40);
    fill(ip, 40);
    ip[0] = below(8) ? 0x60 : (uint8_t)rnd();
    put16(ip + 4, below(4) ? (uint16_t)(len - 40) : (uint16_t)rnd());
    static const int nexts[] = {58, 6, 17, 0, 43, 44, 60, 59};
    int nh = nexts[below(sizeof(nexts) / sizeof(nexts[0]))];
    ip[6] = (uint8_t)nh;
    ip[7] = below(2) ? 255 : (uint8_t)rnd();
    if (below(2)) { /* all-nodes multicast, which lwIP accepts without an address */
        static const uint8_t all[16] = {0xff, 2, [15] = 1};
        memcpy(ip + 24, all, 16);
    }
    int csum = l4_build(ip + 40, len - 40, nh, t);
    if (nh >= 43 && nh <= 60 && len > 48) /* an extension header chaining to ICMPv6 */
        ip[40] = below(2) ? 58 : (uint8_t)rnd();
    if (csum >= 0 && below(5)) {
        uint8_t *l4 = ip + 40;
        size_t l4len = len - 40;
        l4[csum] = l4[csum + 1] = 0;
        uint32_t s = sum16(ip + 8, 32, 0) + (uint32_t)nh + (uint32_t)l4len;
        put16(l4 + csum, fold(sum16(l4, l4len, s)));
    }
    return 14 + len;
}

static size_t arp_frame(uint8_t *f, const struct target *t)
{
    uint8_t *a = f + 14;
    put16(f + 12, ETHERTYPE_ARP);
    size_t len = 28 + below(20);
    fill(a, len);
    if (below(4)) {
        put16(a, 1);          /* Ethernet */
        put16(a + 2, 0x0800); /* IPv4 */
        a[4] = below(4) ? 6 : (uint8_t)rnd();
        a[5] = below(4) ? 4 : (uint8_t)rnd();
        put16(a + 6, (uint16_t)(1 + below(2)));
        memcpy(a + 24, &t->ip, 4);
    }
    return 14 + len;
}

static int parse_mac(const char *s, uint8_t *mac)
{
    unsigned m[6];
    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)m[i];
    return 0;
}

int main(int argc, char **argv)
{
    struct target t;
    if (argc != 7 || parse_mac(argv[2], t.mac) < 0 || inet_pton(AF_INET, argv[3], &t.ip) != 1) {
        fprintf(stderr, "usage: link_fuzz IFNAME DSTMAC SANDBOX_IPV4 PORT COUNT SEED\n");
        return 2;
    }
    t.port = (uint16_t)atoi(argv[4]);
    long count = atol(argv[5]);
    g_rng = (uint64_t)atoll(argv[6]) * 0x9e3779b97f4a7c15ull + 1;
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd < 0) {
        perror("socket(AF_PACKET)");
        return 1;
    }
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(argv[1]), .sll_halen = 6};
    if (!sll.sll_ifindex) {
        perror(argv[1]);
        return 1;
    }
    long sent = 0;
    for (long i = 0; i < count; i++) {
        uint8_t f[FRAME_MAX];
        size_t len;
        switch (below(8)) {
        case 0:
            len = 14 + below(FRAME_MAX - 14);
            fill(f, len);
            break;
        case 1:
        case 2:
        case 3:
            len = ipv4_frame(f, &t);
            break;
        case 4:
        case 5:
            len = ipv6_frame(f, &t);
            break;
        default:
            len = arp_frame(f, &t);
            break;
        }
        if (below(2)) { /* destination: the sandbox, else broadcast */
            memcpy(f, t.mac, 6);
        } else {
            memset(f, 0xff, 6);
        }
        fill(f + 6, 6);
        f[6] &= 0xfe;      /* a unicast source */
        if (below(4) == 0) /* cut short */
            len = 14 + below((uint32_t)(len - 14 + 1));
        memcpy(sll.sll_addr, f, 6);
        if (sendto(fd, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) == (ssize_t)len)
            sent++;
        else if (errno != ENOBUFS && errno != EAGAIN)
            fprintf(stderr, "frame %ld (%zu bytes): %s\n", i, len, strerror(errno));
    }
    printf("sent %ld frames\n", sent);
    return 0;
}
