// SPDX-License-Identifier: Apache-2.0
/*
 * Tasks: allocation, the host thread that runs each one, and the loop of DESIGN.md 2 —
 * run app code on the platform, dispatch syscalls, resolve faults, deliver signals.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "abi/linux/errno.h"
#include "common/list.h"
#include "common/log.h"
#include "sentry/auth/cred.h"
#include "sentry/context/klock.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/syscall_args.h"
#include "sentry/kernel/syscall_patch.h"
#include "sentry/kernel/task_internal.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/platform/platform.h"
#include "sentry/vfs/vfs.h"

int task_alloc(struct task **out)
{
    struct task *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    uint32_t fp_size;
    uint64_t xfeatures;
    plat_fpstate_format(&fp_size, &xfeatures);
    fp_size = (fp_size + 63) & ~63u;
    t->fpstate = aligned_alloc(64, fp_size);
    if (!t->fpstate) {
        free(t);
        return -ENOMEM;
    }
    memset(t->fpstate, 0, fp_size);
    t->ctx.ops = &g_task_ctx_ops;
    t->ctx.owner = t;
    t->mmt.ctx = &t->ctx;
    list_init(&t->mmt.running);
    t->refs = 1;
    t->tid = g_kernel.next_pid++;
    t->state = TASK_IN_KERNEL;
    /* task_wait()'s deadlines are CLOCK_MONOTONIC (kernel_now_ns); a condition variable on
     * the default CLOCK_REALTIME would time out at once and spin until the deadline. */
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&t->wake_cond, &attr);
    pthread_condattr_destroy(&attr);
    sigpending_init(&t->pending);
    list_init(&t->tg_link);
    list_init(&t->klink);
    t->start_ns = kernel_now_ns();
    *out = t;
    return 0;
}

void task_commit_cred(struct task *t, struct cred *new)
{
    const struct cred *old = t->ctx.cred;
    if (old->euid != new->euid || old->egid != new->egid || old->fsuid != new->fsuid ||
        old->fsgid != new->fsgid || (new->cap_permitted & ~old->cap_permitted)) {
        t->tg->dumpable = false;
        t->tg->pdeath_signal = 0;
    }
    t->ctx.cred = new;
    cred_unref(old);
}

int tg_alloc(struct task *t, struct thread_group **out)
{
    struct thread_group *tg = calloc(1, sizeof(*tg));
    if (!tg)
        return -ENOMEM;
    tg->refs = 1;
    tg->pid = t->tid;
    tg->leader = t;
    list_init(&tg->tasks);
    list_init(&tg->children);
    list_init(&tg->sibling);
    list_init(&tg->ptimers);
    waitq_init(&tg->child_wait);
    waitq_init(&tg->signalfd_wq);
    waitq_init(&tg->exit_wq);
    sigpending_init(&tg->shared_pending);
    tg->exit_signal = SIGCHLD;
    tg->start_ns = kernel_now_ns();
    tg->dumpable = true;
    list_add_tail(&tg->klink, &g_kernel.tgs);
    *out = tg;
    return 0;
}

void task_set_tg(struct task *t, struct thread_group *tg)
{
    t->tg = tg_ref(tg);
}

void task_link(struct task *t)
{
    list_add_tail(&t->tg_link, &t->tg->tasks);
    list_add_tail(&t->klink, &g_kernel.tasks);
    t->tg->nr_live++;
    g_kernel.nr_tasks++;
}

struct task *task_ref(struct task *t)
{
    KERNEL_LOCK_ASSERT();
    CV_BUG_ON(t->refs <= 0);
    t->refs++;
    return t;
}

void task_unref(struct task *t)
{
    KERNEL_LOCK_ASSERT();
    if (!t)
        return;
    CV_BUG_ON(t->refs <= 0);
    if (--t->refs > 0)
        return;
    /* Nothing can reach it any more: it is on no list and nobody else holds it. */
    CV_BUG_ON(!list_empty(&t->tg_link) || !list_empty(&t->klink) || t->vfork_parent);
    signal_flush_pending(&t->pending);
    pthread_cond_destroy(&t->wake_cond);
    if (t->ctx.cred)
        cred_unref(t->ctx.cred);
    struct thread_group *tg = t->tg;
    free(t->fpstate);
    free(t);
    if (tg)
        tg_unref(tg);
}

struct thread_group *tg_ref(struct thread_group *tg)
{
    KERNEL_LOCK_ASSERT();
    CV_BUG_ON(tg->refs <= 0);
    tg->refs++;
    return tg;
}

void tg_unref(struct thread_group *tg)
{
    KERNEL_LOCK_ASSERT();
    if (!tg)
        return;
    CV_BUG_ON(tg->refs <= 0);
    if (--tg->refs > 0)
        return;
    CV_BUG_ON(!list_empty(&tg->tasks) || !list_empty(&tg->klink) || !list_empty(&tg->sibling));
    if (tg->sighand)
        sighand_unref(tg->sighand);
    free(tg);
}

void task_release(struct task *t)
{
    CV_BUG_ON(t->state != TASK_DEAD || t == t->tg->leader);
    list_del(&t->tg_link);
    signal_flush_pending(&t->pending);
    task_unref(t);
}

void tg_reap(struct thread_group *tg)
{
    struct task *t, *n;
    list_for_each_entry_safe(t, n, &tg->tasks, tg_link)
    {
        list_del(&t->tg_link);
        signal_flush_pending(&t->pending);
        task_unref(t);
    }
    list_del(&tg->klink);
    /* An epoll item of another process may still watch this group's signalfd queue (a
     * signalfd added by a process that has died): unhook it, it sees no more signals. */
    struct waiter *w, *wn;
    list_for_each_entry_safe(w, wn, &tg->signalfd_wq.waiters, link)
        waitq_remove(w);
    signal_flush_pending(&tg->shared_pending);
    waitq_notify(&tg->exit_wq, 0); /* pidfds: now POLLHUP too; each holds a reference */
    tg_unref(tg);
}

void task_vfork_release(struct task *t)
{
    struct task *parent = t->vfork_parent;
    if (!parent)
        return;
    t->vfork_parent = NULL;
    /* The parent may have been killed, and even reaped, meanwhile: then this is harmless. */
    parent->vfork_done = true;
    task_wake(parent);
    task_unref(parent);
}

struct start_arg {
    struct task *t;
    long token;
};

static void *task_thread_main(void *arg)
{
    struct start_arg sa = *(struct start_arg *)arg;
    free(arg);
    struct task *t = sa.t;
    g_current = t;
    mm_thread_bind(&t->mmt);
    /* Host signals are for the Sentry's main thread only. */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    cv_lock_site = LOCK_SITE_LOOP;
    kernel_lock();
    int err = g_platform->context_new(mm_plat_as(t->mmt.mm), sa.token, &t->mmt.pctx);
    if (err < 0) {
        log_error("task %d: no platform context: %s", t->tid, strerror(-err));
        tg_exit(t->tg, SIGKILL);
        task_exit_now(t);
    }
    if (t->set_child_tid) {
        int32_t tid = t->tid;
        copy_out(t, t->set_child_tid, &tid, sizeof(tid));
        t->set_child_tid = 0;
    }
    task_run(t);
}

int task_start(struct task *t, long token)
{
    struct start_arg *sa = malloc(sizeof(*sa));
    if (!sa)
        return -EAGAIN;
    sa->t = task_ref(t); /* the host thread's, dropped by task_exit_now */
    sa->token = token;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int err = pthread_create(&t->thread, &attr, task_thread_main, sa);
    pthread_attr_destroy(&attr);
    if (err) {
        /* EAGAIN (a host thread or process limit) or another error: to the app, as Linux's
         * clone when it cannot create the task, this is EAGAIN. */
        log_warn("task %d: cannot start a host thread: %s", t->tid, strerror(err));
        task_unref(t);
        free(sa);
        return -EAGAIN;
    }
    return 0;
}

/* One syscall: read the arguments from the registers and hand them to the syscall layer. */
static void task_syscall(struct task *t)
{
    struct syscall_args a = {
        .nr = t->regs.orig_rax,
        .a = {t->regs.rdi, t->regs.rsi, t->regs.rdx, t->regs.r10, t->regs.r8, t->regs.r9},
    };
    t->sys_ctrl = SYS_CTRL_RETURN;
    long ret = g_kernel.dispatch(t, &a);
    if (t->sys_ctrl == SYS_CTRL_RETURN) {
        t->regs.rax = (uint64_t)ret;
        t->in_syscall = true;
    } else {
        t->in_syscall = false;
    }
}

/* A syscall that needs no lock (g_kernel.dispatch_unlocked), served while @t still counts as
 * running app code: a kick meanwhile interrupts its next run. Caller is @t's thread and holds
 * no lock. Returns false if the syscall needs the kernel lock. */
static bool task_syscall_unlocked(struct task *t)
{
    if (!g_kernel.dispatch_unlocked)
        return false;
    struct syscall_args a = {
        .nr = t->regs.orig_rax,
        .a = {t->regs.rdi, t->regs.rsi, t->regs.rdx, t->regs.r10, t->regs.r8, t->regs.r9},
    };
    long ret;
    if (!g_kernel.dispatch_unlocked(t, &a, &ret))
        return false;
    t->regs.rax = (uint64_t)ret;
    t->mmt.last_fault_addr = 0;
    return true;
}

static void task_fault(struct task *t, const struct plat_switch_info *info)
{
    int err = mm_handle_fault(&t->mmt, info->addr, info->write, info->exec);
    if (err == 0)
        return;
    log_debug("task %d: fault at %#llx (rip %#llx): %d", t->tid, (unsigned long long)info->addr,
              (unsigned long long)t->regs.rip, err);
    if (err == -EIO)
        signal_force(t, SIGBUS, LINUX_BUS_ADRERR, info->addr);
    else
        signal_force(t, SIGSEGV, err == -EACCES ? LINUX_SEGV_ACCERR : LINUX_SEGV_MAPERR,
                     info->addr);
}

/* The lock statistics site of what the platform returned for (klock.h). */
static int lock_site_of(enum plat_switch why, const struct linux_regs *regs)
{
    switch (why) {
    case SWITCH_SYSCALL:
        return regs->orig_rax < 512 ? (int)regs->orig_rax : LOCK_SITE_LOOP;
    case SWITCH_FAULT:
        return LOCK_SITE_FAULT;
    case SWITCH_SIGNAL:
        return LOCK_SITE_SIGNAL;
    default:
        return LOCK_SITE_LOOP;
    }
}

_Noreturn void task_run(struct task *t)
{
    for (;;) {
        if (t->exiting || t->tg->exiting)
            task_exit_now(t);
        if (t->fpstate_dirty) {
            g_platform->set_fpstate(t->mmt.pctx, t->fpstate);
            t->fpstate_dirty = false;
        }
        t->interrupt_pending = false;
        mm_app_enter(&t->mmt);
        t->state = TASK_RUNNING_APP;
        kernel_unlock();
        struct plat_switch_info info;
        int patch;
        enum plat_switch why;
        do {
            why = g_platform->run(t->mmt.pctx, &t->regs, &info);
        } while (why == SWITCH_SYSCALL && !syscall_patch_wanted(t) && task_syscall_unlocked(t));
        cv_lock_site = lock_site_of(why, &t->regs);
        kernel_lock();
        t->state = TASK_IN_KERNEL;
        mm_app_leave(&t->mmt);
        t->fpstate_valid = false;
        t->in_syscall = false;
        switch (why) {
        case SWITCH_SYSCALL:
            t->mmt.last_fault_addr = 0;
            syscall_patch_site(t);
            task_syscall(t);
            break;
        case SWITCH_FAULT:
            task_fault(t, &info);
            break;
        case SWITCH_SIGNAL:
            if (info.signo == SIGILL && (patch = syscall_patch_fault(t)) != 0) {
                if (patch == 2)
                    task_syscall(t);
                break;
            }
            log_debug("task %d: signal %d code %d at %#llx (rip %#llx)", t->tid, info.signo,
                      info.code, (unsigned long long)info.addr, (unsigned long long)t->regs.rip);
            signal_force(t, info.signo, info.code, info.addr);
            break;
        case SWITCH_INTERRUPT:
            break;
        case SWITCH_DEAD:
            log_warn("task %d: stub died", t->tid);
            tg_exit(t->tg, SIGKILL);
            task_exit_now(t);
        }
        mm_shootdown_wait(&t->mmt); /* pages this call took from running address spaces are gone */
        signal_deliver(t);
    }
}
