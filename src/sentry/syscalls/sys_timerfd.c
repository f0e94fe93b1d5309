// SPDX-License-Identifier: Apache-2.0
/* timerfd_create(2), timerfd_settime(2), timerfd_gettime(2); the file is fs/anon/timerfd.c. */
#include <errno.h>
#include <fcntl.h>
#include <time.h>

#include "common/cleanup.h"
#include "sentry/fs/anon/timerfd.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/sys_fs_util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2

/* The kernel's struct itimerspec. */
struct linux_itimerspec {
    int64_t interval_sec, interval_nsec;
    int64_t value_sec, value_nsec;
};

static int ts_to_ns(int64_t sec, int64_t nsec, uint64_t *ns)
{
    if (sec < 0 || nsec < 0 || nsec >= 1000000000)
        return -EINVAL;
    *ns = (uint64_t)sec * 1000000000ULL + (uint64_t)nsec;
    return 0;
}

static void spec_to_linux(const struct timerfd_spec *s, struct linux_itimerspec *l)
{
    l->interval_sec = (int64_t)(s->interval_ns / 1000000000ULL);
    l->interval_nsec = (int64_t)(s->interval_ns % 1000000000ULL);
    l->value_sec = (int64_t)(s->value_ns / 1000000000ULL);
    l->value_nsec = (int64_t)(s->value_ns % 1000000000ULL);
}

long sys_timerfd_create(struct task *t, const struct syscall_args *a)
{
    int clockid = arg_int(a, 0);
    int flags = arg_int(a, 1);
    if (flags & ~(O_NONBLOCK | O_CLOEXEC))
        return -EINVAL;
    switch (clockid) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME:
    case CLOCK_REALTIME_ALARM:
    case CLOCK_BOOTTIME_ALARM:
        break;
    default:
        return -EINVAL;
    }
    /* Timers that would wake a suspended machine need CAP_WAKE_ALARM. */
    if ((clockid == CLOCK_REALTIME_ALARM || clockid == CLOCK_BOOTTIME_ALARM) &&
        !task_capable(t, CAP_WAKE_ALARM))
        return -EPERM;
    struct file *f;
    int err = timerfd_create_file(clockid, (uint32_t)flags, &f);
    if (err < 0)
        return err;
    return sys_install_new(t, f, flags & O_CLOEXEC);
}

/* The timerfd behind @fd: new reference in *@out, or -EBADF / -EINVAL. */
static int get_timerfd(struct task *t, int fd, struct file **out)
{
    struct file *f = fdtable_get(t->fdt, fd);
    if (!f)
        return -EBADF;
    if (!file_is_timerfd(f)) {
        file_unref(f);
        return -EINVAL;
    }
    *out = f;
    return 0;
}

long sys_timerfd_settime(struct task *t, const struct syscall_args *a)
{
    int flags = arg_int(a, 1);
    if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
        return -EINVAL;
    struct linux_itimerspec nv;
    if (copy_in(t, arg_addr(a, 2), &nv, sizeof(nv)) < 0)
        return -EFAULT;
    struct timerfd_spec spec, old;
    if (ts_to_ns(nv.interval_sec, nv.interval_nsec, &spec.interval_ns) < 0 ||
        ts_to_ns(nv.value_sec, nv.value_nsec, &spec.value_ns) < 0)
        return -EINVAL;
    _cleanup_(file_unrefp) struct file *f = NULL;
    int err = get_timerfd(t, arg_int(a, 0), &f);
    if (err < 0)
        return err;
    timerfd_set(f, flags & TFD_TIMER_ABSTIME, &spec, &old);
    if (arg_addr(a, 3)) {
        struct linux_itimerspec ov;
        spec_to_linux(&old, &ov);
        if (copy_out(t, arg_addr(a, 3), &ov, sizeof(ov)) < 0)
            return -EFAULT;
    }
    return 0;
}

long sys_timerfd_gettime(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    int err = get_timerfd(t, arg_int(a, 0), &f);
    if (err < 0)
        return err;
    struct timerfd_spec cur;
    timerfd_get(f, &cur);
    struct linux_itimerspec lv;
    spec_to_linux(&cur, &lv);
    return copy_out(t, arg_addr(a, 1), &lv, sizeof(lv)) < 0 ? -EFAULT : 0;
}

void sys_timerfd_register(void)
{
    SYSCALL_REG(LINUX_NR_timerfd_create, SYS_SUPPORTED(timerfd_create));
    SYSCALL_REG(LINUX_NR_timerfd_settime,
                SYS_PARTIAL(timerfd_settime, "TFD_TIMER_CANCEL_ON_SET never cancels"));
    SYSCALL_REG(LINUX_NR_timerfd_gettime, SYS_SUPPORTED(timerfd_gettime));
}
