// SPDX-License-Identifier: Apache-2.0
/*
 * File syscalls on names and descriptors: open family, close, close_range, getdents,
 * readlink, access, cwd and root, the namespace operations (mkdir, unlink, rename, link,
 * symlink, mknod), truncate, sync and fadvise/fallocate. The VFS (vfs/namei.c, vfs/attr.c)
 * does the work; this file reads arguments and copies data. sys_stat.c registers from here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "abi/linux/stat.h"
#include "common/cleanup.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/syscalls/sys_fs_util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/vfs.h"
#include "sentry/vfs/vfs_ops.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1u << 1)
#define CLOSE_RANGE_CLOEXEC (1u << 2)
#endif

/* Registered from sys_file_register (sys_stat.c). */
void sys_stat_register(void);

/* ---- open and close --------------------------------------------------------------------- */

static long do_open(struct task *t, int dirfd, gaddr_t upath, int flags, unsigned int mode)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, upath, path);
    if (ret < 0)
        return ret;
    struct file *f;
    _cleanup_(file_unrefp) struct file *dir = NULL;
    if ((ret = sys_dirfd(t, dirfd, path, false, &dir)) < 0)
        return ret;
    ret = vfs_openat(&t->ctx, dir, path, flags, mode, &f);
    if (ret < 0)
        return ret;
    ret = sys_install_fd(t, f, (flags & O_CLOEXEC) ? FD_CLOEXEC : 0);
    file_unref(f);
    return ret;
}

long sys_open(struct task *t, const struct syscall_args *a)
{
    return do_open(t, AT_FDCWD, arg_addr(a, 0), arg_int(a, 1), arg_uint(a, 2));
}

long sys_openat(struct task *t, const struct syscall_args *a)
{
    return do_open(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2), arg_uint(a, 3));
}

/* openat2(2): struct open_how of Linux's include/uapi/linux/openat2.h. */
struct linux_open_how {
    uint64_t flags, mode, resolve;
};
#define OPEN_HOW_SIZE_VER0 24
#define LINUX_RESOLVE_CACHED 0x20u
#define LINUX_RESOLVE_ALL                                                                          \
    (VFS_RESOLVE_NO_XDEV | VFS_RESOLVE_NO_MAGICLINKS | VFS_RESOLVE_NO_SYMLINKS |                   \
     VFS_RESOLVE_BENEATH | VFS_RESOLVE_IN_ROOT | LINUX_RESOLVE_CACHED)
/* Linux's VALID_OPEN_FLAGS on x86-64, in the kernel's values (glibc's O_LARGEFILE is 0). */
#define LINUX_VALID_OPEN_FLAGS 037777703u
#define LINUX_O_PATH_FLAGS (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)
#define LINUX_O_TMPFILE_BIT 020000000u

/* Linux's build_open_flags for openat2, which, unlike open(2), rejects what it does not know.
 * Returns 0, -EINVAL, or -EAGAIN (RESOLVE_CACHED, see sys_openat2). */
static long check_open_how(const struct linux_open_how *h)
{
    if (h->flags & ~(uint64_t)LINUX_VALID_OPEN_FLAGS)
        return -EINVAL;
    if (h->resolve & ~(uint64_t)LINUX_RESOLVE_ALL)
        return -EINVAL;
    if ((h->resolve & VFS_RESOLVE_BENEATH) && (h->resolve & VFS_RESOLVE_IN_ROOT))
        return -EINVAL;
    bool creates = h->flags & (O_CREAT | LINUX_O_TMPFILE_BIT);
    if (creates ? (h->mode & ~(uint64_t)07777) != 0 : h->mode != 0)
        return -EINVAL;
    if ((h->flags & O_CREAT) && (h->flags & O_DIRECTORY))
        return -EINVAL;
    if ((h->flags & O_PATH) && (h->flags & ~(uint64_t)LINUX_O_PATH_FLAGS))
        return -EINVAL;
    /* COMPAT: RESOLVE_CACHED (resolve from the cache alone, else EAGAIN) always says EAGAIN,
     * which Linux allows: the caller retries without it. */
    if (h->resolve & LINUX_RESOLVE_CACHED)
        return -EAGAIN;
    return 0;
}

long sys_openat2(struct task *t, const struct syscall_args *a)
{
    size_t usize = arg_size(a, 3);
    if (usize < OPEN_HOW_SIZE_VER0)
        return -EINVAL;
    if (usize > 4096)
        return -E2BIG;
    struct linux_open_how h;
    if (copy_in(t, arg_addr(a, 2), &h, sizeof(h)) < 0)
        return -EFAULT;
    for (size_t off = sizeof(h); off < usize; off++) {
        uint8_t c;
        if (copy_in(t, arg_addr(a, 2) + off, &c, 1) < 0)
            return -EFAULT;
        if (c)
            return -E2BIG;
    }
    long ret = check_open_how(&h);
    if (ret < 0)
        return ret;
    char path[SYS_PATH_MAX];
    if ((ret = sys_get_path(t, arg_addr(a, 1), path)) < 0)
        return ret;
    _cleanup_(file_unrefp) struct file *dir = NULL;
    int dirfd = arg_int(a, 0);
    bool scoped = h.resolve & (VFS_RESOLVE_BENEATH | VFS_RESOLVE_IN_ROOT);
    if (scoped && dirfd != AT_FDCWD && path[0] == '/') {
        /* A scoped walk starts at the directory even for an absolute path. */
        if (!(dir = fdtable_get(t->fdt, dirfd)))
            return -EBADF;
    } else if ((ret = sys_dirfd(t, dirfd, path, false, &dir)) < 0) {
        return ret;
    }
    int flags = (int)h.flags;
    struct file *f;
    ret = vfs_openat2(&t->ctx, dir, path, flags, (unsigned)h.mode, h.resolve, &f);
    if (ret < 0)
        return ret;
    ret = sys_install_fd(t, f, (flags & O_CLOEXEC) ? FD_CLOEXEC : 0);
    file_unref(f);
    return ret;
}

long sys_creat(struct task *t, const struct syscall_args *a)
{
    return do_open(t, AT_FDCWD, arg_addr(a, 0), O_CREAT | O_WRONLY | O_TRUNC, arg_uint(a, 1));
}

long sys_close(struct task *t, const struct syscall_args *a)
{
    return fdtable_close(t->fdt, arg_int(a, 0));
}

long sys_close_range(struct task *t, const struct syscall_args *a)
{
    unsigned int first = arg_uint(a, 0), last = arg_uint(a, 1), flags = arg_uint(a, 2);
    if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
        return -EINVAL;
    if (first > last)
        return -EINVAL;
    if (flags & CLOSE_RANGE_UNSHARE) {
        /* Always take a private copy; cheap and correct whether or not it was shared. */
        struct fdtable *copy;
        int ret = fdtable_copy(t->fdt, &copy);
        if (ret < 0)
            return ret;
        struct fdtable *old = t->fdt;
        t->fdt = copy;
        fdtable_unref(old);
    }
    unsigned int size = (unsigned int)fdtable_size(t->fdt);
    for (unsigned int fd = first; fd <= last && fd < size; fd++) {
        if (flags & CLOSE_RANGE_CLOEXEC)
            fdtable_set_flags(t->fdt, (int)fd, FD_CLOEXEC);
        else
            fdtable_close(t->fdt, (int)fd);
    }
    return 0;
}

/* ---- getdents --------------------------------------------------------------------------- */

struct dents_buf {
    char *buf;
    size_t size, used;
    bool old_format; /* struct linux_dirent (getdents) instead of linux_dirent64 */
    bool overflow;   /* an entry did not fit */
};

static bool emit_dirent(struct dir_emitter *e, const char *name, uint64_t ino, uint8_t type,
                        int64_t next_off)
{
    struct dents_buf *b = e->priv;
    size_t nlen = strlen(name);
    size_t reclen = b->old_format
                        ? (18 + nlen + 2 + 7) & ~(size_t)7
                        : (offsetof(struct linux_dirent64, d_name) + nlen + 1 + 7) & ~(size_t)7;
    if (b->used + reclen > b->size) {
        b->overflow = true;
        return false;
    }
    char *p = b->buf + b->used;
    memset(p, 0, reclen);
    uint16_t rl = (uint16_t)reclen;
    if (b->old_format) {
        /* d_ino, d_off, d_reclen, d_name, NUL, padding, d_type in the last byte. */
        memcpy(p, &ino, 8);
        memcpy(p + 8, &next_off, 8);
        memcpy(p + 16, &rl, 2);
        memcpy(p + 18, name, nlen);
        p[reclen - 1] = (char)type;
    } else {
        struct linux_dirent64 hdr = {
            .d_ino = ino, .d_off = next_off, .d_reclen = rl, .d_type = type};
        memcpy(p, &hdr, offsetof(struct linux_dirent64, d_name));
        memcpy(p + offsetof(struct linux_dirent64, d_name), name, nlen);
    }
    b->used += reclen;
    return true;
}

static long do_getdents(struct task *t, const struct syscall_args *a, bool old_format)
{
    gaddr_t ubuf = arg_addr(a, 1);
    size_t count = arg_uint(a, 2);
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f)
        return -EBADF;
    struct dents_buf b = {.size = MIN(count, (size_t)(1u << 20)), .old_format = old_format};
    b.buf = malloc(b.size ? b.size : 1);
    if (!b.buf)
        return -ENOMEM;
    struct dir_emitter e = {.emit = emit_dirent, .priv = &b};
    long ret = vfs_iterate(&t->ctx, f, &e);
    if (ret == 0 && b.used == 0 && b.overflow)
        ret = -EINVAL; /* the buffer cannot hold even one entry */
    if (ret == 0 && b.used > 0)
        ret = copy_out(t, ubuf, b.buf, b.used);
    if (ret == 0)
        ret = (long)b.used;
    free(b.buf);
    return ret;
}

long sys_getdents64(struct task *t, const struct syscall_args *a)
{
    return do_getdents(t, a, false);
}

long sys_getdents(struct task *t, const struct syscall_args *a)
{
    return do_getdents(t, a, true);
}

/* ---- readlink, access ------------------------------------------------------------------- */

static long do_readlink(struct task *t, int dirfd, gaddr_t upath, gaddr_t ubuf, int size)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, upath, path);
    if (ret < 0)
        return ret;
    if (size <= 0)
        return -EINVAL;
    char *buf = malloc(SYS_PATH_MAX);
    if (!buf)
        return -ENOMEM;
    _cleanup_(file_unrefp) struct file *dir = NULL;
    if ((ret = sys_dirfd(t, dirfd, path, true, &dir)) < 0)
        return ret;
    ret = vfs_readlinkat(&t->ctx, dir, path, buf, MIN((size_t)size, (size_t)SYS_PATH_MAX));
    if (ret > 0) {
        int c = copy_out(t, ubuf, buf, (size_t)ret);
        if (c < 0)
            ret = c;
    }
    free(buf);
    return ret;
}

long sys_readlink(struct task *t, const struct syscall_args *a)
{
    return do_readlink(t, AT_FDCWD, arg_addr(a, 0), arg_addr(a, 1), arg_int(a, 2));
}

long sys_readlinkat(struct task *t, const struct syscall_args *a)
{
    return do_readlink(t, arg_int(a, 0), arg_addr(a, 1), arg_addr(a, 2), arg_int(a, 3));
}

static long do_access(struct task *t, int dirfd, gaddr_t upath, int mode, int flags)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, upath, path);
    if (ret < 0)
        return ret;
    _cleanup_(file_unrefp) struct file *dir = NULL;
    if ((ret = sys_dirfd(t, dirfd, path, (flags & AT_EMPTY_PATH) != 0, &dir)) < 0)
        return ret;
    return vfs_access(&t->ctx, dir, path, mode, flags);
}

long sys_access(struct task *t, const struct syscall_args *a)
{
    return do_access(t, AT_FDCWD, arg_addr(a, 0), arg_int(a, 1), 0);
}

long sys_faccessat(struct task *t, const struct syscall_args *a)
{
    return do_access(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2), 0);
}

long sys_faccessat2(struct task *t, const struct syscall_args *a)
{
    return do_access(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2), arg_int(a, 3));
}

/* ---- cwd and root ----------------------------------------------------------------------- */

long sys_getcwd(struct task *t, const struct syscall_args *a)
{
    gaddr_t ubuf = arg_addr(a, 0);
    size_t size = arg_size(a, 1);
    char *buf = malloc(SYS_PATH_MAX);
    if (!buf)
        return -ENOMEM;
    long ret = vfs_getcwd(&t->ctx, buf, SYS_PATH_MAX);
    if (ret >= 0 && (size_t)ret + 1 > size)
        ret = -ERANGE;
    if (ret >= 0) {
        int c = copy_out(t, ubuf, buf, (size_t)ret + 1);
        ret = c < 0 ? c : ret + 1;
    }
    free(buf);
    return ret;
}

long sys_chdir(struct task *t, const struct syscall_args *a)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, arg_addr(a, 0), path);
    if (ret < 0)
        return ret;
    return vfs_chdir(&t->ctx, NULL, path);
}

long sys_fchdir(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f)
        return -EBADF;
    return vfs_fchdir(&t->ctx, f);
}

long sys_chroot(struct task *t, const struct syscall_args *a)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, arg_addr(a, 0), path);
    if (ret < 0)
        return ret;
    return vfs_chroot(&t->ctx, path);
}

/* ---- namespace operations --------------------------------------------------------------- */

static long do_mkdir(struct task *t, int dirfd, gaddr_t upath, unsigned int mode)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, upath, path);
    if (ret < 0)
        return ret;
    _cleanup_(file_unrefp) struct file *dir = NULL;
    if ((ret = sys_dirfd(t, dirfd, path, false, &dir)) < 0)
        return ret;
    return vfs_mkdirat(&t->ctx, dir, path, mode);
}

long sys_mkdir(struct task *t, const struct syscall_args *a)
{
    return do_mkdir(t, AT_FDCWD, arg_addr(a, 0), arg_uint(a, 1));
}

long sys_mkdirat(struct task *t, const struct syscall_args *a)
{
    return do_mkdir(t, arg_int(a, 0), arg_addr(a, 1), arg_uint(a, 2));
}

static long do_mknod(struct task *t, int dirfd, gaddr_t upath, unsigned int mode, uint64_t dev)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, upath, path);
    if (ret < 0)
        return ret;
    /* The syscall's 32-bit dev uses the same encoding as st_rdev (new_encode_dev). */
    uint64_t rdev = (uint32_t)dev;
    _cleanup_(file_unrefp) struct file *dir = NULL;
    if ((ret = sys_dirfd(t, dirfd, path, false, &dir)) < 0)
        return ret;
    return vfs_mknodat(&t->ctx, dir, path, mode, rdev);
}

long sys_mknod(struct task *t, const struct syscall_args *a)
{
    return do_mknod(t, AT_FDCWD, arg_addr(a, 0), arg_uint(a, 1), arg_uint(a, 2));
}

long sys_mknodat(struct task *t, const struct syscall_args *a)
{
    return do_mknod(t, arg_int(a, 0), arg_addr(a, 1), arg_uint(a, 2), arg_uint(a, 3));
}

static long do_unlink(struct task *t, int dirfd, gaddr_t upath, int flags)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, upath, path);
    if (ret < 0)
        return ret;
    _cleanup_(file_unrefp) struct file *dir = NULL;
    if ((ret = sys_dirfd(t, dirfd, path, false, &dir)) < 0)
        return ret;
    return vfs_unlinkat(&t->ctx, dir, path, flags);
}

long sys_unlink(struct task *t, const struct syscall_args *a)
{
    return do_unlink(t, AT_FDCWD, arg_addr(a, 0), 0);
}

long sys_rmdir(struct task *t, const struct syscall_args *a)
{
    return do_unlink(t, AT_FDCWD, arg_addr(a, 0), AT_REMOVEDIR);
}

long sys_unlinkat(struct task *t, const struct syscall_args *a)
{
    return do_unlink(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2));
}

/* Copy two paths (rename, link, symlink) into malloc'ed buffers. */
static long get_two_paths(struct task *t, gaddr_t a1, gaddr_t a2, char **p1, char **p2)
{
    *p1 = malloc(SYS_PATH_MAX);
    *p2 = malloc(SYS_PATH_MAX);
    if (!*p1 || !*p2)
        return -ENOMEM;
    long ret = sys_get_path(t, a1, *p1);
    if (ret >= 0)
        ret = sys_get_path(t, a2, *p2);
    return ret < 0 ? ret : 0;
}

static long do_rename(struct task *t, int odfd, gaddr_t oldp, int ndfd, gaddr_t newp,
                      unsigned int flags)
{
    _cleanup_free_ char *p1 = NULL;
    _cleanup_free_ char *p2 = NULL;
    long ret = get_two_paths(t, oldp, newp, &p1, &p2);
    if (ret < 0)
        return ret;
    _cleanup_(file_unrefp) struct file *odir = NULL;
    if ((ret = sys_dirfd(t, odfd, p1, false, &odir)) < 0)
        return ret;
    _cleanup_(file_unrefp) struct file *ndir = NULL;
    if ((ret = sys_dirfd(t, ndfd, p2, false, &ndir)) < 0)
        return ret;
    return vfs_renameat(&t->ctx, odir, p1, ndir, p2, flags);
}

long sys_rename(struct task *t, const struct syscall_args *a)
{
    return do_rename(t, AT_FDCWD, arg_addr(a, 0), AT_FDCWD, arg_addr(a, 1), 0);
}

long sys_renameat(struct task *t, const struct syscall_args *a)
{
    return do_rename(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2), arg_addr(a, 3), 0);
}

long sys_renameat2(struct task *t, const struct syscall_args *a)
{
    return do_rename(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2), arg_addr(a, 3),
                     arg_uint(a, 4));
}

static long do_link(struct task *t, int odfd, gaddr_t oldp, int ndfd, gaddr_t newp, int flags)
{
    _cleanup_free_ char *p1 = NULL;
    _cleanup_free_ char *p2 = NULL;
    long ret = get_two_paths(t, oldp, newp, &p1, &p2);
    if (ret < 0)
        return ret;
    _cleanup_(file_unrefp) struct file *odir = NULL;
    if ((ret = sys_dirfd(t, odfd, p1, (flags & AT_EMPTY_PATH) != 0, &odir)) < 0)
        return ret;
    _cleanup_(file_unrefp) struct file *ndir = NULL;
    if ((ret = sys_dirfd(t, ndfd, p2, false, &ndir)) < 0)
        return ret;
    return vfs_linkat(&t->ctx, odir, p1, ndir, p2, flags);
}

long sys_link(struct task *t, const struct syscall_args *a)
{
    return do_link(t, AT_FDCWD, arg_addr(a, 0), AT_FDCWD, arg_addr(a, 1), 0);
}

long sys_linkat(struct task *t, const struct syscall_args *a)
{
    return do_link(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2), arg_addr(a, 3), arg_int(a, 4));
}

static long do_symlink(struct task *t, gaddr_t target, int ndfd, gaddr_t linkp)
{
    _cleanup_free_ char *p1 = NULL;
    _cleanup_free_ char *p2 = NULL;
    long ret = get_two_paths(t, target, linkp, &p1, &p2);
    if (ret < 0)
        return ret;
    _cleanup_(file_unrefp) struct file *ndir = NULL;
    if ((ret = sys_dirfd(t, ndfd, p2, false, &ndir)) < 0)
        return ret;
    return vfs_symlinkat(&t->ctx, p1, ndir, p2);
}

long sys_symlink(struct task *t, const struct syscall_args *a)
{
    return do_symlink(t, arg_addr(a, 0), AT_FDCWD, arg_addr(a, 1));
}

long sys_symlinkat(struct task *t, const struct syscall_args *a)
{
    return do_symlink(t, arg_addr(a, 0), arg_int(a, 1), arg_addr(a, 2));
}

/* ---- truncate, sync, advice ------------------------------------------------------------- */

long sys_truncate(struct task *t, const struct syscall_args *a)
{
    char path[SYS_PATH_MAX];
    long ret = sys_get_path(t, arg_addr(a, 0), path);
    if (ret < 0)
        return ret;
    return vfs_truncate(&t->ctx, path, arg_long(a, 1));
}

long sys_ftruncate(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f)
        return -EBADF;
    return vfs_ftruncate(&t->ctx, f, arg_long(a, 1));
}

long sys_fallocate(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f)
        return -EBADF;
    return vfs_fallocate(&t->ctx, f, arg_int(a, 1), arg_long(a, 2), arg_long(a, 3));
}

static long do_fsync(struct task *t, int fd, bool datasync)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, fd);
    if (!f)
        return -EBADF;
    return vfs_fsync(&t->ctx, f, datasync);
}

long sys_fsync(struct task *t, const struct syscall_args *a)
{
    return do_fsync(t, arg_int(a, 0), false);
}

long sys_fdatasync(struct task *t, const struct syscall_args *a)
{
    return do_fsync(t, arg_int(a, 0), true);
}

long sys_sync(struct task *t, const struct syscall_args *a)
{
    return 0; /* tmpfs is memory and the gofer root is read-only: nothing to flush */
}

long sys_syncfs(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    return f ? 0 : -EBADF;
}

long sys_fadvise64(struct task *t, const struct syscall_args *a)
{
    int advice = arg_int(a, 3);
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (!vfs_file_seekable(f))
        return -ESPIPE;
    if (advice < 0 || advice > 5 || arg_long(a, 2) < 0)
        return -EINVAL;
    return 0; /* advice is only a hint */
}

/* readahead(2): a hint too (file data is in memory or the host's page cache); Linux's checks:
 * a descriptor open for reading, on a regular file. */
long sys_readahead(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f || (f->flags & O_PATH) || !file_readable(f))
        return -EBADF;
    return vfs_file_is_regular(f) ? 0 : -EINVAL;
}

long sys_memfd_create(struct task *t, const struct syscall_args *a)
{
    char name[VFS_NAME_MAX - 6 + 1]; /* NAME_MAX minus "memfd:" */
    long len = copy_in_str(t, arg_addr(a, 0), name, sizeof(name));
    if (len < 0)
        return len == -ENAMETOOLONG ? -EINVAL : len;
    unsigned int flags = (unsigned int)arg_int(a, 1);
    struct file *f;
    int ret = tmpfs_memfd_create(&t->ctx, name, flags, &f);
    if (ret < 0)
        return ret;
    return sys_install_new(t, f, flags & 1u); /* MFD_CLOEXEC */
}

long sys_umask(struct task *t, const struct syscall_args *a)
{
    unsigned int old = t->ctx.fs->umask;
    t->ctx.fs->umask = arg_uint(a, 0) & 0777;
    return old;
}

void sys_file_register(void)
{
    SYSCALL_REG(LINUX_NR_umask, SYS_SUPPORTED(umask));
    SYSCALL_REG(LINUX_NR_open, SYS_SUPPORTED(open));
    SYSCALL_REG(LINUX_NR_openat, SYS_PARTIAL(openat, "O_TMPFILE is not supported"));
    SYSCALL_REG(LINUX_NR_openat2, SYS_PARTIAL(openat2, "RESOLVE_CACHED is always EAGAIN"));
    SYSCALL_REG(LINUX_NR_creat, SYS_SUPPORTED(creat));
    SYSCALL_REG(LINUX_NR_close, SYS_SUPPORTED(close));
    SYSCALL_REG(LINUX_NR_close_range, SYS_SUPPORTED(close_range));
    SYSCALL_REG(LINUX_NR_getdents, SYS_SUPPORTED(getdents));
    SYSCALL_REG(LINUX_NR_getdents64, SYS_SUPPORTED(getdents64));
    SYSCALL_REG(LINUX_NR_readlink, SYS_SUPPORTED(readlink));
    SYSCALL_REG(LINUX_NR_readlinkat, SYS_SUPPORTED(readlinkat));
    SYSCALL_REG(LINUX_NR_access, SYS_SUPPORTED(access));
    SYSCALL_REG(LINUX_NR_faccessat, SYS_SUPPORTED(faccessat));
    SYSCALL_REG(LINUX_NR_faccessat2, SYS_SUPPORTED(faccessat2));
    SYSCALL_REG(LINUX_NR_getcwd, SYS_SUPPORTED(getcwd));
    SYSCALL_REG(LINUX_NR_chdir, SYS_SUPPORTED(chdir));
    SYSCALL_REG(LINUX_NR_fchdir, SYS_SUPPORTED(fchdir));
    SYSCALL_REG(LINUX_NR_chroot, SYS_SUPPORTED(chroot));
    SYSCALL_REG(LINUX_NR_mkdir, SYS_SUPPORTED(mkdir));
    SYSCALL_REG(LINUX_NR_mkdirat, SYS_SUPPORTED(mkdirat));
    SYSCALL_REG(LINUX_NR_mknod, SYS_PARTIAL(mknod, "gofer mounts: only regular files, others EPERM"));
    SYSCALL_REG(LINUX_NR_mknodat, SYS_PARTIAL(mknodat, "gofer mounts: only regular files, others EPERM"));
    SYSCALL_REG(LINUX_NR_rmdir, SYS_SUPPORTED(rmdir));
    SYSCALL_REG(LINUX_NR_unlink, SYS_SUPPORTED(unlink));
    SYSCALL_REG(LINUX_NR_unlinkat, SYS_SUPPORTED(unlinkat));
    SYSCALL_REG(LINUX_NR_rename, SYS_SUPPORTED(rename));
    SYSCALL_REG(LINUX_NR_renameat, SYS_SUPPORTED(renameat));
    SYSCALL_REG(LINUX_NR_renameat2,
                SYS_PARTIAL(renameat2, "RENAME_WHITEOUT: EINVAL (no whiteouts)"));
    SYSCALL_REG(LINUX_NR_link, SYS_SUPPORTED(link));
    SYSCALL_REG(LINUX_NR_linkat, SYS_SUPPORTED(linkat));
    SYSCALL_REG(LINUX_NR_symlink, SYS_SUPPORTED(symlink));
    SYSCALL_REG(LINUX_NR_symlinkat, SYS_SUPPORTED(symlinkat));
    SYSCALL_REG(LINUX_NR_truncate, SYS_SUPPORTED(truncate));
    SYSCALL_REG(LINUX_NR_ftruncate, SYS_SUPPORTED(ftruncate));
    SYSCALL_REG(LINUX_NR_fallocate,
                SYS_PARTIAL(fallocate, "tmpfs: 0, KEEP_SIZE, PUNCH_HOLE, ZERO_RANGE; others: 0"));
    SYSCALL_REG(LINUX_NR_memfd_create,
                SYS_PARTIAL(memfd_create, "MFD_CLOEXEC, MFD_ALLOW_SEALING; no MFD_HUGETLB"));
    SYSCALL_REG(LINUX_NR_fsync, SYS_SUPPORTED(fsync));
    SYSCALL_REG(LINUX_NR_fdatasync, SYS_SUPPORTED(fdatasync));
    SYSCALL_REG(LINUX_NR_sync, SYS_SUPPORTED(sync));
    SYSCALL_REG(LINUX_NR_syncfs, SYS_SUPPORTED(syncfs));
    SYSCALL_REG(LINUX_NR_fadvise64, SYS_PARTIAL(fadvise64, "advice is accepted and ignored"));
    SYSCALL_REG(LINUX_NR_readahead, SYS_PARTIAL(readahead, "checked; a hint"));
    sys_stat_register();
}
