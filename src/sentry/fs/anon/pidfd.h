// SPDX-License-Identifier: Apache-2.0
/*
 * pidfd files ("anon_inode:[pidfd]", pidfd.c): a descriptor that names a process (a thread
 * group) for pidfd_send_signal, pidfd_getfd, waitid(P_PIDFD) and poll. The file holds a
 * reference to the group, so the group's memory outlives its reaping while the file lives;
 * the group says whether it exited (zombie) or was reaped (off g_kernel.tgs).
 *
 * Locking: protected by the kernel lock.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct file;
struct thread_group;

/* New pidfd file (O_RDWR, plus O_NONBLOCK from @flags) for @tg, or for no group yet when
 * @tg is NULL (clone's CLONE_PIDFD reserves the descriptor before the child exists; attach
 * it with pidfd_file_attach). Takes a reference to @tg. One reference in *@out. Caller holds
 * the kernel lock. Returns 0 or -ENOMEM. */
int pidfd_create_file(struct thread_group *tg, uint32_t flags, struct file **out);

/* Make pidfd @f, created without a group, name @tg (a reference is taken). */
void pidfd_file_attach(struct file *f, struct thread_group *tg);

/* True if @f is a pidfd. */
bool file_is_pidfd(const struct file *f);

/* The group of pidfd @f (borrowed, valid while @f is), or NULL for a file not attached. The
 * group may be a zombie or reaped (pidfd_tg_reaped). */
struct thread_group *pidfd_tg(const struct file *f);

/* True if @tg was reaped: its pid names nothing any more. */
bool pidfd_tg_reaped(const struct thread_group *tg);

/* The pid /proc/PID/fdinfo shows for pidfd @f: the group's pid, or -1 once it was reaped
 * (as Linux). */
int pidfd_fdinfo_pid(const struct file *f);
