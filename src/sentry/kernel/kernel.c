// SPDX-License-Identifier: Apache-2.0
/*
 * The kernel object, wait queues and the blocking primitives every sleeping syscall uses:
 * task_wait() sleeps on the task's condition variable with the kernel lock released, and
 * signals, exits and wait-queue notifications wake it.
 */
#include "sentry/kernel/kernel.h"

#include <errno.h>
#include <time.h>

#include "abi/cvisor/vvar.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/task.h"
#include "sentry/platform/platform.h"
#include "sentry/time/timekeeper.h"

struct kernel g_kernel = {
    .tasks = LIST_HEAD_INIT(g_kernel.tasks),
    .tgs = LIST_HEAD_INIT(g_kernel.tgs),
    .next_pid = 1,
    .all_exited = PTHREAD_COND_INITIALIZER,
    .hostname = "cvisor",
    .domainname = "(none)",
};

__thread struct task *g_current;

uint64_t kernel_now_ns(void)
{
    return timekeeper_now_ns(CVISOR_CLOCK_MONOTONIC);
}

uint64_t kernel_realtime_ns(void)
{
    return timekeeper_now_ns(CVISOR_CLOCK_REALTIME);
}

void task_wake(struct task *t)
{
    KERNEL_LOCK_ASSERT();
    t->woken = true;
    pthread_cond_signal(&t->wake_cond);
}

bool task_signal_pending(struct task *t)
{
    return t->exiting || t->tg->exiting || signal_pending_unblocked(t);
}

static bool task_must_die(struct task *t)
{
    return t->exiting || t->tg->exiting;
}

static int do_wait(struct task *t, uint64_t deadline_ns, bool (*stop)(struct task *))
{
    KERNEL_LOCK_ASSERT();
    if (stop(t))
        return -EINTR;
    if (t->woken) {
        t->woken = false;
        return 0;
    }
    enum task_state prev = t->state;
    t->state = TASK_BLOCKED;
    if (g_platform && g_platform->thread_idle)
        g_platform->thread_idle();
    int ret = 0;
    while (!t->woken && !stop(t)) {
        if (deadline_ns) {
            if (kernel_now_ns() >= deadline_ns) {
                ret = -ETIMEDOUT;
                break;
            }
            struct timespec ts = timekeeper_host_deadline(deadline_ns);
            kernel_cond_timedwait(&t->wake_cond, &ts);
        } else {
            kernel_cond_wait(&t->wake_cond);
        }
    }
    t->state = prev;
    if (t->woken) {
        t->woken = false;
        return 0;
    }
    return ret ? ret : -EINTR;
}

int task_wait(struct task *t, uint64_t deadline_ns)
{
    return do_wait(t, deadline_ns, task_signal_pending);
}

int task_wait_killable(struct task *t, uint64_t deadline_ns)
{
    return do_wait(t, deadline_ns, task_must_die);
}

static int task_ctx_wait(struct ctx *c, uint64_t deadline_ns, bool killable)
{
    struct task *t = task_from_ctx(c);
    return do_wait(t, deadline_ns, killable ? task_must_die : task_signal_pending);
}

static void task_ctx_wake(struct ctx *c)
{
    task_wake(task_from_ctx(c));
}

static bool task_ctx_interrupted(struct ctx *c)
{
    return task_signal_pending(task_from_ctx(c));
}

static void task_ctx_io_begin(struct ctx *c)
{
    task_host_io_begin(task_from_ctx(c));
}

static void task_ctx_io_end(struct ctx *c)
{
    task_host_io_end(task_from_ctx(c));
}

const struct ctx_ops g_task_ctx_ops = {
    .wait = task_ctx_wait,
    .wake = task_ctx_wake,
    .interrupted = task_ctx_interrupted,
    .io_begin = task_ctx_io_begin,
    .io_end = task_ctx_io_end,
};

void task_kick(struct task *t)
{
    KERNEL_LOCK_ASSERT();
    t->interrupt_pending = true;
    switch (t->state) {
    case TASK_RUNNING_APP:
        if (t->mmt.pctx)
            g_platform->interrupt(t->mmt.pctx);
        break;
    case TASK_BLOCKED:
    case TASK_STOPPED:
        pthread_cond_signal(&t->wake_cond);
        break;
    default:
        break;
    }
}

struct task *task_find(int tid)
{
    struct task *t;
    list_for_each_entry(t, &g_kernel.tasks, klink)
    {
        if (t->tid == tid && t->state != TASK_DEAD)
            return t;
    }
    return NULL;
}

struct thread_group *tg_find(int pid)
{
    struct thread_group *tg;
    list_for_each_entry(tg, &g_kernel.tgs, klink)
    {
        if (tg->pid == pid)
            return tg;
    }
    return NULL;
}

uint64_t task_rlimit_cur(struct task *t, int resource)
{
    return (uint64_t)t->tg->rlimits[resource].rlim_cur;
}

int task_fpstate_get(struct task *t, struct linux_fpstate **fp)
{
    if (!t->fpstate_valid) {
        int err = g_platform->get_fpstate(t->mmt.pctx, t->fpstate);
        if (err < 0)
            return err;
        t->fpstate_valid = true;
    }
    *fp = t->fpstate;
    return 0;
}

void task_fpstate_set_dirty(struct task *t)
{
    t->fpstate_valid = true;
    t->fpstate_dirty = true;
}
