// SPDX-License-Identifier: Apache-2.0
/*
 * Helpers shared by the Sentry's anonymous files (pipes, sockets, eventfd, epoll): inode
 * numbers and the stat answer of a file that has no filesystem inode.
 *
 * Locking: protected by the kernel lock.
 */
#pragma once

#include <stdint.h>

struct linux_stat;

/* Devices of the pseudo filesystems, as Linux numbers them (anonymous block device 0:N). */
#define ANON_DEV_ANON_INODE 0x0dull /* anon_inodefs: eventfd, epoll, signalfd... */
#define ANON_DEV_PIPEFS 0x0cull
#define ANON_DEV_SOCKFS 0x08ull

/* The single inode number Linux gives every anon_inode file ("anon_inode:[eventfd]"). */
#define ANON_INODE_INO 1ull

/* A fresh inode number for a pipe or socket. Caller holds the kernel lock. */
uint64_t anon_ino_alloc(void);

/* Fill @st for an anonymous file: @mode (type | permissions), @dev, @ino, owner root, times
 * @ctime_ns (CLOCK_REALTIME ns). */
void anon_fill_stat(struct linux_stat *st, uint32_t mode, uint64_t dev, uint64_t ino,
                    uint64_t ctime_ns);

/* CLOCK_REALTIME now in ns (for creation times). */
uint64_t anon_realtime_ns(void);
