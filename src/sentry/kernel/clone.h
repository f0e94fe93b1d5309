// SPDX-License-Identifier: Apache-2.0
/* clone(2), fork(2), vfork(2). */
#pragma once

#include <stdint.h>

#include "abi/linux/types.h"

struct task;

struct clone_params {
    uint64_t flags;     /* CLONE_* | exit signal */
    gaddr_t stack;      /* 0: same stack pointer */
    gaddr_t parent_tid;
    gaddr_t child_tid;
    uint64_t tls;
    gaddr_t pidfd;      /* CLONE_PIDFD: where the new pidfd's number goes (an int) */
    /* Called once the child @c exists, before it is visible to anyone or runs (kernel lock
     * held throughout): what the syscall layer adds to a new task (CLONE_PIDFD). */
    void (*created)(struct task *t, struct task *c, void *arg);
    void *created_arg;
};

/* CLONE_* flags above the 32 bits of clone(2), for clone3 (Linux's include/uapi/sched.h). */
#define LINUX_CLONE_CLEAR_SIGHAND 0x100000000ull
#define LINUX_CLONE_INTO_CGROUP 0x200000000ull

/* The flag checks of clone(2) that come before anything is allocated (clone3's own are its
 * caller's). Returns 0 or -EINVAL/-EPERM. */
int task_clone_check(const struct clone_params *p);

/* Create a task as clone(2) and clone3(2) do. CLONE_PIDFD is the caller's (the pidfd is a
 * file): it reserves the descriptor first and attaches it in p->created. Returns the
 * child's tid or -errno. Caller holds the kernel lock. */
long task_clone(struct task *t, const struct clone_params *p);
