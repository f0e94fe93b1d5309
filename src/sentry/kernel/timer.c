// SPDX-License-Identifier: Apache-2.0
/*
 * Time helpers and interval timers. One timer host thread sleeps on a CLOCK_MONOTONIC
 * condition variable until the earliest ITIMER_REAL deadline of any thread group, then takes
 * the kernel lock and sends SIGALRM. Arming a timer signals the condition variable.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "abi/cvisor/vvar.h"
#include "common/log.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/timer.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/platform/platform.h"
#include "sentry/time/timekeeper.h"

#define NS_MAX (UINT64_MAX / 2)

static pthread_cond_t g_timer_cond; /* waited on with the kernel lock */
static bool g_timer_started;

/* --- conversions --- */

static uint64_t mul_add_sat(uint64_t sec, uint64_t unit, uint64_t frac)
{
    if (sec > (NS_MAX - frac) / unit)
        return NS_MAX;
    return sec * unit + frac;
}

int timespec_to_ns(const struct linux_timespec *ts, uint64_t *ns)
{
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (int64_t)NSEC_PER_SEC)
        return -EINVAL;
    *ns = mul_add_sat((uint64_t)ts->tv_sec, NSEC_PER_SEC, (uint64_t)ts->tv_nsec);
    return 0;
}

struct linux_timespec ns_to_timespec(uint64_t ns)
{
    struct linux_timespec ts = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC)};
    return ts;
}

int timeval_to_ns(const struct linux_timeval *tv, uint64_t *ns)
{
    if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
        return -EINVAL;
    *ns = mul_add_sat((uint64_t)tv->tv_sec, NSEC_PER_SEC, (uint64_t)tv->tv_usec * NSEC_PER_USEC);
    return 0;
}

struct linux_timeval ns_to_timeval(uint64_t ns)
{
    struct linux_timeval tv = {(int64_t)(ns / NSEC_PER_SEC),
                               (int64_t)((ns % NSEC_PER_SEC) / NSEC_PER_USEC)};
    return tv;
}

uint64_t deadline_after(uint64_t rel_ns)
{
    uint64_t now = kernel_now_ns();
    if (rel_ns >= NS_MAX - now)
        return NS_MAX;
    return now + rel_ns;
}

uint64_t timer_realtime_ns(void)
{
    return timekeeper_now_ns(CVISOR_CLOCK_REALTIME);
}

/* --- sleeping and CPU time --- */

int task_sleep_until(struct task *t, uint64_t deadline_ns)
{
    for (;;) {
        if (kernel_now_ns() >= deadline_ns)
            return 0;
        int r = task_wait(t, deadline_ns);
        if (r == -ETIMEDOUT)
            return 0;
        if (r == -EINTR || task_signal_pending(t))
            return -EINTR;
    }
}

/* Host CPU time of the Sentry thread that runs @t. */
static uint64_t task_host_cpu_ns(struct task *t)
{
    clockid_t cid;
    struct timespec ts;

    if (t->state == TASK_DEAD || pthread_getcpuclockid(t->thread, &cid) != 0)
        return 0;
    if (clock_gettime(cid, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* CPU time of the app code in @mm's address space (COMPAT: per address space, so the
 * threads of a process are not told apart). */
static uint64_t mm_cpu_ns(struct mm *mm)
{
    return mm ? g_platform->as_cpu_ns(mm_plat_as(mm)) : 0;
}

void task_cputime(struct task *t, uint64_t *user_ns, uint64_t *sys_ns)
{
    *user_ns = t->state == TASK_DEAD ? t->utime_ns : mm_cpu_ns(t->mmt.mm);
    *sys_ns = t->stime_ns + task_host_cpu_ns(t);
}

void tg_cputime(struct thread_group *tg, uint64_t *user_ns, uint64_t *sys_ns)
{
    struct task *t;
    struct mm *counted = NULL;

    *user_ns = tg->utime_ns;
    *sys_ns = tg->stime_ns;
    list_for_each_entry(t, &tg->tasks, tg_link)
    {
        if (t->state == TASK_DEAD)
            continue;
        if (t->mmt.mm && t->mmt.mm != counted) {
            *user_ns += mm_cpu_ns(t->mmt.mm);
            counted = t->mmt.mm;
        }
        *sys_ns += t->stime_ns + task_host_cpu_ns(t);
    }
}

void task_account_exit(struct task *t, bool last_of_mm)
{
    t->stime_ns += task_host_cpu_ns(t);
    t->tg->stime_ns += t->stime_ns;
    if (last_of_mm)
        t->tg->utime_ns += mm_cpu_ns(t->mmt.mm);
}

/* --- ITIMER_REAL --- */

static void timer_fire(struct thread_group *tg, uint64_t now)
{
    struct itimer *it = &tg->itimer_real;
    struct linux_siginfo info;

    if (it->interval_ns) {
        it->deadline_ns += it->interval_ns;
        if (it->deadline_ns <= now) /* overruns are dropped, as for Linux itimers */
            it->deadline_ns = now + it->interval_ns;
    } else {
        it->deadline_ns = 0;
    }
    signal_info_kill(&info, LINUX_SIGALRM, LINUX_SI_KERNEL, NULL);
    (void)signal_send_tg(tg, &info);
}

static struct list_head g_ktimers = LIST_HEAD_INIT(g_ktimers); /* armed; Protected by lock */

void ktimer_arm(struct ktimer *kt, uint64_t deadline_ns)
{
    if (kt->armed)
        list_del(&kt->link);
    kt->deadline_ns = deadline_ns;
    kt->armed = true;
    list_add_tail(&kt->link, &g_ktimers);
    if (g_timer_started)
        pthread_cond_signal(&g_timer_cond);
}

void ktimer_cancel(struct ktimer *kt)
{
    if (kt->armed) {
        list_del(&kt->link);
        kt->armed = false;
    }
}

/* Fire the kernel timers that are due; returns the earliest remaining deadline. */
static uint64_t ktimer_scan_locked(uint64_t now)
{
    uint64_t next = UINT64_MAX;
    bool fired;
    do { /* a fire callback may re-arm or cancel timers: rescan after each */
        fired = false;
        struct ktimer *kt, *n;
        list_for_each_entry_safe(kt, n, &g_ktimers, link)
        {
            if (kt->deadline_ns <= now) {
                list_del(&kt->link);
                kt->armed = false;
                kt->fire(kt, now);
                fired = true;
                break;
            }
        }
    } while (fired);
    struct ktimer *kt;
    list_for_each_entry(kt, &g_ktimers, link)
    {
        if (kt->deadline_ns < next)
            next = kt->deadline_ns;
    }
    return next;
}

/* Fire what is due; return the next deadline (UINT64_MAX if none). Caller holds the lock. */
static uint64_t timer_scan_locked(void)
{
    uint64_t now = kernel_now_ns();
    uint64_t next = ktimer_scan_locked(now);
    struct task *t;

    list_for_each_entry(t, &g_kernel.tasks, klink)
    {
        struct itimer *it = &t->tg->itimer_real;
        if (it->deadline_ns && it->deadline_ns <= now && !t->tg->exiting)
            timer_fire(t->tg, now);
        if (it->deadline_ns && it->deadline_ns < next)
            next = it->deadline_ns;
    }
    return next;
}

static void *timer_main(void *arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);

    cv_lock_site = LOCK_SITE_TIMER;
    kernel_lock();
    for (;;) {
        uint64_t next = timer_scan_locked();
        if (next == UINT64_MAX) {
            kernel_cond_wait(&g_timer_cond);
        } else {
            struct timespec ts = timekeeper_host_deadline(next);
            kernel_cond_timedwait(&g_timer_cond, &ts);
        }
    }
    return NULL;
}

/* Keeps the time page calibrated. */
static void timekeeper_fire(struct ktimer *kt, uint64_t now)
{
    ktimer_arm(kt, now + timekeeper_update());
}

static struct ktimer g_timekeeper_timer = {.fire = timekeeper_fire};

void timer_init(void)
{
    pthread_condattr_t attr;
    pthread_t th;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&g_timer_cond, &attr);
    pthread_condattr_destroy(&attr);
    uint64_t next = timekeeper_start();
    kernel_lock();
    ktimer_arm(&g_timekeeper_timer, kernel_now_ns() + next);
    kernel_unlock();
    int ret = pthread_create(&th, NULL, timer_main, NULL);
    if (ret != 0) {
        log_error("cannot start the timer thread: %s", strerror(ret));
        return;
    }
    pthread_detach(th);
    g_timer_started = true;
}

void timer_itimer_real_get(struct thread_group *tg, uint64_t *value_ns, uint64_t *interval_ns)
{
    const struct itimer *it = &tg->itimer_real;
    uint64_t now = kernel_now_ns();

    *interval_ns = it->interval_ns;
    if (!it->deadline_ns)
        *value_ns = 0;
    else
        *value_ns = it->deadline_ns > now ? it->deadline_ns - now : NSEC_PER_USEC;
}

void timer_itimer_real_set(struct thread_group *tg, uint64_t value_ns, uint64_t interval_ns,
                           uint64_t *old_value_ns, uint64_t *old_interval_ns)
{
    uint64_t ov, oi;

    timer_itimer_real_get(tg, &ov, &oi);
    if (old_value_ns)
        *old_value_ns = ov;
    if (old_interval_ns)
        *old_interval_ns = oi;
    tg->itimer_real.deadline_ns = value_ns ? deadline_after(value_ns) : 0;
    tg->itimer_real.interval_ns = value_ns ? interval_ns : 0;
    if (g_timer_started)
        pthread_cond_signal(&g_timer_cond);
}

void timer_tg_exit(struct thread_group *tg)
{
    tg->itimer_real.deadline_ns = 0;
    tg->itimer_real.interval_ns = 0;
}
