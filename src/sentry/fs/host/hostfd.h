// SPDX-License-Identifier: Apache-2.0
/*
 * Host files: descriptors the Sentry inherited from the runtime and hands to the app as is
 * (its stdin/stdout/stderr: a tty, a pipe, a socket, a regular file or /dev/null).
 * Reads never block the Sentry uninterruptibly: readiness is checked with a zero-timeout
 * poll(2), and one host poller thread (host epoll) turns host readiness into waitq
 * notifications (docs/files-and-sockets.md). The host descriptor is never made
 * non-blocking, since its file description is shared with the user's shell.
 *
 * Locking: everything is protected by the kernel lock; host I/O that may block is done with
 * it released.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct file;

/*
 * Wrap @host_fd as a new file with status flags @flags (O_ACCMODE | O_APPEND | O_NONBLOCK:
 * usually the host's F_GETFL). Takes ownership of @host_fd (closed on release, also on
 * failure). One reference in *@out. Caller holds the kernel lock. Returns 0 or -errno.
 */
int hostfd_file_new(int host_fd, uint32_t flags, struct file **out);

/* True if @f wraps a host descriptor. */
bool file_is_hostfd(const struct file *f);
