// SPDX-License-Identifier: Apache-2.0
/*
 * File metadata syscalls: the stat family (stat, lstat, fstat, newfstatat, statx), statfs,
 * and the attribute changes chmod, chown and utime(s). Registered from sys_file_register().
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "abi/linux/stat.h"
#include "common/cleanup.h"
#include "sentry/syscalls/sys_fs_util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/vfs.h"
#include "sentry/vfs/vfs_ops.h"

void sys_stat_register(void);

/* ---- stat ------------------------------------------------------------------------------- */

static long do_fstatat(struct task *t, int dirfd, gaddr_t upath, gaddr_t ubuf, int flags)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, upath, path);
    if (ret < 0)
        return ret;
    struct linux_stat st;
    _cleanup_(file_unrefp) struct file *dir = NULL;
    if ((ret = sys_dirfd(t, dirfd, path, (flags & AT_EMPTY_PATH) != 0, &dir)) < 0)
        return ret;
    ret = vfs_fstatat(&t->ctx, dir, path, flags, &st);
    if (ret < 0)
        return ret;
    return copy_out(t, ubuf, &st, sizeof(st));
}

long sys_stat(struct task *t, const struct syscall_args *a)
{
    return do_fstatat(t, AT_FDCWD, arg_addr(a, 0), arg_addr(a, 1), 0);
}

long sys_lstat(struct task *t, const struct syscall_args *a)
{
    return do_fstatat(t, AT_FDCWD, arg_addr(a, 0), arg_addr(a, 1), AT_SYMLINK_NOFOLLOW);
}

long sys_newfstatat(struct task *t, const struct syscall_args *a)
{
    return do_fstatat(t, arg_int(a, 0), arg_addr(a, 1), arg_addr(a, 2), arg_int(a, 3));
}

long sys_fstat(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f)
        return -EBADF;
    struct linux_stat st;
    int ret = vfs_fstat(&t->ctx, f, &st);
    if (ret < 0)
        return ret;
    return copy_out(t, arg_addr(a, 1), &st, sizeof(st));
}

/* Guest struct statx (256 bytes). */
struct linux_statx_ts {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct linux_statx {
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    struct linux_statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor;
    uint32_t stx_dev_major, stx_dev_minor;
    uint64_t stx_mnt_id;
    uint32_t stx_dio_mem_align, stx_dio_offset_align;
    uint64_t spare3[12];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx is 256 bytes");

#define LX_STATX_BASIC_STATS 0x7ffu
#define LX_STATX_RESERVED 0x80000000u
#define LX_AT_STATX_SYNC_TYPE 0x6000
#define LX_AT_STATX_FORCE_SYNC 0x2000
#define LX_AT_STATX_DONT_SYNC 0x4000

static struct linux_statx_ts statx_ts(struct linux_timespec ts)
{
    return (struct linux_statx_ts){.tv_sec = ts.tv_sec, .tv_nsec = (uint32_t)ts.tv_nsec};
}

static void stat_to_statx(const struct linux_stat *st, struct linux_statx *sx)
{
    memset(sx, 0, sizeof(*sx));
    sx->stx_mask = LX_STATX_BASIC_STATS;
    sx->stx_blksize = (uint32_t)st->st_blksize;
    sx->stx_nlink = (uint32_t)st->st_nlink;
    sx->stx_uid = st->st_uid;
    sx->stx_gid = st->st_gid;
    sx->stx_mode = (uint16_t)st->st_mode;
    sx->stx_ino = st->st_ino;
    sx->stx_size = (uint64_t)st->st_size;
    sx->stx_blocks = (uint64_t)st->st_blocks;
    sx->stx_atime = statx_ts(st->st_atim);
    sx->stx_ctime = statx_ts(st->st_ctim);
    sx->stx_mtime = statx_ts(st->st_mtim);
    sx->stx_rdev_major = (uint32_t)((st->st_rdev >> 8) & 0xfff);
    sx->stx_rdev_minor = (uint32_t)((st->st_rdev & 0xff) | ((st->st_rdev >> 12) & 0xfff00));
    sx->stx_dev_major = (uint32_t)((st->st_dev >> 8) & 0xfff);
    sx->stx_dev_minor = (uint32_t)((st->st_dev & 0xff) | ((st->st_dev >> 12) & 0xfff00));
}

long sys_statx(struct task *t, const struct syscall_args *a)
{
    int dirfd = arg_int(a, 0);
    gaddr_t upath = arg_addr(a, 1);
    int flags = arg_int(a, 2);
    unsigned int mask = arg_uint(a, 3);
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | LX_AT_STATX_SYNC_TYPE))
        return -EINVAL;
    if ((flags & LX_AT_STATX_SYNC_TYPE) == LX_AT_STATX_SYNC_TYPE)
        return -EINVAL;
    if (mask & LX_STATX_RESERVED)
        return -EINVAL;
    char path[SYS_PATH_MAX];
    long ret;
    if (upath == 0 && (flags & AT_EMPTY_PATH)) {
        path[0] = '\0'; /* Linux 6.11: a NULL path with AT_EMPTY_PATH means the dirfd */
    } else {
        ret = sys_get_path(t, upath, path);
        if (ret < 0)
            return ret;
    }
    struct linux_stat st;
    _cleanup_(file_unrefp) struct file *dir = NULL;
    if ((ret = sys_dirfd(t, dirfd, path, (flags & AT_EMPTY_PATH) != 0, &dir)) < 0)
        return ret;
    ret = vfs_fstatat(&t->ctx, dir, path, flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH), &st);
    if (ret < 0)
        return ret;
    struct linux_statx sx;
    stat_to_statx(&st, &sx);
    return copy_out(t, arg_addr(a, 4), &sx, sizeof(sx));
}

/* ---- statfs ----------------------------------------------------------------------------- */

long sys_statfs(struct task *t, const struct syscall_args *a)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, arg_addr(a, 0), path);
    if (ret < 0)
        return ret;
    struct linux_statfs st;
    ret = vfs_statfs(&t->ctx, path, &st);
    if (ret < 0)
        return ret;
    return copy_out(t, arg_addr(a, 1), &st, sizeof(st));
}

long sys_fstatfs(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f)
        return -EBADF;
    struct linux_statfs st;
    int ret = vfs_fstatfs(&t->ctx, f, &st);
    if (ret < 0)
        return ret;
    return copy_out(t, arg_addr(a, 1), &st, sizeof(st));
}

/* ---- chmod, chown ----------------------------------------------------------------------- */

static long do_chmod(struct task *t, int dirfd, gaddr_t upath, unsigned int mode, int flags)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, upath, path);
    if (ret < 0)
        return ret;
    _cleanup_(file_unrefp) struct file *dir = NULL;
    if ((ret = sys_dirfd(t, dirfd, path, (flags & AT_EMPTY_PATH) != 0, &dir)) < 0)
        return ret;
    return vfs_fchmodat(&t->ctx, dir, path, mode, flags);
}

long sys_chmod(struct task *t, const struct syscall_args *a)
{
    return do_chmod(t, AT_FDCWD, arg_addr(a, 0), arg_uint(a, 1), 0);
}

long sys_fchmodat(struct task *t, const struct syscall_args *a)
{
    return do_chmod(t, arg_int(a, 0), arg_addr(a, 1), arg_uint(a, 2), 0);
}

long sys_fchmodat2(struct task *t, const struct syscall_args *a)
{
    return do_chmod(t, arg_int(a, 0), arg_addr(a, 1), arg_uint(a, 2), arg_int(a, 3));
}

long sys_fchmod(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f)
        return -EBADF;
    return vfs_fchmod(&t->ctx, f, arg_uint(a, 1));
}

static long do_chown(struct task *t, int dirfd, gaddr_t upath, uint32_t uid, uint32_t gid,
                     int flags)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, upath, path);
    if (ret < 0)
        return ret;
    _cleanup_(file_unrefp) struct file *dir = NULL;
    if ((ret = sys_dirfd(t, dirfd, path, (flags & AT_EMPTY_PATH) != 0, &dir)) < 0)
        return ret;
    return vfs_fchownat(&t->ctx, dir, path, uid, gid, flags);
}

long sys_chown(struct task *t, const struct syscall_args *a)
{
    return do_chown(t, AT_FDCWD, arg_addr(a, 0), arg_uint(a, 1), arg_uint(a, 2), 0);
}

long sys_lchown(struct task *t, const struct syscall_args *a)
{
    return do_chown(t, AT_FDCWD, arg_addr(a, 0), arg_uint(a, 1), arg_uint(a, 2),
                    AT_SYMLINK_NOFOLLOW);
}

long sys_fchownat(struct task *t, const struct syscall_args *a)
{
    return do_chown(t, arg_int(a, 0), arg_addr(a, 1), arg_uint(a, 2), arg_uint(a, 3),
                    arg_int(a, 4));
}

long sys_fchown(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f)
        return -EBADF;
    return vfs_fchown(&t->ctx, f, arg_uint(a, 1), arg_uint(a, 2));
}

/* ---- utime family ----------------------------------------------------------------------- */

static long do_utimens(struct task *t, int dirfd, gaddr_t upath, const struct linux_timespec *times,
                       int flags)
{
    if (!upath) {
        if (flags & AT_SYMLINK_NOFOLLOW)
            return -EINVAL;
        if (dirfd == AT_FDCWD)
            return vfs_utimensat(&t->ctx, NULL, NULL, times, flags); /* -EFAULT */
        _cleanup_(file_unrefp) struct file *f = sys_get_file(t, dirfd);
        if (!f)
            return -EBADF;
        return vfs_utimensat(&t->ctx, f, NULL, times, flags);
    }
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, upath, path);
    if (ret < 0)
        return ret;
    _cleanup_(file_unrefp) struct file *dir = NULL;
    if ((ret = sys_dirfd(t, dirfd, path, (flags & AT_EMPTY_PATH) != 0, &dir)) < 0)
        return ret;
    return vfs_utimensat(&t->ctx, dir, path, times, flags);
}

long sys_utimensat(struct task *t, const struct syscall_args *a)
{
    gaddr_t utimes = arg_addr(a, 2);
    struct linux_timespec ts[2];
    if (utimes) {
        int ret = copy_in(t, utimes, ts, sizeof(ts));
        if (ret < 0)
            return ret;
    }
    return do_utimens(t, arg_int(a, 0), arg_addr(a, 1), utimes ? ts : NULL, arg_int(a, 3));
}

/* utimes/futimesat: struct timeval[2] (microseconds). */
static long do_utimes_tv(struct task *t, int dirfd, gaddr_t upath, gaddr_t utv)
{
    struct linux_timespec ts[2];
    if (utv) {
        int64_t tv[4];
        int ret = copy_in(t, utv, tv, sizeof(tv));
        if (ret < 0)
            return ret;
        for (int i = 0; i < 2; i++) {
            if (tv[2 * i + 1] < 0 || tv[2 * i + 1] >= 1000000)
                return -EINVAL;
            ts[i].tv_sec = tv[2 * i];
            ts[i].tv_nsec = tv[2 * i + 1] * 1000;
        }
    }
    return do_utimens(t, dirfd, upath, utv ? ts : NULL, 0);
}

long sys_utimes(struct task *t, const struct syscall_args *a)
{
    return do_utimes_tv(t, AT_FDCWD, arg_addr(a, 0), arg_addr(a, 1));
}

long sys_futimesat(struct task *t, const struct syscall_args *a)
{
    return do_utimes_tv(t, arg_int(a, 0), arg_addr(a, 1), arg_addr(a, 2));
}

long sys_utime(struct task *t, const struct syscall_args *a)
{
    gaddr_t ubuf = arg_addr(a, 1);
    struct linux_timespec ts[2];
    if (ubuf) {
        int64_t tb[2]; /* struct utimbuf: actime, modtime */
        int ret = copy_in(t, ubuf, tb, sizeof(tb));
        if (ret < 0)
            return ret;
        ts[0] = (struct linux_timespec){tb[0], 0};
        ts[1] = (struct linux_timespec){tb[1], 0};
    }
    return do_utimens(t, AT_FDCWD, arg_addr(a, 0), ubuf ? ts : NULL, 0);
}

void sys_stat_register(void)
{
    SYSCALL_REG(LINUX_NR_stat, SYS_SUPPORTED(stat));
    SYSCALL_REG(LINUX_NR_lstat, SYS_SUPPORTED(lstat));
    SYSCALL_REG(LINUX_NR_fstat, SYS_SUPPORTED(fstat));
    SYSCALL_REG(LINUX_NR_newfstatat, SYS_SUPPORTED(newfstatat));
    SYSCALL_REG(LINUX_NR_statx, SYS_PARTIAL(statx, "basic stats only; no btime or attributes"));
    SYSCALL_REG(LINUX_NR_statfs, SYS_SUPPORTED(statfs));
    SYSCALL_REG(LINUX_NR_fstatfs, SYS_SUPPORTED(fstatfs));
    SYSCALL_REG(LINUX_NR_chmod, SYS_SUPPORTED(chmod));
    SYSCALL_REG(LINUX_NR_fchmod, SYS_SUPPORTED(fchmod));
    SYSCALL_REG(LINUX_NR_fchmodat, SYS_SUPPORTED(fchmodat));
    SYSCALL_REG(LINUX_NR_fchmodat2, SYS_SUPPORTED(fchmodat2));
    SYSCALL_REG(LINUX_NR_chown, SYS_SUPPORTED(chown));
    SYSCALL_REG(LINUX_NR_fchown, SYS_SUPPORTED(fchown));
    SYSCALL_REG(LINUX_NR_lchown, SYS_SUPPORTED(lchown));
    SYSCALL_REG(LINUX_NR_fchownat, SYS_SUPPORTED(fchownat));
    SYSCALL_REG(LINUX_NR_utimensat, SYS_SUPPORTED(utimensat));
    SYSCALL_REG(LINUX_NR_utime, SYS_SUPPORTED(utime));
    SYSCALL_REG(LINUX_NR_utimes, SYS_SUPPORTED(utimes));
    SYSCALL_REG(LINUX_NR_futimesat, SYS_SUPPORTED(futimesat));
}
