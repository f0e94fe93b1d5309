// SPDX-License-Identifier: Apache-2.0
/*
 * tmpfs: superblock, inode creation and the directory operations (create, link, unlink,
 * rename, readlink, setattr). Directory contents are the VFS dentry cache itself, so these
 * operations only keep link counts and timestamps right; regular file data is in
 * tmpfs_file.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/fs/tmpfs/tmpfs_internal.h"
#include "sentry/vfs/vfs_ops.h"

static void tmpfs_evict(struct inode *inode)
{
    struct tmpfs_node *n = inode->priv;
    if (!n)
        return;
    if (S_ISREG(inode->mode))
        tmpfs_file_free(inode);
    struct tmpfs_xattr *x, *tmp;
    list_for_each_entry_safe(x, tmp, &n->xattrs, link)
    {
        list_del(&x->link);
        free(x->name);
        free(x);
    }
    free(n->target);
    free(n);
}

int tmpfs_new_inode(struct super_block *sb, uint32_t mode, uint64_t rdev, const char *target,
                    struct inode **out)
{
    struct tmpfs_node *n = calloc(1, sizeof(*n));
    if (!n)
        return -ENOMEM;
    if (target) {
        n->target = strdup(target);
        if (!n->target) {
            free(n);
            return -ENOMEM;
        }
    }
    const struct file_ops *fops = NULL;
    if (S_ISREG(mode))
        fops = &g_tmpfs_file_fops;
    else if (S_ISDIR(mode))
        fops = &g_dcache_dir_fops;
    struct inode *inode = inode_new(sb, 0, mode, &g_tmpfs_iops, fops);
    if (!inode) {
        free(n->target);
        free(n);
        return -ENOMEM;
    }
    n->inode = inode;
    list_init(&n->xattrs);
    if (S_ISREG(mode)) {
        n->sealable = true; /* as Linux shmem: F_GET_SEALS says F_SEAL_SEAL */
        n->seals = TMPFS_SEAL_SEAL;
    }
    inode->priv = n;
    inode->rdev = rdev;
    if (S_ISDIR(mode)) {
        inode->nlink = 2;
        inode->size = 4096; /* COMPAT: Linux tmpfs reports a size that grows with entries */
    }
    if (target)
        inode->size = (int64_t)strlen(target);
    *out = inode;
    return 0;
}

static void touch_dir(struct inode *dir)
{
    dir->mtime = dir->ctime = vfs_now();
}

static int tmpfs_create(struct ctx *ctx, struct inode *dir, const char *name, uint32_t mode,
                        uint64_t rdev, const char *target, struct inode **out)
{
    if (target && strlen(target) >= VFS_PATH_MAX)
        return -ENAMETOOLONG;
    uint32_t uid, gid;
    vfs_init_owner(ctx, dir, &mode, &uid, &gid);
    struct inode *inode;
    int ret = tmpfs_new_inode(dir->sb, mode, rdev, target, &inode);
    if (ret < 0)
        return ret;
    inode->uid = uid;
    inode->gid = gid;
    if (S_ISDIR(mode))
        dir->nlink++;
    touch_dir(dir);
    *out = inode;
    return 0;
}

static int tmpfs_link(struct ctx *ctx, struct inode *dir, const char *name, struct inode *inode)
{
    inode->nlink++;
    inode->ctime = vfs_now();
    touch_dir(dir);
    return 0;
}

static int tmpfs_unlink(struct ctx *ctx, struct inode *dir, const char *name, struct inode *victim)
{
    if (S_ISDIR(victim->mode)) {
        victim->nlink = 0;
        dir->nlink--;
    } else {
        victim->nlink--;
    }
    victim->ctime = vfs_now();
    touch_dir(dir);
    return 0;
}

static int tmpfs_rename(struct ctx *ctx, struct inode *old_dir, const char *old_name,
                        struct inode *new_dir, const char *new_name, struct inode *moved,
                        struct inode *replaced)
{
    bool moved_dir = S_ISDIR(moved->mode);
    if (replaced) {
        if (S_ISDIR(replaced->mode)) {
            replaced->nlink = 0;
            new_dir->nlink--;
        } else {
            replaced->nlink--;
        }
        replaced->ctime = vfs_now();
    }
    if (moved_dir && old_dir != new_dir) {
        old_dir->nlink--;
        new_dir->nlink++;
    }
    moved->ctime = vfs_now();
    touch_dir(old_dir);
    touch_dir(new_dir);
    return 0;
}

static int tmpfs_exchange(struct ctx *ctx, struct inode *a_dir, struct inode *a,
                          struct inode *b_dir, struct inode *b)
{
    if (a_dir != b_dir && S_ISDIR(a->mode) != S_ISDIR(b->mode)) {
        /* A directory changes parent: move its ".." link. */
        struct inode *gains = S_ISDIR(a->mode) ? b_dir : a_dir;
        struct inode *loses = S_ISDIR(a->mode) ? a_dir : b_dir;
        gains->nlink++;
        loses->nlink--;
    }
    a->ctime = b->ctime = vfs_now();
    touch_dir(a_dir);
    touch_dir(b_dir);
    return 0;
}

static int tmpfs_readlink(struct ctx *ctx, struct inode *inode, char *buf, size_t size)
{
    struct tmpfs_node *n = inode->priv;
    if (!n->target)
        return -EINVAL;
    size_t len = strlen(n->target);
    if (len > size)
        len = size;
    memcpy(buf, n->target, len);
    return (int)len;
}

static int tmpfs_setattr(struct ctx *ctx, struct inode *inode, const struct iattr *ia)
{
    if (ia->valid & ATTR_SIZE) {
        if (!S_ISREG(inode->mode))
            return -EINVAL;
        int ret = tmpfs_file_resize(inode, ia->size);
        if (ret < 0)
            return ret;
        inode->mtime = vfs_now();
    }
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

/* ---- extended attributes ---------------------------------------------------------------- */

/* COMPAT: Linux tmpfs limits user.* attributes by memory accounting; no limit here beyond
 * XATTR_SIZE_MAX per value. */
static struct tmpfs_xattr *xattr_find(struct tmpfs_node *n, const char *name)
{
    struct tmpfs_xattr *x;
    list_for_each_entry(x, &n->xattrs, link)
    {
        if (strcmp(x->name, name) == 0)
            return x;
    }
    return NULL;
}

static int tmpfs_getxattr(struct ctx *ctx, struct inode *inode, const char *name, void *buf,
                          size_t size)
{
    struct tmpfs_xattr *x = xattr_find(inode->priv, name);
    if (!x)
        return -ENODATA;
    if (size == 0)
        return (int)x->size;
    if (size < x->size)
        return -ERANGE;
    memcpy(buf, x->value, x->size);
    return (int)x->size;
}

static int tmpfs_setxattr(struct ctx *ctx, struct inode *inode, const char *name, const void *value,
                          size_t size, int flags)
{
    struct tmpfs_node *n = inode->priv;
    struct tmpfs_xattr *old = xattr_find(n, name);
    if (old && (flags & VFS_XATTR_CREATE))
        return -EEXIST;
    if (!old && (flags & VFS_XATTR_REPLACE))
        return -ENODATA;
    struct tmpfs_xattr *x = malloc(sizeof(*x) + size);
    char *nm = strdup(name);
    if (!x || !nm) {
        free(x);
        free(nm);
        return -ENOSPC;
    }
    x->name = nm;
    x->size = size;
    if (size)
        memcpy(x->value, value, size);
    if (old) {
        /* Replace in place so the list keeps its order. */
        list_insert_between(&x->link, old->link.prev, &old->link);
        list_del(&old->link);
        free(old->name);
        free(old);
    } else {
        list_add_tail(&x->link, &n->xattrs);
    }
    return 0;
}

static int tmpfs_listxattr(struct ctx *ctx, struct inode *inode, char *buf, size_t size)
{
    struct tmpfs_node *n = inode->priv;
    size_t total = 0;
    struct tmpfs_xattr *x;
    list_for_each_entry(x, &n->xattrs, link)
    {
        if (strncmp(x->name, "trusted.", 8) == 0 && !vfs_capable(ctx, CAP_SYS_ADMIN))
            continue;
        size_t len = strlen(x->name) + 1;
        if (size) {
            if (total + len > size)
                return -ERANGE;
            memcpy(buf + total, x->name, len);
        }
        total += len;
    }
    return (int)total;
}

static int tmpfs_removexattr(struct ctx *ctx, struct inode *inode, const char *name)
{
    struct tmpfs_xattr *x = xattr_find(inode->priv, name);
    if (!x)
        return -ENODATA;
    list_del(&x->link);
    free(x->name);
    free(x);
    return 0;
}

const struct inode_ops g_tmpfs_iops = {
    .create = tmpfs_create,
    .link = tmpfs_link,
    .unlink = tmpfs_unlink,
    .rename = tmpfs_rename,
    .exchange = tmpfs_exchange,
    .readlink = tmpfs_readlink,
    .setattr = tmpfs_setattr,
    .getxattr = tmpfs_getxattr,
    .setxattr = tmpfs_setxattr,
    .listxattr = tmpfs_listxattr,
    .removexattr = tmpfs_removexattr,
    .evict = tmpfs_evict,
};

/* ---- superblock ------------------------------------------------------------------------- */

static void tmpfs_statfs(struct super_block *sb, struct statfs_info *out)
{
    /* COMPAT: no size limit is enforced; report a large, mostly free filesystem. */
    out->type = 0x01021994; /* TMPFS_MAGIC */
    out->bsize = 4096;
    out->frsize = 4096;
    out->blocks = 1ull << 22;
    const int64_t *used = sb->priv;
    uint64_t u = used && *used > 0 ? (uint64_t)*used : 0;
    out->bfree = out->bavail = out->blocks > u ? out->blocks - u : 0;
    out->files = 1ull << 20;
    out->ffree = out->files - (sb->next_ino < out->files ? sb->next_ino : 0);
    out->namelen = VFS_NAME_MAX;
}

static void tmpfs_put_super(struct super_block *sb)
{
    free(sb->priv);
    sb->priv = NULL;
}

static const struct super_ops g_tmpfs_sops = {
    .statfs = tmpfs_statfs,
    .put_super = tmpfs_put_super,
};

int tmpfs_new_super(const struct fs_type *type, uint32_t root_mode, struct dentry **root)
{
    struct super_block *sb = sb_new(type);
    if (!sb)
        return -ENOMEM;
    sb->ops = &g_tmpfs_sops;
    sb->priv = calloc(1, sizeof(int64_t)); /* pages in use; statfs shows 0 if NULL */
    sb->dcache = DCACHE_AUTHORITATIVE;
    sb->magic = 0x01021994;
    sb->next_ino = 1;
    struct inode *inode;
    int ret = tmpfs_new_inode(sb, S_IFDIR | (root_mode & 07777), 0, NULL, &inode);
    sb_unref(sb); /* the inode holds the superblock now */
    if (ret < 0)
        return ret;
    struct dentry *d = dentry_new_root(inode->sb, inode);
    if (!d)
        return -ENOMEM;
    *root = d;
    return 0;
}

static int tmpfs_mount(const struct fs_type *type, void *data, struct dentry **root)
{
    return tmpfs_new_super(type, 01777, root);
}

const struct fs_type g_tmpfs_type = {
    .name = "tmpfs",
    .mount = tmpfs_mount,
};

int tmpfs_register(void)
{
    return vfs_register_fs(&g_tmpfs_type);
}

int tmpfs_add_node(struct dentry *dir, const char *name, uint32_t mode, uint64_t rdev,
                   const char *target)
{
    struct inode *inode;
    int ret = tmpfs_create(ctx_background(), dir->inode, name, mode, rdev, target, &inode);
    if (ret < 0)
        return ret;
    struct dentry *d = dcache_add(dir, name, strlen(name), inode);
    inode_unref(inode);
    return d ? 0 : -ENOMEM;
}

void **tmpfs_inode_ext(struct inode *inode)
{
    return &((struct tmpfs_node *)inode->priv)->ext;
}

int tmpfs_set_target(struct inode *inode, const char *target, size_t len)
{
    struct tmpfs_node *n = inode->priv;
    char *copy = strndup(target, len);
    if (!copy)
        return -ENOMEM;
    free(n->target);
    n->target = copy;
    inode->size = (int64_t)len;
    return 0;
}
