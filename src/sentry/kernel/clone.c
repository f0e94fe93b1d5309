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
    if (flags & NS_FLAGS)
        return -EPERM; /* COMPAT: namespaces inside the sandbox are not supported */
    if (flags & (CLONE_PIDFD | CLONE_PTRACE | CLONE_UNTRACED))
        return -EINVAL; /* COMPAT: pidfds and ptrace are not supported */
    return 0;
}

/* Resources of the child: shared or copied according to @flags. */
static int clone_resources(struct task *t, struct task *c, uint64_t flags)
{
    int err = 0;
    if (flags & CLONE_VM)
        c->mm = mm_ref(t->mm);
    else
        err = mm_fork(t, t->mm, &c->mm);
    if (err < 0)
        return err;
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
    struct thread_group *ptg = t->tg;
    if (flags & CLONE_SIGHAND) {
        tg->sighand = ptg->sighand;
        tg->sighand->refs++;
    } else {
        err = sighand_copy(ptg->sighand, &tg->sighand);
        if (err < 0) {
            tg_free(tg);
            return err;
        }
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
    tg->arg_start = ptg->arg_start, tg->arg_end = ptg->arg_end;
    tg->env_start = ptg->env_start, tg->env_end = ptg->env_end;
    c->tg = tg;
    return 0;
}

static void release_child(struct task *c)
{
    if (c->mm)
        mm_unref(c->mm);
    if (c->fdt)
        fdtable_unref(c->fdt);
    if (c->ctx.fs)
        fs_context_unref(c->ctx.fs);
}

long task_clone(struct task *t, const struct clone_params *p)
{
    uint64_t flags = p->flags;
    int err = check_flags(flags);
    if (err < 0)
        return err;
    if (t->tg->exiting)
        return -EINTR;
    struct task *c;
    if ((err = task_alloc(&c)) < 0)
        return err;
    c->ctx.cred = cred_ref(t->ctx.cred);
    if ((err = clone_resources(t, c, flags)) < 0)
        goto fail;
    if (flags & CLONE_THREAD) {
        c->tg = t->tg;
    } else if ((err = new_thread_group(t, c, flags)) < 0) {
        goto fail;
    }

    /* Registers: the child returns 0 from clone on its own stack and TLS. */
    c->regs = t->regs;
    c->regs.rax = 0;
    if (p->stack)
        c->regs.rsp = p->stack;
    if (flags & CLONE_SETTLS)
        c->regs.fs_base = p->tls;
    struct linux_fpstate *fp;
    if (task_fpstate_get(t, &fp) == 0) {
        c->fpstate = *fp;
        c->fpstate_valid = c->fpstate_dirty = true;
    }
    memcpy(c->comm, t->comm, sizeof(c->comm));
    c->blocked = t->blocked;
    c->cpu_affinity = t->cpu_affinity;
    c->ioprio = t->ioprio;
    c->mempolicy = t->mempolicy;
    if ((flags & (CLONE_VM | CLONE_VFORK)) != CLONE_VM)
        c->altstack = t->altstack;
    else
        c->altstack.ss_flags = LINUX_SS_DISABLE;
    if (flags & CLONE_CHILD_CLEARTID)
        c->clear_child_tid = p->child_tid;

    long token;
    err =
        g_platform->thread_prepare(mm_plat_as(c->mm), (flags & CLONE_VM) ? t->pctx : NULL, &token);
    if (err < 0)
        goto fail_tg;
    if (flags & CLONE_PARENT_SETTID) {
        int32_t tid = c->tid;
        copy_out(t, p->parent_tid, &tid, sizeof(tid)); /* errors ignored, as Linux */
    }
    task_link(c);
    if (flags & CLONE_CHILD_SETTID)
        c->set_child_tid = p->child_tid;
    if (flags & CLONE_VFORK)
        c->vfork_parent = t;
    if ((err = task_start(c, token)) < 0) {
        log_error("cannot start a host thread: %s", strerror(-err));
        c->exiting = true; /* never ran: tear it down as an exit */
        return err;
    }
    int tid = c->tid;
    if (flags & CLONE_VFORK) {
        t->vfork_done = false;
        while (!t->vfork_done && task_wait_killable(t, 0) != -EINTR)
            ;
    }
    return tid;

fail_tg:
    if (!(flags & CLONE_THREAD) && c->tg) {
        list_del(&c->tg->sibling);
        tg_free(c->tg);
        c = NULL;
    }
fail:
    if (c) {
        release_child(c);
        task_free(c);
    }
    return err;
}
