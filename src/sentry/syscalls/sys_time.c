// SPDX-License-Identifier: Apache-2.0
/*
 * Time system calls: clock_gettime/getres/settime, gettimeofday, settimeofday, time,
 * nanosleep, clock_nanosleep, alarm, setitimer/getitimer and times. The wall, monotonic,
 * boot and TAI clocks are the timekeeper's (the same the app's vDSO reads); MONOTONIC_RAW is
 * the host's. The interval timer thread is in kernel/timer.c.
 */
#include <errno.h>
#include <time.h>

#include "abi/linux/errno.h"
#include "abi/linux/stat.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/timer.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/time/timekeeper.h"

#define LINUX_CLOCK_REALTIME 0
#define LINUX_CLOCK_MONOTONIC 1
#define LINUX_CLOCK_PROCESS_CPUTIME_ID 2
#define LINUX_CLOCK_THREAD_CPUTIME_ID 3
#define LINUX_CLOCK_MONOTONIC_RAW 4
#define LINUX_CLOCK_REALTIME_COARSE 5
#define LINUX_CLOCK_MONOTONIC_COARSE 6
#define LINUX_CLOCK_BOOTTIME 7
#define LINUX_CLOCK_TAI 11
#define LINUX_TIMER_ABSTIME 1

#define ITIMER_REAL_ 0
#define ITIMER_VIRTUAL_ 1
#define ITIMER_PROF_ 2

struct linux_itimerval {
    struct linux_timeval it_interval;
    struct linux_timeval it_value;
};

struct linux_tms {
    int64_t tms_utime, tms_stime, tms_cutime, tms_cstime;
};

/* The host clock serving a guest wall/monotonic clock id, or -1. */
static int host_clock(int id)
{
    switch (id) {
    case LINUX_CLOCK_REALTIME:
        return CLOCK_REALTIME;
    case LINUX_CLOCK_MONOTONIC:
        return CLOCK_MONOTONIC;
    case LINUX_CLOCK_MONOTONIC_RAW:
        return CLOCK_MONOTONIC_RAW;
    case LINUX_CLOCK_REALTIME_COARSE:
        return CLOCK_REALTIME_COARSE;
    case LINUX_CLOCK_MONOTONIC_COARSE:
        return CLOCK_MONOTONIC_COARSE;
    case LINUX_CLOCK_BOOTTIME:
        return CLOCK_BOOTTIME;
    case LINUX_CLOCK_TAI:
        return CLOCK_TAI;
    default:
        return -1;
    }
}

static uint64_t host_clock_ns(int hc)
{
    struct timespec ts;
    clock_gettime(hc, &ts);
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* A CPU-time clock id: the two constants or a clock_getcpuclockid() encoding (negative:
 * ~pid << 3 | per-thread bit 4 | which 0..2). Returns 0 with the time or -EINVAL. */
static int do_cpu_clock(struct task *t, int id, uint64_t *ns)
{
    uint64_t u, s;

    if (id == LINUX_CLOCK_PROCESS_CPUTIME_ID)
        id = -8 | 2; /* (~pid << 3) for pid 0, process, SCHED */
    else if (id == LINUX_CLOCK_THREAD_CPUTIME_ID)
        id = -8 | 4 | 2;
    if (id >= 0 || (id & 3) == 3)
        return -EINVAL;
    int pid = ~(id >> 3);
    if (id & 4) {
        struct task *target = pid ? task_find(pid) : t;
        if (!target || target->tg != t->tg)
            return -EINVAL;
        task_cputime(target, &u, &s);
    } else {
        struct thread_group *tg = pid ? tg_find(pid) : t->tg;
        if (!tg)
            return -EINVAL;
        tg_cputime(tg, &u, &s);
    }
    *ns = (id & 3) == 1 ? u : u + s; /* VIRT: user only; PROF and SCHED: both */
    return 0;
}

/* The time of clock @id. Returns 0 or -EINVAL. */
static int do_clock_now(struct task *t, int id, uint64_t *ns)
{
    int hc = host_clock(id);
    if (hc == CLOCK_MONOTONIC_RAW) {
        *ns = host_clock_ns(hc);
        return 0;
    }
    if (hc >= 0) {
        *ns = timekeeper_now_ns(id);
        return 0;
    }
    return do_cpu_clock(t, id, ns);
}

long sys_clock_gettime(struct task *t, const struct syscall_args *a)
{
    uint64_t ns;

    int ret = do_clock_now(t, arg_int(a, 0), &ns);
    if (ret < 0)
        return ret;
    struct linux_timespec ts = ns_to_timespec(ns);
    return copy_out(t, arg_addr(a, 1), &ts, sizeof(ts)) < 0 ? -EFAULT : 0;
}

long sys_clock_getres(struct task *t, const struct syscall_args *a)
{
    int id = arg_int(a, 0);
    int hc = host_clock(id);
    struct linux_timespec res = {0, 1};
    uint64_t ns;

    if (hc < 0) {
        int ret = do_cpu_clock(t, id, &ns);
        if (ret < 0)
            return ret;
    } else if (id == LINUX_CLOCK_REALTIME_COARSE || id == LINUX_CLOCK_MONOTONIC_COARSE) {
        struct timespec hres;
        if (clock_getres(hc, &hres) == 0) {
            res.tv_sec = hres.tv_sec;
            res.tv_nsec = hres.tv_nsec;
        }
    }
    gaddr_t ures = arg_addr(a, 1);
    if (ures && copy_out(t, ures, &res, sizeof(res)) < 0)
        return -EFAULT;
    return 0;
}

long sys_clock_settime(struct task *t, const struct syscall_args *a)
{
    int id = arg_int(a, 0);
    struct linux_timespec ts;
    uint64_t ns;

    /* Only CLOCK_REALTIME has a setter (current Linux has none for the CPU clocks); the
     * others are EINVAL before the time is read. */
    if (id != LINUX_CLOCK_REALTIME)
        return -EINVAL;
    if (copy_in(t, arg_addr(a, 1), &ts, sizeof(ts)) < 0)
        return -EFAULT;
    if (timespec_to_ns(&ts, &ns) < 0)
        return -EINVAL;
    /* CAP_SYS_TIME; COMPAT: the sandbox never sets the clock, so root gets EPERM too. */
    return -EPERM;
}

long sys_gettimeofday(struct task *t, const struct syscall_args *a)
{
    gaddr_t utv = arg_addr(a, 0);
    gaddr_t utz = arg_addr(a, 1);

    if (utv) {
        struct linux_timeval tv = ns_to_timeval(timer_realtime_ns());
        if (copy_out(t, utv, &tv, sizeof(tv)) < 0)
            return -EFAULT;
    }
    if (utz) {
        int32_t tz[2] = {0, 0}; /* tz_minuteswest, tz_dsttime: UTC, as the kernel's default */
        if (copy_out(t, utz, tz, sizeof(tz)) < 0)
            return -EFAULT;
    }
    return 0;
}

long sys_settimeofday(struct task *t, const struct syscall_args *a)
{
    gaddr_t utv = arg_addr(a, 0);
    struct linux_timeval tv;
    uint64_t ns;

    gaddr_t utz = arg_addr(a, 1);
    int32_t tz[2]; /* tz_minuteswest, tz_dsttime */

    if (utv) {
        if (copy_in(t, utv, &tv, sizeof(tv)) < 0)
            return -EFAULT;
        if (timeval_to_ns(&tv, &ns) < 0)
            return -EINVAL;
    }
    if (utz && copy_in(t, utz, tz, sizeof(tz)) < 0)
        return -EFAULT;
    /* CAP_SYS_TIME, even with nothing to set; COMPAT: EPERM for root too (see above). */
    return -EPERM;
}

long sys_time(struct task *t, const struct syscall_args *a)
{
    int64_t now = (int64_t)(timer_realtime_ns() / NSEC_PER_SEC);
    gaddr_t tloc = arg_addr(a, 0);

    if (tloc && copy_out(t, tloc, &now, sizeof(now)) < 0)
        return -EFAULT;
    return now;
}

/* --- sleeping --- */

enum { NS_DEADLINE, NS_REM };

static long do_sleep_rel(struct task *t, uint64_t deadline, gaddr_t urem);

static long nanosleep_restart(struct task *t)
{
    t->restart_fn = NULL;
    return do_sleep_rel(t, t->restart_data[NS_DEADLINE], t->restart_data[NS_REM]);
}

/* A relative sleep to @deadline: on a signal, report the remaining time to @urem and arm
 * restart_syscall to finish the same sleep (Linux hrtimer_nanosleep_restart). */
static long do_sleep_rel(struct task *t, uint64_t deadline, gaddr_t urem)
{
    if (task_sleep_until(t, deadline) == 0)
        return 0;
    if (urem) {
        uint64_t now = kernel_now_ns();
        struct linux_timespec rem = ns_to_timespec(deadline > now ? deadline - now : 0);
        if (copy_out(t, urem, &rem, sizeof(rem)) < 0)
            return -EFAULT;
    }
    t->restart_data[NS_DEADLINE] = deadline;
    t->restart_data[NS_REM] = urem;
    t->restart_fn = nanosleep_restart;
    return -LINUX_ERESTART_RESTARTBLOCK;
}

long sys_nanosleep(struct task *t, const struct syscall_args *a)
{
    struct linux_timespec ts;
    uint64_t ns;

    if (copy_in(t, arg_addr(a, 0), &ts, sizeof(ts)) < 0)
        return -EFAULT;
    if (timespec_to_ns(&ts, &ns) < 0)
        return -EINVAL;
    return do_sleep_rel(t, deadline_after(ns), arg_addr(a, 1));
}

/* Check that clock_nanosleep can sleep on @id; *@hc gets the host clock whose absolute
 * times it uses (-1: CPU clocks, approximated). */
static int do_nsleep_clock(struct task *t, int id, int *hc)
{
    uint64_t ns;

    switch (id) {
    case LINUX_CLOCK_REALTIME:
    case LINUX_CLOCK_MONOTONIC:
    case LINUX_CLOCK_BOOTTIME:
    case LINUX_CLOCK_TAI:
        *hc = host_clock(id);
        return 0;
    case LINUX_CLOCK_MONOTONIC_RAW:
    case LINUX_CLOCK_REALTIME_COARSE:
    case LINUX_CLOCK_MONOTONIC_COARSE:
        return -EOPNOTSUPP;
    case LINUX_CLOCK_THREAD_CPUTIME_ID:
        return -EOPNOTSUPP; /* Linux's thread CPU clock has no nanosleep */
    default:
        if (id != LINUX_CLOCK_PROCESS_CPUTIME_ID && (id >= 0 || (id & 4)))
            return -EINVAL;
        *hc = -1;
        return do_cpu_clock(t, id, &ns);
    }
}

long sys_clock_nanosleep(struct task *t, const struct syscall_args *a)
{
    int id = arg_int(a, 0);
    int flags = arg_int(a, 1);
    struct linux_timespec ts;
    uint64_t ns;
    int hc;

    int ret = do_nsleep_clock(t, id, &hc);
    if (ret < 0)
        return ret;
    if (copy_in(t, arg_addr(a, 2), &ts, sizeof(ts)) < 0)
        return -EFAULT;
    if (timespec_to_ns(&ts, &ns) < 0)
        return -EINVAL;
    if (!(flags & LINUX_TIMER_ABSTIME))
        return do_sleep_rel(t, deadline_after(ns), arg_addr(a, 3));

    /* COMPAT: an absolute CPU-clock sleep is measured on CLOCK_MONOTONIC from the clock's
     * current value; absolute wall-clock sleeps are converted to CLOCK_MONOTONIC once. */
    uint64_t now;
    if (hc >= 0)
        now = host_clock_ns(hc);
    else if (do_cpu_clock(t, id, &now) < 0)
        return -EINVAL;
    if (ns <= now)
        return 0;
    if (task_sleep_until(t, deadline_after(ns - now)) == 0)
        return 0;
    return -LINUX_ERESTARTNOHAND;
}

/* --- interval timers --- */

long sys_alarm(struct task *t, const struct syscall_args *a)
{
    uint64_t secs = arg_uint(a, 0);
    uint64_t old, oi;

    timer_itimer_real_set(t->tg, secs * NSEC_PER_SEC, 0, &old, &oi);
    uint64_t ret = old / NSEC_PER_SEC;
    uint64_t frac = old % NSEC_PER_SEC;
    /* Round to the nearest second, never reporting 0 for a pending alarm (Linux). */
    if ((!ret && frac) || frac >= NSEC_PER_SEC / 2)
        ret++;
    return (long)ret;
}

long sys_getitimer(struct task *t, const struct syscall_args *a)
{
    int which = arg_int(a, 0);
    struct linux_itimerval v = {{0, 0}, {0, 0}};
    uint64_t value, interval;

    if (which != ITIMER_REAL_ && which != ITIMER_VIRTUAL_ && which != ITIMER_PROF_)
        return -EINVAL;
    if (which == ITIMER_REAL_) {
        timer_itimer_real_get(t->tg, &value, &interval);
        v.it_value = ns_to_timeval(value);
        v.it_interval = ns_to_timeval(interval);
    }
    return copy_out(t, arg_addr(a, 1), &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

long sys_setitimer(struct task *t, const struct syscall_args *a)
{
    int which = arg_int(a, 0);
    gaddr_t unew = arg_addr(a, 1);
    gaddr_t uold = arg_addr(a, 2);
    struct linux_itimerval nv = {{0, 0}, {0, 0}}, ov = {{0, 0}, {0, 0}};
    uint64_t value, interval, oval, oint;

    /* A NULL new value disarms, as Linux still accepts. */
    if (unew && copy_in(t, unew, &nv, sizeof(nv)) < 0)
        return -EFAULT;
    if (timeval_to_ns(&nv.it_value, &value) < 0 || timeval_to_ns(&nv.it_interval, &interval) < 0)
        return -EINVAL;
    switch (which) {
    case ITIMER_REAL_:
        timer_itimer_real_set(t->tg, value, interval, &oval, &oint);
        ov.it_value = ns_to_timeval(oval);
        ov.it_interval = ns_to_timeval(oint);
        break;
    case ITIMER_VIRTUAL_:
    case ITIMER_PROF_:
        /* COMPAT: accepted but inert: CPU-time timers never fire and read back as 0. */
        break;
    default:
        return -EINVAL;
    }
    if (uold && copy_out(t, uold, &ov, sizeof(ov)) < 0)
        return -EFAULT;
    return 0;
}

long sys_times(struct task *t, const struct syscall_args *a)
{
    gaddr_t ubuf = arg_addr(a, 0);
    const uint64_t tick = NSEC_PER_SEC / CLOCK_TICKS_PER_SEC;

    if (ubuf) {
        uint64_t u, s;
        tg_cputime(t->tg, &u, &s);
        struct linux_tms tms = {(int64_t)(u / tick), (int64_t)(s / tick),
                                (int64_t)(t->tg->cutime_ns / tick),
                                (int64_t)(t->tg->cstime_ns / tick)};
        if (copy_out(t, ubuf, &tms, sizeof(tms)) < 0)
            return -EFAULT;
    }
    return (long)(kernel_now_ns() / tick);
}

void sys_time_register(void)
{
    SYSCALL_REG(
        LINUX_NR_clock_gettime,
        SYS_PARTIAL(clock_gettime, "CPU-time clocks are approximations; alarm clocks EINVAL"));
    SYSCALL_REG(LINUX_NR_clock_getres, SYS_SUPPORTED(clock_getres));
    SYSCALL_REG(LINUX_NR_clock_settime, SYS_PARTIAL(clock_settime, "EPERM: no CAP_SYS_TIME"));
    SYSCALL_REG(LINUX_NR_gettimeofday, SYS_SUPPORTED(gettimeofday));
    SYSCALL_REG(LINUX_NR_settimeofday, SYS_PARTIAL(settimeofday, "EPERM: no CAP_SYS_TIME"));
    SYSCALL_REG(LINUX_NR_time, SYS_SUPPORTED(time));
    SYSCALL_REG(LINUX_NR_nanosleep, SYS_SUPPORTED(nanosleep));
    SYSCALL_REG(LINUX_NR_clock_nanosleep,
                SYS_PARTIAL(clock_nanosleep, "CPU-time clocks sleep on CLOCK_MONOTONIC"));
    SYSCALL_REG(LINUX_NR_alarm, SYS_SUPPORTED(alarm));
    SYSCALL_REG(LINUX_NR_getitimer, SYS_PARTIAL(getitimer, "ITIMER_VIRTUAL/PROF read as 0"));
    SYSCALL_REG(LINUX_NR_setitimer,
                SYS_PARTIAL(setitimer, "ITIMER_VIRTUAL/PROF accepted but never fire"));
    SYSCALL_REG(LINUX_NR_times, SYS_PARTIAL(times, "CPU times are approximations"));
}
