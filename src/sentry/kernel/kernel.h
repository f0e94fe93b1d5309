// SPDX-License-Identifier: Apache-2.0
/*
 * The kernel object: global Sentry state and the kernel lock.
 *
 * Lock order (docs/locking.md): the kernel lock (g_kernel_lock, context/klock.h), then
 * mm->maps_lock, then the gofer client's lock and its pending-close lock; platform locks are
 * leaves. The kernel lock is one mutex for the Sentry kernel state (tasks, mm, vfs, pipes,
 * sockets, signals). A task holds it while it handles a syscall and drops it while running
 * app code (and the few syscalls served without it: syscall_dispatch_unlocked), while
 * sleeping in task_wait(), and around host round trips: host I/O, gofer walks and opens,
 * stub mappings of faults, munmap's stub unmapping, hole punching, execve's new stub.
 */
#pragma once

#include <pthread.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/list.h"
#include "sentry/context/klock.h"

struct syscall_args;
struct mm;
struct linux_regs;
struct thread_group;
struct task;
struct cred;

/* What the program of an execve does to the credentials (the loader computes it): the
 * credentials to commit at the point of no return (a new reference), and whether the new
 * image is dumpable. */
struct exec_creds {
    struct cred *cred;
    bool dumpable;
};

struct kernel {
    /* Immutable after boot: the syscall layer, handed to the kernel by boot (the kernel
     * never includes syscalls/). @dispatch runs one syscall and returns its result. */
    long (*dispatch)(struct task *t, const struct syscall_args *a);
    /* Immutable after boot, may be NULL: serve a syscall without the kernel lock when it
     * reads only the calling task's own state; false if it needs the lock. */
    bool (*dispatch_unlocked)(struct task *t, const struct syscall_args *a, long *ret);
    /* The program loader (loader/loader.h: loader_load), which sits above the kernel. */
    int (*load)(struct task *t, struct mm *mm, const char *path, char *const *argv,
                char *const *envp, struct linux_regs *regs, char *exe_path, size_t size,
                struct exec_creds *creds);
    bool strace;
    /* Optional (boot/console.c): give init's new session @tg its controlling terminal,
     * called by task_start_init before init runs. */
    void (*attach_console)(struct thread_group *tg);
    /* Optional (fs/devpts): session leader @tg, which has a controlling terminal, exits;
     * hang up the terminal's foreground group and free the terminal of the session. */
    void (*ctty_leader_exit)(struct thread_group *tg);
    /* Optional (syscalls/sys_sem.c): the last thread of @tg exits; undo its SEM_UNDO
     * semaphore adjustments. */
    void (*sem_exit)(struct thread_group *tg);
    /* Protected by lock. */
    struct list_head tasks;       /* all live tasks (task->klink) */
    struct list_head tgs;         /* all thread groups, zombies included (tg->klink) */
    struct thread_group *init_tg; /* pid 1 of the sandbox */
    int next_pid;
    int nr_tasks;
    int exit_status; /* status of the sandbox once init exits (wait status) */
    pthread_cond_t all_exited;
    uint64_t boot_ns; /* CLOCK_MONOTONIC at boot */
    char hostname[65];
    char domainname[65];
};

extern struct kernel g_kernel;

/* Nanoseconds of the guest's CLOCK_MONOTONIC (the timekeeper's, which the vDSO also reads). */
uint64_t kernel_now_ns(void);
/* The guest's CLOCK_REALTIME in ns (the clock the app's vDSO reads), for timestamps. */
uint64_t kernel_realtime_ns(void);
