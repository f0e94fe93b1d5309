// SPDX-License-Identifier: Apache-2.0
/*
 * dup(2), dup2(2), dup3(2), fcntl(2) and flock(2). Descriptor bookkeeping lives in
 * kernel/fdtable.c and locks in vfs/lock.c; this file validates arguments and reproduces
 * Linux's errno choices. COMPAT: locks live in the Sentry, so host processes (and the gofer's
 * host files) never see them.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "abi/linux/errno.h"
#include "abi/linux/stat.h"
#include "common/cleanup.h"
#include "sentry/syscalls/sys_fs_util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/vfs_ops.h"

#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#endif

/* Install @oldfd's file at @newfd, closing whatever @newfd held. Returns @newfd or -errno. */
static long do_dup_to(struct task *t, int oldfd, int newfd, int fd_flags)
{
    _cleanup_(file_unrefp) struct file *file = sys_get_file(t, oldfd);
    if (!file)
        return -EBADF;
    if (newfd < 0 || (uint64_t)newfd >= task_rlimit_cur(t, RLIMIT_NOFILE))
        return -EBADF;
    int ret = fdtable_install_at(t->fdt, newfd, file, fd_flags);
    return ret < 0 ? ret : newfd;
}

long sys_dup(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *file = sys_get_file(t, arg_int(a, 0));
    if (!file)
        return -EBADF;
    return sys_install_fd(t, file, 0); /* dup() clears FD_CLOEXEC on the copy */
}

long sys_dup2(struct task *t, const struct syscall_args *a)
{
    int oldfd = arg_int(a, 0);
    int newfd = arg_int(a, 1);
    if (oldfd == newfd) {
        /* dup2(fd, fd) only checks that fd is open; dup3 rejects it. */
        _cleanup_(file_unrefp) struct file *file = sys_get_file(t, oldfd);
        return file ? newfd : -EBADF;
    }
    return do_dup_to(t, oldfd, newfd, 0);
}

long sys_dup3(struct task *t, const struct syscall_args *a)
{
    int oldfd = arg_int(a, 0);
    int newfd = arg_int(a, 1);
    int flags = arg_int(a, 2);
    if (flags & ~O_CLOEXEC)
        return -EINVAL;
    if (oldfd == newfd)
        return -EINVAL;
    return do_dup_to(t, oldfd, newfd, (flags & O_CLOEXEC) ? FD_CLOEXEC : 0);
}

/* Record locks (vfs/lock.c): F_GETLK copies the answer back. */
static long fcntl_lock(struct task *t, struct file *f, int cmd, gaddr_t arg)
{
    struct vfs_flock fl;
    int ret = copy_in(t, arg, &fl, sizeof(fl));
    if (ret < 0)
        return ret;
    ret = vfs_fcntl_lock(&t->ctx, f, cmd, &fl, t->fdt, t->tg->pid);
    if (ret == 0 && (cmd == F_GETLK || cmd == F_OFD_GETLK))
        ret = copy_out(t, arg, &fl, sizeof(fl));
    return ret;
}

long sys_flock(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f)
        return -EBADF;
    return vfs_flock(&t->ctx, f, arg_int(a, 1));
}

/* An fcntl command a file implements through ->ioctl (VFS_FCNTL_*); -EINVAL if it does not. */
static long fcntl_forward(struct task *t, struct file *f, unsigned int op, uint64_t arg)
{
    if (!f->ops || !f->ops->ioctl)
        return -EINVAL;
    long ret = f->ops->ioctl(&t->ctx, f, op, arg);
    return (ret == -ENOTTY || ret == -LINUX_ENOIOCTLCMD) ? -EINVAL : ret;
}

#define LINUX_DN_MULTISHOT 0x80000000u

/* F_NOTIFY (dnotify) with Linux's checks: the argument is an unsigned int (callers pass it in
 * a long); no event bits removes the watch, which always works; otherwise the file must be a
 * directory. COMPAT: the watch is accepted but no signal is ever sent (the Sentry has no
 * SIGIO delivery); inotify is the supported interface. */
static long fcntl_notify(struct task *t, struct file *f, uint32_t arg)
{
    if ((arg & ~LINUX_DN_MULTISHOT) == 0)
        return 0;
    struct linux_stat st;
    int ret = vfs_fstat(&t->ctx, f, &st);
    if (ret < 0)
        return ret;
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

long sys_fcntl(struct task *t, const struct syscall_args *a)
{
    int fd = arg_int(a, 0);
    int cmd = arg_int(a, 1);
    uint64_t arg = arg_u64(a, 2);
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, fd);
    if (!f)
        return -EBADF;
    bool opath = f->flags & O_PATH;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        if (arg >= task_rlimit_cur(t, RLIMIT_NOFILE))
            return -EINVAL;
        return fdtable_install(t->fdt, f, (int)arg, cmd == F_DUPFD_CLOEXEC ? FD_CLOEXEC : 0,
                               task_rlimit_cur(t, RLIMIT_NOFILE));
    case F_GETFD:
        return fdtable_get_flags(t->fdt, fd);
    case F_SETFD:
        return fdtable_set_flags(t->fdt, fd, (int)arg & FD_CLOEXEC);
    case F_GETFL:
        return f->flags;
    }
    if (opath)
        return -EBADF;
    switch (cmd) {
    case F_SETFL:
        return vfs_set_status_flags(&t->ctx, f, (uint32_t)arg);
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        return fcntl_lock(t, f, cmd, arg);
    case F_GETOWN:
    case F_GETSIG:
        return 0;
    case F_SETOWN:
    case F_SETSIG:
        return 0; /* COMPAT: SIGIO/SIGURG delivery is not implemented */
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
        return fcntl_forward(
            t, f, cmd == F_GETPIPE_SZ ? VFS_FCNTL_GETPIPE_SZ : VFS_FCNTL_SETPIPE_SZ, arg);
    case F_ADD_SEALS:
    case F_GET_SEALS:
        return fcntl_forward(t, f, cmd == F_ADD_SEALS ? VFS_FCNTL_ADD_SEALS : VFS_FCNTL_GET_SEALS,
                             arg);
    case F_NOTIFY:
        return fcntl_notify(t, f, (uint32_t)arg);
    case F_GETLEASE:
    case F_SETLEASE:
        return -EINVAL;
    default:
        return -EINVAL;
    }
}

void sys_dup_register(void)
{
    SYSCALL_REG(LINUX_NR_dup, SYS_SUPPORTED(dup));
    SYSCALL_REG(LINUX_NR_dup2, SYS_SUPPORTED(dup2));
    SYSCALL_REG(LINUX_NR_dup3, SYS_SUPPORTED(dup3));
    SYSCALL_REG(LINUX_NR_fcntl, SYS_PARTIAL(fcntl, "no SIGIO (F_SETOWN/F_SETSIG) or leases; "
                                                   "F_NOTIFY sends no signal; seals on memfds "
                                                   "only"));
    SYSCALL_REG(LINUX_NR_flock,
                SYS_PARTIAL(flock, "sandbox-wide; host processes do not see these locks"));
}
