// SPDX-License-Identifier: Apache-2.0
/*
 * timerfd: a kernel timer (kernel/timer.c) whose expirations a read(2) collects as a u64
 * count; readable (POLLIN) while the count is not zero. Absolute CLOCK_REALTIME settings are
 * converted to CLOCK_MONOTONIC once (COMPAT: a later change of the wall clock is not seen).
 */
#include "sentry/fs/anon/timerfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "abi/linux/stat.h"
#include "common/list.h"
#include "sentry/fs/anon/anon.h"
#include "sentry/fs/anon/epoll.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/timer.h"
#include "sentry/vfs/file.h"
#include "sentry/waiter/waitq.h"

struct timerfd {
    int clockid;
    uint64_t interval_ns;
    uint64_t ticks;        /* expirations not read yet */
    struct ktimer kt;      /* armed while the timer runs */
    struct waitq wq;
    uint64_t ctime_ns;
};

static const struct file_ops timerfd_ops;

static void timerfd_fire(struct ktimer *kt, uint64_t now)
{
    struct timerfd *tf = container_of(kt, struct timerfd, kt);
    uint64_t missed = 0;
    if (tf->interval_ns) {
        missed = (now - kt->deadline_ns) / tf->interval_ns;
        ktimer_arm(kt, kt->deadline_ns + (missed + 1) * tf->interval_ns);
    }
    tf->ticks += 1 + missed;
    waitq_notify(&tf->wq, POLLIN | POLLRDNORM);
}

static ssize_t timerfd_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct timerfd *tf = f->priv;
    if (uio_remaining(u) < sizeof(uint64_t))
        return -EINVAL;
    if (tf->ticks == 0)
        return -EAGAIN; /* vfs_read waits on the waitq unless O_NONBLOCK */
    uint64_t n = tf->ticks;
    tf->ticks = 0;
    uio_copy_to(u, &n, sizeof(n));
    return sizeof(n);
}

static uint32_t timerfd_poll(struct ctx *ctx, struct file *f)
{
    return ((struct timerfd *)f->priv)->ticks ? POLLIN | POLLRDNORM : 0;
}

static struct waitq *timerfd_waitq(struct file *f)
{
    return &((struct timerfd *)f->priv)->wq;
}

static int timerfd_stat(struct ctx *ctx, struct file *f, struct linux_stat *st)
{
    anon_fill_stat(st, S_IFREG | 0600, ANON_DEV_ANON_INODE, ANON_INODE_INO,
                   ((struct timerfd *)f->priv)->ctime_ns);
    return 0;
}

static void timerfd_release(struct file *f)
{
    struct timerfd *tf = f->priv;
    epoll_file_released(f);
    ktimer_cancel(&tf->kt);
    free(tf);
}

static const struct file_ops timerfd_ops = {
    .read = timerfd_read,
    .poll = timerfd_poll,
    .waitq = timerfd_waitq,
    .stat = timerfd_stat,
    .release = timerfd_release,
};

int file_is_timerfd(struct file *f)
{
    return f->ops == &timerfd_ops;
}

int timerfd_create_file(int clockid, uint32_t flags, struct file **out)
{
    struct timerfd *tf = calloc(1, sizeof(*tf));
    if (!tf)
        return -ENOMEM;
    tf->clockid = clockid;
    tf->kt.fire = timerfd_fire;
    list_init(&tf->kt.link);
    waitq_init(&tf->wq);
    tf->ctime_ns = anon_realtime_ns();
    int ret = file_new_anon(&timerfd_ops, tf, O_RDWR | (flags & O_NONBLOCK),
                            "anon_inode:[timerfd]", out);
    if (ret < 0) {
        free(tf);
        return ret;
    }
    (*out)->anon_ino = ANON_INODE_INO;
    epoll_release_aware(&timerfd_ops);
    return 0;
}

void timerfd_get(struct file *f, struct timerfd_spec *cur)
{
    struct timerfd *tf = f->priv;
    uint64_t now = kernel_now_ns();
    cur->interval_ns = tf->interval_ns;
    if (!tf->kt.armed)
        cur->value_ns = 0;
    else
        cur->value_ns = tf->kt.deadline_ns > now ? tf->kt.deadline_ns - now : 1;
}

/* The current time of @clockid, in ns. */
static uint64_t clock_now(int clockid)
{
    struct timespec ts;
    clock_gettime(clockid == CLOCK_REALTIME || clockid == CLOCK_REALTIME_ALARM ? CLOCK_REALTIME
                                                                              : CLOCK_MONOTONIC,
                  &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int timerfd_set(struct file *f, int abs_time, const struct timerfd_spec *spec,
                struct timerfd_spec *old)
{
    struct timerfd *tf = f->priv;
    if (old)
        timerfd_get(f, old);
    ktimer_cancel(&tf->kt);
    tf->ticks = 0;
    tf->interval_ns = spec->value_ns ? spec->interval_ns : 0;
    if (!spec->value_ns)
        return 0;
    uint64_t mono_now = kernel_now_ns();
    uint64_t deadline;
    if (abs_time) {
        uint64_t now = clock_now(tf->clockid);
        deadline = spec->value_ns > now ? mono_now + (spec->value_ns - now) : mono_now;
    } else {
        deadline = mono_now + spec->value_ns;
    }
    ktimer_arm(&tf->kt, deadline);
    return 0;
}
