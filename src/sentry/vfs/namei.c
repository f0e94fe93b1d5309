// SPDX-License-Identifier: Apache-2.0
/*
 * Operations on names: open (with O_CREAT through symlinks), mknod, mkdir, unlink, rmdir,
 * rename, link, symlink, readlink, stat and access. Errors and their order follow Linux's
 * fs/namei.c and fs/open.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sentry/vfs/resolve.h"
#include "sentry/vfs/vfs_internal.h"
#include "sentry/vfs/vfs_ops.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#endif
#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif

static const struct file_ops g_opath_fops = {0};

static bool is_dir(const struct inode *i)
{
    return S_ISDIR(i->mode);
}

/* ---- opening ---------------------------------------------------------------------------- */

/* Set f->ops (and priv) for @inode. */
/* dentry_lookup_child() for an operation that changes @dir (create, unlink, rename): a lazily
 * filled directory (the overlay) is filled completely first, so that a name removed now can
 * never come back from the lower layer. */
static int lookup_child_for_change(struct ctx *ctx, struct dentry *dir, const char *name,
                                   size_t len, struct dentry **out)
{
    int ret = dentry_populate(dir);
    return ret < 0 ? ret : dentry_lookup_child(ctx, dir, name, len, NULL, 0, out);
}

static const struct vfs_fifo_ops *g_fifo_ops; /* Immutable after boot */

void vfs_register_fifo(const struct vfs_fifo_ops *ops)
{
    g_fifo_ops = ops;
}

void vfs_fifo_release(void *fifo)
{
    if (g_fifo_ops)
        g_fifo_ops->release(fifo);
}

static int open_ops(struct ctx *ctx, struct inode *inode, struct file *f, int oflags)
{
    if (f->flags & O_PATH) {
        f->ops = &g_opath_fops;
        return 0;
    }
    if (S_ISCHR(inode->mode)) {
        vfs_chrdev_open_fn open = vfs_chrdev_open(inode->rdev);
        if (open)
            return open(ctx, inode, f, oflags);
        f->ops = vfs_chrdev_fops(inode->rdev);
        return f->ops ? 0 : -ENXIO;
    }
    if (S_ISBLK(inode->mode))
        return -ENXIO;
    if (S_ISSOCK(inode->mode))
        return -ENXIO;
    if (S_ISFIFO(inode->mode))
        return g_fifo_ops ? g_fifo_ops->open(ctx, inode, f) : -ENXIO;
    if (inode->ops && inode->ops->open)
        return inode->ops->open(ctx, inode, f);
    if (!inode->fops)
        return -ENXIO;
    f->ops = inode->fops;
    return 0;
}

int vfs_open_path(struct ctx *ctx, const struct path *p, int flags, struct file **out)
{
    struct file *f = calloc(1, sizeof(*f));
    struct path *fp = malloc(sizeof(*fp));
    if (!f || !fp) {
        free(f);
        free(fp);
        return -ENOMEM;
    }
    f->refs = 1;
    *fp = *p;
    path_get(fp);
    f->path = fp;
    f->inode = inode_ref(p->dentry->inode);
    /* open(2) keeps the status flags; creation flags are forgotten. Linux reports
     * O_LARGEFILE on 64-bit. */
    f->flags =
        ((uint32_t)flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) | O_LARGEFILE;
    int ret = open_ops(ctx, f->inode, f, flags);
    if (ret < 0) {
        f->ops = NULL; /* nothing to release, no close event */
        file_unref(f);
        return ret;
    }
    vfs_notify_file(f, VFS_IN_OPEN);
    *out = f;
    return 0;
}

int vfs_open_exec(struct ctx *ctx, const char *path, struct file **out)
{
    struct path p;
    int ret = vfs_resolve(ctx, NULL, path, LOOKUP_FOLLOW, &p);
    if (ret < 0)
        return ret;
    struct inode *inode = p.dentry->inode;
    if (!S_ISREG(inode->mode) || (p.mnt->flags & MNT_NOEXEC))
        ret = -EACCES; /* directories, FIFOs, devices, sockets; noexec mounts */
    else
        ret = inode_permission(ctx, inode, MAY_EXEC);
    if (ret == 0)
        ret = vfs_open_path(ctx_background(), &p, O_RDONLY | O_CLOEXEC, out);
    path_put(&p);
    return ret;
}

int vfs_exec_info(struct ctx *ctx, struct file *f, struct vfs_exec_info *out)
{
    struct inode *inode = f->inode;
    const struct path *p = f->path;
    memset(out, 0, sizeof(*out));
    out->mode = inode->mode;
    out->uid = inode->uid;
    out->gid = inode->gid;
    out->nosuid = p && (p->mnt->flags & MNT_NOSUID);
    out->readable = inode_permission(ctx, inode, MAY_READ) == 0;
    if (!out->nosuid && inode->ops && inode->ops->getxattr) {
        int n = inode->ops->getxattr(ctx_background(), inode, "security.capability", out->caps,
                                     sizeof(out->caps));
        out->caps_size = n > 0 ? n : 0;
    }
    return 0;
}

/* Permission and type checks of an existing object opened with @flags (may_open). */
static int may_open(struct ctx *ctx, const struct path *p, int flags)
{
    struct inode *inode = p->dentry->inode;
    int acc = flags & O_ACCMODE;
    if (S_ISLNK(inode->mode))
        return (flags & O_PATH) ? 0 : -ELOOP;
    if ((flags & O_DIRECTORY) && !is_dir(inode))
        return -ENOTDIR;
    if (flags & O_PATH)
        return 0;
    bool wants_write = acc != O_RDONLY || (flags & O_TRUNC);
    if (is_dir(inode) && (acc != O_RDONLY || (flags & O_CREAT)))
        return -EISDIR;
    int mask = (acc != O_WRONLY ? MAY_READ : 0) | (wants_write ? MAY_WRITE : 0);
    int ret = inode_permission(ctx, inode, mask);
    if (ret < 0)
        return ret;
    bool special = S_ISCHR(inode->mode) || S_ISBLK(inode->mode) || S_ISFIFO(inode->mode) ||
                   S_ISSOCK(inode->mode);
    if ((S_ISCHR(inode->mode) || S_ISBLK(inode->mode)) && (p->mnt->flags & MNT_NODEV))
        return -EACCES;
    if (wants_write && !special && mount_readonly(p->mnt))
        return -EROFS;
    if ((flags & O_NOATIME) && !inode_owner_or_capable(ctx, inode))
        return -EPERM;
    return 0;
}

/* Create @name in the directory @dir (a create-like operation). Returns the new dentry. */
static int do_create(struct ctx *ctx, const struct path *dir, const char *name, size_t len,
                     uint32_t mode, uint64_t rdev, const char *target, struct dentry **out)
{
    struct dentry *dd = dir->dentry;
    struct inode *dinode = dd->inode;
    if (dd->dead)
        return -ENOENT;
    if (mount_readonly(dir->mnt))
        return -EROFS;
    int ret = inode_permission(ctx, dinode, MAY_WRITE | MAY_EXEC);
    if (ret < 0)
        return ret;
    if (!dinode->ops || !dinode->ops->create || dd->sb->dcache == DCACHE_NONE)
        return -EPERM;
    char buf[VFS_NAME_MAX + 1];
    memcpy(buf, name, len);
    buf[len] = '\0';
    struct inode *inode = NULL;
    ret = dinode->ops->create(ctx, dinode, buf, mode, rdev, target, &inode);
    if (ret < 0)
        return ret;
    struct dentry *d = dcache_add(dd, name, len, inode);
    inode_unref(inode);
    if (!d)
        return -ENOMEM;
    if (inode->synthetic)
        d->synthetic = true; /* never checked against (or listed by) the store */
    vfs_notify(dinode, VFS_IN_CREATE | (S_ISDIR(mode) ? VFS_IN_ISDIR : 0), 0, buf);
    *out = dentry_ref(d);
    return 0;
}

/* Truncate a freshly opened regular file (O_TRUNC). */
static int open_truncate(struct ctx *ctx, struct file *f)
{
    struct inode *inode = f->inode;
    if (!S_ISREG(inode->mode) || inode->size == 0)
        return 0;
    if (f->ops->truncate)
        return f->ops->truncate(ctx, f, 0);
    if (inode->ops && inode->ops->setattr) {
        struct iattr ia = {.valid = ATTR_SIZE | ATTR_MTIME | ATTR_CTIME, .size = 0};
        ia.mtime = vfs_now();
        return inode->ops->setattr(ctx, inode, &ia);
    }
    return -EINVAL;
}

/* The last component of an O_CREAT open; follows symlinks to dangling targets as Linux. */
static int open_create_last(struct nameidata *nd, int flags, unsigned int mode, struct path *out,
                            bool *created)
{
    /* The lookup may release the kernel lock around a round trip (LOOKUP_MAY_UNLOCK), so
     * another thread, or the host, can create the name between it and ours: without O_EXCL
     * that open then finds the file, as on Linux; a few retries bound a store that keeps
     * contradicting itself. */
    int races = 0;
    for (;;) {
        if (nd->last_type != LAST_NORM)
            return -EISDIR;
        struct path child = {0};
        int ret = nd_lookup_child(nd, &child);
        if (ret < 0)
            return ret;
        if (!child.dentry) {
            if (nd->trailing_slash) {
                path_put(&child);
                return -EISDIR;
            }
            struct dentry *d = NULL;
            uint32_t m = S_IFREG | (mode & 07777 & ~nd->ctx->fs->umask);
            ret = do_create(nd->ctx, &nd->cur, nd->last, nd->last_len, m, 0, NULL, &d);
            if (ret == -EEXIST && !(flags & O_EXCL) && ++races < 8) {
                path_put(&child);
                continue;
            }
            if (ret < 0) {
                path_put(&child);
                return ret;
            }
            child.dentry = d;
            *out = child;
            *created = true;
            return 0;
        }
        if (flags & O_EXCL) {
            path_put(&child);
            return -EEXIST;
        }
        if (S_ISLNK(child.dentry->inode->mode) && !(flags & O_NOFOLLOW)) {
            ret = nd_link_enter(nd, &child);
            path_put(&child);
            if (ret < 0)
                return ret;
            continue;
        }
        if (nd->trailing_slash && !is_dir(child.dentry->inode)) {
            path_put(&child);
            return -ENOTDIR;
        }
        *out = child;
        return 0;
    }
}

static int check_open_flags(int flags)
{
    if ((flags & O_ACCMODE) == O_ACCMODE && !(flags & O_PATH))
        return -EINVAL;
    if ((flags & O_TMPFILE) == O_TMPFILE)
        return -EOPNOTSUPP; /* COMPAT: O_TMPFILE is not supported yet */
    if ((flags & O_CREAT) && (flags & O_DIRECTORY))
        return -EINVAL;
    return 0;
}

/* openat2's RESOLVE_* bits (Linux's uapi values) as the walk's LOOKUP_* restrictions. */
static unsigned resolve_lookup_flags(uint64_t resolve)
{
    unsigned f = 0;
    f |= (resolve & VFS_RESOLVE_NO_XDEV) ? LOOKUP_NO_XDEV : 0;
    f |= (resolve & VFS_RESOLVE_NO_MAGICLINKS) ? LOOKUP_NO_MAGICLINKS : 0;
    f |= (resolve & VFS_RESOLVE_NO_SYMLINKS) ? LOOKUP_NO_SYMLINKS : 0;
    f |= (resolve & VFS_RESOLVE_BENEATH) ? LOOKUP_BENEATH : 0;
    f |= (resolve & VFS_RESOLVE_IN_ROOT) ? LOOKUP_IN_ROOT : 0;
    return f;
}

int vfs_openat(struct ctx *ctx, struct file *dir, const char *path, int flags, unsigned int mode,
               struct file **out)
{
    return vfs_openat2(ctx, dir, path, flags, mode, 0, out);
}

int vfs_openat2(struct ctx *ctx, struct file *dir, const char *path, int flags, unsigned int mode,
                uint64_t resolve, struct file **out)
{
    int ret = check_open_flags(flags);
    if (ret < 0)
        return ret;
    if (flags & O_PATH)
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    struct nameidata nd;
    ret = nd_init(&nd, ctx, dir, path, resolve_lookup_flags(resolve));
    if (ret < 0)
        return ret;
    ret = nd_walk(&nd, path);
    struct path p = {0};
    bool created = false;
    if (ret == 0 && (flags & O_CREAT)) {
        ret = open_create_last(&nd, flags, mode, &p, &created);
    } else if (ret == 0) {
        ret = nd_lookup_last(&nd, !(flags & O_NOFOLLOW), flags & O_DIRECTORY);
        if (ret == 0 && nd.link_file) {
            /* COMPAT: /proc/pid/fd/N of a pipe or socket gives that open file itself (shared
             * offset and status flags), where Linux opens the object anew. */
            struct file *f = nd.link_file;
            nd.link_file = NULL;
            nd_cleanup(&nd);
            if ((file_writable(f) || !(flags & (O_WRONLY | O_RDWR))) &&
                (file_readable(f) || (flags & O_ACCMODE) == O_WRONLY)) {
                *out = f;
                return 0;
            }
            file_unref(f);
            return -EACCES;
        }
        if (ret == 0) {
            p = nd.cur;
            nd.cur = (struct path){0};
        }
    }
    nd_cleanup(&nd);
    if (ret < 0)
        return ret;
    if (!created)
        ret = may_open(ctx, &p, flags);
    struct file *f = NULL;
    if (ret == 0)
        ret = vfs_open_path(ctx, &p, flags, &f);
    path_put(&p);
    if (ret == 0 && (flags & O_TRUNC) && !created && !(flags & O_PATH)) {
        ret = open_truncate(ctx, f);
        if (ret < 0)
            file_unref(f);
        else
            vfs_notify_file(f, VFS_IN_MODIFY);
    }
    if (ret == 0)
        *out = f;
    return ret;
}

/* ---- creation ----------------------------------------------------------------------------*/

/* Resolve the parent of @path and check that its last component can be created. */
static int create_prepare(struct ctx *ctx, struct file *dir, const char *path, bool is_mkdir,
                          struct resolve_parent *rp)
{
    int ret = vfs_resolve_parent(ctx, dir, path, rp);
    if (ret < 0)
        return ret;
    if (rp->type != LAST_NORM) {
        path_put(&rp->dir);
        return -EEXIST;
    }
    struct dentry *d = NULL;
    ret = lookup_child_for_change(ctx, rp->dir.dentry, rp->name, rp->len, &d);
    if (ret == 0 && d)
        ret = -EEXIST;
    else if (ret == 0 && rp->trailing_slash && !is_mkdir)
        ret = -ENOENT;
    if (d)
        dentry_unref(d);
    if (ret < 0)
        path_put(&rp->dir);
    return ret;
}

int vfs_mknodat(struct ctx *ctx, struct file *dir, const char *path, unsigned int mode,
                uint64_t dev)
{
    uint32_t type = mode & S_IFMT;
    if (type == 0)
        type = S_IFREG;
    if (type == S_IFDIR)
        return -EPERM;
    if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
        type != S_IFSOCK)
        return -EINVAL;
    /* Device nodes need CAP_MKNOD, but for the overlay whiteout (character device 0:0). */
    bool whiteout = type == S_IFCHR && dev == 0;
    if ((type == S_IFCHR || type == S_IFBLK) && !whiteout && !vfs_capable(ctx, CAP_MKNOD))
        return -EPERM;
    struct resolve_parent rp;
    int ret = create_prepare(ctx, dir, path, false, &rp);
    if (ret < 0)
        return ret;
    struct dentry *d = NULL;
    uint32_t m = type | (mode & 07777 & ~ctx->fs->umask);
    /* As Linux's init_special_inode: only device nodes keep the device number. */
    bool is_dev = type == S_IFCHR || type == S_IFBLK;
    ret = do_create(ctx, &rp.dir, rp.name, rp.len, m, is_dev ? dev : 0, NULL, &d);
    if (d)
        dentry_unref(d);
    path_put(&rp.dir);
    return ret;
}

int vfs_bind_socket(struct ctx *ctx, struct file *dir, const char *path, void *sock,
                    struct inode **out)
{
    struct resolve_parent rp;
    int ret = create_prepare(ctx, dir, path, false, &rp);
    if (ret < 0)
        return ret == -EEXIST ? -EADDRINUSE : ret;
    struct dentry *d = NULL;
    /* A socket's inode is 0777 less the umask, as Linux's unix_bind_bsd. */
    ret =
        do_create(ctx, &rp.dir, rp.name, rp.len, S_IFSOCK | (0777 & ~ctx->fs->umask), 0, NULL, &d);
    path_put(&rp.dir);
    if (ret < 0)
        return ret == -EEXIST ? -EADDRINUSE : ret;
    d->inode->sock = sock;
    *out = inode_ref(d->inode);
    dentry_unref(d);
    return 0;
}

int vfs_find_socket(struct ctx *ctx, struct file *dir, const char *path, void **out)
{
    struct path p;
    int ret = vfs_resolve(ctx, dir, path, LOOKUP_FOLLOW, &p);
    if (ret < 0)
        return ret;
    struct inode *inode = p.dentry->inode;
    /* As Linux's unix_find_bsd: write permission first, then a bound socket inode. */
    ret = inode_permission(ctx, inode, MAY_WRITE);
    if (ret == 0 && (!S_ISSOCK(inode->mode) || !inode->sock))
        ret = -ECONNREFUSED;
    if (ret == 0)
        *out = inode->sock;
    path_put(&p);
    return ret;
}

void vfs_unbind_socket(struct inode *inode)
{
    inode->sock = NULL;
    inode_unref(inode);
}

int vfs_mkdirat(struct ctx *ctx, struct file *dir, const char *path, unsigned int mode)
{
    struct resolve_parent rp;
    int ret = create_prepare(ctx, dir, path, true, &rp);
    if (ret < 0)
        return ret;
    struct dentry *d = NULL;
    uint32_t m = S_IFDIR | (mode & 01777 & ~ctx->fs->umask);
    ret = do_create(ctx, &rp.dir, rp.name, rp.len, m, 0, NULL, &d);
    if (d)
        dentry_unref(d);
    path_put(&rp.dir);
    return ret;
}

int vfs_symlinkat(struct ctx *ctx, const char *target, struct file *newdir, const char *linkpath)
{
    if (target[0] == '\0')
        return -ENOENT;
    struct resolve_parent rp;
    int ret = create_prepare(ctx, newdir, linkpath, false, &rp);
    if (ret < 0)
        return ret;
    struct dentry *d = NULL;
    ret = do_create(ctx, &rp.dir, rp.name, rp.len, S_IFLNK | 0777, 0, target, &d);
    if (d)
        dentry_unref(d);
    path_put(&rp.dir);
    return ret;
}

int vfs_linkat(struct ctx *ctx, struct file *olddir, const char *oldpath, struct file *newdir,
               const char *newpath, int flags)
{
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    unsigned lf = (flags & AT_SYMLINK_FOLLOW ? LOOKUP_FOLLOW : 0) |
                  (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
    struct path old;
    int ret = vfs_resolve(ctx, olddir, oldpath, lf, &old);
    if (ret < 0)
        return ret;
    struct resolve_parent rp;
    ret = create_prepare(ctx, newdir, newpath, false, &rp);
    if (ret < 0) {
        path_put(&old);
        return ret;
    }
    struct inode *inode = old.dentry->inode;
    struct inode *dinode = rp.dir.dentry->inode;
    if (old.mnt != rp.dir.mnt)
        ret = -EXDEV;
    else if (mount_readonly(rp.dir.mnt))
        ret = -EROFS;
    else if (is_dir(inode))
        ret = -EPERM;
    else if (rp.dir.dentry->dead || (inode->nlink == 0))
        ret = -ENOENT;
    else
        ret = inode_permission(ctx, dinode, MAY_WRITE | MAY_EXEC);
    if (ret == 0)
        ret = vfs_may_link(ctx, inode);
    if (ret == 0 && (!dinode->ops || !dinode->ops->link))
        ret = -EPERM;
    if (ret == 0)
        ret = dinode->ops->link(ctx, dinode, rp.name, inode);
    if (ret == 0 && !dcache_add(rp.dir.dentry, rp.name, rp.len, inode))
        ret = -ENOMEM;
    if (ret == 0) {
        vfs_notify(inode, VFS_IN_ATTRIB, 0, NULL);
        vfs_notify(dinode, VFS_IN_CREATE, 0, rp.name);
    }
    path_put(&rp.dir);
    path_put(&old);
    return ret;
}

/* ---- removal and rename ----------------------------------------------------------------- */

/* Whether the directory @d has any entry (DCACHE_AUTHORITATIVE only). A directory whose
 * children cannot be read counts as non-empty. */
static bool dir_has_children(struct dentry *d)
{
    if (dentry_populate(d) < 0)
        return true;
    const struct dentry *c;
    list_for_each_entry(c, &d->children, sibling)
    {
        if (c->inode)
            return true;
    }
    return false;
}

/* Whether @victim may be removed from @dir (unlink if !@want_dir, rmdir if @want_dir). */
static int may_delete(struct ctx *ctx, const struct path *dir, struct dentry *victim, bool want_dir)
{
    struct inode *inode = victim->inode;
    if (want_dir && !is_dir(inode))
        return -ENOTDIR;
    if (!want_dir && is_dir(inode))
        return -EISDIR;
    int ret = inode_permission(ctx, dir->dentry->inode, MAY_WRITE | MAY_EXEC);
    if (ret == 0)
        ret = vfs_check_sticky(ctx, dir->dentry->inode, inode);
    if (ret == 0 && (victim->mounted || victim == dir->mnt->root))
        ret = -EBUSY;
    if (ret == 0 && want_dir && dir_has_children(victim))
        ret = -ENOTEMPTY;
    return ret;
}

/* Events of a removed name: IN_ATTRIB (link count) on a file, IN_DELETE on the directory,
 * IN_DELETE_SELF when the last link went. COMPAT: Linux reports IN_DELETE_SELF of an open
 * file only when its last reference goes. */
static void notify_removed(struct inode *dir, const char *name, struct inode *victim)
{
    bool isdir = is_dir(victim);
    if (!isdir)
        vfs_notify(victim, VFS_IN_ATTRIB, 0, NULL);
    vfs_notify(dir, VFS_IN_DELETE | (isdir ? VFS_IN_ISDIR : 0), 0, name);
    if (victim->nlink == 0)
        vfs_notify(victim, VFS_IN_DELETE_SELF, 0, NULL);
}

int vfs_unlinkat(struct ctx *ctx, struct file *dir, const char *path, int flags)
{
    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    bool rmdir = flags & AT_REMOVEDIR;
    struct resolve_parent rp;
    int ret = vfs_resolve_parent(ctx, dir, path, &rp);
    if (ret < 0)
        return ret;
    if (rp.type != LAST_NORM)
        ret = !rmdir                   ? -EISDIR
              : rp.type == LAST_DOT    ? -EINVAL
              : rp.type == LAST_DOTDOT ? -ENOTEMPTY
                                       : -EBUSY;
    else if (mount_readonly(rp.dir.mnt))
        ret = -EROFS;
    struct dentry *victim = NULL;
    if (ret == 0)
        ret = lookup_child_for_change(ctx, rp.dir.dentry, rp.name, rp.len, &victim);
    if (ret == 0 && !victim)
        ret = -ENOENT;
    if (ret == 0 && !rmdir && rp.trailing_slash && !is_dir(victim->inode))
        ret = -ENOTDIR;
    if (ret == 0)
        ret = may_delete(ctx, &rp.dir, victim, rmdir);
    struct inode *dinode = rp.dir.dentry->inode;
    if (ret == 0 && (!dinode->ops || !dinode->ops->unlink))
        ret = -EPERM;
    if (ret == 0)
        ret = dinode->ops->unlink(ctx, dinode, rp.name, victim->inode);
    if (ret == 0) {
        dcache_drop(victim);
        notify_removed(dinode, rp.name, victim->inode);
    }
    if (victim)
        dentry_unref(victim);
    path_put(&rp.dir);
    return ret;
}

/* True if @d is @ancestor or below it (same superblock). */
static bool dentry_is_below(const struct dentry *d, const struct dentry *ancestor)
{
    for (; d; d = d->parent) {
        if (d == ancestor)
            return true;
    }
    return false;
}

/* Type and emptiness checks between the moved @old and the replaced @new (may be NULL). */
static int rename_check(struct ctx *ctx, struct resolve_parent *op, struct dentry *old,
                        struct resolve_parent *np, struct dentry *new, unsigned flags)
{
    bool old_dir = is_dir(old->inode);
    if (!old_dir && (op->trailing_slash || np->trailing_slash))
        return -ENOTDIR;
    int ret = inode_permission(ctx, op->dir.dentry->inode, MAY_WRITE | MAY_EXEC);
    if (ret == 0)
        ret = inode_permission(ctx, np->dir.dentry->inode, MAY_WRITE | MAY_EXEC);
    if (ret == 0)
        ret = vfs_check_sticky(ctx, op->dir.dentry->inode, old->inode);
    if (ret < 0)
        return ret;
    if (old->mounted)
        return -EBUSY;
    if (old_dir && dentry_is_below(np->dir.dentry, old))
        return -EINVAL;
    if (!new)
        return 0;
    if (flags & RENAME_NOREPLACE)
        return -EEXIST;
    ret = vfs_check_sticky(ctx, np->dir.dentry->inode, new->inode);
    if (ret < 0)
        return ret;
    if (new->mounted)
        return -EBUSY;
    if (old_dir && !is_dir(new->inode))
        return -ENOTDIR;
    if (!old_dir && is_dir(new->inode))
        return -EISDIR;
    if (is_dir(new->inode) && dir_has_children(new))
        return -ENOTEMPTY;
    return 0;
}

/* IN_MOVED_FROM / IN_MOVED_TO (one cookie) on the directories, IN_MOVE_SELF on @moved. */
static void notify_moved(struct inode *odir, const char *oname, struct inode *ndir,
                         const char *nname, struct inode *moved)
{
    uint32_t isdir = is_dir(moved) ? VFS_IN_ISDIR : 0;
    uint32_t cookie = vfs_notify_cookie();
    vfs_notify(odir, VFS_IN_MOVED_FROM | isdir, cookie, oname);
    vfs_notify(ndir, VFS_IN_MOVED_TO | isdir, cookie, nname);
    vfs_notify(moved, VFS_IN_MOVE_SELF, 0, NULL);
}

static int do_rename(struct ctx *ctx, struct resolve_parent *op, struct resolve_parent *np,
                     unsigned flags)
{
    if (op->type != LAST_NORM || np->type != LAST_NORM)
        return (flags & RENAME_NOREPLACE) && np->type != LAST_NORM ? -EEXIST : -EBUSY;
    if (op->dir.mnt != np->dir.mnt)
        return -EXDEV;
    if (mount_readonly(op->dir.mnt))
        return -EROFS;
    struct dentry *old = NULL, *new = NULL;
    int ret = lookup_child_for_change(ctx, op->dir.dentry, op->name, op->len, &old);
    if (ret == 0 && !old)
        ret = -ENOENT;
    if (ret == 0)
        ret = lookup_child_for_change(ctx, np->dir.dentry, np->name, np->len, &new);
    if (ret == 0 && new && (flags & RENAME_NOREPLACE))
        ret = -EEXIST;
    if (ret == 0 && new &&new->inode == old->inode)
        ret = 1; /* same file: rename does nothing and succeeds */
    if (ret == 0)
        ret = rename_check(ctx, op, old, np, new, flags);
    if (ret == 0 && new &&dentry_is_below(op->dir.dentry, new))
        ret = -ENOTEMPTY;
    struct inode *odir = op->dir.dentry->inode;
    if (ret == 0 && (!odir->ops || !odir->ops->rename))
        ret = -EPERM;
    if (ret == 0)
        ret = odir->ops->rename(ctx, odir, op->name, np->dir.dentry->inode, np->name, old->inode,
                                new ? new->inode : NULL);
    if (ret == 0) {
        if (new)
            dcache_drop(new);
        dcache_move(old, np->dir.dentry, np->name, np->len);
        notify_moved(odir, op->name, np->dir.dentry->inode, np->name, old->inode);
        if (new &&new->inode->nlink == 0)
            vfs_notify(new->inode, VFS_IN_DELETE_SELF, 0, NULL);
    }
    if (old)
        dentry_unref(old);
    if (new)
        dentry_unref(new);
    return ret == 1 ? 0 : ret;
}

/* RENAME_EXCHANGE: swap two existing names atomically (Linux's checks for both sides). */
static int do_exchange(struct ctx *ctx, struct resolve_parent *op, struct resolve_parent *np)
{
    if (op->type != LAST_NORM || np->type != LAST_NORM)
        return -EBUSY;
    if (op->dir.mnt != np->dir.mnt)
        return -EXDEV;
    if (mount_readonly(op->dir.mnt))
        return -EROFS;
    struct dentry *a = NULL, *b = NULL;
    int ret = lookup_child_for_change(ctx, op->dir.dentry, op->name, op->len, &a);
    if (ret == 0 && !a)
        ret = -ENOENT;
    if (ret == 0)
        ret = lookup_child_for_change(ctx, np->dir.dentry, np->name, np->len, &b);
    if (ret == 0 && !b)
        ret = -ENOENT;
    if (ret == 0 &&
        ((!is_dir(a->inode) && op->trailing_slash) || (!is_dir(b->inode) && np->trailing_slash)))
        ret = -ENOTDIR;
    if (ret == 0)
        ret = inode_permission(ctx, op->dir.dentry->inode, MAY_WRITE | MAY_EXEC);
    if (ret == 0)
        ret = inode_permission(ctx, np->dir.dentry->inode, MAY_WRITE | MAY_EXEC);
    if (ret == 0)
        ret = vfs_check_sticky(ctx, op->dir.dentry->inode, a->inode);
    if (ret == 0)
        ret = vfs_check_sticky(ctx, np->dir.dentry->inode, b->inode);
    if (ret == 0 && (a->mounted || b->mounted))
        ret = -EBUSY;
    /* Neither may end up inside itself. */
    if (ret == 0 && a != b &&
        (dentry_is_below(np->dir.dentry, a) || dentry_is_below(op->dir.dentry, b)))
        ret = -EINVAL;
    struct inode *odir = op->dir.dentry->inode;
    if (ret == 0 && a->inode == b->inode)
        ret = 1; /* the same file: nothing to do */
    if (ret == 0 && (!odir->ops || !odir->ops->exchange))
        ret = -EINVAL;
    if (ret == 0)
        ret = odir->ops->exchange(ctx, odir, a->inode, np->dir.dentry->inode, b->inode);
    if (ret == 0) {
        dcache_move(a, np->dir.dentry, np->name, np->len);
        dcache_move(b, op->dir.dentry, op->name, op->len);
        notify_moved(odir, op->name, np->dir.dentry->inode, np->name, a->inode);
        notify_moved(np->dir.dentry->inode, np->name, odir, op->name, b->inode);
    }
    if (a)
        dentry_unref(a);
    if (b)
        dentry_unref(b);
    return ret == 1 ? 0 : ret;
}

int vfs_renameat(struct ctx *ctx, struct file *olddir, const char *oldpath, struct file *newdir,
                 const char *newpath, unsigned int flags)
{
    if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return -EINVAL;
    if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
        return -EINVAL;
    if (flags & RENAME_WHITEOUT)
        return vfs_capable(ctx, CAP_MKNOD) ? -EINVAL
                                           : -EPERM; /* COMPAT: no whiteouts (overlayfs) */
    struct resolve_parent op, np;
    int ret = vfs_resolve_parent(ctx, olddir, oldpath, &op);
    if (ret < 0)
        return ret;
    ret = vfs_resolve_parent(ctx, newdir, newpath, &np);
    if (ret < 0) {
        path_put(&op.dir);
        return ret;
    }
    ret = (flags & RENAME_EXCHANGE) ? do_exchange(ctx, &op, &np) : do_rename(ctx, &op, &np, flags);
    path_put(&op.dir);
    path_put(&np.dir);
    return ret;
}

/* ---- readlink, stat, access ------------------------------------------------------------- */

int vfs_readlinkat(struct ctx *ctx, struct file *dir, const char *path, char *buf, size_t size)
{
    struct path p;
    int ret = vfs_resolve(ctx, dir, path, LOOKUP_EMPTY, &p);
    if (ret < 0)
        return ret;
    struct inode *inode = p.dentry->inode;
    if (!S_ISLNK(inode->mode) || !inode->ops || !inode->ops->readlink) {
        ret = path[0] == '\0' && !S_ISLNK(inode->mode) ? -ENOENT : -EINVAL;
        if (path[0] != '\0' || S_ISLNK(inode->mode))
            ret = -EINVAL;
    } else {
        char *tmp = malloc(VFS_PATH_MAX);
        ret = tmp ? inode->ops->readlink(ctx, inode, tmp, VFS_PATH_MAX) : -ENOMEM;
        if (ret >= 0) {
            if ((size_t)ret > size)
                ret = (int)size;
            memcpy(buf, tmp, (size_t)ret);
        }
        free(tmp);
    }
    path_put(&p);
    return ret;
}

int vfs_fstat(struct ctx *ctx, struct file *f, struct linux_stat *st)
{
    if (f->ops && f->ops->stat)
        return f->ops->stat(ctx, f, st);
    if (f->inode) {
        if (f->inode->ops && f->inode->ops->getattr) {
            int ret = f->inode->ops->getattr(ctx, f->inode);
            if (ret < 0)
                return ret;
        }
        inode_fill_stat(f->inode, st);
        return 0;
    }
    /* An anonymous file without its own stat: what Linux shows for anon inodes. */
    memset(st, 0, sizeof(*st));
    st->st_ino = f->anon_ino;
    st->st_mode = 0600;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    return 0;
}

/* The file @dir for an AT_EMPTY_PATH operation (new reference), or NULL with the cwd in
 * *@cwd_out when @dir is NULL (AT_FDCWD). */
static struct file *empty_path_file(struct ctx *ctx, struct file *dir, struct path *cwd_out)
{
    if (!dir) {
        *cwd_out = ctx->fs->cwd;
        path_get(cwd_out);
        return NULL;
    }
    return file_ref(dir);
}

int vfs_fstatat(struct ctx *ctx, struct file *dir, const char *path, int flags,
                struct linux_stat *st)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return -EINVAL;
    struct path p = {0};
    int ret;
    if (path[0] == '\0' && (flags & AT_EMPTY_PATH)) {
        struct file *f = empty_path_file(ctx, dir, &p);
        if (f) {
            ret = vfs_fstat(ctx, f, st);
            file_unref(f);
            return ret;
        }
        if (!p.dentry)
            return -EBADF;
    } else {
        unsigned lf = (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
        struct file *lfile = NULL;
        ret = vfs_resolve_link_file(ctx, dir, path, lf, &p, &lfile);
        if (ret < 0)
            return ret;
        if (lfile) { /* stat(/dev/fd/N) of a pipe is fstat of the pipe */
            path_put(&p);
            ret = vfs_fstat(ctx, lfile, st);
            file_unref(lfile);
            return ret;
        }
    }
    struct inode *inode = p.dentry->inode;
    ret = 0;
    if (inode->ops && inode->ops->getattr)
        ret = inode->ops->getattr(ctx, inode);
    if (ret == 0)
        inode_fill_stat(inode, st);
    path_put(&p);
    return ret;
}

/* access(2) checks as the real ids: the filesystem ids become the real ones, and the
 * effective capabilities the permitted set for real root, none for anyone else (Linux's
 * access_override_creds, unless SECBIT_NO_SETUID_FIXUP). */
static void access_creds(const struct cred *c, struct cred *out)
{
    *out = *c;
    out->groups = c->groups; /* borrowed for the length of the call */
    out->fsuid = c->uid;
    out->fsgid = c->gid;
    if (!(c->securebits & SECBIT_NO_SETUID_FIXUP))
        out->cap_effective = c->uid == 0 ? c->cap_permitted : 0;
}

static int do_access(struct ctx *ctx, struct file *dir, const char *path, int mode, int flags)
{
    unsigned lf = ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
                  ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0);
    struct path p;
    int ret = vfs_resolve(ctx, dir, path, lf, &p);
    if (ret < 0)
        return ret;
    struct inode *inode = p.dentry->inode;
    if ((mode & W_OK) && mount_readonly(p.mnt) &&
        (S_ISREG(inode->mode) || S_ISDIR(inode->mode) || S_ISLNK(inode->mode)))
        ret = -EROFS;
    if (ret == 0 && (mode & X_OK) && S_ISREG(inode->mode) && (p.mnt->flags & MNT_NOEXEC))
        ret = -EACCES;
    if (ret == 0 && mode)
        ret = inode_permission(ctx, inode,
                               ((mode & R_OK) ? MAY_READ : 0) | ((mode & W_OK) ? MAY_WRITE : 0) |
                                   ((mode & X_OK) ? MAY_EXEC : 0));
    path_put(&p);
    return ret;
}

int vfs_access(struct ctx *ctx, struct file *dir, const char *path, int mode, int flags)
{
    if (mode & ~(R_OK | W_OK | X_OK))
        return -EINVAL;
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if (flags & AT_EACCESS)
        return do_access(ctx, dir, path, mode, flags);
    /* The walk too runs as the real ids. */
    struct cred real;
    access_creds(ctx->cred, &real);
    struct ctx actx = *ctx;
    actx.cred = &real;
    return do_access(&actx, dir, path, mode, flags);
}
