// SPDX-License-Identifier: Apache-2.0
/*
 * clone(2): new threads and processes. Memory, descriptors, filesystem context and signal
 * handlers are shared or copied by the CLONE_* flags; the new task gets its own host thread
 * and a stub thread (in the same stub for CLONE_VM, in a new copy-on-write one otherwise).
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "abi/linux/errno.h"
#include "common/log.h"
#include "sentry/auth/cred.h"
#include "sentry/kernel/clone.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/task_internal.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/platform/platform.h"
#include "sentry/vfs/vfs.h"

#define NS_FLAGS                                                                                   \
    (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |     \
     CLONE_NEWCGROUP)

static int check_flags(uint64_t flags)
{
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
        return -EINVAL;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
        return -EINVAL;
    if ((flags & CLONE_FS) && (flags & CLONE_NEWNS))
        return -EINVAL;
    if ((flags & CLONE_PIDFD) && (flags & CLONE_DETACHED))
        return -EINVAL;
    if (flags & NS_FLAGS)
        return -EPERM; /* COMPAT: namespaces inside the sandbox are not supported */
    if (flags & (CLONE_PTRACE | CLONE_UNTRACED))
        return -EINVAL; /* COMPAT: ptrace is not supported */
    if ((flags & CLONE_PIDFD) && (flags & CLONE_THREAD))
        return -EINVAL; /* COMPAT: no thread pidfds (Linux 6.9's PIDFD_THREAD) */
    return 0;
}

/* CLONE_CLEAR_SIGHAND: the child's handlers are reset to SIG_DFL; SIG_IGN stays. */
static void clear_sighand(struct sighand *sh)
{
    for (int i = 0; i < LINUX_NSIG; i++) {
        struct linux_sigaction *act = &sh->action[i];
        if (act->handler != LINUX_SIG_IGN)
            act->handler = LINUX_SIG_DFL;
        act->flags = 0;
        act->restorer = 0;
        act->mask = 0;
    }
}

/* Resources of the child: shared or copied according to @flags. On failure the caller
 * releases what was taken. */
static int clone_resources(struct task *t, struct task *c, uint64_t flags)
{
    int err = 0;
    if (flags & CLONE_VM) {
        c->mmt.mm = mm_ref(t->mmt.mm);
    } else if ((err = mm_fork(&t->mmt, t->mmt.mm, &c->mmt.mm)) < 0) {
        /* No stub process (a host process limit): to the app, as Linux says, EAGAIN. */
        return err == -ENOMEM ? err : -EAGAIN;
    }
    if (flags & CLONE_FILES)
        c->fdt = fdtable_ref(t->fdt);
    else
        err = fdtable_copy(t->fdt, &c->fdt);
    if (err < 0)
        return err;
    if (flags & CLONE_FS)
        c->ctx.fs = fs_context_ref(t->ctx.fs);
    else
        err = fs_context_copy(t->ctx.fs, &c->ctx.fs);
    return err;
}

static int new_thread_group(struct task *t, struct task *c, uint64_t flags)
{
    struct thread_group *tg;
    int err = tg_alloc(c, &tg);
    if (err < 0)
        return err;
    task_set_tg(c, tg);
    struct thread_group *ptg = t->tg;
    if (flags & CLONE_SIGHAND) {
        tg->sighand = ptg->sighand;
        tg->sighand->refs++;
    } else {
        err = sighand_copy(ptg->sighand, &tg->sighand);
        if (err < 0)
            return err; /* the caller reaps @tg with @c */
        if (flags & LINUX_CLONE_CLEAR_SIGHAND)
            clear_sighand(tg->sighand);
    }
    tg->parent = (flags & CLONE_PARENT) && ptg->parent ? ptg->parent : ptg;
    list_add_tail(&tg->sibling, &tg->parent->children);
    tg->pgid = ptg->pgid;
    tg->sid = ptg->sid;
    tg->ctty = ptg->ctty;
    tg->exit_signal = (int)(flags & 0xff);
    memcpy(tg->rlimits, ptg->rlimits, sizeof(tg->rlimits));
    tg->dumpable = ptg->dumpable;
    memcpy(tg->exe_path, ptg->exe_path, sizeof(tg->exe_path));
    memcpy(tg->saved_auxv, ptg->saved_auxv, sizeof(tg->saved_auxv));
    tg->saved_auxv_len = ptg->saved_auxv_len;
    tg->arg_start = ptg->arg_start, tg->arg_end = ptg->arg_end;
    tg->env_start = ptg->env_start, tg->env_end = ptg->env_end;
    return 0;
}

/* Undo everything of child @c, which never ran and is on no task list: its resources, its
 * new thread group (if any), and the task itself. */
static void clone_abort(struct task *c, uint64_t flags)
{
    if (c->mmt.mm)
        mm_unref(c->mmt.mm);
    if (c->fdt)
        fdtable_unref(c->fdt);
    if (c->ctx.fs)
        fs_context_unref(c->ctx.fs);
    c->mmt.mm = NULL, c->fdt = NULL, c->ctx.fs = NULL;
    if (!(flags & CLONE_THREAD) && c->tg) {
        list_del(&c->tg->sibling);
        tg_reap(c->tg); /* freed with @c, which holds the last reference */
    }
    task_unref(c);
}

/* A stub thread prepared for a task that will never run: adopt it here and let it go, so
 * that it does not idle in its address space for ever. */
static void discard_prepared(struct task *c, long token)
{
    struct plat_context *ctx;
    if (g_platform->context_new(mm_plat_as(c->mmt.mm), token, &ctx) == 0)
        g_platform->context_release(ctx);
}

/* RLIMIT_NPROC, as Linux's copy_process: the tasks (threads included, and zombies until they
 * are reaped) of the caller's real uid may not reach the limit, unless the caller's real uid
 * is root or it has CAP_SYS_RESOURCE or CAP_SYS_ADMIN. Returns 0 or -EAGAIN. */
static int check_nproc(struct task *t)
{
    const struct cred *c = task_cred(t);
    uint64_t max = (uint64_t)t->tg->rlimits[RLIMIT_NPROC].rlim_cur;
    if (max == (uint64_t)RLIM_INFINITY || c->uid == 0 || cred_capable(c, CAP_SYS_RESOURCE) ||
        cred_capable(c, CAP_SYS_ADMIN))
        return 0;
    uint64_t n = 0;
    struct thread_group *tg;
    list_for_each_entry(tg, &g_kernel.tgs, klink)
    {
        struct task *o;
        list_for_each_entry(o, &tg->tasks, tg_link)
        {
            if (task_cred(o)->uid == c->uid)
                n++;
        }
    }
    return n >= max ? -EAGAIN : 0;
}

/* The new task's registers, FPU state and per-thread settings, from @t's. */
static void clone_thread_state(struct task *t, struct task *c, const struct clone_params *p)
{
    uint64_t flags = p->flags;
    c->regs = t->regs;
    c->regs.rax = 0; /* the child returns 0 from clone on its own stack and TLS */
    if (p->stack)
        c->regs.rsp = p->stack;
    if (flags & CLONE_SETTLS)
        c->regs.fs_base = p->tls;
    struct linux_fpstate *fp;
    if (task_fpstate_get(t, &fp) == 0) {
        uint32_t fp_size;
        uint64_t xfeatures;
        plat_fpstate_format(&fp_size, &xfeatures);
        memcpy(c->fpstate, fp, fp_size);
        c->fpstate_valid = c->fpstate_dirty = true;
    }
    memcpy(c->comm, t->comm, sizeof(c->comm));
    c->blocked = t->blocked;
    c->cpu_affinity = t->cpu_affinity;
    c->ioprio = t->ioprio;
    c->sched_policy = t->sched_policy & ~0x40000000u; /* SCHED_RESET_ON_FORK is not inherited */
    c->mempolicy = t->mempolicy;
    if ((flags & (CLONE_VM | CLONE_VFORK)) != CLONE_VM)
        c->altstack = t->altstack;
    else
        c->altstack.ss_flags = LINUX_SS_DISABLE;
    if (flags & CLONE_CHILD_CLEARTID)
        c->clear_child_tid = p->child_tid;
    if (flags & CLONE_CHILD_SETTID)
        c->set_child_tid = p->child_tid;
}

/* A new task for @t's clone: its resources, group and state, a prepared stub thread and a
 * started host thread (which waits for the kernel lock). Returns 0 with *@out, or -errno
 * with nothing left behind. */
static int clone_create(struct task *t, const struct clone_params *p, struct task **out)
{
    uint64_t flags = p->flags;
    struct task *c;
    int err = task_alloc(&c);
    if (err < 0)
        return err;
    c->ctx.cred = cred_ref(t->ctx.cred);
    if (flags & CLONE_THREAD)
        task_set_tg(c, t->tg);
    else if ((err = new_thread_group(t, c, flags)) < 0)
        goto fail;
    if ((err = clone_resources(t, c, flags)) < 0)
        goto fail;
    clone_thread_state(t, c, p);
    long token;
    err = g_platform->thread_prepare(mm_plat_as(c->mmt.mm), (flags & CLONE_VM) ? t->mmt.pctx : NULL,
                                     &token);
    if (err < 0) {
        /* A host process or thread limit (or memory): to the app, as Linux says, EAGAIN. */
        log_warn("clone: no stub thread: %s", strerror(-err));
        err = err == -ENOMEM ? -ENOMEM : -EAGAIN;
        goto fail;
    }
    if ((err = task_start(c, token)) < 0) {
        discard_prepared(c, token);
        goto fail;
    }
    *out = c;
    return 0;
fail:
    clone_abort(c, flags);
    return err;
}

int task_clone_check(const struct clone_params *p)
{
    uint64_t flags = p->flags;
    int err = check_flags(flags);
    if (err < 0)
        return err;
    if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID) && p->pidfd == p->parent_tid)
        return -EINVAL;
    return 0;
}

long task_clone(struct task *t, const struct clone_params *p)
{
    uint64_t flags = p->flags;
    int err = task_clone_check(p);
    if (err < 0)
        return err;
    if (t->tg->exiting)
        return -EINTR;
    if ((err = check_nproc(t)) < 0)
        return err;
    struct task *c;
    if ((err = clone_create(t, p, &c)) < 0)
        return err;
    if (p->created)
        p->created(t, c, p->created_arg);
    /* The child's host thread waits for the kernel lock, which is held until the end. */
    if (flags & CLONE_PARENT_SETTID) {
        int32_t tid = c->tid;
        copy_out(t, p->parent_tid, &tid, sizeof(tid)); /* errors ignored, as Linux */
    }
    task_link(c);
    int tid = c->tid;
    if (flags & CLONE_VFORK) {
        c->vfork_parent = task_ref(t);
        t->vfork_done = false;
        /* Killable only, as Linux: the child may be using our memory and stack. */
        while (!t->vfork_done && task_wait_killable(t, 0) != -EINTR)
            ;
    }
    return tid;
}
