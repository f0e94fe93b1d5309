// SPDX-License-Identifier: Apache-2.0
/*
 * Thread and process exit, zombies, reparenting, and wait4/waitid's search of children.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "abi/linux/errno.h"
#include "common/log.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/futex.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/kernel/task_internal.h"
#include "sentry/kernel/ptimer.h"
#include "sentry/kernel/timer.h"
#include "sentry/kernel/wait.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/platform/platform.h"
#include "sentry/vfs/vfs.h"

void tg_exit(struct thread_group *tg, int status)
{
    if (!tg->exiting) {
        tg->exiting = true;
        tg->exit_status = status;
    }
    struct task *t;
    list_for_each_entry(t, &tg->tasks, tg_link)
    {
        if (t->state != TASK_DEAD)
            task_kick(t);
    }
}

static bool pgrp_has_stopped(int pgid)
{
    struct thread_group *tg;
    list_for_each_entry(tg, &g_kernel.tgs, klink)
    {
        if (tg->pgid == pgid && !tg->zombie && tg->stop_state == TG_STOPPED)
            return true;
    }
    return false;
}

/* @old_parent, which linked the group of @member to its session, has exited: if that left
 * the group orphaned with stopped members, nobody could continue them, so the group gets
 * SIGHUP and SIGCONT (POSIX; Linux's kill_orphaned_pgrp). */
/* SIGHUP, then SIGCONT, to process group @pgid (from the kernel). */
static void hup_and_continue_pgrp(int pgid)
{
    struct linux_siginfo info;
    bool found;
    signal_info_kill(&info, LINUX_SIGHUP, LINUX_SI_KERNEL, NULL);
    signal_send_pgrp(pgid, &info, &found);
    signal_info_kill(&info, LINUX_SIGCONT, LINUX_SI_KERNEL, NULL);
    signal_send_pgrp(pgid, &info, &found);
}

static void hup_orphaned_pgrp(struct thread_group *member, struct thread_group *old_parent)
{
    if (!old_parent || old_parent->pgid == member->pgid || old_parent->sid != member->sid)
        return;
    if (!signal_pgrp_orphaned(member->pgid) || !pgrp_has_stopped(member->pgid))
        return;
    hup_and_continue_pgrp(member->pgid);
}

/* Give @tg's children to init (COMPAT: no child subreapers yet). */
static void reparent_children(struct thread_group *tg)
{
    struct thread_group *init = g_kernel.init_tg;
    struct thread_group *c, *n;
    list_for_each_entry_safe(c, n, &tg->children, sibling)
    {
        list_del(&c->sibling);
        if (!init || init == tg) {
            c->parent = NULL;
            if (c->zombie)
                tg_reap(c);
            continue;
        }
        c->parent = init;
        list_add_tail(&c->sibling, &init->children);
        if (!c->zombie)
            hup_orphaned_pgrp(c, tg);
        if (c->pdeath_signal && !c->zombie) {
            /* PR_SET_PDEATHSIG. COMPAT: Linux ties it to the parent thread, not process. */
            struct linux_siginfo info;
            memset(&info, 0, sizeof(info));
            info.signo = c->pdeath_signal;
            info.code = LINUX_SI_USER;
            signal_send_tg(c, &info);
        }
        if (c->zombie)
            waitq_notify(&init->child_wait, 0);
    }
}

/* Kill every task: init is gone, and the sandbox with it. */
static void kill_all_tasks(void)
{
    struct task *t;
    list_for_each_entry(t, &g_kernel.tasks, klink)
    {
        tg_exit(t->tg, SIGKILL);
    }
}

static void tg_become_zombie(struct thread_group *tg)
{
    tg->zombie = true;
    waitq_notify(&tg->exit_wq, 0); /* pidfds become readable */
    timer_tg_exit(tg);
    ptimer_tg_exit(tg);
    reparent_children(tg);
    hup_orphaned_pgrp(tg, tg->parent);
    if (tg == g_kernel.init_tg) {
        g_kernel.exit_status = tg->exit_status;
        kill_all_tasks();
        return;
    }
    struct thread_group *parent = tg->parent;
    if (!parent)
        return;
    int st = tg->exit_status;
    int code = WIFSIGNALED(st) ? (WCOREDUMP(st) ? LINUX_CLD_DUMPED : LINUX_CLD_KILLED)
                               : LINUX_CLD_EXITED;
    /* SIGCHLD goes out even when the parent auto-reaps (SA_NOCLDWAIT with a handler);
     * signal_notify_parent() leaves it out for SIG_IGN. */
    signal_notify_parent(tg, code, WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    if (tg->exit_signal == SIGCHLD && signal_parent_autoreaps(parent)) {
        parent->cutime_ns += tg->utime_ns + tg->cutime_ns;
        parent->cstime_ns += tg->stime_ns + tg->cstime_ns;
        list_del(&tg->sibling);
        tg_reap(tg);
    }
    waitq_notify(&parent->child_wait, 0);
}

/* The last thread of session leader @tg exits (Linux's disassociate_ctty(1)). */
static void leader_exit_ctty(struct thread_group *tg)
{
    if (tg->sid != tg->pid)
        return;
    if (tg->ctty && g_kernel.ctty_leader_exit) {
        g_kernel.ctty_leader_exit(tg);
    } else if (tg->tty_old_pgrp > 0) {
        hup_and_continue_pgrp(tg->tty_old_pgrp);
    }
    tg->tty_old_pgrp = 0;
}

_Noreturn void task_exit_now(struct task *t)
{
    struct thread_group *tg = t->tg;
    t->exiting = true;
    if (t->mmt.mm && t->mmt.pctx) {
        futex_exit_robust_list(t);
        if (t->clear_child_tid) {
            futex_wake_clear_tid(t, t->clear_child_tid);
            t->clear_child_tid = 0;
        }
    }
    task_vfork_release(t);
    task_account_exit(t, t->mmt.mm && mm_users(t->mmt.mm) == 1);
    task_ioac_add(&tg->ioac, &t->ioac);
    mm_deferred_flush(&t->mmt);
    if (t->mmt.pctx) {
        g_platform->context_release(t->mmt.pctx);
        t->mmt.pctx = NULL;
    }
    if (g_platform->thread_idle)
        g_platform->thread_idle();
    if (t->mmt.mm) {
        mm_unref(t->mmt.mm);
        t->mmt.mm = NULL;
    }
    if (t->fdt) {
        fdtable_unref(t->fdt);
        t->fdt = NULL;
    }
    if (t->ctx.fs) {
        fs_context_unref(t->ctx.fs);
        t->ctx.fs = NULL;
    }
    t->state = TASK_DEAD;
    list_del(&t->klink);
    g_kernel.nr_tasks--;
    /* A thread other than the leader is released now (Linux's release_task of a thread);
     * the leader stays on the list, a zombie leader, until its group is reaped. */
    if (t != tg->leader)
        task_release(t);
    if (--tg->nr_live == 0) {
        if (!tg->exiting) {
            tg->exiting = true;
            tg->exit_status = (t->exit_code & 0xff) << 8;
        }
        leader_exit_ctty(tg);
        if (g_kernel.sem_exit)
            g_kernel.sem_exit(tg);
        tg_become_zombie(tg); /* may reap @tg: @t lives on through this thread's reference */
    } else {
        /* execve waits for the other threads to go. */
        waitq_notify(&tg->child_wait, 0);
    }
    if (g_kernel.nr_tasks == 0)
        pthread_cond_broadcast(&g_kernel.all_exited);
    task_unref(t); /* this thread's reference: @t (and @tg) may be freed here */
    kernel_unlock();
    pthread_exit(NULL);
}

/* ---- wait ----------------------------------------------------------------------------- */

static bool wait_matches(struct task *t, struct thread_group *c, int idtype, int id, int options)
{
    /* __WCLONE: only children whose exit signal is not SIGCHLD; __WALL: all. */
    if (!(options & LINUX_WALL)) {
        bool clone_child = c->exit_signal != SIGCHLD;
        if (!!(options & LINUX_WCLONE) != clone_child)
            return false;
    }
    switch (idtype) {
    case P_ALL:
        return true;
    case P_PID:
        return c->pid == id;
    case P_PGID:
        return c->pgid == (id ? id : t->tg->pgid);
    default:
        return false;
    }
}

/* Search once. Returns 1 with *@res filled when something is reported, 0 if there are
 * matching children but nothing to report, -ECHILD if there are none. */
static int wait_search(struct task *t, int idtype, int id, int options, struct wait_result *res)
{
    bool any = false;
    struct thread_group *c, *n;
    list_for_each_entry_safe(c, n, &t->tg->children, sibling)
    {
        if (!wait_matches(t, c, idtype, id, options))
            continue;
        any = true;
        if (c->zombie && (options & WEXITED)) {
            res->pid = c->pid;
            res->uid = tg_cred(c)->uid;
            res->status = c->exit_status;
            res->code = WIFSIGNALED(c->exit_status)
                            ? (WCOREDUMP(c->exit_status) ? LINUX_CLD_DUMPED : LINUX_CLD_KILLED)
                            : LINUX_CLD_EXITED;
            res->utime_ns = c->utime_ns + c->cutime_ns;
            res->stime_ns = c->stime_ns + c->cstime_ns;
            if (!(options & WNOWAIT)) {
                t->tg->cutime_ns += res->utime_ns;
                t->tg->cstime_ns += res->stime_ns;
                task_ioac_add(&t->tg->ioac, &c->ioac); /* as Linux's wait_task_zombie */
                list_del(&c->sibling);
                tg_reap(c);
            }
            return 1;
        }
        if (c->stop_report && (options & WSTOPPED) && c->stop_state == TG_STOPPED) {
            res->pid = c->pid;
            res->uid = tg_cred(c)->uid;
            res->status = (c->stop_signal << 8) | 0x7f;
            res->code = LINUX_CLD_STOPPED;
            if (!(options & WNOWAIT))
                c->stop_report = false;
            return 1;
        }
        if (c->cont_report && (options & WCONTINUED)) {
            res->pid = c->pid;
            res->uid = tg_cred(c)->uid;
            res->status = 0xffff;
            res->code = LINUX_CLD_CONTINUED;
            if (!(options & WNOWAIT))
                c->cont_report = false;
            return 1;
        }
    }
    return any ? 0 : -ECHILD;
}

int task_wait_child(struct task *t, int idtype, int id, int options, struct wait_result *res)
{
    struct waiter w = {0};
    waitq_add(&t->tg->child_wait, &w, &t->ctx, 0);
    int ret;
    for (;;) {
        ret = wait_search(t, idtype, id, options, res);
        if (ret != 0)
            break;
        if (options & WNOHANG)
            break;
        if (task_wait(t, 0) == -EINTR) {
            ret = -LINUX_ERESTARTSYS;
            break;
        }
    }
    waitq_remove(&w);
    return ret;
}
