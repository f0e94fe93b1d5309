// SPDX-License-Identifier: Apache-2.0
/*
 * The descriptor table: a map from small integers to open files plus FD_CLOEXEC bits;
 * shared by tasks created with CLONE_FILES.
 *
 * Locking: protected by the kernel lock.
 */
#pragma once

#include <stdbool.h>

struct file;

struct fdtable;

/* New empty table; new reference. Returns 0 or -ENOMEM. */
int fdtable_new(struct fdtable **out);
/* Copy for fork without CLONE_FILES (every file gains a reference). */
int fdtable_copy(struct fdtable *src, struct fdtable **out);
struct fdtable *fdtable_ref(struct fdtable *fdt);
void fdtable_unref(struct fdtable *fdt);

/* The file at @fd: new reference, or NULL. */
struct file *fdtable_get(struct fdtable *fdt, int fd);
/* The descriptor flags (FD_CLOEXEC) of @fd, or -EBADF. */
int fdtable_get_flags(struct fdtable *fdt, int fd);
int fdtable_set_flags(struct fdtable *fdt, int fd, int fd_flags);

/* Install @file (gains a reference) at the lowest free fd >= @min_fd, below @limit
 * (RLIMIT_NOFILE). Returns the fd or -EMFILE (-EINVAL if @min_fd >= @limit). */
int fdtable_install(struct fdtable *fdt, struct file *file, int min_fd, int fd_flags,
                    unsigned long limit);
/* Install @file at exactly @fd, releasing what was there. Returns 0 or -errno. */
int fdtable_install_at(struct fdtable *fdt, int fd, struct file *file, int fd_flags);
/* Close @fd. Returns 0 or -EBADF. */
int fdtable_close(struct fdtable *fdt, int fd);
/* Close every descriptor marked FD_CLOEXEC (execve). */
void fdtable_close_on_exec(struct fdtable *fdt);
/* Highest fd + 1 that may be in use (for iteration), and iteration helper. */
int fdtable_size(struct fdtable *fdt);
/* Descriptors the table has room for without growing (at least 64; it never shrinks): what
 * select(2) checks its sets against, as Linux's max_fds. */
int fdtable_capacity(struct fdtable *fdt);
