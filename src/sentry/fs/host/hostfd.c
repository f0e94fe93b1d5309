// SPDX-License-Identifier: Apache-2.0
/*
 * Host files (hostfd.h): file operations over an inherited host descriptor, and the host
 * poller thread that turns host readiness into waitq notifications. Terminal ioctls are in
 * tty.c.
 */
#include "sentry/fs/host/hostfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "abi/linux/errno.h"
#include "abi/linux/stat.h"
#include "common/list.h"
#include "common/log.h"
#include "sentry/fs/anon/epoll.h"
#include "sentry/fs/host/tty.h"
#include "sentry/fs/pipe/pipe.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/vfs/file.h"
#include "sentry/waiter/waitq.h"

/* Writes to a pipe, socket or tty go in chunks that fit once poll(2) says POLLOUT
 * (PIPE_BUF: a free pipe slot holds at least that much), so write(2) does not block. */
#define HOSTFD_WRITE_CHUNK 4096

enum hostfd_kind {
    HOSTFD_REGULAR, /* regular file or directory: I/O never waits for readiness */
    HOSTFD_STREAM,  /* pipe, socket, character device other than a tty */
    HOSTFD_TTY,
};

struct hostfd {
    int fd;                 /* Immutable */
    enum hostfd_kind kind;  /* Immutable */
    uint64_t id;            /* Immutable: key for the poller (never a pointer) */
    bool watched;           /* registered with the host epoll */
    struct waitq wq;
    struct list_head link;  /* in g_hostfds */
};

/* The poller. g_host_epfd and g_poller_started are written once under the kernel lock. */
static int g_host_epfd = -1;
static bool g_poller_started;
static struct list_head g_hostfds = LIST_HEAD_INIT(g_hostfds); /* Protected by kernel lock */
static uint64_t g_next_id = 1;

static const struct file_ops hostfd_seekable_ops;
static const struct file_ops hostfd_stream_ops;

bool file_is_hostfd(const struct file *f)
{
    return f->ops == &hostfd_seekable_ops || f->ops == &hostfd_stream_ops;
}

/* ---- the poller thread ------------------------------------------------------------------ */

static struct hostfd *hostfd_find_locked(uint64_t id)
{
    struct hostfd *h;
    list_for_each_entry(h, &g_hostfds, link)
    {
        if (h->id == id)
            return h;
    }
    return NULL;
}

static void *hostfd_poller_main(void *arg)
{
    struct epoll_event evs[32];
    for (;;) {
        int n = epoll_wait(g_host_epfd, evs, 32, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_error("host poller: epoll_wait: %s", strerror(errno));
            return NULL;
        }
        cv_lock_site = LOCK_SITE_POLLER;
        kernel_lock();
        for (int i = 0; i < n; i++) {
            struct hostfd *h = hostfd_find_locked(evs[i].data.u64);
            if (h)
                waitq_notify(&h->wq, evs[i].events);
        }
        kernel_unlock();
    }
    return NULL;
}

/* Start the poller thread (once). Caller holds the kernel lock. Returns 0 or -errno. */
static int hostfd_poller_start(void)
{
    if (g_poller_started)
        return 0;
    g_host_epfd = epoll_create1(EPOLL_CLOEXEC);
    if (g_host_epfd < 0)
        return -errno;

    /* The poller takes no signals: they are for task threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t th;
    int err = pthread_create(&th, NULL, hostfd_poller_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        close(g_host_epfd);
        g_host_epfd = -1;
        return -err;
    }
    pthread_detach(th);
    g_poller_started = true;
    return 0;
}

/* Register @h with the host epoll so that readiness changes reach h->wq. Files the host
 * cannot poll (EPERM: regular files, /dev/null) are always ready, so nobody waits on them. */
static void hostfd_watch(struct hostfd *h)
{
    if (h->watched || h->kind == HOSTFD_REGULAR)
        return;
    if (hostfd_poller_start() < 0)
        return;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLET,
                             .data.u64 = h->id};
    if (epoll_ctl(g_host_epfd, EPOLL_CTL_ADD, h->fd, &ev) == 0 || errno == EEXIST)
        h->watched = true;
    else
        log_debug("host fd %d not pollable: %s", h->fd, strerror(errno));
}

/* ---- I/O helpers ------------------------------------------------------------------------ */

static short host_poll(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    int n;
    do {
        n = poll(&p, 1, 0);
    } while (n < 0 && errno == EINTR);
    return n > 0 ? p.revents : 0;
}

/* Copy at most @max bytes' worth of @src (@cnt segments) into @dst. Returns the count. */
static int iov_trunc(const struct iovec *src, int cnt, size_t max, struct iovec *dst)
{
    int n = 0;
    for (int i = 0; i < cnt && max > 0; i++) {
        dst[n] = src[i];
        if (dst[n].iov_len > max)
            dst[n].iov_len = max;
        max -= dst[n].iov_len;
        n++;
    }
    return n;
}

/* One host transfer with the kernel lock released. Returns bytes or -errno. */
static ssize_t host_xfer(struct ctx *ctx, int fd, bool write_op, const struct iovec *iov, int cnt,
                         int64_t off)
{
    struct task *t = task_from_ctx(ctx);
    ssize_t n;
    int err;
    task_host_io_begin(t);
    do {
        if (off >= 0)
            n = write_op ? pwritev(fd, iov, cnt, off) : preadv(fd, iov, cnt, off);
        else
            n = write_op ? writev(fd, iov, cnt) : readv(fd, iov, cnt);
    } while (n < 0 && errno == EINTR);
    err = errno;
    task_host_io_end(t);
    return n < 0 ? -err : n;
}

/* ---- regular files ---------------------------------------------------------------------- */

/*
 * The implicit file position (read(2), write(2)) is the host description's own offset, so
 * that it stays shared with the user's shell as Linux shares it; pread/pwrite use theirs.
 * The VFS passes &f->pos for the implicit position.
 */
static ssize_t hostfd_reg_io(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos,
                             bool write_op)
{
    struct hostfd *h = f->priv;
    bool implicit = !pos || pos == &f->pos;
    int cnt;
    const struct iovec *iov = uio_iov(u, &cnt);
    if (uio_remaining(u) == 0)
        return 0;
    ssize_t n = host_xfer(ctx, h->fd, write_op, iov, cnt, implicit ? -1 : *pos);
    if (n == -EPIPE && write_op)
        pipe_send_sigpipe(ctx);
    if (n < 0)
        return n;
    uio_advance(u, (size_t)n);
    if (implicit) {
        off_t cur = lseek(h->fd, 0, SEEK_CUR);
        if (cur >= 0)
            f->pos = cur;
    } else {
        *pos += n;
    }
    return n;
}

static ssize_t hostfd_reg_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    return hostfd_reg_io(ctx, f, u, pos, false);
}

static ssize_t hostfd_reg_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    return hostfd_reg_io(ctx, f, u, pos, true);
}

static int64_t hostfd_llseek(struct ctx *ctx, struct file *f, int64_t off, int whence)
{
    struct hostfd *h = f->priv;
    off_t r = lseek(h->fd, off, whence);
    if (r < 0)
        return -errno;
    f->pos = r;
    return r;
}

/* ---- streams and ttys ------------------------------------------------------------------- */

static ssize_t hostfd_stream_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct hostfd *h = f->priv;
    if (uio_remaining(u) == 0)
        return 0;
    /* Only read what is there: the generic vfs_read waits on h->wq on -EAGAIN.
     * COMPAT: another reader of the same host description (the user's shell) could take
     * the input between poll and read; the read then blocks until more input arrives. */
    if (!(host_poll(h->fd, POLLIN) & (POLLIN | POLLHUP | POLLERR)))
        return -EAGAIN;
    int cnt;
    const struct iovec *iov = uio_iov(u, &cnt);
    ssize_t n = host_xfer(ctx, h->fd, false, iov, cnt, -1);
    if (n < 0)
        return n == -EWOULDBLOCK ? -EAGAIN : n;
    uio_advance(u, (size_t)n);
    return n;
}

/* Write one chunk if the host says it fits. Returns bytes, -EAGAIN (not now) or -errno. */
static ssize_t hostfd_write_chunk(struct ctx *ctx, struct hostfd *h, struct uio *u)
{
    if (!(host_poll(h->fd, POLLOUT) & (POLLOUT | POLLERR | POLLHUP)))
        return -EAGAIN;
    int cnt;
    const struct iovec *iov = uio_iov(u, &cnt);
    struct iovec chunk[UIO_MAX_IOV];
    int n = iov_trunc(iov, cnt, HOSTFD_WRITE_CHUNK, chunk);
    ssize_t r = host_xfer(ctx, h->fd, true, chunk, n, -1);
    if (r == -EWOULDBLOCK)
        return -EAGAIN;
    if (r > 0)
        uio_advance(u, (size_t)r);
    return r;
}

static ssize_t hostfd_stream_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct hostfd *h = f->priv;
    struct waiter w = {0};
    size_t total = 0;
    ssize_t ret;

    for (;;) {
        if (uio_remaining(u) == 0) {
            ret = (ssize_t)total;
            break;
        }
        ssize_t n = hostfd_write_chunk(ctx, h, u);
        if (n >= 0) {
            total += (size_t)n;
            continue;
        }
        if (n != -EAGAIN) {
            if (n == -EPIPE)
                pipe_send_sigpipe(ctx);
            ret = total ? (ssize_t)total : n;
            break;
        }
        if (f->flags & O_NONBLOCK) {
            ret = total ? (ssize_t)total : -EAGAIN;
            break;
        }
        hostfd_watch(h);
        if (!w.q)
            waitq_add(&h->wq, &w, ctx, POLLOUT | POLLERR | POLLHUP);
        if (ctx_wait(ctx, 0) == -EINTR) {
            ret = total ? (ssize_t)total : -LINUX_ERESTARTSYS;
            break;
        }
    }
    waitq_remove(&w);
    return ret;
}

/* ---- common operations ------------------------------------------------------------------ */

static uint32_t hostfd_poll(struct ctx *ctx, struct file *f)
{
    struct hostfd *h = f->priv;
    if (h->kind == HOSTFD_REGULAR)
        return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
    return (uint16_t)host_poll(h->fd, POLLIN | POLLPRI | POLLOUT | POLLRDHUP) & ~POLLNVAL;
}

static struct waitq *hostfd_waitq(struct file *f)
{
    struct hostfd *h = f->priv;
    hostfd_watch(h); /* someone is about to wait: start reporting host readiness */
    return &h->wq;
}

static long hostfd_ioctl(struct ctx *ctx, struct file *f, unsigned int cmd, gaddr_t arg)
{
    struct hostfd *h = f->priv;
    return host_tty_ioctl(ctx, h->fd, h->kind == HOSTFD_TTY, cmd, arg);
}

static void stat_from_host(const struct stat *hs, struct linux_stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_dev = hs->st_dev;
    st->st_ino = hs->st_ino;
    st->st_nlink = hs->st_nlink;
    st->st_mode = hs->st_mode;
    st->st_uid = hs->st_uid;
    st->st_gid = hs->st_gid;
    st->st_rdev = hs->st_rdev;
    st->st_size = hs->st_size;
    st->st_blksize = hs->st_blksize;
    st->st_blocks = hs->st_blocks;
    st->st_atim = (struct linux_timespec){hs->st_atim.tv_sec, hs->st_atim.tv_nsec};
    st->st_mtim = (struct linux_timespec){hs->st_mtim.tv_sec, hs->st_mtim.tv_nsec};
    st->st_ctim = (struct linux_timespec){hs->st_ctim.tv_sec, hs->st_ctim.tv_nsec};
}

static int hostfd_stat(struct ctx *ctx, struct file *f, struct linux_stat *st)
{
    struct hostfd *h = f->priv;
    struct stat hs;
    if (fstat(h->fd, &hs) < 0)
        return -errno;
    stat_from_host(&hs, st);
    return 0;
}

static int hostfd_fsync(struct ctx *ctx, struct file *f, bool datasync)
{
    struct task *t = task_from_ctx(ctx);
    struct hostfd *h = f->priv;
    if (h->kind != HOSTFD_REGULAR)
        return -EINVAL; /* as Linux for pipes, sockets and ttys */
    task_host_io_begin(t);
    int r = datasync ? fdatasync(h->fd) : fsync(h->fd);
    int err = errno;
    task_host_io_end(t);
    return r < 0 ? -err : 0;
}

static void hostfd_release(struct file *f)
{
    struct hostfd *h = f->priv;
    epoll_file_released(f);
    list_del(&h->link);
    if (h->watched)
        epoll_ctl(g_host_epfd, EPOLL_CTL_DEL, h->fd, NULL);
    close(h->fd);
    free(h);
}

static const struct file_ops hostfd_seekable_ops = {
    .read = hostfd_reg_read,
    .write = hostfd_reg_write,
    .llseek = hostfd_llseek,
    .poll = hostfd_poll,
    .waitq = hostfd_waitq,
    .ioctl = hostfd_ioctl,
    .stat = hostfd_stat,
    .fsync = hostfd_fsync,
    .release = hostfd_release,
};

static const struct file_ops hostfd_stream_ops = {
    .read = hostfd_stream_read,
    .write = hostfd_stream_write,
    .poll = hostfd_poll,
    .waitq = hostfd_waitq,
    .ioctl = hostfd_ioctl,
    .stat = hostfd_stat,
    .fsync = hostfd_fsync,
    .release = hostfd_release,
};

static enum hostfd_kind hostfd_classify(int fd, const struct stat *hs)
{
    if (S_ISREG(hs->st_mode) || S_ISDIR(hs->st_mode) || S_ISBLK(hs->st_mode))
        return HOSTFD_REGULAR;
    if (S_ISCHR(hs->st_mode) && isatty(fd))
        return HOSTFD_TTY;
    return HOSTFD_STREAM;
}

/* The name /proc/pid/fd shows, as the host names the description ("/dev/pts/0",
 * "pipe:[123]"). */
static void hostfd_name(int fd, const struct stat *hs, char *buf, size_t size)
{
    if (S_ISFIFO(hs->st_mode)) {
        snprintf(buf, size, "pipe:[%llu]", (unsigned long long)hs->st_ino);
        return;
    }
    if (S_ISSOCK(hs->st_mode)) {
        snprintf(buf, size, "socket:[%llu]", (unsigned long long)hs->st_ino);
        return;
    }
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, buf, size - 1);
    if (n > 0 && buf[0] == '/') {
        buf[n] = '\0';
        return;
    }
    snprintf(buf, size, "host:[%d]", fd);
}

int hostfd_file_new(int host_fd, uint32_t flags, struct file **out)
{
    struct stat hs;
    if (fstat(host_fd, &hs) < 0) {
        int err = errno;
        close(host_fd);
        return -err;
    }
    struct hostfd *h = calloc(1, sizeof(*h));
    if (!h) {
        close(host_fd);
        return -ENOMEM;
    }
    h->fd = host_fd;
    h->kind = hostfd_classify(host_fd, &hs);
    h->id = g_next_id++;
    waitq_init(&h->wq);

    const struct file_ops *ops =
        h->kind == HOSTFD_REGULAR ? &hostfd_seekable_ops : &hostfd_stream_ops;
    char name[256];
    hostfd_name(host_fd, &hs, name, sizeof(name));
    int ret = file_new_anon(ops, h, flags & (O_ACCMODE | O_APPEND | O_NONBLOCK), name, out);
    if (ret < 0) {
        close(host_fd);
        free(h);
        return ret;
    }
    (*out)->anon_ino = hs.st_ino;
    if (h->kind == HOSTFD_REGULAR) {
        off_t cur = lseek(host_fd, 0, SEEK_CUR);
        (*out)->pos = cur > 0 ? cur : 0;
    }
    list_add_tail(&h->link, &g_hostfds);
    epoll_release_aware(ops);
    return 0;
}
