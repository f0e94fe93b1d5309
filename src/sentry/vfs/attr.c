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

#include "sentry/vfs/resolve.h"
#include "sentry/vfs/vfs_internal.h"
#include "sentry/vfs/vfs_ops.h"

#ifndef UTIME_NOW
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
#endif

/* Report the change of @ia (IN_MODIFY for a size, IN_ATTRIB for the rest) about @d (may be
 * NULL: then only @inode's own watches hear it). */
static int do_setattr(struct ctx *ctx, struct inode *inode, struct iattr *ia);

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
static int notify_change(struct ctx *ctx, struct dentry *d, struct inode *inode, struct iattr *ia)
{
    int ret = do_setattr(ctx, inode, ia);
    if (ret == 0)
        notify_attr(d, inode, ia->valid);
    return ret;
}

static int do_setattr(struct ctx *ctx, struct inode *inode, struct iattr *ia)
{
    ia->valid |= ATTR_CTIME;
    if (inode->ops && inode->ops->setattr)
        return inode->ops->setattr(ctx, inode, ia);
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
static int resolve_attr(struct ctx *ctx, struct file *dir, const char *path, int flags,
                        struct path *p)
{
    if (path[0] == '\0' && (flags & AT_EMPTY_PATH) && dir) {
        if (!dir->path)
            return -EBADF; /* COMPAT: anonymous files have no settable attributes here */
        *p = *(struct path *)dir->path;
        path_get(p);
        return 0;
    }
    unsigned lf = ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
                  ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0);
    return vfs_resolve(ctx, dir, path, lf, p);
}

/* ---- chmod ------------------------------------------------------------------------------ */

static int chmod_path(struct ctx *ctx, const struct path *p, unsigned int mode)
{
    struct inode *inode = p->dentry->inode;
    if (mount_readonly(p->mnt))
        return -EROFS;
    if (!inode_owner_or_capable(ctx, inode))
        return -EPERM;
    mode &= 07777;
    /* A caller outside the file's group may not set S_ISGID (without CAP_FSETID). */
    if (!vfs_cred_in_group(ctx, inode->gid) && !vfs_capable(ctx, CAP_FSETID))
        mode &= ~(unsigned)S_ISGID;
    struct iattr ia = {.valid = ATTR_MODE, .mode = mode};
    return notify_change(ctx, p->dentry, inode, &ia);
}

int vfs_fchmodat(struct ctx *ctx, struct file *dir, const char *path, unsigned int mode, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct path p;
    int ret = resolve_attr(ctx, dir, path, flags, &p);
    if (ret < 0)
        return ret;
    if (S_ISLNK(p.dentry->inode->mode))
        ret = -EOPNOTSUPP; /* Linux: symlink modes cannot be changed */
    else
        ret = chmod_path(ctx, &p, mode);
    path_put(&p);
    return ret;
}

int vfs_fchmod(struct ctx *ctx, struct file *f, unsigned int mode)
{
    if (!f->path || (f->flags & O_PATH))
        return -EBADF;
    return chmod_path(ctx, f->path, mode);
}

/* ---- chown ------------------------------------------------------------------------------ */

static int chown_path(struct ctx *ctx, const struct path *p, uint32_t uid, uint32_t gid)
{
    struct inode *inode = p->dentry->inode;
    if (mount_readonly(p->mnt))
        return -EROFS;
    bool owner = vfs_cred_uid(ctx) == inode->uid;
    bool cap = vfs_capable(ctx, CAP_CHOWN);
    struct iattr ia = {0};
    if (uid != (uint32_t)-1) {
        /* Only CAP_CHOWN gives a file away; the owner may "change" it to itself. */
        if (!cap && !(owner && uid == inode->uid))
            return -EPERM;
        ia.valid |= ATTR_UID;
        ia.uid = uid;
    }
    if (gid != (uint32_t)-1) {
        /* The owner may pick one of its own groups, or keep the file's. */
        if (!cap && !(owner && (gid == inode->gid || vfs_cred_in_group(ctx, gid))))
            return -EPERM;
        ia.valid |= ATTR_GID;
        ia.gid = gid;
    }
    /* Any chown of a non-directory clears S_ISUID, even by root, and S_ISGID when the file
     * is group-executable or the caller could not have set it (Linux's chown_common). */
    uint32_t m = inode->mode;
    if (!S_ISDIR(m) && (m & (S_ISUID | S_ISGID))) {
        uint32_t kill = m & S_ISUID;
        if ((m & S_ISGID) && ((m & S_IXGRP) || (!vfs_cred_in_group(ctx, inode->gid) &&
                                                !vfs_capable(ctx, CAP_FSETID))))
            kill |= S_ISGID;
        if (kill) {
            if (!cap && !inode_owner_or_capable(ctx, inode))
                return -EPERM;
            ia.valid |= ATTR_MODE;
            ia.mode = m & 07777 & ~kill;
        }
    }
    int ret = notify_change(ctx, p->dentry, inode, &ia);
    if (ret == 0 && !S_ISDIR(m))
        ret = vfs_drop_file_caps(inode);
    return ret;
}

int vfs_fchownat(struct ctx *ctx, struct file *dir, const char *path, uint32_t uid, uint32_t gid,
                 int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct path p;
    int ret = resolve_attr(ctx, dir, path, flags, &p);
    if (ret < 0)
        return ret;
    ret = chown_path(ctx, &p, uid, gid);
    path_put(&p);
    return ret;
}

int vfs_fchown(struct ctx *ctx, struct file *f, uint32_t uid, uint32_t gid)
{
    if (!f->path || (f->flags & O_PATH))
        return -EBADF;
    return chown_path(ctx, f->path, uid, gid);
}

/* ---- utimensat -------------------------------------------------------------------------- */

static int utimes_path(struct ctx *ctx, const struct path *p, const struct linux_timespec *times)
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
        if (!inode_owner_or_capable(ctx, inode))
            return -EPERM;
    } else if (!inode_owner_or_capable(ctx, inode)) {
        int ret = inode_permission(ctx, inode, MAY_WRITE);
        if (ret < 0)
            return ret;
    }
    return notify_change(ctx, p->dentry, inode, &ia);
}

int vfs_utimensat(struct ctx *ctx, struct file *dir, const char *path,
                  const struct linux_timespec *times, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct path p = {0};
    int ret;
    if (!path) {
        if (!dir)
            return -EFAULT; /* utimensat(AT_FDCWD, NULL, ...) */
        if (!dir->path)
            return -EBADF;
        p = *(struct path *)dir->path;
        path_get(&p);
    } else {
        ret = resolve_attr(ctx, dir, path, flags, &p);
        if (ret < 0)
            return ret;
    }
    ret = utimes_path(ctx, &p, times);
    path_put(&p);
    return ret;
}

/* ---- privileges lost by writing ----------------------------------------------------------- */

int vfs_remove_privs(struct ctx *ctx, struct dentry *d, struct inode *inode)
{
    if (!S_ISREG(inode->mode))
        return 0;
    uint32_t kill = vfs_suid_to_clear(ctx, inode);
    if (kill) {
        /* Done with the Sentry's rights: the writer need not own the file. */
        struct iattr ia = {.valid = ATTR_MODE, .mode = inode->mode & 07777 & ~kill};
        int ret = notify_change(ctx_background(), d, inode, &ia);
        if (ret < 0)
            return ret;
    }
    return vfs_drop_file_caps(inode);
}

/* ---- truncate, fallocate, fsync --------------------------------------------------------- */

static int truncate_inode(struct ctx *ctx, struct file *f, struct inode *inode, int64_t length)
{
    if (length < 0)
        return -EINVAL;
    if (S_ISDIR(inode->mode))
        return -EISDIR;
    if (!S_ISREG(inode->mode))
        return -EINVAL;
    int kret = vfs_remove_privs(ctx, f ? file_dentry(f) : NULL, inode);
    if (kret < 0)
        return kret;
    if (f && f->ops && f->ops->truncate) {
        int ret = f->ops->truncate(ctx, f, (uint64_t)length);
        if (ret == 0)
            notify_attr(file_dentry(f), inode, ATTR_SIZE);
        return ret;
    }
    struct iattr ia = {.valid = ATTR_SIZE | ATTR_MTIME, .size = (uint64_t)length};
    ia.mtime = vfs_now();
    return notify_change(ctx, f ? file_dentry(f) : NULL, inode, &ia);
}

int vfs_truncate(struct ctx *ctx, const char *path, int64_t length)
{
    if (length < 0)
        return -EINVAL;
    struct path p;
    int ret = vfs_resolve(ctx, NULL, path, LOOKUP_FOLLOW, &p);
    if (ret < 0)
        return ret;
    struct inode *inode = p.dentry->inode;
    if (S_ISDIR(inode->mode))
        ret = -EISDIR;
    else if (!S_ISREG(inode->mode))
        ret = -EINVAL;
    else
        ret = inode_permission(ctx, inode, MAY_WRITE);
    if (ret == 0 && mount_readonly(p.mnt))
        ret = -EROFS;
    if (ret == 0)
        ret = truncate_inode(ctx, NULL, inode, length);
    path_put(&p);
    return ret;
}

int vfs_ftruncate(struct ctx *ctx, struct file *f, int64_t length)
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
    return truncate_inode(ctx, f, f->inode, length);
}

#define FALLOC_KEEP_SIZE 0x01
#define FALLOC_PUNCH_HOLE 0x02
#define FALLOC_ZERO_RANGE 0x10

int vfs_fallocate(struct ctx *ctx, struct file *f, int mode, int64_t off, int64_t len)
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
        int ret = f->ops->fallocate(ctx, f, mode, (uint64_t)off, (uint64_t)len);
        if (ret == 0)
            notify_attr(file_dentry(f), f->inode, ATTR_SIZE);
        return ret;
    }
    if (mode != 0)
        return -EOPNOTSUPP; /* as a filesystem without fallocate modes */
    if (end <= f->inode->size)
        return 0;
    return truncate_inode(ctx, f, f->inode, end);
}

int vfs_fsync(struct ctx *ctx, struct file *f, bool datasync)
{
    if (f->flags & O_PATH)
        return -EBADF;
    if (f->ops && f->ops->fsync)
        return f->ops->fsync(ctx, f, datasync);
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

int vfs_statfs(struct ctx *ctx, const char *path, struct linux_statfs *st)
{
    struct path p;
    int ret = vfs_resolve(ctx, NULL, path, LOOKUP_FOLLOW, &p);
    if (ret < 0)
        return ret;
    fill_statfs(&p, st);
    path_put(&p);
    return 0;
}

int vfs_fstatfs(struct ctx *ctx, struct file *f, struct linux_statfs *st)
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
