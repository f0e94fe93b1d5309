// SPDX-License-Identifier: Apache-2.0
/* Task creation and lifecycle helpers shared by task.c, clone.c, exec.c and exit.c. */
#pragma once

#include "sentry/kernel/task.h"

/* Allocate a task with a fresh tid (not yet on any list), with one reference, which
 * task_link hands to the group's list. Caller holds the kernel lock. */
int task_alloc(struct task **out);
/* Allocate a thread group for leader @t (pid = t->tid) and link it on g_kernel.tgs, with
 * the one reference of being linked; t->tg is not set. Caller holds the kernel lock. */
int tg_alloc(struct task *t, struct thread_group **out);
/* Make @t a task of @tg: t->tg gets a new reference. */
void task_set_tg(struct task *t, struct thread_group *tg);
/* Put @t on its thread group's and the kernel's lists; the group's list takes over the
 * reference of task_alloc. */
void task_link(struct task *t);
/* Start @t's host thread, which holds a reference to @t until it exits; it adopts the stub
 * thread @token of @t->mmt.mm's address space. Returns 0 or -EAGAIN (no host thread), with
 * nothing started. Caller holds the kernel lock. */
int task_start(struct task *t, long token);
/* Take exited thread @t (not its group's leader) off its group's list and drop the list's
 * reference. Caller holds the kernel lock. */
void task_release(struct task *t);
/* Reap @tg, a zombie or a group that never ran (already off its parent's children): unlink
 * it from g_kernel.tgs, release its tasks and drop the reference of being linked. Holders
 * of other references see it unlinked. Caller holds the kernel lock. */
void tg_reap(struct thread_group *tg);
/* @t execs or exits: wake its vfork parent, if any, and drop the reference to it. */
void task_vfork_release(struct task *t);
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
