// SPDX-License-Identifier: Apache-2.0
/*
 * System calls "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
 * "epoll_pwait2", "eventfd", "eventfd2" and the inotify family. Interest lists and harvesting
 * are in fs/anon/epoll.c, the counter in fs/anon/eventfd.c, watches in fs/anon/inotify.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "abi/linux/stat.h"
#include "common/cleanup.h"
#include "sentry/fs/anon/epoll.h"
#include "sentry/fs/anon/eventfd.h"
#include "sentry/fs/anon/inotify.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/sys_poll.h"
#include "sentry/syscalls/sys_fs_util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"

#define EP_MAX_EVENTS (INT_MAX / (int)sizeof(struct linux_epoll_event))
#define EP_HARVEST_BATCH 1024 /* events gathered per wake-up at most */

static long do_epoll_create(struct task *t, int flags)
{
    if (flags & ~EPOLL_CLOEXEC)
        return -EINVAL;
    struct file *f;
    int ret = epoll_create_file(&f);
    if (ret < 0)
        return ret;
    return sys_install_new(t, f, flags & EPOLL_CLOEXEC);
}

long sys_epoll_create(struct task *t, const struct syscall_args *a)
{
    if (arg_int(a, 0) <= 0)
        return -EINVAL;
    return do_epoll_create(t, 0);
}

long sys_epoll_create1(struct task *t, const struct syscall_args *a)
{
    return do_epoll_create(t, arg_int(a, 0));
}

/* Regular files and directories cannot be watched (Linux: they have no ->poll). */
static bool file_never_polls(struct task *t, struct file *f)
{
    if (!f->ops->poll)
        return true;
    if (!f->inode && !f->ops->stat)
        return false;
    struct linux_stat st;
    if (vfs_fstat(&t->ctx, f, &st) < 0)
        return false;
    return S_ISREG(st.st_mode) || S_ISDIR(st.st_mode);
}

long sys_epoll_ctl(struct task *t, const struct syscall_args *a)
{
    int op = arg_int(a, 1);
    int fd = arg_int(a, 2);
    struct linux_epoll_event ev = {0};
    if (op != EPOLL_CTL_DEL && copy_in(t, arg_addr(a, 3), &ev, sizeof(ev)) < 0)
        return -EFAULT;

    _cleanup_(file_unrefp) struct file *epf = fdtable_get(t->fdt, arg_int(a, 0));
    if (!epf)
        return -EBADF;
    _cleanup_(file_unrefp) struct file *target = fdtable_get(t->fdt, fd);
    if (!target)
        return -EBADF;
    if (file_never_polls(t, target))
        return -EPERM;
    /* COMPAT: EPOLLWAKEUP is accepted and has no effect (no suspend in a sandbox). */
    return epoll_ctl_file(&t->ctx, epf, op, fd, target, &ev);
}

/* Wait for events on @epf. @to_zero: just check; else @deadline_ns (0: none).
 * Returns the number of events copied to @events, -EINTR or -EFAULT. */
static long epoll_wait_file(struct task *t, struct file *epf, gaddr_t events, int maxevents,
                            bool to_zero, uint64_t deadline_ns)
{
    int batch = maxevents < EP_HARVEST_BATCH ? maxevents : EP_HARVEST_BATCH;
    _cleanup_free_ struct linux_epoll_event *buf = calloc((size_t)batch, sizeof(*buf));
    if (!buf)
        return -ENOMEM;
    struct waitq *q = epf->ops->waitq(epf);
    struct waiter w = {0};
    long ret;
    for (;;) {
        int n = epoll_harvest(&t->ctx, epf, t->fdt, buf, batch);
        if (n > 0 || to_zero) {
            ret = n;
            break;
        }
        if (!w.q)
            waitq_add(q, &w, &t->ctx, 0);
        int r = task_wait(t, deadline_ns);
        if (r == -ETIMEDOUT) {
            ret = epoll_harvest(&t->ctx, epf, t->fdt, buf, batch);
            break;
        }
        if (r == -EINTR) {
            ret = -EINTR; /* epoll_wait is never restarted (Linux) */
            break;
        }
    }
    waitq_remove(&w);
    if (ret > 0 && copy_out(t, events, buf, (size_t)ret * sizeof(*buf)) < 0)
        ret = -EFAULT; /* COMPAT: Linux puts the events back on the ready list */
    return ret;
}

static long do_epoll_wait(struct task *t, int epfd, gaddr_t events, int maxevents, bool to_zero,
                          uint64_t deadline_ns)
{
    if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
        return -EINVAL;
    _cleanup_(file_unrefp) struct file *epf = fdtable_get(t->fdt, epfd);
    if (!epf)
        return -EBADF;
    if (!file_is_epoll(epf))
        return -EINVAL;
    return epoll_wait_file(t, epf, events, maxevents, to_zero, deadline_ns);
}

static void ms_to_deadline(int ms, bool *zero, uint64_t *deadline)
{
    *zero = ms == 0;
    *deadline = ms > 0 ? kernel_now_ns() + (uint64_t)ms * 1000000ull : 0;
}

long sys_epoll_wait(struct task *t, const struct syscall_args *a)
{
    bool zero;
    uint64_t deadline;
    ms_to_deadline(arg_int(a, 3), &zero, &deadline);
    return do_epoll_wait(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2), zero, deadline);
}

static long epoll_pwait_common(struct task *t, const struct syscall_args *a, bool zero,
                               uint64_t deadline)
{
    long ret = poll_set_sigmask(t, arg_addr(a, 4), arg_size(a, 5));
    if (ret < 0)
        return ret;
    ret = do_epoll_wait(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2), zero, deadline);
    poll_restore_sigmask(t, ret == -EINTR);
    return ret;
}

long sys_epoll_pwait(struct task *t, const struct syscall_args *a)
{
    bool zero;
    uint64_t deadline;
    ms_to_deadline(arg_int(a, 3), &zero, &deadline);
    return epoll_pwait_common(t, a, zero, deadline);
}

long sys_epoll_pwait2(struct task *t, const struct syscall_args *a)
{
    gaddr_t tsp = arg_addr(a, 3);
    bool zero = false;
    uint64_t deadline = 0;
    if (tsp) {
        struct linux_timespec ts;
        if (copy_in(t, tsp, &ts, sizeof(ts)) < 0)
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
            return -EINVAL;
        zero = ts.tv_sec == 0 && ts.tv_nsec == 0;
        if (!zero && ts.tv_sec < (int64_t)(UINT64_MAX / 2000000000ull))
            deadline = kernel_now_ns() + (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    }
    return epoll_pwait_common(t, a, zero, deadline);
}

/* ---- eventfd ---------------------------------------------------------------------------- */

static long do_eventfd2(struct task *t, unsigned int initval, int flags)
{
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | LINUX_EFD_SEMAPHORE))
        return -EINVAL;
    struct file *f;
    int ret = eventfd_create_file(initval, (uint32_t)flags, &f);
    if (ret < 0)
        return ret;
    return sys_install_new(t, f, flags & O_CLOEXEC);
}

long sys_eventfd(struct task *t, const struct syscall_args *a)
{
    return do_eventfd2(t, arg_uint(a, 0), 0);
}

long sys_eventfd2(struct task *t, const struct syscall_args *a)
{
    return do_eventfd2(t, arg_uint(a, 0), arg_int(a, 1));
}

/* ---- inotify ---------------------------------------------------------------------------- */

static long do_inotify_init1(struct task *t, int flags)
{
    if (flags & ~(O_CLOEXEC | O_NONBLOCK))
        return -EINVAL;
    struct file *f;
    int ret = inotify_create_file((uint32_t)flags, &f);
    if (ret < 0)
        return ret;
    return sys_install_new(t, f, flags & O_CLOEXEC);
}

long sys_inotify_init(struct task *t, const struct syscall_args *a)
{
    return do_inotify_init1(t, 0);
}

long sys_inotify_init1(struct task *t, const struct syscall_args *a)
{
    return do_inotify_init1(t, arg_int(a, 0));
}

long sys_inotify_add_watch(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = fdtable_get(t->fdt, arg_int(a, 0));
    if (!f)
        return -EBADF;
    char *path = malloc(4096);
    if (!path)
        return -ENOMEM;
    long ret = copy_in_str(t, arg_addr(a, 1), path, 4096);
    if (ret >= 0)
        ret = inotify_add(&t->ctx, f, path, (uint32_t)arg_uint(a, 2));
    free(path);
    return ret;
}

long sys_inotify_rm_watch(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = fdtable_get(t->fdt, arg_int(a, 0));
    if (!f)
        return -EBADF;
    return inotify_rm(&t->ctx, f, arg_int(a, 1));
}

void sys_epoll_register(void)
{
    SYSCALL_REG(LINUX_NR_epoll_create, SYS_SUPPORTED(epoll_create));
    SYSCALL_REG(LINUX_NR_epoll_create1, SYS_SUPPORTED(epoll_create1));
    SYSCALL_REG(LINUX_NR_epoll_ctl, SYS_PARTIAL(epoll_ctl, "EPOLLWAKEUP is ignored"));
    SYSCALL_REG(LINUX_NR_epoll_wait, SYS_SUPPORTED(epoll_wait));
    SYSCALL_REG(LINUX_NR_epoll_pwait, SYS_SUPPORTED(epoll_pwait));
    SYSCALL_REG(LINUX_NR_epoll_pwait2, SYS_SUPPORTED(epoll_pwait2));
    SYSCALL_REG(LINUX_NR_eventfd, SYS_SUPPORTED(eventfd));
    SYSCALL_REG(LINUX_NR_eventfd2, SYS_SUPPORTED(eventfd2));
    SYSCALL_REG(LINUX_NR_inotify_init, SYS_SUPPORTED(inotify_init));
    SYSCALL_REG(LINUX_NR_inotify_init1, SYS_SUPPORTED(inotify_init1));
    SYSCALL_REG(LINUX_NR_inotify_add_watch,
                SYS_PARTIAL(inotify_add_watch, "events of sandbox operations only (not of host "
                                               "changes); IN_DELETE_SELF at the last unlink"));
    SYSCALL_REG(LINUX_NR_inotify_rm_watch, SYS_SUPPORTED(inotify_rm_watch));
}
