// SPDX-License-Identifier: Apache-2.0
/* Wait queues (waitq.h): lists of waiters woken through their context or a callback. */
#include "sentry/waiter/waitq.h"
#include "sentry/context/klock.h"

#include "sentry/context/context.h"

void waitq_init(struct waitq *q)
{
    list_init(&q->waiters);
}

void waitq_add(struct waitq *q, struct waiter *w, struct ctx *c, uint32_t mask)
{
    KERNEL_LOCK_ASSERT();
    w->q = q;
    w->ctx = c;
    w->mask = mask;
    list_add_tail(&w->link, &q->waiters);
}

void waitq_remove(struct waiter *w)
{
    KERNEL_LOCK_ASSERT();
    if (w->q) {
        list_del(&w->link);
        w->q = NULL;
    }
}

void waitq_notify(struct waitq *q, uint32_t events)
{
    KERNEL_LOCK_ASSERT();
    struct waiter *w, *n;
    list_for_each_entry_safe(w, n, &q->waiters, link)
    {
        if (events && w->mask && !(w->mask & events))
            continue;
        if (w->notify)
            w->notify(w, events);
        else if (w->ctx)
            ctx_wake(w->ctx);
    }
}
