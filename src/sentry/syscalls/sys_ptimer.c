// SPDX-License-Identifier: Apache-2.0
/*
 * timer_create(2), timer_settime(2), timer_gettime(2), timer_getoverrun(2) and
 * timer_delete(2): argument copying and Linux's errno order; the timers themselves are in
 * kernel/ptimer.c.
 */
#include <errno.h>

#include "sentry/kernel/ptimer.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/timer.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

/* The kernel's struct sigevent (64 bytes). */
struct linux_sigevent {
    uint64_t value;
    int32_t signo;
    int32_t notify;
    union {
        int32_t tid;
        int32_t pad[12];
    };
};
_Static_assert(sizeof(struct linux_sigevent) == 64, "sigevent is 64 bytes");

/* The kernel's struct itimerspec. */
struct linux_itimerspec {
    struct linux_timespec interval;
    struct linux_timespec value;
};

long sys_timer_create(struct task *t, const struct syscall_args *a)
{
    struct ptimer_event ev, *evp = NULL;

    if (arg_addr(a, 1)) {
        struct linux_sigevent se;
        if (copy_in(t, arg_addr(a, 1), &se, sizeof(se)) < 0)
            return -EFAULT;
        ev.notify = se.notify;
        ev.signo = se.signo;
        ev.value = se.value;
        ev.tid = se.tid;
        evp = &ev;
    }
    int id = ptimer_create(t, arg_int(a, 0), evp);
    if (id < 0)
        return id;
    if (copy_out(t, arg_addr(a, 2), &id, sizeof(id)) < 0) {
        (void)ptimer_delete(t, id);
        return -EFAULT;
    }
    return 0;
}

static struct linux_itimerspec spec_to_linux(const struct ptimer_spec *s)
{
    struct linux_itimerspec l = {ns_to_timespec(s->interval_ns), ns_to_timespec(s->value_ns)};
    return l;
}

long sys_timer_settime(struct task *t, const struct syscall_args *a)
{
    struct linux_itimerspec nv;
    struct ptimer_spec spec, old;

    if (!arg_addr(a, 2))
        return -EINVAL;
    if (copy_in(t, arg_addr(a, 2), &nv, sizeof(nv)) < 0)
        return -EFAULT;
    if (timespec_to_ns(&nv.interval, &spec.interval_ns) < 0 ||
        timespec_to_ns(&nv.value, &spec.value_ns) < 0)
        return -EINVAL;
    int ret = ptimer_settime(t, arg_int(a, 0), arg_int(a, 1), &spec, &old);
    if (ret < 0)
        return ret;
    if (arg_addr(a, 3)) {
        struct linux_itimerspec ov = spec_to_linux(&old);
        if (copy_out(t, arg_addr(a, 3), &ov, sizeof(ov)) < 0)
            return -EFAULT;
    }
    return 0;
}

long sys_timer_gettime(struct task *t, const struct syscall_args *a)
{
    struct ptimer_spec cur;

    int ret = ptimer_gettime(t, arg_int(a, 0), &cur);
    if (ret < 0)
        return ret;
    struct linux_itimerspec lv = spec_to_linux(&cur);
    return copy_out(t, arg_addr(a, 1), &lv, sizeof(lv)) < 0 ? -EFAULT : 0;
}

long sys_timer_getoverrun(struct task *t, const struct syscall_args *a)
{
    return ptimer_getoverrun(t, arg_int(a, 0));
}

long sys_timer_delete(struct task *t, const struct syscall_args *a)
{
    return ptimer_delete(t, arg_int(a, 0));
}

void sys_ptimer_register(void)
{
    SYSCALL_REG(LINUX_NR_timer_create,
                SYS_PARTIAL(timer_create, "CPU-time clocks are polled (expire up to ~1 ms late); "
                                          "_ALARM clocks EOPNOTSUPP (no RTC)"));
    SYSCALL_REG(LINUX_NR_timer_settime, SYS_SUPPORTED(timer_settime));
    SYSCALL_REG(LINUX_NR_timer_gettime, SYS_SUPPORTED(timer_gettime));
    SYSCALL_REG(LINUX_NR_timer_getoverrun, SYS_SUPPORTED(timer_getoverrun));
    SYSCALL_REG(LINUX_NR_timer_delete, SYS_SUPPORTED(timer_delete));
}
