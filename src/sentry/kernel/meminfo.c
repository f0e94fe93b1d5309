// SPDX-License-Identifier: Apache-2.0
/*
 * The sandbox's memory figures (meminfo.h). The total is read from the host once at boot;
 * the usage comes from the memory file's counters, so nothing here asks the host later.
 */
#include "sentry/kernel/meminfo.h"

#include <errno.h>
#include <sys/sysinfo.h>

#include "common/cgroup_mem.h"
#include "sentry/memfile/memfile.h"

static uint64_t g_total; /* Immutable after kernel_meminfo_init */

int kernel_meminfo_init(uint64_t limit)
{
    struct sysinfo si;
    if (sysinfo(&si) < 0)
        return -errno;
    g_total = (uint64_t)si.totalram * (si.mem_unit ? si.mem_unit : 1);
    /* The runtime's reading (outside our cgroup namespace), or ours without one. */
    uint64_t own = cv_cgroup_memory_limit();
    uint64_t lim = limit < own ? limit : own;
    if (lim < g_total)
        g_total = lim & ~(MEMFILE_FRAME - 1);
    return 0;
}

void kernel_meminfo(struct kernel_meminfo *mi)
{
    mi->total = g_total;
    mi->used = memfile_used_frames() * MEMFILE_FRAME;
    mi->shmem = memfile_shmem_frames() * MEMFILE_FRAME;
    mi->anon = mi->used > mi->shmem ? mi->used - mi->shmem : 0;
    mi->free = mi->total > mi->used ? mi->total - mi->used : 0;
}
