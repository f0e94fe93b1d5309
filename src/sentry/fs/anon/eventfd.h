// SPDX-License-Identifier: Apache-2.0
/* eventfd objects (eventfd.c): a 64-bit counter with read/write/poll semantics of Linux. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct file;

#define LINUX_EFD_SEMAPHORE 1u

/* New eventfd file with counter @initval; @flags may hold O_NONBLOCK and EFD_SEMAPHORE.
 * One reference in *@out. Caller holds the kernel lock. Returns 0 or -ENOMEM. */
int eventfd_create_file(uint64_t initval, uint32_t flags, struct file **out);

/* Pure counter logic, exposed for the unit tests. Each returns the value read / 0 on
 * success, -EAGAIN when it cannot proceed now, -EINVAL for a bad write value. */
int64_t eventfd_counter_read(uint64_t *count, bool semaphore, uint64_t *val);
int eventfd_counter_write(uint64_t *count, uint64_t val);
