// SPDX-License-Identifier: Apache-2.0
/*
 * The write operations: MKDIR, CREATE, UNLINK, RENAME, SETATTR, SYMLINK, LINK and FSYNC. Each
 * works relative to the descriptor of a fid with one validated name (never a path), so like
 * WALK it cannot reach outside the served tree; a gofer started with --ro refuses them all.
 * No fid of a mount point (served as an empty directory) is written to or through, no mount
 * point is removed or renamed, and every new entry is looked up again through the walls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "gofer/server.h"

/* Flags CREATE accepts besides O_CREAT|O_EXCL, which it always adds. */
#define CREATE_FLAGS_ALLOWED                                                                       \
    (O_ACCMODE | O_APPEND | O_NONBLOCK | O_NOATIME | O_SYNC | O_DSYNC | O_DIRECT | O_CLOEXEC |     \
     O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW | 0100000 /* LINUX_O_LARGEFILE */)

/* The directory fid @dir for an operation on @name. Returns it or NULL with *@err set. */
static struct gofer_fid *dir_fid(struct gofer_server *s, uint64_t dir, const char *name, int *err)
{
    if (s->ro) {
        *err = -EROFS;
        return NULL;
    }
    if (!gofer_name_valid(name)) {
        log_debug("refusing name \"%s\"", name);
        *err = -EINVAL;
        return NULL;
    }
    struct gofer_fid *f = fid_table_get(&s->fids, dir);
    if (!f) {
        *err = -EBADF;
        return NULL;
    }
    if (!S_ISDIR(f->mode)) {
        *err = -ENOTDIR;
        return NULL;
    }
    if (f->foreign) {
        log_debug("refusing to write below a mount point (\"%s\")", name);
        *err = -EXDEV;
        return NULL;
    }
    return f;
}

/* The fid @fid for a change of the file itself. Returns it or NULL with *@err set. */
static struct gofer_fid *file_fid(struct gofer_server *s, uint64_t fid, int *err)
{
    struct gofer_fid *f = fid_table_get(&s->fids, fid);
    if (!f) {
        *err = -EBADF;
        return NULL;
    }
    if (f->foreign) {
        *err = -EXDEV; /* the root of another mount: served, never changed */
        return NULL;
    }
    return f;
}

/* The name of @fd in /proc/self/fd. */
static void fd_name(char *buf, size_t size, int fd)
{
    snprintf(buf, size, "%d", fd);
}

/* Change the owner of the file of the O_PATH descriptor @fd as asked. */
static int set_owner(int fd, uint32_t uid, uint32_t gid)
{
    if (uid == PROTO_ID_KEEP && gid == PROTO_ID_KEEP)
        return 0;
    if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
        /* COMPAT: a gofer started by a non-root user has no CAP_CHOWN (the only way to get
         * EPERM here): the new file keeps that user's ids, which is what stat then shows. */
        return errno == EPERM ? 0 : -errno;
    }
    return 0;
}

/* Encode the entry reply of a new fid for @fd (owned) whose attributes are @st. */
static ssize_t add_entry(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r,
                         int fd, const struct stat *st)
{
    struct proto_entry_reply rep;
    gofer_stat_to_proto(st, &rep.st);
    int ret = fid_table_add(&s->fids, fd, st, false, &rep.fid);
    if (ret < 0)
        return ret;
    return proto_encode_entry_reply(r->buf, r->cap, m->hdr.type, m->hdr.tag, &rep);
}

/*
 * Turn the new host entry @name of @dirfd into a fid (@fd: its O_PATH descriptor, owned) with
 * the owner @uid/@gid, and encode the entry reply. On failure the entry is removed again.
 */
static ssize_t reply_entry(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r,
                           int dirfd, const char *name, int fd, uint32_t uid, uint32_t gid)
{
    struct stat hst;
    int ret = set_owner(fd, uid, gid);
    if (ret == 0 && fstat(fd, &hst) < 0)
        ret = -errno;
    if (ret == 0 && hst.st_dev != s->root_dev)
        ret = -EXDEV;
    if (ret < 0) {
        close(fd);
        if (ret != -EXDEV)
            unlinkat(dirfd, name, m->hdr.type == PROTO_MKDIR ? AT_REMOVEDIR : 0);
        return ret;
    }
    return add_entry(s, m, r, fd, &hst);
}

/* Look the new entry @name of @dirfd up again through the walls. Returns its O_PATH
 * descriptor or -errno (-EXDEV if it is a mount point: something raced us). */
static int lookup_new(struct gofer_server *s, int dirfd, const char *name)
{
    struct stat st;
    bool foreign;
    int fd = gofer_lookup(s, dirfd, name, &st, &foreign);
    if (fd >= 0 && foreign) {
        close(fd);
        return -EXDEV;
    }
    return fd;
}

ssize_t gofer_op_mkdir(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_mkdir_req req;
    if (proto_decode_mkdir_req(m, &req) < 0)
        return -EPROTO;
    int err;
    struct gofer_fid *d = dir_fid(s, req.dir, req.name, &err);
    if (!d)
        return err;
    int dirfd = d->fd;
    if (mkdirat(dirfd, req.name, req.mode & 07777) < 0)
        return -errno;
    int fd = lookup_new(s, dirfd, req.name);
    if (fd < 0)
        return fd;
    return reply_entry(s, m, r, dirfd, req.name, fd, req.uid, req.gid);
}

/* openat(O_CREAT|O_EXCL|O_NOFOLLOW), through openat2's walls where the kernel has them. */
static int create_at(struct gofer_server *s, int dirfd, const char *name, int flags, mode_t mode)
{
    int fd;
    if (s->openat2) {
        struct open_how how = {
            .flags = (uint64_t)flags,
            .mode = mode,
            .resolve =
                RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
        };
        fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
    } else {
        fd = openat(dirfd, name, flags, mode);
    }
    return fd < 0 ? -errno : fd;
}

ssize_t gofer_op_create(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_create_req req;
    if (proto_decode_create_req(m, &req) < 0)
        return -EPROTO;
    if ((req.flags & ~(uint32_t)CREATE_FLAGS_ALLOWED) || (req.flags & O_ACCMODE) == O_ACCMODE)
        return -EINVAL;
    int err;
    struct gofer_fid *d = dir_fid(s, req.dir, req.name, &err);
    if (!d)
        return err;
    int dirfd = d->fd;
    int flags = (int)(req.flags & ~(uint32_t)O_TRUNC) | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int open_fd = create_at(s, dirfd, req.name, flags, req.mode & 07777);
    if (open_fd < 0)
        return open_fd;
    /* The fid names the inode just created, through the open descriptor: no second lookup. */
    char name[16];
    fd_name(name, sizeof(name), open_fd);
    int fd = openat(s->proc_fd, name, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        int e = -errno;
        close(open_fd);
        unlinkat(dirfd, req.name, 0);
        return e;
    }
    ssize_t n = reply_entry(s, m, r, dirfd, req.name, fd, req.uid, req.gid);
    if (n < 0) {
        close(open_fd);
        return n;
    }
    r->fd = open_fd;
    return n;
}

ssize_t gofer_op_unlink(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_unlink_req req;
    if (proto_decode_unlink_req(m, &req) < 0)
        return -EPROTO;
    if (req.flags & ~(uint32_t)AT_REMOVEDIR)
        return -EINVAL;
    int err;
    struct gofer_fid *d = dir_fid(s, req.dir, req.name, &err);
    if (!d)
        return err;
    int ret = gofer_check_not_mount_point(s, d->fd, req.name);
    if (ret < 0)
        return ret;
    if (unlinkat(d->fd, req.name, (int)req.flags) < 0)
        return -errno;
    return proto_encode_empty_reply(r->buf, r->cap, PROTO_UNLINK, m->hdr.tag);
}

ssize_t gofer_op_rename(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_rename_req req;
    if (proto_decode_rename_req(m, &req) < 0)
        return -EPROTO;
    if (req.flags & ~(uint32_t)(RENAME_NOREPLACE | RENAME_EXCHANGE))
        return -EINVAL;
    int err;
    struct gofer_fid *od = dir_fid(s, req.old_dir, req.old_name, &err);
    if (!od)
        return err;
    int old_fd = od->fd;
    struct gofer_fid *nd = dir_fid(s, req.new_dir, req.new_name, &err);
    if (!nd)
        return err;
    /* Neither the entry moved nor the one it replaces (or trades places with) may be a
     * mount point, or an ancestor of one: the mount would move or be detached. */
    int ret = gofer_check_not_mount_point(s, old_fd, req.old_name);
    if (ret == 0)
        ret = gofer_check_not_mount_point(s, nd->fd, req.new_name);
    if (ret < 0 && ret != -ENOENT)
        return ret;
    if (renameat2(old_fd, req.old_name, nd->fd, req.new_name, req.flags) < 0)
        return -errno;
    return proto_encode_empty_reply(r->buf, r->cap, PROTO_RENAME, m->hdr.tag);
}

/* Apply @req to @f. Returns 0 or -errno. */
static int apply_setattr(struct gofer_server *s, const struct gofer_fid *f,
                         const struct proto_setattr_req *req)
{
    bool lnk = S_ISLNK(f->mode);
    char name[16];
    fd_name(name, sizeof(name), f->fd);
    if (req->valid & PROTO_SETATTR_SIZE) {
        if (S_ISDIR(f->mode))
            return -EISDIR;
        if (!S_ISREG(f->mode))
            return -EINVAL;
        if (req->size > INT64_MAX)
            return -EFBIG;
        int fd = gofer_reopen(s, f, O_WRONLY);
        if (fd < 0)
            return fd;
        int ret = ftruncate(fd, (off_t)req->size) < 0 ? -errno : 0;
        close(fd);
        if (ret < 0)
            return ret;
    }
    if (req->valid & PROTO_SETATTR_MODE) {
        /* Linux cannot chmod a symlink. The magic link names the inode, not a path. */
        if (lnk)
            return -EOPNOTSUPP;
        if (fchmodat(s->proc_fd, name, req->mode & 07777, 0) < 0)
            return -errno;
    }
    if (req->valid & (PROTO_SETATTR_UID | PROTO_SETATTR_GID)) {
        uid_t uid = req->valid & PROTO_SETATTR_UID ? req->uid : (uid_t)-1;
        gid_t gid = req->valid & PROTO_SETATTR_GID ? req->gid : (gid_t)-1;
        if (fchownat(f->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
            return -errno;
    }
    unsigned times = PROTO_SETATTR_ATIME | PROTO_SETATTR_MTIME | PROTO_SETATTR_ATIME_NOW |
                     PROTO_SETATTR_MTIME_NOW;
    if (req->valid & times) {
        if (lnk)
            return -EOPNOTSUPP; /* COMPAT: lutimes of a gofer symlink is not supported. */
        struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_OMIT}};
        if (req->valid & PROTO_SETATTR_ATIME_NOW)
            ts[0].tv_nsec = UTIME_NOW;
        else if (req->valid & PROTO_SETATTR_ATIME)
            ts[0] = (struct timespec){req->atime_sec, req->atime_nsec};
        if (req->valid & PROTO_SETATTR_MTIME_NOW)
            ts[1].tv_nsec = UTIME_NOW;
        else if (req->valid & PROTO_SETATTR_MTIME)
            ts[1] = (struct timespec){req->mtime_sec, req->mtime_nsec};
        if (utimensat(s->proc_fd, name, ts, 0) < 0)
            return -errno;
    }
    return 0;
}

ssize_t gofer_op_setattr(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_setattr_req req;
    if (proto_decode_setattr_req(m, &req) < 0)
        return -EPROTO;
    if (s->ro)
        return -EROFS;
    int ret;
    struct gofer_fid *f = file_fid(s, req.fid, &ret);
    if (!f)
        return ret;
    ret = apply_setattr(s, f, &req);
    if (ret < 0)
        return ret;
    struct stat hst;
    if (fstat(f->fd, &hst) < 0)
        return -errno;
    struct proto_stat_reply rep;
    gofer_stat_to_proto(&hst, &rep.st);
    return proto_encode_setattr_reply(r->buf, r->cap, m->hdr.tag, &rep);
}

ssize_t gofer_op_symlink(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_symlink_req req;
    if (proto_decode_symlink_req(m, &req) < 0)
        return -EPROTO;
    if (req.target[0] == '\0')
        return -ENOENT;
    int err;
    struct gofer_fid *d = dir_fid(s, req.dir, req.name, &err);
    if (!d)
        return err;
    int dirfd = d->fd;
    if (symlinkat(req.target, dirfd, req.name) < 0)
        return -errno;
    int fd = lookup_new(s, dirfd, req.name);
    if (fd < 0)
        return fd;
    return reply_entry(s, m, r, dirfd, req.name, fd, req.uid, req.gid);
}

ssize_t gofer_op_link(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_link_req req;
    if (proto_decode_link_req(m, &req) < 0)
        return -EPROTO;
    int err;
    struct gofer_fid *d = dir_fid(s, req.dir, req.name, &err);
    if (!d)
        return err;
    int dirfd = d->fd;
    int ret;
    struct gofer_fid *t = file_fid(s, req.target, &ret);
    if (!t)
        return ret;
    if (S_ISDIR(t->mode))
        return -EPERM;
    if (S_ISLNK(t->mode)) {
        /* AT_EMPTY_PATH links the symlink itself (needs CAP_DAC_READ_SEARCH on the host). */
        ret = linkat(t->fd, "", dirfd, req.name, AT_EMPTY_PATH);
    } else {
        /* Following the magic link links the inode itself, without the capability. */
        char name[16];
        fd_name(name, sizeof(name), t->fd);
        ret = linkat(s->proc_fd, name, dirfd, req.name, AT_SYMLINK_FOLLOW);
    }
    if (ret < 0)
        return -errno;
    struct stat hst;
    bool foreign;
    int fd = gofer_lookup(s, dirfd, req.name, &hst, &foreign);
    if (fd < 0)
        return fd;
    if (foreign) {
        close(fd);
        return -EXDEV;
    }
    return add_entry(s, m, r, fd, &hst);
}

ssize_t gofer_op_fsync(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_fsync_req req;
    if (proto_decode_fsync_req(m, &req) < 0)
        return -EPROTO;
    int err;
    struct gofer_fid *f = file_fid(s, req.fid, &err);
    if (!f)
        return err;
    if (!S_ISREG(f->mode) && !S_ISDIR(f->mode))
        return -EINVAL;
    /* A read-only description is enough: fsync flushes the inode, whatever the access mode. */
    int fd = gofer_reopen(s, f, S_ISDIR(f->mode) ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0)
        return fd;
    int ret = (req.datasync ? fdatasync(fd) : fsync(fd)) < 0 ? -errno : 0;
    close(fd);
    if (ret < 0)
        return ret;
    return proto_encode_empty_reply(r->buf, r->cap, PROTO_FSYNC, m->hdr.tag);
}
