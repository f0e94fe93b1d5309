// SPDX-License-Identifier: Apache-2.0
/*
 * devfs: the /dev of the sandbox. A tmpfs pre-populated with the memory character devices
 * (null, zero, full, random, urandom), tty, the fd/stdin/stdout/stderr symlinks and the shm
 * and pts directories. Device file operations are registered with the VFS by device number,
 * so device nodes made elsewhere (mknod in tmpfs) work too.
 */
#pragma once

#include "sentry/vfs/vfs.h"

/* The "devfs" filesystem type; mount data is ignored. */
extern const struct fs_type g_devfs_type;

/* Register "devfs" and the character devices (boot). Returns 0 or -errno. */
int devfs_register(void);
