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

/* Install the generator of the /proc/net files (boot wires the network stack's: fs/ may not
 * include net/). @gen writes the text of /proc/net/@name into a new malloc'ed buffer and
 * returns 0 or -errno; it is called with the kernel lock held. */
void procfs_set_net_hook(int (*gen)(const char *name, char **out, size_t *len));
