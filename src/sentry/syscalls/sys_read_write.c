// SPDX-License-Identifier: Apache-2.0
/*
 * read, write, pread64, pwrite64, readv, writev, preadv, pwritev, preadv2, pwritev2 and lseek.
 * Guest buffers become a struct uio (mm_uio_prepare) and the generic vfs_read/vfs_write
 * (vfs/file.c) do the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "sentry/syscalls/sys_fs_util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/vfs_ops.h"

/* Linux caps one transfer at INT_MAX rounded down to a page (MAX_RW_COUNT). */
#define MAX_RW_COUNT ((size_t)(INT_MAX & ~4095))

#define LX_RWF_HIPRI 0x1
#define LX_RWF_DSYNC 0x2
#define LX_RWF_SYNC 0x4

/* The access-mode check that Linux makes before touching the buffer. */
static int check_mode(struct file *f, bool is_write)
{
    if (f->flags & O_PATH)
        return -EBADF;
    return (is_write ? file_writable(f) : file_readable(f)) ? 0 : -EBADF;
}

/* Count a read or write call that reached the file, and the bytes it moved, for
 * /proc/<pid>/io (as Linux's vfs_read and vfs_write do). */
static void io_account(struct task *t, bool is_write, ssize_t n)
{
    if (is_write) {
        t->ioac.syscw++;
        t->ioac.wchar += n > 0 ? (uint64_t)n : 0;
    } else {
        t->ioac.syscr++;
        t->ioac.rchar += n > 0 ? (uint64_t)n : 0;
    }
}

/* One transfer over a contiguous guest buffer; @pos NULL uses the file position. */
static long do_rw(struct task *t, int fd, gaddr_t buf, size_t count, int64_t *pos, bool is_write)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, fd);
    if (!f)
        return -EBADF;
    int ret = check_mode(f, is_write);
    if (ret < 0)
        return ret;
    if (pos && !vfs_file_seekable(f))
        return -ESPIPE;
    if (count == 0) {
        io_account(t, is_write, 0);
        return 0;
    }
    count = MIN(count, MAX_RW_COUNT);
    /* A uio covers at most UIO_MAX_IOV pages; a regular file goes on with the next piece
     * after a whole one (Linux never returns a short count from one before EOF). Other files
     * return after the first piece, as they may return short counts anyway. */
    bool whole = vfs_file_is_regular(f);
    ssize_t total = 0;
    for (;;) {
        struct uio u;
        ret = mm_uio_prepare(&t->mmt, buf + (size_t)total, count - (size_t)total, !is_write, &u);
        if (ret < 0)
            break;
        size_t piece = u.size;
        ssize_t n = is_write ? vfs_write(&t->ctx, f, &u, pos) : vfs_read(&t->ctx, f, &u, pos);
        n = uio_result(&u, n); /* EFAULT if the buffer went away while the call blocked */
        uio_release(&u);
        if (n < 0) {
            ret = (int)n;
            break;
        }
        total += n;
        if (!whole || (size_t)n < piece || (size_t)total == count)
            break;
    }
    if (total == 0 && ret < 0)
        return ret;
    io_account(t, is_write, total);
    return total;
}

long sys_read(struct task *t, const struct syscall_args *a)
{
    return do_rw(t, arg_int(a, 0), arg_addr(a, 1), arg_size(a, 2), NULL, false);
}

long sys_write(struct task *t, const struct syscall_args *a)
{
    return do_rw(t, arg_int(a, 0), arg_addr(a, 1), arg_size(a, 2), NULL, true);
}

long sys_pread64(struct task *t, const struct syscall_args *a)
{
    int64_t pos = arg_long(a, 3);
    if (pos < 0)
        return -EINVAL;
    return do_rw(t, arg_int(a, 0), arg_addr(a, 1), arg_size(a, 2), &pos, false);
}

long sys_pwrite64(struct task *t, const struct syscall_args *a)
{
    int64_t pos = arg_long(a, 3);
    if (pos < 0)
        return -EINVAL;
    return do_rw(t, arg_int(a, 0), arg_addr(a, 1), arg_size(a, 2), &pos, true);
}

/* A vectored transfer; @pos NULL uses the file position. */
static long do_rwv(struct task *t, int fd, gaddr_t uiov, int iovcnt, int64_t *pos, bool is_write)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, fd);
    if (!f)
        return -EBADF;
    int ret = check_mode(f, is_write);
    if (ret < 0)
        return ret;
    if (iovcnt < 0 || iovcnt > LINUX_IOV_MAX)
        return -EINVAL;
    if (pos && !vfs_file_seekable(f))
        return -ESPIPE;
    if (iovcnt == 0) {
        io_account(t, is_write, 0);
        return 0;
    }
    _cleanup_free_ struct linux_iovec *iov = malloc((size_t)iovcnt * sizeof(*iov));
    if (!iov)
        return -ENOMEM;
    ret = copy_in_iovec(t, uiov, iovcnt, iov);
    if (ret < 0)
        return ret;
    uint64_t total = 0;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].len;
    if (total == 0) {
        io_account(t, is_write, 0);
        return 0;
    }
    struct uio u;
    ret = mm_uio_prepare_iov(&t->mmt, iov, iovcnt, !is_write, &u);
    if (ret < 0)
        return ret;
    ssize_t n = is_write ? vfs_write(&t->ctx, f, &u, pos) : vfs_read(&t->ctx, f, &u, pos);
    n = uio_result(&u, n);
    uio_release(&u);
    io_account(t, is_write, n);
    return n;
}

long sys_readv(struct task *t, const struct syscall_args *a)
{
    return do_rwv(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2), NULL, false);
}

long sys_writev(struct task *t, const struct syscall_args *a)
{
    return do_rwv(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2), NULL, true);
}

/* preadv/pwritev(fd, iov, cnt, pos_l, pos_h): on x86-64 pos_l holds the whole offset. */
static long do_prwv(struct task *t, const struct syscall_args *a, bool is_write, bool v2)
{
    int64_t pos = arg_long(a, 3);
    if (v2) {
        int flags = arg_int(a, 5);
        if (flags & ~(LX_RWF_HIPRI | LX_RWF_DSYNC | LX_RWF_SYNC))
            return -EOPNOTSUPP; /* COMPAT: RWF_NOWAIT and RWF_APPEND are not supported */
        if (pos == -1)
            return do_rwv(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2), NULL, is_write);
    }
    if (pos < 0)
        return -EINVAL;
    return do_rwv(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2), &pos, is_write);
}

long sys_preadv(struct task *t, const struct syscall_args *a)
{
    return do_prwv(t, a, false, false);
}

long sys_pwritev(struct task *t, const struct syscall_args *a)
{
    return do_prwv(t, a, true, false);
}

long sys_preadv2(struct task *t, const struct syscall_args *a)
{
    return do_prwv(t, a, false, true);
}

long sys_pwritev2(struct task *t, const struct syscall_args *a)
{
    return do_prwv(t, a, true, true);
}

long sys_lseek(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f)
        return -EBADF;
    return vfs_llseek(&t->ctx, f, arg_long(a, 1), arg_int(a, 2));
}

void sys_read_write_register(void)
{
    SYSCALL_REG(LINUX_NR_read, SYS_SUPPORTED(read));
    SYSCALL_REG(LINUX_NR_write, SYS_SUPPORTED(write));
    SYSCALL_REG(LINUX_NR_pread64, SYS_SUPPORTED(pread64));
    SYSCALL_REG(LINUX_NR_pwrite64, SYS_SUPPORTED(pwrite64));
    SYSCALL_REG(LINUX_NR_readv, SYS_SUPPORTED(readv));
    SYSCALL_REG(LINUX_NR_writev, SYS_SUPPORTED(writev));
    SYSCALL_REG(LINUX_NR_preadv, SYS_SUPPORTED(preadv));
    SYSCALL_REG(LINUX_NR_pwritev, SYS_SUPPORTED(pwritev));
    SYSCALL_REG(LINUX_NR_preadv2, SYS_PARTIAL(preadv2, "RWF_NOWAIT/RWF_APPEND: EOPNOTSUPP"));
    SYSCALL_REG(LINUX_NR_pwritev2, SYS_PARTIAL(pwritev2, "RWF_NOWAIT/RWF_APPEND: EOPNOTSUPP"));
    SYSCALL_REG(LINUX_NR_lseek, SYS_SUPPORTED(lseek));
}
