// SPDX-License-Identifier: Apache-2.0
/* System calls "pipe" and "pipe2". The pipe itself lives in fs/pipe/pipe.c. */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>

#include "sentry/fs/pipe/pipe.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#define LINUX_O_NOTIFICATION_PIPE O_EXCL

static long do_pipe2(struct task *t, gaddr_t fds_addr, int flags)
{
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | LINUX_O_NOTIFICATION_PIPE))
        return -EINVAL;
    if (flags & LINUX_O_NOTIFICATION_PIPE)
        return -ENOPKG; /* no watch queues: as a kernel without CONFIG_WATCH_QUEUE */
    /* COMPAT: O_DIRECT (packet mode) is accepted but the pipe stays a byte stream. */

    struct file *rd, *wr;
    int ret = pipe_create((uint32_t)flags & O_NONBLOCK, &rd, &wr);
    if (ret < 0)
        return ret;

    int fd_flags = (flags & O_CLOEXEC) ? FD_CLOEXEC : 0;
    unsigned long limit = task_rlimit_cur(t, RLIMIT_NOFILE);
    int fds[2] = {-1, -1};
    fds[0] = fdtable_install(t->fdt, rd, 0, fd_flags, limit);
    if (fds[0] >= 0)
        fds[1] = fdtable_install(t->fdt, wr, 0, fd_flags, limit);
    file_unref(rd);
    file_unref(wr);
    ret = fds[0] < 0 ? fds[0] : fds[1] < 0 ? fds[1] : 0;
    if (ret == 0)
        ret = copy_out(t, fds_addr, fds, sizeof(fds));
    if (ret < 0) {
        /* Linux copies out before installing; undo so the app never sees the fds. */
        for (int i = 0; i < 2; i++)
            if (fds[i] >= 0)
                fdtable_close(t->fdt, fds[i]);
    }
    return ret;
}

long sys_pipe(struct task *t, const struct syscall_args *a)
{
    return do_pipe2(t, arg_addr(a, 0), 0);
}

long sys_pipe2(struct task *t, const struct syscall_args *a)
{
    return do_pipe2(t, arg_addr(a, 0), arg_int(a, 1));
}

void sys_pipe_register(void)
{
    SYSCALL_REG(LINUX_NR_pipe, SYS_SUPPORTED(pipe));
    SYSCALL_REG(LINUX_NR_pipe2, SYS_PARTIAL(pipe2, "O_DIRECT packet mode is a plain byte pipe; "
                                                   "O_NOTIFICATION_PIPE is ENOPKG"));
}
