// SPDX-License-Identifier: Apache-2.0
/*
 * ioctl(2): the generic descriptor requests (FIONBIO, FIOASYNC, FIOCLEX, FIONCLEX, FIONREAD
 * on regular files) here, everything else through the file's ops->ioctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "abi/linux/errno.h"
#include "common/cleanup.h"
#include "sentry/syscalls/sys_fs_util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/vfs_ops.h"

/* Set or clear @flag in the status flags from the int at @arg. */
static long ioctl_set_flag(struct task *t, struct file *f, gaddr_t arg, uint32_t flag)
{
    int on;
    int ret = copy_in(t, arg, &on, sizeof(on));
    if (ret < 0)
        return ret;
    uint32_t flags = on ? (f->flags | flag) : (f->flags & ~flag);
    return vfs_set_status_flags(&t->ctx, f, flags);
}

long sys_ioctl(struct task *t, const struct syscall_args *a)
{
    int fd = arg_int(a, 0);
    unsigned int cmd = arg_uint(a, 1);
    gaddr_t arg = arg_addr(a, 2);
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, fd);
    if (!f)
        return -EBADF;
    switch (cmd) {
    case FIOCLEX:
        return fdtable_set_flags(t->fdt, fd, FD_CLOEXEC);
    case FIONCLEX:
        return fdtable_set_flags(t->fdt, fd, 0);
    }
    if (f->flags & O_PATH)
        return -EBADF;
    switch (cmd) {
    case FIONBIO:
        return ioctl_set_flag(t, f, arg, O_NONBLOCK);
    case FIOASYNC:
        return ioctl_set_flag(t, f, arg, O_ASYNC);
    case FIONREAD: {
        int n;
        if (vfs_fionread(f, &n) == 0)
            return copy_out(t, arg, &n, sizeof(n));
        break;
    }
    }
    if (!f->ops || !f->ops->ioctl)
        return -ENOTTY;
    long ret = f->ops->ioctl(&t->ctx, f, cmd, arg);
    return ret == -LINUX_ENOIOCTLCMD ? -ENOTTY : ret;
}

void sys_ioctl_register(void)
{
    SYSCALL_REG(LINUX_NR_ioctl, SYS_PARTIAL(ioctl, "generic requests plus each file's own"));
}
