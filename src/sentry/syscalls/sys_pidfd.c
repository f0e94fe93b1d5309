// SPDX-License-Identifier: Apache-2.0
/*
 * pidfd_open(2), pidfd_send_signal(2), pidfd_getfd(2). The file is fs/anon/pidfd.c;
 * clone's CLONE_PIDFD is in kernel/clone.c and waitid's P_PIDFD in sys_thread.c.
 *
 * COMPAT: PIDFD_THREAD (a pidfd of one thread, Linux 6.9) is not supported (EINVAL), nor
 * are /proc/PID directory descriptors accepted as pidfds (EBADF). pidfd_send_signal's scopes
 * (PIDFD_SIGNAL_THREAD, _THREAD_GROUP, _PROCESS_GROUP) are.
 */
#include <errno.h>
#include <fcntl.h>

#include "common/cleanup.h"
#include "sentry/fs/anon/pidfd.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/sys_fs_util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#define LINUX_PIDFD_NONBLOCK O_NONBLOCK

int sys_pidfd_get(struct task *t, int fd, struct file **out)
{
    struct file *f = fdtable_get(t->fdt, fd);
    if (!f)
        return -EBADF;
    if (!file_is_pidfd(f) || !pidfd_tg(f)) {
        file_unref(f);
        return -EBADF;
    }
    *out = f;
    return 0;
}

long sys_pidfd_open(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    unsigned int flags = arg_uint(a, 1);
    if (flags & ~LINUX_PIDFD_NONBLOCK)
        return -EINVAL;
    if (pid <= 0)
        return -EINVAL;
    struct thread_group *tg = tg_find(pid);
    if (!tg) {
        /* A thread that is not a group leader has a pid but no process: ENOENT as Linux 6.9
         * and later (which then answer as for a PIDFD_THREAD of no thread; EINVAL before). */
        return task_find(pid) ? -ENOENT : -ESRCH;
    }
    struct file *f;
    int err = pidfd_create_file(tg, flags, &f);
    if (err < 0)
        return err;
    return sys_install_new(t, f, true); /* pidfds are always close-on-exec */
}

#define PIDFD_SIGNAL_THREAD 1u
#define PIDFD_SIGNAL_THREAD_GROUP 2u
#define PIDFD_SIGNAL_PROCESS_GROUP 4u

/* The siginfo to send: the caller's (@uinfo), checked as Linux checks it, or a kill()'s
 * (tkill()'s for one thread). */
static int send_info(struct task *t, struct thread_group *tg, int sig, unsigned scope,
                     gaddr_t uinfo, struct linux_siginfo *info)
{
    if (!uinfo) {
        signal_info_kill(info, sig, scope == PIDFD_SIGNAL_THREAD ? LINUX_SI_TKILL : LINUX_SI_USER,
                         t);
        return 0;
    }
    if (copy_in(t, uinfo, info, sizeof(*info)) < 0)
        return -EFAULT;
    if (info->signo != sig)
        return -EINVAL;
    /* Only a process signalling itself (from its leader thread) may forge these codes. */
    if ((t->tid != tg->pid || scope == PIDFD_SIGNAL_PROCESS_GROUP) &&
        (info->code >= 0 || info->code == LINUX_SI_TKILL))
        return -EPERM;
    return 0;
}

/* One process, or its leader thread alone, as kill() and tgkill() check it. */
static int send_one(struct task *t, struct thread_group *tg, bool thread,
                    const struct linux_siginfo *info)
{
    int sig = info->signo;
    if (sig < 0 || sig > LINUX_NSIG)
        return -EINVAL;
    if (!signal_may_kill(t, tg, sig))
        return -EPERM;
    if (sig == 0 || signal_init_protected(tg, sig))
        return 0;
    if (thread)
        return tg->leader->state == TASK_DEAD ? 0 : signal_send_task(tg->leader, info);
    return signal_send_tg(tg, info);
}

/* PIDFD_SIGNAL_PROCESS_GROUP: every process of the group whose id is @pgid (the pidfd's pid,
 * as Linux's kill_pgrp_info); success if any succeeded, as kill(-pgid). */
static int send_pgrp(struct task *t, int pgid, const struct linux_siginfo *info)
{
    struct task *o;
    bool found = false, success = false;
    int ret = -ESRCH;
    list_for_each_entry(o, &g_kernel.tasks, klink)
    {
        if (!signal_tg_visit(o) || o->tg->pgid != pgid)
            continue;
        found = true;
        ret = send_one(t, o->tg, false, info);
        success |= ret == 0;
    }
    return !found ? -ESRCH : success ? 0 : ret;
}

long sys_pidfd_send_signal(struct task *t, const struct syscall_args *a)
{
    int sig = arg_int(a, 1);
    unsigned scope = arg_uint(a, 3);
    if (scope & ~(PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP))
        return -EINVAL;
    if (scope & (scope - 1))
        return -EINVAL; /* one scope at most */
    _cleanup_(file_unrefp) struct file *f = NULL;
    int err = sys_pidfd_get(t, arg_int(a, 0), &f);
    if (err < 0)
        return err;
    struct thread_group *tg = pidfd_tg(f);
    struct linux_siginfo info;
    if ((err = send_info(t, tg, sig, scope, arg_addr(a, 2), &info)) < 0)
        return err;
    if (scope == PIDFD_SIGNAL_PROCESS_GROUP)
        return send_pgrp(t, tg->pid, &info);
    if (pidfd_tg_reaped(tg))
        return -ESRCH;
    return send_one(t, tg, scope == PIDFD_SIGNAL_THREAD, &info);
}

long sys_pidfd_getfd(struct task *t, const struct syscall_args *a)
{
    int targetfd = arg_int(a, 1);
    if (arg_uint(a, 2) != 0)
        return -EINVAL;
    _cleanup_(file_unrefp) struct file *pf = NULL;
    int err = sys_pidfd_get(t, arg_int(a, 0), &pf);
    if (err < 0)
        return err;
    struct thread_group *tg = pidfd_tg(pf);
    if (pidfd_tg_reaped(tg))
        return -ESRCH;
    struct task *leader = tg->leader; /* on tg->tasks until the group is reaped */
    err = task_may_access(task_cred(t), t->tg, leader, PTRACE_MODE_ATTACH_REALCREDS);
    if (err < 0)
        return err;
    /* A leader that exited (a zombie, or a group whose leader thread ended) has no table:
     * Linux then says ESRCH, as for a process that is gone. */
    bool exiting = leader->state == TASK_DEAD || leader->exiting || !leader->fdt;
    struct file *f = exiting || targetfd < 0 ? NULL : fdtable_get(leader->fdt, targetfd);
    if (!f)
        return exiting ? -ESRCH : -EBADF;
    return sys_install_new(t, f, true); /* as SCM_RIGHTS: the new descriptor is O_CLOEXEC */
}

void sys_pidfd_register(void)
{
    SYSCALL_REG(LINUX_NR_pidfd_open, SYS_PARTIAL(pidfd_open, "no PIDFD_THREAD"));
    SYSCALL_REG(LINUX_NR_pidfd_send_signal, SYS_PARTIAL(pidfd_send_signal, "no /proc/PID fds"));
    SYSCALL_REG(LINUX_NR_pidfd_getfd, SYS_SUPPORTED(pidfd_getfd));
}
