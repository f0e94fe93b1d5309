// SPDX-License-Identifier: Apache-2.0
/*
 * splice(2), tee(2) and vmsplice(2) between pipes and files or sockets, through a Sentry
 * buffer, with Linux's argument rules and blocking: SPLICE_F_NONBLOCK, or O_NONBLOCK on a
 * pipe end, makes the pipe side EAGAIN instead of waiting (and a socket side that is not
 * ready, as Linux's MSG_DONTWAIT); the end of input is 0 once a pipe has no writers; a pipe
 * without readers is EPIPE and SIGPIPE. Bytes leave an input pipe only once the output took
 * them (the pipe is peeked, then consumed), and a file is read only as far as the output
 * pipe has room, so nothing is lost when the output takes less. SPLICE_F_MOVE, _MORE and
 * _GIFT are hints and accepted.
 *
 * COMPAT: data is copied, not moved by reference (vmsplice's gifted pages are copied too);
 * while the kernel lock is released for host I/O of the file side, another reader of the
 * same pipe may see bytes a pipe-to-file splice has peeked but not consumed yet (Linux holds
 * the pipe's lock across the whole transfer).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>

#include "abi/linux/errno.h"
#include "common/cleanup.h"
#include "sentry/fs/pipe/pipe.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/sys_fs_util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/vfs_ops.h"

#define SPLICE_F_MOVE_ 0x01u
#define SPLICE_F_NONBLOCK_ 0x02u
#define SPLICE_F_MORE_ 0x04u
#define SPLICE_F_GIFT_ 0x08u
#define SPLICE_F_ALL_ (SPLICE_F_MOVE_ | SPLICE_F_NONBLOCK_ | SPLICE_F_MORE_ | SPLICE_F_GIFT_)
#define SPLICE_CHUNK (64 * 1024)

/* Wait until pipe end @f has bytes or no writers (@space false), or free room or no
 * readers (@space true). Returns 0, -EAGAIN if it would wait and @nonblock, or
 * -ERESTARTSYS when a signal arrives. */
static int pipe_wait(struct task *t, struct file *f, bool space, bool nonblock)
{
    struct waiter w = {0};
    int ret = 0;
    for (;;) {
        struct pipe_splice_state st;
        pipe_splice_state(f, &st);
        if (space ? (st.space > 0 || st.readers == 0) : (st.len > 0 || st.writers == 0))
            break;
        if (nonblock) {
            ret = -EAGAIN;
            break;
        }
        if (!w.q)
            waitq_add(f->ops->waitq(f), &w, &t->ctx, 0);
        if (task_wait(t, 0) == -EINTR) {
            ret = -LINUX_ERESTARTSYS;
            break;
        }
    }
    waitq_remove(&w);
    return ret;
}

/* A pipe without readers: SIGPIPE and -EPIPE, as a write. */
static long no_readers(struct task *t)
{
    pipe_send_sigpipe(&t->ctx);
    return -EPIPE;
}

/* A non-blocking transfer with a socket or other stream on the far side: -EAGAIN unless it
 * is ready for @events now (regular files are always ready). */
static int far_side_ready(struct task *t, struct file *f, uint32_t events, bool nonblock)
{
    if (!nonblock || vfs_file_is_regular(f))
        return 0;
    return (file_poll(&t->ctx, f) & (events | POLLHUP | POLLERR)) ? 0 : -EAGAIN;
}

/* File @in (at *@off, or its position when NULL) into pipe end @out: at most what the pipe
 * has room for, so that all that is read is queued. */
static long file_to_pipe(struct task *t, struct file *in, int64_t *off, struct file *out,
                         size_t len, bool nonblock)
{
    long ret = pipe_wait(t, out, true, nonblock);
    if (ret < 0)
        return ret;
    struct pipe_splice_state st;
    pipe_splice_state(out, &st);
    if (st.readers == 0)
        return no_readers(t);
    if ((ret = far_side_ready(t, in, POLLIN, nonblock)) < 0)
        return ret;
    size_t n = MIN(MIN(len, st.space), (size_t)SPLICE_CHUNK);
    _cleanup_free_ char *buf = malloc(n);
    if (!buf)
        return -ENOMEM;
    struct uio u;
    uio_init_kernel(&u, buf, n);
    ssize_t got = vfs_read(&t->ctx, in, &u, off);
    if (got <= 0)
        return got;
    /* The host read may have released the kernel lock: queue what fits now, then wait for
     * room for the rest (a seekable input gets the rest back instead). */
    size_t done = 0;
    while (done < (size_t)got) {
        uio_init_kernel(&u, buf + done, (size_t)got - done);
        ssize_t q = pipe_splice_in(out, &u);
        if (q > 0)
            done += (size_t)q;
        if (done == (size_t)got || vfs_file_seekable(in))
            break;
        if (q < 0 || pipe_wait(t, out, true, false) < 0)
            break;
        pipe_splice_state(out, &st);
        if (st.readers == 0)
            break;
    }
    if (done < (size_t)got && vfs_file_seekable(in)) {
        if (off)
            *off -= (int64_t)((size_t)got - done);
        else
            in->pos -= (int64_t)((size_t)got - done);
    }
    return done ? (long)done : -EPIPE;
}

/* Pipe end @in into file @out (at *@off, or its position): the pipe's bytes are consumed
 * only as far as @out took them. */
static long pipe_to_file(struct task *t, struct file *in, struct file *out, int64_t *off,
                         size_t len, bool nonblock)
{
    long ret = pipe_wait(t, in, false, nonblock);
    if (ret < 0)
        return ret;
    struct pipe_splice_state st;
    pipe_splice_state(in, &st);
    if (st.len == 0)
        return 0; /* no writers: the end */
    if ((ret = far_side_ready(t, out, POLLOUT, nonblock)) < 0)
        return ret;
    size_t n = MIN(MIN(len, st.len), (size_t)SPLICE_CHUNK);
    _cleanup_free_ char *buf = malloc(n);
    if (!buf)
        return -ENOMEM;
    struct uio u;
    uio_init_kernel(&u, buf, n);
    n = pipe_splice_out(in, &u, 0, false);
    uio_init_kernel(&u, buf, n);
    ssize_t w = vfs_write(&t->ctx, out, &u, off);
    if (w > 0) {
        uio_init_kernel(&u, buf, (size_t)w);
        pipe_splice_out(in, &u, 0, true);
    }
    return w;
}

/* Pipe to pipe: moved (@consume) for splice, copied for tee. */
static long pipe_to_pipe(struct task *t, struct file *in, struct file *out, size_t len,
                         bool nonblock, bool consume)
{
    long ret = pipe_wait(t, in, false, nonblock);
    if (ret == 0)
        ret = pipe_wait(t, out, true, nonblock);
    if (ret < 0)
        return ret;
    struct pipe_splice_state si, so;
    pipe_splice_state(in, &si);
    pipe_splice_state(out, &so);
    if (so.readers == 0)
        return no_readers(t);
    size_t n = MIN(MIN(len, si.len), MIN(so.space, (size_t)SPLICE_CHUNK));
    if (n == 0)
        return 0;
    _cleanup_free_ char *buf = malloc(n);
    if (!buf)
        return -ENOMEM;
    struct uio u;
    uio_init_kernel(&u, buf, n);
    n = pipe_splice_out(in, &u, 0, false);
    uio_init_kernel(&u, buf, n);
    ssize_t q = pipe_splice_in(out, &u);
    if (q > 0 && consume) {
        uio_init_kernel(&u, buf, (size_t)q);
        pipe_splice_out(in, &u, 0, true);
    }
    return q;
}

/* The optional offset of a splice side: Linux's checks for a pipe (ESPIPE) and for a file
 * that has no positional I/O (EINVAL), then the value (EFAULT, EINVAL if negative). */
static int splice_offset(struct task *t, struct file *f, gaddr_t uoff, int64_t *off)
{
    if (!uoff)
        return 0;
    if (file_is_pipe(f))
        return -ESPIPE;
    if (copy_in(t, uoff, off, sizeof(*off)) < 0)
        return -EFAULT;
    if (!vfs_file_seekable(f))
        return -EINVAL;
    return *off < 0 ? -EINVAL : 0;
}

long sys_splice(struct task *t, const struct syscall_args *a)
{
    gaddr_t uoff_in = arg_addr(a, 1), uoff_out = arg_addr(a, 3);
    size_t len = arg_size(a, 4);
    unsigned flags = arg_uint(a, 5);
    if (len == 0)
        return 0;
    if (flags & ~SPLICE_F_ALL_)
        return -EINVAL;
    _cleanup_(file_unrefp) struct file *in = sys_get_file(t, arg_int(a, 0));
    _cleanup_(file_unrefp) struct file *out = sys_get_file(t, arg_int(a, 2));
    if (!in || !out || !file_readable(in) || !file_writable(out) ||
        ((in->flags | out->flags) & O_PATH))
        return -EBADF;
    bool ipipe = file_is_pipe(in), opipe = file_is_pipe(out);
    int64_t off_in = 0, off_out = 0;
    int err = splice_offset(t, in, uoff_in, &off_in);
    if (err == 0)
        err = splice_offset(t, out, uoff_out, &off_out);
    if (err < 0)
        return err;
    len = MIN(len, (size_t)INT32_MAX & ~(size_t)4095);
    bool nb = flags & SPLICE_F_NONBLOCK_;
    long ret;
    if (ipipe && opipe) {
        if (pipe_splice_same(in, out))
            return -EINVAL;
        nb |= ((in->flags | out->flags) & O_NONBLOCK) != 0;
        return pipe_to_pipe(t, in, out, len, nb, true);
    }
    if (ipipe) {
        if (out->flags & O_APPEND)
            return -EINVAL;
        ret = pipe_to_file(t, in, out, uoff_out ? &off_out : NULL, len,
                           nb || (in->flags & O_NONBLOCK));
        if (ret > 0 && uoff_out && copy_out(t, uoff_out, &off_out, sizeof(off_out)) < 0)
            return -EFAULT;
        return ret;
    }
    if (opipe) {
        if (vfs_file_is_dir(in))
            return -EINVAL; /* nothing to splice from */
        ret = file_to_pipe(t, in, uoff_in ? &off_in : NULL, out, len,
                           nb || (out->flags & O_NONBLOCK));
        if (ret > 0 && uoff_in && copy_out(t, uoff_in, &off_in, sizeof(off_in)) < 0)
            return -EFAULT;
        return ret;
    }
    return -EINVAL; /* neither side is a pipe */
}

long sys_tee(struct task *t, const struct syscall_args *a)
{
    size_t len = arg_size(a, 2);
    unsigned flags = arg_uint(a, 3);
    if (flags & ~SPLICE_F_ALL_)
        return -EINVAL;
    if (len == 0)
        return 0;
    _cleanup_(file_unrefp) struct file *in = sys_get_file(t, arg_int(a, 0));
    _cleanup_(file_unrefp) struct file *out = sys_get_file(t, arg_int(a, 1));
    if (!in || !out || !file_readable(in) || !file_writable(out))
        return -EBADF;
    if (!file_is_pipe(in) || !file_is_pipe(out) || pipe_splice_same(in, out))
        return -EINVAL;
    bool nb = (flags & SPLICE_F_NONBLOCK_) || ((in->flags | out->flags) & O_NONBLOCK);
    return pipe_to_pipe(t, in, out, len, nb, false);
}

long sys_vmsplice(struct task *t, const struct syscall_args *a)
{
    gaddr_t uiov = arg_addr(a, 1);
    unsigned long nr = arg_u64(a, 2);
    unsigned flags = arg_uint(a, 3);
    if (flags & ~SPLICE_F_ALL_)
        return -EINVAL;
    _cleanup_(file_unrefp) struct file *f = sys_get_file(t, arg_int(a, 0));
    if (!f || !file_is_pipe(f))
        return -EBADF;
    if (nr > LINUX_IOV_MAX)
        return -EINVAL;
    if (nr == 0)
        return 0;
    _cleanup_free_ struct linux_iovec *iov = malloc(nr * sizeof(*iov));
    if (!iov)
        return -ENOMEM;
    int ret = copy_in_iovec(t, uiov, (int)nr, iov);
    if (ret < 0)
        return ret;
    bool to_pipe = file_writable(f);
    bool nb = (flags & SPLICE_F_NONBLOCK_) || (f->flags & O_NONBLOCK);
    if ((ret = pipe_wait(t, f, to_pipe, nb)) < 0)
        return ret;
    struct pipe_splice_state st;
    pipe_splice_state(f, &st);
    if (to_pipe && st.readers == 0)
        return no_readers(t);
    if (!to_pipe && st.len == 0)
        return 0;
    _cleanup_free_ struct uio *u = malloc(sizeof(*u));
    if (!u)
        return -ENOMEM;
    if ((ret = mm_uio_prepare_iov(&t->mmt, iov, (int)nr, !to_pipe, u)) < 0)
        return ret;
    ssize_t n = to_pipe ? pipe_splice_in(f, u) : (ssize_t)pipe_splice_out(f, u, 0, true);
    n = uio_result(u, n);
    uio_release(u);
    return n;
}

void sys_splice_register(void)
{
    SYSCALL_REG(LINUX_NR_splice, SYS_SUPPORTED(splice));
    SYSCALL_REG(LINUX_NR_tee, SYS_SUPPORTED(tee));
    SYSCALL_REG(LINUX_NR_vmsplice, SYS_PARTIAL(vmsplice, "copies; SPLICE_F_GIFT is a hint"));
}
