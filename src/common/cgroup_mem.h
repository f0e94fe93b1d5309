// SPDX-License-Identifier: Apache-2.0
/*
 * The memory limit of the calling process's cgroup, read from /proc/self/cgroup and
 * /sys/fs/cgroup (v2 memory.max, or v1's memory controller). The runtime reads it before
 * the Sentry enters a cgroup namespace, which would hide the cgroup's path.
 */
#pragma once

#include <stdint.h>

/* The lowest memory limit of the caller's cgroup and its ancestors in bytes, or UINT64_MAX
 * if there is none or it cannot be read. */
uint64_t cv_cgroup_memory_limit(void);
