// SPDX-License-Identifier: Apache-2.0
/*
 * Wait queues. Every blocking operation in the Sentry waits on one or more wait queues with
 * a per-context wake-up (context/context.h) that a signal or a timeout can also trigger
 * (DESIGN.md 2). They sit below the VFS and the kernel, as gVisor's waiter package does.
 *
 * Locking: all wait queues are protected by the kernel lock (context/klock.h), asserted in
 * debug builds.
 */
#pragma once

#include <stdint.h>

#include "common/list.h"

struct ctx;

struct waitq {
    struct list_head waiters; /* of struct waiter; Protected by the kernel lock */
};

struct waiter {
    struct list_head link; /* in waitq->waiters */
    struct waitq *q;       /* NULL when not queued */
    struct ctx *ctx;       /* the context to wake; NULL for a callback-only waiter */
    uint32_t mask;         /* events of interest (POLLIN...); 0 means all */
    /* Optional: called (kernel lock held) instead of waking @ctx directly. */
    void (*notify)(struct waiter *w, uint32_t events);
    void *priv;
};

void waitq_init(struct waitq *q);

/* Queue @w (for @c, interested in @mask) on @q. Caller holds the kernel lock. */
void waitq_add(struct waitq *q, struct waiter *w, struct ctx *c, uint32_t mask);

/* Unqueue @w if queued. Caller holds the kernel lock. */
void waitq_remove(struct waiter *w);

/* Wake every waiter on @q whose mask intersects @events (all if @events is 0).
 * Caller holds the kernel lock. */
void waitq_notify(struct waitq *q, uint32_t events);

/* True if nobody waits on @q. */
static inline int waitq_empty(const struct waitq *q)
{
    return list_empty(&q->waiters);
}
