// SPDX-License-Identifier: Apache-2.0
/*
 * Process and thread syscalls: clone, fork, vfork, execve, exit, exit_group, wait4, waitid,
 * process groups and sessions, set_tid_address, arch_prctl. The work is in kernel/.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "abi/linux/errno.h"
#include "common/cleanup.h"
#include "sentry/fs/anon/pidfd.h"
#include "sentry/kernel/clone.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/task_internal.h"
#include "sentry/kernel/wait.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"

long sys_clone(struct task *t, const struct syscall_args *a)
{
    /* x86-64 order: flags, stack, parent_tid, child_tid, tls */
    /* Linux reads 32 bits of flags; CLONE_PIDFD stores the pidfd at parent_tid. */
    struct clone_params p = {
        .flags = arg_uint(a, 0),
        .stack = arg_addr(a, 1),
        .parent_tid = arg_addr(a, 2),
        .child_tid = arg_addr(a, 3),
        .tls = arg_u64(a, 4),
        .pidfd = arg_addr(a, 2),
    };
    return sys_do_clone(t, &p);
}

long sys_fork(struct task *t, const struct syscall_args *a)
{
    struct clone_params p = {.flags = SIGCHLD};
    return task_clone(t, &p);
}

long sys_vfork(struct task *t, const struct syscall_args *a)
{
    struct clone_params p = {.flags = CLONE_VM | CLONE_VFORK | SIGCHLD};
    return task_clone(t, &p);
}

#define MAX_ARG_STRLEN (32 * 4096)
#define MAX_ARGS 65536

static void free_strv(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

/* Copy a NULL-terminated guest array of strings. */
static int copy_strv(struct task *t, gaddr_t addr, size_t *total, char ***out)
{
    size_t n = 0, cap = 16;
    char **v = calloc(cap, sizeof(char *));
    if (!v)
        return -ENOMEM;
    char *buf = malloc(MAX_ARG_STRLEN);
    int err = buf ? 0 : -ENOMEM;
    while (err == 0 && addr) {
        uint64_t p;
        if ((err = copy_in(t, addr + n * 8, &p, 8)) < 0)
            break;
        if (!p)
            break;
        if (n + 2 > cap) {
            if (cap >= MAX_ARGS) {
                err = -E2BIG;
                break;
            }
            char **nv = realloc(v, cap * 2 * sizeof(char *));
            if (!nv) {
                err = -ENOMEM;
                break;
            }
            memset(nv + cap, 0, cap * sizeof(char *));
            v = nv;
            cap *= 2;
        }
        long len = copy_in_str(t, p, buf, MAX_ARG_STRLEN);
        if (len < 0) {
            err = len == -ENAMETOOLONG ? -E2BIG : (int)len;
            break;
        }
        *total += (size_t)len + 1 + 8;
        if (*total > 32 * 1024 * 1024) {
            err = -E2BIG;
            break;
        }
        if (!(v[n] = strdup(buf))) {
            err = -ENOMEM;
            break;
        }
        n++;
    }
    free(buf);
    if (err < 0) {
        free_strv(v);
        return err;
    }
    *out = v;
    return 0;
}

/* Shared by execve and execveat: @path is a Sentry string. */
static long do_execve(struct task *t, const char *path, gaddr_t argv_addr, gaddr_t envp_addr)
{
    char **argv = NULL, **envp = NULL;
    size_t total = 0;
    int err = copy_strv(t, argv_addr, &total, &argv);
    if (err == 0)
        err = copy_strv(t, envp_addr, &total, &envp);
    if (err == 0)
        err = task_execve(t, path, argv, envp);
    free_strv(argv);
    free_strv(envp);
    if (err == 0)
        t->sys_ctrl = SYS_CTRL_NORETURN;
    return err;
}

long sys_execve(struct task *t, const struct syscall_args *a)
{
    char path[4096];
    long len = copy_in_str(t, arg_addr(a, 0), path, sizeof(path));
    if (len < 0)
        return len;
    return do_execve(t, path, arg_addr(a, 1), arg_addr(a, 2));
}

long sys_execveat(struct task *t, const struct syscall_args *a)
{
    int dirfd = arg_int(a, 0);
    int flags = arg_int(a, 4);
    if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
        return -EINVAL;
    char path[4096];
    long len = copy_in_str(t, arg_addr(a, 1), path, sizeof(path));
    if (len < 0)
        return len;
    if (path[0] == '/' || (dirfd == AT_FDCWD && len > 0))
        return do_execve(t, path, arg_addr(a, 2), arg_addr(a, 3));
    /* COMPAT: the descriptor is turned back into its path, which names the same file as
     * long as nothing was renamed or unlinked since it was opened. */
    _cleanup_(file_unrefp) struct file *f = fdtable_get(t->fdt, dirfd);
    if (!f)
        return -EBADF;
    if (len == 0 && !(flags & AT_EMPTY_PATH))
        return -ENOENT;
    char full[4096];
    int n = file_path(f, full, sizeof(full));
    if (n < 0)
        return n;
    if (full[0] != '/')
        return -ENOENT; /* an anonymous file (memfd, pipe) */
    if (len > 0) {
        if ((size_t)n + 1 + (size_t)len >= sizeof(full))
            return -ENAMETOOLONG;
        full[n] = '/';
        memcpy(full + n + 1, path, (size_t)len + 1);
    }
    if (flags & AT_SYMLINK_NOFOLLOW) {
        struct linux_stat st;
        int err = vfs_fstatat(&t->ctx, NULL, full, AT_SYMLINK_NOFOLLOW, &st);
        if (err < 0)
            return err;
        if ((st.st_mode & S_IFMT) == S_IFLNK)
            return -ELOOP;
    }
    return do_execve(t, full, arg_addr(a, 2), arg_addr(a, 3));
}

long sys_exit(struct task *t, const struct syscall_args *a)
{
    t->exit_code = arg_int(a, 0) & 0xff;
    t->exiting = true;
    t->sys_ctrl = SYS_CTRL_EXIT;
    return 0;
}

long sys_exit_group(struct task *t, const struct syscall_args *a)
{
    tg_exit(t->tg, (arg_int(a, 0) & 0xff) << 8);
    t->sys_ctrl = SYS_CTRL_EXIT;
    return 0;
}

static long put_rusage(struct task *t, gaddr_t addr, const struct wait_result *r)
{
    if (!addr)
        return 0;
    int64_t ru[18] = {0};
    ru[0] = (int64_t)(r->utime_ns / 1000000000ULL);
    ru[1] = (int64_t)(r->utime_ns % 1000000000ULL / 1000);
    ru[2] = (int64_t)(r->stime_ns / 1000000000ULL);
    ru[3] = (int64_t)(r->stime_ns % 1000000000ULL / 1000);
    return copy_out(t, addr, ru, sizeof(ru));
}

long sys_wait4(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    gaddr_t status = arg_addr(a, 1);
    int options = arg_int(a, 2);
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | LINUX_WNOTHREAD | LINUX_WALL | LINUX_WCLONE))
        return -EINVAL;
    /* As Linux: -INT_MIN is no pid (and negating it is undefined). */
    if (pid == INT_MIN)
        return -ESRCH;
    int idtype = P_ALL, id = 0;
    if (pid > 0) {
        idtype = P_PID;
        id = pid;
    } else if (pid == 0) {
        idtype = P_PGID;
        id = t->tg->pgid;
    } else if (pid < -1) {
        idtype = P_PGID;
        id = -pid;
    }
    int wopts = WEXITED | (options & (WNOHANG | WCONTINUED | LINUX_WALL | LINUX_WCLONE));
    if (options & WUNTRACED)
        wopts |= WSTOPPED;
    struct wait_result r;
    int ret = task_wait_child(t, idtype, id, wopts, &r);
    if (ret <= 0)
        return ret;
    if (status && copy_out(t, status, &r.status, sizeof(int)) < 0)
        return -EFAULT;
    if (put_rusage(t, arg_addr(a, 3), &r) < 0)
        return -EFAULT;
    return r.pid;
}

/* waitid(P_PIDFD, @fd): the process @fd names, as a pid in *@id (0, which no child has,
 * once it was reaped), and whether the pidfd is non-blocking. Returns 0 or -EBADF. */
static long waitid_pidfd(struct task *t, int *id, bool *nonblock)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    int err = sys_pidfd_get(t, *id, &f);
    if (err < 0)
        return err;
    struct thread_group *tg = pidfd_tg(f);
    *id = pidfd_tg_reaped(tg) ? 0 : tg->pid;
    *nonblock = (f->flags & O_NONBLOCK) != 0;
    return 0;
}

long sys_waitid(struct task *t, const struct syscall_args *a)
{
    int idtype = arg_int(a, 0);
    int id = arg_int(a, 1);
    gaddr_t infop = arg_addr(a, 2);
    int options = arg_int(a, 3);
    if (options & ~(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | LINUX_WNOTHREAD |
                    LINUX_WALL | LINUX_WCLONE))
        return -EINVAL;
    if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
        return -EINVAL;
    if (idtype != P_ALL && idtype != P_PID && idtype != P_PGID && idtype != P_PIDFD)
        return -EINVAL;
    if ((idtype == P_PID && id <= 0) || (idtype == P_PIDFD && id < 0))
        return -EINVAL;
    bool pidfd_nonblock = false;
    if (idtype == P_PIDFD) {
        long err = waitid_pidfd(t, &id, &pidfd_nonblock);
        if (err < 0)
            return err;
        idtype = P_PID;
        if (pidfd_nonblock)
            options |= WNOHANG;
    }
    struct wait_result r;
    int ret = task_wait_child(t, idtype, id, options, &r);
    if (ret < 0)
        return ret;
    if (ret == 0 && pidfd_nonblock && !(arg_int(a, 3) & WNOHANG))
        return -EAGAIN; /* as Linux: a PIDFD_NONBLOCK pidfd makes the wait non-blocking */
    struct linux_siginfo si;
    memset(&si, 0, sizeof(si));
    if (ret == 1) {
        si.signo = SIGCHLD;
        si.code = r.code;
        si.chld.pid = r.pid;
        si.chld.uid = r.uid;
        si.chld.status = WIFEXITED(r.status)     ? WEXITSTATUS(r.status)
                         : WIFSIGNALED(r.status) ? WTERMSIG(r.status)
                         : WIFSTOPPED(r.status)  ? WSTOPSIG(r.status)
                                                 : SIGCONT;
    }
    if (infop && copy_out(t, infop, &si, sizeof(si)) < 0)
        return -EFAULT;
    if (put_rusage(t, arg_addr(a, 4), &r) < 0 && ret == 1)
        return -EFAULT;
    return 0;
}

long sys_getpgid(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    struct thread_group *tg = pid ? tg_find(pid) : t->tg;
    return tg ? tg->pgid : -ESRCH;
}

long sys_getpgrp(struct task *t, const struct syscall_args *a)
{
    return t->tg->pgid;
}

long sys_getsid(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    struct thread_group *tg = pid ? tg_find(pid) : t->tg;
    return tg ? tg->sid : -ESRCH;
}

static bool pgrp_in_session(int pgid, int sid)
{
    struct task *o;
    list_for_each_entry(o, &g_kernel.tasks, klink)
    {
        if (o->tg->pgid == pgid && o->tg->sid == sid)
            return true;
    }
    return false;
}

long sys_setpgid(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    int pgid = arg_int(a, 1);
    if (pgid < 0)
        return -EINVAL;
    struct thread_group *tg = pid ? tg_find(pid) : t->tg;
    if (!tg)
        return -ESRCH;
    if (tg != t->tg && tg->parent != t->tg)
        return -ESRCH;
    if (tg != t->tg && tg->sid != t->tg->sid)
        return -EPERM;
    if (tg != t->tg && tg->did_exec)
        return -EACCES;
    if (tg->sid == tg->pid)
        return -EPERM; /* a session leader */
    if (!pgid)
        pgid = tg->pid;
    if (pgid != tg->pid && !pgrp_in_session(pgid, t->tg->sid))
        return -EPERM;
    tg->pgid = pgid;
    return 0;
}

long sys_setsid(struct task *t, const struct syscall_args *a)
{
    struct thread_group *tg = t->tg;
    struct task *o;
    list_for_each_entry(o, &g_kernel.tasks, klink)
    {
        if (o->tg->pgid == tg->pid)
            return -EPERM;
    }
    tg->sid = tg->pgid = tg->pid;
    tg->ctty = NULL;
    return tg->sid;
}

long sys_set_tid_address(struct task *t, const struct syscall_args *a)
{
    t->clear_child_tid = arg_addr(a, 0);
    return t->tid;
}

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

long sys_arch_prctl(struct task *t, const struct syscall_args *a)
{
    uint64_t v = arg_u64(a, 1);
    switch (arg_int(a, 0)) {
    case ARCH_SET_FS:
        if (v >= 0x800000000000ULL)
            return -EPERM;
        t->regs.fs_base = v;
        return 0;
    case ARCH_SET_GS:
        if (v >= 0x800000000000ULL)
            return -EPERM;
        t->regs.gs_base = v;
        return 0;
    case ARCH_GET_FS:
        return copy_out(t, v, &t->regs.fs_base, 8);
    case ARCH_GET_GS:
        return copy_out(t, v, &t->regs.gs_base, 8);
    case ARCH_GET_CPUID:
        return 1;
    case ARCH_SET_CPUID:
        return -ENODEV; /* COMPAT: CPUID faulting is not offered */
    default:
        return -EINVAL;
    }
}

long sys_restart_syscall(struct task *t, const struct syscall_args *a)
{
    if (!t->restart_fn)
        return -EINTR;
    long (*fn)(struct task *) = t->restart_fn;
    t->restart_fn = NULL;
    return fn(t);
}

void sys_thread_register(void)
{
    SYSCALL_REG(LINUX_NR_clone, SYS_SUPPORTED(clone));
    SYSCALL_REG(LINUX_NR_fork, SYS_SUPPORTED(fork));
    SYSCALL_REG(LINUX_NR_vfork, SYS_SUPPORTED(vfork));
    SYSCALL_REG(LINUX_NR_rseq,
                SYS_ERRNO(rseq, ENOSYS, "restartable sequences: glibc goes on without them"));
    SYSCALL_REG(LINUX_NR_execve, SYS_SUPPORTED(execve));
    SYSCALL_REG(LINUX_NR_execveat, SYS_PARTIAL(execveat, "a descriptor is resolved by its path"));
    SYSCALL_REG(LINUX_NR_exit, SYS_SUPPORTED(exit));
    SYSCALL_REG(LINUX_NR_exit_group, SYS_SUPPORTED(exit_group));
    SYSCALL_REG(LINUX_NR_wait4, SYS_SUPPORTED(wait4));
    SYSCALL_REG(LINUX_NR_waitid, SYS_SUPPORTED(waitid));
    SYSCALL_REG(LINUX_NR_getpgid, SYS_SUPPORTED(getpgid));
    SYSCALL_REG(LINUX_NR_getpgrp, SYS_SUPPORTED(getpgrp));
    SYSCALL_REG(LINUX_NR_getsid, SYS_SUPPORTED(getsid));
    SYSCALL_REG(LINUX_NR_setpgid, SYS_SUPPORTED(setpgid));
    SYSCALL_REG(LINUX_NR_setsid, SYS_SUPPORTED(setsid));
    SYSCALL_REG(LINUX_NR_set_tid_address, SYS_SUPPORTED(set_tid_address));
    SYSCALL_REG(LINUX_NR_arch_prctl, SYS_PARTIAL(arch_prctl, "no CPUID faulting"));
    SYSCALL_REG(LINUX_NR_restart_syscall, SYS_SUPPORTED(restart_syscall));
}
