// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs: superblock, inodes made from gofer fids, lookups (one component, or several in one
 * WALK round trip to fill the dentry cache), readlink, and on writable mounts (goferfs-rw)
 * the directory and attribute operations, each one gofer request. Files are in gofer_file.c.
 */
#include <errno.h>
#include <fcntl.h>
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
    gi->host_dev = st->dev;
    gi->host_ino = st->ino;
    gi->map_fd = -1;
    gi->ro_fd = -1;
    list_init(&gi->ro_lru);
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

static int gofer_lookup(struct ctx *ctx, struct inode *dir, const char *name, struct inode **out)
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

/* Refresh the cached attributes of @inode from @st. */
static void inode_update(struct inode *inode, const struct gofer_stat *st)
{
    inode->mode = (inode->mode & S_IFMT) | (st->mode & 07777);
    inode->nlink = st->nlink;
    inode->uid = st->uid;
    inode->gid = st->gid;
    /* Cached pages of shared mappings follow a size change (truncate, or the host's). */
    gofer_cache_resized(inode->priv, (uint64_t)inode->size, st->size);
    inode->size = (int64_t)st->size;
    inode->blocks = (int64_t)st->blocks;
    inode->atime = ts_of(st->atime);
    inode->mtime = ts_of(st->mtime);
    inode->ctime = ts_of(st->ctime);
}

/* True if the host file of @inode is the one the walk found (@st): same identity, same type. */
static bool same_host_file(const struct inode *inode, const struct gofer_stat *st)
{
    const struct gofer_inode *gi = inode->priv;
    return gi->host_dev == st->dev && gi->host_ino == st->ino &&
           (inode->mode & S_IFMT) == (st->mode & S_IFMT);
}

/*
 * Cache the walked @name of @dir (its new @fid and @st). Returns the cached dentry
 * (borrowed) or NULL to stop (ENOMEM). *@fid_used says whether the fid went into an inode.
 * A revalidating superblock checks an entry cached already: the same host file stays (its
 * attributes refreshed, marked fresh as of walk @seq), another one (replaced on the host)
 * takes its place, unless the sandbox changed the entry after the round trip began (@gen:
 * the answer is older than what is cached); a plain one keeps the cached entry.
 */
static struct dentry *cache_walked(struct dentry *dir, const char *name, uint64_t fid,
                                   const struct gofer_stat *st, uint64_t seq, uint64_t gen,
                                   bool *fid_used)
{
    bool reval = dir->sb->dcache == DCACHE_REVALIDATE;
    size_t len = strlen(name);
    struct dentry *d = dcache_lookup(dir, name, len);
    *fid_used = false;
    if (d && (!reval || dcache_changed_since(d, gen))) {
        /* Cached meanwhile (or, revalidating, changed by the sandbox after the round trip
         * began, which then knows better): keep the cached entry. */
        dentry_unref(d);
        return NULL;
    }
    if (d && d->inode && (dcache_is_fresh(d) || same_host_file(d->inode, st))) {
        if (!dcache_is_fresh(d)) {
            inode_update(d->inode, st);
            dcache_mark_fresh_at(d, seq);
        }
        dentry_unref(d); /* the cache holds it */
        return d;
    }
    if (d)
        dentry_unref(d);
    *fid_used = true;
    struct inode *inode = gofer_inode_new(dir->sb, fid, st);
    if (!inode)
        return NULL;
    d = dcache_add(dir, name, len, inode); /* drops a replaced entry with its cached tree */
    inode_unref(inode);
    if (d)
        dcache_mark_fresh_at(d, seq);
    return d;
}

/* The host has no @name in @dir: a revalidating cache forgets what it had there, a
 * read-only one remembers that the name is missing. */
static void cache_missing(struct dentry *dir, const char *name, uint64_t gen)
{
    size_t len = strlen(name);
    if (dir->sb->dcache != DCACHE_REVALIDATE) {
        if (dir->sb->read_only)
            dcache_add_negative(dir, name, len);
        return;
    }
    struct dentry *d = dcache_lookup(dir, name, len);
    if (d && !dcache_is_fresh(d) && !dcache_changed_since(d, gen))
        dcache_drop(d);
    if (d)
        dentry_unref(d);
}

/* The WALK round trip of gofer_lookup_batch, with the kernel lock released when @ctx may:
 * @dir is kept by a reference meanwhile (its inode, and so the fid, with it), and @seq is
 * the walk number to mark what the answer confirms (dcache_mark_fresh_at), @gen the cache
 * generation that entries changed meanwhile are newer than. Returns what
 * gofer_walk returns; -ENOENT with nothing walked if @dir was dropped meanwhile (its
 * results would belong to no cached directory). */
static int walk_maybe_unlocked(struct ctx *ctx, struct dentry *dir, const char *const *names,
                               unsigned count, uint64_t *fids, struct gofer_stat *stats,
                               unsigned *walked, uint64_t *seq, uint64_t *gen)
{
    struct gofer_client *c = sb_client(dir->sb);
    uint64_t dir_fid = fid_of(dir->inode);
    *seq = dcache_walk_seq();
    *gen = dcache_gen();
    if (!ctx || !ctx_may_unlock(ctx))
        return gofer_walk(c, dir_fid, names, count, fids, stats, walked);
    dentry_ref(dir);
    ctx_io_begin(ctx);
    int err = gofer_walk(c, dir_fid, names, count, fids, stats, walked);
    ctx_io_end(ctx);
    bool dead = dir->dead;
    dentry_unref(dir);
    if (dead) {
        if (*walked)
            gofer_close(c, fids, *walked);
        *walked = 0;
        return -ENOENT;
    }
    return err;
}

/*
 * Walk @count names from @dir in one round trip and cache each result. Stops at an entry
 * that has a mount on it or is not a directory (the rest of the path is elsewhere); a plain
 * superblock also stops at an entry cached already. Fids not kept are closed in one batch.
 * The round trip releases the kernel lock when @ctx may (walk_maybe_unlocked); another walk
 * may have cached the same names meanwhile, which cache_walked reconciles.
 */
static int gofer_lookup_batch(struct ctx *ctx, struct dentry *dir, const char *const *names,
                              unsigned count)
{
    struct gofer_client *c = sb_client(dir->sb);
    uint64_t fids[GOFER_WALK_MAX], unused[GOFER_WALK_MAX];
    struct gofer_stat stats[GOFER_WALK_MAX];
    unsigned walked = 0, nunused = 0;
    uint64_t seq, gen;
    if (count > GOFER_WALK_MAX)
        count = GOFER_WALK_MAX;
    int err = walk_maybe_unlocked(ctx, dir, names, count, fids, stats, &walked, &seq, &gen);
    if (err < 0 && walked == 0 && err != -ENOENT)
        return err;
    if (dir->dead)
        return 0; /* dropped while the lock was released: nothing to cache under it */
    struct dentry *cur = dir;
    unsigned next = 0; /* the first fid not dealt with */
    bool stop = false, all = true;
    while (next < walked && !stop) {
        bool used;
        struct dentry *d =
            cache_walked(cur, names[next], fids[next], &stats[next], seq, gen, &used);
        if (!used)
            unused[nunused++] = fids[next];
        next++;
        if (!d) {
            all = false;
            break;
        }
        cur = d;
        stop = d->mounted || !S_ISDIR(d->inode->mode);
    }
    while (next < walked)
        unused[nunused++] = fids[next++];
    if (nunused)
        gofer_close(c, unused, nunused);
    if (all && !stop && walked < count && err == -ENOENT)
        cache_missing(cur, names[walked], gen);
    return 0;
}

static int goferfs_readlink(struct ctx *ctx, struct inode *inode, char *buf, size_t size)
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

/* ---- writes (goferfs-rw mounts) ------------------------------------------------------- */

/* Re-stat @inode on the host (a volume may change under us). */
static int gofer_refresh(struct inode *inode)
{
    struct gofer_stat st;
    int ret = gofer_stat(sb_client(inode->sb), fid_of(inode), &st);
    if (ret == 0)
        inode_update(inode, &st);
    return ret;
}

static int goferfs_getattr(struct ctx *ctx, struct inode *inode)
{
    /* The read-only root is immutable; writable and shared mounts may change on the host. */
    if (inode->sb->read_only && inode->sb->dcache != DCACHE_REVALIDATE)
        return 0;
    return gofer_refresh(inode);
}

/* New files belong to the creator's filesystem ids (or the directory's group), as on Linux:
 * the gofer chowns them on the host, where sandbox ids are host ids. The sandbox's root is
 * the gofer's own user, so its files keep the gofer's ids (GOFER_ID_KEEP). */
static int goferfs_create(struct ctx *ctx, struct inode *dir, const char *name, uint32_t mode,
                          uint64_t rdev, const char *target, struct inode **out)
{
    struct gofer_client *c = sb_client(dir->sb);
    uint64_t fid;
    struct gofer_stat st;
    uint32_t uid, gid;
    vfs_init_owner(ctx, dir, &mode, &uid, &gid);
    if (uid == 0 && gid == 0)
        uid = gid = GOFER_ID_KEEP;
    int ret;
    switch (mode & S_IFMT) {
    case S_IFDIR:
        ret = gofer_mkdir(c, fid_of(dir), name, mode & 07777, uid, gid, &fid, &st);
        break;
    case S_IFLNK:
        ret = gofer_symlink(c, fid_of(dir), name, target, uid, gid, &fid, &st);
        break;
    case S_IFREG: {
        int fd = -1;
        ret = gofer_create(c, fid_of(dir), name, O_RDWR, mode & 07777, uid, gid, &fid, &st, &fd);
        if (fd >= 0)
            close(fd); /* the open that follows asks for the access it needs */
        break;
    }
    case S_IFSOCK: {
        /* A bound unix socket: the node lives in the Sentry only, as gVisor's synthetic
         * socket files (COMPAT: the host and other sandboxes do not see it). */
        struct inode *si = inode_new(dir->sb, 0, mode, NULL, NULL);
        if (!si)
            return -ENOMEM;
        si->ino = 0x7ffe000000000000ull | dir->sb->next_ino++;
        si->uid = uid == GOFER_ID_KEEP ? 0 : uid;
        si->gid = gid == GOFER_ID_KEEP ? 0 : gid;
        si->synthetic = true;
        *out = si;
        return 0;
    }
    default:
        return -EPERM; /* COMPAT: no device nodes or FIFOs on gofer mounts */
    }
    if (ret < 0)
        return ret;
    struct inode *inode = gofer_inode_new(dir->sb, fid, &st);
    if (!inode)
        return -ENOMEM;
    gofer_refresh(dir);
    *out = inode;
    return 0;
}

static int goferfs_link(struct ctx *ctx, struct inode *dir, const char *name, struct inode *inode)
{
    struct gofer_client *c = sb_client(dir->sb);
    uint64_t fid;
    struct gofer_stat st;
    int ret = gofer_link(c, fid_of(dir), name, fid_of(inode), &fid, &st);
    if (ret < 0)
        return ret;
    gofer_close(c, &fid, 1); /* the VFS links the existing inode */
    inode_update(inode, &st);
    gofer_refresh(dir);
    return 0;
}

static int goferfs_unlink(struct ctx *ctx, struct inode *dir, const char *name,
                          struct inode *victim)
{
    if (victim->synthetic) { /* a socket node the host never had */
        victim->nlink = 0;
        return 0;
    }
    int ret = gofer_unlink(sb_client(dir->sb), fid_of(dir), name,
                           S_ISDIR(victim->mode) ? AT_REMOVEDIR : 0);
    if (ret < 0)
        return ret;
    if (S_ISDIR(victim->mode))
        victim->nlink = 0;
    else
        gofer_refresh(victim);
    gofer_refresh(dir);
    return 0;
}

static int goferfs_rename(struct ctx *ctx, struct inode *old_dir, const char *old_name,
                          struct inode *new_dir, const char *new_name, struct inode *moved,
                          struct inode *replaced)
{
    if (moved->synthetic || (replaced && replaced->synthetic))
        return -EXDEV; /* COMPAT: socket nodes of gofer mounts stay where they were made */
    int ret = gofer_rename(sb_client(old_dir->sb), fid_of(old_dir), old_name, fid_of(new_dir),
                           new_name, 0);
    if (ret < 0)
        return ret;
    if (replaced && !S_ISDIR(replaced->mode))
        gofer_refresh(replaced);
    else if (replaced)
        replaced->nlink = 0;
    gofer_refresh(moved);
    gofer_refresh(old_dir);
    if (new_dir != old_dir)
        gofer_refresh(new_dir);
    return 0;
}

static int goferfs_setattr(struct ctx *ctx, struct inode *inode, const struct iattr *ia)
{
    if (inode->sb->read_only)
        return -EROFS;
    struct gofer_setattr sa = {0};
    if (ia->valid & ATTR_MODE) {
        sa.valid |= GOFER_SETATTR_MODE;
        sa.mode = ia->mode & 07777;
    }
    if (ia->valid & ATTR_UID) {
        sa.valid |= GOFER_SETATTR_UID;
        sa.uid = ia->uid;
    }
    if (ia->valid & ATTR_GID) {
        sa.valid |= GOFER_SETATTR_GID;
        sa.gid = ia->gid;
    }
    if (ia->valid & ATTR_SIZE) {
        sa.valid |= GOFER_SETATTR_SIZE;
        sa.size = ia->size;
    }
    if (ia->valid & ATTR_ATIME) {
        sa.valid |= GOFER_SETATTR_ATIME;
        sa.atime = (struct timespec){ia->atime.tv_sec, ia->atime.tv_nsec};
    }
    if (ia->valid & ATTR_MTIME) {
        sa.valid |= GOFER_SETATTR_MTIME;
        sa.mtime = (struct timespec){ia->mtime.tv_sec, ia->mtime.tv_nsec};
    }
    if (sa.valid == 0)
        return gofer_refresh(inode); /* ctime only: the host sets it on any change */
    struct gofer_stat st;
    int ret = gofer_setattr(sb_client(inode->sb), fid_of(inode), &sa, &st);
    if (ret < 0)
        return ret;
    inode_update(inode, &st);
    return 0;
}

static const struct inode_ops g_gofer_iops = {
    .lookup = gofer_lookup,
    .create = goferfs_create,
    .link = goferfs_link,
    .unlink = goferfs_unlink,
    .rename = goferfs_rename,
    .readlink = goferfs_readlink,
    .open = gofer_file_open,
    .setattr = goferfs_setattr,
    .getattr = goferfs_getattr,
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
    bool shared = type == &g_goferfs_shared_type || type == &g_goferfs_rw_shared_type;
    sb->dcache = shared ? DCACHE_REVALIDATE : DCACHE_FOREVER;
    sb->read_only = type != &g_goferfs_rw_type && type != &g_goferfs_rw_shared_type;
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

const struct fs_type g_goferfs_rw_type = {
    .name = "goferfs-rw",
    .mount = gofer_mount,
};

const struct fs_type g_goferfs_shared_type = {
    .name = "goferfs-shared",
    .mount = gofer_mount,
};

const struct fs_type g_goferfs_rw_shared_type = {
    .name = "goferfs-rw-shared",
    .mount = gofer_mount,
};

int goferfs_register(void)
{
    const struct fs_type *types[] = {&g_goferfs_type, &g_goferfs_rw_type, &g_goferfs_shared_type,
                                     &g_goferfs_rw_shared_type};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        int ret = vfs_register_fs(types[i]);
        if (ret < 0)
            return ret;
    }
    return 0;
}
