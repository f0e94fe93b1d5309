// SPDX-License-Identifier: Apache-2.0
/*
 * Pipes and FIFOs (pipe.h). The data lives in a pipe_ring; this file adds the reader and
 * writer counts, blocking, readiness and the file operations. Readers get -EAGAIN from the
 * read op and are blocked by the generic vfs_read; writers block inside the write op,
 * because a blocking write of more than the free space must finish the whole transfer.
 */
#include "sentry/fs/pipe/pipe.h"
#include "sentry/vfs/vfs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "abi/linux/errno.h"
#include "common/log.h"
#include "abi/linux/stat.h"
#include "sentry/fs/anon/anon.h"
#include "sentry/fs/anon/epoll.h"
#include "sentry/fs/pipe/pipe_ring.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs_ops.h"
#include "sentry/waiter/waitq.h"

#define LINUX_FIONREAD 0x541Bu
#define LINUX_F_SETPIPE_SZ 1031
#define LINUX_F_GETPIPE_SZ 1032

struct pipe {
    int refs;              /* one per open end + one for a FIFO inode */
    struct pipe_ring ring;
    int readers, writers;  /* open read / write ends */
    unsigned r_opens, w_opens; /* counts of opens, for FIFO open waits */
    struct waitq wq;       /* readiness of both ends and FIFO opens */
    uint64_t ino;
    uint64_t ctime_ns;
};

static const struct file_ops pipe_anon_ops;
static const struct file_ops pipe_fifo_ops;
static void pipe_release(struct file *f);

struct pipe *pipe_new(void)
{
    struct pipe *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->refs = 1;
    pipe_ring_init(&p->ring, PIPE_DEFAULT_SIZE);
    waitq_init(&p->wq);
    p->ino = anon_ino_alloc();
    p->ctime_ns = anon_realtime_ns();
    return p;
}

void pipe_unref(struct pipe *p)
{
    CV_BUG_ON(p && p->refs <= 0);
    if (!p || --p->refs > 0)
        return;
    pipe_ring_destroy(&p->ring);
    free(p);
}

bool file_is_pipe(const struct file *f)
{
    return f->ops == &pipe_anon_ops || f->ops == &pipe_fifo_ops;
}

void pipe_send_sigpipe(struct ctx *ctx)
{
    struct task *t = task_from_ctx(ctx);
    if (!t)
        return;
    struct linux_siginfo info;
    signal_info_kill(&info, SIGPIPE, LINUX_SI_USER, t);
    signal_send_task(t, &info);
}

/* Account a new open end of @p with access mode @flags. */
static void pipe_attach(struct pipe *p, uint32_t flags)
{
    p->refs++;
    if ((flags & O_ACCMODE) != O_WRONLY) {
        p->readers++;
        p->r_opens++;
    }
    if ((flags & O_ACCMODE) != O_RDONLY) {
        p->writers++;
        p->w_opens++;
    }
    waitq_notify(&p->wq, 0);
}

static int pipe_file_new(struct pipe *p, const struct file_ops *ops, uint32_t flags,
                         struct file **out)
{
    char name[40];
    snprintf(name, sizeof(name), "pipe:[%llu]", (unsigned long long)p->ino);
    int ret = file_new_anon(ops, p, flags, name, out);
    if (ret < 0)
        return ret;
    (*out)->anon_ino = p->ino;
    pipe_attach(p, flags);
    epoll_release_aware(ops);
    return 0;
}

int pipe_create(uint32_t flags, struct file **rd, struct file **wr)
{
    struct pipe *p = pipe_new();
    if (!p)
        return -ENOMEM;
    uint32_t nb = flags & O_NONBLOCK;
    int ret = pipe_file_new(p, &pipe_anon_ops, O_RDONLY | nb, rd);
    if (ret == 0) {
        ret = pipe_file_new(p, &pipe_anon_ops, O_WRONLY | nb, wr);
        if (ret < 0)
            file_unref(*rd);
    }
    pipe_unref(p); /* the ends hold their own references */
    return ret;
}

/* ---- FIFO open -------------------------------------------------------------------------- */

/* Wait until @counter (r_opens or w_opens of @p) moves past @seen. Returns 0 or
 * -ERESTARTSYS. */
static int pipe_wait_open(struct ctx *ctx, struct pipe *p, unsigned *counter, unsigned seen,
                          int *peers)
{
    struct waiter w = {0};
    int ret = 0;
    while (*counter == seen && *peers == 0) {
        if (!w.q)
            waitq_add(&p->wq, &w, ctx, 0);
        if (ctx_wait(ctx, 0) == -EINTR) {
            ret = -LINUX_ERESTARTSYS;
            break;
        }
    }
    waitq_remove(&w);
    return ret;
}

int pipe_open_fifo(struct ctx *ctx, struct pipe *p, uint32_t flags, struct file **out)
{
    uint32_t acc = flags & O_ACCMODE;
    bool nb = flags & O_NONBLOCK;
    if (acc == O_WRONLY && nb && p->readers == 0)
        return -ENXIO;
    int ret = pipe_file_new(p, &pipe_fifo_ops, flags & (O_ACCMODE | O_NONBLOCK | O_APPEND), out);
    if (ret < 0)
        return ret;
    if (acc == O_RDONLY && !nb)
        ret = pipe_wait_open(ctx, p, &p->w_opens, p->w_opens, &p->writers);
    else if (acc == O_WRONLY)
        ret = pipe_wait_open(ctx, p, &p->r_opens, p->r_opens, &p->readers);
    if (ret < 0) {
        file_unref(*out);
        *out = NULL;
    }
    return ret;
}

/* Open the FIFO @inode into @f, on the pipe kept in inode->fifo: open(2)'s rules for FIFOs
 * (a blocking open waits for the other end; O_WRONLY|O_NONBLOCK without a reader is ENXIO). */
static int fifo_open_inode(struct ctx *ctx, struct inode *inode, struct file *f)
{
    if (!inode->fifo && !(inode->fifo = pipe_new()))
        return -ENOMEM;
    struct pipe *p = inode->fifo;
    uint32_t acc = f->flags & O_ACCMODE;
    bool nb = f->flags & O_NONBLOCK;
    if (acc == O_WRONLY && nb && p->readers == 0)
        return -ENXIO;
    f->ops = &pipe_fifo_ops;
    f->priv = p;
    pipe_attach(p, f->flags);
    epoll_release_aware(&pipe_fifo_ops);
    int ret = 0;
    if (acc == O_RDONLY && !nb)
        ret = pipe_wait_open(ctx, p, &p->w_opens, p->w_opens, &p->writers);
    else if (acc == O_WRONLY)
        ret = pipe_wait_open(ctx, p, &p->r_opens, p->r_opens, &p->readers);
    if (ret < 0)
        pipe_release(f); /* the caller drops @f without releasing it */
    return ret;
}

static void fifo_release(void *fifo)
{
    pipe_unref(fifo);
}

static const struct vfs_fifo_ops g_pipe_fifo_ops = {
    .open = fifo_open_inode,
    .release = fifo_release,
};

void pipe_register_fifo(void)
{
    vfs_register_fifo(&g_pipe_fifo_ops);
}

/* ---- file operations -------------------------------------------------------------------- */

static ssize_t pipe_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct pipe *p = f->priv;
    size_t total = 0;

    if (uio_remaining(u) == 0)
        return 0;
    while (uio_remaining(u) > 0) {
        const uint8_t *src;
        size_t span = pipe_ring_read_span(&p->ring, &src);
        if (span == 0)
            break;
        size_t n = uio_copy_to(u, src, span);
        pipe_ring_consume(&p->ring, n);
        total += n;
        if (n < span)
            break;
    }
    if (total > 0) {
        waitq_notify(&p->wq, POLLOUT | POLLWRNORM);
        return (ssize_t)total;
    }
    return p->writers == 0 ? 0 : -EAGAIN;
}

/* Copy as much of @u as fits into the ring. Returns bytes or -ENOMEM. */
static ssize_t pipe_push_uio(struct pipe *p, struct uio *u)
{
    size_t total = 0;
    while (uio_remaining(u) > 0) {
        uint8_t *dst;
        bool nomem = false;
        size_t span = pipe_ring_write_span(&p->ring, &dst, &nomem);
        if (nomem)
            return total ? (ssize_t)total : -ENOMEM;
        if (span == 0)
            break;
        size_t n = uio_copy_from(u, dst, span);
        pipe_ring_commit(&p->ring, n);
        total += n;
        if (n < span)
            break;
    }
    return (ssize_t)total;
}

/* True if a write of @want bytes can make progress now (PIPE_BUF writes are atomic). */
static bool pipe_can_write(const struct pipe *p, size_t want)
{
    size_t space = pipe_ring_space(&p->ring);
    if (want <= LINUX_PIPE_BUF)
        return space >= want;
    return space > 0;
}

static ssize_t pipe_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct pipe *p = f->priv;
    struct waiter w = {0};
    size_t total = 0;
    ssize_t ret;

    if (uio_remaining(u) == 0)
        return 0;
    for (;;) {
        if (p->readers == 0) {
            pipe_send_sigpipe(ctx);
            ret = total ? (ssize_t)total : -EPIPE;
            break;
        }
        if (pipe_can_write(p, uio_remaining(u))) {
            ssize_t n = pipe_push_uio(p, u);
            if (n < 0) {
                ret = total ? (ssize_t)total : n;
                break;
            }
            total += (size_t)n;
            waitq_notify(&p->wq, POLLIN | POLLRDNORM);
            if (uio_remaining(u) == 0) {
                ret = (ssize_t)total;
                break;
            }
        }
        if (f->flags & O_NONBLOCK) {
            ret = total ? (ssize_t)total : -EAGAIN;
            break;
        }
        if (!w.q)
            waitq_add(&p->wq, &w, ctx, POLLOUT | POLLWRNORM | POLLERR);
        if (ctx_wait(ctx, 0) == -EINTR) {
            ret = total ? (ssize_t)total : -LINUX_ERESTARTSYS;
            break;
        }
    }
    waitq_remove(&w);
    return ret;
}

void pipe_splice_state(const struct file *f, struct pipe_splice_state *st)
{
    const struct pipe *p = f->priv;
    st->len = p->ring.len;
    st->space = pipe_ring_space(&p->ring);
    st->readers = p->readers;
    st->writers = p->writers;
}

bool pipe_splice_same(const struct file *a, const struct file *b)
{
    return a->priv == b->priv;
}

size_t pipe_splice_out(struct file *f, struct uio *u, size_t skip, bool consume)
{
    struct pipe *p = f->priv;
    struct pipe_ring *r = &p->ring;
    size_t total = 0;
    while (r->buf && skip + total < r->len && uio_remaining(u) > 0) {
        /* The byte skip + total of the queue, and the contiguous run from it. */
        size_t at = (r->head + skip + total) & (r->cap - 1);
        size_t run = r->cap - at;
        size_t left = r->len - skip - total;
        size_t n = uio_copy_to(u, r->buf + at, run < left ? run : left);
        if (n == 0)
            break;
        total += n;
    }
    if (consume && total > 0) {
        pipe_ring_consume(r, total); /* skip is 0 whenever bytes are consumed */
        waitq_notify(&p->wq, POLLOUT | POLLWRNORM);
    }
    return total;
}

ssize_t pipe_splice_in(struct file *f, struct uio *u)
{
    struct pipe *p = f->priv;
    ssize_t n = pipe_push_uio(p, u);
    if (n > 0)
        waitq_notify(&p->wq, POLLIN | POLLRDNORM);
    return n;
}

static uint32_t pipe_poll(struct ctx *ctx, struct file *f)
{
    struct pipe *p = f->priv;
    uint32_t mask = 0;
    if (file_readable(f)) {
        if (p->ring.len > 0)
            mask |= POLLIN | POLLRDNORM;
        /* COMPAT: a FIFO read end reports POLLHUP before any writer has opened it. */
        if (p->writers == 0)
            mask |= POLLHUP;
    }
    if (file_writable(f)) {
        if (pipe_ring_space(&p->ring) >= LINUX_PIPE_BUF)
            mask |= POLLOUT | POLLWRNORM;
        if (p->readers == 0)
            mask |= POLLERR;
    }
    return mask;
}

static struct waitq *pipe_waitq(struct file *f)
{
    struct pipe *p = f->priv;
    return &p->wq;
}

long pipe_fcntl(struct file *f, int cmd, unsigned long arg)
{
    if (!file_is_pipe(f))
        return -EBADF;
    struct pipe *p = f->priv;
    if (cmd == LINUX_F_GETPIPE_SZ)
        return (long)p->ring.cap;
    if (cmd != LINUX_F_SETPIPE_SZ)
        return -EINVAL;

    /* Linux: the argument is an unsigned int, rounded up to a power-of-two page count. */
    unsigned long size = (unsigned int)arg;
    if (size > (1ul << 31))
        return -EINVAL;
    unsigned long cap = 4096;
    while (cap < size)
        cap <<= 1;
    /* COMPAT: the sandbox enforces pipe-max-size even for root (bounded Sentry memory). */
    if (cap > PIPE_MAX_SIZE)
        return -EPERM;
    int ret = pipe_ring_resize(&p->ring, cap);
    if (ret < 0)
        return ret;
    waitq_notify(&p->wq, POLLOUT | POLLWRNORM);
    return (long)cap;
}

static long pipe_ioctl(struct ctx *ctx, struct file *f, unsigned int cmd, gaddr_t arg)
{
    struct task *t = task_from_ctx(ctx);
    struct pipe *p = f->priv;
    switch (cmd) {
    case LINUX_FIONREAD: {
        int n = (int)p->ring.len;
        return copy_out(t, arg, &n, sizeof(n));
    }
    case VFS_FCNTL_GETPIPE_SZ:
        return pipe_fcntl(f, LINUX_F_GETPIPE_SZ, arg);
    case VFS_FCNTL_SETPIPE_SZ:
        return pipe_fcntl(f, LINUX_F_SETPIPE_SZ, arg);
    default:
        return -ENOTTY;
    }
}

static int pipe_stat(struct ctx *ctx, struct file *f, struct linux_stat *st)
{
    struct pipe *p = f->priv;
    anon_fill_stat(st, S_IFIFO | 0600, ANON_DEV_PIPEFS, p->ino, p->ctime_ns);
    return 0;
}

static void pipe_release(struct file *f)
{
    struct pipe *p = f->priv;
    epoll_file_released(f);
    if (file_readable(f) && --p->readers == 0)
        waitq_notify(&p->wq, POLLOUT | POLLWRNORM | POLLERR);
    if (file_writable(f) && --p->writers == 0)
        waitq_notify(&p->wq, POLLIN | POLLRDNORM | POLLHUP);
    pipe_unref(p);
}

static const struct file_ops pipe_anon_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .poll = pipe_poll,
    .waitq = pipe_waitq,
    .ioctl = pipe_ioctl,
    .stat = pipe_stat,
    .release = pipe_release,
};

/* FIFOs: same, but stat comes from the filesystem inode (f->inode). */
static const struct file_ops pipe_fifo_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .poll = pipe_poll,
    .waitq = pipe_waitq,
    .ioctl = pipe_ioctl,
    .release = pipe_release,
};
