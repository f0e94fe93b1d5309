// SPDX-License-Identifier: Apache-2.0
/*
 * epoll instances (epoll.c) and the hook that ties interest entries to the lifetime of the
 * watched file description.
 *
 * Lifetime (docs/files-and-sockets.md): Linux removes an interest entry when the watched
 * file description is released and holds no reference on it. We do the same for files whose
 * implementation calls epoll_file_released() from its release op and announced it with
 * epoll_release_aware() (pipes, sockets, eventfd, epoll, host files): the entry keeps a
 * non-owning pointer. For any other pollable file the entry holds a reference (memory-safe
 * whatever that file does), and epoll_wait drops entries whose fd no longer maps to that
 * file in the caller's table (COMPAT: a dup'd-then-closed fd stops being reported).
 *
 * Locking: everything is protected by the kernel lock.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/linux/types.h"

struct ctx;
struct file;
struct file_ops;
struct fdtable;

/* struct epoll_event as x86-64 lays it out (packed: 12 bytes). */
struct linux_epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));
_Static_assert(sizeof(struct linux_epoll_event) == 12, "x86-64 epoll_event is 12 bytes");

#define EPOLL_MAX_NESTS 4

/* New epoll file (O_RDWR, "anon_inode:[eventpoll]") with one reference in *@out.
 * Returns 0 or -ENOMEM. */
int epoll_create_file(struct file **out);

/* True if @f is an epoll instance. */
bool file_is_epoll(const struct file *f);

/*
 * EPOLL_CTL_ADD/MOD/DEL of (@fd, @target) on epoll file @epf, with @ev (ignored for DEL).
 * Performs every check Linux makes after the descriptor lookups: EPERM (target cannot be
 * polled), EINVAL (not an epoll, self, bad EPOLLEXCLUSIVE use, bad op), EEXIST, ENOENT,
 * ELOOP. Caller holds the kernel lock. Returns 0 or -errno.
 */
int epoll_ctl_file(struct ctx *ctx, struct file *epf, int op, int fd, struct file *target,
                   const struct linux_epoll_event *ev);

/*
 * Report up to @max ready events of @epf into @out (a Sentry buffer). @fdt (may be NULL) is
 * the caller's descriptor table, used to drop stale entries on files held by reference.
 * Never blocks. Caller holds the kernel lock. Returns the number of events.
 */
int epoll_harvest(struct ctx *ctx, struct file *epf, struct fdtable *fdt,
                  struct linux_epoll_event *out, int max);

/* Called from the release op of a file announced with epoll_release_aware(): removes every
 * interest entry on @f. Caller holds the kernel lock. */
void epoll_file_released(struct file *f);

/* Announce that files with @ops call epoll_file_released() from their release op, so epoll
 * may watch them without holding a reference. Idempotent. */
void epoll_release_aware(const struct file_ops *ops);
