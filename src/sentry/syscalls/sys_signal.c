// SPDX-License-Identifier: Apache-2.0
/*
 * Signal system calls: rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigreturn,
 * rt_sigsuspend, rt_sigtimedwait, rt_sigqueueinfo, rt_tgsigqueueinfo, kill, tkill, tgkill,
 * sigaltstack and pause. Queueing and delivery live in kernel/signal*.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "abi/linux/errno.h"
#include "abi/linux/signal.h"
#include "abi/linux/stat.h"
#include "common/cleanup.h"
#include "sentry/fs/anon/signalfd.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/timer.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/sys_fs_util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

/* --- masks and actions --- */

/* Set @t's mask; shared signals it now blocks are offered to another thread. */
static void do_set_blocked(struct task *t, linux_sigset_t mask)
{
    linux_sigset_t newly = mask & ~t->blocked;

    t->blocked = mask & ~SIGNAL_UNBLOCKABLE;
    linux_sigset_t retarget = newly & t->tg->shared_pending.set;
    for (int sig = 1; retarget && sig <= LINUX_NSIG; sig++) {
        if (retarget & LINUX_SIGBIT(sig)) {
            signal_wake_tg(t->tg, sig);
            retarget &= ~LINUX_SIGBIT(sig);
        }
    }
}

long sys_rt_sigaction(struct task *t, const struct syscall_args *a)
{
    int sig = arg_int(a, 0);
    gaddr_t uact = arg_addr(a, 1);
    gaddr_t uoact = arg_addr(a, 2);
    struct linux_sigaction act, old;

    if (arg_size(a, 3) != sizeof(linux_sigset_t))
        return -EINVAL;
    if (uact && copy_in(t, uact, &act, sizeof(act)) < 0)
        return -EFAULT;
    if (!signal_valid(sig) || (uact && (LINUX_SIGBIT(sig) & SIGNAL_UNBLOCKABLE)))
        return -EINVAL;

    struct linux_sigaction *ka = &t->tg->sighand->action[sig - 1];
    old = *ka;
    if (uact) {
        act.mask &= ~SIGNAL_UNBLOCKABLE;
        *ka = act;
        /* POSIX: setting a disposition to ignore discards pending instances. */
        bool ignored =
            act.handler == LINUX_SIG_IGN ||
            (act.handler == LINUX_SIG_DFL && (signal_default_action(sig) == SIGDFL_IGNORE ||
                                              signal_default_action(sig) == SIGDFL_CONT));
        if (ignored)
            signal_discard_tg(t->tg, LINUX_SIGBIT(sig));
    }
    if (uoact && copy_out(t, uoact, &old, sizeof(old)) < 0)
        return -EFAULT;
    return 0;
}

long sys_rt_sigprocmask(struct task *t, const struct syscall_args *a)
{
    int how = arg_int(a, 0);
    gaddr_t uset = arg_addr(a, 1);
    gaddr_t uoset = arg_addr(a, 2);
    linux_sigset_t old = t->blocked, set;

    if (arg_size(a, 3) != sizeof(linux_sigset_t))
        return -EINVAL;
    if (uset) {
        if (copy_in(t, uset, &set, sizeof(set)) < 0)
            return -EFAULT;
        switch (how) {
        case LINUX_SIG_BLOCK:
            set = old | set;
            break;
        case LINUX_SIG_UNBLOCK:
            set = old & ~set;
            break;
        case LINUX_SIG_SETMASK:
            break;
        default:
            return -EINVAL;
        }
        do_set_blocked(t, set);
    }
    if (uoset && copy_out(t, uoset, &old, sizeof(old)) < 0)
        return -EFAULT;
    return 0;
}

long sys_rt_sigpending(struct task *t, const struct syscall_args *a)
{
    size_t size = arg_size(a, 1);

    if (size > sizeof(linux_sigset_t))
        return -EINVAL;
    linux_sigset_t pending = (t->pending.set | t->tg->shared_pending.set) & t->blocked;
    return copy_out(t, arg_addr(a, 0), &pending, size) < 0 ? -EFAULT : 0;
}

long sys_rt_sigreturn(struct task *t, const struct syscall_args *a)
{
    if (signal_frame_restore(t) < 0)
        signal_force(t, LINUX_SIGSEGV, LINUX_SI_KERNEL, 0);
    t->sys_ctrl = SYS_CTRL_NORETURN;
    return 0;
}

/* --- waiting for signals --- */

/* Sleep until a signal is pending for @t. */
static void do_wait_for_signal(struct task *t)
{
    while (!task_signal_pending(t))
        (void)task_wait(t, 0);
}

long sys_rt_sigsuspend(struct task *t, const struct syscall_args *a)
{
    linux_sigset_t mask;

    if (arg_size(a, 1) != sizeof(linux_sigset_t))
        return -EINVAL;
    if (copy_in(t, arg_addr(a, 0), &mask, sizeof(mask)) < 0)
        return -EFAULT;
    t->saved_mask = t->blocked;
    t->has_saved_mask = true;
    do_set_blocked(t, mask);
    do_wait_for_signal(t);
    return -LINUX_ERESTARTNOHAND;
}

long sys_pause(struct task *t, const struct syscall_args *a)
{
    do_wait_for_signal(t);
    return -LINUX_ERESTARTNOHAND;
}

/* Dequeue a signal of @mask for @t (own queue first). */
static int do_dequeue_in(struct task *t, linux_sigset_t mask, struct linux_siginfo *info)
{
    int sig = sigpending_dequeue(&t->pending, mask, info);
    return sig ? sig : sigpending_dequeue(&t->tg->shared_pending, mask, info);
}

/* Wait for a signal of @mask (temporarily unblocked, as Linux's real_blocked) until
 * @deadline_ns (0: none). Returns the signal, -EAGAIN (timeout) or -EINTR. */
static long do_sigtimedwait(struct task *t, linux_sigset_t mask, uint64_t deadline_ns,
                            struct linux_siginfo *info)
{
    linux_sigset_t saved = t->blocked;
    long ret = -EAGAIN;

    t->real_blocked = saved;
    t->blocked &= ~mask;
    for (;;) {
        int r = task_wait(t, deadline_ns);
        if ((t->pending.set | t->tg->shared_pending.set) & mask)
            break;
        if (r == -ETIMEDOUT)
            break;
        if (r == -EINTR || task_signal_pending(t)) {
            ret = -EINTR;
            break;
        }
    }
    t->blocked = saved;
    t->real_blocked = 0;
    int sig = do_dequeue_in(t, mask, info);
    return sig ? sig : ret;
}

long sys_rt_sigtimedwait(struct task *t, const struct syscall_args *a)
{
    gaddr_t uinfo = arg_addr(a, 1);
    gaddr_t uts = arg_addr(a, 2);
    linux_sigset_t mask;
    struct linux_siginfo info;
    uint64_t timeout_ns = 0;
    bool has_timeout = false;

    if (arg_size(a, 3) != sizeof(linux_sigset_t))
        return -EINVAL;
    if (copy_in(t, arg_addr(a, 0), &mask, sizeof(mask)) < 0)
        return -EFAULT;
    if (uts) {
        struct linux_timespec ts;
        if (copy_in(t, uts, &ts, sizeof(ts)) < 0)
            return -EFAULT;
        if (timespec_to_ns(&ts, &timeout_ns) < 0)
            return -EINVAL;
        has_timeout = true;
    }
    mask &= ~SIGNAL_UNBLOCKABLE;

    long sig = do_dequeue_in(t, mask, &info);
    if (!sig) {
        if (has_timeout && timeout_ns == 0)
            return -EAGAIN;
        uint64_t deadline = has_timeout ? deadline_after(timeout_ns) : 0;
        sig = do_sigtimedwait(t, mask, deadline, &info);
        if (sig < 0)
            return sig;
    }
    if (uinfo && copy_out(t, uinfo, &info, sizeof(info)) < 0)
        return -EFAULT;
    return sig;
}

/* --- sending --- */

/* One target process for kill-like calls: the Linux order of checks. */
static int do_kill_tg(struct task *t, struct thread_group *tg, const struct linux_siginfo *info)
{
    int sig = info->signo;

    if (sig < 0 || sig > LINUX_NSIG)
        return -EINVAL;
    if (!signal_may_kill(t, tg, sig))
        return -EPERM;
    if (signal_init_protected(tg, sig))
        return 0;
    return signal_send_tg(tg, info);
}

/* kill(-1): every process but init and the caller. */
static long do_kill_all(struct task *t, const struct linux_siginfo *info)
{
    struct task *o;
    int count = 0;
    long ret = 0;

    list_for_each_entry(o, &g_kernel.tasks, klink)
    {
        if (!signal_tg_visit(o) || o->tg->pid <= 1 || o->tg == t->tg)
            continue;
        int err = do_kill_tg(t, o->tg, info);
        count++;
        if (err != -EPERM)
            ret = err;
    }
    return count ? ret : -ESRCH;
}

/* kill(0) and kill(-pgid): every process of the group; success if any succeeded. */
static long do_kill_pgrp(struct task *t, int pgid, const struct linux_siginfo *info)
{
    struct task *o;
    bool found = false, success = false;
    long ret = -ESRCH;

    list_for_each_entry(o, &g_kernel.tasks, klink)
    {
        if (!signal_tg_visit(o) || o->tg->pgid != pgid)
            continue;
        found = true;
        int err = do_kill_tg(t, o->tg, info);
        success |= err == 0;
        ret = err;
    }
    if (!found)
        return -ESRCH;
    return success ? 0 : ret;
}

long sys_kill(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    int sig = arg_int(a, 1);
    struct linux_siginfo info;

    signal_info_kill(&info, sig, LINUX_SI_USER, t);
    if (pid > 0) {
        struct thread_group *tg = tg_find(pid);
        return tg ? do_kill_tg(t, tg, &info) : -ESRCH;
    }
    if (pid == 0)
        return do_kill_pgrp(t, t->tg->pgid, &info);
    if (pid == -1)
        return do_kill_all(t, &info);
    if (pid == INT_MIN)
        return -ESRCH;
    return do_kill_pgrp(t, -pid, &info);
}

/* tkill/tgkill/rt_tgsigqueueinfo to thread @tid (of @tgid unless @tgid is 0). */
static long do_send_thread(struct task *t, int tgid, int tid, const struct linux_siginfo *info)
{
    struct task *target = task_find(tid);
    int sig = info->signo;

    if (!target || (tgid && target->tg->pid != tgid))
        return -ESRCH;
    if (sig < 0 || sig > LINUX_NSIG)
        return -EINVAL;
    if (!signal_may_kill(t, target->tg, sig))
        return -EPERM;
    if (signal_init_protected(target->tg, sig))
        return 0;
    return signal_send_task(target, info);
}

long sys_tkill(struct task *t, const struct syscall_args *a)
{
    int tid = arg_int(a, 0);
    struct linux_siginfo info;

    if (tid <= 0)
        return -EINVAL;
    signal_info_kill(&info, arg_int(a, 1), LINUX_SI_TKILL, t);
    return do_send_thread(t, 0, tid, &info);
}

long sys_tgkill(struct task *t, const struct syscall_args *a)
{
    int tgid = arg_int(a, 0);
    int tid = arg_int(a, 1);
    struct linux_siginfo info;

    if (tgid <= 0 || tid <= 0)
        return -EINVAL;
    signal_info_kill(&info, arg_int(a, 2), LINUX_SI_TKILL, t);
    return do_send_thread(t, tgid, tid, &info);
}

/* Read a user-supplied siginfo for sigqueueinfo. Not even root may forge kernel or
 * kill()/tkill() codes for another thread (Linux compares with the caller's tid). */
static int do_copy_queue_info(struct task *t, gaddr_t uinfo, int sig, int target,
                              struct linux_siginfo *info)
{
    if (copy_in(t, uinfo, info, sizeof(*info)) < 0)
        return -EFAULT;
    if ((info->code >= 0 || info->code == LINUX_SI_TKILL) && target != t->tid)
        return -EPERM;
    info->signo = sig;
    return 0;
}

long sys_rt_sigqueueinfo(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    struct linux_siginfo info;

    int ret = do_copy_queue_info(t, arg_addr(a, 2), arg_int(a, 1), pid, &info);
    if (ret < 0)
        return ret;
    struct thread_group *tg = pid > 0 ? tg_find(pid) : NULL;
    return tg ? do_kill_tg(t, tg, &info) : -ESRCH;
}

long sys_rt_tgsigqueueinfo(struct task *t, const struct syscall_args *a)
{
    int tgid = arg_int(a, 0);
    int tid = arg_int(a, 1);
    struct linux_siginfo info;

    if (tgid <= 0 || tid <= 0)
        return -EINVAL;
    int ret = do_copy_queue_info(t, arg_addr(a, 3), arg_int(a, 2), tid, &info);
    if (ret < 0)
        return ret;
    return do_send_thread(t, tgid, tid, &info);
}

/* --- alternate stack --- */

long sys_sigaltstack(struct task *t, const struct syscall_args *a)
{
    gaddr_t uss = arg_addr(a, 0);
    gaddr_t uoss = arg_addr(a, 1);
    uint64_t sp = t->regs.rsp;
    struct linux_stack ss, old;

    if (uss && copy_in(t, uss, &ss, sizeof(ss)) < 0)
        return -EFAULT;
    memset(&old, 0, sizeof(old));
    old.ss_sp = t->altstack.ss_sp;
    old.ss_size = t->altstack.ss_size;
    old.ss_flags = sigaltstack_flags(&t->altstack, sp);
    if (uss) {
        int ret = sigaltstack_set(&t->altstack, &ss, sp);
        if (ret < 0)
            return ret;
    }
    if (uoss && copy_out(t, uoss, &old, sizeof(old)) < 0)
        return -EFAULT;
    return 0;
}

/* ---- signalfd ---------------------------------------------------------------------------- */

#define LINUX_SFD_CLOEXEC 02000000
#define LINUX_SFD_NONBLOCK 04000

static long do_signalfd4(struct task *t, int fd, gaddr_t umask, size_t sizemask, int flags)
{
    if (flags & ~(LINUX_SFD_CLOEXEC | LINUX_SFD_NONBLOCK))
        return -EINVAL;
    linux_sigset_t mask;
    if (sizemask != sizeof(mask))
        return -EINVAL;
    if (copy_in(t, umask, &mask, sizeof(mask)) < 0)
        return -EFAULT;
    if (fd != -1) { /* a new mask for an existing signalfd */
        _cleanup_(file_unrefp) struct file *f = fdtable_get(t->fdt, fd);
        if (!f)
            return -EBADF;
        if (!signalfd_is(f))
            return -EINVAL;
        signalfd_set_mask(f, mask);
        return fd;
    }
    struct file *f;
    int ret = signalfd_create_file(mask, (uint32_t)(flags & LINUX_SFD_NONBLOCK), &f);
    if (ret < 0)
        return ret;
    return sys_install_new(t, f, flags & LINUX_SFD_CLOEXEC);
}

long sys_signalfd(struct task *t, const struct syscall_args *a)
{
    return do_signalfd4(t, arg_int(a, 0), arg_addr(a, 1), arg_size(a, 2), 0);
}

long sys_signalfd4(struct task *t, const struct syscall_args *a)
{
    return do_signalfd4(t, arg_int(a, 0), arg_addr(a, 1), arg_size(a, 2), arg_int(a, 3));
}

void sys_signal_register(void)
{
    SYSCALL_REG(LINUX_NR_signalfd, SYS_SUPPORTED(signalfd));
    SYSCALL_REG(LINUX_NR_signalfd4, SYS_SUPPORTED(signalfd4));
    SYSCALL_REG(LINUX_NR_rt_sigaction, SYS_SUPPORTED(rt_sigaction));
    SYSCALL_REG(LINUX_NR_rt_sigprocmask, SYS_SUPPORTED(rt_sigprocmask));
    SYSCALL_REG(LINUX_NR_rt_sigpending, SYS_SUPPORTED(rt_sigpending));
    SYSCALL_REG(LINUX_NR_rt_sigreturn, SYS_SUPPORTED(rt_sigreturn));
    SYSCALL_REG(LINUX_NR_rt_sigsuspend, SYS_SUPPORTED(rt_sigsuspend));
    SYSCALL_REG(LINUX_NR_rt_sigtimedwait, SYS_SUPPORTED(rt_sigtimedwait));
    SYSCALL_REG(LINUX_NR_rt_sigqueueinfo, SYS_SUPPORTED(rt_sigqueueinfo));
    SYSCALL_REG(LINUX_NR_rt_tgsigqueueinfo, SYS_SUPPORTED(rt_tgsigqueueinfo));
    SYSCALL_REG(LINUX_NR_kill, SYS_SUPPORTED(kill));
    SYSCALL_REG(LINUX_NR_tkill, SYS_SUPPORTED(tkill));
    SYSCALL_REG(LINUX_NR_tgkill, SYS_SUPPORTED(tgkill));
    SYSCALL_REG(LINUX_NR_sigaltstack, SYS_SUPPORTED(sigaltstack));
    SYSCALL_REG(LINUX_NR_pause, SYS_SUPPORTED(pause));
}
