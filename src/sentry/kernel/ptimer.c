// SPDX-License-Identifier: Apache-2.0
/*
 * POSIX per-process timers. A timer on a wall clock keeps its next expiry as a guest
 * CLOCK_MONOTONIC deadline (absolute CLOCK_REALTIME/TAI times are converted when set); a
 * CPU-time timer keeps it in ns of its CPU clock and polls that clock from the timer thread.
 * Each expiry queues the timer's own signal entry (signal_owner); while that entry is queued
 * a periodic timer is not re-armed, and the expiries it missed are counted when the entry is
 * dequeued (si_overrun, timer_getoverrun), as Linux's posixtimer_rearm.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/list.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/ptimer.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/timer.h"
#include "sentry/time/timekeeper.h"

#define CLK_REALTIME 0
#define CLK_MONOTONIC 1
#define CLK_PROCESS_CPUTIME_ID 2
#define CLK_THREAD_CPUTIME_ID 3
#define CLK_MONOTONIC_RAW 4
#define CLK_REALTIME_COARSE 5
#define CLK_MONOTONIC_COARSE 6
#define CLK_BOOTTIME 7
#define CLK_REALTIME_ALARM 8
#define CLK_BOOTTIME_ALARM 9
#define CLK_TAI 11

#define PTIMER_MAX 32768              /* per process, below RLIMIT_SIGPENDING */
#define PTIMER_CPU_POLL_NS 1000000ULL /* shortest CPU-clock poll */
#define PTIMER_IGNORED_NS 4000000ULL  /* re-arm delay of an ignored periodic timer (a tick) */
#define NS_SAT (UINT64_MAX / 2)

struct ptimer {
    struct list_head link; /* in tg->ptimers */
    struct thread_group *tg;
    int id;
    int clockid; /* a wall clock, or a CPU clock (cpu_pid, cpu_thread, cpu_which) */
    bool cpu;
    bool cpu_thread; /* CPU time of thread cpu_pid, else of process cpu_pid */
    int cpu_pid;
    int cpu_which; /* 0 PROF, 1 VIRT (user only), 2 SCHED */
    struct ptimer_event ev;
    struct ktimer kt;     /* fires the next expiry (or the next CPU-clock poll) */
    uint64_t deadline_ns; /* next expiry: guest CLOCK_MONOTONIC or CPU ns; 0 = disarmed */
    uint64_t interval_ns;
    bool rearm_pending; /* periodic, its signal queued: re-arm when it is dequeued */
    int overrun;        /* expiries while the signal was queued */
    int overrun_last;   /* of the last delivered signal (timer_getoverrun) */
    struct signal_owner sig;
};

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a >= NS_SAT - b ? NS_SAT : a + b;
}

static int int_sat(uint64_t v)
{
    return v > INT_MAX ? INT_MAX : (int)v;
}

/* CPU time of @pt's clock, or false if its thread or process is gone. */
static bool ptimer_cpu_now(const struct ptimer *pt, uint64_t *ns)
{
    uint64_t u, s;

    if (pt->cpu_thread) {
        struct task *target = task_find(pt->cpu_pid);
        if (!target || target->state == TASK_DEAD)
            return false;
        task_cputime(target, &u, &s);
    } else {
        struct thread_group *tg = tg_find(pt->cpu_pid);
        if (!tg || tg->zombie)
            return false;
        tg_cputime(tg, &u, &s);
    }
    *ns = pt->cpu_which == 1 ? u : u + s;
    return true;
}

/* Now on @pt's clock: guest CLOCK_MONOTONIC for wall clocks. */
static uint64_t ptimer_now(const struct ptimer *pt)
{
    uint64_t ns = 0;

    if (!pt->cpu)
        return kernel_now_ns();
    (void)ptimer_cpu_now(pt, &ns);
    return ns;
}

/* First expiry after @now of a periodic timer due at @deadline; *@missed gets the expiries
 * in (@deadline, @now]. */
static uint64_t ptimer_forward(const struct ptimer *pt, uint64_t now, uint64_t *missed)
{
    uint64_t k = now > pt->deadline_ns ? (now - pt->deadline_ns) / pt->interval_ns : 0;

    *missed = k;
    if (pt->deadline_ns >= NS_SAT || k + 1 > (NS_SAT - pt->deadline_ns) / pt->interval_ns)
        return NS_SAT;
    return pt->deadline_ns + (k + 1) * pt->interval_ns;
}

/* Arm the kernel timer for @pt's next expiry (or CPU-clock poll). */
static void ptimer_arm_kt(struct ptimer *pt)
{
    if (pt->ev.notify == LINUX_SIGEV_NONE || !pt->deadline_ns) {
        ktimer_cancel(&pt->kt); /* SIGEV_NONE timers are only read (Linux) */
        return;
    }
    if (!pt->cpu) {
        ktimer_arm(&pt->kt, pt->deadline_ns);
        return;
    }
    uint64_t now;
    if (!ptimer_cpu_now(pt, &now)) {
        ktimer_cancel(&pt->kt); /* the clock's thread or process is gone: never fires */
        return;
    }
    /* CPU time grows at most as fast as the wall clock per running thread. */
    uint64_t left = pt->deadline_ns > now ? pt->deadline_ns - now : 0;
    if (!pt->cpu_thread) {
        struct thread_group *tg = tg_find(pt->cpu_pid);
        if (tg && tg->nr_live > 1)
            left /= (uint64_t)tg->nr_live;
    }
    ktimer_arm(&pt->kt, deadline_after(left > PTIMER_CPU_POLL_NS ? left : PTIMER_CPU_POLL_NS));
}

/* The signal of an expiry of @pt: 0 if queued, 1 if dropped, or -errno. */
static int ptimer_send(struct ptimer *pt)
{
    struct linux_siginfo info = {0};

    info.signo = pt->ev.signo;
    info.code = LINUX_SI_TIMER;
    info.timer.tid = pt->id;
    info.timer.value = pt->ev.value;
    if (pt->ev.notify != LINUX_SIGEV_THREAD_ID)
        return signal_send_tg_owned(pt->tg, &info, &pt->sig);
    struct task *target = task_find(pt->ev.tid);
    if (!target || target->tg != pt->tg)
        return 1; /* the thread exited: the signal is lost (Linux) */
    return signal_send_task_owned(target, &info, &pt->sig);
}

/* An expiry of @pt at @now (on its clock). */
static void ptimer_expire(struct ptimer *pt, uint64_t now)
{
    if (pt->sig.entry) {
        /* The last signal is still queued (re-set timer): count this expiry on it. */
        pt->overrun = int_sat((uint64_t)pt->overrun + 1);
        pt->rearm_pending = pt->interval_ns != 0;
        if (!pt->interval_ns)
            pt->deadline_ns = 0;
        return;
    }
    int ret = ptimer_send(pt);
    if (!pt->interval_ns) {
        pt->deadline_ns = 0;
        return;
    }
    if (ret == 0) {
        pt->rearm_pending = true;
        return;
    }
    /* Ignored or lost: keep the period, but at most one try per tick (Linux). */
    uint64_t missed;
    pt->deadline_ns = ptimer_forward(pt, now, &missed);
    ptimer_arm_kt(pt);
    if (!pt->cpu && pt->kt.deadline_ns < now + PTIMER_IGNORED_NS)
        ktimer_arm(&pt->kt, now + PTIMER_IGNORED_NS);
}

static void ptimer_fire(struct ktimer *kt, uint64_t now)
{
    struct ptimer *pt = container_of(kt, struct ptimer, kt);

    if (pt->tg->exiting || !pt->deadline_ns)
        return;
    if (pt->cpu) {
        if (!ptimer_cpu_now(pt, &now))
            return;
        if (now < pt->deadline_ns) {
            ptimer_arm_kt(pt);
            return;
        }
    }
    ptimer_expire(pt, now);
}

/* The timer's signal leaves its queue: delivered with @info, or discarded (NULL). */
static void ptimer_dequeued(struct signal_owner *o, struct linux_siginfo *info)
{
    struct ptimer *pt = container_of(o, struct ptimer, sig);
    uint64_t overrun = (uint64_t)pt->overrun;

    pt->overrun = 0;
    if (pt->rearm_pending) {
        uint64_t missed;
        pt->rearm_pending = false;
        pt->deadline_ns = ptimer_forward(pt, ptimer_now(pt), &missed);
        overrun += missed;
        ptimer_arm_kt(pt);
    }
    if (info) {
        pt->overrun_last = int_sat(overrun);
        info->timer.overrun = pt->overrun_last;
    }
}

static struct ptimer *ptimer_find(struct thread_group *tg, int id)
{
    struct ptimer *pt;

    list_for_each_entry(pt, &tg->ptimers, link)
    {
        if (pt->id == id)
            return pt;
    }
    return NULL;
}

/* A non-CPU clock id: 0, -EINVAL (none such) or -EOPNOTSUPP (no timers on it). */
static int ptimer_wall_clock_check(int clockid)
{
    switch (clockid) {
    case CLK_REALTIME:
    case CLK_MONOTONIC:
    case CLK_BOOTTIME:
    case CLK_TAI:
    case CLK_REALTIME_ALARM: /* refused later, by the clock itself */
    case CLK_BOOTTIME_ALARM:
        return 0;
    case CLK_MONOTONIC_RAW:
    case CLK_REALTIME_COARSE:
    case CLK_MONOTONIC_COARSE:
        return -EOPNOTSUPP;
    default:
        return -EINVAL;
    }
}

/* Fill the clock of @pt from @clockid. Returns 0, -EINVAL or -EOPNOTSUPP. */
static int ptimer_set_clock(struct task *t, struct ptimer *pt, int clockid)
{
    pt->clockid = clockid;
    switch (clockid) {
    case CLK_REALTIME:
    case CLK_MONOTONIC:
    case CLK_BOOTTIME:
    case CLK_TAI:
        return 0;
    case CLK_MONOTONIC_RAW:
    case CLK_REALTIME_COARSE:
    case CLK_MONOTONIC_COARSE:
    case CLK_REALTIME_ALARM: /* COMPAT: as Linux without an RTC, which the sandbox lacks */
    case CLK_BOOTTIME_ALARM:
        return -EOPNOTSUPP;
    case CLK_PROCESS_CPUTIME_ID:
        clockid = -8 | 2; /* ~0 << 3: pid 0 (self), process, SCHED */
        break;
    case CLK_THREAD_CPUTIME_ID:
        clockid = -8 | 4 | 2;
        break;
    default:
        if (clockid >= 0)
            return -EINVAL;
    }
    /* A clock_getcpuclockid() encoding: ~pid << 3 | per-thread bit 4 | which 0..2. */
    if ((clockid & 3) == 3)
        return -EINVAL;
    int pid = ~(clockid >> 3);
    pt->cpu = true;
    pt->cpu_thread = clockid & 4;
    pt->cpu_which = clockid & 3;
    if (pt->cpu_thread) {
        struct task *target = pid ? task_find(pid) : t;
        if (!target || target->tg != t->tg)
            return -EINVAL;
        pt->cpu_pid = target->tid;
    } else {
        struct thread_group *tg = pid ? tg_find(pid) : t->tg;
        if (!tg)
            return -EINVAL;
        pt->cpu_pid = tg->pid;
    }
    return 0;
}

/* Check @ev as Linux's good_sigevent. */
static int ptimer_check_event(struct task *t, const struct ptimer_event *ev)
{
    switch (ev->notify) {
    case LINUX_SIGEV_THREAD_ID: {
        struct task *target = task_find(ev->tid);
        if (!target || target->tg != t->tg || target->state == TASK_DEAD)
            return -EINVAL;
    } /* fallthrough */
    case LINUX_SIGEV_SIGNAL:
    case LINUX_SIGEV_THREAD:
        return signal_valid(ev->signo) ? 0 : -EINVAL;
    case LINUX_SIGEV_NONE:
        return 0;
    default:
        return -EINVAL;
    }
}

/* A free timer id of @tg (ids count up and wrap, as Linux's). */
static int ptimer_alloc_id(struct thread_group *tg)
{
    for (;;) {
        int id = tg->ptimer_next_id;
        tg->ptimer_next_id = id == INT_MAX ? 0 : id + 1;
        if (!ptimer_find(tg, id))
            return id;
    }
}

int ptimer_create(struct task *t, int clockid, const struct ptimer_event *ev)
{
    struct thread_group *tg = t->tg;
    uint64_t max = task_rlimit_cur(t, RLIMIT_SIGPENDING);

    /* Linux's order: unknown clock, clock without timers, bad event, then per clock. */
    if (clockid >= 0 && clockid != CLK_PROCESS_CPUTIME_ID && clockid != CLK_THREAD_CPUTIME_ID) {
        int ret = ptimer_wall_clock_check(clockid);
        if (ret < 0)
            return ret;
    }
    if (ev && ptimer_check_event(t, ev) < 0)
        return -EINVAL;
    if (tg->nr_ptimers >= PTIMER_MAX || (uint64_t)tg->nr_ptimers >= max)
        return -EAGAIN;
    struct ptimer *pt = calloc(1, sizeof(*pt));
    if (!pt)
        return -EAGAIN;
    int ret = ptimer_set_clock(t, pt, clockid);
    if (ret < 0) {
        free(pt);
        return ret;
    }
    pt->tg = tg;
    pt->id = ptimer_alloc_id(tg);
    if (ev) {
        pt->ev = *ev;
    } else {
        pt->ev.notify = LINUX_SIGEV_SIGNAL;
        pt->ev.signo = LINUX_SIGALRM;
        pt->ev.value = (uint64_t)pt->id;
    }
    if (pt->ev.notify == LINUX_SIGEV_THREAD)
        pt->ev.notify = LINUX_SIGEV_SIGNAL; /* the C library runs the thread; we signal */
    pt->kt.fire = ptimer_fire;
    pt->sig.dequeued = ptimer_dequeued;
    list_add_tail(&pt->link, &tg->ptimers);
    tg->nr_ptimers++;
    return pt->id;
}

/* Remaining time of @pt at @now on its clock (0 disarmed; 1 ns once due, as Linux). */
static uint64_t ptimer_remaining(const struct ptimer *pt, uint64_t now)
{
    uint64_t next = pt->deadline_ns;

    if (!next)
        return 0;
    if (pt->interval_ns && now >= next &&
        (pt->rearm_pending || pt->ev.notify == LINUX_SIGEV_NONE)) {
        uint64_t missed;
        next = ptimer_forward(pt, now, &missed);
    }
    if (next > now)
        return next - now;
    return pt->ev.notify == LINUX_SIGEV_NONE ? 0 : 1;
}

int ptimer_gettime(struct task *t, int id, struct ptimer_spec *cur)
{
    struct ptimer *pt = ptimer_find(t->tg, id);
    if (!pt)
        return -EINVAL;
    cur->interval_ns = pt->interval_ns;
    cur->value_ns = ptimer_remaining(pt, ptimer_now(pt));
    return 0;
}

/* The deadline on @pt's clock base for a setting of @value_ns (absolute with @abs). */
static uint64_t ptimer_deadline(const struct ptimer *pt, bool abs, uint64_t value_ns)
{
    uint64_t now = ptimer_now(pt);

    if (!abs)
        return add_sat(now, value_ns);
    if (pt->cpu || pt->clockid == CLK_MONOTONIC || pt->clockid == CLK_BOOTTIME)
        return value_ns > 0 ? value_ns : 1;
    /* REALTIME, TAI: the same distance from now on the monotonic clock. COMPAT: the guest
     * cannot set its wall clock, so a later clock jump never moves the expiry. */
    uint64_t clk = timekeeper_now_ns(pt->clockid);
    return value_ns > clk ? add_sat(now, value_ns - clk) : now;
}

int ptimer_settime(struct task *t, int id, int flags, const struct ptimer_spec *spec,
                   struct ptimer_spec *old)
{
    struct ptimer *pt = ptimer_find(t->tg, id);
    if (!pt)
        return -EINVAL;
    if (old) {
        old->interval_ns = pt->interval_ns;
        old->value_ns = ptimer_remaining(pt, ptimer_now(pt));
    }
    /* A signal still queued stays queued but no longer re-arms the timer (Linux). */
    pt->rearm_pending = false;
    pt->overrun = 0;
    pt->overrun_last = 0;
    pt->interval_ns = spec->value_ns ? spec->interval_ns : 0;
    pt->deadline_ns = 0;
    if (spec->value_ns)
        pt->deadline_ns = ptimer_deadline(pt, flags & LINUX_TIMER_ABSTIME, spec->value_ns);
    ptimer_arm_kt(pt);
    return 0;
}

int ptimer_getoverrun(struct task *t, int id)
{
    struct ptimer *pt = ptimer_find(t->tg, id);
    return pt ? pt->overrun_last : -EINVAL;
}

static void ptimer_free(struct ptimer *pt)
{
    ktimer_cancel(&pt->kt);
    signal_owner_detach(&pt->sig);
    list_del(&pt->link);
    pt->tg->nr_ptimers--;
    free(pt);
}

int ptimer_delete(struct task *t, int id)
{
    struct ptimer *pt = ptimer_find(t->tg, id);
    if (!pt)
        return -EINVAL;
    ptimer_free(pt);
    return 0;
}

void ptimer_tg_exit(struct thread_group *tg)
{
    struct ptimer *pt, *n;

    list_for_each_entry_safe(pt, n, &tg->ptimers, link)
    {
        ptimer_free(pt);
    }
}
