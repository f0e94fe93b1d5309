// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes: getxattr, listxattr, setxattr, removexattr and their l- and f-
 * variants. The handlers copy names and values across and leave the rules to the VFS
 * (vfs/xattr.c); tmpfs stores attributes, other filesystems show none and refuse writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"
#include "sentry/vfs/vfs_ops.h"

#define XATTR_NAME_MAX 255
#define XATTR_CREATE_FLAG 1
#define XATTR_REPLACE_FLAG 2
#define XATTR_SIZE_MAX 65536
#define XATTR_LIST_MAX 65536

/* Which object a call names: a path (copied into @pathbuf) or a descriptor. */
struct xattr_obj {
    char path[4096];
    bool by_path;
    int flags; /* AT_SYMLINK_NOFOLLOW for the l- variants */
    struct file *f;
};

static long obj_get(struct task *t, const struct syscall_args *a, int kind, struct xattr_obj *o)
{
    o->f = NULL;
    o->by_path = kind != 2;
    o->flags = kind == 1 ? AT_SYMLINK_NOFOLLOW : 0;
    if (!o->by_path) {
        o->f = fdtable_get(t->fdt, arg_int(a, 0));
        return o->f ? 0 : -EBADF;
    }
    long len = copy_in_str(t, arg_addr(a, 0), o->path, sizeof(o->path));
    if (len < 0)
        return len;
    return len == 0 ? -ENOENT : 0;
}

static void obj_put(struct xattr_obj *o)
{
    if (o->f)
        file_unref(o->f);
}

/* An attribute name: 1..255 bytes (ERANGE otherwise, as Linux). */
static long name_get(struct task *t, gaddr_t name, char *buf)
{
    long len = copy_in_str(t, name, buf, XATTR_NAME_MAX + 1);
    if (len == -ENAMETOOLONG)
        return -ERANGE;
    if (len < 0)
        return len;
    return len == 0 ? -ERANGE : 0;
}

static long do_get(struct task *t, const struct syscall_args *a, int kind)
{
    struct xattr_obj *o = malloc(sizeof(*o));
    if (!o)
        return -ENOMEM;
    char name[XATTR_NAME_MAX + 1];
    size_t size = arg_size(a, 3);
    if (size > XATTR_SIZE_MAX)
        size = XATTR_SIZE_MAX;
    char *val = size ? malloc(size) : NULL;
    long ret = size && !val ? -ENOMEM : obj_get(t, a, kind, o);
    if (ret == 0)
        ret = name_get(t, arg_addr(a, 1), name);
    if (ret == 0)
        ret = vfs_getxattr(&t->ctx, o->by_path ? o->path : NULL, o->flags, o->f, name, val, size);
    if (ret > 0 && size > 0) {
        long c = copy_out(t, arg_addr(a, 2), val, (size_t)ret);
        if (c < 0)
            ret = c;
    }
    obj_put(o);
    free(o);
    free(val);
    return ret;
}

static long do_list(struct task *t, const struct syscall_args *a, int kind)
{
    struct xattr_obj *o = malloc(sizeof(*o));
    if (!o)
        return -ENOMEM;
    size_t size = arg_size(a, 2);
    if (size > XATTR_LIST_MAX)
        size = XATTR_LIST_MAX;
    char *buf = size ? malloc(size) : NULL;
    long ret = size && !buf ? -ENOMEM : obj_get(t, a, kind, o);
    if (ret == 0)
        ret = vfs_listxattr(&t->ctx, o->by_path ? o->path : NULL, o->flags, o->f, buf, size);
    if (ret > 0 && size > 0) {
        long c = copy_out(t, arg_addr(a, 1), buf, (size_t)ret);
        if (c < 0)
            ret = c;
    }
    obj_put(o);
    free(o);
    free(buf);
    return ret;
}

static long do_set(struct task *t, const struct syscall_args *a, int kind)
{
    int flags = arg_int(a, 4);
    size_t size = arg_size(a, 3);
    if (flags & ~(XATTR_CREATE_FLAG | XATTR_REPLACE_FLAG))
        return -EINVAL;
    char name[XATTR_NAME_MAX + 1];
    long ret = name_get(t, arg_addr(a, 1), name);
    if (ret < 0)
        return ret;
    if (size > XATTR_SIZE_MAX)
        return -E2BIG;
    struct xattr_obj *o = malloc(sizeof(*o));
    char *val = malloc(size ? size : 1);
    ret = !o || !val ? -ENOMEM : 0;
    if (ret == 0 && size)
        ret = copy_in(t, arg_addr(a, 2), val, size);
    if (ret == 0) {
        ret = obj_get(t, a, kind, o);
        if (ret == 0)
            ret = vfs_setxattr(&t->ctx, o->by_path ? o->path : NULL, o->flags, o->f, name, val,
                               size, flags);
        obj_put(o);
    }
    free(o);
    free(val);
    return ret;
}

static long do_remove(struct task *t, const struct syscall_args *a, int kind)
{
    char name[XATTR_NAME_MAX + 1];
    long ret = name_get(t, arg_addr(a, 1), name);
    if (ret < 0)
        return ret;
    struct xattr_obj *o = malloc(sizeof(*o));
    if (!o)
        return -ENOMEM;
    ret = obj_get(t, a, kind, o);
    if (ret == 0)
        ret = vfs_removexattr(&t->ctx, o->by_path ? o->path : NULL, o->flags, o->f, name);
    obj_put(o);
    free(o);
    return ret;
}

/* kind: 0 path (follow), 1 l- variant, 2 f- variant. */
long sys_getxattr(struct task *t, const struct syscall_args *a)
{
    return do_get(t, a, 0);
}
long sys_lgetxattr(struct task *t, const struct syscall_args *a)
{
    return do_get(t, a, 1);
}
long sys_fgetxattr(struct task *t, const struct syscall_args *a)
{
    return do_get(t, a, 2);
}
long sys_listxattr(struct task *t, const struct syscall_args *a)
{
    return do_list(t, a, 0);
}
long sys_llistxattr(struct task *t, const struct syscall_args *a)
{
    return do_list(t, a, 1);
}
long sys_flistxattr(struct task *t, const struct syscall_args *a)
{
    return do_list(t, a, 2);
}
long sys_setxattr(struct task *t, const struct syscall_args *a)
{
    return do_set(t, a, 0);
}
long sys_lsetxattr(struct task *t, const struct syscall_args *a)
{
    return do_set(t, a, 1);
}
long sys_fsetxattr(struct task *t, const struct syscall_args *a)
{
    return do_set(t, a, 2);
}
long sys_removexattr(struct task *t, const struct syscall_args *a)
{
    return do_remove(t, a, 0);
}
long sys_lremovexattr(struct task *t, const struct syscall_args *a)
{
    return do_remove(t, a, 1);
}
long sys_fremovexattr(struct task *t, const struct syscall_args *a)
{
    return do_remove(t, a, 2);
}

#define NOTE "stored by tmpfs (user, trusted, security); other filesystems: none, writes ENOTSUP"

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
}
