// SPDX-License-Identifier: Apache-2.0
/*
 * sendfile(2) and copy_file_range(2): file-to-file copies inside the Sentry, through a
 * Sentry buffer (vfs_read/vfs_write of kernel uios), with Linux's argument checks and error
 * numbers. splice(2), tee(2) and vmsplice(2) are in sys_splice.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "sentry/syscalls/sys_fs_util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/vfs_ops.h"

#define XFER_CHUNK (128 * 1024)
#define MAX_RW_COUNT ((size_t)(INT32_MAX & ~4095))

/* Move up to @count bytes from @in (at *@in_pos, or at its position if NULL) to @out (likewise)
 * until the input ends or the output takes less. Input not written out is given back (the
 * position moves back), as Linux's splice-based copy accounts only what was written.
 * Returns the bytes moved, or -errno if none. */
static ssize_t copy_files(struct task *t, struct file *in, int64_t *in_pos, struct file *out,
                          int64_t *out_pos, size_t count)
{
    char *buf = malloc(count < XFER_CHUNK ? count : XFER_CHUNK);
    if (!buf)
        return -ENOMEM;
    ssize_t total = 0, err = 0;
    while ((size_t)total < count) {
        size_t want = count - (size_t)total < XFER_CHUNK ? count - (size_t)total : XFER_CHUNK;
        struct uio u;
        uio_init_kernel(&u, buf, want);
        ssize_t n = vfs_read(&t->ctx, in, &u, in_pos);
        if (n <= 0) {
            err = n;
            break;
        }
        ssize_t done = 0;
        while (done < n) {
            uio_init_kernel(&u, buf + done, (size_t)(n - done));
            ssize_t w = vfs_write(&t->ctx, out, &u, out_pos);
            if (w <= 0) {
                err = w;
                break;
            }
            done += w;
        }
        if (done < n) { /* give back what was read but not written */
            if (in_pos)
                *in_pos -= n - done;
            else
                in->pos -= n - done;
        }
        total += done;
        if (done < n || (size_t)n < want)
            break;
    }
    free(buf);
    return total > 0 ? total : err;
}

/* Read the optional guest offset at @uoff into *@pos. Returns 0, -EFAULT. */
static int read_off(struct task *t, gaddr_t uoff, int64_t *pos)
{
    return uoff && copy_in(t, uoff, pos, sizeof(*pos)) < 0 ? -EFAULT : 0;
}

long sys_sendfile(struct task *t, const struct syscall_args *a)
{
    int out_fd = arg_int(a, 0), in_fd = arg_int(a, 1);
    gaddr_t uoff = arg_addr(a, 2);
    size_t count = arg_size(a, 3);
    _cleanup_(file_unrefp) struct file *in = sys_get_file(t, in_fd);
    if (!in || !file_readable(in) || (in->flags & O_PATH))
        return -EBADF;
    int64_t pos = 0;
    if (uoff) {
        if (read_off(t, uoff, &pos) < 0)
            return -EFAULT;
        if (!vfs_file_seekable(in))
            return -ESPIPE;
    }
    if (pos < 0 || (ssize_t)count < 0)
        return -EINVAL;
    _cleanup_(file_unrefp) struct file *out = sys_get_file(t, out_fd);
    if (!out || !file_writable(out) || (out->flags & O_PATH))
        return -EBADF;
    if (!vfs_file_is_regular(in) || (out->flags & O_APPEND))
        return -EINVAL; /* in: something pages can be read from; out: no append (Linux) */
    if (count == 0)
        return 0;
    count = count < MAX_RW_COUNT ? count : MAX_RW_COUNT;
    ssize_t n = copy_files(t, in, uoff ? &pos : NULL, out, NULL, count);
    if (uoff && n > 0 && copy_out(t, uoff, &pos, sizeof(pos)) < 0)
        return -EFAULT;
    return n;
}

long sys_copy_file_range(struct task *t, const struct syscall_args *a)
{
    gaddr_t uoff_in = arg_addr(a, 1), uoff_out = arg_addr(a, 3);
    size_t len = arg_size(a, 4);
    if (arg_u64(a, 5) != 0)
        return -EINVAL; /* no flags are defined */
    _cleanup_(file_unrefp) struct file *in = sys_get_file(t, arg_int(a, 0));
    _cleanup_(file_unrefp) struct file *out = sys_get_file(t, arg_int(a, 2));
    if (!in || !out || !file_readable(in) || !file_writable(out) || (in->flags & O_PATH) ||
        (out->flags & (O_PATH | O_APPEND)))
        return -EBADF;
    if (vfs_file_is_dir(in) || vfs_file_is_dir(out))
        return -EISDIR;
    if (!vfs_file_is_regular(in) || !vfs_file_is_regular(out))
        return -EINVAL;
    int64_t pos_in = in->pos, pos_out = out->pos;
    if (read_off(t, uoff_in, &pos_in) < 0 || read_off(t, uoff_out, &pos_out) < 0)
        return -EFAULT;
    if (!vfs_files_same_fs(in, out))
        return -EXDEV; /* as Linux >= 5.19 for filesystems without their own cross-fs copy */
    /* Linux's generic_copy_file_checks: the ranges must not wrap (a negative offset does),
     * then the count stops at the input's end. */
    if ((uint64_t)pos_in + len < (uint64_t)pos_in || (uint64_t)pos_out + len < (uint64_t)pos_out)
        return -EOVERFLOW;
    int64_t size_in = vfs_file_size(in);
    uint64_t count = pos_in >= size_in ? 0 : (uint64_t)(size_in - pos_in);
    count = count < len ? count : len;
    if (pos_out > INT64_MAX - (int64_t)count)
        return -EFBIG;
    if (vfs_files_same_inode(in, out) && pos_in < pos_out + (int64_t)count &&
        pos_out < pos_in + (int64_t)count)
        return -EINVAL; /* overlapping ranges of one file */
    if (count == 0)
        return 0;
    count = count < MAX_RW_COUNT ? count : MAX_RW_COUNT;
    ssize_t n = copy_files(t, in, &pos_in, out, &pos_out, count);
    if (n <= 0)
        return n;
    if (uoff_in ? copy_out(t, uoff_in, &pos_in, sizeof(pos_in)) < 0 : (in->pos = pos_in, 0))
        return -EFAULT;
    if (uoff_out ? copy_out(t, uoff_out, &pos_out, sizeof(pos_out)) < 0 : (out->pos = pos_out, 0))
        return -EFAULT;
    return n;
}

void sys_sendfile_register(void)
{
    SYSCALL_REG(LINUX_NR_sendfile, SYS_SUPPORTED(sendfile));
    SYSCALL_REG(LINUX_NR_copy_file_range, SYS_SUPPORTED(copy_file_range));
}
