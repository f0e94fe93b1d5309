// SPDX-License-Identifier: Apache-2.0
/*
 * Open goferfs files. Regular files read straight from the host descriptor the gofer donated
 * (preadv into the uio's iovecs, kernel lock released); directories list a snapshot taken
 * with READDIR (the root is immutable, so offsets are simply indexes); MAP_PRIVATE mappings
 * pread from a host descriptor kept while mappings exist.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sentry/fs/gofer/goferfs.h"
#include "sentry/fs/gofer/goferfs_internal.h"
#include "sentry/kernel/task.h"

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

static ssize_t gofer_read(struct task *t, struct file *f, struct uio *u, int64_t *pos)
{
    struct gofer_open_file *of = f->priv;
    int cnt;
    const struct iovec *iov = uio_iov(u, &cnt);
    /* The caller holds the kernel lock when it passes a task (syscalls, exec). */
    if (t)
        task_host_io_begin(t);
    ssize_t n = preadv(of->host_fd, iov, cnt, *pos);
    int err = errno;
    if (t)
        task_host_io_end(t);
    if (n < 0)
        return -err;
    uio_advance(u, (size_t)n);
    *pos += n;
    return n;
}

static ssize_t gofer_write(struct task *t, struct file *f, struct uio *u, int64_t *pos)
{
    struct gofer_open_file *of = f->priv;
    int cnt;
    const struct iovec *iov = uio_iov(u, &cnt);
    bool append = f->flags & O_APPEND;
    if (t)
        task_host_io_begin(t);
    /* The host descriptor has O_APPEND too: the host appends at its own end of file. */
    ssize_t n = append ? writev(of->host_fd, iov, cnt) : pwritev(of->host_fd, iov, cnt, *pos);
    int err = errno;
    off_t end = append && n >= 0 ? lseek(of->host_fd, 0, SEEK_CUR) : -1;
    if (t)
        task_host_io_end(t);
    if (n < 0)
        return -err;
    uio_advance(u, (size_t)n);
    *pos = end >= 0 ? end : *pos + n;
    struct inode *inode = f->inode;
    if (*pos > inode->size)
        inode->size = *pos;
    if (n > 0)
        inode->mtime = inode->ctime = vfs_now();
    return n;
}

static int goferfs_file_fsync(struct task *t, struct file *f, bool datasync)
{
    struct gofer_open_file *of = f->priv;
    if (t)
        task_host_io_begin(t);
    int ret = datasync ? fdatasync(of->host_fd) : fsync(of->host_fd);
    int err = errno;
    if (t)
        task_host_io_end(t);
    return ret < 0 ? -err : 0;
}

static int gofer_truncate(struct task *t, struct file *f, uint64_t size)
{
    struct gofer_open_file *of = f->priv;
    if (size > INT64_MAX)
        return -EFBIG;
    if (ftruncate(of->host_fd, (off_t)size) < 0)
        return -errno;
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
    size_t done = 0;
    /* COMPAT: read with the kernel lock held (mm faults give no task to release it for). */
    while (done < size && off + done < fsize) {
        ssize_t n = pread(gi->map_fd, (char *)dst + done, size - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    memset((char *)dst + done, 0, size - done);
    return 0;
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
    if (--gi->map_refs == 0 && gi->map_fd >= 0) {
        close(gi->map_fd);
        gi->map_fd = -1;
    }
    inode_unref(gi->inode);
}

static const struct mappable_ops g_gofer_mappable_ops = {
    .fill = gofer_map_fill,
    .get_frame = NULL, /* COMPAT: MAP_SHARED of gofer files is not supported yet */
    .size = gofer_map_size,
    .ref = gofer_map_ref,
    .unref = gofer_map_unref,
};

static int gofer_get_mappable(struct task *t, struct file *f, struct mappable **out)
{
    struct gofer_inode *gi = f->inode->priv;
    if (gi->map_fd < 0) {
        int ret = gofer_open(gi->client, gi->fid, O_RDONLY, &gi->map_fd);
        if (ret < 0) {
            gi->map_fd = -1;
            return ret;
        }
    }
    struct mappable *m = &gi->mappable;
    m->ops = &g_gofer_mappable_ops;
    m->dev = f->inode->sb->dev;
    m->ino = f->inode->ino;
    if (file_path(f, m->name, sizeof(m->name)) < 0)
        m->name[0] = '\0';
    gofer_map_ref(m);
    *out = m;
    return 0;
}

void gofer_file_evict(struct gofer_inode *gi)
{
    if (gi->map_fd >= 0)
        close(gi->map_fd);
    gi->map_fd = -1;
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

static int gofer_dir_iterate(struct task *t, struct file *f, struct dir_emitter *e)
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
static int goferfs_dir_fsync(struct task *t, struct file *f, bool datasync)
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

int gofer_file_open(struct task *t, struct inode *inode, struct file *f)
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
    int ret = gofer_open(gi->client, gi->fid, flags, &of->host_fd);
    if (ret < 0) {
        free(of);
        return ret;
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
