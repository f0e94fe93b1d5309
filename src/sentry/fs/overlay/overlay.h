// SPDX-License-Identifier: Apache-2.0
/*
 * The overlay root: the gofer's read-only root (goferfs, the lower layer) under an in-memory
 * upper layer (tmpfs), as `runsc do` gives the app. docs/vfs.md describes the design.
 *
 * Locking: kernel lock, like all of the VFS.
 */
#pragma once

#include "sentry/vfs/vfs.h"

/* The "overlay" filesystem type; mount data is the struct gofer_client * of the lower layer
 * (not owned). */
extern const struct fs_type g_overlay_type;

/* Most regular files of the lower layer whose lower inode (a gofer fid) the overlay keeps
 * after an open, so that opening them again walks nothing; the least recently opened gives
 * its up first. */
#define OVL_RECENT_MAX 256u

/* Register "overlay" with the VFS (boot). Returns 0 or -errno. */
int overlay_register(void);
