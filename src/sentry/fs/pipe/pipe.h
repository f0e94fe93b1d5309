// SPDX-License-Identifier: Apache-2.0
/*
 * Pipes and FIFOs: a byte ring (pipe_ring.h) shared by a read end and a write end, with
 * Linux's semantics (64 KiB default capacity, PIPE_BUF atomicity, EOF when the last writer
 * goes, EPIPE + SIGPIPE when the last reader goes, F_GETPIPE_SZ/F_SETPIPE_SZ, FIONREAD).
 *
 * Locking: everything is protected by the kernel lock.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ctx;
struct file;
struct pipe;
struct uio;

#define PIPE_DEFAULT_SIZE (64u * 1024)
#define PIPE_MAX_SIZE (1024u * 1024) /* /proc/sys/fs/pipe-max-size */
#define LINUX_PIPE_BUF 4096u

/*
 * Create an anonymous pipe (pipe(2)): *@rd is the read end (O_RDONLY), *@wr the write end
 * (O_WRONLY); @flags may hold O_NONBLOCK (applied to both). Each is a new file reference
 * named "pipe:[ino]". Caller holds the kernel lock. Returns 0 or -ENOMEM.
 */
int pipe_create(uint32_t flags, struct file **rd, struct file **wr);

/* True if @f is an end of a pipe or FIFO. */
bool file_is_pipe(const struct file *f);

/*
 * fcntl F_GETPIPE_SZ / F_SETPIPE_SZ on @f (Linux's pipe_fcntl). Returns the capacity in
 * bytes, -EBADF if @f is not a pipe (as Linux), -EINVAL for another @cmd or a bad size,
 * -EPERM above PIPE_MAX_SIZE, -EBUSY if the data does not fit the new size.
 * Caller holds the kernel lock. (The generic fcntl also reaches this through ops->ioctl with
 * VFS_FCNTL_GETPIPE_SZ/VFS_FCNTL_SETPIPE_SZ, see vfs_ops.h.)
 */
long pipe_fcntl(struct file *f, int cmd, unsigned long arg);

/*
 * FIFO core, for a filesystem that keeps a pipe per S_IFIFO inode: pipe_new() returns a new
 * pipe with one reference (the inode's); pipe_open_fifo() opens it with open(2) @flags
 * (O_RDONLY waits for a writer and O_WRONLY for a reader unless O_NONBLOCK; O_WRONLY |
 * O_NONBLOCK without a reader is -ENXIO) and returns a new file in *@out whose release
 * drops its own pipe reference. The caller sets f->inode/f->path afterwards if it wants
 * stat to come from the inode. Caller holds the kernel lock.
 */
struct pipe *pipe_new(void);
void pipe_unref(struct pipe *p);
int pipe_open_fifo(struct ctx *ctx, struct pipe *p, uint32_t flags, struct file **out);

/* Boot: let the VFS open FIFO inodes of every filesystem through the pipe code. */
void pipe_register_fifo(void);

/*
 * splice(2), tee(2) and vmsplice(2) (syscalls/sys_splice.c) move data between pipes and
 * other files themselves, so that they can peek, wait and honour SPLICE_F_NONBLOCK as Linux
 * does. @f is an end of a pipe; the caller holds the kernel lock across each call.
 */
struct pipe_splice_state {
    size_t len;           /* queued bytes */
    size_t space;         /* free bytes */
    int readers, writers; /* open ends */
};
void pipe_splice_state(const struct file *f, struct pipe_splice_state *st);
/* True if @a and @b are ends of the same pipe. */
bool pipe_splice_same(const struct file *a, const struct file *b);
/* Copy queued bytes from the head into @u (up to what it holds), from @skip bytes in;
 * consume them (writers are notified) when @consume, which needs @skip 0. Returns the bytes
 * copied. */
size_t pipe_splice_out(struct file *f, struct uio *u, size_t skip, bool consume);
/* Queue as much of @u as fits now (readers are notified). Returns the bytes queued, or
 * -ENOMEM if none could be. The caller checks for readers. */
ssize_t pipe_splice_in(struct file *f, struct uio *u);

/*
 * Send SIGPIPE to @t for a write that hit a pipe or socket without a reader (Linux's
 * send_sig(SIGPIPE, current, 0)). Caller holds the kernel lock.
 */
void pipe_send_sigpipe(struct ctx *ctx);
