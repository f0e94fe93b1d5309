// SPDX-License-Identifier: Apache-2.0
/*
 * tmpfs: the in-memory filesystem (/tmp, /dev/shm, and the base of devfs). Directories are
 * the VFS dentry tree itself (DCACHE_AUTHORITATIVE); regular files keep their data in
 * malloc'ed pages (tmpfs_file.c).
 *
 * Locking: kernel lock, like all of the VFS.
 */
#pragma once

struct ctx;

#include <stdint.h>

#include "sentry/vfs/vfs_internal.h"

/* The "tmpfs" filesystem type; mount data is ignored (NULL). */
extern const struct fs_type g_tmpfs_type;

/* Register "tmpfs" with the VFS (boot). Returns 0 or -errno. */
int tmpfs_register(void);

/* Make a new tmpfs superblock whose root directory has @root_mode (e.g. 01777). Returns 0
 * and the root dentry (one reference) in *@root. Used by devfs. */
int tmpfs_new_super(const struct fs_type *type, uint32_t root_mode, struct dentry **root);

/* Create @name in the tmpfs directory @dir at boot (no task, owner root): @mode is the full
 * mode, @rdev for device nodes, @target for symlinks. Returns 0 or -errno. */
int tmpfs_add_node(struct dentry *dir, const char *name, uint32_t mode, uint64_t rdev,
                   const char *target);

/* The inode operations of tmpfs, for filesystems built on it (the overlay wraps them). */
extern const struct inode_ops g_tmpfs_iops;

/* A new tmpfs inode of @sb (any superblock whose inodes are tmpfs nodes) with the full @mode,
 * @rdev for device nodes and the symlink @target (or NULL): one reference in *@out, owner
 * root, not linked anywhere. Returns 0 or -ENOMEM. */
int tmpfs_new_inode(struct super_block *sb, uint32_t mode, uint64_t rdev, const char *target,
                    struct inode **out);
/* The extension pointer of the tmpfs inode @inode, owned by whoever replaced inode->ops
 * (the overlay keeps its lower-layer state there). */
void **tmpfs_inode_ext(struct inode *inode);
/* Set the target of the tmpfs symlink @inode (a copy of @target, @len bytes). */
int tmpfs_set_target(struct inode *inode, const char *target, size_t len);

/* tmpfs_file.c: regular file operations and data. */
extern const struct file_ops g_tmpfs_file_fops;
/* Set the size of the regular file @inode (truncate or extend with a hole). */
int tmpfs_file_resize(struct inode *inode, uint64_t size);
/* Free the data of the regular file @inode. */
void tmpfs_file_free(struct inode *inode);

/* memfd.c: memfd_create(2) with MFD_CLOEXEC (ignored here: the caller sets the fd flag) and
 * MFD_ALLOW_SEALING @flags. Returns 0 and a new O_RDWR file in *@out, or -errno. */
int tmpfs_memfd_create(struct ctx *ctx, const char *name, unsigned int flags, struct file **out);
/* F_GET_SEALS / F_ADD_SEALS (VFS_FCNTL_*_SEALS) on the tmpfs file @f. */
long tmpfs_seals_fcntl(struct ctx *ctx, struct file *f, unsigned int cmd, uint64_t arg);
