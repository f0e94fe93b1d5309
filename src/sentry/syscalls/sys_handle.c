// SPDX-License-Identifier: Apache-2.0
/*
 * name_to_handle_at(2) and open_by_handle_at(2), answered as Linux answers them for a
 * filesystem without export support (procfs, for instance): the flags and the path are
 * checked as Linux checks them, then EOPNOTSUPP. No filesystem of the sandbox exports file
 * handles (gVisor makes the same choice), so open_by_handle_at can only be given handles
 * the sandbox never made: after Linux's checks (the mount descriptor, the handle's size,
 * CAP_DAC_READ_SEARCH) it answers ESTALE, as Linux does for a handle it cannot decode.
 * Also here: io_uring, which the sandbox does not offer (ENOSYS, logged once, as gVisor;
 * programs fall back to ordinary I/O).
 */
#include <errno.h>
#include <fcntl.h>

#include "abi/linux/stat.h"
#include "common/cleanup.h"
#include "sentry/kernel/task.h"
#include "sentry/syscalls/sys_fs_util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/vfs.h"

#define LINUX_AT_HANDLE_MNT_ID_UNIQUE 0x001
#define LINUX_AT_HANDLE_CONNECTABLE 0x002
#define LINUX_AT_HANDLE_FID 0x200
#define LINUX_MAX_HANDLE_SZ 128

long sys_name_to_handle_at(struct task *t, const struct syscall_args *a)
{
    int dirfd = arg_int(a, 0);
    int flags = arg_int(a, 4);
    const int known = AT_SYMLINK_FOLLOW | AT_EMPTY_PATH | LINUX_AT_HANDLE_FID |
                      LINUX_AT_HANDLE_MNT_ID_UNIQUE | LINUX_AT_HANDLE_CONNECTABLE;
    if (flags & ~known)
        return -EINVAL;
    if ((flags & LINUX_AT_HANDLE_FID) && (flags & LINUX_AT_HANDLE_CONNECTABLE))
        return -EINVAL;
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, arg_addr(a, 1), path);
    if (ret < 0)
        return ret;
    _cleanup_(file_unrefp) struct file *dir = NULL;
    if ((ret = sys_dirfd(t, dirfd, path, (flags & AT_EMPTY_PATH) != 0, &dir)) < 0)
        return ret;
    int sflags = (flags & AT_SYMLINK_FOLLOW) ? 0 : AT_SYMLINK_NOFOLLOW;
    struct linux_stat st;
    ret = vfs_fstatat(&t->ctx, dir, path, sflags | (flags & AT_EMPTY_PATH), &st);
    return ret < 0 ? ret : -EOPNOTSUPP;
}

long sys_open_by_handle_at(struct task *t, const struct syscall_args *a)
{
    int mount_fd = arg_int(a, 0);
    if (mount_fd != AT_FDCWD) {
        _cleanup_(file_unrefp) struct file *m = sys_get_file(t, mount_fd);
        if (!m)
            return -EBADF;
    }
    uint32_t handle_bytes;
    if (copy_in(t, arg_addr(a, 1), &handle_bytes, sizeof(handle_bytes)) < 0)
        return -EFAULT;
    if (handle_bytes == 0 || handle_bytes > LINUX_MAX_HANDLE_SZ)
        return -EINVAL;
    if (!task_capable(t, CAP_DAC_READ_SEARCH))
        return -EPERM; /* COMPAT: Linux 6.10's unprivileged decoding within one's mount is moot */
    return -ESTALE;
}

void sys_handle_register(void)
{
    SYSCALL_REG(LINUX_NR_name_to_handle_at,
                SYS_PARTIAL(name_to_handle_at, "EOPNOTSUPP: no filesystem exports handles"));
    SYSCALL_REG(LINUX_NR_open_by_handle_at,
                SYS_PARTIAL(open_by_handle_at, "ESTALE: no handle can be made"));
    SYSCALL_REG(LINUX_NR_io_uring_setup, SYS_NOTSUP(io_uring_setup, "ENOSYS, as gVisor"));
    SYSCALL_REG(LINUX_NR_io_uring_enter, SYS_NOTSUP(io_uring_enter, "ENOSYS, as gVisor"));
    SYSCALL_REG(LINUX_NR_io_uring_register, SYS_NOTSUP(io_uring_register, "ENOSYS, as gVisor"));
}
