// SPDX-License-Identifier: Apache-2.0
/*
 * Attribute changes (chmod, chown, utimensat, truncate, fallocate), fsync and statfs, with
 * Linux's permission rules for each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sentry/kernel/fdtable.h"
#include "sentry/vfs/resolve.h"
#include "sentry/vfs/vfs_internal.h"
#include "sentry/vfs/vfs_ops.h"

#ifndef UTIME_NOW
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
#endif

/* Report the change of @ia (IN_MODIFY for a size, IN_ATTRIB for the rest) about @d (may be
 * NULL: then only @inode's own watches hear it). */
static int do_setattr(struct task *t, struct inode *inode, struct iattr *ia);

static void notify_attr(struct dentry *d, struct inode *inode, unsigned valid)
{
    uint32_t mask = ((valid & ATTR_SIZE) ? VFS_IN_MODIFY : 0) |
                    ((valid & (ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_ATIME)) ||
                             (valid & (ATTR_MTIME | ATTR_SIZE)) == ATTR_MTIME
                         ? VFS_IN_ATTRIB
                         : 0);
    if (!mask)
        return;
    if (d)
        vfs_notify_dentry(d, mask);
    else
        vfs_notify(inode, mask | (S_ISDIR(inode->mode) ? VFS_IN_ISDIR : 0), 0, NULL);
}

/* Apply @ia to @inode (the object of @d, which may be NULL) through the filesystem, or the
 * default field update. */
static int notify_change(struct task *t, struct dentry *d, struct inode *inode, struct iattr *ia)
{
    int ret = do_setattr(t, inode, ia);
    if (ret == 0)
        notify_attr(d, inode, ia->valid);
    return ret;
}

static int do_setattr(struct task *t, struct inode *inode, struct iattr *ia)
{
    ia->valid |= ATTR_CTIME;
    if (inode->ops && inode->ops->setattr)
        return inode->ops->setattr(t, inode, ia);
    if (ia->valid & ATTR_SIZE)
        return -EINVAL;
    if (ia->valid & ATTR_MODE)
        inode->mode = (inode->mode & S_IFMT) | (ia->mode & 07777);
    if (ia->valid & ATTR_UID)
        inode->uid = ia->uid;
    if (ia->valid & ATTR_GID)
        inode->gid = ia->gid;
    if (ia->valid & ATTR_ATIME)
        inode->atime = ia->atime;
    if (ia->valid & ATTR_MTIME)
        inode->mtime = ia->mtime;
    inode->ctime = vfs_now();
    return 0;
}

/* Resolve a path for an attribute change: @flags AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH. */
static int resolve_attr(struct task *t, int dirfd, const char *path, int flags, struct path *p)
{
    if (path[0] == '\0' && (flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
        struct file *f = fdtable_get(t->fdt, dirfd);
        if (!f)
            return -EBADF;
        if (!f->path) {
            file_unref(f);
            return -EBADF; /* COMPAT: anonymous files have no settable attributes here */
        }
        *p = *(struct path *)f->path;
        path_get(p);
        file_unref(f);
        return 0;
    }
    unsigned lf = ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
                  ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0);
    return vfs_resolve(t, dirfd, path, lf, p);
}

/* ---- chmod ------------------------------------------------------------------------------ */

static int chmod_path(struct task *t, const struct path *p, unsigned int mode)
{
    struct inode *inode = p->dentry->inode;
    if (mount_readonly(p->mnt))
        return -EROFS;
    if (!inode_owner_or_root(t, inode))
        return -EPERM;
    mode &= 07777;
    /* Non-root callers outside the group lose setgid, as Linux's inode_init_owner rules. */
    if (vfs_cred_uid(t) != 0 && !vfs_cred_in_group(t, inode->gid))
        mode &= ~(unsigned)S_ISGID;
    struct iattr ia = {.valid = ATTR_MODE, .mode = mode};
    return notify_change(t, p->dentry, inode, &ia);
}

int vfs_fchmodat(struct task *t, int dirfd, const char *path, unsigned int mode, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct path p;
    int ret = resolve_attr(t, dirfd, path, flags, &p);
    if (ret < 0)
        return ret;
    if (S_ISLNK(p.dentry->inode->mode))
        ret = -EOPNOTSUPP; /* Linux: symlink modes cannot be changed */
    else
        ret = chmod_path(t, &p, mode);
    path_put(&p);
    return ret;
}

int vfs_fchmod(struct task *t, struct file *f, unsigned int mode)
{
    if (!f->path || (f->flags & O_PATH))
        return -EBADF;
    return chmod_path(t, f->path, mode);
}

/* ---- chown ------------------------------------------------------------------------------ */

static int chown_path(struct task *t, const struct path *p, uint32_t uid, uint32_t gid)
{
    struct inode *inode = p->dentry->inode;
    if (mount_readonly(p->mnt))
        return -EROFS;
    struct iattr ia = {0};
    if (uid != (uint32_t)-1 && uid != inode->uid) {
        if (vfs_cred_uid(t) != 0)
            return -EPERM;
        ia.valid |= ATTR_UID;
        ia.uid = uid;
    }
    if (gid != (uint32_t)-1 && gid != inode->gid) {
        if (vfs_cred_uid(t) != 0 && (vfs_cred_uid(t) != inode->uid || !vfs_cred_in_group(t, gid)))
            return -EPERM;
        ia.valid |= ATTR_GID;
        ia.gid = gid;
    }
    if ((uid != (uint32_t)-1 || gid != (uint32_t)-1) && !S_ISDIR(inode->mode) &&
        (inode->mode & (S_ISUID | S_ISGID))) {
        /* A change of owner clears set-id bits (set-gid only if group-executable). */
        uint32_t m = inode->mode & 07777 & ~(uint32_t)S_ISUID;
        if (m & S_IXGRP)
            m &= ~(uint32_t)S_ISGID;
        ia.valid |= ATTR_MODE;
        ia.mode = m;
    }
    return notify_change(t, p->dentry, inode, &ia);
}

int vfs_fchownat(struct task *t, int dirfd, const char *path, uint32_t uid, uint32_t gid, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct path p;
    int ret = resolve_attr(t, dirfd, path, flags, &p);
    if (ret < 0)
        return ret;
    ret = chown_path(t, &p, uid, gid);
    path_put(&p);
    return ret;
}

int vfs_fchown(struct task *t, struct file *f, uint32_t uid, uint32_t gid)
{
    if (!f->path || (f->flags & O_PATH))
        return -EBADF;
    return chown_path(t, f->path, uid, gid);
}

/* ---- utimensat -------------------------------------------------------------------------- */

static int utimes_path(struct task *t, const struct path *p, const struct linux_timespec *times)
{
    struct inode *inode = p->dentry->inode;
    struct iattr ia = {.valid = ATTR_ATIME | ATTR_MTIME};
    struct linux_timespec now = vfs_now();
    ia.atime = ia.mtime = now;
    bool explicit = false;
    if (times) {
        for (int i = 0; i < 2; i++) {
            int64_t ns = times[i].tv_nsec;
            if (ns == UTIME_OMIT) {
                ia.valid &= ~(i ? ATTR_MTIME : ATTR_ATIME);
                continue;
            }
            if (ns == UTIME_NOW)
                continue;
            if (ns < 0 || ns >= 1000000000)
                return -EINVAL;
            explicit = true;
            if (i)
                ia.mtime = times[i];
            else
                ia.atime = times[i];
        }
        if (!(ia.valid & (ATTR_ATIME | ATTR_MTIME)))
            return 0;
    }
    if (mount_readonly(p->mnt))
        return -EROFS;
    if (explicit) {
        if (!inode_owner_or_root(t, inode))
            return -EPERM;
    } else if (!inode_owner_or_root(t, inode)) {
        int ret = inode_permission(t, inode, MAY_WRITE);
        if (ret < 0)
            return ret;
    }
    return notify_change(t, p->dentry, inode, &ia);
}

int vfs_utimensat(struct task *t, int dirfd, const char *path, const struct linux_timespec *times,
                  int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct path p = {0};
    int ret;
    if (!path) {
        if (dirfd == AT_FDCWD) {
            return -EFAULT; /* utimensat(AT_FDCWD, NULL, ...) */
        }
        struct file *f = fdtable_get(t->fdt, dirfd);
        if (!f)
            return -EBADF;
        if (!f->path) {
            file_unref(f);
            return -EBADF;
        }
        p = *(struct path *)f->path;
        path_get(&p);
        file_unref(f);
    } else {
        ret = resolve_attr(t, dirfd, path, flags, &p);
        if (ret < 0)
            return ret;
    }
    ret = utimes_path(t, &p, times);
    path_put(&p);
    return ret;
}

/* ---- truncate, fallocate, fsync --------------------------------------------------------- */

static int truncate_inode(struct task *t, struct file *f, struct inode *inode, int64_t length)
{
    if (length < 0)
        return -EINVAL;
    if (S_ISDIR(inode->mode))
        return -EISDIR;
    if (!S_ISREG(inode->mode))
        return -EINVAL;
    if (f && f->ops && f->ops->truncate) {
        int ret = f->ops->truncate(t, f, (uint64_t)length);
        if (ret == 0)
            notify_attr(file_dentry(f), inode, ATTR_SIZE);
        return ret;
    }
    struct iattr ia = {.valid = ATTR_SIZE | ATTR_MTIME, .size = (uint64_t)length};
    ia.mtime = vfs_now();
    return notify_change(t, f ? file_dentry(f) : NULL, inode, &ia);
}

int vfs_truncate(struct task *t, const char *path, int64_t length)
{
    if (length < 0)
        return -EINVAL;
    struct path p;
    int ret = vfs_resolve(t, AT_FDCWD, path, LOOKUP_FOLLOW, &p);
    if (ret < 0)
        return ret;
    struct inode *inode = p.dentry->inode;
    if (S_ISDIR(inode->mode))
        ret = -EISDIR;
    else if (!S_ISREG(inode->mode))
        ret = -EINVAL;
    else
        ret = inode_permission(t, inode, MAY_WRITE);
    if (ret == 0 && mount_readonly(p.mnt))
        ret = -EROFS;
    if (ret == 0)
        ret = truncate_inode(t, NULL, inode, length);
    path_put(&p);
    return ret;
}

int vfs_ftruncate(struct task *t, struct file *f, int64_t length)
{
    if (length < 0)
        return -EINVAL;
    if (f->flags & O_PATH)
        return -EBADF;
    /* As Linux: EINVAL for anything but a regular file open for writing (read-only
     * descriptors, directories, pipes, sockets). O_APPEND does not matter: Linux's EPERM is
     * for the inode's append-only attribute, which no filesystem here has. */
    if (!f->inode || !S_ISREG(f->inode->mode) || !file_writable(f))
        return -EINVAL;
    return truncate_inode(t, f, f->inode, length);
}

#define FALLOC_KEEP_SIZE 0x01
#define FALLOC_PUNCH_HOLE 0x02
#define FALLOC_ZERO_RANGE 0x10

int vfs_fallocate(struct task *t, struct file *f, int mode, int64_t off, int64_t len)
{
    if (off < 0 || len <= 0)
        return -EINVAL;
    if (mode & ~(FALLOC_KEEP_SIZE | FALLOC_PUNCH_HOLE | FALLOC_ZERO_RANGE))
        return -EOPNOTSUPP;
    if ((mode & FALLOC_PUNCH_HOLE) && (mode != (FALLOC_PUNCH_HOLE | FALLOC_KEEP_SIZE)))
        return -EOPNOTSUPP;
    if (!file_writable(f) || (f->flags & O_PATH))
        return -EBADF;
    if (!f->inode)
        return -ESPIPE;
    if (S_ISDIR(f->inode->mode))
        return -EISDIR;
    if (!S_ISREG(f->inode->mode))
        return -ENODEV;
    if ((f->flags & O_APPEND) && (mode & (FALLOC_PUNCH_HOLE | FALLOC_ZERO_RANGE)))
        return -EPERM;
    int64_t end;
    if (__builtin_add_overflow(off, len, &end))
        return -EFBIG;
    if (f->ops && f->ops->fallocate) {
        int ret = f->ops->fallocate(t, f, mode, (uint64_t)off, (uint64_t)len);
        if (ret == 0)
            notify_attr(file_dentry(f), f->inode, ATTR_SIZE);
        return ret;
    }
    if (mode != 0)
        return -EOPNOTSUPP; /* as a filesystem without fallocate modes */
    if (end <= f->inode->size)
        return 0;
    return truncate_inode(t, f, f->inode, end);
}

int vfs_fsync(struct task *t, struct file *f, bool datasync)
{
    if (f->flags & O_PATH)
        return -EBADF;
    if (f->ops && f->ops->fsync)
        return f->ops->fsync(t, f, datasync);
    if (!f->inode)
        return -EINVAL;
    return 0; /* memory-backed and read-only files have nothing to flush */
}

/* ---- statfs ----------------------------------------------------------------------------- */

static void fill_statfs(const struct path *p, struct linux_statfs *st)
{
    struct super_block *sb = p->dentry->sb;
    struct statfs_info info = {
        .type = sb->magic,
        .bsize = 4096,
        .blocks = 1u << 20,
        .bfree = 1u << 20,
        .bavail = 1u << 20,
        .files = 1u << 20,
        .ffree = 1u << 20,
        .namelen = VFS_NAME_MAX,
        .frsize = 4096,
    };
    if (sb->ops && sb->ops->statfs)
        sb->ops->statfs(sb, &info);
    memset(st, 0, sizeof(*st));
    st->f_type = (int64_t)info.type;
    st->f_bsize = (int64_t)info.bsize;
    st->f_blocks = info.blocks;
    st->f_bfree = info.bfree;
    st->f_bavail = info.bavail;
    st->f_files = info.files;
    st->f_ffree = info.ffree;
    st->f_fsid[0] = (int32_t)sb->dev;
    st->f_namelen = (int64_t)info.namelen;
    st->f_frsize = (int64_t)info.frsize;
    st->f_flags = (int64_t)info.flags | 0x20 /* ST_VALID */ |
                  (mount_readonly(p->mnt) ? 1 /* ST_RDONLY */ : 0);
}

int vfs_statfs(struct task *t, const char *path, struct linux_statfs *st)
{
    struct path p;
    int ret = vfs_resolve(t, AT_FDCWD, path, LOOKUP_FOLLOW, &p);
    if (ret < 0)
        return ret;
    fill_statfs(&p, st);
    path_put(&p);
    return 0;
}

int vfs_fstatfs(struct task *t, struct file *f, struct linux_statfs *st)
{
    if (!f->path) {
        /* Anonymous files live on an internal filesystem (pipefs/anon_inodefs). */
        memset(st, 0, sizeof(*st));
        st->f_type = 0x50495045; /* PIPEFS_MAGIC */
        st->f_bsize = 4096;
        st->f_namelen = VFS_NAME_MAX;
        st->f_frsize = 4096;
        st->f_flags = 0x20;
        return 0;
    }
    fill_statfs(f->path, st);
    return 0;
}
