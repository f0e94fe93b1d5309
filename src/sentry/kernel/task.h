// SPDX-License-Identifier: Apache-2.0
/*
 * Tasks (app threads) and thread groups (app processes). Each task is one host thread
 * (pthread) that runs the loop of DESIGN.md 2: platform switch, syscall dispatch, faults,
 * signal delivery.
 *
 * Locking: every field not marked otherwise is protected by the kernel lock (kernel.h).
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "abi/linux/signal.h"
#include "abi/linux/types.h"
#include "common/list.h"
#include "sentry/auth/cred.h"
#include "sentry/context/context.h"
#include "sentry/mm/mm.h"
#include "sentry/waiter/waitq.h"

struct mm;
struct fdtable;
struct fs_context;
struct plat_context;
struct syscall_args;
struct pty;
struct signal_owner;

/* One queued signal. */
struct sigqueue_entry {
    struct list_head link;
    struct linux_siginfo info;
    struct signal_owner *owner; /* the POSIX timer that queued it, or NULL (signal.h) */
};

struct sigpending {
    linux_sigset_t set;     /* signals with at least one entry queued */
    struct list_head queue; /* of struct sigqueue_entry, in arrival order */
};

/* Signal handlers, shared by tasks created with CLONE_SIGHAND. */
struct sighand {
    int refs;
    struct linux_sigaction action[LINUX_NSIG]; /* index sig-1 */
};

/* A POSIX interval timer of the thread group (setitimer ITIMER_REAL, alarm). */
struct itimer {
    uint64_t deadline_ns;  /* CLOCK_MONOTONIC; 0 when disarmed */
    uint64_t interval_ns;
};

enum tg_stop_state {
    TG_RUNNING = 0,
    TG_STOPPING, /* a stop signal was taken; threads are stopping */
    TG_STOPPED,
};

/* I/O accounting for /proc/<pid>/io: bytes moved by, and number of, read and write calls
 * (the read(2) and write(2) families). */
struct task_ioac {
    uint64_t rchar, wchar, syscr, syscw;
};

static inline void task_ioac_add(struct task_ioac *to, const struct task_ioac *from)
{
    to->rchar += from->rchar;
    to->wchar += from->wchar;
    to->syscr += from->syscr;
    to->syscw += from->syscw;
}

struct thread_group {
    /* References (tg_ref/tg_unref): one while linked (from tg_alloc until reaped by
     * tg_reap), one per task whose ->tg this is, and temporary ones. */
    int refs;
    int pid;                  /* Immutable: the tgid, in the sandbox's pid namespace */
    struct list_head klink;   /* in g_kernel.tgs until reaped */
    struct list_head tasks;   /* of task->tg_link: live threads and the leader until reaped */
    int nr_live;              /* tasks that have not exited */
    struct task *leader;      /* the task whose tid == pid (may be a zombie) */

    struct thread_group *parent;  /* NULL for init */
    struct list_head children;    /* of thread_group->sibling */
    struct list_head sibling;
    struct waitq child_wait;      /* the parent's wait4/waitid sleeps here */
    struct waitq signalfd_wq;     /* signalfd readers and pollers; notified on each signal */
    struct waitq exit_wq;         /* pidfd pollers: notified when it becomes a zombie, is reaped */

    int pgid, sid;
    /* Controlling terminal of the session (fs/devpts); NULL if none. Copied on fork,
     * cleared by setsid; devpts clears it when the terminal goes away. */
    struct pty *ctty;
    /* The foreground group of the terminal a hang-up took from this session leader; it
     * gets SIGHUP and SIGCONT when the leader exits (Linux's tty_old_pgrp). 0 = none. */
    int tty_old_pgrp;

    struct sighand *sighand;
    struct sigpending shared_pending;
    int exit_signal;              /* signal sent to the parent at exit (SIGCHLD usually) */

    /* Exit. */
    bool exiting;                 /* exit_group or a fatal signal started */
    int exit_status;              /* wait status (W* encoding) once exiting */
    bool zombie;                  /* every task exited; waiting to be reaped */

    /* Job control: wait4(WUNTRACED/WCONTINUED) reports these once. */
    enum tg_stop_state stop_state;
    int stop_signal;
    bool stop_report;             /* a stop not yet reported to the parent */
    bool cont_report;             /* a continue not yet reported */

    struct itimer itimer_real;
    struct list_head ptimers;               /* POSIX timers (kernel/ptimer.c) */
    int nr_ptimers;
    int ptimer_next_id;                     /* next timer id to try */
    struct rlimit rlimits[RLIM_NLIMITS];
    uint64_t start_ns;
    uint64_t utime_ns, stime_ns;            /* of exited threads */
    uint64_t cutime_ns, cstime_ns;          /* of reaped children */
    struct task_ioac ioac;                  /* of exited threads and waited-for children */
    char exe_path[256];                     /* for /proc/pid/exe */
    int pdeath_signal;
    bool dumpable;
    bool child_subreaper;
    bool did_exec;                /* setpgid() of a child that exec'd gives EACCES */
    /* membarrier(2) registrations (MEMBARRIER_CMD_REGISTER_* bits) of this process's address
     * space; cleared by execve, which gives a new one. COMPAT: per process, not per mm. */
    uint32_t membarrier_registered;
    int nice;                     /* -20..19 (setpriority); inherited by fork */
    gaddr_t arg_start, arg_end, env_start, env_end; /* for /proc/pid/cmdline, environ */
    /* The auxiliary vector of the last execve, AT_NULL included (/proc/pid/auxv). */
    uint64_t saved_auxv[2 * 32];
    int saved_auxv_len; /* in uint64_t words */
};

enum task_state {
    TASK_RUNNING_APP,  /* in app code (kernel lock not held) */
    TASK_IN_KERNEL,    /* handling a syscall/fault (kernel lock held) */
    TASK_BLOCKED,      /* in task_wait() */
    TASK_STOPPED,      /* group stop */
    TASK_DEAD,
};

/* How the dispatcher must finish the current syscall (gVisor's SyscallControl). */
enum sys_ctrl {
    SYS_CTRL_RETURN = 0, /* write the handler's result to rax */
    SYS_CTRL_NORETURN,   /* registers already set (rt_sigreturn, execve) */
    SYS_CTRL_EXIT,       /* the task is exiting; do not return to app code */
};

struct task {
    /* What the VFS and the filesystems see of the task: its credentials, its root/cwd/umask
     * (ctx.fs, shared with CLONE_FS) and its blocking. ctx.cred and ctx.fs each hold a
     * reference. Changed only by the task itself. */
    struct ctx ctx;
    /* References (task_ref/task_unref): one while on tg->tasks, one held by the task's host
     * thread while it runs, one held by a vfork child (vfork_parent), and temporary ones.
     * The memory is freed at zero; a dead task (TASK_DEAD) may still be referenced. */
    int refs;
    int tid;                        /* Immutable, but for execve by a non-leader (de_thread) */
    struct thread_group *tg;        /* reference held */
    struct list_head tg_link;       /* self-linked once released from its group */
    struct list_head klink;         /* in g_kernel.tasks */
    char comm[16];

    pthread_t thread;               /* Immutable: the host thread that runs this task */
    enum task_state state;
    struct linux_regs regs;         /* valid while not in app code */
    /* The platform's FPU image (plat_fpstate_format: the FXSAVE area first, then XSAVE
     * state if any), 64-byte aligned, owned; saved lazily (fpstate_valid). */
    struct linux_fpstate *fpstate;
    bool fpstate_valid;
    bool fpstate_dirty;             /* must be written back before running app code */

    /* The address space it runs in and its platform context there (only this task's thread
     * touches the context): what mm knows of the task. */
    struct mm_thread mmt;
    struct fdtable *fdt;

    /* Signals. */
    linux_sigset_t blocked;
    linux_sigset_t saved_mask;      /* restored after a sigsuspend-like call */
    linux_sigset_t real_blocked;    /* the mask a sigtimedwait lifted while it waits */
    bool has_saved_mask;
    struct sigpending pending;
    struct linux_stack altstack;
    bool group_stop_parked;         /* parked in a group stop (signal_stop.c) */

    /* Blocking. */
    pthread_cond_t wake_cond;       /* waited on with the kernel lock */
    bool woken;                     /* set by waitq_notify / task_wake */
    bool interrupt_pending;         /* a signal or exit wants this task's attention */

    /* Syscall state. */
    bool in_syscall;                /* regs.rax holds a syscall result (restart fix-ups apply) */
    enum sys_ctrl sys_ctrl;
    long restart_block_ret;         /* for restart_syscall */
    long (*restart_fn)(struct task *t);
    uint64_t restart_data[4];

    /* Threads. */
    gaddr_t clear_child_tid;        /* CLONE_CHILD_CLEARTID / set_tid_address */
    gaddr_t set_child_tid;          /* CLONE_CHILD_SETTID: written by the child at start */
    gaddr_t robust_list;
    uint64_t robust_list_len;
    bool exiting;                   /* this thread is leaving */
    int exit_code;                  /* for exit(2) of one thread */

    /* vfork: the parent sleeps until the child execs or exits. A reference is held: the
     * parent may be killed and reaped while the child runs. */
    struct task *vfork_parent;
    bool vfork_done;

    uint64_t start_ns;
    uint64_t utime_ns, stime_ns;
    int cpu_hint;
    uint64_t cpu_affinity;          /* sched_setaffinity mask of CPUs 0-63; 0 = all */
    uint16_t ioprio;                /* ioprio_set value (0: none set); inherited by clone */
    /* sched_setscheduler's policy (SCHED_OTHER/BATCH/IDLE) | SCHED_RESET_ON_FORK; inherited
     * by clone without the flag. */
    uint32_t sched_policy;
    uint16_t mempolicy;             /* set_mempolicy mode | mode flags; inherited by clone */
    struct task_ioac ioac;
};

/* Task under which the calling host thread runs (NULL outside task threads). */
extern __thread struct task *g_current;

extern const struct ctx_ops g_task_ctx_ops;

/* The task whose context @c is, or NULL for another context (ctx_background()). */
static inline struct task *task_from_ctx(struct ctx *c)
{
    return c && c->ops == &g_task_ctx_ops ? (struct task *)c->owner : NULL;
}

/* The credentials @t acts with. Borrowed: valid while the kernel lock is held. */
static inline const struct cred *task_cred(const struct task *t)
{
    return t->ctx.cred;
}

/* The credentials of process @tg as others see it (/proc, kill, priorities): its leader's,
 * as Linux's /proc/PID shows. Borrowed, valid while the kernel lock is held. */
static inline const struct cred *tg_cred(const struct thread_group *tg)
{
    return task_cred(tg->leader);
}

/* Guest memory of @t's address space (mm/mm.h): copy_in and copy_out return 0 or -EFAULT,
 * copy_in_str the length or -EFAULT/-ENAMETOOLONG, copy_in_iovec 0, -EINVAL or -EFAULT. */
static inline int copy_in(struct task *t, gaddr_t addr, void *buf, size_t size)
{
    return mm_copy_in(&t->mmt, addr, buf, size);
}
static inline int copy_out(struct task *t, gaddr_t addr, const void *buf, size_t size)
{
    return mm_copy_out(&t->mmt, addr, buf, size);
}
static inline long copy_in_str(struct task *t, gaddr_t addr, char *buf, size_t size)
{
    return mm_copy_in_str(&t->mmt, addr, buf, size);
}
static inline int copy_in_iovec(struct task *t, gaddr_t addr, int count, struct linux_iovec *out)
{
    return mm_copy_in_iovec(&t->mmt, addr, count, out);
}

/* True if @t has capability @cap. */
static inline bool task_capable(const struct task *t, int cap)
{
    return cred_capable(task_cred(t), cap);
}

/* Modes of task_may_access (Linux's PTRACE_MODE_*): what is asked (READ: look at the
 * process, /proc; ATTACH: change it) and which of the caller's ids count (FSCREDS: the
 * filesystem ids and effective capabilities, for /proc; REALCREDS: the real ids and
 * permitted capabilities, for syscalls naming a pid). */
#define PTRACE_MODE_READ 0x01u
#define PTRACE_MODE_ATTACH 0x02u
#define PTRACE_MODE_FSCREDS 0x08u
#define PTRACE_MODE_REALCREDS 0x10u
#define PTRACE_MODE_READ_FSCREDS (PTRACE_MODE_READ | PTRACE_MODE_FSCREDS)
#define PTRACE_MODE_READ_REALCREDS (PTRACE_MODE_READ | PTRACE_MODE_REALCREDS)
#define PTRACE_MODE_ATTACH_REALCREDS (PTRACE_MODE_ATTACH | PTRACE_MODE_REALCREDS)

/* Linux's ptrace_may_access: may a caller acting with @cred, a thread of process @caller
 * (NULL for the Sentry itself), inspect (@mode) the task @target? Yes for a thread of the
 * same process; otherwise the caller's uid and gid (fs or real, by @mode) must equal all
 * three of the target's, the target must be dumpable, and the caller's capabilities
 * (effective or permitted, by @mode) must include the target's permitted set, unless the
 * caller has CAP_SYS_PTRACE. Caller holds the kernel lock. Returns 0 or -EPERM. */
int task_may_access(const struct cred *cred, const struct thread_group *caller,
                    const struct task *target, unsigned mode);

/* Make @new (a prepared copy, ownership taken) @t's credentials, as Linux's commit_creds:
 * a change of the effective or filesystem ids, or a gain of permitted capabilities, makes
 * the process non-dumpable and clears its parent-death signal. Caller holds the kernel
 * lock and is @t's own thread. */
void task_commit_cred(struct task *t, struct cred *new);

/* Sleep until woken (waitq_notify/task_wake), a signal is pending, or @deadline_ns
 * (CLOCK_MONOTONIC, 0 = no deadline). Caller holds the kernel lock; it is released while
 * sleeping. Returns 0 when woken, -ETIMEDOUT, or -EINTR if a signal is pending. Callers
 * must queue their waiters before calling and recheck their condition after. */
int task_wait(struct task *t, uint64_t deadline_ns);

/* Like task_wait() but only a SIGKILL/exit interrupts it (for uninterruptible waits). */
int task_wait_killable(struct task *t, uint64_t deadline_ns);

/* Wake @t from task_wait(). Caller holds the kernel lock. */
void task_wake(struct task *t);

/* Make @t notice a new signal or exit soon: wakes it if blocked, interrupts app code if
 * running. Caller holds the kernel lock. */
void task_kick(struct task *t);

/* True if @t has an unblocked pending signal or must exit. Caller holds the kernel lock. */
bool task_signal_pending(struct task *t);

/* Release the kernel lock around a host call that may block (file I/O); @t may then be
 * kicked but not freed. */
static inline void task_host_io_begin(struct task *t);
static inline void task_host_io_end(struct task *t);

/* The FPU and extended state of @t (fetched from the platform on first use): an image of
 * the platform's format (plat_fpstate_format), whose first 512 bytes are the FXSAVE area.
 * Returns 0 or -errno.
 * After changing *@fp, call task_fpstate_set_dirty() so it is written back before the task
 * runs app code again. Caller holds the kernel lock and is @t's own thread. */
int task_fpstate_get(struct task *t, struct linux_fpstate **fp);
void task_fpstate_set_dirty(struct task *t);

/* Take / drop a reference to @t or @tg (see the refs fields). The last task_unref frees
 * the task and drops its reference to its group; the last tg_unref frees the group. Caller
 * holds the kernel lock. task_ref/tg_ref return their argument. */
struct task *task_ref(struct task *t);
void task_unref(struct task *t);
struct thread_group *tg_ref(struct thread_group *tg);
void tg_unref(struct thread_group *tg);

/* Look up a live task / a thread group (zombies included: they exist until reaped) by id
 * in the sandbox pid namespace. Borrowed, valid while the kernel lock is held. */
struct task *task_find(int tid);
struct thread_group *tg_find(int pid);

/* Rlimit of @t's thread group (soft limit). */
uint64_t task_rlimit_cur(struct task *t, int resource);

/* Exit the whole thread group with wait status @status (exit_group, fatal signal).
 * Caller holds the kernel lock. */
void tg_exit(struct thread_group *tg, int status);

/* Called by the loop when @t must stop running app code; never returns. Caller holds the
 * kernel lock. */
_Noreturn void task_exit_now(struct task *t);

#include "sentry/kernel/kernel.h"

static inline void task_host_io_begin(struct task *t)
{
    (void)t;
    kernel_unlock();
}

static inline void task_host_io_end(struct task *t)
{
    (void)t;
    kernel_lock();
}
