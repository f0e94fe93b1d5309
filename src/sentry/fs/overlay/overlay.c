// SPDX-License-Identifier: Apache-2.0
/*
 * The overlay root. The tree is a tmpfs tree (DCACHE_AUTHORITATIVE) built lazily: the first
 * time a directory's children are needed, populate() lists the lower directory and adds a
 * node per name, which keeps a reference to its lower (goferfs) dentry. Deleting removes the
 * node (an implicit whiteout, since a directory is never listed twice); a directory created
 * where a name was deleted has no lower dentry (opaque). Regular files opened read-only are
 * the lower files themselves until any write or attribute change copies the data up into
 * tmpfs; from then on such descriptors use the copy too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sentry/context/klock.h"
#include "sentry/fs/gofer/goferfs.h"
#include "sentry/fs/overlay/overlay.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/memmap/mappable.h"
#include "sentry/memmap/uio.h"
#include "sentry/vfs/vfs_internal.h"

#define OVERLAYFS_SUPER_MAGIC 0x794c7630
/* Inode numbers of upper-only files: far above the host's, so st_ino never collides. */
#define UPPER_INO_BASE 0x4000000000000000ull

static const struct inode_ops g_ovl_iops;

/*
 * The tmpfs extension of every overlay inode. A directory keeps its lower directory (it is
 * listed once, and its files are found there again). A regular file or symlink that was not
 * copied up keeps only its lower parent and name: holding a gofer fid for every listed file
 * would exhaust the gofer's descriptors (`find /usr`), so the lower file is walked again
 * when it is opened, read as a link or copied up; only the most recently opened regular
 * files keep their lower inode (and so the gofer's read-only descriptor: an open of one of
 * them makes no round trip).
 */
struct ovl_node {
    struct dentry *lower;        /* Directories: reference to the lower directory, or NULL. */
    struct dentry *lower_parent; /* Files and symlinks not copied up: the lower directory... */
    char *lower_name;            /* ... and the name in it. NULL once copied up. */
    /* Regular files opened recently and not copied up: a reference to the lower inode, so
     * that opening them again walks nothing (the lower layer does not change: see
     * docs/architecture.md). NULL or on g_ovl_recent, at most OVL_RECENT_MAX of them. */
    struct inode *lower_inode;
    struct list_head recent;
};

/* The nodes that keep a lower inode (OVL_RECENT_MAX, overlay.h; each holds a gofer fid, and
 * goferfs's read-only descriptors, GOFER_RO_FDS_MAX, follow the same files), most recently
 * opened first. Protected by the kernel lock. */
static struct list_head g_ovl_recent = LIST_HEAD_INIT(g_ovl_recent);
static unsigned g_ovl_nrecent;

static struct ovl_node *ovl_node(struct inode *inode)
{
    return *tmpfs_inode_ext(inode);
}

/* Turn the fresh tmpfs inode @inode into an overlay inode backed by the lower directory
 * @lower (may be NULL; a reference is taken). Returns 0 or -ENOMEM. */
static int ovl_adopt(struct inode *inode, struct dentry *lower)
{
    struct ovl_node *n = calloc(1, sizeof(*n));
    if (!n)
        return -ENOMEM;
    n->lower = lower ? dentry_ref(lower) : NULL;
    list_init(&n->recent);
    *tmpfs_inode_ext(inode) = n;
    inode->ops = &g_ovl_iops;
    return 0;
}

/* Drop the lower inode @n keeps for opens, if any. */
static void ovl_recent_forget(struct ovl_node *n)
{
    if (!n->lower_inode)
        return;
    list_del(&n->recent);
    CV_BUG_ON(g_ovl_nrecent == 0);
    g_ovl_nrecent--;
    struct inode *li = n->lower_inode;
    n->lower_inode = NULL;
    inode_unref(li);
}

/* Keep a reference to @li, the lower inode of @n just walked, or mark the one kept most
 * recently used; the oldest beyond OVL_RECENT_MAX is dropped. */
static void ovl_recent_keep(struct ovl_node *n, struct inode *li)
{
    KERNEL_LOCK_ASSERT();
    if (n->lower_inode) {
        list_del(&n->recent);
        list_add(&n->recent, &g_ovl_recent);
        return;
    }
    n->lower_inode = inode_ref(li);
    list_add(&n->recent, &g_ovl_recent);
    g_ovl_nrecent++;
    if (g_ovl_nrecent > OVL_RECENT_MAX)
        ovl_recent_forget(list_entry(g_ovl_recent.prev, struct ovl_node, recent));
}

/* Forget the lower file of @n (copied up, or evicted). */
static void ovl_node_release(struct ovl_node *n)
{
    ovl_recent_forget(n);
    if (n->lower)
        dentry_unref(n->lower);
    if (n->lower_parent)
        dentry_unref(n->lower_parent);
    free(n->lower_name);
    n->lower = n->lower_parent = NULL;
    n->lower_name = NULL;
}

/* True if the file of @inode still reads from the lower layer. */
static bool ovl_is_lower(struct inode *inode)
{
    struct ovl_node *n = ovl_node(inode);
    return n && (n->lower || n->lower_name);
}

/*
 * The lower inode of the regular file or symlink @inode: the one kept for a recent open
 * (struct ovl_node.lower_inode), else walked again from its lower parent and not kept in
 * the lower cache (a regular file's is then kept for the next opens, a bounded number).
 * With a @ctx that may (ctx_may_unlock), the walk's round trip runs without the kernel lock:
 * the lower parent and name are then held by copies, and -EAGAIN says that @inode was copied
 * up meanwhile (the caller uses the upper file). Caller holds the kernel lock and a
 * reference to @inode. Returns 0 with a new reference in *@out, or -errno (-ESTALE if the
 * host replaced it).
 */
static int ovl_lower_inode(struct ctx *ctx, struct inode *inode, struct inode **out)
{
    struct ovl_node *n = ovl_node(inode);
    struct dentry *d = NULL;
    if (n->lower_inode) {
        ovl_recent_keep(n, n->lower_inode);
        *out = inode_ref(n->lower_inode);
        return 0;
    }
    char name[256];
    size_t len = strlen(n->lower_name);
    if (len >= sizeof(name))
        return -ENAMETOOLONG;
    memcpy(name, n->lower_name, len + 1);
    struct dentry *parent = dentry_ref(n->lower_parent);
    int ret = dentry_lookup_child(ctx, parent, name, len, NULL, LOOKUP_MAY_UNLOCK, &d);
    dentry_unref(parent);
    if (!ovl_is_lower(inode)) {
        if (d)
            dentry_unref(d);
        return -EAGAIN; /* copied up while the lock was released */
    }
    if (ret < 0)
        return ret;
    if (!d)
        return -ESTALE;
    struct inode *li = inode_ref(d->inode);
    dcache_drop(d);
    dentry_unref(d);
    if ((li->mode & S_IFMT) != (inode->mode & S_IFMT)) {
        inode_unref(li);
        return -ESTALE;
    }
    if (S_ISREG(li->mode))
        ovl_recent_keep(n, li);
    *out = li;
    return 0;
}

/* A new overlay node for the child @lower of the lower directory @parent, with its
 * attributes and inode number. */
static int ovl_node_from_lower(struct super_block *sb, struct dentry *parent, struct dentry *lower,
                               struct inode **out)
{
    struct inode *li = lower->inode;
    uint32_t type = li->mode & S_IFMT;
    struct inode *inode;
    int ret = tmpfs_new_inode(sb, li->mode, li->rdev, NULL, &inode);
    if (ret < 0)
        return ret;
    ret = ovl_adopt(inode, type == S_IFDIR ? lower : NULL);
    if (ret == 0 && (type == S_IFREG || type == S_IFLNK)) {
        /* Only regular files and symlinks need their lower file later. */
        struct ovl_node *n = ovl_node(inode);
        n->lower_name = strdup(lower->name);
        n->lower_parent = dentry_ref(parent);
        if (!n->lower_name)
            ret = -ENOMEM;
    }
    if (ret < 0) {
        inode_unref(inode);
        return ret;
    }
    inode->ino = li->ino;
    inode->nlink = li->nlink;
    inode->uid = li->uid;
    inode->gid = li->gid;
    inode->size = li->size;
    inode->blocks = li->blocks;
    inode->blksize = li->blksize;
    inode->atime = li->atime;
    inode->mtime = li->mtime;
    inode->ctime = li->ctime;
    *out = inode;
    return 0;
}

/* ---- populate: the children of a lower directory ---------------------------------------- */

struct populate_ctx {
    struct dentry *dir;   /* the overlay directory */
    struct dentry *lower; /* its lower directory */
};

static int populate_one(void *arg, const char *name)
{
    struct populate_ctx *pc = arg;
    size_t len = strlen(name);
    struct dentry *cached = dcache_lookup(pc->dir, name, len);
    if (cached) {
        /* A mount point the VFS made before the directory was listed: it stays. */
        dentry_unref(cached);
        return 0;
    }
    struct dentry *lc = NULL;
    int ret = dentry_lookup_child(ctx_background(), pc->lower, name, len, NULL, 0, &lc);
    if (ret < 0 || !lc)
        return 0; /* Vanished or unreadable on the host meanwhile: not listed. */
    struct inode *inode;
    ret = ovl_node_from_lower(pc->dir->sb, pc->lower, lc, &inode);
    /* Only directories stay in the lower cache (with their fids): see struct ovl_node. */
    if (!S_ISDIR(lc->inode->mode))
        dcache_drop(lc);
    dentry_unref(lc);
    if (ret < 0)
        return ret;
    struct dentry *d = dcache_add(pc->dir, name, len, inode);
    inode_unref(inode);
    return d ? 0 : -ENOMEM;
}

/* A lookup needs one name only: add it from the lower directory if it is there. */
static int ovl_populate_name(struct dentry *dir, const char *name, size_t len)
{
    struct ovl_node *n = ovl_node(dir->inode);
    if (!n || !n->lower || len > 255)
        return 0; /* upper-only or opaque: the upper tree is the whole truth */
    char buf[256];
    memcpy(buf, name, len);
    buf[len] = '\0';
    if (strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0)
        return 0;
    struct populate_ctx pc = {.dir = dir, .lower = n->lower};
    return populate_one(&pc, buf);
}

static int ovl_populate(struct dentry *dir)
{
    struct ovl_node *n = ovl_node(dir->inode);
    if (!n || !n->lower)
        return 0; /* upper-only or opaque */
    struct populate_ctx pc = {.dir = dir, .lower = n->lower};
    return goferfs_list_names(n->lower->inode, populate_one, &pc);
}

/* ---- copy-up ---------------------------------------------------------------------------- */

/* Open the lower regular file @li read-only as a file without a path. */
static int open_lower(struct ctx *ctx, struct inode *li, struct file **out)
{
    struct file *f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->refs = 1;
    f->inode = inode_ref(li);
    f->flags = O_RDONLY | O_LARGEFILE;
    int ret = li->ops && li->ops->open ? li->ops->open(ctx, li, f) : -ENXIO;
    if (ret < 0) {
        f->ops = NULL;
        file_unref(f);
        return ret;
    }
    *out = f;
    return 0;
}

/* Copy the data of the lower regular file @li into the tmpfs pages of @inode. */
static int copy_up_data(struct inode *inode, struct inode *li)
{
    enum { CHUNK = 65536 };
    struct file *lf;
    int ret = open_lower(ctx_background(), li, &lf);
    if (ret < 0)
        return ret;
    char *buf = malloc(CHUNK);
    struct file uf = {.refs = 1, .inode = inode, .flags = O_WRONLY};
    int64_t rpos = 0, wpos = 0;
    ret = buf ? 0 : -ENOMEM;
    while (ret == 0) {
        struct uio u;
        uio_init_kernel(&u, buf, CHUNK);
        /* No task: the read keeps the kernel lock, so nobody sees a half-copied file. */
        ssize_t n = lf->ops->read(ctx_background(), lf, &u, &rpos);
        if (n <= 0) {
            ret = (int)n;
            break;
        }
        uio_init_kernel(&u, buf, (size_t)n);
        ssize_t w = g_tmpfs_file_fops.write(ctx_background(), &uf, &u, &wpos);
        if (w != n)
            ret = w < 0 ? (int)w : -EIO;
    }
    free(buf);
    file_unref(lf);
    if (ret == 0)
        ret = tmpfs_file_resize(inode, (uint64_t)li->size); /* trailing holes */
    return ret;
}

/* Make @inode independent of the lower layer (before any change to it). */
static int copy_up(struct ctx *ctx, struct inode *inode)
{
    struct ovl_node *n = ovl_node(inode);
    if (!n || !n->lower_name)
        return 0; /* Directories keep listing the lower one; their attributes are ours. */
    struct inode *li;
    /* The background context keeps the kernel lock: nobody sees a half-copied file. */
    int ret = ovl_lower_inode(ctx_background(), inode, &li);
    if (ret < 0)
        return ret;
    uint32_t mode = inode->mode;
    int64_t size = inode->size;
    struct linux_timespec at = inode->atime, mt = inode->mtime, ct = inode->ctime;
    if (S_ISREG(inode->mode)) {
        ret = copy_up_data(inode, li);
    } else if (S_ISLNK(inode->mode)) {
        char *buf = malloc(VFS_PATH_MAX);
        ret = buf ? li->ops->readlink(ctx, li, buf, VFS_PATH_MAX - 1) : -ENOMEM;
        if (ret >= 0)
            ret = tmpfs_set_target(inode, buf, (size_t)ret);
        free(buf);
    }
    inode_unref(li);
    if (ret < 0) {
        if (S_ISREG(inode->mode))
            tmpfs_file_resize(inode, 0);
        inode->size = size;
        return ret;
    }
    /* Writing the copy must not look like a change: mode, owner and times stay. */
    inode->mode = mode;
    inode->atime = at;
    inode->mtime = mt;
    inode->ctime = ct;
    ovl_node_release(n);
    return 0;
}

/* ---- inode operations ------------------------------------------------------------------- */

static int ovl_create(struct ctx *ctx, struct inode *dir, const char *name, uint32_t mode,
                      uint64_t rdev, const char *target, struct inode **out)
{
    struct inode *inode;
    int ret = g_tmpfs_iops.create(ctx, dir, name, mode, rdev, target, &inode);
    if (ret < 0)
        return ret;
    /* Upper-only: a directory made here is opaque, whatever the lower layer had. */
    ret = ovl_adopt(inode, NULL);
    if (ret < 0) {
        inode_unref(inode);
        return ret;
    }
    *out = inode;
    return 0;
}

static int ovl_readlink(struct ctx *ctx, struct inode *inode, char *buf, size_t size)
{
    /* The first read copies the link up: the target is then in memory, no more round trips
     * (links like /lib -> usr/lib are read at every walk through them). */
    int ret = copy_up(ctx, inode);
    if (ret < 0)
        return ret;
    return g_tmpfs_iops.readlink(ctx, inode, buf, size);
}

/* ---- files opened read-only before a copy-up ------------------------------------------- */

/*
 * A regular file opened read-only before any copy-up reads the lower file: f->priv is an
 * open lower (goferfs) file, so reads and mmap go straight to the gofer's descriptor, while
 * f->inode stays the overlay inode (fstat, fchmod and friends see the overlay's file). Once
 * the file is copied up (another descriptor writes it, or an attribute changes), every
 * operation goes to the upper (tmpfs) file instead, as Linux's overlayfs does since 4.19:
 * reads, lseek (SEEK_END, SEEK_DATA/SEEK_HOLE) and new mappings see the current data. The
 * lower file is closed then; a mapping made before keeps its pages (as on Linux).
 */

/* The open lower file of @f, or NULL once the file is copied up (and then the lower file is
 * closed: its host descriptor is not needed any more). */
static struct file *ovl_rdonly_lower(struct file *f)
{
    if (f->priv && !ovl_is_lower(f->inode)) {
        file_unref(f->priv);
        f->priv = NULL;
    }
    return f->priv;
}

static ssize_t ovl_rdonly_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct file *lf = ovl_rdonly_lower(f);
    if (!lf)
        return g_tmpfs_file_fops.read(ctx, f, u, pos);
    /* The read releases the kernel lock: a copy-up meanwhile must not close the file. */
    file_ref(lf);
    ssize_t n = lf->ops->read(ctx, lf, u, pos);
    file_unref(lf);
    return n;
}

static int64_t ovl_rdonly_llseek(struct ctx *ctx, struct file *f, int64_t off, int whence)
{
    if (!ovl_rdonly_lower(f))
        return g_tmpfs_file_fops.llseek(ctx, f, off, whence);
    return vfs_generic_llseek(ctx, f, off, whence);
}

static int ovl_rdonly_get_mappable(struct ctx *ctx, struct file *f, struct mappable **out)
{
    struct file *lf = ovl_rdonly_lower(f);
    if (!lf)
        return g_tmpfs_file_fops.get_mappable(ctx, f, out);
    if (!lf->ops->get_mappable)
        return -ENODEV;
    int ret = lf->ops->get_mappable(ctx, lf, out);
    /* The lower file has no path of its own: /proc/pid/maps shows the overlay's. */
    if (ret == 0 && file_path(f, (*out)->name, sizeof((*out)->name)) < 0)
        (*out)->name[0] = '\0';
    return ret;
}

static void ovl_rdonly_release(struct file *f)
{
    if (f->priv)
        file_unref(f->priv);
}

static const struct file_ops g_ovl_rdonly_fops = {
    .read = ovl_rdonly_read,
    .llseek = ovl_rdonly_llseek,
    .get_mappable = ovl_rdonly_get_mappable,
    .release = ovl_rdonly_release,
};

/* Open the lower file of @inode read-only into @f. The walk and the open may release the
 * kernel lock (@ctx): -EAGAIN if @inode was copied up meanwhile. */
static int ovl_open_lower(struct ctx *ctx, struct inode *inode, struct file *f)
{
    struct inode *li;
    int ret = ovl_lower_inode(ctx, inode, &li);
    if (ret < 0)
        return ret;
    struct file *lf;
    ret = open_lower(ctx, li, &lf);
    inode_unref(li);
    if (ret < 0)
        return ret;
    if (!ovl_is_lower(inode)) {
        file_unref(lf);
        return -EAGAIN;
    }
    lf->flags = f->flags;
    f->priv = lf;
    f->ops = &g_ovl_rdonly_fops;
    return 0;
}

static int ovl_open(struct ctx *ctx, struct inode *inode, struct file *f)
{
    if (S_ISREG(inode->mode) && ovl_is_lower(inode)) {
        /* O_RDONLY|O_TRUNC opens the lower file too: the VFS truncates afterwards through
         * ->setattr, which copies the file up, and the descriptor follows. */
        if ((f->flags & O_ACCMODE) == O_RDONLY) {
            int ret = ovl_open_lower(ctx, inode, f);
            if (ret != -EAGAIN)
                return ret;
            /* Copied up while the lock was released: open the upper file. */
            f->ops = inode->fops;
            return f->ops ? 0 : -ENXIO;
        }
        int ret = copy_up(ctx, inode);
        if (ret < 0)
            return ret;
    }
    f->ops = inode->fops;
    return f->ops ? 0 : -ENXIO;
}

static int ovl_setattr(struct ctx *ctx, struct inode *inode, const struct iattr *ia)
{
    int ret = copy_up(ctx, inode);
    if (ret < 0)
        return ret;
    return g_tmpfs_iops.setattr(ctx, inode, ia);
}

/*
 * Extended attributes live in the upper layer. The gofer does not pass the host's on, so a
 * file that was not copied up has none (COMPAT: Linux shows the lower file's); setting one
 * copies the file up, as Linux does. Removing one needs no copy-up: only a copied-up file
 * (or a directory, whose attributes are ours) can have any.
 */
static int ovl_getxattr(struct ctx *ctx, struct inode *inode, const char *name, void *buf,
                        size_t size)
{
    return g_tmpfs_iops.getxattr(ctx, inode, name, buf, size);
}

static int ovl_setxattr(struct ctx *ctx, struct inode *inode, const char *name, const void *value,
                        size_t size, int flags)
{
    int ret = copy_up(ctx, inode);
    if (ret < 0)
        return ret;
    return g_tmpfs_iops.setxattr(ctx, inode, name, value, size, flags);
}

static int ovl_listxattr(struct ctx *ctx, struct inode *inode, char *buf, size_t size)
{
    return g_tmpfs_iops.listxattr(ctx, inode, buf, size);
}

static int ovl_removexattr(struct ctx *ctx, struct inode *inode, const char *name)
{
    return g_tmpfs_iops.removexattr(ctx, inode, name);
}

static void ovl_evict(struct inode *inode)
{
    struct ovl_node *n = ovl_node(inode);
    if (n) {
        ovl_node_release(n);
        free(n);
        *tmpfs_inode_ext(inode) = NULL;
    }
    g_tmpfs_iops.evict(inode);
}

/* Links, unlinks and renames only change the tree and link counts: tmpfs's. A deleted lower
 * name stays deleted because its directory is never listed again (the whiteout is the
 * absence of the node). */
static int ovl_link(struct ctx *ctx, struct inode *dir, const char *name, struct inode *inode)
{
    return g_tmpfs_iops.link(ctx, dir, name, inode);
}

static int ovl_unlink(struct ctx *ctx, struct inode *dir, const char *name, struct inode *victim)
{
    return g_tmpfs_iops.unlink(ctx, dir, name, victim);
}

static int ovl_rename(struct ctx *ctx, struct inode *old_dir, const char *old_name,
                      struct inode *new_dir, const char *new_name, struct inode *moved,
                      struct inode *replaced)
{
    return g_tmpfs_iops.rename(ctx, old_dir, old_name, new_dir, new_name, moved, replaced);
}

static const struct inode_ops g_ovl_iops = {
    .create = ovl_create,
    .link = ovl_link,
    .unlink = ovl_unlink,
    .rename = ovl_rename,
    .readlink = ovl_readlink,
    .open = ovl_open,
    .setattr = ovl_setattr,
    .getxattr = ovl_getxattr,
    .setxattr = ovl_setxattr,
    .listxattr = ovl_listxattr,
    .removexattr = ovl_removexattr,
    .evict = ovl_evict,
};

/* ---- superblock ------------------------------------------------------------------------- */

static void ovl_statfs(struct super_block *sb, struct statfs_info *out)
{
    out->type = OVERLAYFS_SUPER_MAGIC;
    out->bsize = 4096;
    out->frsize = 4096;
    out->blocks = 1ull << 22;
    out->bfree = out->bavail = 1ull << 22;
    out->files = 1ull << 20;
    out->ffree = 1ull << 19;
    out->namelen = VFS_NAME_MAX;
}

static const struct super_ops g_ovl_sops = {
    .populate = ovl_populate,
    .populate_name = ovl_populate_name,
    .statfs = ovl_statfs,
};

static int ovl_mount(const struct fs_type *type, void *data, struct dentry **root)
{
    struct dentry *lower_root;
    int ret = g_goferfs_type.mount(&g_goferfs_type, data, &lower_root);
    if (ret < 0)
        return ret;
    struct dentry *d;
    ret = tmpfs_new_super(type, lower_root->inode->mode & 07777, &d);
    if (ret < 0) {
        dentry_unref(lower_root);
        return ret;
    }
    struct super_block *sb = d->sb;
    sb->ops = &g_ovl_sops;
    sb->magic = OVERLAYFS_SUPER_MAGIC;
    /* Files opened read-only are the lower files: one st_dev for both layers. */
    sb->dev = lower_root->sb->dev;
    sb->next_ino = UPPER_INO_BASE;
    struct inode *ri = d->inode;
    ret = ovl_adopt(ri, lower_root);
    dentry_unref(lower_root);
    if (ret < 0) {
        dentry_unref(d);
        return ret;
    }
    struct inode *li = ovl_node(ri)->lower->inode;
    ri->ino = li->ino;
    ri->uid = li->uid;
    ri->gid = li->gid;
    ri->nlink = li->nlink;
    ri->atime = li->atime;
    ri->mtime = li->mtime;
    ri->ctime = li->ctime;
    *root = d;
    return 0;
}

const struct fs_type g_overlay_type = {
    .name = "overlay",
    .mount = ovl_mount,
};

int overlay_register(void)
{
    return vfs_register_fs(&g_overlay_type);
}
