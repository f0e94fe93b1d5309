// SPDX-License-Identifier: Apache-2.0
/*
 * OPEN: turn a fid's O_PATH descriptor into a real open file description and donate it to the
 * Sentry (SCM_RIGHTS), so that reads and writes need no further round trip.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common/log.h"
#include "gofer/server.h"

/*
 * Flags a client may pass; anything else (O_CREAT, O_EXCL, O_TMPFILE, O_PATH...) is EINVAL.
 * LINUX_O_LARGEFILE is the kernel's x86-64 bit, which glibc hides behind O_LARGEFILE == 0.
 */
#define LINUX_O_LARGEFILE 0100000
#define OPEN_FLAGS_ALLOWED                                                                         \
    (O_ACCMODE | O_APPEND | O_TRUNC | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_SYNC | \
     O_DSYNC | O_DIRECT | LINUX_O_LARGEFILE | O_CLOEXEC | O_NOCTTY)

int gofer_reopen(struct gofer_server *s, const struct gofer_fid *f, int flags)
{
    char name[16];
    snprintf(name, sizeof(name), "%d", f->fd);
    /*
     * The magic link must be followed, so O_NOFOLLOW cannot be passed here; symlinks were
     * refused by the caller, which keeps O_NOFOLLOW semantics. Nor can openat2's
     * RESOLVE_NO_MAGICLINKS; reopening by name from the parent instead would look the name
     * up again and could find another file. What is opened must be the fid's own inode.
     */
    int fd = openat(s->proc_fd, name, (flags & ~O_NOFOLLOW) | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_dev != f->dev || st.st_ino != f->ino) {
        log_error("reopening fd %d gave another file: refused", f->fd);
        close(fd);
        return -EXDEV;
    }
    return fd;
}

static bool wants_write(int flags)
{
    return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

/* Decide whether @flags may open a file of @mode. Returns the flags to use or -errno. */
static int check_open(const struct gofer_server *s, mode_t mode, uint32_t flags)
{
    if ((flags & ~(uint32_t)OPEN_FLAGS_ALLOWED) || (flags & O_ACCMODE) == O_ACCMODE)
        return -EINVAL;
    if (S_ISLNK(mode))
        return -ELOOP;
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return -EACCES; /* Host device nodes are never opened for the sandbox. */
    if (S_ISSOCK(mode))
        return -ENXIO;
    if (S_ISDIR(mode) && wants_write((int)flags))
        return -EISDIR;
    if (s->ro && wants_write((int)flags))
        return -EROFS;
    /* A FIFO without a peer would block this single-threaded server in open(2). */
    if (S_ISFIFO(mode))
        flags |= O_NONBLOCK;
    return (int)flags;
}

ssize_t gofer_op_open(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_open_req req;
    if (proto_decode_open_req(m, &req) < 0)
        return -EPROTO;
    struct gofer_fid *f = fid_table_get(&s->fids, req.fid);
    if (!f)
        return -EBADF;
    if (f->foreign)
        return -EXDEV; /* a mount point of another file system (ops_walk.c) */
    int flags = check_open(s, f->mode, req.flags);
    if (flags < 0)
        return flags;
    int fd = gofer_reopen(s, f, flags);
    if (fd < 0)
        return fd;
    ssize_t n = proto_encode_open_reply(r->buf, r->cap, m->hdr.tag);
    if (n < 0) {
        close(fd);
        return n;
    }
    r->fd = fd;
    log_debug("open fid %#llx flags %#x -> fd %d", (unsigned long long)req.fid, flags, fd);
    return n;
}
