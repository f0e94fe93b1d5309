// SPDX-License-Identifier: Apache-2.0
/*
 * The VFS as the rest of the Sentry sees it: filesystem registration, mounts, path walk and
 * the per-task filesystem context (root, cwd, umask). Internals (dentries, inodes, mounts)
 * are in vfs_internal.h; filesystems include that, syscall handlers should not need to.
 *
 * Locking: protected by the kernel lock.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/linux/stat.h"
#include "sentry/vfs/file.h"

struct ctx;
struct mount;
struct dentry;

struct path {
    struct mount *mnt;
    struct dentry *dentry;
};

/* Root, cwd and umask; shared by tasks created with CLONE_FS. */
struct fs_context {
    int refs;
    struct path root;
    struct path cwd;
    unsigned int umask;
};

/* The filesystem context of init: root "/" of the mount tree, cwd "/", umask 022.
 * New reference. */
int fs_context_new_root(struct fs_context **out);
/* Copy for fork without CLONE_FS. New reference. */
int fs_context_copy(struct fs_context *src, struct fs_context **out);
struct fs_context *fs_context_ref(struct fs_context *fs);
void fs_context_unref(struct fs_context *fs);

/* Change cwd of @t to @dirfd/@path (chdir semantics). */
int vfs_chdir(struct ctx *ctx, struct file *dir, const char *path);

/*
 * Open @path relative to @dirfd (AT_FDCWD or a descriptor of @t) with open(2) @flags and
 * @mode. Returns 0 and a new file reference in *@out, or -errno as open(2) would.
 */
int vfs_openat(struct ctx *ctx, struct file *dir, const char *path, int flags, unsigned int mode,
               struct file **out);

/* openat2's RESOLVE_* flags (Linux's uapi values). */
#define VFS_RESOLVE_NO_XDEV 0x01u
#define VFS_RESOLVE_NO_MAGICLINKS 0x02u
#define VFS_RESOLVE_NO_SYMLINKS 0x04u
#define VFS_RESOLVE_BENEATH 0x08u
#define VFS_RESOLVE_IN_ROOT 0x10u

/* vfs_openat() whose walk is restricted by @resolve (VFS_RESOLVE_*, checked by the caller):
 * ELOOP for a symlink or magic link it may not follow, EXDEV for a mount it may not cross or
 * a step out of the starting directory (BENEATH), which IN_ROOT makes the root instead. */
int vfs_openat2(struct ctx *ctx, struct file *dir, const char *path, int flags, unsigned int mode,
                uint64_t resolve, struct file **out);

/* stat(2) family on a path: @flags may hold AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH. */
int vfs_fstatat(struct ctx *ctx, struct file *dir, const char *path, int flags,
                struct linux_stat *st);

/* fstat on an open file. */
int vfs_fstat(struct ctx *ctx, struct file *f, struct linux_stat *st);

/* Open the program @path for execve: a regular file on a mount that allows executing it,
 * that @ctx may execute (search permission on the way, MAY_EXEC on the file); it is opened
 * for reading with the Sentry's rights, as Linux reads programs whatever their r bits.
 * Returns 0 and a new file in *@out, or -errno (-EACCES for a non-regular file or a
 * noexec mount). */
int vfs_open_exec(struct ctx *ctx, const char *path, struct file **out);

/* What execve needs to know of a program opened with vfs_open_exec. */
struct vfs_exec_info {
    uint32_t mode, uid, gid;
    bool nosuid;   /* on a nosuid mount: set-ID bits and file capabilities do not apply */
    bool readable; /* @ctx may read it (else the new image is not dumpable) */
    int caps_size; /* size of its security.capability attribute, 0 if none */
    unsigned char caps[24];
};
/* Fill *@out for the program @f as seen by @ctx. Returns 0 or -errno. */
int vfs_exec_info(struct ctx *ctx, struct file *f, struct vfs_exec_info *out);

/* Permission check as access(2) (@mode R_OK|W_OK|X_OK or F_OK) by the effective ids. */
int vfs_access(struct ctx *ctx, struct file *dir, const char *path, int mode, int flags);

/* Absolute path of the cwd of @t (within its root) into @buf. Returns length or -errno. */
int vfs_getcwd(struct ctx *ctx, char *buf, size_t size);

/* Register a filesystem type (boot). @mount creates the root dentry of a new superblock
 * from @data. Returns 0 or -errno. */
struct fs_type {
    const char *name;
    int (*mount)(const struct fs_type *type, void *data, struct dentry **root);
};
int vfs_register_fs(const struct fs_type *type);

/* Boot: make a new mount of filesystem @fstype (with @data) the root of the mount tree. */
int vfs_mount_root(const char *fstype, void *data);
/* Mount flags (vfs_mount_at). */
#define MNT_READONLY 0x1ul /* = MS_RDONLY */
#define MNT_NOSUID 0x2ul   /* = MS_NOSUID: set-ID bits and file capabilities ignored */
#define MNT_NODEV 0x4ul    /* = MS_NODEV: device nodes cannot be opened */
#define MNT_NOEXEC 0x8ul   /* = MS_NOEXEC: nothing executes */

/* Boot: mount @fstype at absolute @target (which must exist as a directory in the tree;
 * for a read-only lower filesystem the VFS may create a synthetic mount point). */
int vfs_mount_at(const char *target, const char *fstype, void *data, unsigned long flags);

/* The VFS's internal init (called once at boot, before any mount). */
void vfs_init(void);
