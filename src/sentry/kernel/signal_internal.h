// SPDX-License-Identifier: Apache-2.0
/*
 * Declarations shared by the signal files (signal.c, signal_deliver.c, signal_frame.c,
 * signal_stop.c) and sys_signal.c; not part of the API other modules code against.
 *
 * Locking: as signal.h, everything requires the kernel lock.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/linux/signal.h"
#include "abi/linux/types.h"

struct task;
struct thread_group;

#define LINUX_SIGHUP 1
#define LINUX_SIGINT 2
#define LINUX_SIGQUIT 3
#define LINUX_SIGILL 4
#define LINUX_SIGTRAP 5
#define LINUX_SIGABRT 6
#define LINUX_SIGBUS 7
#define LINUX_SIGFPE 8
#define LINUX_SIGKILL 9
#define LINUX_SIGUSR1 10
#define LINUX_SIGSEGV 11
#define LINUX_SIGUSR2 12
#define LINUX_SIGPIPE 13
#define LINUX_SIGALRM 14
#define LINUX_SIGTERM 15
#define LINUX_SIGSTKFLT 16
#define LINUX_SIGCHLD 17
#define LINUX_SIGCONT 18
#define LINUX_SIGSTOP 19
#define LINUX_SIGTSTP 20
#define LINUX_SIGTTIN 21
#define LINUX_SIGTTOU 22
#define LINUX_SIGURG 23
#define LINUX_SIGXCPU 24
#define LINUX_SIGXFSZ 25
#define LINUX_SIGVTALRM 26
#define LINUX_SIGPROF 27
#define LINUX_SIGWINCH 28
#define LINUX_SIGIO 29
#define LINUX_SIGPWR 30
#define LINUX_SIGSYS 31
#define LINUX_SIGRTMIN 32

/* Signals raised by the faulting instruction: dequeued before the others (Linux). */
#define SIGNAL_SYNCHRONOUS_MASK                                                                    \
    (LINUX_SIGBIT(LINUX_SIGSEGV) | LINUX_SIGBIT(LINUX_SIGBUS) | LINUX_SIGBIT(LINUX_SIGILL) |       \
     LINUX_SIGBIT(LINUX_SIGTRAP) | LINUX_SIGBIT(LINUX_SIGFPE) | LINUX_SIGBIT(LINUX_SIGSYS))
#define SIGNAL_STOP_MASK                                                                           \
    (LINUX_SIGBIT(LINUX_SIGSTOP) | LINUX_SIGBIT(LINUX_SIGTSTP) | LINUX_SIGBIT(LINUX_SIGTTIN) |     \
     LINUX_SIGBIT(LINUX_SIGTTOU))

/* User-visible segment selectors of 64-bit mode (__USER_CS, __USER_DS). */
#define LINUX_USER_CS 0x33
#define LINUX_USER_DS 0x2b

/* Most real-time signal entries one queue may hold (COMPAT: Linux counts per user against
 * RLIMIT_SIGPENDING). */
#define SIGNAL_QUEUE_MAX 4096

/* --- signal.c --- */

/* True if delivering @sig to @t would do nothing (SIG_IGN, or SIG_DFL whose default is to
 * ignore) and @t does not block it. */
bool signal_is_ignored(struct task *t, int sig);

/* Kick one thread of @tg that can take @sig now (or every thread for SIGKILL). */
void signal_wake_tg(struct thread_group *tg, int sig);

/* True if a signal @sig sent from inside the sandbox to @tg must be dropped: the sandbox's
 * init only receives signals it has a handler for (Linux SIGNAL_UNKILLABLE). */
bool signal_init_protected(struct thread_group *tg, int sig);

/* True for exactly one task of each live thread group: use it to visit every process once
 * while walking g_kernel.tasks. */
bool signal_tg_visit(struct task *t);

/* Discard the signals of @mask from the shared queue of @tg and every thread's queue. */
void signal_discard_tg(struct thread_group *tg, linux_sigset_t mask);

/* Whether @sender may send a signal to @target (Linux's check_kill_permission for a
 * sandbox without capabilities other than euid 0). */
bool signal_may_kill(struct task *sender, struct thread_group *target, int sig);

/* --- signal_stop.c --- */

/* A stop signal's default action was taken by @t: start a group stop of its thread group.
 * The caller then parks with signal_stop_park(). */
void signal_stop_begin(struct task *t, int sig);

/* Park @t while its group is stopping or stopped, until SIGCONT, SIGKILL or exit.
 * Reports the stop to the parent when @t is the last thread to stop. */
void signal_stop_park(struct task *t);

/* SIGCONT side effects at send time on @tg: resume a stopped group and report it. */
void signal_stop_continue(struct thread_group *tg);

/* True if @t must park (group stop in progress and @t not parked yet). */
bool signal_stop_pending(struct task *t);

/* --- signal_frame.c --- */

/* Where a frame for a handler goes. Pure computation of Linux's get_sigframe(). */
struct sigframe_layout {
    gaddr_t frame;   /* struct linux_rt_sigframe; rsp at handler entry */
    gaddr_t fpstate; /* 64-byte aligned FXSAVE area (512 bytes) */
    bool on_altstack;
};

/* Compute the layout for a handler with flags @sa_flags, for the user stack pointer @rsp
 * and alternate stack @ss. Returns 0, or -EFAULT if the frame would overflow the alternate
 * stack (Linux kills with SIGSEGV). */
int sigframe_compute(uint64_t rsp, uint64_t sa_flags, const struct linux_stack *ss,
                     struct sigframe_layout *out);

/* True if @sp lies on the alternate stack @ss (never with SS_AUTODISARM, as Linux). */
bool sigaltstack_on(const struct linux_stack *ss, uint64_t sp);

/* The ss_flags sigaltstack(2) reports for @ss when the stack pointer is @sp. */
int sigaltstack_flags(const struct linux_stack *ss, uint64_t sp);

/* Apply a new alternate stack (sigaltstack(2) rules) for a task at stack pointer @sp.
 * Returns 0, -EPERM (on the stack), -EINVAL (bad flags) or -ENOMEM (too small). */
int sigaltstack_set(struct linux_stack *cur, const struct linux_stack *ss, uint64_t sp);

/* Write the rt frame for @sig/@info with action @act, and point the registers at the
 * handler. Returns 0 or -EFAULT (the caller forces SIGSEGV). */
int signal_frame_setup(struct task *t, int sig, const struct linux_siginfo *info,
                       const struct linux_sigaction *act);

/* rt_sigreturn: restore registers, FPU state, mask and altstack from the frame at
 * regs.rsp - 8. Returns 0, or -EFAULT/-EINVAL for a bad frame (the caller forces SIGSEGV). */
int signal_frame_restore(struct task *t);

/* The eflags bits a signal frame may change (Linux FIX_EFLAGS). */
#define SIGNAL_FIX_EFLAGS 0x00050dd5ULL /* AC OF DF TF SF ZF AF PF CF RF */

/* Reset @fp to the state a handler starts with (FNINIT + default MXCSR). */
void signal_fpstate_init(struct linux_fpstate *fp);
