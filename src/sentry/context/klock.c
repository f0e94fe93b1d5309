// SPDX-License-Identifier: Apache-2.0
/* The kernel lock object and its statistics switch (klock.h). */
#include "sentry/context/klock.h"

#include <stdio.h>
#include <stdlib.h>

struct cv_lockstat g_kernel_lockstat = {.name = "kernel"};
/* Adaptive: a thread that finds it taken spins briefly before it sleeps. Holds are a few
 * microseconds, while a futex sleep and wake-up across CPUs costs tens of them on a loaded
 * VM (docs/locking.md "Measuring the locks"). */
struct cv_mutex g_kernel_lock = {
    .m = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP,
    .owner = NULL,
    .stat = &g_kernel_lockstat,
    .held_since_ns = 0,
};

bool klock_stat_init(void)
{
    const char *v = getenv("CVISOR_LOCKSTAT");
    if (!v || !*v || (v[0] == '0' && !v[1]))
        return false;
    cv_lockstat_register(&g_kernel_lockstat);
    cv_lockstat_enable();
    return true;
}

static const char *(*g_syscall_name)(int nr);

static const char *site_name(int site)
{
    static const char *const special[] = {
        [LOCK_SITE_FAULT - 512] = "(page fault)",   [LOCK_SITE_SIGNAL - 512] = "(signal)",
        [LOCK_SITE_LOOP - 512] = "(task loop)",     [LOCK_SITE_TIMER - 512] = "(timer thread)",
        [LOCK_SITE_POLLER - 512] = "(host poller)", [LOCK_SITE_BOOT - 512] = "(boot)",
    };
    if (site >= 512 && site < LOCK_SITE_END)
        return special[site - 512];
    return g_syscall_name && site < 512 ? g_syscall_name(site) : NULL;
}

void klock_stat_print(int fd, const char *(*syscall_name)(int nr))
{
    g_syscall_name = syscall_name;
    cv_lockstat_print(fd, site_name);
}
