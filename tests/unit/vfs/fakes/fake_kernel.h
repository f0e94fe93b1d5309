// SPDX-License-Identifier: Apache-2.0
/* Fakes of the kernel pieces the VFS calls (task_wait, rlimits, wait queues, the kernel
 * object) and a helper that builds a task with an fd table and a filesystem context. */
#pragma once

#include "sentry/kernel/task.h"

/* A task with a new fd table and the root filesystem context (vfs_mount_root first). */
struct task *fake_task_new(void);
void fake_task_free(struct task *t);
/* RLIMIT_NOFILE returned by task_rlimit_cur. */
extern unsigned long g_fake_nofile;
