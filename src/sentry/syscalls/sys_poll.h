// SPDX-License-Identifier: Apache-2.0
/* Helpers of sys_poll.c shared with sys_epoll.c: the temporary signal mask of ppoll,
 * pselect6 and epoll_pwait. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "abi/linux/types.h"

struct task;

/*
 * Install the mask at guest @mask_addr (@size must be 8) as t->blocked, saving the old one
 * in t->saved_mask with t->has_saved_mask set. Nothing if @mask_addr is 0.
 * Caller holds the kernel lock. Returns 0, -EINVAL or -EFAULT.
 */
int poll_set_sigmask(struct task *t, gaddr_t mask_addr, size_t size);

/*
 * Restore the saved mask now unless @interrupted: then the signal code restores it after
 * setting up the handler frame (sigsuspend-style), so the handler runs under the temporary
 * mask. Caller holds the kernel lock.
 */
void poll_restore_sigmask(struct task *t, bool interrupted);
