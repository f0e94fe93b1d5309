// SPDX-License-Identifier: Apache-2.0
/*
 * Terminal ioctls on a host tty (tty.c). termios requests pass through to the host tty with
 * the kernel's 36-byte struct termios; job-control state (foreground process group,
 * session) is kept inside the Sentry and never touches the host.
 *
 * Locking: protected by the kernel lock.
 */
#pragma once

#include <stdbool.h>

#include "abi/linux/types.h"

struct ctx;

/*
 * ioctl @cmd with argument @arg on host descriptor @host_fd; @is_tty tells whether it is a
 * terminal (else every terminal request is -ENOTTY). Handles FIONREAD for any kind.
 * Caller holds the kernel lock (released around host calls that may block).
 * Returns >= 0 or -errno (-ENOTTY for unknown requests).
 */
long host_tty_ioctl(struct ctx *ctx, int host_fd, bool is_tty, unsigned int cmd, gaddr_t arg);
