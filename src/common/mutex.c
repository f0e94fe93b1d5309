// SPDX-License-Identifier: Apache-2.0
/*
 * Owner-tracking mutexes and lock statistics (mutex.h): the slow paths that time waits and
 * holds per call site, condition waits, and the table printed at exit.
 */
#include "common/mutex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool g_cv_lockstat_on;
__thread int cv_lock_site;
__thread char cv_mutex_self_marker;

#define MAX_CLASSES 16

static struct cv_lockstat *g_classes[MAX_CLASSES];
static atomic_int g_nclasses;
static pthread_mutex_t g_timed_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cv_timed *g_timed;

uint64_t cv_lockstat_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void cv_mutex_init(struct cv_mutex *mu, struct cv_lockstat *stat)
{
    pthread_mutex_init(&mu->m, NULL);
    atomic_init(&mu->owner, NULL);
    mu->stat = stat;
    mu->held_since_ns = 0;
}

void cv_mutex_destroy(struct cv_mutex *mu)
{
    CV_BUG_ON(atomic_load(&mu->owner) != NULL);
    pthread_mutex_destroy(&mu->m);
}

static void max_update(atomic_uint_fast64_t *max, uint64_t v)
{
    uint64_t cur = atomic_load_explicit(max, memory_order_relaxed);
    while (v > cur && !atomic_compare_exchange_weak_explicit(max, &cur, v, memory_order_relaxed,
                                                             memory_order_relaxed))
        ;
}

static struct cv_lockstat_site *site_of(struct cv_mutex *mu)
{
    int s = cv_lock_site;
    if (s < 0 || s >= CV_LOCKSTAT_SITES)
        s = 0;
    return &mu->stat->site[s];
}

void cv_mutex_lock_stat(struct cv_mutex *mu)
{
    struct cv_lockstat_site *s = site_of(mu);
    uint64_t now;
    if (pthread_mutex_trylock(&mu->m) == 0) {
        now = cv_lockstat_now_ns();
    } else {
        uint64_t start = cv_lockstat_now_ns();
        pthread_mutex_lock(&mu->m);
        now = cv_lockstat_now_ns();
        atomic_fetch_add_explicit(&s->contended, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&s->wait_ns, now - start, memory_order_relaxed);
        max_update(&s->wait_max_ns, now - start);
    }
    atomic_fetch_add_explicit(&s->acquired, 1, memory_order_relaxed);
    mu->held_since_ns = now;
}

/* Account the hold that ends now to the caller's site. Caller holds @mu. */
static void hold_end(struct cv_mutex *mu)
{
    if (!g_cv_lockstat_on || !mu->stat || !mu->held_since_ns)
        return;
    struct cv_lockstat_site *s = site_of(mu);
    uint64_t held = cv_lockstat_now_ns() - mu->held_since_ns;
    mu->held_since_ns = 0;
    atomic_fetch_add_explicit(&s->hold_ns, held, memory_order_relaxed);
    max_update(&s->hold_max_ns, held);
}

void cv_mutex_unlock_stat(struct cv_mutex *mu)
{
    hold_end(mu);
    pthread_mutex_unlock(&mu->m);
}

static void hold_begin(struct cv_mutex *mu)
{
    if (!g_cv_lockstat_on || !mu->stat)
        return;
    struct cv_lockstat_site *s = site_of(mu);
    atomic_fetch_add_explicit(&s->acquired, 1, memory_order_relaxed);
    mu->held_since_ns = cv_lockstat_now_ns();
}

int cv_cond_wait(pthread_cond_t *cond, struct cv_mutex *mu)
{
    CV_BUG_ON(!cv_mutex_held(mu));
    hold_end(mu);
    atomic_store_explicit(&mu->owner, NULL, memory_order_relaxed);
    int ret = pthread_cond_wait(cond, &mu->m);
    atomic_store_explicit(&mu->owner, cv_mutex_self(), memory_order_relaxed);
    hold_begin(mu);
    return ret;
}

int cv_cond_timedwait(pthread_cond_t *cond, struct cv_mutex *mu, const struct timespec *abstime)
{
    CV_BUG_ON(!cv_mutex_held(mu));
    hold_end(mu);
    atomic_store_explicit(&mu->owner, NULL, memory_order_relaxed);
    int ret = pthread_cond_timedwait(cond, &mu->m, abstime);
    atomic_store_explicit(&mu->owner, cv_mutex_self(), memory_order_relaxed);
    hold_begin(mu);
    return ret;
}

void cv_lockstat_enable(void)
{
    g_cv_lockstat_on = true;
}

void cv_lockstat_register(struct cv_lockstat *stat)
{
    int n = atomic_load(&g_nclasses);
    for (int i = 0; i < n; i++)
        if (g_classes[i] == stat)
            return;
    n = atomic_fetch_add(&g_nclasses, 1);
    if (n >= MAX_CLASSES) {
        atomic_fetch_sub(&g_nclasses, 1);
        return;
    }
    g_classes[n] = stat;
}

void cv_timed_add(struct cv_timed *tm, uint64_t ns)
{
    if (!atomic_exchange(&tm->registered, true)) {
        pthread_mutex_lock(&g_timed_lock);
        tm->next = g_timed;
        g_timed = tm;
        pthread_mutex_unlock(&g_timed_lock);
    }
    atomic_fetch_add_explicit(&tm->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&tm->total_ns, ns, memory_order_relaxed);
    max_update(&tm->max_ns, ns);
}

struct row {
    int site;
    uint64_t acquired, contended, wait_ns, wait_max, hold_ns, hold_max;
};

static int by_hold(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    return x->hold_ns < y->hold_ns ? 1 : x->hold_ns > y->hold_ns ? -1 : 0;
}

static void print_class(int fd, struct cv_lockstat *st, const char *(*site_name)(int site))
{
    static struct row rows[CV_LOCKSTAT_SITES];
    int n = 0;
    uint64_t tot_hold = 0, tot_wait = 0, tot_acq = 0, tot_cont = 0;
    for (int i = 0; i < CV_LOCKSTAT_SITES; i++) {
        struct cv_lockstat_site *s = &st->site[i];
        struct row r = {i,          s->acquired,   s->contended, s->wait_ns, s->wait_max_ns,
                        s->hold_ns, s->hold_max_ns};
        if (!r.acquired)
            continue;
        rows[n++] = r;
        tot_hold += r.hold_ns;
        tot_wait += r.wait_ns;
        tot_acq += r.acquired;
        tot_cont += r.contended;
    }
    qsort(rows, (size_t)n, sizeof(rows[0]), by_hold);
    dprintf(fd,
            "lockstat %s: %llu acquisitions, %llu contended, held %.3f ms, waited %.3f ms\n"
            "  %-22s %10s %9s %10s %9s %10s %9s %9s\n",
            st->name, (unsigned long long)tot_acq, (unsigned long long)tot_cont, tot_hold / 1e6,
            tot_wait / 1e6, "site", "acquired", "contended", "wait_ms", "wait_max", "hold_ms",
            "hold_avg", "hold_max");
    for (int i = 0; i < n; i++) {
        struct row *r = &rows[i];
        const char *name = site_name ? site_name(r->site) : NULL;
        char num[16];
        if (!name) {
            snprintf(num, sizeof(num), "#%d", r->site);
            name = num;
        }
        dprintf(fd, "  %-22s %10llu %9llu %10.3f %7.1fus %10.3f %7.2fus %7.1fus\n", name,
                (unsigned long long)r->acquired, (unsigned long long)r->contended, r->wait_ns / 1e6,
                r->wait_max / 1e3, r->hold_ns / 1e6, r->hold_ns / 1e3 / (double)r->acquired,
                r->hold_max / 1e3);
    }
}

void cv_lockstat_print(int fd, const char *(*site_name)(int site))
{
    if (!g_cv_lockstat_on)
        return;
    int n = atomic_load(&g_nclasses);
    for (int i = 0; i < n && i < MAX_CLASSES; i++)
        print_class(fd, g_classes[i], site_name);
    pthread_mutex_lock(&g_timed_lock);
    for (struct cv_timed *tm = g_timed; tm; tm = tm->next)
        dprintf(fd, "lockstat region %-28s %10llu times, %10.3f ms, avg %7.2fus, max %7.1fus\n",
                tm->name, (unsigned long long)tm->count, tm->total_ns / 1e6,
                tm->count ? tm->total_ns / 1e3 / (double)tm->count : 0.0, tm->max_ns / 1e3);
    pthread_mutex_unlock(&g_timed_lock);
}
