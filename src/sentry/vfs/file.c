// SPDX-License-Identifier: Apache-2.0
/*
 * Open file descriptions: lifetime, the generic read/write paths (access mode, positions,
 * O_APPEND, blocking on -EAGAIN), lseek helpers, kernel reads for the loader and the path
 * of a file as /proc shows it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "abi/linux/errno.h"
#include "common/log.h"
#include "sentry/vfs/vfs_internal.h"
#include "sentry/vfs/vfs_ops.h"

int file_new_anon(const struct file_ops *ops, void *priv, uint32_t flags, const char *name,
                  struct file **out)
{
    struct file *f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    if (name) {
        f->anon_name = strdup(name);
        if (!f->anon_name) {
            free(f);
            return -ENOMEM;
        }
    }
    f->refs = 1;
    f->ops = ops;
    f->priv = priv;
    f->flags = flags;
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
    CV_BUG_ON(f && f->refs <= 0);
    if (!f || --f->refs > 0)
        return;
    vfs_locks_release_file(f);
    if (f->ops)
        vfs_notify_file(f, file_writable(f) ? VFS_IN_CLOSE_WRITE : VFS_IN_CLOSE_NOWRITE);
    if (f->ops && f->ops->release)
        f->ops->release(f);
    if (f->path) {
        path_put(f->path);
        free(f->path);
    }
    if (f->inode)
        inode_unref(f->inode);
    free(f->anon_name);
    free(f);
}

bool vfs_file_seekable(const struct file *f)
{
    return f->ops && f->ops->llseek != NULL;
}

bool vfs_file_is_regular(const struct file *f)
{
    return f->inode && S_ISREG(f->inode->mode);
}

bool vfs_file_is_dir(const struct file *f)
{
    return f->inode && S_ISDIR(f->inode->mode);
}

int64_t vfs_file_size(const struct file *f)
{
    return f->inode ? f->inode->size : 0;
}

bool vfs_files_same_inode(const struct file *a, const struct file *b)
{
    return a->inode && a->inode == b->inode;
}

bool vfs_files_same_fs(const struct file *a, const struct file *b)
{
    return a->inode && b->inode && a->inode->sb == b->inode->sb;
}

/* Call read or write once, then block on -EAGAIN until the file is ready or a signal. */
static ssize_t io_blocking(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos,
                           bool is_write)
{
    uint32_t events = is_write ? (POLLOUT | POLLERR | POLLHUP) : (POLLIN | POLLERR | POLLHUP);
    for (;;) {
        ssize_t ret = is_write ? f->ops->write(ctx, f, u, pos) : f->ops->read(ctx, f, u, pos);
        if (ret != -EAGAIN || (f->flags & O_NONBLOCK) || !f->ops->waitq || !f->ops->poll)
            return ret;
        struct waitq *q = f->ops->waitq(f);
        if (!q)
            return ret;
        struct waiter w;
        memset(&w, 0, sizeof(w));
        waitq_add(q, &w, ctx, events);
        int wret = 0;
        if (!(file_poll(ctx, f) & events))
            wret = ctx_wait(ctx, 0);
        waitq_remove(&w);
        if (wret == -EINTR)
            return -LINUX_ERESTARTSYS;
    }
}

/* Common checks of read and write; picks the position pointer. */
static int io_prepare(struct file *f, int64_t *pos, int64_t **ppos)
{
    if (f->flags & O_PATH)
        return -EBADF;
    if (pos) {
        if (!vfs_file_seekable(f))
            return -ESPIPE;
        if (*pos < 0)
            return -EINVAL;
        *ppos = pos;
    } else {
        *ppos = vfs_file_seekable(f) ? &f->pos : NULL;
    }
    return 0;
}

ssize_t vfs_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    if (!file_readable(f))
        return -EBADF;
    if (!f->ops || !f->ops->read)
        return (f->inode && S_ISDIR(f->inode->mode)) ? -EISDIR : -EINVAL;
    int64_t *ppos;
    int ret = io_prepare(f, pos, &ppos);
    if (ret < 0)
        return ret;
    if (uio_remaining(u) == 0)
        return 0;
    ssize_t n = io_blocking(ctx, f, u, ppos, false);
    if (n > 0)
        vfs_notify_file(f, VFS_IN_ACCESS);
    return n;
}

ssize_t vfs_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    if (!file_writable(f) || (f->flags & O_PATH))
        return -EBADF;
    if (!f->ops || !f->ops->write)
        return -EINVAL;
    int64_t *ppos;
    int ret = io_prepare(f, pos, &ppos);
    if (ret < 0)
        return ret;
    /* Linux appends even for pwrite on an O_APPEND file. */
    if (ppos && (f->flags & O_APPEND) && f->inode)
        *ppos = f->inode->size;
    if (uio_remaining(u) == 0)
        return 0;
    struct inode *inode = f->inode;
    if (inode && S_ISREG(inode->mode) && ((inode->mode & (S_ISUID | S_ISGID)) || inode->fcaps)) {
        /* Writing a set-ID or capability-carrying program takes those privileges away. */
        ret = vfs_remove_privs(ctx, file_dentry(f), inode);
        if (ret < 0)
            return ret;
    }
    ssize_t n = io_blocking(ctx, f, u, ppos, true);
    if (n > 0)
        vfs_notify_file(f, VFS_IN_MODIFY);
    return n;
}

uint32_t file_poll(struct ctx *ctx, struct file *f)
{
    if (!f->ops || !f->ops->poll)
        return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
    return f->ops->poll(ctx, f);
}

ssize_t vfs_kernel_pread(struct ctx *ctx, struct file *f, void *buf, size_t size, int64_t off)
{
    if (!f->ops || !f->ops->read)
        return -EINVAL;
    if (off < 0)
        return -EINVAL;
    size_t total = 0;
    while (total < size) {
        struct uio u;
        uio_init_kernel(&u, (char *)buf + total, size - total);
        int64_t pos = off + (int64_t)total;
        ssize_t ret = f->ops->read(ctx, f, &u, vfs_file_seekable(f) ? &pos : NULL);
        if (ret < 0)
            return total ? (ssize_t)total : ret;
        if (ret == 0)
            break;
        total += (size_t)ret;
    }
    return (ssize_t)total;
}

int file_path(struct file *f, char *buf, size_t size)
{
    if (!f->path) {
        const char *name = f->anon_name ? f->anon_name : "anon_inode:[unknown]";
        size_t len = strlen(name);
        if (len + 1 > size)
            return -ENAMETOOLONG;
        memcpy(buf, name, len + 1);
        return (int)len;
    }
    bool dead = false;
    int len = vfs_path_string(f->path, NULL, buf, size, NULL, &dead);
    if (len < 0 || !dead)
        return len;
    static const char suffix[] = " (deleted)";
    if ((size_t)len + sizeof(suffix) > size)
        return -ENAMETOOLONG;
    memcpy(buf + len, suffix, sizeof(suffix));
    return len + (int)sizeof(suffix) - 1;
}

/* ---- seeking ---------------------------------------------------------------------------- */

int64_t vfs_llseek(struct ctx *ctx, struct file *f, int64_t off, int whence)
{
    if (f->flags & O_PATH)
        return -EBADF;
    if (!vfs_file_seekable(f))
        return -ESPIPE;
    if (whence < SEEK_SET || whence > SEEK_HOLE)
        return -EINVAL;
    return f->ops->llseek(ctx, f, off, whence);
}

int64_t vfs_generic_llseek(struct ctx *ctx, struct file *f, int64_t off, int whence)
{
    int64_t size = f->inode ? f->inode->size : 0;
    int64_t base;
    switch (whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = f->pos;
        break;
    case SEEK_END:
        base = size;
        break;
    case SEEK_DATA:
        if (off < 0 || off >= size)
            return -ENXIO;
        f->pos = off; /* COMPAT: the whole file counts as data */
        return off;
    case SEEK_HOLE:
        if (off < 0 || off >= size)
            return -ENXIO;
        f->pos = size;
        return size;
    default:
        return -EINVAL;
    }
    int64_t npos;
    if (__builtin_add_overflow(base, off, &npos) || npos < 0)
        return -EINVAL;
    f->pos = npos;
    return npos;
}

int64_t vfs_dir_llseek(struct ctx *ctx, struct file *f, int64_t off, int whence)
{
    int64_t npos;
    if (whence == SEEK_SET)
        npos = off;
    else if (whence == SEEK_CUR) {
        if (__builtin_add_overflow(f->pos, off, &npos))
            return -EINVAL;
    } else
        return -EINVAL;
    if (npos < 0)
        return -EINVAL;
    f->pos = npos;
    return npos;
}

int vfs_set_status_flags(struct ctx *ctx, struct file *f, uint32_t flags)
{
    const uint32_t changeable = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;
    /* COMPAT: O_ASYNC is recorded but SIGIO is not delivered. */
    f->flags = (f->flags & ~changeable) | (flags & changeable);
    return 0;
}

int vfs_iterate(struct ctx *ctx, struct file *f, struct dir_emitter *e)
{
    if (f->flags & O_PATH)
        return -EBADF;
    if (!f->ops || !f->ops->iterate)
        return -ENOTDIR;
    struct dentry *d = file_dentry(f);
    if (d && d->dead)
        return -ENOENT;
    return f->ops->iterate(ctx, f, e);
}

int vfs_fionread(struct file *f, int *out)
{
    if (!f->inode || !S_ISREG(f->inode->mode) || (f->ops && f->ops->ioctl))
        return -ENOTTY;
    int64_t left = f->inode->size - f->pos;
    *out = left < 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
    return 0;
}
