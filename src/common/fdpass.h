// SPDX-License-Identifier: Apache-2.0
/* Sending and receiving a message with at most one file descriptor over a unix socket. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/*
 * Send @size bytes of @buf and, if @fd >= 0, the descriptor @fd (SCM_RIGHTS) in one sendmsg.
 * Returns bytes sent or -errno.
 */
ssize_t fdpass_send(int sock, const void *buf, size_t size, int fd);

/*
 * Receive up to @size bytes into @buf; a passed descriptor is stored in *@fd (else -1).
 * The received descriptor is close-on-exec. Returns bytes received (0 at EOF) or -errno.
 */
ssize_t fdpass_recv(int sock, void *buf, size_t size, int *fd);
