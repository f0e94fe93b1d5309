// SPDX-License-Identifier: Apache-2.0
/*
 * Process and thread ids, and credentials: the set*id family, supplementary groups, capget
 * and capset. Credentials are per thread, as on Linux (glibc makes every thread of a process
 * call set*id); the rules by which they change are Linux's and live in auth/cred.c. This file
 * reads the arguments and commits the new credentials (task_commit_cred).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "sentry/auth/cred.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

/* --- ids --- */

long sys_getpid(struct task *t, const struct syscall_args *a)
{
    return t->tg->pid;
}

long sys_gettid(struct task *t, const struct syscall_args *a)
{
    return t->tid;
}

long sys_getppid(struct task *t, const struct syscall_args *a)
{
    return t->tg->parent ? t->tg->parent->pid : 0;
}

long sys_getuid(struct task *t, const struct syscall_args *a)
{
    return task_cred(t)->uid;
}

long sys_geteuid(struct task *t, const struct syscall_args *a)
{
    return task_cred(t)->euid;
}

long sys_getgid(struct task *t, const struct syscall_args *a)
{
    return task_cred(t)->gid;
}

long sys_getegid(struct task *t, const struct syscall_args *a)
{
    return task_cred(t)->egid;
}

static long do_put_ids(struct task *t, const struct syscall_args *a, uint32_t r, uint32_t e,
                       uint32_t s)
{
    if (copy_out(t, arg_addr(a, 0), &r, sizeof(r)) < 0 ||
        copy_out(t, arg_addr(a, 1), &e, sizeof(e)) < 0 ||
        copy_out(t, arg_addr(a, 2), &s, sizeof(s)) < 0)
        return -EFAULT;
    return 0;
}

long sys_getresuid(struct task *t, const struct syscall_args *a)
{
    const struct cred *c = task_cred(t);
    return do_put_ids(t, a, c->uid, c->euid, c->suid);
}

long sys_getresgid(struct task *t, const struct syscall_args *a)
{
    const struct cred *c = task_cred(t);
    return do_put_ids(t, a, c->gid, c->egid, c->sgid);
}

/* --- set*id --- */

enum id_op { OP_SETUID, OP_SETGID, OP_SETREUID, OP_SETREGID, OP_SETRESUID, OP_SETRESGID };

/* Apply one identity change to a copy of @t's credentials and commit it. */
static long do_set_ids(struct task *t, enum id_op op, uint32_t r, uint32_t e, uint32_t s)
{
    const struct cred *old = task_cred(t);
    struct cred *new = cred_prepare(old);
    if (!new)
        return -ENOMEM;
    int ret;
    switch (op) {
    case OP_SETUID:
        ret = cred_setuid(old, new, r);
        break;
    case OP_SETGID:
        ret = cred_setgid(old, new, r);
        break;
    case OP_SETREUID:
        ret = cred_setreuid(old, new, r, e);
        break;
    case OP_SETREGID:
        ret = cred_setregid(old, new, r, e);
        break;
    case OP_SETRESUID:
        ret = cred_setresuid(old, new, r, e, s);
        break;
    default:
        ret = cred_setresgid(old, new, r, e, s);
        break;
    }
    if (ret < 0) {
        cred_unref(new);
        return ret;
    }
    task_commit_cred(t, new);
    return 0;
}

long sys_setuid(struct task *t, const struct syscall_args *a)
{
    return do_set_ids(t, OP_SETUID, arg_uint(a, 0), 0, 0);
}

long sys_setgid(struct task *t, const struct syscall_args *a)
{
    return do_set_ids(t, OP_SETGID, arg_uint(a, 0), 0, 0);
}

long sys_setreuid(struct task *t, const struct syscall_args *a)
{
    return do_set_ids(t, OP_SETREUID, arg_uint(a, 0), arg_uint(a, 1), 0);
}

long sys_setregid(struct task *t, const struct syscall_args *a)
{
    return do_set_ids(t, OP_SETREGID, arg_uint(a, 0), arg_uint(a, 1), 0);
}

long sys_setresuid(struct task *t, const struct syscall_args *a)
{
    return do_set_ids(t, OP_SETRESUID, arg_uint(a, 0), arg_uint(a, 1), arg_uint(a, 2));
}

long sys_setresgid(struct task *t, const struct syscall_args *a)
{
    return do_set_ids(t, OP_SETRESGID, arg_uint(a, 0), arg_uint(a, 1), arg_uint(a, 2));
}

/* setfsuid/setfsgid never fail: they return the old id, and change it only if allowed. */
static long do_setfsid(struct task *t, bool uid, uint32_t id)
{
    const struct cred *old = task_cred(t);
    struct cred *new = cred_prepare(old);
    if (!new)
        return uid ? old->fsuid : old->fsgid;
    uint32_t prev = uid ? cred_setfsuid(old, new, id) : cred_setfsgid(old, new, id);
    task_commit_cred(t, new);
    return prev;
}

long sys_setfsuid(struct task *t, const struct syscall_args *a)
{
    return do_setfsid(t, true, arg_uint(a, 0));
}

long sys_setfsgid(struct task *t, const struct syscall_args *a)
{
    return do_setfsid(t, false, arg_uint(a, 0));
}

/* --- supplementary groups --- */

long sys_getgroups(struct task *t, const struct syscall_args *a)
{
    int size = arg_int(a, 0);
    const struct cred *c = task_cred(t);

    if (size < 0)
        return -EINVAL;
    if (size == 0)
        return c->ngroups;
    if ((uint32_t)size < c->ngroups)
        return -EINVAL;
    if (c->ngroups && copy_out(t, arg_addr(a, 1), c->groups, sizeof(uint32_t) * c->ngroups) < 0)
        return -EFAULT;
    return c->ngroups;
}

long sys_setgroups(struct task *t, const struct syscall_args *a)
{
    int size = arg_int(a, 0);
    const struct cred *old = task_cred(t);

    if (size < 0 || size > CRED_NGROUPS_MAX)
        return -EINVAL;
    if (!cred_capable(old, CAP_SETGID))
        return -EPERM;
    _cleanup_free_ uint32_t *groups = NULL;
    if (size) {
        groups = malloc(sizeof(uint32_t) * (size_t)size);
        if (!groups)
            return -ENOMEM;
        if (copy_in(t, arg_addr(a, 1), groups, sizeof(uint32_t) * (size_t)size) < 0)
            return -EFAULT;
        for (int i = 0; i < size; i++) {
            if (groups[i] == CRED_ID_INVALID)
                return -EINVAL;
        }
    }
    struct cred *new = cred_prepare(old);
    if (!new)
        return -ENOMEM;
    if (cred_set_groups(new, groups, (uint32_t)size) < 0) {
        cred_unref(new);
        return -ENOMEM;
    }
    task_commit_cred(t, new);
    return 0;
}

/* --- capabilities --- */

#define CAP_V1 0x19980330u
#define CAP_V2 0x20071026u
#define CAP_V3 0x20080522u

struct cap_header {
    uint32_t version;
    int32_t pid;
};

struct cap_data {
    uint32_t effective, permitted, inheritable;
};

/* Read and check the header: returns the number of data words or -errno. As Linux, an
 * unknown version is answered with the preferred one written back and -EINVAL. */
static int do_cap_header(struct task *t, gaddr_t uhdr, struct cap_header *h)
{
    if (copy_in(t, uhdr, h, sizeof(*h)) < 0)
        return -EFAULT;
    if (h->version == CAP_V1)
        return 1;
    if (h->version == CAP_V2 || h->version == CAP_V3)
        return 2;
    uint32_t v = CAP_V3;
    if (copy_out(t, uhdr, &v, sizeof(v)) < 0)
        return -EFAULT;
    return -EINVAL;
}

long sys_capget(struct task *t, const struct syscall_args *a)
{
    struct cap_header h;
    gaddr_t udata = arg_addr(a, 1);

    int n = do_cap_header(t, arg_addr(a, 0), &h);
    if (n < 0 || !udata)
        return (n == -EINVAL && !udata) ? 0 : (n < 0 ? n : 0);
    if (h.pid < 0)
        return -EINVAL;
    const struct cred *c = task_cred(t);
    if (h.pid && h.pid != t->tid) {
        struct task *o = task_find(h.pid);
        if (!o)
            return -ESRCH;
        c = task_cred(o);
    }
    struct cap_data d[2];
    for (int i = 0; i < 2; i++) {
        d[i].effective = (uint32_t)(c->cap_effective >> (32 * i));
        d[i].permitted = (uint32_t)(c->cap_permitted >> (32 * i));
        d[i].inheritable = (uint32_t)(c->cap_inheritable >> (32 * i));
    }
    return copy_out(t, udata, d, sizeof(d[0]) * (size_t)n) < 0 ? -EFAULT : 0;
}

long sys_capset(struct task *t, const struct syscall_args *a)
{
    struct cap_header h;
    struct cap_data d[2];

    int n = do_cap_header(t, arg_addr(a, 0), &h);
    if (n < 0)
        return n;
    /* Only a task's own capabilities can be set (Linux >= 2.6.25 without CAP_SETPCAP's
     * old meaning). */
    if (h.pid && h.pid != t->tid)
        return -EPERM;
    memset(d, 0, sizeof(d));
    if (copy_in(t, arg_addr(a, 1), d, sizeof(d[0]) * (size_t)n) < 0)
        return -EFAULT;
    uint64_t eff = 0, perm = 0, inh = 0;
    for (int i = 0; i < n; i++) {
        eff |= (uint64_t)d[i].effective << (32 * i);
        perm |= (uint64_t)d[i].permitted << (32 * i);
        inh |= (uint64_t)d[i].inheritable << (32 * i);
    }
    const struct cred *old = task_cred(t);
    if (n == 1) {
        /* A v1 caller cannot see the upper sets: they stay as they are. */
        eff |= old->cap_effective & ~UINT64_C(0xffffffff);
        perm |= old->cap_permitted & ~UINT64_C(0xffffffff);
        inh |= old->cap_inheritable & ~UINT64_C(0xffffffff);
    }
    eff &= CAP_FULL_SET;
    perm &= CAP_FULL_SET;
    inh &= CAP_FULL_SET;
    struct cred *new = cred_prepare(old);
    if (!new)
        return -ENOMEM;
    int ret = cred_capset(old, new, eff, perm, inh);
    if (ret < 0) {
        cred_unref(new);
        return ret;
    }
    task_commit_cred(t, new);
    return 0;
}

void sys_identity_register(void)
{
    SYSCALL_REG(LINUX_NR_getpid, SYS_SUPPORTED(getpid));
    SYSCALL_REG(LINUX_NR_getppid, SYS_SUPPORTED(getppid));
    SYSCALL_REG(LINUX_NR_gettid, SYS_SUPPORTED(gettid));
    SYSCALL_REG(LINUX_NR_getuid, SYS_SUPPORTED(getuid));
    SYSCALL_REG(LINUX_NR_geteuid, SYS_SUPPORTED(geteuid));
    SYSCALL_REG(LINUX_NR_getgid, SYS_SUPPORTED(getgid));
    SYSCALL_REG(LINUX_NR_getegid, SYS_SUPPORTED(getegid));
    SYSCALL_REG(LINUX_NR_getresuid, SYS_SUPPORTED(getresuid));
    SYSCALL_REG(LINUX_NR_getresgid, SYS_SUPPORTED(getresgid));
    SYSCALL_REG(LINUX_NR_setuid, SYS_SUPPORTED(setuid));
    SYSCALL_REG(LINUX_NR_setgid, SYS_SUPPORTED(setgid));
    SYSCALL_REG(LINUX_NR_setreuid, SYS_SUPPORTED(setreuid));
    SYSCALL_REG(LINUX_NR_setregid, SYS_SUPPORTED(setregid));
    SYSCALL_REG(LINUX_NR_setresuid, SYS_SUPPORTED(setresuid));
    SYSCALL_REG(LINUX_NR_setresgid, SYS_SUPPORTED(setresgid));
    SYSCALL_REG(LINUX_NR_setfsuid, SYS_SUPPORTED(setfsuid));
    SYSCALL_REG(LINUX_NR_setfsgid, SYS_SUPPORTED(setfsgid));
    SYSCALL_REG(LINUX_NR_getgroups, SYS_SUPPORTED(getgroups));
    SYSCALL_REG(LINUX_NR_setgroups, SYS_SUPPORTED(setgroups));
    SYSCALL_REG(LINUX_NR_capget, SYS_SUPPORTED(capget));
    SYSCALL_REG(LINUX_NR_capset, SYS_SUPPORTED(capset));
}
