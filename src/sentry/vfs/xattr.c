// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes at the VFS level: name and namespace checks, permissions and read-only
 * mounts, as Linux's fs/xattr.c; the filesystem (tmpfs) stores them through the inode ops.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "sentry/vfs/resolve.h"
#include "sentry/vfs/vfs_internal.h"
#include "sentry/vfs/vfs_ops.h"

enum xattr_ns { NS_USER, NS_TRUSTED, NS_SECURITY };

/* The namespace of @name: -EOPNOTSUPP for unknown prefixes (system.* included: no POSIX
 * ACLs), -EINVAL for a bare prefix. */
static int xattr_ns(const char *name)
{
    static const struct {
        const char *prefix;
        enum xattr_ns ns;
    } known[] = {{"user.", NS_USER}, {"trusted.", NS_TRUSTED}, {"security.", NS_SECURITY}};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        size_t len = strlen(known[i].prefix);
        if (strncmp(name, known[i].prefix, len) == 0)
            return name[len] ? (int)known[i].ns : -EINVAL;
    }
    return -EOPNOTSUPP;
}

#define XATTR_NAME_CAPS "security.capability"

/* xattr_permission of Linux, with the capability module's rules for security.*: may @ctx
 * access @name of @inode with @mask? */
static int xattr_permission(struct ctx *ctx, struct inode *inode, const char *name, int mask)
{
    int ns = xattr_ns(name);
    if (ns < 0)
        return ns;
    switch (ns) {
    case NS_TRUSTED:
        if (!vfs_capable(ctx, CAP_SYS_ADMIN))
            return (mask & MAY_WRITE) ? -EPERM : -ENODATA;
        return 0;
    case NS_SECURITY:
        if (!(mask & MAY_WRITE))
            return 0;
        /* File capabilities are CAP_SETFCAP's; any other security label CAP_SYS_ADMIN's. */
        if (strcmp(name, XATTR_NAME_CAPS) == 0)
            return vfs_capable(ctx, CAP_SETFCAP) ? 0 : -EPERM;
        return vfs_capable(ctx, CAP_SYS_ADMIN) ? 0 : -EPERM;
    default:
        if (!S_ISREG(inode->mode) && !S_ISDIR(inode->mode))
            return (mask & MAY_WRITE) ? -EPERM : -ENODATA;
        if (S_ISDIR(inode->mode) && (inode->mode & S_ISVTX) && (mask & MAY_WRITE) &&
            !inode_owner_or_capable(ctx, inode))
            return -EPERM;
        return inode_permission(ctx, inode, mask);
    }
}

int vfs_drop_file_caps(struct inode *inode)
{
    if (!inode->fcaps)
        return 0;
    inode->fcaps = false;
    if (!inode->ops || !inode->ops->removexattr)
        return 0;
    int ret = inode->ops->removexattr(ctx_background(), inode, XATTR_NAME_CAPS);
    return ret == -ENODATA ? 0 : ret;
}

/* The object of an xattr call: @path (resolved) or @f. */
static int xattr_target(struct ctx *ctx, const char *path, int flags, struct file *f,
                        struct path *out, struct inode **inode)
{
    if (!path) {
        if (f->flags & O_PATH)
            return -EBADF;
        *out = (struct path){0};
        if (f->path) {
            *out = *(struct path *)f->path;
            path_get(out);
        }
        *inode = f->inode;
        return 0;
    }
    int ret = vfs_resolve(ctx, NULL, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, out);
    if (ret == 0)
        *inode = out->dentry->inode;
    return ret;
}

static void target_put(struct path *p)
{
    if (p->dentry)
        path_put(p);
}

int vfs_getxattr(struct ctx *ctx, const char *path, int flags, struct file *f, const char *name,
                 void *buf, size_t size)
{
    struct path p;
    struct inode *inode = NULL;
    int ret = xattr_target(ctx, path, flags, f, &p, &inode);
    if (ret < 0)
        return ret;
    if (!inode)
        ret = -ENODATA; /* anonymous files: an empty list, as before */
    else
        ret = xattr_permission(ctx, inode, name, MAY_READ);
    if (ret == 0)
        ret = inode->ops && inode->ops->getxattr ? inode->ops->getxattr(ctx, inode, name, buf, size)
                                                 : -ENODATA;
    target_put(&p);
    return ret;
}

/* Checks shared by setxattr and removexattr: an inode that has attributes, on a writable
 * mount, that the caller may change. Returns 0 or -errno. */
static int xattr_may_change(struct ctx *ctx, const struct path *p, struct inode *inode,
                            const char *name)
{
    if (!inode)
        return -EOPNOTSUPP;
    if (p->mnt && mount_readonly(p->mnt))
        return -EROFS;
    return xattr_permission(ctx, inode, name, MAY_WRITE);
}

/* After a change of @inode's attributes: ctime and IN_ATTRIB. */
static void xattr_changed(const struct path *p, struct inode *inode)
{
    inode->ctime = vfs_now();
    if (p->dentry)
        vfs_notify_dentry(p->dentry, VFS_IN_ATTRIB);
    else
        vfs_notify(inode, VFS_IN_ATTRIB, 0, NULL);
}

int vfs_setxattr(struct ctx *ctx, const char *path, int flags, struct file *f, const char *name,
                 const void *value, size_t size, int xflags)
{
    if (xflags & ~(VFS_XATTR_CREATE | VFS_XATTR_REPLACE))
        return -EINVAL;
    struct path p;
    struct inode *inode = NULL;
    int ret = xattr_target(ctx, path, flags, f, &p, &inode);
    if (ret < 0)
        return ret;
    ret = xattr_may_change(ctx, &p, inode, name);
    bool caps = strcmp(name, XATTR_NAME_CAPS) == 0;
    /* Only well-formed capability sets (v2 or v3) are stored, as Linux's cap_convert_nscap. */
    if (ret == 0 && caps && size != 20 && size != 24)
        ret = -EINVAL;
    if (ret == 0 && !(inode->ops && inode->ops->setxattr))
        ret = -EOPNOTSUPP;
    if (ret == 0)
        ret = inode->ops->setxattr(ctx, inode, name, value, size, xflags);
    if (ret == 0) {
        if (caps)
            inode->fcaps = true;
        xattr_changed(&p, inode);
    }
    target_put(&p);
    return ret;
}

int vfs_listxattr(struct ctx *ctx, const char *path, int flags, struct file *f, char *buf,
                  size_t size)
{
    struct path p;
    struct inode *inode = NULL;
    int ret = xattr_target(ctx, path, flags, f, &p, &inode);
    if (ret < 0)
        return ret;
    if (inode && inode->ops && inode->ops->listxattr)
        ret = inode->ops->listxattr(ctx, inode, buf, size);
    target_put(&p);
    return ret;
}

int vfs_removexattr(struct ctx *ctx, const char *path, int flags, struct file *f, const char *name)
{
    struct path p;
    struct inode *inode = NULL;
    int ret = xattr_target(ctx, path, flags, f, &p, &inode);
    if (ret < 0)
        return ret;
    ret = xattr_may_change(ctx, &p, inode, name);
    if (ret == 0 && !(inode->ops && inode->ops->removexattr))
        ret = -EOPNOTSUPP;
    if (ret == 0)
        ret = inode->ops->removexattr(ctx, inode, name);
    if (ret == 0) {
        if (strcmp(name, XATTR_NAME_CAPS) == 0)
            inode->fcaps = false;
        xattr_changed(&p, inode);
    }
    target_put(&p);
    return ret;
}
