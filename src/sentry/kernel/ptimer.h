// SPDX-License-Identifier: Apache-2.0
/*
 * POSIX per-process timers (timer_create(2) and friends): timers of a thread group on the
 * realtime, monotonic, boottime, TAI and CPU-time clocks that send a signal (or nothing) at
 * each expiry. They fire from the timer thread through a struct ktimer (timer.h); a queued
 * timer signal counts further expiries as overruns until it is dequeued (Linux's deferred
 * re-arm), so a fast periodic timer costs one signal per delivery, not one per period.
 *
 * Locking: everything is protected by the kernel lock; every function requires it.
 */
#pragma once

#include <stdint.h>

struct task;
struct thread_group;

#define LINUX_SIGEV_SIGNAL 0
#define LINUX_SIGEV_NONE 1
#define LINUX_SIGEV_THREAD 2
#define LINUX_SIGEV_THREAD_ID 4
#define LINUX_TIMER_ABSTIME 1

/* How a timer notifies: the kernel's view of struct sigevent. */
struct ptimer_event {
    int notify; /* LINUX_SIGEV_* */
    int signo;
    uint64_t value; /* si_value */
    int tid;        /* SIGEV_THREAD_ID target */
};

/* A timer's setting, in ns of its clock: @value_ns 0 is disarmed. */
struct ptimer_spec {
    uint64_t value_ns;
    uint64_t interval_ns;
};

/* Create a timer of @t's thread group on Linux clock @clockid notifying as @ev (NULL: SIGALRM
 * with si_value the timer id). Returns the new id, -EINVAL (bad clock, event or thread),
 * -EOPNOTSUPP (clocks without timers: _RAW, _COARSE, and _ALARM as on Linux without an RTC),
 * -EAGAIN (too many timers) or -ENOMEM. */
int ptimer_create(struct task *t, int clockid, const struct ptimer_event *ev);

/* Arm timer @id (relative, or at the clock's absolute time with LINUX_TIMER_ABSTIME in
 * @flags) or disarm it (value 0); the previous setting goes to *@old. Returns 0 or -EINVAL. */
int ptimer_settime(struct task *t, int id, int flags, const struct ptimer_spec *spec,
                   struct ptimer_spec *old);

/* Time to the next expiry and interval of timer @id. Returns 0 or -EINVAL. */
int ptimer_gettime(struct task *t, int id, struct ptimer_spec *cur);

/* Overruns of the last delivered signal of timer @id, or -EINVAL. */
int ptimer_getoverrun(struct task *t, int id);

/* Delete timer @id. Returns 0 or -EINVAL. */
int ptimer_delete(struct task *t, int id);

/* Delete every timer of @tg (exec, exit). */
void ptimer_tg_exit(struct thread_group *tg);
