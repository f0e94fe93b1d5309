// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes: getxattr, listxattr, setxattr, removexattr and their l- and f-
 * variants. No filesystem of this version stores attributes, so every file exists with an
 * empty attribute list (what a host file without xattrs shows); writes are refused with
 * ENOTSUP as a filesystem without xattr support does.
 */
#include <errno.h>
#include <fcntl.h>

#include "common/cleanup.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"

#define XATTR_NAME_MAX 255
#define XATTR_CREATE_FLAG 1
#define XATTR_REPLACE_FLAG 2
#define XATTR_SIZE_MAX 65536

/* The file named by a path argument must exist (ENOENT, ENOTDIR, EFAULT... as stat). */
static long check_path(struct task *t, gaddr_t path, bool follow)
{
    char buf[4096];
    long len = copy_in_str(t, path, buf, sizeof(buf));
    if (len < 0)
        return len;
    if (len == 0)
        return -ENOENT;
    struct linux_stat st;
    return vfs_fstatat(t, AT_FDCWD, buf, follow ? 0 : AT_SYMLINK_NOFOLLOW, &st);
}

static long check_fd(struct task *t, int fd)
{
    _cleanup_(file_unrefp) struct file *f = fdtable_get(t->fdt, fd);
    return f ? 0 : -EBADF;
}

/* An attribute name must be "namespace.name", 1..255 bytes. */
static long check_name(struct task *t, gaddr_t name)
{
    char buf[XATTR_NAME_MAX + 1];
    long len = copy_in_str(t, name, buf, sizeof(buf));
    if (len == -ENAMETOOLONG)
        return -ERANGE;
    if (len < 0)
        return len;
    if (len == 0)
        return -ERANGE;
    return 0;
}

static long get_common(struct task *t, long err, gaddr_t name)
{
    if (err < 0)
        return err;
    err = check_name(t, name);
    return err < 0 ? err : -ENODATA;
}

long sys_getxattr(struct task *t, const struct syscall_args *a)
{
    return get_common(t, check_path(t, arg_addr(a, 0), true), arg_addr(a, 1));
}

long sys_lgetxattr(struct task *t, const struct syscall_args *a)
{
    return get_common(t, check_path(t, arg_addr(a, 0), false), arg_addr(a, 1));
}

long sys_fgetxattr(struct task *t, const struct syscall_args *a)
{
    return get_common(t, check_fd(t, arg_int(a, 0)), arg_addr(a, 1));
}

long sys_listxattr(struct task *t, const struct syscall_args *a)
{
    long err = check_path(t, arg_addr(a, 0), true);
    return err < 0 ? err : 0;
}

long sys_llistxattr(struct task *t, const struct syscall_args *a)
{
    long err = check_path(t, arg_addr(a, 0), false);
    return err < 0 ? err : 0;
}

long sys_flistxattr(struct task *t, const struct syscall_args *a)
{
    long err = check_fd(t, arg_int(a, 0));
    return err < 0 ? err : 0;
}

static long set_common(struct task *t, long err, gaddr_t name, size_t size, int flags)
{
    if (err < 0)
        return err;
    if (flags & ~(XATTR_CREATE_FLAG | XATTR_REPLACE_FLAG))
        return -EINVAL;
    if (size > XATTR_SIZE_MAX)
        return -E2BIG;
    err = check_name(t, name);
    return err < 0 ? err : -ENOTSUP;
}

long sys_setxattr(struct task *t, const struct syscall_args *a)
{
    return set_common(t, check_path(t, arg_addr(a, 0), true), arg_addr(a, 1), arg_size(a, 3),
                      arg_int(a, 4));
}

long sys_lsetxattr(struct task *t, const struct syscall_args *a)
{
    return set_common(t, check_path(t, arg_addr(a, 0), false), arg_addr(a, 1), arg_size(a, 3),
                      arg_int(a, 4));
}

long sys_fsetxattr(struct task *t, const struct syscall_args *a)
{
    return set_common(t, check_fd(t, arg_int(a, 0)), arg_addr(a, 1), arg_size(a, 3),
                      arg_int(a, 4));
}

long sys_removexattr(struct task *t, const struct syscall_args *a)
{
    return get_common(t, check_path(t, arg_addr(a, 0), true), arg_addr(a, 1));
}

long sys_lremovexattr(struct task *t, const struct syscall_args *a)
{
    return get_common(t, check_path(t, arg_addr(a, 0), false), arg_addr(a, 1));
}

long sys_fremovexattr(struct task *t, const struct syscall_args *a)
{
    return get_common(t, check_fd(t, arg_int(a, 0)), arg_addr(a, 1));
}

#define NOTE "no filesystem stores xattrs yet: lists are empty, writes ENOTSUP"

void sys_xattr_register(void)
{
    SYSCALL_REG(LINUX_NR_getxattr, SYS_PARTIAL(getxattr, NOTE));
    SYSCALL_REG(LINUX_NR_lgetxattr, SYS_PARTIAL(lgetxattr, NOTE));
    SYSCALL_REG(LINUX_NR_fgetxattr, SYS_PARTIAL(fgetxattr, NOTE));
    SYSCALL_REG(LINUX_NR_listxattr, SYS_PARTIAL(listxattr, NOTE));
    SYSCALL_REG(LINUX_NR_llistxattr, SYS_PARTIAL(llistxattr, NOTE));
    SYSCALL_REG(LINUX_NR_flistxattr, SYS_PARTIAL(flistxattr, NOTE));
    SYSCALL_REG(LINUX_NR_setxattr, SYS_PARTIAL(setxattr, NOTE));
    SYSCALL_REG(LINUX_NR_lsetxattr, SYS_PARTIAL(lsetxattr, NOTE));
    SYSCALL_REG(LINUX_NR_fsetxattr, SYS_PARTIAL(fsetxattr, NOTE));
    SYSCALL_REG(LINUX_NR_removexattr, SYS_PARTIAL(removexattr, NOTE));
    SYSCALL_REG(LINUX_NR_lremovexattr, SYS_PARTIAL(lremovexattr, NOTE));
    SYSCALL_REG(LINUX_NR_fremovexattr, SYS_PARTIAL(fremovexattr, NOTE));
    /* Deliberate refusals with a reason, so they are not logged as unknown. */
    SYSCALL_REG(LINUX_NR_rseq, SYS_ERRNO(rseq, ENOSYS, "restartable sequences: glibc goes on "
                                                       "without them"));
}
