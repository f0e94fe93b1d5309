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
};

/* Create a task as clone(2) does. Returns the child's tid or -errno. Caller holds the
 * kernel lock. */
long task_clone(struct task *t, const struct clone_params *p);
