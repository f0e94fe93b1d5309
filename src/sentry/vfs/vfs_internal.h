// SPDX-License-Identifier: Apache-2.0
/*
 * VFS internals for filesystem implementations (tmpfs, devfs, goferfs, procfs): superblocks,
 * inodes, dentries, mounts, the dentry cache and the permission helpers. Syscall handlers use
 * vfs.h, vfs_ops.h and file.h instead. docs/vfs.md explains the design.
 *
 * Locking: everything here is protected by the kernel lock (context/klock.h). Filesystem
 * callbacks are called with it held. A filesystem may drop it only around host I/O and
 * round trips (ctx_io_begin/end), holding what it uses by reference, and reconciles with
 * what changed meanwhile after (lookup_batch: dcache_gen, per-walk freshness).
 *
 * Writing a filesystem (e.g. procfs):
 *   1. Define a struct fs_type whose mount() calls sb_new(), fills sb->ops/dcache/magic,
 *      creates the root inode with inode_new() and the root dentry with dentry_new_root(),
 *      and returns the root dentry (one reference).
 *   2. Pick the dentry cache mode (enum dcache_mode) of the superblock:
 *      - DCACHE_AUTHORITATIVE: the dentry tree IS the directory contents (tmpfs, devfs). The
 *        VFS never calls ->lookup; directories list their cached children with
 *        dcache_dir_iterate; creation ops are called and the VFS adds the dentry.
 *      - DCACHE_FOREVER: the filesystem is immutable (goferfs in this version): positive and
 *        negative lookups are cached for the life of the superblock; ->lookup (and optionally
 *        sb->ops->lookup_batch) fills misses.
 *      - DCACHE_REVALIDATE: the store may change behind our back (volumes, shared with the
 *        host): positive lookups are cached, but a path walk checks every cached name it
 *        uses once with sb->ops->lookup_batch (required), which must reconcile the cache
 *        with the store (dcache_add a changed entry, dcache_drop a vanished one) and mark
 *        each entry it confirmed with dcache_mark_fresh(). Negative entries are not cached.
 *      - DCACHE_NONE: dynamic contents (procfs): every walk step calls ->lookup and gets a
 *        fresh, unhashed dentry that lives as long as someone references it.
 *   3. Give every inode its inode_ops (directory operations, readlink) and file_ops (used by
 *      open: the VFS calls iops->open if set, else installs inode->fops).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "abi/linux/stat.h"
#include "common/list.h"
#include "sentry/auth/cred.h"
#include "sentry/context/context.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"

#define VFS_PATH_MAX 4096 /* including the NUL */
#define VFS_NAME_MAX 255
#define VFS_MAXSYMLINKS 40

struct super_block;
struct inode;
struct dentry;
struct mount;
struct linux_statfs;

/* ---- credentials ------------------------------------------------------------------------ */

/* The filesystem uid/gid of the acting context (new files are owned by them). */
static inline uint32_t vfs_cred_uid(const struct ctx *ctx)
{
    return ctx->cred->fsuid;
}
static inline uint32_t vfs_cred_gid(const struct ctx *ctx)
{
    return ctx->cred->fsgid;
}
/* True if @gid is the fsgid of the acting context or one of its supplementary groups. */
static inline bool vfs_cred_in_group(const struct ctx *ctx, uint32_t gid)
{
    return cred_in_group(ctx->cred, gid);
}

/* ---- superblocks ------------------------------------------------------------------------ */

enum dcache_mode {
    DCACHE_AUTHORITATIVE,
    DCACHE_FOREVER,
    DCACHE_REVALIDATE,
    DCACHE_NONE,
};

struct statfs_info {
    uint64_t type, bsize, blocks, bfree, bavail, files, ffree, namelen, frsize, flags;
};

struct super_ops {
    /* Optional (DCACHE_FOREVER), required (DCACHE_REVALIDATE): look up to @count successive
     * components starting in @dir in one go and cache every result with
     * dcache_add()/dcache_add_negative(). DCACHE_REVALIDATE: also check names that are
     * cached already, replace or drop those the store changed, and dcache_mark_fresh()
     * every entry confirmed or added. Returns 0 (even if only some were cached) or -errno
     * for the first component. When ctx_may_unlock(@ctx), the round trip may run with the
     * kernel lock released: @dir is then kept by a reference, and what changed meanwhile is
     * reconciled after (a name cached by another walk, @dir dropped). */
    int (*lookup_batch)(struct ctx *ctx, struct dentry *dir, const char *const *names,
                        unsigned count);
    /* Optional (DCACHE_AUTHORITATIVE): fill the children of the directory @dir from a
     * backing store the first time the VFS needs them (lookup, getdents, emptiness checks),
     * with dcache_add(). Called at most once per directory dentry after it succeeds (the
     * overlay and writable gofer mounts build their trees lazily this way). Returns 0 or
     * -errno (the operation that needed the children fails with it). */
    int (*populate)(struct dentry *dir);
    /* Optional, with populate: make sure just the child @name of @dir is cached (a lookup
     * must not list a whole big directory). The VFS populates a directory fully before it
     * changes it, so names removed later are never brought back by this. */
    int (*populate_name)(struct dentry *dir, const char *name, size_t len);
    /* statfs(2) numbers. Optional: defaults to a small tmpfs-like answer. */
    void (*statfs)(struct super_block *sb, struct statfs_info *out);
    /* The superblock is being freed (last reference). */
    void (*put_super)(struct super_block *sb);
};

struct super_block {
    int refs;
    const struct fs_type *type;  /* Immutable after mount */
    const struct super_ops *ops; /* Immutable after mount; may be NULL */
    enum dcache_mode dcache;     /* Immutable after mount */
    uint64_t dev;                /* st_dev (encoded); Immutable */
    uint64_t magic;              /* statfs f_type; Immutable after mount */
    bool read_only;              /* Immutable: writes return EROFS */
    uint64_t next_ino;           /* for filesystems that number their own inodes */
    void *priv;                  /* owned by the filesystem */
};

/* New superblock of @type with a fresh anonymous st_dev. Returns NULL on ENOMEM. */
struct super_block *sb_new(const struct fs_type *type);
void sb_ref(struct super_block *sb);
void sb_unref(struct super_block *sb);

/* ---- inodes ----------------------------------------------------------------------------- */

/* Attribute changes for ->setattr (chmod, chown, utimensat, truncate). */
struct iattr {
    unsigned valid; /* ATTR_* */
    uint32_t mode;  /* permission bits only */
    uint32_t uid, gid;
    uint64_t size;
    struct linux_timespec atime, mtime;
};
#define ATTR_MODE 0x1u
#define ATTR_UID 0x2u
#define ATTR_GID 0x4u
#define ATTR_SIZE 0x8u
#define ATTR_ATIME 0x10u
#define ATTR_MTIME 0x20u
#define ATTR_CTIME 0x40u

struct inode_ops {
    /* Look up @name in directory @dir (DCACHE_FOREVER / DCACHE_NONE). Returns 0 and a new
     * inode reference in *@out, -ENOENT for a missing name, or -errno. */
    int (*lookup)(struct ctx *ctx, struct inode *dir, const char *name, struct inode **out);
    /* Create a regular file, directory, symlink or device node @name in @dir with the full
     * @mode (type | permission bits, umask applied), owned by @uid/@gid. @target is the
     * symlink target (NULL otherwise), @rdev for device nodes. Returns 0 and a new inode
     * reference in *@out. The VFS checked that @name does not exist. */
    int (*create)(struct ctx *ctx, struct inode *dir, const char *name, uint32_t mode,
                  uint64_t rdev, const char *target, struct inode **out);
    /* Add a hard link @name in @dir to @inode (not a directory). */
    int (*link)(struct ctx *ctx, struct inode *dir, const char *name, struct inode *inode);
    /* Remove @name (the inode @victim) from @dir; for rmdir @victim is an empty directory. */
    int (*unlink)(struct ctx *ctx, struct inode *dir, const char *name, struct inode *victim);
    /* Move @old_name of @old_dir to @new_name of @new_dir; @replaced (may be NULL) is the
     * inode being replaced, already checked compatible (and empty if a directory). */
    int (*rename)(struct ctx *ctx, struct inode *old_dir, const char *old_name,
                  struct inode *new_dir, const char *new_name, struct inode *moved,
                  struct inode *replaced);
    /* RENAME_EXCHANGE: @a (@a_name in @a_dir) and @b (@b_name in @b_dir) swap names; both
     * exist. Optional (-EINVAL without it). */
    int (*exchange)(struct ctx *ctx, struct inode *a_dir, struct inode *a, struct inode *b_dir,
                    struct inode *b);
    /* Copy the symlink target into @buf (not NUL-terminated). Returns its length or -errno. */
    int (*readlink)(struct ctx *ctx, struct inode *inode, char *buf, size_t size);
    /* "Magic" links (/proc/pid/fd/N): the open file the link stands for, a new reference.
     * A walk through such a link continues at the file's path instead of its text; opening
     * it when the file has no path (pipes, sockets) gives that file. -EOPNOTSUPP: an
     * ordinary link, follow its text. Optional. */
    int (*get_link_file)(struct ctx *ctx, struct inode *inode, struct file **out);
    /* Prepare @f (f->inode, f->path, f->flags already set) for I/O: set f->ops and f->priv.
     * Optional: without it f->ops = inode->fops (or -ENXIO if NULL). */
    int (*open)(struct ctx *ctx, struct inode *inode, struct file *f);
    /* Apply @ia (already permission-checked). Optional: the default updates the inode
     * fields and rejects ATTR_SIZE with -EINVAL. */
    int (*setattr)(struct ctx *ctx, struct inode *inode, const struct iattr *ia);
    /* Refresh the inode fields before a stat (DCACHE_NONE files). Optional. */
    int (*getattr)(struct ctx *ctx, struct inode *inode);
    /* Extended attributes, full names ("user.x"), already checked by the VFS (namespace,
     * permission, lengths). Optional: without them every attribute is missing (get
     * -ENODATA, list empty) and set/remove fail with -EOPNOTSUPP.
     * ->getxattr copies the value into @buf (if @size > 0) and returns its length, -ERANGE
     * if it does not fit, -ENODATA if missing. ->listxattr stores the NUL-terminated names
     * into @buf the same way. ->setxattr takes XATTR_CREATE/XATTR_REPLACE @flags. */
    int (*getxattr)(struct ctx *ctx, struct inode *inode, const char *name, void *buf, size_t size);
    int (*setxattr)(struct ctx *ctx, struct inode *inode, const char *name, const void *value,
                    size_t size, int flags);
    int (*listxattr)(struct ctx *ctx, struct inode *inode, char *buf, size_t size);
    int (*removexattr)(struct ctx *ctx, struct inode *inode, const char *name);
    /* Last reference dropped: free inode->priv. */
    void (*evict)(struct inode *inode);
    /* Check @mask (MAY_*) for @ctx in place of generic_permission (Linux's ->permission:
     * procfs grants a process its own fd/ and asks the ptrace rule for fdinfo/). Returns 0,
     * -EACCES or -errno. Optional. */
    int (*permission)(struct ctx *ctx, const struct inode *inode, int mask);
};

struct inode {
    int refs;
    struct super_block *sb;      /* reference held; Immutable */
    const struct inode_ops *ops; /* Immutable after creation */
    const struct file_ops *fops; /* default file operations for open */
    uint64_t ino;                /* Immutable */
    uint32_t mode;               /* type is immutable */
    uint32_t nlink;
    uint32_t uid, gid;
    uint64_t rdev; /* encoded like st_rdev */
    int64_t size;
    int64_t blocks; /* 512-byte units */
    uint32_t blksize;
    struct linux_timespec atime, mtime, ctime;
    void *priv;    /* owned by the filesystem */
    void *fifo;    /* S_IFIFO: the pipe behind it, made on first open (see vfs_register_fifo) */
    void *sock;    /* S_IFSOCK: the socket bound to it (net/unix), NULL if none; borrowed */
    bool synthetic; /* exists only in the Sentry (a socket on a gofer mount): no store behind */
    void *locks;   /* advisory locks (lock.c), NULL until the first lock */
    void *watches; /* inotify watches (see vfs_register_notify), NULL if none */
    bool fcaps;    /* has a security.capability attribute (set through the VFS) */
};

/* FIFOs on any filesystem are opened by the pipe code, which registers itself at boot
 * (the VFS may not include fs/). @open prepares @f (as inode_ops.open does) on the pipe of
 * @inode, creating it in inode->fifo when needed; @release frees inode->fifo. */
struct vfs_fifo_ops {
    int (*open)(struct ctx *ctx, struct inode *inode, struct file *f);
    void (*release)(void *fifo);
};
void vfs_register_fifo(const struct vfs_fifo_ops *ops);
/* Free the pipe of a FIFO inode (inode_unref). */
void vfs_fifo_release(void *fifo);

/* New inode of @sb with one reference, fields zeroed except sb, ino (sb->next_ino++ if
 * @ino is 0), mode, nlink 1, times = now, blksize 4096. Returns NULL on ENOMEM. */
struct inode *inode_new(struct super_block *sb, uint64_t ino, uint32_t mode,
                        const struct inode_ops *ops, const struct file_ops *fops);
struct inode *inode_ref(struct inode *inode);
/* lock.c: free the locks of an inode (inode_unref) and drop those of a released file. */
void vfs_locks_free(struct inode *inode);
void vfs_locks_release_file(struct file *f);
void inode_unref(struct inode *inode);
/* Fill @st from @inode. */
void inode_fill_stat(const struct inode *inode, struct linux_stat *st);

/* CLOCK_REALTIME now. */
struct linux_timespec vfs_now(void);
/* Linux's st_dev/st_rdev encoding of @major/@minor. */
static inline uint64_t vfs_mkdev(uint32_t major, uint32_t minor)
{
    return (minor & 0xffu) | ((uint64_t)major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}
static inline uint32_t vfs_dev_major(uint64_t dev)
{
    return (uint32_t)((dev >> 8) & 0xfff);
}
static inline uint32_t vfs_dev_minor(uint64_t dev)
{
    return (uint32_t)((dev & 0xff) | ((dev >> 12) & 0xfff00));
}

/* ---- permissions ------------------------------------------------------------------------ */

#define MAY_EXEC 1
#define MAY_WRITE 2
#define MAY_READ 4

/* (perm.c) Check @mask (MAY_*) against the mode bits of @inode for the fs ids of @ctx, with
 * the capability overrides of Linux's generic_permission: CAP_DAC_READ_SEARCH reads any file
 * and reads and searches any directory, CAP_DAC_OVERRIDE does anything but execute a file
 * without any x bit. Returns 0 or -EACCES. */
int generic_permission(struct ctx *ctx, const struct inode *inode, int mask);
/* The permission check of every path walk, open, access(2) and directory change: the
 * inode's own ->permission if it has one, else generic_permission. Returns 0 or -errno. */
int inode_permission(struct ctx *ctx, const struct inode *inode, int mask);
/* True if @ctx owns @inode (fsuid) or has CAP_FOWNER (chmod, utimes with explicit times). */
bool inode_owner_or_capable(struct ctx *ctx, const struct inode *inode);
/* True if @ctx has capability @cap. */
bool vfs_capable(struct ctx *ctx, int cap);
/* The sticky-directory rule for removing or renaming @victim out of @dir: the owner of the
 * file or of the directory, or CAP_FOWNER. Returns 0 or -EPERM. */
int vfs_check_sticky(struct ctx *ctx, const struct inode *dir, const struct inode *victim);
/* protected_hardlinks: may @ctx make a new link to @inode? Returns 0 or -EPERM. */
int vfs_may_link(struct ctx *ctx, const struct inode *inode);
/* protected_symlinks: may @ctx follow the symlink @link found in directory @dir? Returns 0
 * or -EACCES. */
int vfs_may_follow_link(struct ctx *ctx, const struct inode *dir, const struct inode *link);
/* Owner and mode of a new inode in @dir: the fs ids of @ctx, or the directory's group for a
 * set-group-ID directory (which subdirectories inherit; a non-member loses S_ISGID).
 * *@mode is the full mode requested (umask applied). */
void vfs_init_owner(struct ctx *ctx, const struct inode *dir, uint32_t *mode, uint32_t *uid,
                    uint32_t *gid);
/* The set-ID bits (S_ISUID, S_ISGID) a write or truncate of @inode by @ctx clears (Linux's
 * should_remove_suid: only for callers without CAP_FSETID, only regular files). */
uint32_t vfs_suid_to_clear(struct ctx *ctx, const struct inode *inode);

/* (attr.c) What a write or truncate of @inode (reached through @d, may be NULL) by @ctx
 * does to its privileges, as Linux's file_remove_privs: the set-ID bits of
 * vfs_suid_to_clear go, and so do its file capabilities. Returns 0 or -errno. */
int vfs_remove_privs(struct ctx *ctx, struct dentry *d, struct inode *inode);
/* (xattr.c) Remove the security.capability attribute of @inode if it has one (a write or a
 * chown voids file capabilities). Returns 0 or -errno. */
int vfs_drop_file_caps(struct inode *inode);

/* The fs.protected_* sysctls (/proc/sys/fs): 1 = on. Written only at boot. */
struct vfs_sysctl {
    int protected_hardlinks, protected_symlinks;
};
extern struct vfs_sysctl g_vfs_sysctl;

/* ---- dentries --------------------------------------------------------------------------- */

struct dentry {
    int refs;
    char *name;                /* Immutable except by rename; "/" for a root */
    struct dentry *parent;     /* reference held; NULL for a superblock root */
    struct inode *inode;       /* reference held; NULL for a negative dentry */
    struct super_block *sb;    /* reference held */
    struct list_head children; /* cached children in creation order (child->sibling) */
    struct list_head sibling;
    struct dentry *hash_next; /* dcache hash chain */
    bool hashed;              /* in the hash and in parent->children (holds a ref) */
    bool dead;                /* unlinked / rmdir'ed */
    bool synthetic;           /* VFS-made mount point (not in the filesystem) */
    bool populated;           /* super_ops.populate has filled the children */
    uint64_t fresh_walk;      /* DCACHE_REVALIDATE: the walk that last checked it */
    uint64_t gen;             /* dcache_gen() when it was cached, made positive or moved */
    int mounted;              /* number of mounts on this dentry */
    uint64_t dir_off;         /* stable readdir offset in the parent (>= 2) */
    uint64_t next_off;        /* next offset handed to a child of this directory */
};

/* The root dentry of @sb for @inode (takes ownership of the @inode reference).
 * Returns NULL on ENOMEM (and drops @inode). */
struct dentry *dentry_new_root(struct super_block *sb, struct inode *inode);
struct dentry *dentry_ref(struct dentry *d);
void dentry_unref(struct dentry *d);
static inline void dentry_unrefp(struct dentry **d)
{
    if (*d)
        dentry_unref(*d);
}

/* The cached child @name (length @len) of @dir: a new reference (maybe negative) or NULL if
 * not cached. */
struct dentry *dcache_lookup(struct dentry *dir, const char *name, size_t len);
/* Cache @inode (new reference taken) as child @name of @dir, replacing a cached negative
 * entry. Returns the new dentry (borrowed: the cache holds it) or NULL on ENOMEM. */
struct dentry *dcache_add(struct dentry *dir, const char *name, size_t len, struct inode *inode);
/* Cache that @name does not exist in @dir (DCACHE_FOREVER and read-only superblocks only:
 * a writable one's store may gain the name behind our back). */
void dcache_add_negative(struct dentry *dir, const char *name, size_t len);
/* A path walk begins (nd_init): entries checked by earlier walks of a DCACHE_REVALIDATE
 * superblock must be checked again before use. */
void dcache_begin_walk(void);
/* @d (cached) matches its store as of now: the rest of the current walk may use it. */
void dcache_mark_fresh(struct dentry *d);
/* The number of the latest walk begun: a lookup that releases the kernel lock takes it before
 * its round trip and marks what it confirmed with it (dcache_mark_fresh_at), so that only
 * walks begun before the round trip count it as fresh. */
uint64_t dcache_walk_seq(void);
void dcache_mark_fresh_at(struct dentry *d, uint64_t seq);
/* A counter of changes to the cache (an entry added, made positive, moved). A lookup that
 * releases the kernel lock takes it before its round trip; an entry with a newer gen was
 * put there by someone else meanwhile and is not overridden by the older answer. */
uint64_t dcache_gen(void);
static inline bool dcache_changed_since(const struct dentry *d, uint64_t gen)
{
    return d->gen > gen;
}
/* True if @d needs no check in the current walk: it was checked by it, or it is not the
 * store's (a synthetic mount point, a dentry with a mount on it). */
bool dcache_is_fresh(const struct dentry *d);
/* DCACHE_REVALIDATE: check the cached path from @root (a mount's root) down to @d against
 * the store in one lookup_batch, so that @d is dropped (dead) if the store removed it or
 * one of its parents. Nothing for other cache modes. */
void dentry_revalidate(struct dentry *root, struct dentry *d);
/* Make sure the children of the directory @dir are cached (super_ops.populate, once).
 * Returns 0 or -errno. */
int dentry_populate(struct dentry *dir);
/* Remove @d from the cache (unlink, rmdir, rename target) and mark it dead, with every
 * entry cached below it (a directory the store removed takes its cached tree along). */
void dcache_drop(struct dentry *d);
/* Move the cached @d under @new_dir as @name (rename); it gets a new readdir offset. */
void dcache_move(struct dentry *d, struct dentry *new_dir, const char *name, size_t len);
/* The child @name (@len bytes) of directory @dir through the cache mode of its superblock:
 * 0 with a new positive reference in *@out, 0 with *@out NULL if it does not exist, or
 * -errno. @rest (may be NULL) is the remainder of the path after @name, used to batch
 * lookups (lookup_batch). With LOOKUP_MAY_UNLOCK in @flags (a plain walk), the filesystem may
 * release the kernel lock around its round trip when @ctx may (ctx_may_unlock): the answer
 * can then be stale by the time the caller acts on it, so callers that change @dir next
 * (create, unlink, rename) pass 0. Caller holds the kernel lock and a reference to @dir. */
#define LOOKUP_MAY_UNLOCK 0x1u
int dentry_lookup_child(struct ctx *ctx, struct dentry *dir, const char *name, size_t len,
                        const char *rest, unsigned flags, struct dentry **out);

/* Generic ->iterate for DCACHE_AUTHORITATIVE directories: ".", "..", then the cached
 * children by their stable offsets. Directory files keep their dentry in f->path. */
int dcache_dir_iterate(struct ctx *ctx, struct file *f, struct dir_emitter *e);
/* Generic llseek for directories (SEEK_SET/SEEK_CUR to an offset >= 0). */
int64_t vfs_dir_llseek(struct ctx *ctx, struct file *f, int64_t off, int whence);
/* Generic llseek for regular files whose size is inode->size. */
int64_t vfs_generic_llseek(struct ctx *ctx, struct file *f, int64_t off, int whence);
/* DT_* of a mode. */
uint8_t vfs_mode_to_dtype(uint32_t mode);

/* The dentry of an open file (NULL for anonymous files). Borrowed. */
static inline struct dentry *file_dentry(const struct file *f)
{
    return f->path ? ((struct path *)f->path)->dentry : NULL;
}

/* ---- change notification (notify.c) ---------------------------------------------------- */

/* Event bits, as inotify(7). */
#define VFS_IN_ACCESS 0x001u
#define VFS_IN_MODIFY 0x002u
#define VFS_IN_ATTRIB 0x004u
#define VFS_IN_CLOSE_WRITE 0x008u
#define VFS_IN_CLOSE_NOWRITE 0x010u
#define VFS_IN_OPEN 0x020u
#define VFS_IN_MOVED_FROM 0x040u
#define VFS_IN_MOVED_TO 0x080u
#define VFS_IN_CREATE 0x100u
#define VFS_IN_DELETE 0x200u
#define VFS_IN_DELETE_SELF 0x400u
#define VFS_IN_MOVE_SELF 0x800u
#define VFS_IN_ISDIR 0x40000000u

/* The watcher (inotify) registers at boot. @event delivers @mask about @inode to the
 * watches in inode->watches; @name is the child's name for events on a directory about one
 * of its entries (NULL for events about the inode itself). */
struct vfs_notify_ops {
    void (*event)(struct inode *inode, uint32_t mask, uint32_t cookie, const char *name);
};
void vfs_register_notify(const struct vfs_notify_ops *ops);
/* Report @mask on @inode (if watched). */
void vfs_notify(struct inode *inode, uint32_t mask, uint32_t cookie, const char *name);
/* Report @mask about the object of @d to its own watches and, with its name, to its parent
 * directory's (IN_ISDIR added for directories). */
void vfs_notify_dentry(struct dentry *d, uint32_t mask);
/* Same for the object of the open file @f (nothing for anonymous and O_PATH files). */
void vfs_notify_file(struct file *f, uint32_t mask);
/* A fresh cookie tying IN_MOVED_FROM to IN_MOVED_TO. */
uint32_t vfs_notify_cookie(void);

/* ---- mounts ----------------------------------------------------------------------------- */

struct mount {
    int refs;
    struct mount *parent;      /* reference held; NULL for the root of the tree */
    struct dentry *mountpoint; /* in parent; reference held */
    struct dentry *root;       /* reference held */
    struct super_block *sb;    /* reference held */
    unsigned long flags;       /* MNT_* */
    struct list_head children; /* of child->sibling, newest last */
    struct list_head sibling;
    int id; /* for /proc/self/mountinfo */
};

/* A new mount of @fstype that is not attached to the tree (internal filesystems such as the
 * one behind memfd_create). Paths in it print as "/name". New reference in *@out. */
int vfs_kern_mount(const char *fstype, void *data, struct mount **out);
struct mount *mount_ref(struct mount *m);
void mount_unref(struct mount *m);
/* The root of the mount tree (borrowed), or NULL before vfs_mount_root. */
struct mount *vfs_root_mount(void);
/* True if writes through @m must fail with EROFS. */
static inline bool mount_readonly(const struct mount *m)
{
    return (m->flags & MNT_READONLY) || m->sb->read_only;
}
/* The topmost mount on (@mnt, @d) or NULL. Borrowed. */
struct mount *mount_lookup_child(struct mount *mnt, struct dentry *d);

/* ---- paths ------------------------------------------------------------------------------ */

void path_get(const struct path *p); /* take references on both members */
void path_put(struct path *p);       /* drop them and clear */
static inline void path_putp(struct path *p)
{
    path_put(p);
}

/* Write the absolute path of @p as seen from @root (NULL: the tree root) into @buf.
 * Returns the length, -ENAMETOOLONG / -ERANGE if it does not fit in @size with its NUL.
 * *@reachable is false if @root is not an ancestor (the path is then relative to the tree
 * root). Dead dentries are reported with *@dead. */
int vfs_path_string(const struct path *p, const struct path *root, char *buf, size_t size,
                    bool *reachable, bool *dead);

/* ---- character devices ------------------------------------------------------------------ */

/* Register @fops for character device @major:@minor (devfs). The open of an S_IFCHR inode
 * with that st_rdev installs @fops. Returns 0 or -EEXIST / -ENOMEM. */
int vfs_register_chrdev(uint32_t major, uint32_t minor, const struct file_ops *fops);
const struct file_ops *vfs_chrdev_fops(uint64_t rdev);
/* Devices that need work at open (terminals): @open prepares @f (sets f->ops, f->priv) for
 * the device inode->rdev of @major, any minor; @oflags are the open(2) flags (O_NOCTTY).
 * Checked before the per-minor table. Returns 0 or -ENOMEM. */
typedef int (*vfs_chrdev_open_fn)(struct ctx *ctx, struct inode *inode, struct file *f, int oflags);
int vfs_register_chrdev_open(uint32_t major, vfs_chrdev_open_fn open);
vfs_chrdev_open_fn vfs_chrdev_open(uint64_t rdev);

/* ---- opening ---------------------------------------------------------------------------- */

/* Open @p (references taken) as a new file with open(2) @flags (after permission checks).
 * Returns 0 and a new file in *@out or -errno. */
int vfs_open_path(struct ctx *ctx, const struct path *p, int flags, struct file **out);

/* File ops of the generic directory file of DCACHE_AUTHORITATIVE filesystems. */
extern const struct file_ops g_dcache_dir_fops;
