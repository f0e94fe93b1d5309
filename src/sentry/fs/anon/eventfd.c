// SPDX-License-Identifier: Apache-2.0
/*
 * eventfd(2) files: 8-byte reads take the counter (or 1 in semaphore mode), 8-byte writes
 * add to it; the counter never exceeds 0xfffffffffffffffe. Blocking is done by the generic
 * vfs_read/vfs_write on -EAGAIN.
 */
#include "sentry/fs/anon/eventfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "abi/linux/stat.h"
#include "sentry/fs/anon/anon.h"
#include "sentry/fs/anon/epoll.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"
#include "sentry/waiter/waitq.h"

#define EVENTFD_MAX 0xfffffffffffffffeull
#define LINUX_FIONREAD 0x541Bu

struct eventfd {
    uint64_t count;
    bool semaphore;
    struct waitq wq;
    uint64_t ctime_ns;
};

int64_t eventfd_counter_read(uint64_t *count, bool semaphore, uint64_t *val)
{
    if (*count == 0)
        return -EAGAIN;
    *val = semaphore ? 1 : *count;
    *count -= *val;
    return 0;
}

int eventfd_counter_write(uint64_t *count, uint64_t val)
{
    if (val == UINT64_MAX)
        return -EINVAL;
    if (val > EVENTFD_MAX - *count)
        return -EAGAIN;
    *count += val;
    return 0;
}

static ssize_t eventfd_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct eventfd *e = f->priv;
    uint64_t val;
    if (uio_remaining(u) < sizeof(val))
        return -EINVAL;
    int64_t ret = eventfd_counter_read(&e->count, e->semaphore, &val);
    if (ret < 0)
        return ret;
    uio_copy_to(u, &val, sizeof(val));
    waitq_notify(&e->wq, POLLOUT | POLLWRNORM);
    return sizeof(val);
}

static ssize_t eventfd_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct eventfd *e = f->priv;
    uint64_t val;
    if (uio_remaining(u) < sizeof(val))
        return -EINVAL;
    /* Peek through a copy: a write that must wait is retried with the same uio. */
    struct uio peek = *u;
    if (uio_copy_from(&peek, &val, sizeof(val)) != sizeof(val))
        return -EFAULT;
    int ret = eventfd_counter_write(&e->count, val);
    if (ret < 0)
        return ret;
    uio_advance(u, sizeof(val));
    if (val)
        waitq_notify(&e->wq, POLLIN | POLLRDNORM);
    return sizeof(val);
}

static uint32_t eventfd_poll(struct ctx *ctx, struct file *f)
{
    struct eventfd *e = f->priv;
    uint32_t mask = 0;
    if (e->count > 0)
        mask |= POLLIN | POLLRDNORM;
    if (e->count < EVENTFD_MAX)
        mask |= POLLOUT | POLLWRNORM;
    return mask;
}

static struct waitq *eventfd_waitq(struct file *f)
{
    struct eventfd *e = f->priv;
    return &e->wq;
}

static long eventfd_ioctl(struct ctx *ctx, struct file *f, unsigned int cmd, gaddr_t arg)
{
    return -ENOTTY;
}

static int eventfd_stat(struct ctx *ctx, struct file *f, struct linux_stat *st)
{
    struct eventfd *e = f->priv;
    anon_fill_stat(st, S_IRUSR | S_IWUSR, ANON_DEV_ANON_INODE, ANON_INODE_INO, e->ctime_ns);
    return 0;
}

static void eventfd_release(struct file *f)
{
    epoll_file_released(f);
    free(f->priv);
}

static const struct file_ops eventfd_ops = {
    .read = eventfd_read,
    .write = eventfd_write,
    .poll = eventfd_poll,
    .waitq = eventfd_waitq,
    .ioctl = eventfd_ioctl,
    .stat = eventfd_stat,
    .release = eventfd_release,
};

int eventfd_create_file(uint64_t initval, uint32_t flags, struct file **out)
{
    struct eventfd *e = calloc(1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->count = initval;
    e->semaphore = flags & LINUX_EFD_SEMAPHORE;
    waitq_init(&e->wq);
    e->ctime_ns = anon_realtime_ns();
    int ret = file_new_anon(&eventfd_ops, e, O_RDWR | (flags & O_NONBLOCK),
                            "anon_inode:[eventfd]", out);
    if (ret < 0) {
        free(e);
        return ret;
    }
    (*out)->anon_ino = ANON_INODE_INO;
    epoll_release_aware(&eventfd_ops);
    return 0;
}
