// SPDX-License-Identifier: Apache-2.0
/*
 * procfs: the /proc of the sandbox. Every file is generated when it is opened (a snapshot
 * that reads and lseek serve), and every lookup asks the live task list, so pids and
 * descriptors that come and go are always seen as they are now.
 */
#pragma once

#include "sentry/vfs/vfs.h"

/* The "proc" filesystem type; mount data is ignored. */
extern const struct fs_type g_procfs_type;

/* Register "proc" (boot). Also captures the host's /proc/cpuinfo while the Sentry may still
 * read it. Returns 0 or -errno. */
int procfs_register(void);
