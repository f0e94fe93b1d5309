// SPDX-License-Identifier: Apache-2.0
/*
 * System administration calls the sandbox does not provide (mounts, swap, reboot, process
 * accounting, the kernel log, tty hang-up, namespaces). Linux refuses them to a caller
 * without the capability before doing anything else, so an unprivileged app gets EPERM
 * here as it would there, after the argument checks Linux makes first; a privileged caller
 * gets what the table gave before: ENOSYS, logged once.
 */
#include <errno.h>
#include <sched.h>

#include "abi/linux/stat.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/task.h"
#include "sentry/syscalls/sys_fs_util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/vfs.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define LINUX_MS_NOUSER (1UL << 31)
#define LINUX_MNT_FORCE 1
#define LINUX_MNT_DETACH 2
#define LINUX_MNT_EXPIRE 4
#define LINUX_UMOUNT_NOFOLLOW 8
#define LINUX_SWAP_FLAGS_VALID 0x7ffffu /* priority mask, PREFER and the DISCARD flags */

#define NS_FLAGS                                                                                   \
    (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |     \
     CLONE_NEWCGROUP | CLONE_NEWTIME)
#define UNSHARE_FLAGS                                                                              \
    (NS_FLAGS | CLONE_THREAD | CLONE_FS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_SYSVSEM)

/* EPERM without capability @cap, else the table's answer for what is not implemented. */
static long need_cap(struct task *t, const struct syscall_args *a, int cap)
{
    return task_capable(t, cap) ? syscall_not_implemented(t, a) : -EPERM;
}

/* A string argument of mount(2): NULL is allowed; too long is EINVAL (strndup_user). */
static long mount_string(struct task *t, gaddr_t addr)
{
    char buf[SYS_PATH_MAX];
    if (!addr)
        return 0;
    long n = copy_in_str(t, addr, buf, sizeof(buf));
    return n == -ENAMETOOLONG ? -EINVAL : n < 0 ? n : 0;
}

/* The path a mount call names must exist (Linux looks it up before the privilege check).
 * Returns 0 or the walk's -errno. */
static long lookup_target(struct task *t, gaddr_t upath, bool follow)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, upath, path);
    if (ret < 0)
        return ret;
    struct linux_stat st;
    return vfs_fstatat(&t->ctx, NULL, path, follow ? 0 : AT_SYMLINK_NOFOLLOW, &st);
}

long sys_mount(struct task *t, const struct syscall_args *a)
{
    long ret;
    char byte;
    if ((ret = mount_string(t, arg_addr(a, 2))) < 0 || (ret = mount_string(t, arg_addr(a, 0))) < 0)
        return ret;
    if (arg_addr(a, 4) && copy_in(t, arg_addr(a, 4), &byte, 1) < 0)
        return -EFAULT; /* the options page must be readable at least in part */
    if ((ret = lookup_target(t, arg_addr(a, 1), true)) < 0)
        return ret;
    if (arg_u64(a, 3) & LINUX_MS_NOUSER)
        return -EINVAL;
    return need_cap(t, a, CAP_SYS_ADMIN);
}

long sys_umount2(struct task *t, const struct syscall_args *a)
{
    int flags = arg_int(a, 1);
    if (flags & ~(LINUX_MNT_FORCE | LINUX_MNT_DETACH | LINUX_MNT_EXPIRE | LINUX_UMOUNT_NOFOLLOW))
        return -EINVAL;
    long ret = lookup_target(t, arg_addr(a, 0), !(flags & LINUX_UMOUNT_NOFOLLOW));
    return ret < 0 ? ret : need_cap(t, a, CAP_SYS_ADMIN);
}

/* pivot_root, fsopen, fspick, move_mount: the mount namespace's CAP_SYS_ADMIN first. */
long sys_pivot_root(struct task *t, const struct syscall_args *a)
{
    return need_cap(t, a, CAP_SYS_ADMIN);
}

long sys_fsopen(struct task *t, const struct syscall_args *a)
{
    return need_cap(t, a, CAP_SYS_ADMIN);
}

long sys_fspick(struct task *t, const struct syscall_args *a)
{
    return need_cap(t, a, CAP_SYS_ADMIN);
}

long sys_move_mount(struct task *t, const struct syscall_args *a)
{
    return need_cap(t, a, CAP_SYS_ADMIN);
}

long sys_swapon(struct task *t, const struct syscall_args *a)
{
    if (arg_uint(a, 1) & ~LINUX_SWAP_FLAGS_VALID)
        return -EINVAL;
    return need_cap(t, a, CAP_SYS_ADMIN);
}

long sys_swapoff(struct task *t, const struct syscall_args *a)
{
    return need_cap(t, a, CAP_SYS_ADMIN);
}

/* reboot(2) checks the capability before the magic numbers. */
long sys_reboot(struct task *t, const struct syscall_args *a)
{
    return need_cap(t, a, CAP_SYS_BOOT);
}

long sys_acct(struct task *t, const struct syscall_args *a)
{
    return need_cap(t, a, CAP_SYS_PACCT);
}

long sys_vhangup(struct task *t, const struct syscall_args *a)
{
    return need_cap(t, a, CAP_SYS_TTY_CONFIG);
}

/* syslog(2) with kernel.dmesg_restrict = 1 (the host's and the distributions' default):
 * every action, an unknown one included, needs CAP_SYSLOG (or, historically,
 * CAP_SYS_ADMIN). */
long sys_syslog(struct task *t, const struct syscall_args *a)
{
    if (task_capable(t, CAP_SYSLOG) || task_capable(t, CAP_SYS_ADMIN))
        return syscall_not_implemented(t, a);
    return -EPERM;
}

/* unshare(CLONE_FS/CLONE_FILES/CLONE_SYSVSEM): a private copy of the root, cwd and umask,
 * of the descriptor table, and for a process with one thread the SEM_UNDO adjustments are
 * applied now (Linux's exit_sem, which applies them when the last sharer lets go; COMPAT:
 * they are per process, so other threads keep sharing them). */
static long unshare_resources(struct task *t, uint64_t flags)
{
    struct fs_context *fs = NULL;
    struct fdtable *fdt = NULL;
    int err = 0;
    if (flags & CLONE_FS)
        err = fs_context_copy(t->ctx.fs, &fs);
    if (err == 0 && (flags & CLONE_FILES))
        err = fdtable_copy(t->fdt, &fdt);
    if (err < 0) {
        if (fs)
            fs_context_unref(fs);
        return err;
    }
    if (fs) {
        fs_context_unref(t->ctx.fs);
        t->ctx.fs = fs;
    }
    if (fdt) {
        fdtable_unref(t->fdt);
        t->fdt = fdt;
    }
    if ((flags & CLONE_SYSVSEM) && t->tg->nr_live == 1 && g_kernel.sem_exit)
        g_kernel.sem_exit(t->tg);
    return 0;
}

/* unshare(2): Linux's flag checks, then the namespaces, which need CAP_SYS_ADMIN (but for a
 * new user namespace), then the resources. COMPAT: namespaces are refused with EPERM to
 * everyone, as clone refuses them. */
long sys_unshare(struct task *t, const struct syscall_args *a)
{
    uint64_t flags = arg_u64(a, 0);
    if (flags & ~(uint64_t)UNSHARE_FLAGS)
        return -EINVAL;
    /* What the flags imply, as Linux's ksys_unshare adds them. */
    if (flags & CLONE_NEWUSER)
        flags |= CLONE_THREAD | CLONE_FS;
    if (flags & CLONE_VM)
        flags |= CLONE_SIGHAND;
    if (flags & CLONE_SIGHAND)
        flags |= CLONE_THREAD;
    /* A thread group, a signal table or an address space cannot be unshared once shared. */
    if ((flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)) && t->tg->nr_live > 1)
        return -EINVAL;
    if (flags & NS_FLAGS)
        return -EPERM;
    return unshare_resources(t, flags);
}

/* setns(2): the sandbox has neither namespace files nor pidfds, so every descriptor is
 * the wrong kind of file (EINVAL), as Linux says for one. */
long sys_setns(struct task *t, const struct syscall_args *a)
{
    struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f)
        return -EBADF;
    file_unref(f);
    return -EINVAL;
}

void sys_privileged_register(void)
{
    SYSCALL_REG(LINUX_NR_mount, SYS_PARTIAL(mount, "EPERM without CAP_SYS_ADMIN, else ENOSYS"));
    SYSCALL_REG(LINUX_NR_umount2, SYS_PARTIAL(umount2, "EPERM without CAP_SYS_ADMIN, else ENOSYS"));
    SYSCALL_REG(LINUX_NR_pivot_root,
                SYS_PARTIAL(pivot_root, "EPERM without CAP_SYS_ADMIN, else ENOSYS"));
    SYSCALL_REG(LINUX_NR_fsopen, SYS_PARTIAL(fsopen, "EPERM without CAP_SYS_ADMIN, else ENOSYS"));
    SYSCALL_REG(LINUX_NR_fspick, SYS_PARTIAL(fspick, "EPERM without CAP_SYS_ADMIN, else ENOSYS"));
    SYSCALL_REG(LINUX_NR_move_mount,
                SYS_PARTIAL(move_mount, "EPERM without CAP_SYS_ADMIN, else ENOSYS"));
    SYSCALL_REG(LINUX_NR_swapon, SYS_PARTIAL(swapon, "EPERM without CAP_SYS_ADMIN, else ENOSYS"));
    SYSCALL_REG(LINUX_NR_swapoff, SYS_PARTIAL(swapoff, "EPERM without CAP_SYS_ADMIN, else ENOSYS"));
    SYSCALL_REG(LINUX_NR_reboot, SYS_PARTIAL(reboot, "EPERM without CAP_SYS_BOOT, else ENOSYS"));
    SYSCALL_REG(LINUX_NR_acct, SYS_PARTIAL(acct, "EPERM without CAP_SYS_PACCT, else ENOSYS"));
    SYSCALL_REG(LINUX_NR_vhangup,
                SYS_PARTIAL(vhangup, "EPERM without CAP_SYS_TTY_CONFIG, else ENOSYS"));
    SYSCALL_REG(LINUX_NR_syslog, SYS_PARTIAL(syslog, "EPERM without CAP_SYSLOG, else ENOSYS"));
    SYSCALL_REG(LINUX_NR_unshare, SYS_PARTIAL(unshare, "namespaces EPERM"));
    SYSCALL_REG(LINUX_NR_setns, SYS_PARTIAL(setns, "no namespace files: EBADF or EINVAL"));
}
