// SPDX-License-Identifier: Apache-2.0
/*
 * execve(2): the other threads of the process go, a new address space (and stub) is built by
 * the loader, and the task continues in it with a fresh platform context.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "common/log.h"
#include "sentry/auth/cred.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/ptimer.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/task_internal.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/platform/platform.h"

/* Make every other thread of @t's group exit and wait until they are gone (de_thread).
 * Returns 0, or -EINTR if @t must exit instead: the group is exiting, or another thread's
 * execve got here first and told @t to go (Linux lets the first exec win, too). */
static int kill_other_threads(struct task *t)
{
    struct thread_group *tg = t->tg;
    struct task *o;
    if (t->exiting || tg->exiting)
        return -EINTR;
    list_for_each_entry(o, &tg->tasks, tg_link)
    {
        if (o != t && o->state != TASK_DEAD) {
            o->exiting = true;
            task_kick(o);
        }
    }
    struct waiter w = {0};
    waitq_add(&tg->child_wait, &w, &t->ctx, 0);
    int ret = 0;
    while (tg->nr_live > 1) {
        if (task_wait_killable(t, kernel_now_ns() + 10000000ULL) == -EINTR) {
            ret = -EINTR;
            break;
        }
    }
    waitq_remove(&w);
    return ret;
}

static void set_comm(struct task *t, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    memset(t->comm, 0, sizeof(t->comm));
    strncpy(t->comm, base, sizeof(t->comm) - 1);
}

int task_execve(struct task *t, const char *path, char *const *argv, char *const *envp)
{
    struct mm *mm;
    int err = mm_new(&t->ctx, &mm); /* nothing is changed yet: the stub comes unlocked */
    if (err < 0)
        return err;
    struct linux_regs regs;
    char exe[sizeof(t->tg->exe_path)];
    /* The loader writes the new stack through t->mmt.mm; keep the old context out of reach. */
    struct mm *old_mm = t->mmt.mm;
    struct plat_context *old_ctx = t->mmt.pctx;
    t->mmt.mm = mm;
    t->mmt.pctx = NULL;
    struct exec_creds creds = {0};
    err = g_kernel.load(t, mm, path, argv, envp, &regs, exe, sizeof(exe), &creds);
    t->mmt.mm = old_mm;
    t->mmt.pctx = old_ctx;
    if (err < 0) {
        mm_unref(mm);
        return err;
    }
    /* Point of no return. */
    if (kill_other_threads(t) < 0) {
        cred_unref(creds.cred);
        mm_unref(mm);
        return -EINTR;
    }
    if (t->tg->leader != t) {
        /* As Linux's de_thread(): the exec'ing thread becomes the leader, with its tid, and
         * the old leader, dead now, is released as any other thread. */
        struct task *old = t->tg->leader;
        old->tid = t->tid;
        t->tid = t->tg->pid;
        t->tg->leader = t;
        task_release(old);
    }
    /* The new image's stub thread, a host round trip, with the kernel lock released: the
     * group has this thread only now, and it keeps running the old image's context until
     * the switch below (a signal meanwhile is delivered after the execve). */
    long token;
    ctx_io_begin(&t->ctx);
    err = g_platform->thread_prepare(mm_plat_as(mm), NULL, &token);
    struct plat_context *ctx = NULL;
    if (err == 0)
        err = g_platform->context_new(mm_plat_as(mm), token, &ctx);
    ctx_io_end(&t->ctx);
    if (err < 0) {
        log_error("execve: no platform context: %s", strerror(-err));
        cred_unref(creds.cred);
        mm_unref(mm);
        tg_exit(t->tg, SIGKILL);
        return -ENOMEM;
    }
    if (old_ctx)
        g_platform->context_release(old_ctx);
    t->mmt.pctx = ctx;
    if (old_mm) {
        if (mm_users(old_mm) == 1) /* the app time of the old image stays the process's */
            t->tg->utime_ns += g_platform->as_cpu_ns(mm_plat_as(old_mm));
        mm_unref(old_mm);
    }
    t->mmt.mm = mm;
    t->regs = regs;
    /* The new image starts with the initial FPU state (Linux's fpu_flush_thread), not with
     * that of its new stub thread, which came from a thread of the Sentry. */
    signal_fpstate_reset(t);
    memcpy(t->tg->exe_path, exe, sizeof(t->tg->exe_path));
    t->tg->did_exec = true;
    t->tg->membarrier_registered = 0; /* a new address space */
    task_commit_cred(t, creds.cred);
    t->tg->dumpable = creds.dumpable;
    set_comm(t, path);
    fdtable_close_on_exec(t->fdt);
    signal_exec_reset(t);
    ptimer_tg_exit(t->tg); /* POSIX timers do not survive execve (Linux exit_itimers) */
    t->clear_child_tid = 0;
    t->robust_list = 0;
    task_vfork_release(t);
    return 0;
}
