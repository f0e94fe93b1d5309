// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs: the root filesystem served by the gofer process (client.h is the RPC layer).
 * Read-only and immutable in this version, so the VFS caches every positive and negative
 * lookup forever (DCACHE_FOREVER); reads go straight to host descriptors the gofer donates.
 *
 * Locking: kernel lock; gofer RPCs are made with it held (the client lock nests inside).
 */
#pragma once

#include "sentry/vfs/vfs.h"

/* The "goferfs" filesystem type; mount data is the struct gofer_client * (not owned). */
extern const struct fs_type g_goferfs_type;

/* Register "goferfs" with the VFS (boot). Returns 0 or -errno. */
int goferfs_register(void);
