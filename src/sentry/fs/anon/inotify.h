// SPDX-License-Identifier: Apache-2.0
/* inotify(7) instances (inotify.c): watches on inodes fed by the VFS notification hooks, and
 * an event queue read as struct inotify_event records. Caller holds the kernel lock. */
#pragma once

#include <stdint.h>

struct file;
struct ctx;

/* Register the VFS hook (boot). */
void inotify_init_hooks(void);
/* New inotify file; @flags may hold O_NONBLOCK. One reference in *@out. */
int inotify_create_file(uint32_t flags, struct file **out);
/* inotify_add_watch(2) on the instance @f for @path. Returns the watch descriptor or -errno
 * (-EINVAL if @f is not an inotify file). */
int inotify_add(struct ctx *ctx, struct file *f, const char *path, uint32_t mask);
/* inotify_rm_watch(2). */
int inotify_rm(struct ctx *ctx, struct file *f, int wd);
