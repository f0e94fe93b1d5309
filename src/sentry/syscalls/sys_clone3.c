// SPDX-License-Identifier: Apache-2.0
/*
 * clone3(2), and CLONE_PIDFD for clone(2) and clone3(2). The task is made by kernel/clone.c;
 * this file reads struct clone_args as Linux does (every size from CLONE_ARGS_SIZE_VER0 to a
 * page, a larger caller's tail must be zero) and makes the pidfd.
 *
 * COMPAT: set_tid (choosing the child's pid) needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE
 * as in Linux, and then fails with EEXIST for a pid in use and EPERM otherwise: the sandbox
 * does not hand out chosen pids. CLONE_INTO_CGROUP fails with EBADF as in Linux given a
 * descriptor that is not a cgroup directory: the sandbox has no cgroup filesystem.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>

#include "sentry/fs/anon/pidfd.h"
#include "sentry/kernel/clone.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

/* struct clone_args of Linux's include/uapi/linux/sched.h, as of CLONE_ARGS_SIZE_VER2. */
struct linux_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size; /* VER1 */
    uint64_t cgroup;                /* VER2 */
};

#define CLONE_ARGS_SIZE_VER0 64
#define CLONE_ARGS_SIZE_VER1 80
#define CLONE_ARGS_SIZE_VER2 88
#define MAX_PID_NS_LEVEL 32
#define CSIGNAL_MASK 0xffull
#define LINUX_CLONE_NEWTIME 0x80ull

/* A CLONE_PIDFD clone in progress: the descriptor reserved before the child exists. */
struct pidfd_reservation {
    struct file *f;
    int fd;
};

/* Reserve the pidfd (Linux takes the number before it copies the process) and store its
 * number at p->pidfd. Returns 0, or -errno with nothing left behind. */
static int pidfd_reserve(struct task *t, const struct clone_params *p, struct pidfd_reservation *r)
{
    int err = pidfd_create_file(NULL, 0, &r->f);
    if (err < 0)
        return err;
    err = fdtable_install(t->fdt, r->f, 0, FD_CLOEXEC, task_rlimit_cur(t, RLIMIT_NOFILE));
    if (err >= 0) {
        r->fd = err;
        int32_t nr = err;
        err = copy_out(t, p->pidfd, &nr, sizeof(nr)) < 0 ? -EFAULT : 0;
        if (err < 0)
            fdtable_close(t->fdt, r->fd);
    }
    if (err < 0)
        file_unref(r->f);
    return err;
}

/* clone_params.created: the reserved pidfd now names the child's process. A child with its
 * own copy of the table must not inherit the parent's new pidfd: it leaves the copy. */
static void pidfd_attach(struct task *t, struct task *c, void *arg)
{
    struct pidfd_reservation *r = arg;
    pidfd_file_attach(r->f, c->tg);
    if (c->fdt != t->fdt)
        fdtable_close(c->fdt, r->fd);
}

long sys_do_clone(struct task *t, struct clone_params *p)
{
    if (!(p->flags & CLONE_PIDFD))
        return task_clone(t, p);
    int err = task_clone_check(p);
    if (err < 0)
        return err;
    struct pidfd_reservation r;
    if ((err = pidfd_reserve(t, p, &r)) < 0)
        return err;
    p->created = pidfd_attach;
    p->created_arg = &r;
    long ret = task_clone(t, p);
    if (ret < 0)
        fdtable_close(t->fdt, r.fd);
    file_unref(r.f); /* the table holds its own reference */
    return ret;
}

/* Linux's copy_struct_from_user: the caller's struct of @usize bytes into @ka; a larger one
 * must have a zero tail (E2BIG). */
static int copy_clone_args(struct task *t, gaddr_t uaddr, size_t usize, struct linux_clone_args *ka)
{
    memset(ka, 0, sizeof(*ka));
    if (usize > LINUX_PAGE_SIZE)
        return -E2BIG;
    if (usize < CLONE_ARGS_SIZE_VER0)
        return -EINVAL;
    size_t n = usize < sizeof(*ka) ? usize : sizeof(*ka);
    if (copy_in(t, uaddr, ka, n) < 0)
        return -EFAULT;
    for (size_t off = sizeof(*ka); off < usize;) {
        uint8_t tail[256];
        size_t chunk = usize - off < sizeof(tail) ? usize - off : sizeof(tail);
        if (copy_in(t, uaddr + off, tail, chunk) < 0)
            return -EFAULT;
        for (size_t i = 0; i < chunk; i++) {
            if (tail[i])
                return -E2BIG;
        }
        off += chunk;
    }
    return 0;
}

/* The checks of Linux's copy_clone_args_from_user after the copy. */
static int check_clone_args(const struct linux_clone_args *ka, size_t usize)
{
    if (ka->set_tid_size > MAX_PID_NS_LEVEL)
        return -EINVAL;
    if (!ka->set_tid != !ka->set_tid_size)
        return -EINVAL;
    if ((ka->exit_signal & ~CSIGNAL_MASK) || ka->exit_signal > LINUX_NSIG)
        return -EINVAL;
    if ((ka->flags & LINUX_CLONE_INTO_CGROUP) &&
        (ka->cgroup > INT_MAX || usize < CLONE_ARGS_SIZE_VER2))
        return -EINVAL;
    return 0;
}

/* Linux's clone3_args_valid. */
static bool clone3_args_valid(const struct linux_clone_args *ka)
{
    const uint64_t known = 0xffffffffull | LINUX_CLONE_CLEAR_SIGHAND | LINUX_CLONE_INTO_CGROUP;
    if (ka->flags & ~known)
        return false;
    /* The exit signal and CLONE_DETACHED bits of clone(2) are not flags here. */
    if (ka->flags & (CLONE_DETACHED | (CSIGNAL_MASK & ~LINUX_CLONE_NEWTIME)))
        return false;
    if ((ka->flags & (CLONE_THREAD | CLONE_PARENT)) && ka->exit_signal)
        return false;
    if ((ka->flags & CLONE_SIGHAND) && (ka->flags & LINUX_CLONE_CLEAR_SIGHAND))
        return false;
    if (!ka->stack != !ka->stack_size)
        return false;
    return ka->stack + ka->stack_size >= ka->stack; /* access_ok: no wrap */
}

/* set_tid: the pids the caller asks for, one per pid namespace level (the sandbox has one).
 * Returns -errno: see the COMPAT note at the top. */
static int check_set_tid(struct task *t, const struct linux_clone_args *ka)
{
    if (ka->set_tid_size > 1)
        return -EINVAL; /* more levels than the sandbox's pid namespace has */
    int32_t tid;
    if (copy_in(t, ka->set_tid, &tid, sizeof(tid)) < 0)
        return -EFAULT;
    if (tid < 1 || tid >= (1 << 22))
        return -EINVAL;
    if (!task_capable(t, CAP_SYS_ADMIN) && !task_capable(t, CAP_CHECKPOINT_RESTORE))
        return -EPERM;
    return task_find(tid) || tg_find(tid) ? -EEXIST : -EPERM;
}

long sys_clone3(struct task *t, const struct syscall_args *a)
{
    size_t usize = arg_size(a, 1);
    struct linux_clone_args ka;
    int err = copy_clone_args(t, arg_addr(a, 0), usize, &ka);
    if (err < 0)
        return err;
    if ((err = check_clone_args(&ka, usize)) < 0)
        return err;
    if (!clone3_args_valid(&ka))
        return -EINVAL;
    if (ka.flags & LINUX_CLONE_NEWTIME)
        return -EPERM; /* COMPAT: namespaces inside the sandbox are not supported */
    struct clone_params p = {
        .flags = (ka.flags & ~CSIGNAL_MASK) | ka.exit_signal,
        .stack = ka.stack ? ka.stack + ka.stack_size : 0,
        .parent_tid = ka.parent_tid,
        .child_tid = ka.child_tid,
        .tls = ka.tls,
        .pidfd = ka.pidfd,
    };
    if ((err = task_clone_check(&p)) < 0)
        return err;
    if (ka.set_tid_size)
        return check_set_tid(t, &ka);
    if (ka.flags & LINUX_CLONE_INTO_CGROUP)
        return -EBADF; /* no descriptor is a cgroup directory here (see the top) */
    return sys_do_clone(t, &p);
}

void sys_clone3_register(void)
{
    SYSCALL_REG(LINUX_NR_clone3,
                SYS_PARTIAL(clone3, "set_tid EPERM/EEXIST; CLONE_INTO_CGROUP EBADF"));
}
