// SPDX-License-Identifier: Apache-2.0
/*
 * Signals: queueing (kill family, faults), delivery with Linux x86-64 rt frames, syscall
 * restart fix-ups, job-control group stop/continue and SIGCHLD to the parent. The task loop
 * calls signal_deliver() after every syscall, fault or interrupt.
 *
 * Locking: everything here is protected by the kernel lock (kernel.h); every function below
 * requires the caller to hold it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/linux/signal.h"
#include "abi/linux/types.h"

struct task;
struct thread_group;
struct sighand;
struct sigpending;
struct sigqueue_entry;

/* Signals that can never be blocked, ignored or caught. */
#define SIGNAL_UNBLOCKABLE (LINUX_SIGBIT(9) | LINUX_SIGBIT(19)) /* SIGKILL, SIGSTOP */

/* True if @sig is a valid signal number (1..64). */
static inline bool signal_valid(int sig)
{
    return sig >= 1 && sig <= LINUX_NSIG;
}

/*
 * Apply restart fix-ups to a syscall result in t->regs.rax (when t->in_syscall), then take
 * every deliverable pending signal: default actions (ignore, terminate, core, stop, continue)
 * or an rt frame on the app stack that makes the app enter the handler. Parks the task while
 * its thread group is stopped. May not return (fatal signal: tg_exit + task_exit_now).
 * Clears t->in_syscall. Caller holds the kernel lock and is @t's own thread.
 */
void signal_deliver(struct task *t);

/*
 * Queue a synchronous fault signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP) to @t with
 * si_code @code and si_addr @addr. If @sig is blocked or ignored it is unblocked and its
 * action reset to SIG_DFL, as Linux's force_sig_info. Caller holds the kernel lock.
 */
void signal_force(struct task *t, int sig, int code, gaddr_t addr);

/*
 * Send @info (info->signo may be 0: existence check only) to the single task @t
 * (tkill/tgkill, timers). Applies SIGKILL/SIGCONT/stop side effects and kicks @t.
 * Returns 0 or -errno (-EAGAIN if the rt queue limit is hit, -ENOMEM).
 * Caller holds the kernel lock.
 */
int signal_send_task(struct task *t, const struct linux_siginfo *info);

/*
 * A kernel object that queues a signal of its own (a POSIX timer; Linux's preallocated
 * sigqueue). At most one of its entries is queued at a time; @dequeued runs when that entry
 * leaves its pending queue, with the info about to be delivered (which it may complete), or
 * with NULL when the entry is discarded or flushed.
 */
struct signal_owner {
    void (*dequeued)(struct signal_owner *o, struct linux_siginfo *info);
    struct sigqueue_entry *entry; /* the queued entry, or NULL */
};

/* Send @info on behalf of @o (o->entry must be NULL) to the task @t or to the thread group
 * @tg. Unlike the plain sends, the entry is queued even if the standard signal is already
 * pending, and the real-time queue limit does not apply (Linux send_sigqueue). Returns 0 if
 * queued, 1 if dropped (ignored, exiting target), or -ENOMEM. Caller holds the kernel lock. */
int signal_send_task_owned(struct task *t, const struct linux_siginfo *info,
                           struct signal_owner *o);
int signal_send_tg_owned(struct thread_group *tg, const struct linux_siginfo *info,
                         struct signal_owner *o);

/* @o goes away: its queued entry (if any) stays queued as a plain signal. */
void signal_owner_detach(struct signal_owner *o);

/* Send @info to the thread group @tg (kill): queued on the shared queue, and a thread that
 * does not block it is kicked. Returns 0 or -errno. Caller holds the kernel lock. */
int signal_send_tg(struct thread_group *tg, const struct linux_siginfo *info);

/* Send @info to every thread group of process group @pgid. *@found tells whether the
 * group has any member. Returns 0 or the first -errno. Caller holds the kernel lock. */
int signal_send_pgrp(int pgid, const struct linux_siginfo *info, bool *found);

/* True if process group @pgid is orphaned: no live member has a parent in another group of
 * the same session (POSIX; Linux's will_become_orphaned_pgrp). An empty group counts as
 * orphaned. Caller holds the kernel lock. */
bool signal_pgrp_orphaned(int pgid);

/* Fill @info for a kill-style signal @sig with si_code @code, sent by @sender (NULL: the
 * kernel, pid 0/uid 0). */
void signal_info_kill(struct linux_siginfo *info, int sig, int code, struct task *sender);

/*
 * Tell the parent of @child about a state change: @cld_code is CLD_EXITED, CLD_KILLED,
 * CLD_DUMPED (with @status the exit code or signal), CLD_STOPPED or CLD_CONTINUED (with
 * @status the signal). Sends child->exit_signal for exits (SIGCHLD for stop/continue,
 * honouring SA_NOCLDSTOP) and wakes the parent's child_wait. Caller holds the kernel lock.
 */
void signal_notify_parent(struct thread_group *child, int cld_code, int status);

/* True if children of @parent are reaped at exit without becoming zombies (SIGCHLD is
 * SIG_IGN or has SA_NOCLDWAIT). As Linux, this applies only to children whose exit_signal
 * is SIGCHLD. Caller holds the kernel lock. */
bool signal_parent_autoreaps(struct thread_group *parent);

/* A new handler table, all SIG_DFL, refs 1. Returns NULL on allocation failure. */
struct sighand *sighand_new(void);
/* A copy of @src (fork without CLONE_SIGHAND), refs 1, in *@out. Returns 0 or -ENOMEM. */
int sighand_copy(struct sighand *src, struct sighand **out);
/* Drop a reference; frees the table at zero. NULL is allowed. */
void sighand_unref(struct sighand *sh);

/* execve: caught signals go back to SIG_DFL (ignored stay ignored), the alternate stack is
 * cleared; the mask and pending signals are kept. Caller holds the kernel lock. */
void signal_exec_reset(struct task *t);

/* Give @t the initial FPU state (as FNINIT, default MXCSR, every extended component
 * initial), written back before it runs app code again: what a handler, and a new image
 * after execve, starts with. Caller holds the kernel lock and is @t's own thread. */
void signal_fpstate_reset(struct task *t);

/* Free every queued entry of @p and clear its set. */
void signal_flush_pending(struct sigpending *p);

/* True if @t has a pending signal (private or shared) that it does not block. Caller holds
 * the kernel lock. Used by task_signal_pending(). */
bool signal_pending_unblocked(struct task *t);

/* Default action of @sig, as Linux's sig_kernel_* classes. */
enum signal_default {
    SIGDFL_TERM,
    SIGDFL_CORE,
    SIGDFL_IGNORE,
    SIGDFL_STOP,
    SIGDFL_CONT,
};
enum signal_default signal_default_action(int sig);

/*
 * Dequeue the lowest-numbered signal of @p that is in @mask (synchronous fault signals
 * first), copying its info to @info. Returns the signal, or 0 if none. Pure logic, also
 * used by rt_sigtimedwait and the unit tests.
 */
int sigpending_dequeue(struct sigpending *p, linux_sigset_t mask, struct linux_siginfo *info);

/* Queue @info on @p (a standard signal already pending is not queued twice). Returns 0,
 * -EAGAIN (too many queued real-time signals) or -ENOMEM. */
int sigpending_enqueue(struct sigpending *p, const struct linux_siginfo *info);

/* Remove every entry of the signals in @mask from @p. */
void sigpending_discard(struct sigpending *p, linux_sigset_t mask);

/* Initialise an empty pending set. */
void sigpending_init(struct sigpending *p);
