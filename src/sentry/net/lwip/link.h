// SPDX-License-Identifier: Apache-2.0
/*
 * The Sentry's links (link.c): the Ethernet interfaces of its network namespace (the veth
 * end `cvisor do` gives it), copied into lwIP and driven through one AF_PACKET socket each,
 * as runsc's fdbased endpoint. Internal to net/lwip/ and the boot filter.
 *
 * Lock order: the kernel lock, then the netstack lock (netstack.h). The input thread of a
 * link takes both, in that order, for each batch of frames; everything else here is called
 * with the netstack lock held, or at boot before any other thread runs.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Most links, and the largest batch of frames one recvmmsg/sendmmsg moves. */
#define LINK_MAX 4
#define LINK_BATCH 64

/*
 * Copy every Ethernet interface of the Sentry's network namespace that has an IPv4 address
 * into lwIP (address, prefix, MTU, MAC; the default route as lwIP's gateway), take the
 * addresses off the host kernel's side, and open one AF_PACKET socket per interface. At boot,
 * before the seccomp filter and before any task; the netstack lock is not held (taken here).
 * Returns the number of links (0: loopback only) or -errno.
 */
int link_init_all(void);

/* Start the input threads of the links (after link_init_all). Returns 0 or -errno. */
int link_start(void);

/* The AF_PACKET descriptors, for the seccomp filter (boot/filter.c). Returns their number. */
int link_fds(int *fds, int max);

/* Deliver the packets lwIP looped back to a link's own address. Returns true if any was
 * delivered. Caller holds the netstack lock. */
bool link_drain_locked(void);

/* Send the frames queued for output (one sendmmsg per link). Caller holds the netstack lock. */
void link_flush_locked(void);

/* True if @addr (network order) is the address of a link (fixed at boot: no lock needed). */
bool link_is_local4(uint32_t addr);

/* True if lwIP can route to @addr (network order) through a link. No lock needed. */
bool link_routes4(uint32_t addr);

/* What the app's netlink dumps show of link @i (index 2 + @i; lo is 1). */
struct link_info {
    char name[16];
    int index;
    uint8_t mac[6];
    uint16_t mtu;
    uint32_t addr, mask, gw; /* network order; gw 0: no default route */
};

/* Fill @out for link @i. Returns false if there is no such link. The links are fixed at
 * boot: no lock needed. */
bool link_info(int i, struct link_info *out);

struct netstack_if_stats;
/* Link @i's counters for /proc/net/dev. Returns false if there is no such link. Caller holds
 * the netstack lock. */
bool link_stats_locked(int i, struct netstack_if_stats *st);

/*
 * Hand one received Ethernet frame to lwIP as the link @idx's input does (the robustness test
 * and the input thread). Malformed frames are dropped. Caller holds the netstack lock.
 */
void link_input_locked(int idx, const uint8_t *frame, uint32_t len);
