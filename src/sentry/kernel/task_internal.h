// SPDX-License-Identifier: Apache-2.0
/* Task creation and lifecycle helpers shared by task.c, clone.c, exec.c and exit.c. */
#pragma once

#include "sentry/kernel/task.h"

/* Allocate a task with a fresh tid (not yet on any list). Caller holds the kernel lock. */
int task_alloc(struct task **out);
/* Allocate a thread group for leader @t (pid = t->tid), with one reference. */
int tg_alloc(struct task *t, struct thread_group **out);
/* Free a task that is on no list any more (reaped, or never started): its credentials,
 * signals queued to it and the task itself. */
void task_free(struct task *t);
/* Put @t on its thread group's and the kernel's lists. */
void task_link(struct task *t);
/* Start @t's host thread; it adopts the stub thread @token of @t->mm's address space.
 * Caller holds the kernel lock. */
int task_start(struct task *t, long token);
/* Free a reaped thread group and its tasks. */
void tg_free(struct thread_group *tg);
/* Make @t's thread group exit with @status and every other thread of it too. */
void tg_exit(struct thread_group *tg, int status);
/* Run after an app thread gets its context: the loop (never returns). */
_Noreturn void task_run(struct task *t);

/* Boot: create and start init: in directory @cwd, run @path (looked up in PATH when it has
 * no '/') with @argv/@envp, acting as @cred. Takes ownership of @fdt, @fs and @cred. */
int task_start_init(const char *cwd, const char *path, char *const *argv, char *const *envp,
                    struct fdtable *fdt, struct fs_context *fs, const struct cred *cred);
/* Boot: wait until every task has exited; returns the wait status of init. */
int kernel_wait_all(void);

/* execve for @t with kernel strings. Returns -errno, or 0 with t->regs set for the new
 * program. */
int task_execve(struct task *t, const char *path, char *const *argv, char *const *envp);
