// SPDX-License-Identifier: Apache-2.0
/*
 * Small helpers shared by the file syscall families (sys_file.c, sys_stat.c,
 * sys_read_write.c, sys_dup.c, sys_ioctl.c): copying a path in, and looking up the file of a
 * descriptor.
 */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/resource.h>

#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"

#define SYS_PATH_MAX 4096

/* Copy the guest path at @addr into @buf (SYS_PATH_MAX bytes). Returns its length, -EFAULT
 * or -ENAMETOOLONG. */
static inline long sys_get_path(struct task *t, gaddr_t addr, char *buf)
{
    return copy_in_str(t, addr, buf, SYS_PATH_MAX);
}

/* The file of @fd (new reference) or NULL. */
static inline struct file *sys_get_file(struct task *t, int fd)
{
    return fdtable_get(t->fdt, fd);
}

/* Install @f (a reference is taken) at the lowest free descriptor. Returns the fd or -errno. */
static inline long sys_install_fd(struct task *t, struct file *f, int fd_flags)
{
    return fdtable_install(t->fdt, f, 0, fd_flags, task_rlimit_cur(t, RLIMIT_NOFILE));
}

/* Install a new @f at the lowest free descriptor (FD_CLOEXEC if @cloexec) and drop the
 * caller's reference. Returns the fd or -errno. */
static inline long sys_install_new(struct task *t, struct file *f, bool cloexec)
{
    long fd = sys_install_fd(t, f, cloexec ? FD_CLOEXEC : 0);
    file_unref(f);
    return fd;
}

/* The starting directory of a *at() call, by Linux's rules for @dirfd: NULL (the cwd) for
 * AT_FDCWD, and also for an absolute @path or an empty one without @empty_ok (AT_EMPTY_PATH),
 * which never look at @dirfd; otherwise the file of @dirfd (a new reference; drop it with
 * file_unref). Whether it is a directory is checked by the walk. Returns 0 or -EBADF. */
static inline int sys_dirfd(struct task *t, int dirfd, const char *path, bool empty_ok,
                            struct file **dir)
{
    *dir = NULL;
    if (dirfd == AT_FDCWD || path[0] == '/' || (path[0] == '\0' && !empty_ok))
        return 0;
    *dir = fdtable_get(t->fdt, dirfd);
    return *dir ? 0 : -EBADF;
}
