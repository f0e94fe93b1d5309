// SPDX-License-Identifier: Apache-2.0
/*
 * The Sentry's TCP/IP stack: lwIP (Debian's liblwip) driven through its raw/callback API,
 * with no lwIP thread of its own. Every entry into lwIP happens between netstack_lock() and
 * netstack_unlock(), from a task's syscall or from the kernel's timer thread; packets that
 * lwIP sends to the loopback interface are delivered before the lock is released, and the
 * wake-ups that lwIP's callbacks ask for are done after it is released.
 *
 * Lock order: g_kernel_lock, then the netstack lock (it plays lwIP's "core lock" role),
 * then lwIP's own sys_arch_protect mutex (a leaf, taken inside lwIP). The netstack lock is
 * taken only by net/ (inet sockets, the timers, /proc/net); nobody sleeps holding it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/list.h"

struct waitq;

enum netstack_mode {
    NETSTACK_SANDBOX, /* --network=sandbox: the stack, loopback and the namespace's links */
    NETSTACK_NONE,    /* --network=none: the stack with loopback only */
};

/* A deferred wake-up of one wait queue, embedded in the object that owns the queue. */
struct netstack_notify {
    struct list_head link; /* on the pending list while @events != 0; Protected by netstack */
    uint32_t events;       /* POLL* bits to notify; Protected by the netstack lock */
    struct waitq *q;       /* Immutable after init */
};

/* Bring the stack up (loopback 127.0.0.1/8 and ::1; in sandbox mode also the links of the
 * Sentry's network namespace, link.h). Called once at boot before any task runs and before
 * the seccomp filter. Returns 0 or -errno. */
int netstack_init(enum netstack_mode mode);

/* True once netstack_init succeeded (inet sockets exist). */
bool netstack_enabled(void);

/* Enter lwIP. Caller holds the kernel lock. */
void netstack_lock(void);

/* Leave lwIP: deliver the packets queued on the loopback interface, re-arm lwIP's timers,
 * release the lock, then notify the wait queues the callbacks marked. Caller holds the
 * kernel lock (and the netstack lock, which this releases). */
void netstack_unlock(void);

/* Assert that the caller holds the netstack lock (a CV_BUG otherwise). */
void netstack_assert_locked(void);

/* Initialise @n for queue @q. */
void netstack_notify_init(struct netstack_notify *n, struct waitq *q);

/* Ask for a notification of @events on @n's queue at the next netstack_unlock(). Caller
 * holds the netstack lock. */
void netstack_notify_locked(struct netstack_notify *n, uint32_t events);

/* Forget a pending notification (the owner goes away). Caller holds the netstack lock. */
void netstack_notify_cancel_locked(struct netstack_notify *n);

/* Loopback statistics for /proc/net/dev. Caller holds the netstack lock. */
struct netstack_if_stats {
    uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_dropped;
};
void netstack_lo_stats_locked(struct netstack_if_stats *st);

/*
 * A filter on packets the loopback interface is about to deliver (@data/@size: the IP
 * packet). Returns true to drop it. The inet layer installs one to drop SYNs to listeners
 * whose accept queue is full, as Linux does. Called with the netstack lock held.
 */
void netstack_set_input_filter(bool (*filter)(const uint8_t *data, uint32_t size));

/* True if the input filter drops the IP packet @data/@size. Caller holds the netstack lock. */
bool netstack_input_filter_drops(const uint8_t *data, uint32_t size);

/* True if @addr (IPv4, network order) is an address of one of the stack's links. The
 * links are fixed at boot: no lock needed. */
bool netstack_is_link_addr4(uint32_t addr);

/* True if the stack routes @addr (IPv4, network order) through a link. No lock needed.
 */
bool netstack_routes4(uint32_t addr);
