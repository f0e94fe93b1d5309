// SPDX-License-Identifier: Apache-2.0
/*
 * A mutex that knows its owner, for "Caller holds" checks (cv_mutex_held, CV_LOCK_ASSERT),
 * and that can count how long it is waited for and held, per call site (lock statistics,
 * docs/locking.md "Measuring the locks"). The statistics cost one predictable branch when off.
 *
 * Lock order: none here; each user documents its own. A cv_mutex is not recursive.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/log.h"

/* Call sites are small integers chosen by the user of the statistics (the Sentry uses the
 * syscall number, and a few numbers above the syscall table for faults, signals, threads). */
#define CV_LOCKSTAT_SITES 640

struct cv_lockstat_site {
    atomic_uint_fast64_t acquired;  /* times taken */
    atomic_uint_fast64_t contended; /* times it was held by another thread at the attempt */
    atomic_uint_fast64_t wait_ns;   /* total time spent waiting for it */
    atomic_uint_fast64_t wait_max_ns;
    atomic_uint_fast64_t hold_ns; /* total time held (each hold ends at unlock or cond wait) */
    atomic_uint_fast64_t hold_max_ns;
};

/* Statistics of one lock or one class of locks (every address space's lock shares one). */
struct cv_lockstat {
    const char *name;
    struct cv_lockstat_site site[CV_LOCKSTAT_SITES];
};

struct cv_mutex {
    pthread_mutex_t m;
    /* Atomic: the thread-local marker of the owning thread (cv_mutex_self), NULL when free. */
    _Atomic(const void *) owner;
    /* Immutable after init: where statistics go, NULL for none. */
    struct cv_lockstat *stat;
    /* Protected by m: when the current hold began (statistics only). */
    uint64_t held_since_ns;
};

#define CV_MUTEX_INITIALIZER(statp)                                                                \
    {                                                                                              \
        .m = PTHREAD_MUTEX_INITIALIZER, .owner = NULL, .stat = (statp), .held_since_ns = 0         \
    }

/* True once cv_lockstat_enable() ran (before any thread but the first exists). */
extern bool g_cv_lockstat_on;
/* The calling thread's current call site for statistics (0 when it never set one). */
extern __thread int cv_lock_site;
/* One byte per thread; its address identifies the thread as a lock owner. */
extern __thread char cv_mutex_self_marker;

static inline const void *cv_mutex_self(void)
{
    return &cv_mutex_self_marker;
}

/* Initialise @mu with statistics going to @stat (NULL for none). */
void cv_mutex_init(struct cv_mutex *mu, struct cv_lockstat *stat);
void cv_mutex_destroy(struct cv_mutex *mu);

/* Slow paths with statistics (mutex.c). */
void cv_mutex_lock_stat(struct cv_mutex *mu);
void cv_mutex_unlock_stat(struct cv_mutex *mu);

/* True if the calling thread holds @mu. Exact for the caller: only the owner stores its
 * own marker. */
static inline bool cv_mutex_held(const struct cv_mutex *mu)
{
    return atomic_load_explicit(&mu->owner, memory_order_relaxed) == cv_mutex_self();
}

static inline void cv_mutex_lock(struct cv_mutex *mu)
{
    if (__builtin_expect(g_cv_lockstat_on && mu->stat, 0)) {
        cv_mutex_lock_stat(mu);
    } else {
        pthread_mutex_lock(&mu->m);
    }
    atomic_store_explicit(&mu->owner, cv_mutex_self(), memory_order_relaxed);
}

/* Returns true if @mu was free and is now held by the caller. */
static inline bool cv_mutex_trylock(struct cv_mutex *mu)
{
    if (pthread_mutex_trylock(&mu->m) != 0)
        return false;
    atomic_store_explicit(&mu->owner, cv_mutex_self(), memory_order_relaxed);
    return true;
}

static inline void cv_mutex_unlock(struct cv_mutex *mu)
{
    CV_BUG_ON(!cv_mutex_held(mu));
    atomic_store_explicit(&mu->owner, NULL, memory_order_relaxed);
    if (__builtin_expect(g_cv_lockstat_on && mu->stat, 0))
        cv_mutex_unlock_stat(mu);
    else
        pthread_mutex_unlock(&mu->m);
}

/* pthread_cond_wait / pthread_cond_timedwait on @mu, which the caller holds; the owner and
 * the statistics see the wait as a release and a new acquisition. Returns what pthread does. */
int cv_cond_wait(pthread_cond_t *cond, struct cv_mutex *mu);
int cv_cond_timedwait(pthread_cond_t *cond, struct cv_mutex *mu, const struct timespec *abstime);

/* "Caller holds @mu": checked in debug builds (the ASan binary and the unit tests build with
 * CVISOR_LOCK_DEBUG), free otherwise. */
#ifdef CVISOR_LOCK_DEBUG
#define CV_LOCK_ASSERT(mu) CV_BUG_ON(!cv_mutex_held(mu))
#define CV_LOCK_ASSERT_NOT(mu) CV_BUG_ON(cv_mutex_held(mu))
#else
#define CV_LOCK_ASSERT(mu) ((void)(mu))
#define CV_LOCK_ASSERT_NOT(mu) ((void)(mu))
#endif

/* Turn statistics on for every cv_mutex with a cv_lockstat. Call before other threads exist. */
void cv_lockstat_enable(void);

/* Register @stat to be printed by cv_lockstat_print (at most 16 classes). */
void cv_lockstat_register(struct cv_lockstat *stat);

/* Time spent in a named region (a gofer round trip with or without the kernel lock...):
 * counted only while statistics are on. */
struct cv_timed {
    const char *name;
    atomic_uint_fast64_t count;
    atomic_uint_fast64_t total_ns;
    atomic_uint_fast64_t max_ns;
    struct cv_timed *next; /* Protected by the registry (mutex.c) */
    atomic_bool registered;
};

/* Monotonic nanoseconds (the host's CLOCK_MONOTONIC). */
uint64_t cv_lockstat_now_ns(void);
/* Add one region of @ns to @tm (registering it on first use). */
void cv_timed_add(struct cv_timed *tm, uint64_t ns);

/* Write the table of every registered class and region to @fd: one line per site with
 * acquisitions, contention, wait and hold totals and maxima, heaviest hold first. @site_name
 * names a site (NULL: its number). */
void cv_lockstat_print(int fd, const char *(*site_name)(int site));
