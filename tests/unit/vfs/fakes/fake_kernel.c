// SPDX-License-Identifier: Apache-2.0
/* Fakes of kernel/task.c, kernel/waitq.c and mm's invalidation for the VFS unit tests:
 * nothing ever blocks, and nothing is mapped. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/vfs.h"
#include "tests/unit/vfs/fakes/fake_kernel.h"

struct kernel g_kernel = {.lock = PTHREAD_MUTEX_INITIALIZER};
__thread struct task *g_current;
unsigned long g_fake_nofile = 1024;

/* Timestamps: the host's wall clock. */
uint64_t kernel_realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int task_wait(struct task *t, uint64_t deadline_ns)
{
    return -EINTR; /* a test that blocks is a bug: report a signal */
}

uint64_t task_rlimit_cur(struct task *t, int resource)
{
    return resource == RLIMIT_NOFILE ? g_fake_nofile : RLIM_INFINITY;
}

void waitq_init(struct waitq *q)
{
    list_init(&q->waiters);
}

void waitq_add(struct waitq *q, struct waiter *w, struct task *t, uint32_t mask)
{
    w->q = q;
    w->task = t;
    w->mask = mask;
    list_add_tail(&w->link, &q->waiters);
}

void waitq_remove(struct waiter *w)
{
    if (w->q)
        list_del(&w->link);
    w->q = NULL;
}

void waitq_notify(struct waitq *q, uint32_t events)
{
}

/* File systems tell mm when mapped pages change; these tests map nothing. */
void mm_invalidate_mappable(struct mappable *m, uint64_t off, uint64_t end, enum mm_inval_mode mode)
{
    if (m->rmap)
        abort();
}

struct task *fake_task_new(void)
{
    struct task *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    if (fdtable_new(&t->fdt) < 0 || fs_context_new_root(&t->fs) < 0) {
        fake_task_free(t);
        return NULL;
    }
    return t;
}

void fake_task_free(struct task *t)
{
    if (t->fdt)
        fdtable_unref(t->fdt);
    if (t->fs)
        fs_context_unref(t->fs);
    free(t);
}
