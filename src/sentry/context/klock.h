// SPDX-License-Identifier: Apache-2.0
/*
 * The kernel lock: one mutex for the Sentry kernel state that has no finer lock of its own
 * (docs/locking.md lists what each lock protects and the order they are taken in). It lives
 * here, below mm, the VFS and the kernel, so that each of them can assert it is held.
 *
 * Lock order: the kernel lock is taken before every other Sentry lock (docs/locking.md).
 */
#pragma once

#include "common/mutex.h"

extern struct cv_mutex g_kernel_lock;
/* Statistics of the kernel lock (CVISOR_LOCKSTAT, docs/locking.md). */
extern struct cv_lockstat g_kernel_lockstat;

/* Lock statistics sites (cv_lock_site) besides syscall numbers (0..511). */
enum {
    LOCK_SITE_FAULT = 512, /* an app page fault */
    LOCK_SITE_SIGNAL,      /* a synchronous signal from the platform */
    LOCK_SITE_LOOP,        /* the task loop between app runs (start, interrupt, exit) */
    LOCK_SITE_TIMER,       /* the timer thread */
    LOCK_SITE_POLLER,      /* the host-fd poller thread */
    LOCK_SITE_BOOT,        /* boot and the main thread */
    LOCK_SITE_END,
};

static inline void kernel_lock(void)
{
    cv_mutex_lock(&g_kernel_lock);
}

static inline void kernel_unlock(void)
{
    cv_mutex_unlock(&g_kernel_lock);
}

/* True if the calling thread holds the kernel lock. */
static inline bool kernel_lock_held(void)
{
    return cv_mutex_held(&g_kernel_lock);
}

/* "Caller holds the kernel lock": checked in debug builds (CVISOR_LOCK_DEBUG). */
#define KERNEL_LOCK_ASSERT() CV_LOCK_ASSERT(&g_kernel_lock)
#define KERNEL_LOCK_ASSERT_NOT() CV_LOCK_ASSERT_NOT(&g_kernel_lock)

/* Wait on @cond, releasing the kernel lock meanwhile (pthread_cond_[timed]wait). */
static inline int kernel_cond_wait(pthread_cond_t *cond)
{
    return cv_cond_wait(cond, &g_kernel_lock);
}
static inline int kernel_cond_timedwait(pthread_cond_t *cond, const struct timespec *abstime)
{
    return cv_cond_timedwait(cond, &g_kernel_lock, abstime);
}

/* Turn on the lock statistics when the environment has CVISOR_LOCKSTAT (boot, before any
 * other thread exists). Returns true if they are on. */
bool klock_stat_init(void);
/* Print the lock statistics table to @fd (nothing when off); @syscall_name names the
 * syscall sites (NULL for the number). */
void klock_stat_print(int fd, const char *(*syscall_name)(int nr));
