// SPDX-License-Identifier: Apache-2.0
/* signalfd files (signalfd.c): read the caller's pending signals of a mask as
 * struct signalfd_siginfo records, poll them, and wait for them (on the thread group's
 * signalfd waitq, which signal delivery notifies). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/linux/signal.h"

struct file;

/* New signalfd file for @mask (SIGKILL and SIGSTOP are dropped, as Linux does); @flags may
 * hold O_NONBLOCK. One reference in *@out. Caller holds the kernel lock. 0 or -ENOMEM. */
int signalfd_create_file(linux_sigset_t mask, uint32_t flags, struct file **out);

/* True if @f is a signalfd file. */
bool signalfd_is(const struct file *f);

/* Replace the mask of signalfd file @f. */
void signalfd_set_mask(struct file *f, linux_sigset_t mask);
