// SPDX-License-Identifier: Apache-2.0
/*
 * Open file descriptions (struct file) and the operations a filesystem or anonymous file
 * (pipe, eventfd, epoll, socket) provides. The VFS proper (path walk, mounts, dentries,
 * inodes) is in vfs.h.
 *
 * Locking: files are protected by the kernel lock. File operations are called with it held;
 * an operation that performs host I/O that may block drops it around that I/O
 * (task_host_io_begin/end) and must not touch shared state meanwhile.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "abi/linux/types.h"
#include "sentry/memmap/uio.h"
#include "sentry/waiter/waitq.h"

struct ctx;
struct file;
struct inode;
struct mappable;
struct linux_stat;

/* A directory entry to emit from getdents; returns false when the caller's buffer is full. */
struct dir_emitter {
    bool (*emit)(struct dir_emitter *e, const char *name, uint64_t ino, uint8_t type,
                 int64_t next_off);
    void *priv;
};

struct file_ops {
    /* Read into @u at *@pos (NULL for streams: pipes, sockets, ttys). Returns bytes read,
     * 0 at EOF, -EAGAIN (the VFS then blocks unless O_NONBLOCK, see poll), or -errno.
     * Operations that block themselves return -ERESTARTSYS/-EINTR when a signal arrives. */
    ssize_t (*read)(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos);
    ssize_t (*write)(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos);
    /* New position or -errno; NULL means ESPIPE. */
    int64_t (*llseek)(struct ctx *ctx, struct file *f, int64_t off, int whence);
    /* Emit entries starting at f->pos; update f->pos. NULL means ENOTDIR. */
    int (*iterate)(struct ctx *ctx, struct file *f, struct dir_emitter *e);
    /* Current readiness (POLLIN|POLLOUT|POLLHUP|POLLERR...). NULL means always ready. */
    uint32_t (*poll)(struct ctx *ctx, struct file *f);
    /* The queue notified when readiness may have changed. NULL means never changes. */
    struct waitq *(*waitq)(struct file *f);
    long (*ioctl)(struct ctx *ctx, struct file *f, unsigned int cmd, gaddr_t arg);
    /* Object for mmap; new reference. NULL means ENODEV. */
    int (*get_mappable)(struct ctx *ctx, struct file *f, struct mappable **out);
    /* Metadata; NULL means "from f->inode". */
    int (*stat)(struct ctx *ctx, struct file *f, struct linux_stat *st);
    int (*fsync)(struct ctx *ctx, struct file *f, bool datasync);
    int (*truncate)(struct ctx *ctx, struct file *f, uint64_t size);
    /* fallocate(2) of a regular file: @mode is FALLOC_FL_* (already validated by the VFS:
     * 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE, ZERO_RANGE[|KEEP_SIZE]). NULL: only mode 0 works,
     * through ->truncate. */
    int (*fallocate)(struct ctx *ctx, struct file *f, int mode, uint64_t off, uint64_t len);
    /* Last reference dropped. */
    void (*release)(struct file *f);
};

struct file {
    int refs;
    const struct file_ops *ops;
    struct inode *inode; /* new reference held; NULL for some anonymous files */
    void *path;          /* struct path * owned by the VFS; NULL for anonymous files */
    uint32_t flags;      /* O_* status flags (O_NONBLOCK, O_APPEND...) + access mode */
    int64_t pos;
    void *priv;      /* owned by the implementation */
    char *anon_name; /* "pipe:[123]", "anon_inode:[eventfd]"; for /proc/pid/fd */
    uint64_t anon_ino;
};

/* Allocate a file with one reference. Takes ownership of nothing; @name is copied.
 * Returns 0 or -ENOMEM. */
int file_new_anon(const struct file_ops *ops, void *priv, uint32_t flags, const char *name,
                  struct file **out);

struct file *file_ref(struct file *f);
void file_unref(struct file *f);
static inline void file_unrefp(struct file **f)
{
    if (*f)
        file_unref(*f);
}

static inline bool file_readable(const struct file *f)
{
    return (f->flags & 3) != 1; /* O_RDONLY or O_RDWR */
}
static inline bool file_writable(const struct file *f)
{
    return (f->flags & 3) != 0; /* O_WRONLY or O_RDWR */
}

/* Generic read/write used by read(2), pread, readv...: checks access mode, blocks on
 * -EAGAIN unless O_NONBLOCK (waiting on the file's waitq), handles *@pos (NULL = use and
 * advance f->pos when the file is seekable). Returns bytes or -errno/-ERESTARTSYS. */
ssize_t vfs_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos);
ssize_t vfs_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos);

/* Readiness of @f (calls ops->poll). */
uint32_t file_poll(struct ctx *ctx, struct file *f);

/* Read @size bytes at @off into a Sentry buffer (loader, exec). Returns bytes or -errno. */
ssize_t vfs_kernel_pread(struct ctx *ctx, struct file *f, void *buf, size_t size, int64_t off);

/* Path of @f as /proc shows it ("/usr/bin/ls", "pipe:[7]"); writes at most @size bytes
 * including the NUL. Returns length or -errno. */
int file_path(struct file *f, char *buf, size_t size);
