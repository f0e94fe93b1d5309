// SPDX-License-Identifier: Apache-2.0
/*
 * sysfs: a minimal, read-only /sys — the CPU topology files that runtimes and libraries read
 * (/sys/devices/system/cpu/{online,possible,present} and cpuN/) and empty fs/cgroup, kernel
 * and class directories.
 */
#pragma once

/* Register "sysfs" with the VFS (boot). Returns 0 or -errno. */
int sysfs_register(void);
