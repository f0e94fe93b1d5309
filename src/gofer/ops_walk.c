// SPDX-License-Identifier: Apache-2.0
/*
 * ATTACH, WALK, STAT, READLINK and CLOSE: the operations on handles themselves. Every walk
 * step is one lookup of a validated single component through the walls of walls.c, so
 * neither a symlink nor ".." can lead out of the root, and a step onto another mount is
 * refused (a directory there is served empty).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "gofer/server.h"

/* fstat @fd and add it as a new fid. Takes ownership of @fd. */
static int add_fid(struct gofer_server *s, int fd, uint64_t *fid, struct proto_stat *st)
{
    struct stat hst;
    if (fstat(fd, &hst) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    gofer_stat_to_proto(&hst, st);
    return fid_table_add(&s->fids, fd, &hst, false, fid);
}

ssize_t gofer_op_attach(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_attach_req req;
    if (proto_decode_attach_req(m, &req) < 0)
        return -EPROTO;
    if (req.version != PROTO_VERSION) {
        log_warn("client speaks protocol %u, we speak %u", req.version, PROTO_VERSION);
        return -EPROTONOSUPPORT;
    }
    int fd = fcntl(s->root_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct proto_attach_reply rep;
    int ret = add_fid(s, fd, &rep.fid, &rep.st);
    if (ret < 0)
        return ret;
    return proto_encode_attach_reply(r->buf, r->cap, m->hdr.tag, &rep);
}

/* One walk step from the directory @parent (mode @parent_mode). Returns 0 or -errno. */
static int walk_one(struct gofer_server *s, int parent, mode_t parent_mode, const char *name,
                    struct proto_walk_entry *ent)
{
    if (!S_ISDIR(parent_mode))
        return -ENOTDIR;
    struct stat hst;
    bool foreign;
    int fd = gofer_lookup(s, parent, name, &hst, &foreign);
    if (fd < 0)
        return fd;
    /*
     * Never into another mount. As root the served tree is a bind mount without submounts;
     * a gofer in a user namespace must bind recursively (the kernel refuses to uncover what
     * locked mounts hide), so its mount points (/proc, /dev...) are served as empty
     * directories, which the Sentry mounts its own file systems on, and nothing below them
     * is. Anything else on another mount is refused with EXDEV.
     */
    if (foreign && !S_ISDIR(hst.st_mode)) {
        close(fd);
        log_debug("walk: refusing to cross into a mount (device %#llx) at \"%s\"",
                  (unsigned long long)hst.st_dev, name);
        return -EXDEV;
    }
    gofer_stat_to_proto(&hst, &ent->st);
    return fid_table_add(&s->fids, fd, &hst, foreign, &ent->fid);
}

ssize_t gofer_op_walk(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_walk_req req;
    if (proto_decode_walk_req(m, &req) < 0)
        return -EPROTO;
    /* Every name is checked before anything is opened: a bad name fails the whole request. */
    for (uint32_t i = 0; i < req.count; i++) {
        if (!gofer_name_valid(req.names[i])) {
            log_debug("walk: refusing name \"%s\"", req.names[i]);
            return -EINVAL;
        }
    }
    struct gofer_fid *dir = fid_table_get(&s->fids, req.dir);
    if (!dir)
        return -EBADF;
    if (dir->foreign && req.count > 0)
        return -EXDEV;
    int parent = dir->fd;
    mode_t parent_mode = dir->mode;
    struct proto_walk_reply rep = {0};
    for (uint32_t i = 0; i < req.count; i++) {
        struct proto_walk_entry *ent = &rep.ents[i];
        int ret = walk_one(s, parent, parent_mode, req.names[i], ent);
        if (ret < 0) {
            rep.error = (uint32_t)-ret;
            break;
        }
        /* The table may have moved; the new fid's descriptor stays valid. */
        struct gofer_fid *f = fid_table_get(&s->fids, ent->fid);
        parent = f->fd;
        parent_mode = f->mode;
        rep.walked++;
        if (f->foreign && i + 1 < req.count) {
            rep.error = EXDEV;
            break;
        }
    }
    return proto_encode_walk_reply(r->buf, r->cap, m->hdr.tag, &rep);
}

ssize_t gofer_op_stat(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_fid_req req;
    if (proto_decode_fid_req(m, &req) < 0)
        return -EPROTO;
    struct gofer_fid *f = fid_table_get(&s->fids, req.fid);
    if (!f)
        return -EBADF;
    struct stat hst;
    if (fstat(f->fd, &hst) < 0)
        return -errno;
    struct proto_stat_reply rep;
    gofer_stat_to_proto(&hst, &rep.st);
    return proto_encode_stat_reply(r->buf, r->cap, m->hdr.tag, &rep);
}

ssize_t gofer_op_readlink(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_fid_req req;
    if (proto_decode_fid_req(m, &req) < 0)
        return -EPROTO;
    struct gofer_fid *f = fid_table_get(&s->fids, req.fid);
    if (!f)
        return -EBADF;
    if (!S_ISLNK(f->mode))
        return -EINVAL;
    char target[PROTO_PATH_MAX + 1];
    /* An empty path makes readlinkat() read the O_PATH|O_NOFOLLOW symlink itself. */
    ssize_t n = readlinkat(f->fd, "", target, sizeof(target));
    if (n < 0)
        return -errno;
    if ((size_t)n > PROTO_PATH_MAX)
        return -ENAMETOOLONG;
    return proto_encode_readlink_reply(r->buf, r->cap, m->hdr.tag, target, (size_t)n);
}

ssize_t gofer_op_close(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_close_req req;
    if (proto_decode_close_req(m, &req) < 0) {
        log_warn("malformed CLOSE dropped");
        return 0;
    }
    for (uint32_t i = 0; i < req.count; i++) {
        uint64_t fid = proto_close_fid(&req, i);
        if (fid_table_remove(&s->fids, fid) < 0)
            log_debug("close: unknown fid %#llx", (unsigned long long)fid);
    }
    return 0; /* CLOSE has no reply. */
}
