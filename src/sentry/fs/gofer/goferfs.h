// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs: the root filesystem served by the gofer process (client.h is the RPC layer).
 * The read-only root is immutable, so the VFS caches every positive and negative lookup
 * forever (DCACHE_FOREVER); reads and writes go straight to host descriptors the gofer
 * donates.
 *
 * Locking: kernel lock; gofer RPCs are made with it held (the client lock nests inside).
 */
#pragma once

#include "sentry/vfs/vfs.h"

/* The "goferfs" filesystem type; mount data is the struct gofer_client * (not owned). */
extern const struct fs_type g_goferfs_type;

/*
 * The "goferfs-rw" type: the same filesystem, writable (the root with `--overlay=none`,
 * which the sandbox owns as gVisor's "exclusive" file access). Lookups stay cached, but
 * only positive ones: a name the host creates later is found. Attributes are re-read from
 * the host at every stat (getattr). COMPAT: a file the host removes or renames stays
 * visible under its old name to the sandbox until the sandbox itself removes it.
 */
extern const struct fs_type g_goferfs_rw_type;

/*
 * "goferfs-shared" (read-only) and "goferfs-rw-shared": volumes, which the host may change
 * at any time (gVisor's "shared" file access). The dentry cache revalidates
 * (DCACHE_REVALIDATE): every cached name a path walk uses is walked again on the host, in
 * one WALK for the rest of the path, and an entry whose host file vanished or is another
 * file now (dev, ino, type) is dropped or replaced. Attributes are re-read at every stat.
 */
extern const struct fs_type g_goferfs_shared_type;
extern const struct fs_type g_goferfs_rw_shared_type;

/* Register the four goferfs types with the VFS (boot). Returns 0 or -errno. */
int goferfs_register(void);

/*
 * Call @cb with every name in the goferfs directory @dir (not "." or ".."), a fresh listing
 * from the gofer. Stops at the first non-zero return of @cb and returns it; else 0, or -errno
 * of the listing (-ENOTDIR if @dir is no goferfs directory). For the overlay's lower layer.
 */
struct inode;
int goferfs_list_names(struct inode *dir, int (*cb)(void *arg, const char *name), void *arg);
