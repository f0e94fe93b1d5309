// SPDX-License-Identifier: Apache-2.0
/*
 * Job control: group stop (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) and continue (SIGCONT).
 * A stop taken by one thread marks the group TG_STOPPING and kicks the others; each thread
 * parks in signal_deliver(); the last one to park makes the group TG_STOPPED and tells the
 * parent. SIGCONT, at send time, releases them all. SIGKILL always ends a stop.
 */
#include "sentry/kernel/signal.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/kernel/task.h"

bool signal_pgrp_orphaned(int pgid)
{
    struct thread_group *tg;
    list_for_each_entry(tg, &g_kernel.tgs, klink)
    {
        if (tg->pgid != pgid || tg->zombie || !tg->parent)
            continue;
        if (tg->parent->pgid != pgid && tg->parent->sid == tg->sid)
            return false;
    }
    return true;
}

static bool stop_thread_alive(const struct task *t)
{
    return t->state != TASK_DEAD && !t->exiting;
}

/* The conditions under which a parked thread leaves the stop. */
static bool stop_should_end(struct task *t)
{
    struct thread_group *tg = t->tg;
    linux_sigset_t pending = t->pending.set | tg->shared_pending.set;

    return tg->stop_state == TG_RUNNING || tg->exiting || t->exiting ||
           (pending & LINUX_SIGBIT(LINUX_SIGKILL));
}

bool signal_stop_pending(struct task *t)
{
    return t->tg->stop_state != TG_RUNNING && !t->group_stop_parked && !stop_should_end(t);
}

void signal_stop_begin(struct task *t, int sig)
{
    struct thread_group *tg = t->tg;
    struct task *o;

    if (tg->stop_state != TG_RUNNING)
        return;
    tg->stop_state = TG_STOPPING;
    tg->stop_signal = sig;
    list_for_each_entry(o, &tg->tasks, tg_link)
    {
        if (o != t && stop_thread_alive(o))
            task_kick(o);
    }
}

static bool stop_all_parked(struct thread_group *tg)
{
    struct task *o;

    list_for_each_entry(o, &tg->tasks, tg_link)
    {
        if (stop_thread_alive(o) && !o->group_stop_parked)
            return false;
    }
    return true;
}

void signal_stop_park(struct task *t)
{
    struct thread_group *tg = t->tg;

    if (stop_should_end(t))
        return;
    t->group_stop_parked = true;
    t->state = TASK_STOPPED;
    if (tg->stop_state == TG_STOPPING && stop_all_parked(tg)) {
        tg->stop_state = TG_STOPPED;
        tg->stop_report = true;
        tg->cont_report = false;
        signal_notify_parent(tg, LINUX_CLD_STOPPED, tg->stop_signal);
    }
    /* COMPAT: a thread that exits while the others stop does not complete the stop; the
     * group stays TG_STOPPING (still parked) until SIGCONT or SIGKILL. */
    while (!stop_should_end(t))
        (void)task_wait_killable(t, 0);
    t->group_stop_parked = false;
    t->state = TASK_IN_KERNEL;
}

void signal_stop_continue(struct thread_group *tg)
{
    struct task *o;

    if (tg->stop_state == TG_RUNNING)
        return;
    bool was_stopped = tg->stop_state == TG_STOPPED;
    tg->stop_state = TG_RUNNING;
    list_for_each_entry(o, &tg->tasks, tg_link)
    {
        if (o->group_stop_parked)
            task_wake(o);
    }
    /* COMPAT: Linux reports CLD_STOPPED when SIGCONT interrupts a stop still in progress;
     * only a complete stop is reported here (as CLD_CONTINUED). */
    if (was_stopped) {
        tg->stop_report = false;
        tg->cont_report = true;
        signal_notify_parent(tg, LINUX_CLD_CONTINUED, LINUX_SIGCONT);
    }
}
