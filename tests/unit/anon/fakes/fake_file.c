// SPDX-License-Identifier: Apache-2.0
/* Minimal struct file and fdtable implementations for the anon unit tests (wait queues are
 * the real ones, waiter/waitq.c). */
#include "tests/unit/anon/fakes/fake_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sentry/kernel/fdtable.h"
#include "sentry/waiter/waitq.h"

static int g_live;

/* Timestamps: the host's wall clock. */
uint64_t kernel_realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int fake_file_live_count(void)
{
    return g_live;
}

int file_new_anon(const struct file_ops *ops, void *priv, uint32_t flags, const char *name,
                  struct file **out)
{
    struct file *f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->refs = 1;
    f->ops = ops;
    f->priv = priv;
    f->flags = flags;
    f->anon_name = strdup(name);
    g_live++;
    *out = f;
    return 0;
}

struct file *file_ref(struct file *f)
{
    f->refs++;
    return f;
}

void file_unref(struct file *f)
{
    if (--f->refs > 0)
        return;
    if (f->ops->release)
        f->ops->release(f);
    free(f->anon_name);
    free(f);
    g_live--;
}

uint32_t file_poll(struct ctx *ctx, struct file *f)
{
    return f->ops->poll ? f->ops->poll(ctx, f) : 0;
}

struct file *fdtable_get(struct fdtable *fdt, int fd)
{
    return NULL;
}
