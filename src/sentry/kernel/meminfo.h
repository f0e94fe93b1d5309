// SPDX-License-Identifier: Apache-2.0
/*
 * The sandbox's memory figures, shared by sysinfo(2) and /proc/meminfo so that they agree:
 * the total is the host's RAM (or the memory limit of the Sentry's cgroup, if lower), and
 * what is used is what the sandbox holds in the memory file, as gVisor reports it.
 *
 * Locking: kernel_meminfo requires the kernel lock (it reads the memory file's counters).
 */
#pragma once

#include <stdint.h>

/* All in bytes. */
struct kernel_meminfo {
    uint64_t total; /* host RAM or the cgroup memory limit */
    uint64_t used;  /* memory-file frames in use */
    uint64_t shmem; /* of @used: tmpfs file pages and shared anonymous memory (Shmem) */
    uint64_t anon;  /* of @used: the rest, the processes' private memory (AnonPages) */
    uint64_t free;  /* @total - @used, never below 0 */
};

/* Capture the total while the Sentry may still read the host's /proc and /sys (boot): the
 * host's RAM, or if lower @limit (the runtime's cgroup memory limit, UINT64_MAX for none)
 * or the limit of the Sentry's own cgroup. Returns 0 or -errno. */
int kernel_meminfo_init(uint64_t limit);

/* Fill *@mi with the current figures. Caller holds the kernel lock. */
void kernel_meminfo(struct kernel_meminfo *mi);
