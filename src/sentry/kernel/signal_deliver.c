// SPDX-License-Identifier: Apache-2.0
/*
 * signal_deliver(): what the task loop runs before returning to app code. Takes pending
 * signals (Linux get_signal), applies default actions, fixes up interrupted syscalls
 * exactly as Linux x86's arch_do_signal_or_restart, and sets up handler frames through
 * signal_frame.c.
 */
#include <string.h>

#include "abi/linux/errno.h"
#include "abi/linux/syscall_nr_x86_64.h"
#include "common/log.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/kernel/task.h"

/* Make the interrupted syscall run again: back over the 2-byte syscall instruction. */
static void restart_syscall_insn(struct task *t, uint64_t nr)
{
    t->regs.rax = nr;
    t->regs.rip -= 2;
}

/* Restart fix-ups for a syscall result in rax. @act is the handler about to run, or NULL
 * when none runs. */
static void signal_restart_fixup(struct task *t, const struct linux_sigaction *act)
{
    if (!t->in_syscall)
        return;
    t->in_syscall = false;
    /* rt_sigreturn sets orig_rax to -1: its restored rax is not a syscall result. */
    if ((int64_t)t->regs.orig_rax < 0)
        return;

    long ret = (long)t->regs.rax;
    switch (ret) {
    case -LINUX_ERESTART_RESTARTBLOCK:
        if (act)
            t->regs.rax = (uint64_t)-EINTR;
        else
            restart_syscall_insn(t, LINUX_NR_restart_syscall);
        break;
    case -LINUX_ERESTARTNOHAND:
        if (act)
            t->regs.rax = (uint64_t)-EINTR;
        else
            restart_syscall_insn(t, t->regs.orig_rax);
        break;
    case -LINUX_ERESTARTSYS:
        if (act && !(act->flags & LINUX_SA_RESTART))
            t->regs.rax = (uint64_t)-EINTR;
        else
            restart_syscall_insn(t, t->regs.orig_rax);
        break;
    case -LINUX_ERESTARTNOINTR:
        restart_syscall_insn(t, t->regs.orig_rax);
        break;
    default:
        break;
    }
}

/* Take the next deliverable signal: SIGKILL first, then the thread's own queue, then the
 * shared one. Returns the signal or 0. */
static int signal_dequeue(struct task *t, struct linux_siginfo *info)
{
    struct thread_group *tg = t->tg;
    linux_sigset_t kill = LINUX_SIGBIT(LINUX_SIGKILL);

    if (t->pending.set & kill)
        return sigpending_dequeue(&t->pending, kill, info);
    if (tg->shared_pending.set & kill)
        return sigpending_dequeue(&tg->shared_pending, kill, info);
    int sig = sigpending_dequeue(&t->pending, ~t->blocked, info);
    if (!sig)
        sig = sigpending_dequeue(&tg->shared_pending, ~t->blocked, info);
    return sig;
}

/* A fatal default action: the whole group exits with @sig (plus the core bit). */
static _Noreturn void signal_fatal(struct task *t, int sig, bool core)
{
    struct thread_group *tg = t->tg;

    /* COMPAT: no core file is written. Linux sets the 0x80 "core dumped" bit only when a
     * dump happened, so it is set when RLIMIT_CORE would have allowed one. */
    if (core && tg->rlimits[RLIMIT_CORE].rlim_cur == 0)
        core = false;
    tg->stop_state = TG_RUNNING;
    if (!tg->exiting)
        tg_exit(tg, sig | (core ? 0x80 : 0));
    task_exit_now(t);
}

/* Apply the default action of @sig; returns only if the task goes on (ignore, stop). */
static void signal_default(struct task *t, int sig)
{
    switch (signal_default_action(sig)) {
    case SIGDFL_IGNORE:
    case SIGDFL_CONT: /* the continue happened at send time */
        return;
    case SIGDFL_STOP:
        /* SIGTSTP, SIGTTIN and SIGTTOU are discarded in an orphaned group (nobody could
         * continue it); SIGSTOP always stops. */
        if (sig != LINUX_SIGSTOP && signal_pgrp_orphaned(t->tg->pgid))
            return;
        signal_stop_begin(t, sig);
        signal_stop_park(t);
        return;
    case SIGDFL_CORE:
        signal_fatal(t, sig, true);
    case SIGDFL_TERM:
        signal_fatal(t, sig, false);
    }
}

/* Linux's force_sigsegv after a frame could not be written for @sig. */
static void signal_force_segv(struct task *t, int sig)
{
    if (sig == LINUX_SIGSEGV)
        t->tg->sighand->action[LINUX_SIGSEGV - 1].handler = LINUX_SIG_DFL;
    signal_force(t, LINUX_SIGSEGV, LINUX_SI_KERNEL, 0);
}

/* Run the handler @act for @sig: fix-ups, frame, mask. Returns false if the frame failed. */
static bool signal_handle(struct task *t, int sig, const struct linux_siginfo *info,
                          const struct linux_sigaction *act)
{
    signal_restart_fixup(t, act);
    if (signal_frame_setup(t, sig, info, act) < 0) {
        log_debug("tid %d: cannot write the frame for signal %d", t->tid, sig);
        signal_force_segv(t, sig);
        return false;
    }
    /* The frame holds the mask to restore (saved_mask if a sigsuspend set one). */
    t->has_saved_mask = false;
    linux_sigset_t block = act->mask;
    if (!(act->flags & LINUX_SA_NODEFER))
        block |= LINUX_SIGBIT(sig);
    t->blocked = (t->blocked | block) & ~SIGNAL_UNBLOCKABLE;
    return true;
}

void signal_deliver(struct task *t)
{
    struct thread_group *tg = t->tg;
    bool handled = false;

    for (;;) {
        if (tg->exiting || t->exiting)
            break;
        if (signal_stop_pending(t)) {
            signal_stop_park(t);
            continue;
        }

        struct linux_siginfo info;
        int sig = signal_dequeue(t, &info);
        if (!sig)
            break;

        struct linux_sigaction *ka = &tg->sighand->action[sig - 1];
        if (sig == LINUX_SIGKILL)
            signal_fatal(t, sig, false);
        if (ka->handler == LINUX_SIG_IGN)
            continue;
        if (ka->handler == LINUX_SIG_DFL) {
            signal_default(t, sig);
            continue;
        }

        struct linux_sigaction act = *ka;
        if (ka->flags & LINUX_SA_RESETHAND)
            ka->handler = LINUX_SIG_DFL;
        /* As Linux's exit-to-user loop, every deliverable signal gets a frame before the
         * task returns to app code: later frames nest on the handler's stack, so the last
         * one set up runs first. */
        if (signal_handle(t, sig, &info, &act))
            handled = true;
    }

    /* No handler runs: restart what was interrupted and undo a sigsuspend mask. */
    if (handled) {
        t->in_syscall = false;
        return;
    }
    signal_restart_fixup(t, NULL);
    if (t->has_saved_mask) {
        t->has_saved_mask = false;
        t->blocked = t->saved_mask;
    }
    t->in_syscall = false;
}
