// SPDX-License-Identifier: Apache-2.0
/*
 * Superblocks, inodes, dentries and the dentry cache (a global hash of (parent, name)), plus
 * the mode-bit permission check. The three cache modes are described in vfs_internal.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "abi/cvisor/vvar.h"
#include "common/log.h"
#include "sentry/context/klock.h"
#include "sentry/time/timekeeper.h"
#include "sentry/vfs/resolve.h"
#include "sentry/vfs/vfs_internal.h"

/* ---- superblocks ------------------------------------------------------------------------ */

static uint32_t g_next_anon_minor = 1;

struct super_block *sb_new(const struct fs_type *type)
{
    struct super_block *sb = calloc(1, sizeof(*sb));
    if (!sb)
        return NULL;
    sb->refs = 1;
    sb->type = type;
    sb->dcache = DCACHE_AUTHORITATIVE;
    sb->dev = vfs_mkdev(0, g_next_anon_minor++);
    sb->next_ino = 1;
    sb->magic = 0x01021994; /* TMPFS_MAGIC unless the filesystem says otherwise */
    return sb;
}

void sb_ref(struct super_block *sb)
{
    sb->refs++;
}

void sb_unref(struct super_block *sb)
{
    CV_BUG_ON(sb->refs <= 0);
    if (--sb->refs > 0)
        return;
    if (sb->ops && sb->ops->put_super)
        sb->ops->put_super(sb);
    free(sb);
}

/* ---- inodes ----------------------------------------------------------------------------- */

struct linux_timespec vfs_now(void)
{
    uint64_t ns = timekeeper_now_ns(CVISOR_CLOCK_REALTIME);
    return (struct linux_timespec){(int64_t)(ns / 1000000000ULL), (int64_t)(ns % 1000000000ULL)};
}

struct inode *inode_new(struct super_block *sb, uint64_t ino, uint32_t mode,
                        const struct inode_ops *ops, const struct file_ops *fops)
{
    struct inode *inode = calloc(1, sizeof(*inode));
    if (!inode)
        return NULL;
    inode->refs = 1;
    inode->sb = sb;
    sb_ref(sb);
    inode->ino = ino ? ino : sb->next_ino++;
    inode->mode = mode;
    inode->nlink = 1;
    inode->ops = ops;
    inode->fops = fops;
    inode->blksize = 4096;
    inode->atime = inode->mtime = inode->ctime = vfs_now();
    return inode;
}

struct inode *inode_ref(struct inode *inode)
{
    inode->refs++;
    return inode;
}

void inode_unref(struct inode *inode)
{
    CV_BUG_ON(inode && inode->refs <= 0);
    if (!inode || --inode->refs > 0)
        return;
    if (inode->ops && inode->ops->evict)
        inode->ops->evict(inode);
    if (inode->fifo)
        vfs_fifo_release(inode->fifo);
    vfs_locks_free(inode);
    sb_unref(inode->sb);
    free(inode);
}

void inode_fill_stat(const struct inode *inode, struct linux_stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_dev = inode->sb->dev;
    st->st_ino = inode->ino;
    st->st_nlink = inode->nlink;
    st->st_mode = inode->mode;
    st->st_uid = inode->uid;
    st->st_gid = inode->gid;
    st->st_rdev = inode->rdev;
    st->st_size = inode->size;
    st->st_blksize = inode->blksize;
    st->st_blocks = inode->blocks;
    st->st_atim = inode->atime;
    st->st_mtim = inode->mtime;
    st->st_ctim = inode->ctime;
}

uint8_t vfs_mode_to_dtype(uint32_t mode)
{
    return (uint8_t)((mode & S_IFMT) >> 12); /* DT_* == S_IF* >> 12 on Linux */
}

/* ---- permissions ------------------------------------------------------------------------ */

/* ---- dentries --------------------------------------------------------------------------- */

static struct dentry *dentry_alloc(struct super_block *sb, const char *name, size_t len)
{
    struct dentry *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->name = strndup(name, len);
    if (!d->name) {
        free(d);
        return NULL;
    }
    d->refs = 1;
    d->sb = sb;
    sb_ref(sb);
    list_init(&d->children);
    list_init(&d->sibling);
    d->next_off = 2;
    return d;
}

struct dentry *dentry_new_root(struct super_block *sb, struct inode *inode)
{
    struct dentry *d = dentry_alloc(sb, "/", 1);
    if (!d) {
        inode_unref(inode);
        return NULL;
    }
    d->inode = inode;
    return d;
}

struct dentry *dentry_ref(struct dentry *d)
{
    d->refs++;
    return d;
}

void dentry_unref(struct dentry *d)
{
    /* Iterative so that freeing a long chain of parents does not recurse. */
    CV_BUG_ON(d && d->refs <= 0);
    while (d && --d->refs == 0) {
        struct dentry *parent = d->parent;
        CV_BUG_ON(parent && parent->refs <= 0);
        CV_BUG_ON(d->hashed);
        inode_unref(d->inode);
        sb_unref(d->sb);
        free(d->name);
        free(d);
        d = parent;
    }
}

/* ---- the dentry cache ------------------------------------------------------------------- */

static struct dentry **g_hash;
static size_t g_hash_size; /* power of two */
static size_t g_hash_count;

static size_t hash_of(const struct dentry *dir, const char *name, size_t len)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)dir;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)name[i]) * 1099511628211ull;
    h ^= h >> 29;
    return (size_t)h & (g_hash_size - 1);
}

static void hash_grow(void)
{
    size_t nsize = g_hash_size ? g_hash_size * 2 : 1024;
    struct dentry **nh = calloc(nsize, sizeof(*nh));
    if (!nh)
        return; /* keep the old table: only slower */
    struct dentry **old = g_hash;
    size_t osize = g_hash_size;
    g_hash = nh;
    g_hash_size = nsize;
    for (size_t i = 0; i < osize; i++) {
        struct dentry *d = old[i];
        while (d) {
            struct dentry *next = d->hash_next;
            size_t b = hash_of(d->parent, d->name, strlen(d->name));
            d->hash_next = g_hash[b];
            g_hash[b] = d;
            d = next;
        }
    }
    free(old);
}

static void hash_insert(struct dentry *d)
{
    if (g_hash_count + 1 > g_hash_size)
        hash_grow();
    if (!g_hash_size)
        return;
    size_t b = hash_of(d->parent, d->name, strlen(d->name));
    d->hash_next = g_hash[b];
    g_hash[b] = d;
    g_hash_count++;
}

static void hash_remove(struct dentry *d)
{
    if (!g_hash_size)
        return;
    struct dentry **pp = &g_hash[hash_of(d->parent, d->name, strlen(d->name))];
    for (; *pp; pp = &(*pp)->hash_next) {
        if (*pp == d) {
            *pp = d->hash_next;
            d->hash_next = NULL;
            g_hash_count--;
            return;
        }
    }
}

static struct dentry *hash_find(struct dentry *dir, const char *name, size_t len)
{
    if (!g_hash_size)
        return NULL;
    for (struct dentry *d = g_hash[hash_of(dir, name, len)]; d; d = d->hash_next) {
        if (d->parent == dir && strncmp(d->name, name, len) == 0 && d->name[len] == '\0')
            return d;
    }
    return NULL;
}

struct dentry *dcache_lookup(struct dentry *dir, const char *name, size_t len)
{
    KERNEL_LOCK_ASSERT();
    struct dentry *d = hash_find(dir, name, len);
    return d ? dentry_ref(d) : NULL;
}

/* Link @d (fresh, one reference that the cache keeps) under @dir. */
static void dcache_link(struct dentry *dir, struct dentry *d)
{
    d->parent = dentry_ref(dir);
    d->dir_off = dir->next_off++;
    list_add_tail(&d->sibling, &dir->children);
    d->hashed = true;
    hash_insert(d);
}

static uint64_t g_dcache_gen; /* Kernel lock */

uint64_t dcache_gen(void)
{
    return g_dcache_gen;
}

struct dentry *dcache_add(struct dentry *dir, const char *name, size_t len, struct inode *inode)
{
    KERNEL_LOCK_ASSERT();
    struct dentry *old = hash_find(dir, name, len);
    if (old) {
        if (!old->inode) {
            /* A cached negative entry becomes positive in place. */
            old->inode = inode_ref(inode);
            old->gen = ++g_dcache_gen;
            return old;
        }
        dcache_drop(old);
    }
    struct dentry *d = dentry_alloc(dir->sb, name, len);
    if (!d)
        return NULL;
    d->inode = inode_ref(inode);
    d->gen = ++g_dcache_gen;
    dcache_link(dir, d);
    return d;
}

void dcache_add_negative(struct dentry *dir, const char *name, size_t len)
{
    /* A writable superblock's backing store may gain the name behind our back. */
    if (dir->sb->dcache != DCACHE_FOREVER || !dir->sb->read_only || hash_find(dir, name, len))
        return;
    struct dentry *d = dentry_alloc(dir->sb, name, len);
    if (d)
        dcache_link(dir, d);
}

int dentry_populate(struct dentry *dir)
{
    struct super_block *sb = dir->sb;
    if (dir->populated || !sb->ops || !sb->ops->populate || !dir->inode ||
        !S_ISDIR(dir->inode->mode))
        return 0;
    int ret = sb->ops->populate(dir);
    if (ret == 0)
        dir->populated = true;
    return ret;
}

/* Unhash @d (it has no cached children) and drop the cache's reference. */
static void dcache_drop_one(struct dentry *d)
{
    d->dead = true;
    if (!d->hashed)
        return;
    hash_remove(d);
    list_del(&d->sibling);
    d->hashed = false;
    dentry_unref(d); /* the cache's reference */
}

void dcache_drop(struct dentry *d)
{
    KERNEL_LOCK_ASSERT();
    /* Depth first without recursion: a child is dropped before its parent, and a parent
     * stays alive meanwhile (its hashed children and @d's caller hold it). */
    dentry_ref(d);
    struct dentry *cur = d;
    for (;;) {
        if (!list_empty(&cur->children)) {
            cur = list_first_entry(&cur->children, struct dentry, sibling);
            continue;
        }
        struct dentry *parent = cur->parent;
        dcache_drop_one(cur);
        if (cur == d)
            break;
        cur = parent;
    }
    dentry_unref(d);
}

/* Walks are numbered; an entry checked by a walk that began no earlier than the calling
 * thread's current walk is fresh for it. Walks of other threads run meanwhile when a lookup
 * releases the kernel lock around its round trip, so "current" is per thread. */
static uint64_t g_walk_seq = 1;       /* Kernel lock */
static __thread uint64_t tl_walk_seq; /* the calling thread's current walk */

void dcache_begin_walk(void)
{
    KERNEL_LOCK_ASSERT();
    tl_walk_seq = ++g_walk_seq;
}

uint64_t dcache_walk_seq(void)
{
    return g_walk_seq;
}

void dcache_mark_fresh_at(struct dentry *d, uint64_t seq)
{
    if (seq > d->fresh_walk)
        d->fresh_walk = seq;
}

void dcache_mark_fresh(struct dentry *d)
{
    dcache_mark_fresh_at(d, g_walk_seq);
}

bool dcache_is_fresh(const struct dentry *d)
{
    return d->fresh_walk >= tl_walk_seq || d->synthetic || d->mounted;
}

void dcache_move(struct dentry *d, struct dentry *new_dir, const char *name, size_t len)
{
    char *nname = strndup(name, len);
    if (!nname)
        return; /* COMPAT: the rename happened but the cache keeps the old name (ENOMEM) */
    hash_remove(d);
    list_del(&d->sibling);
    struct dentry *old_parent = d->parent;
    free(d->name);
    d->name = nname;
    d->parent = dentry_ref(new_dir);
    d->dir_off = new_dir->next_off++;
    d->gen = ++g_dcache_gen;
    list_add_tail(&d->sibling, &new_dir->children);
    hash_insert(d);
    dentry_unref(old_parent);
}

/* ---- child lookup ----------------------------------------------------------------------- */

/* Ask the filesystem about @name in @dir (cache miss). */
static int lookup_slow(struct ctx *ctx, struct dentry *dir, const char *name, size_t len,
                       struct dentry **out)
{
    struct inode *dinode = dir->inode;
    if (!dinode->ops || !dinode->ops->lookup)
        return 0; /* nothing there */
    char buf[VFS_NAME_MAX + 1];
    memcpy(buf, name, len);
    buf[len] = '\0';
    struct inode *inode = NULL;
    int ret = dinode->ops->lookup(ctx, dinode, buf, &inode);
    if (ret == -ENOENT) {
        if (dir->sb->dcache == DCACHE_FOREVER)
            dcache_add_negative(dir, name, len);
        return 0;
    }
    if (ret < 0)
        return ret;
    if (dir->sb->dcache == DCACHE_FOREVER || dir->sb->dcache == DCACHE_REVALIDATE) {
        struct dentry *d = dcache_add(dir, name, len, inode);
        inode_unref(inode);
        if (!d)
            return -ENOMEM;
        *out = dentry_ref(d);
        return 0;
    }
    /* DCACHE_NONE: a private dentry that lives while referenced. */
    struct dentry *d = dentry_alloc(dir->sb, name, len);
    if (!d) {
        inode_unref(inode);
        return -ENOMEM;
    }
    d->inode = inode;
    d->parent = dentry_ref(dir);
    *out = d;
    return 0;
}

/* Let the filesystem fill the cache for @name and the components of @rest after it. */
static int lookup_prefetch(struct ctx *ctx, struct dentry *dir, const char *name, size_t len,
                           const char *rest)
{
    enum { BATCH_MAX = 32 };
    char copy[VFS_PATH_MAX];
    const char *names[BATCH_MAX];
    unsigned count = 0;
    size_t pos = 0;

    memcpy(copy, name, len);
    copy[len] = '\0';
    names[count++] = copy;
    pos = len + 1;
    while (rest && count < BATCH_MAX) {
        while (*rest == '/')
            rest++;
        size_t n = strcspn(rest, "/");
        if (n == 0 || n > VFS_NAME_MAX || pos + n + 1 > sizeof(copy))
            break;
        if ((n == 1 && rest[0] == '.') || (n == 2 && rest[0] == '.' && rest[1] == '.'))
            break;
        memcpy(copy + pos, rest, n);
        copy[pos + n] = '\0';
        names[count++] = copy + pos;
        pos += n + 1;
        rest += n;
    }
    return dir->sb->ops->lookup_batch(ctx, dir, names, count);
}

/* DCACHE_REVALIDATE: the child @name of @dir, checked against the store once per walk.
 * The check walks the rest of the path too, so later components of this walk are fresh. */
static int lookup_revalidate(struct ctx *ctx, struct dentry *dir, const char *name, size_t len,
                             const char *rest, struct dentry **out)
{
    struct dentry *d = dcache_lookup(dir, name, len);
    if (!d || !dcache_is_fresh(d)) {
        if (d)
            dentry_unref(d);
        int ret = lookup_prefetch(ctx, dir, name, len, rest);
        d = dcache_lookup(dir, name, len);
        if (ret < 0 && !d)
            return ret;
    }
    if (d && !d->inode) {
        dentry_unref(d);
        d = NULL;
    }
    *out = d;
    return 0;
}

void dentry_revalidate(struct dentry *root, struct dentry *d)
{
    enum { DEPTH_MAX = 32 };
    const char *names[DEPTH_MAX];
    unsigned count = 0;
    if (d->sb->dcache != DCACHE_REVALIDATE || d->dead || d == root)
        return;
    for (struct dentry *cur = d; cur != root; cur = cur->parent) {
        if (!cur->parent || !cur->hashed || count == DEPTH_MAX)
            return; /* not under @root, or too deep: leave it */
        count++;
    }
    /* Copies: the check may free the dentries whose names these are. */
    char *buf = malloc((size_t)count * (VFS_NAME_MAX + 1));
    if (!buf)
        return;
    unsigned i = count;
    for (struct dentry *cur = d; cur != root; cur = cur->parent) {
        i--;
        names[i] = strcpy(buf + (size_t)i * (VFS_NAME_MAX + 1), cur->name);
    }
    dcache_begin_walk();
    root->sb->ops->lookup_batch(ctx_background(), root, names, count);
    free(buf);
}

int dentry_lookup_child(struct ctx *ctx, struct dentry *dir, const char *name, size_t len,
                        const char *rest, unsigned flags, struct dentry **out)
{
    *out = NULL;
    KERNEL_LOCK_ASSERT();
    /* Only a plain walk lets the filesystem release the kernel lock around its round trip:
     * the callers that change @dir next need the answer to stay true until they do. */
    struct ctx *io_ctx = (flags & LOOKUP_MAY_UNLOCK) ? ctx : ctx_background();
    struct super_block *sb = dir->sb;
    int ret = (!dir->populated && sb->ops && sb->ops->populate_name && dir->inode &&
               S_ISDIR(dir->inode->mode))
                  ? sb->ops->populate_name(dir, name, len)
                  : dentry_populate(dir);
    if (ret < 0)
        return ret;
    if (sb->dcache == DCACHE_REVALIDATE)
        return lookup_revalidate(io_ctx, dir, name, len, rest, out);
    if (dir->sb->dcache != DCACHE_NONE) {
        struct dentry *d = dcache_lookup(dir, name, len);
        if (!d && dir->sb->dcache == DCACHE_FOREVER && dir->sb->ops && dir->sb->ops->lookup_batch) {
            lookup_prefetch(io_ctx, dir, name, len, rest);
            d = dcache_lookup(dir, name, len);
        }
        if (d) {
            if (d->inode) {
                *out = d;
            } else {
                dentry_unref(d);
            }
            return 0;
        }
        if (dir->sb->dcache == DCACHE_AUTHORITATIVE)
            return 0;
    }
    return lookup_slow(ctx, dir, name, len, out);
}
