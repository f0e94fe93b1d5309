// SPDX-License-Identifier: Apache-2.0
/*
 * Open goferfs files. Regular files read straight from the host descriptor the gofer donated
 * (preadv into the uio's iovecs, kernel lock released); directories list a snapshot taken
 * with READDIR (the root is immutable, so offsets are simply indexes). Mappings read from a
 * host descriptor kept while mappings exist: MAP_PRIVATE ones copy, MAP_SHARED ones map the
 * pages of the inode's cache (gofer_cache.c), with which read() and write() stay coherent.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"
#include "sentry/context/klock.h"
#include "sentry/fs/gofer/goferfs.h"
#include "sentry/fs/gofer/goferfs_internal.h"

/* f->priv of an open regular file. */
struct gofer_open_file {
    int host_fd;
};

/* f->priv of an open directory. */
struct gofer_dir {
    struct gofer_dirent *ents;
    size_t count;
    bool loaded;
};

/* ---- regular files ---------------------------------------------------------------------- */

/* Whether the host I/O of @f may run with the kernel lock released (the caller holds it when
 * it passes a task: syscalls, exec). Not while the inode has cached pages: their writeback
 * or drop must not interleave with a transfer that is then reconciled with them. */
static bool host_io_unlocked(struct ctx *ctx, struct file *f)
{
    return ctx_may_unlock(ctx) && !((struct gofer_inode *)f->inode->priv)->chunks;
}

static ssize_t gofer_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct gofer_open_file *of = f->priv;
    int cnt;
    const struct iovec *iov = uio_iov(u, &cnt);
    bool unlocked = host_io_unlocked(ctx, f);
    if (unlocked)
        ctx_io_begin(ctx);
    ssize_t n = preadv(of->host_fd, iov, cnt, *pos);
    int err = errno;
    if (unlocked)
        ctx_io_end(ctx);
    if (n < 0)
        return -err;
    gofer_cache_overlay(f->inode->priv, (uint64_t)*pos, iov, cnt, (size_t)n);
    uio_advance(u, (size_t)n);
    *pos += n;
    return n;
}

static ssize_t gofer_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct gofer_open_file *of = f->priv;
    int cnt;
    const struct iovec *iov = uio_iov(u, &cnt);
    bool append = f->flags & O_APPEND;
    bool unlocked = host_io_unlocked(ctx, f);
    if (unlocked)
        ctx_io_begin(ctx);
    /* The host descriptor has O_APPEND too: the host appends at its own end of file. */
    ssize_t n = append ? writev(of->host_fd, iov, cnt) : pwritev(of->host_fd, iov, cnt, *pos);
    int err = errno;
    off_t end = append && n >= 0 ? lseek(of->host_fd, 0, SEEK_CUR) : -1;
    if (unlocked)
        ctx_io_end(ctx);
    if (n < 0)
        return -err;
    uint64_t start = end >= 0 ? (uint64_t)end - (uint64_t)n : (uint64_t)*pos;
    gofer_cache_update(f->inode->priv, start, iov, cnt, (size_t)n);
    uio_advance(u, (size_t)n);
    *pos = end >= 0 ? end : *pos + n;
    struct inode *inode = f->inode;
    if (*pos > inode->size)
        inode->size = *pos;
    if (n > 0)
        inode->mtime = inode->ctime = vfs_now();
    return n;
}

static int goferfs_file_fsync(struct ctx *ctx, struct file *f, bool datasync)
{
    struct gofer_open_file *of = f->priv;
    struct gofer_inode *gi = f->inode->priv;
    /* What mappings wrote reaches the host first; a failed earlier writeback is reported
     * once, as Linux reports a writeback error to the next fsync. */
    int wb = gofer_cache_writeback(gi, 0, UINT64_MAX);
    if (wb == 0 && gi->wb_err < 0)
        wb = gi->wb_err;
    gi->wb_err = 0;
    if (wb < 0)
        return wb;
    ctx_io_begin(ctx);
    int ret = datasync ? fdatasync(of->host_fd) : fsync(of->host_fd);
    int err = errno;
    ctx_io_end(ctx);
    return ret < 0 ? -err : 0;
}

static int gofer_truncate(struct ctx *ctx, struct file *f, uint64_t size)
{
    struct gofer_open_file *of = f->priv;
    if (size > INT64_MAX)
        return -EFBIG;
    if (ftruncate(of->host_fd, (off_t)size) < 0)
        return -errno;
    gofer_cache_resized(f->inode->priv, (uint64_t)f->inode->size, size);
    f->inode->size = (int64_t)size;
    f->inode->mtime = f->inode->ctime = vfs_now();
    return 0;
}

static void gofer_file_release(struct file *f)
{
    struct gofer_open_file *of = f->priv;
    if (of) {
        close(of->host_fd);
        free(of);
    }
}

/* ---- mappable --------------------------------------------------------------------------- */

static struct gofer_inode *gi_of(struct mappable *m)
{
    return container_of(m, struct gofer_inode, mappable);
}

static int gofer_map_fill(struct mappable *m, uint64_t off, void *dst, size_t size)
{
    struct gofer_inode *gi = gi_of(m);
    uint64_t fsize = (uint64_t)gi->inode->size;
    if (off >= (fsize + 4095) / 4096 * 4096)
        return -EFAULT;
    /* COMPAT: read with the kernel lock held (mm faults give no task to release it for). */
    ssize_t n = off < fsize ? gofer_host_pread_full(gi->map_fd, off, dst, size) : 0;
    if (n < 0)
        return (int)n;
    size_t done = (size_t)n;
    memset((char *)dst + done, 0, size - done);
    /* A private copy made while pages are cached takes their newer bytes. */
    struct iovec iov = {dst, done};
    gofer_cache_overlay(gi, off, &iov, 1, done);
    return 0;
}

static int gofer_map_fill_host(struct mappable *m, uint64_t off, size_t size, int *fd,
                               size_t *valid)
{
    struct gofer_inode *gi = gi_of(m);
    uint64_t fsize = (uint64_t)gi->inode->size;
    if (off >= (fsize + 4095) / 4096 * 4096)
        return -EFAULT;
    /* A descriptor of our own: map_fd may be replaced (made writable) meanwhile. */
    int d = fcntl(gi->map_fd, F_DUPFD_CLOEXEC, 0);
    if (d < 0)
        return -errno;
    *fd = d;
    *valid = off >= fsize ? 0 : fsize - off < size ? (size_t)(fsize - off) : size;
    return 0;
}

static ssize_t gofer_map_fill_read(int handle, uint64_t off, void *dst, size_t size)
{
    return gofer_host_pread_full(handle, off, dst, size);
}

static void gofer_map_fill_close(int handle)
{
    close(handle);
}

static void gofer_map_fill_done(struct mappable *m, uint64_t off, void *dst, size_t size)
{
    struct iovec iov = {dst, size};
    gofer_cache_overlay(gi_of(m), off, &iov, 1, size);
}

static int gofer_map_get_frame(struct mappable *m, uint64_t off, uint64_t *frame)
{
    return gofer_cache_get_frame(gi_of(m), off, frame);
}

/* msync: the cached pages of the range go to the host (and to its disk for MS_SYNC). */
static int gofer_map_sync(struct mappable *m, uint64_t off, uint64_t size, bool durable)
{
    struct gofer_inode *gi = gi_of(m);
    int err = gofer_cache_writeback(gi, off, size);
    if (err == 0 && durable && gi->map_fd_writable && fdatasync(gi->map_fd) < 0)
        err = -errno;
    return err;
}

static uint64_t gofer_map_size(struct mappable *m)
{
    return (uint64_t)gi_of(m)->inode->size;
}

static void gofer_map_ref(struct mappable *m)
{
    struct gofer_inode *gi = gi_of(m);
    gi->map_refs++;
    inode_ref(gi->inode);
}

static void gofer_map_unref(struct mappable *m)
{
    struct gofer_inode *gi = gi_of(m);
    CV_BUG_ON(gi->map_refs <= 0);
    if (--gi->map_refs == 0 && gi->map_fd >= 0) {
        gofer_cache_drop(gi); /* the last mapping is gone: its writes go to the host */
        close(gi->map_fd);
        gi->map_fd = -1;
        gi->map_fd_writable = false;
    }
    inode_unref(gi->inode);
}

static const struct mappable_ops g_gofer_mappable_ops = {
    .fill = gofer_map_fill,
    .fill_host = gofer_map_fill_host,
    .fill_read = gofer_map_fill_read,
    .fill_close = gofer_map_fill_close,
    .fill_done = gofer_map_fill_done,
    .get_frame = gofer_map_get_frame,
    .sync = gofer_map_sync,
    .size = gofer_map_size,
    .ref = gofer_map_ref,
    .unref = gofer_map_unref,
};

/* Files of read-only mounts never change through the sandbox: shared mappings of them are
 * private copies (sys_mmap), and no pages are cached. */
static const struct mappable_ops g_gofer_ro_mappable_ops = {
    .fill = gofer_map_fill,
    .fill_host = gofer_map_fill_host,
    .fill_read = gofer_map_fill_read,
    .fill_close = gofer_map_fill_close,
    .fill_done = gofer_map_fill_done,
    .size = gofer_map_size,
    .ref = gofer_map_ref,
    .unref = gofer_map_unref,
};

/* Make gi->map_fd readable, and writable when @f is (a shared mapping of @f may be written,
 * and its pages are written back through map_fd). Returns 0 or -errno. */
static int map_fd_open(struct gofer_inode *gi, struct file *f)
{
    bool rw = file_writable(f) && !f->inode->sb->read_only;
    if (gi->map_fd >= 0 && (gi->map_fd_writable || !rw))
        return 0;
    int fd;
    int ret = gofer_open(gi->client, gi->fid, rw ? O_RDWR : O_RDONLY, &fd);
    if (ret < 0)
        return ret;
    if (gi->map_fd >= 0)
        close(gi->map_fd);
    gi->map_fd = fd;
    gi->map_fd_writable = rw;
    return 0;
}

static int gofer_get_mappable(struct ctx *ctx, struct file *f, struct mappable **out)
{
    struct gofer_inode *gi = f->inode->priv;
    int ret = map_fd_open(gi, f);
    if (ret < 0)
        return ret;
    struct mappable *m = &gi->mappable;
    m->ops = f->inode->sb->read_only ? &g_gofer_ro_mappable_ops : &g_gofer_mappable_ops;
    m->dev = f->inode->sb->dev;
    m->ino = f->inode->ino;
    if (file_path(f, m->name, sizeof(m->name)) < 0)
        m->name[0] = '\0';
    gofer_map_ref(m);
    *out = m;
    return 0;
}

/* ---- read-only descriptors -------------------------------------------------------------- */

/*
 * A plain read-only open (O_RDONLY, at most O_NONBLOCK besides) of a regular file needs no
 * OPEN round trip when its inode keeps a read-only host descriptor: the file gets a duplicate
 * of it. That is equivalent: reads are preadv at the Sentry's own offset, so the shared host
 * offset is never used; O_NONBLOCK means nothing for a regular file; the host description's
 * flags are never changed (F_SETFL stays in the Sentry). The first such open keeps a copy of
 * the descriptor the gofer donated. The gofer's own checks at OPEN (it opens as its user)
 * are then not made again, which is right where the sandbox owns the file's permissions
 * (the read-only root, the writable root); on volumes the host may change a file's mode
 * behind our back, so they always ask. At most GOFER_RO_FDS_MAX inodes keep one, the least
 * recently opened gives it up first. All of it is protected by the kernel lock.
 */
static struct list_head g_gofer_ro_fds = LIST_HEAD_INIT(g_gofer_ro_fds);
static unsigned g_gofer_nro_fds;

static bool ro_fd_eligible(const struct inode *inode, int flags)
{
    return inode->sb->dcache != DCACHE_REVALIDATE && (flags & ~O_NONBLOCK) == O_RDONLY;
}

static void ro_fd_forget(struct gofer_inode *gi)
{
    if (gi->ro_fd < 0)
        return;
    close(gi->ro_fd);
    gi->ro_fd = -1;
    list_del(&gi->ro_lru);
    CV_BUG_ON(g_gofer_nro_fds == 0);
    g_gofer_nro_fds--;
}

/* A duplicate of @gi's read-only descriptor, marked most recently used; -1 if it has none
 * (or the host refuses a duplicate: then the caller asks the gofer). */
static int ro_fd_dup(struct gofer_inode *gi)
{
    KERNEL_LOCK_ASSERT();
    if (gi->ro_fd < 0)
        return -1;
    int fd = fcntl(gi->ro_fd, F_DUPFD_CLOEXEC, 0);
    if (fd >= 0) {
        list_del(&gi->ro_lru);
        list_add(&gi->ro_lru, &g_gofer_ro_fds);
    }
    return fd;
}

/* Keep a duplicate of @fd, just donated by the gofer for a read-only open, in @gi (unless
 * another open did meanwhile), and give up the oldest beyond the bound. */
static void ro_fd_keep(struct gofer_inode *gi, int fd)
{
    KERNEL_LOCK_ASSERT();
    if (gi->ro_fd >= 0)
        return;
    gi->ro_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (gi->ro_fd < 0)
        return; /* out of descriptors: the next open asks again */
    list_add(&gi->ro_lru, &g_gofer_ro_fds);
    g_gofer_nro_fds++;
    if (g_gofer_nro_fds > GOFER_RO_FDS_MAX)
        ro_fd_forget(list_entry(g_gofer_ro_fds.prev, struct gofer_inode, ro_lru));
}

void gofer_file_evict(struct gofer_inode *gi)
{
    gofer_cache_drop(gi); /* empty already: mappings hold inode references */
    if (gi->map_fd >= 0)
        close(gi->map_fd);
    gi->map_fd = -1;
    ro_fd_forget(gi);
}

static const struct file_ops g_gofer_file_fops = {
    .read = gofer_read,
    .write = gofer_write,
    .fsync = goferfs_file_fsync,
    .truncate = gofer_truncate,
    .llseek = vfs_generic_llseek,
    .get_mappable = gofer_get_mappable,
    .release = gofer_file_release,
};

/* ---- directories ------------------------------------------------------------------------ */

static int dir_load(struct gofer_inode *gi, struct gofer_dir *gd)
{
    enum { BATCH = 128 };
    uint64_t cookie = 0;
    free(gd->ents);
    gd->ents = NULL;
    gd->count = 0;
    size_t cap = 0;
    for (;;) {
        if (gd->count + BATCH > cap) {
            size_t ncap = cap ? cap * 2 : BATCH;
            struct gofer_dirent *n = realloc(gd->ents, ncap * sizeof(*n));
            if (!n)
                return -ENOMEM;
            gd->ents = n;
            cap = ncap;
        }
        unsigned got = 0;
        int ret = gofer_readdir(gi->client, gi->fid, cookie, gd->ents + gd->count, BATCH, &got);
        if (ret < 0)
            return ret;
        if (got == 0)
            break;
        gd->count += got;
        cookie = gd->ents[gd->count - 1].next;
    }
    gd->loaded = true;
    return 0;
}

static int gofer_dir_iterate(struct ctx *ctx, struct file *f, struct dir_emitter *e)
{
    struct gofer_dir *gd = f->priv;
    struct dentry *dir = file_dentry(f);
    if (!gd->loaded || f->pos == 0) {
        int ret = dir_load(dir->inode->priv, gd);
        if (ret < 0)
            return ret;
    }
    if (f->pos == 0) {
        if (!e->emit(e, ".", dir->inode->ino, DT_DIR, 1))
            return 0;
        f->pos = 1;
    }
    if (f->pos == 1) {
        struct inode *up = dir->parent ? dir->parent->inode : dir->inode;
        if (!e->emit(e, "..", up->ino, DT_DIR, 2))
            return 0;
        f->pos = 2;
    }
    while ((uint64_t)f->pos - 2 < gd->count) {
        const struct gofer_dirent *de = &gd->ents[f->pos - 2];
        if (!e->emit(e, de->name, de->ino, de->type, f->pos + 1))
            return 0;
        f->pos++;
    }
    /* Then the socket nodes bound here, which only the Sentry has. */
    uint64_t k = 0;
    const struct dentry *c;
    list_for_each_entry(c, &dir->children, sibling)
    {
        if (!c->inode || !c->inode->synthetic || !S_ISSOCK(c->inode->mode))
            continue;
        if ((uint64_t)f->pos - 2 == gd->count + k) {
            if (!e->emit(e, c->name, c->inode->ino, DT_SOCK, f->pos + 1))
                return 0;
            f->pos++;
        }
        k++;
    }
    return 0;
}

static void gofer_dir_release(struct file *f)
{
    struct gofer_dir *gd = f->priv;
    if (gd) {
        free(gd->ents);
        free(gd);
    }
}

/* A directory has no donated descriptor: the gofer fsyncs it (FSYNC). */
static int goferfs_dir_fsync(struct ctx *ctx, struct file *f, bool datasync)
{
    struct gofer_inode *gi = f->inode->priv;
    if (f->inode->sb->read_only)
        return 0;
    return gofer_fsync(gi->client, gi->fid, datasync);
}

static const struct file_ops g_gofer_dir_fops = {
    .fsync = goferfs_dir_fsync,
    .llseek = vfs_dir_llseek,
    .iterate = gofer_dir_iterate,
    .release = gofer_dir_release,
};

int gofer_file_open(struct ctx *ctx, struct inode *inode, struct file *f)
{
    struct gofer_inode *gi = inode->priv;
    if (S_ISDIR(inode->mode)) {
        struct gofer_dir *gd = calloc(1, sizeof(*gd));
        if (!gd)
            return -ENOMEM;
        f->priv = gd;
        f->ops = &g_gofer_dir_fops;
        return 0;
    }
    if (!S_ISREG(inode->mode))
        return -ENXIO; /* COMPAT: host FIFOs, sockets and devices are not opened */
    struct gofer_open_file *of = calloc(1, sizeof(*of));
    if (!of)
        return -ENOMEM;
    int flags = (int)(f->flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECT | O_SYNC));
    bool ro = ro_fd_eligible(inode, flags);
    of->host_fd = ro ? ro_fd_dup(gi) : -1;
    if (of->host_fd < 0) {
        /* The round trip runs without the kernel lock when @ctx may: @f (not installed
         * yet) holds the inode, and with it the fid, which is closed only at eviction. */
        ctx_io_begin(ctx);
        int ret = gofer_open(gi->client, gi->fid, flags, &of->host_fd);
        ctx_io_end(ctx);
        if (ret < 0) {
            free(of);
            return ret;
        }
        if (ro)
            ro_fd_keep(gi, of->host_fd);
    }
    f->priv = of;
    f->ops = &g_gofer_file_fops;
    return 0;
}

int goferfs_list_names(struct inode *dir, int (*cb)(void *arg, const char *name), void *arg)
{
    if (!S_ISDIR(dir->mode) || dir->sb->type != &g_goferfs_type)
        return -ENOTDIR;
    struct gofer_dir gd = {0};
    int ret = dir_load(dir->priv, &gd);
    for (size_t i = 0; ret == 0 && i < gd.count; i++)
        ret = cb(arg, gd.ents[i].name);
    free(gd.ents);
    return ret;
}
