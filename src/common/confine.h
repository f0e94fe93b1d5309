// SPDX-License-Identifier: Apache-2.0
/*
 * Confinement steps shared by the Sentry and the gofer: moving the process into a fresh root
 * (pivot_root), dropping capabilities and setting no_new_privs. Each runs once, early, while
 * the process is still single-threaded (capabilities are per thread).
 */
#pragma once

#include <stdint.h>

/* A capability set as a mask of (1 << CAP_X) bits. */
#define CV_CAP(c) (UINT64_C(1) << (c))

/*
 * Keep only the capabilities in @keep (effective and permitted; inheritable, ambient and the
 * bounding set lose everything else), then set no_new_privs. Returns 0 or -errno.
 */
int cv_caps_limit(uint64_t keep);

/*
 * In a mount namespace of our own whose mounts do not propagate to the host's (private, or
 * slaves as in a user namespace's): pivot_root into @dir (which must be a mount point) and
 * detach the old root, so that nothing outside @dir is reachable.
 * The working directory becomes the new "/". Returns 0 or -errno.
 */
int cv_pivot_into(const char *dir);

/*
 * Pick a directory to mount a staging file system on: /tmp, else /mnt, else /dev (a mount
 * namespace of our own makes this invisible to the host). Returns the path.
 */
const char *cv_staging_dir(void);
