// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs: superblock, inodes made from gofer fids, lookups (one component, or several in one
 * WALK round trip to fill the dentry cache) and readlink. Files are in gofer_file.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "sentry/fs/gofer/goferfs.h"
#include "sentry/fs/gofer/goferfs_internal.h"

static const struct inode_ops g_gofer_iops;

static struct linux_timespec ts_of(struct timespec ts)
{
    return (struct linux_timespec){ts.tv_sec, ts.tv_nsec};
}

static struct gofer_client *sb_client(const struct super_block *sb)
{
    return sb->priv;
}

/* A new inode for @fid (ownership of the fid moves into the inode, also on failure). */
static struct inode *gofer_inode_new(struct super_block *sb, uint64_t fid,
                                     const struct gofer_stat *st)
{
    struct gofer_inode *gi = calloc(1, sizeof(*gi));
    struct inode *inode =
        gi ? inode_new(sb, st->ino ? st->ino : 0, st->mode, &g_gofer_iops, NULL) : NULL;
    if (!inode) {
        free(gi);
        gofer_close(sb_client(sb), &fid, 1);
        return NULL;
    }
    gi->inode = inode;
    gi->client = sb_client(sb);
    gi->fid = fid;
    gi->map_fd = -1;
    inode->priv = gi;
    inode->nlink = st->nlink;
    inode->uid = st->uid;
    inode->gid = st->gid;
    /* Host device numbers use the same encoding as st_rdev. */
    inode->rdev = st->rdev;
    inode->size = (int64_t)st->size;
    inode->blksize = st->blksize ? st->blksize : 4096;
    inode->blocks = (int64_t)st->blocks;
    inode->atime = ts_of(st->atime);
    inode->mtime = ts_of(st->mtime);
    inode->ctime = ts_of(st->ctime);
    return inode;
}

static void gofer_evict(struct inode *inode)
{
    struct gofer_inode *gi = inode->priv;
    if (!gi)
        return;
    gofer_file_evict(gi);
    gofer_close(gi->client, &gi->fid, 1);
    free(gi->target);
    free(gi);
}

static uint64_t fid_of(const struct inode *inode)
{
    return ((const struct gofer_inode *)inode->priv)->fid;
}

static int gofer_lookup(struct task *t, struct inode *dir, const char *name, struct inode **out)
{
    const char *names[1] = {name};
    uint64_t fid;
    struct gofer_stat st;
    unsigned walked = 0;
    int ret = gofer_walk(sb_client(dir->sb), fid_of(dir), names, 1, &fid, &st, &walked);
    if (ret < 0)
        return ret;
    if (walked != 1)
        return -EIO;
    struct inode *inode = gofer_inode_new(dir->sb, fid, &st);
    if (!inode)
        return -ENOMEM;
    *out = inode;
    return 0;
}

/*
 * Walk @count names from @dir in one round trip and cache each result. Stops caching at an
 * entry that was already cached or that has a mount on it (the rest of the path is in
 * another filesystem); fids not kept are closed in one batch.
 */
static int gofer_lookup_batch(struct dentry *dir, const char *const *names, unsigned count)
{
    struct gofer_client *c = sb_client(dir->sb);
    uint64_t fids[GOFER_WALK_MAX];
    struct gofer_stat stats[GOFER_WALK_MAX];
    unsigned walked = 0;
    if (count > GOFER_WALK_MAX)
        count = GOFER_WALK_MAX;
    int err = gofer_walk(c, fid_of(dir->inode), names, count, fids, stats, &walked);
    if (err < 0 && walked == 0 && err != -ENOENT)
        return err;
    struct dentry *cur = dir;
    unsigned used = 0;
    bool stop = false;
    for (; used < walked && !stop; used++) {
        size_t len = strlen(names[used]);
        struct dentry *d = dcache_lookup(cur, names[used], len);
        if (d) {
            /* Cached meanwhile: keep the cached entry, drop the new fid. */
            dentry_unref(d);
            break;
        }
        struct inode *inode = gofer_inode_new(dir->sb, fids[used], &stats[used]);
        if (!inode) {
            used++;
            break;
        }
        d = dcache_add(cur, names[used], len, inode);
        inode_unref(inode);
        if (!d) {
            used++;
            break;
        }
        stop = d->mounted || !S_ISDIR(d->inode->mode);
        cur = d;
    }
    if (used < walked)
        gofer_close(c, fids + used, walked - used);
    else if (err == -ENOENT && walked < count && !stop && S_ISDIR(cur->inode->mode))
        dcache_add_negative(cur, names[walked], strlen(names[walked]));
    return 0;
}

static int goferfs_readlink(struct task *t, struct inode *inode, char *buf, size_t size)
{
    struct gofer_inode *gi = inode->priv;
    if (!S_ISLNK(inode->mode))
        return -EINVAL;
    if (!gi->target) {
        char *tmp = malloc(VFS_PATH_MAX);
        if (!tmp)
            return -ENOMEM;
        int ret = gofer_readlink(gi->client, gi->fid, tmp, VFS_PATH_MAX);
        if (ret < 0) {
            free(tmp);
            return ret;
        }
        gi->target = realloc(tmp, (size_t)ret + 1) ?: tmp;
    }
    size_t len = strlen(gi->target);
    if (len > size)
        len = size;
    memcpy(buf, gi->target, len);
    return (int)len;
}

static int goferfs_setattr(struct task *t, struct inode *inode, const struct iattr *ia)
{
    return -EROFS;
}

static const struct inode_ops g_gofer_iops = {
    .lookup = gofer_lookup,
    .readlink = goferfs_readlink,
    .open = gofer_file_open,
    .setattr = goferfs_setattr,
    .evict = gofer_evict,
};

/* ---- superblock ------------------------------------------------------------------------- */

static void gofer_statfs(struct super_block *sb, struct statfs_info *out)
{
    /* COMPAT: the gofer has no STATFS message yet; report a full, read-only filesystem. */
    out->type = 0x01021997; /* V9FS_MAGIC, as gVisor's gofer mounts report */
    out->bsize = 4096;
    out->frsize = 4096;
    out->blocks = 1u << 20;
    out->bfree = out->bavail = 0;
    out->files = 1u << 20;
    out->ffree = 0;
    out->namelen = VFS_NAME_MAX;
}

static const struct super_ops g_gofer_sops = {
    .lookup_batch = gofer_lookup_batch,
    .statfs = gofer_statfs,
};

static int gofer_mount(const struct fs_type *type, void *data, struct dentry **root)
{
    struct gofer_client *c = data;
    if (!c)
        return -EINVAL;
    uint64_t fid;
    struct gofer_stat st;
    int ret = gofer_attach(c, &fid, &st);
    if (ret < 0) {
        log_error("gofer attach failed: %d", ret);
        return ret;
    }
    if (!S_ISDIR(st.mode)) {
        gofer_close(c, &fid, 1);
        return -ENOTDIR;
    }
    struct super_block *sb = sb_new(type);
    if (!sb) {
        gofer_close(c, &fid, 1);
        return -ENOMEM;
    }
    sb->ops = &g_gofer_sops;
    sb->dcache = DCACHE_FOREVER;
    sb->read_only = true;
    sb->magic = 0x01021997;
    sb->priv = c;
    struct inode *inode = gofer_inode_new(sb, fid, &st);
    sb_unref(sb); /* held by the inode from now on */
    if (!inode)
        return -ENOMEM;
    struct dentry *d = dentry_new_root(inode->sb, inode);
    if (!d)
        return -ENOMEM;
    *root = d;
    return 0;
}

const struct fs_type g_goferfs_type = {
    .name = "goferfs",
    .mount = gofer_mount,
};

int goferfs_register(void)
{
    return vfs_register_fs(&g_goferfs_type);
}
