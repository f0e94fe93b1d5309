// SPDX-License-Identifier: Apache-2.0
/*
 * Time and timers: conversions for the guest's timespec/timeval, task sleeps, CPU-time
 * accounting helpers and the interval timers (setitimer ITIMER_REAL, alarm), which fire
 * from one timer host thread that sends SIGALRM.
 *
 * Locking: everything is protected by the kernel lock, except where a function says so.
 * The timer thread takes the kernel lock to fire timers.
 */
#pragma once

#include "common/list.h"

#include <stdbool.h>
#include <stdint.h>

#include "abi/linux/stat.h" /* struct linux_timespec */

struct task;
struct thread_group;

#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_USEC 1000ULL
#define CLOCK_TICKS_PER_SEC 100 /* USER_HZ */

/* The guest's struct timeval (x86-64). */
struct linux_timeval {
    int64_t tv_sec;
    int64_t tv_usec;
};

/* Convert a guest timespec to nanoseconds. Returns 0, or -EINVAL for a negative or
 * out-of-range value. Saturates at UINT64_MAX / 2 for huge seconds. */
int timespec_to_ns(const struct linux_timespec *ts, uint64_t *ns);
struct linux_timespec ns_to_timespec(uint64_t ns);
/* Same for timeval (usec in [0, 1e6)). */
int timeval_to_ns(const struct linux_timeval *tv, uint64_t *ns);
struct linux_timeval ns_to_timeval(uint64_t ns);

/* CLOCK_MONOTONIC deadline @rel_ns from now, saturating (never 0). */
uint64_t deadline_after(uint64_t rel_ns);

/* Host CLOCK_REALTIME in ns. Safe without the kernel lock. */
uint64_t timer_realtime_ns(void);

/* Sleep until CLOCK_MONOTONIC @deadline_ns. Returns 0 at the deadline or -EINTR when a
 * signal is pending. Caller holds the kernel lock (released while sleeping). */
int task_sleep_until(struct task *t, uint64_t deadline_ns);

/* CPU time used by @t (user and system), and by the live and exited threads of @tg.
 * COMPAT: user time is what the platform accounts in task->utime_ns plus the host CPU time
 * of the task's Sentry thread; system time is task->stime_ns. Caller holds the kernel lock. */
void task_cputime(struct task *t, uint64_t *user_ns, uint64_t *sys_ns);
void tg_cputime(struct thread_group *tg, uint64_t *user_ns, uint64_t *sys_ns);

/* Start the timer thread. Called once at boot, before any task runs. */
void timer_init(void);

/* A one-shot kernel timer, fired by the timer thread with the kernel lock held. Re-arm from
 * @fire for periodic timers. */
struct ktimer {
    struct list_head link;   /* on the armed list while armed */
    uint64_t deadline_ns;    /* CLOCK_MONOTONIC */
    bool armed;
    void (*fire)(struct ktimer *kt, uint64_t now_ns);
};
/* (Re)arm @kt at @deadline_ns. Caller holds the kernel lock. */
void ktimer_arm(struct ktimer *kt, uint64_t deadline_ns);
/* Disarm @kt if armed. Caller holds the kernel lock. */
void ktimer_cancel(struct ktimer *kt);

/* Fold the CPU time of exiting @t into its thread group; with @last_of_mm, also the app time
 * of its address space (the process exits or execs). Caller holds the kernel lock. */
void task_account_exit(struct task *t, bool last_of_mm);

/* Arm ITIMER_REAL of @tg to fire after @value_ns (0 disarms), then every @interval_ns;
 * the previous setting goes to *@old_value_ns / *@old_interval_ns (may be NULL).
 * Caller holds the kernel lock. */
void timer_itimer_real_set(struct thread_group *tg, uint64_t value_ns, uint64_t interval_ns,
                           uint64_t *old_value_ns, uint64_t *old_interval_ns);
/* Remaining time and interval of ITIMER_REAL (remaining is at least 1 us when armed, as
 * Linux). Caller holds the kernel lock. */
void timer_itimer_real_get(struct thread_group *tg, uint64_t *value_ns, uint64_t *interval_ns);

/* @tg is exiting: disarm and forget its timers. Caller holds the kernel lock. */
void timer_tg_exit(struct thread_group *tg);
