// SPDX-License-Identifier: Apache-2.0
/*
 * The Sentry's gofer RPC client: encode a request, send it, wait for the reply with the same
 * tag, decode it. One exchange at a time per client, under the client's mutex.
 */
#include "sentry/fs/gofer/client.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fdpass.h"
#include "common/log.h"
#include "proto/msg.h"
#include "sentry/context/klock.h"

/* EHWPOISON, the highest Linux errno: anything above it from the gofer becomes EIO. */
#define GOFER_ERRNO_MAX 133

_Static_assert(GOFER_WALK_MAX == PROTO_WALK_MAX, "walk limits differ");
_Static_assert(GOFER_NAME_MAX == PROTO_NAME_MAX, "name limits differ");

struct gofer_client {
    pthread_mutex_t lock;
    int sock;          /* Immutable after init. */
    uint32_t next_tag; /* Protected by lock. */
    bool broken;       /* Protected by lock. Set on a transport or protocol failure. */
    /* Fids whose CLOSE waits for the connection (gofer_close while another thread's
     * exchange runs); sent by whoever holds lock next, before it releases it. */
    pthread_mutex_t pending_lock; /* a leaf, taken inside lock or alone */
    uint64_t pending[64];         /* Protected by pending_lock */
    unsigned npending;            /* Protected by pending_lock */
    /* Protected by lock. Request, then reply; one byte over the maximum to see oversize. */
    uint8_t buf[PROTO_MSG_MAX + 1];
};

int gofer_client_new(int sock, struct gofer_client **out)
{
    if (sock < 0)
        return -EINVAL;
    struct gofer_client *c = malloc(sizeof(*c));
    if (!c) {
        close(sock);
        return -ENOMEM;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->sock = sock;
    c->next_tag = 1;
    c->broken = false;
    pthread_mutex_init(&c->pending_lock, NULL);
    c->npending = 0;
    *out = c;
    return 0;
}

void gofer_client_free(struct gofer_client *c)
{
    if (!c)
        return;
    close(c->sock);
    pthread_mutex_destroy(&c->pending_lock);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* Release c->lock, sending the closes queued meanwhile first (gofer_close). */
static void client_unlock(struct gofer_client *c);

/* Mark the connection unusable. Caller holds c->lock. Returns -EIO. */
static int fail_locked(struct gofer_client *c, const char *what, int err)
{
    log_warn("gofer connection broken: %s: %s", what, strerror(err));
    c->broken = true;
    return -EIO;
}

/* A gofer errno must be an ordinary Linux errno before the guest may see it. */
static int sanitize_errno(uint32_t err)
{
    return err >= 1 && err <= GOFER_ERRNO_MAX ? -(int)err : -EIO;
}

/*
 * Send the request of @size bytes in c->buf (its tag is @tag, its type @type) and receive the
 * reply into c->buf. The decoded reply in *@m points into c->buf. If @fd is not NULL, a
 * donated descriptor is stored there (else -1); otherwise one is closed. Caller holds c->lock.
 * Returns 0, the errno of an error reply, or -EIO.
 */
static int rpc_exchange_locked(struct gofer_client *c, ssize_t size, uint16_t type, uint32_t tag,
                               struct proto_msg *m, int *fd)
{
    int rfd = -1;
    if (size < 0)
        return (int)size;
    if (c->broken)
        return -EIO;
    proto_set_cpu_hint(c->buf, sched_getcpu()); /* answer on this CPU (msg.h) */
    ssize_t n = fdpass_send(c->sock, c->buf, (size_t)size, -1);
    if (n < 0)
        return fail_locked(c, "send", (int)-n);
    n = fdpass_recv(c->sock, c->buf, sizeof(c->buf), &rfd);
    if (n <= 0) {
        if (rfd >= 0)
            close(rfd);
        return fail_locked(c, "receive", n == 0 ? ECONNRESET : (int)-n);
    }
    if (proto_decode_msg(c->buf, (size_t)n, m) < 0 || m->hdr.type != (type | PROTO_REPLY) ||
        m->hdr.tag != tag) {
        if (rfd >= 0)
            close(rfd);
        return fail_locked(c, "bad reply", EPROTO);
    }
    if (fd)
        *fd = rfd;
    else if (rfd >= 0)
        close(rfd);
    if (m->hdr.error != 0) {
        if (fd && *fd >= 0) {
            close(*fd);
            *fd = -1;
        }
        return sanitize_errno(m->hdr.error);
    }
    return 0;
}

/* Lock statistics: round trips by type, made with and without the kernel lock held. */
#define RPC_REGION(t, n)                                                                           \
    [t][0] = {.name = "gofer " n ", kernel lock free"}, [t][1] = {.name = "gofer " n               \
                                                                          ", kernel lock held"}
static struct cv_timed g_rpc_regions[PROTO_TYPE_COUNT][2] = {
    RPC_REGION(PROTO_ATTACH, "attach"),   RPC_REGION(PROTO_WALK, "walk"),
    RPC_REGION(PROTO_STAT, "stat"),       RPC_REGION(PROTO_OPEN, "open"),
    RPC_REGION(PROTO_READDIR, "readdir"), RPC_REGION(PROTO_READLINK, "readlink"),
    RPC_REGION(PROTO_CLOSE, "close"),     RPC_REGION(PROTO_MKDIR, "mkdir"),
    RPC_REGION(PROTO_CREATE, "create"),   RPC_REGION(PROTO_UNLINK, "unlink"),
    RPC_REGION(PROTO_RENAME, "rename"),   RPC_REGION(PROTO_SETATTR, "setattr"),
    RPC_REGION(PROTO_SYMLINK, "symlink"), RPC_REGION(PROTO_LINK, "link"),
    RPC_REGION(PROTO_FSYNC, "fsync"),
};

/* One exchange (rpc_exchange_locked), timed when lock statistics are on. Caller holds
 * c->lock. */
static int rpc_locked(struct gofer_client *c, ssize_t size, uint16_t type, uint32_t tag,
                      struct proto_msg *m, int *fd)
{
    if (!g_cv_lockstat_on || type >= PROTO_TYPE_COUNT)
        return rpc_exchange_locked(c, size, type, tag, m, fd);
    uint64_t start = cv_lockstat_now_ns();
    int ret = rpc_exchange_locked(c, size, type, tag, m, fd);
    cv_timed_add(&g_rpc_regions[type][kernel_lock_held()], cv_lockstat_now_ns() - start);
    return ret;
}

static uint32_t take_tag_locked(struct gofer_client *c)
{
    return c->next_tag++;
}

static void stat_from_proto(const struct proto_stat *p, struct gofer_stat *st)
{
    *st = (struct gofer_stat){
        .dev = p->dev,
        .ino = p->ino,
        .mode = p->mode,
        .nlink = p->nlink,
        .uid = p->uid,
        .gid = p->gid,
        .rdev = p->rdev,
        .size = p->size,
        .blksize = p->blksize,
        .blocks = p->blocks,
        .atime = {.tv_sec = p->atime_sec, .tv_nsec = p->atime_nsec},
        .mtime = {.tv_sec = p->mtime_sec, .tv_nsec = p->mtime_nsec},
        .ctime = {.tv_sec = p->ctime_sec, .tv_nsec = p->ctime_nsec},
    };
}

/* A body that does not decode breaks the connection. Caller holds c->lock. */
static int bad_body_locked(struct gofer_client *c)
{
    return fail_locked(c, "malformed reply body", EPROTO);
}

int gofer_attach(struct gofer_client *c, uint64_t *root_fid, struct gofer_stat *st)
{
    struct proto_attach_req req = {.version = PROTO_VERSION};
    struct proto_attach_reply rep;
    struct proto_msg m;
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t size = proto_encode_attach_req(c->buf, PROTO_MSG_MAX, tag, &req);
    int ret = rpc_locked(c, size, PROTO_ATTACH, tag, &m, NULL);
    if (ret < 0)
        goto out;
    if (proto_decode_attach_reply(&m, &rep) < 0) {
        ret = bad_body_locked(c);
        goto out;
    }
    *root_fid = rep.fid;
    if (st)
        stat_from_proto(&rep.st, st);
out:
    client_unlock(c);
    return ret;
}

/* Copy a decoded WALK reply out. Returns the call's result. */
static int walk_result(const struct proto_walk_reply *rep, unsigned count, uint64_t *fids,
                       struct gofer_stat *stats, unsigned *walked)
{
    for (uint32_t i = 0; i < rep->walked; i++) {
        fids[i] = rep->ents[i].fid;
        if (stats)
            stat_from_proto(&rep->ents[i].st, &stats[i]);
    }
    *walked = rep->walked;
    if (rep->walked == count)
        return 0;
    return rep->error ? sanitize_errno(rep->error) : -EIO;
}

int gofer_walk(struct gofer_client *c, uint64_t dir, const char *const *names, unsigned count,
               uint64_t *fids, struct gofer_stat *stats, unsigned *walked)
{
    *walked = 0;
    if (count > PROTO_WALK_MAX)
        return -EINVAL;
    /* Large (6.6 KiB): keep it off the stacks of task threads. */
    struct proto_walk_reply *rep = malloc(sizeof(*rep));
    struct proto_walk_req *req = malloc(sizeof(*req));
    int ret = -ENOMEM;
    if (!rep || !req)
        goto out_free;
    req->dir = dir;
    req->count = count;
    for (unsigned i = 0; i < count; i++)
        req->names[i] = names[i];
    struct proto_msg m;
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t size = proto_encode_walk_req(c->buf, PROTO_MSG_MAX, tag, req);
    ret = rpc_locked(c, size, PROTO_WALK, tag, &m, NULL);
    if (ret < 0)
        goto out;
    if (proto_decode_walk_reply(&m, rep) < 0 || rep->walked > count ||
        (rep->walked < count && rep->error == 0) || (rep->walked == count && rep->error)) {
        ret = bad_body_locked(c);
        goto out;
    }
    ret = walk_result(rep, count, fids, stats, walked);
out:
    client_unlock(c);
out_free:
    free(rep);
    free(req);
    return ret;
}

int gofer_stat(struct gofer_client *c, uint64_t fid, struct gofer_stat *st)
{
    struct proto_fid_req req = {.fid = fid};
    struct proto_stat_reply rep;
    struct proto_msg m;
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t size = proto_encode_stat_req(c->buf, PROTO_MSG_MAX, tag, &req);
    int ret = rpc_locked(c, size, PROTO_STAT, tag, &m, NULL);
    if (ret < 0)
        goto out;
    if (proto_decode_stat_reply(&m, &rep) < 0) {
        ret = bad_body_locked(c);
        goto out;
    }
    stat_from_proto(&rep.st, st);
out:
    client_unlock(c);
    return ret;
}

int gofer_open(struct gofer_client *c, uint64_t fid, int flags, int *host_fd)
{
    struct proto_open_req req = {.fid = fid, .flags = (uint32_t)flags};
    struct proto_msg m;
    int fd = -1;
    *host_fd = -1;
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t size = proto_encode_open_req(c->buf, PROTO_MSG_MAX, tag, &req);
    int ret = rpc_locked(c, size, PROTO_OPEN, tag, &m, &fd);
    if (ret < 0)
        goto out;
    if (proto_decode_open_reply(&m) < 0 || fd < 0) {
        if (fd >= 0)
            close(fd);
        ret = bad_body_locked(c);
        goto out;
    }
    *host_fd = fd;
out:
    client_unlock(c);
    return ret;
}

/* A listed name must be one walkable component; a gofer that says otherwise is broken. */
static bool dirent_name_ok(const struct proto_dirent *d)
{
    if (d->name_len == 0 || memchr(d->name, '/', d->name_len))
        return false;
    return strcmp(d->name, ".") != 0 && strcmp(d->name, "..") != 0;
}

/* Copy @n decoded entries out. Returns 0 or -EPROTO. */
static int readdir_result(const struct proto_dirent *pd, uint32_t n, struct gofer_dirent *ents)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!dirent_name_ok(&pd[i]))
            return -EPROTO;
        ents[i].ino = pd[i].ino;
        ents[i].next = pd[i].next;
        ents[i].type = pd[i].type;
        memcpy(ents[i].name, pd[i].name, (size_t)pd[i].name_len + 1);
    }
    return 0;
}

int gofer_readdir(struct gofer_client *c, uint64_t dir, uint64_t cookie, struct gofer_dirent *ents,
                  unsigned max, unsigned *count)
{
    *count = 0;
    if (max == 0)
        return -EINVAL;
    /* No reply can hold more entries than this, whatever @max says. */
    uint32_t limit =
        (PROTO_MSG_MAX - PROTO_HDR_SIZE - PROTO_READDIR_FIXED) / (PROTO_DIRENT_FIXED + 1);
    if (max > limit)
        max = limit;
    struct proto_dirent *pd = malloc((size_t)max * sizeof(*pd));
    if (!pd)
        return -ENOMEM;
    struct proto_readdir_req req = {
        .fid = dir, .cookie = cookie, .max_count = max, .max_size = PROTO_MSG_MAX - PROTO_HDR_SIZE};
    struct proto_msg m;
    uint32_t n = 0;
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t size = proto_encode_readdir_req(c->buf, PROTO_MSG_MAX, tag, &req);
    int ret = rpc_locked(c, size, PROTO_READDIR, tag, &m, NULL);
    if (ret < 0)
        goto out;
    if (proto_decode_readdir_reply(&m, pd, max, &n) < 0 || readdir_result(pd, n, ents) < 0) {
        ret = bad_body_locked(c);
        goto out;
    }
    *count = n;
out:
    client_unlock(c);
    free(pd);
    return ret;
}

int gofer_readlink(struct gofer_client *c, uint64_t fid, char *buf, size_t size)
{
    struct proto_fid_req req = {.fid = fid};
    struct proto_readlink_reply rep;
    struct proto_msg m;
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t msg_size = proto_encode_readlink_req(c->buf, PROTO_MSG_MAX, tag, &req);
    int ret = rpc_locked(c, msg_size, PROTO_READLINK, tag, &m, NULL);
    if (ret < 0)
        goto out;
    if (proto_decode_readlink_reply(&m, &rep) < 0) {
        ret = bad_body_locked(c);
        goto out;
    }
    if (size < (size_t)rep.len + 1) {
        ret = -ENAMETOOLONG;
        goto out;
    }
    memcpy(buf, rep.target, (size_t)rep.len + 1);
    ret = (int)rep.len;
out:
    client_unlock(c);
    return ret;
}

/* Send one CLOSE message of @count fids; no reply comes. Caller holds c->lock. */
static int close_batch_locked(struct gofer_client *c, const uint64_t *fids, uint32_t count)
{
    if (c->broken)
        return -EIO;
    ssize_t size = proto_encode_close_req(c->buf, PROTO_MSG_MAX, take_tag_locked(c), fids, count);
    if (size < 0)
        return (int)size;
    ssize_t n = fdpass_send(c->sock, c->buf, (size_t)size, -1);
    return n < 0 ? fail_locked(c, "send", (int)-n) : 0;
}

static int close_all_locked(struct gofer_client *c, const uint64_t *fids, unsigned count)
{
    int ret = 0;
    while (count > 0 && ret == 0) {
        uint32_t n = count < PROTO_CLOSE_MAX ? count : PROTO_CLOSE_MAX;
        ret = close_batch_locked(c, fids, n);
        fids += n;
        count -= n;
    }
    return ret;
}

static void flush_pending_locked(struct gofer_client *c)
{
    uint64_t fids[64];
    pthread_mutex_lock(&c->pending_lock);
    unsigned n = c->npending;
    memcpy(fids, c->pending, n * sizeof(fids[0]));
    c->npending = 0;
    pthread_mutex_unlock(&c->pending_lock);
    if (n)
        close_all_locked(c, fids, n);
}

static void client_unlock(struct gofer_client *c)
{
    flush_pending_locked(c);
    pthread_mutex_unlock(&c->lock);
}

/* Queue @fids for the holder of c->lock to close if there is room. */
static bool close_queue(struct gofer_client *c, const uint64_t *fids, unsigned count)
{
    bool queued = false;
    pthread_mutex_lock(&c->pending_lock);
    if (c->npending + count <= sizeof(c->pending) / sizeof(c->pending[0])) {
        memcpy(c->pending + c->npending, fids, count * sizeof(fids[0]));
        c->npending += count;
        queued = true;
    }
    pthread_mutex_unlock(&c->pending_lock);
    return queued;
}

int gofer_close(struct gofer_client *c, const uint64_t *fids, unsigned count)
{
    /* A close has no reply, so it need not wait for another thread's exchange (which can be
     * long, and its caller may hold the kernel lock): it goes with the end of that one. */
    if (pthread_mutex_trylock(&c->lock) != 0) {
        if (close_queue(c, fids, count)) {
            if (pthread_mutex_trylock(&c->lock) == 0)
                client_unlock(c); /* the holder left meanwhile: send them ourselves */
            return 0;
        }
        pthread_mutex_lock(&c->lock);
    }
    int ret = close_all_locked(c, fids, count);
    client_unlock(c);
    return ret;
}

/* ---- Write operations ---------------------------------------------------------------------- */

/*
 * Finish an exchange whose request of @size bytes the caller encoded into c->buf, and decode
 * the entry reply (new fid, attributes, and with @fd the donated descriptor, required).
 * Caller holds c->lock.
 */
static int entry_rpc_locked(struct gofer_client *c, ssize_t size, uint16_t type, uint32_t tag,
                            uint64_t *fid, struct gofer_stat *st, int *fd)
{
    struct proto_msg m;
    struct proto_entry_reply rep;
    int ret = rpc_locked(c, size, type, tag, &m, fd);
    if (ret < 0)
        return ret;
    if (proto_decode_entry_reply(&m, &rep) < 0 || (fd && *fd < 0)) {
        if (fd && *fd >= 0) {
            close(*fd);
            *fd = -1;
        }
        return bad_body_locked(c);
    }
    *fid = rep.fid;
    if (st)
        stat_from_proto(&rep.st, st);
    return 0;
}

/* Finish an exchange whose reply has no body. Caller holds c->lock. */
static int empty_rpc_locked(struct gofer_client *c, ssize_t size, uint16_t type, uint32_t tag)
{
    struct proto_msg m;
    int ret = rpc_locked(c, size, type, tag, &m, NULL);
    if (ret < 0)
        return ret;
    return proto_decode_empty_reply(&m) < 0 ? bad_body_locked(c) : 0;
}

int gofer_mkdir(struct gofer_client *c, uint64_t dir, const char *name, uint32_t mode, uint32_t uid,
                uint32_t gid, uint64_t *fid, struct gofer_stat *st)
{
    struct proto_mkdir_req req = {.dir = dir, .name = name, .mode = mode, .uid = uid, .gid = gid};
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t size = proto_encode_mkdir_req(c->buf, PROTO_MSG_MAX, tag, &req);
    int ret = entry_rpc_locked(c, size, PROTO_MKDIR, tag, fid, st, NULL);
    client_unlock(c);
    return ret;
}

int gofer_create(struct gofer_client *c, uint64_t dir, const char *name, int flags, uint32_t mode,
                 uint32_t uid, uint32_t gid, uint64_t *fid, struct gofer_stat *st, int *host_fd)
{
    struct proto_create_req req = {
        .dir = dir, .name = name, .flags = (uint32_t)flags, .mode = mode, .uid = uid, .gid = gid};
    *host_fd = -1;
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t size = proto_encode_create_req(c->buf, PROTO_MSG_MAX, tag, &req);
    int ret = entry_rpc_locked(c, size, PROTO_CREATE, tag, fid, st, host_fd);
    client_unlock(c);
    return ret;
}

int gofer_unlink(struct gofer_client *c, uint64_t dir, const char *name, int flags)
{
    struct proto_unlink_req req = {.dir = dir, .name = name, .flags = (uint32_t)flags};
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t size = proto_encode_unlink_req(c->buf, PROTO_MSG_MAX, tag, &req);
    int ret = empty_rpc_locked(c, size, PROTO_UNLINK, tag);
    client_unlock(c);
    return ret;
}

int gofer_rename(struct gofer_client *c, uint64_t old_dir, const char *old_name, uint64_t new_dir,
                 const char *new_name, unsigned flags)
{
    struct proto_rename_req req = {.old_dir = old_dir,
                                   .old_name = old_name,
                                   .new_dir = new_dir,
                                   .new_name = new_name,
                                   .flags = flags};
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t size = proto_encode_rename_req(c->buf, PROTO_MSG_MAX, tag, &req);
    int ret = empty_rpc_locked(c, size, PROTO_RENAME, tag);
    client_unlock(c);
    return ret;
}

int gofer_setattr(struct gofer_client *c, uint64_t fid, const struct gofer_setattr *sa,
                  struct gofer_stat *st)
{
    struct proto_setattr_req req = {
        .fid = fid,
        .valid = sa->valid,
        .mode = sa->mode,
        .uid = sa->uid,
        .gid = sa->gid,
        .size = sa->size,
        .atime_sec = sa->atime.tv_sec,
        .atime_nsec = (uint32_t)sa->atime.tv_nsec,
        .mtime_sec = sa->mtime.tv_sec,
        .mtime_nsec = (uint32_t)sa->mtime.tv_nsec,
    };
    struct proto_stat_reply rep;
    struct proto_msg m;
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t size = proto_encode_setattr_req(c->buf, PROTO_MSG_MAX, tag, &req);
    int ret = rpc_locked(c, size, PROTO_SETATTR, tag, &m, NULL);
    if (ret == 0) {
        if (proto_decode_stat_reply(&m, &rep) < 0)
            ret = bad_body_locked(c);
        else if (st)
            stat_from_proto(&rep.st, st);
    }
    client_unlock(c);
    return ret;
}

int gofer_symlink(struct gofer_client *c, uint64_t dir, const char *name, const char *target,
                  uint32_t uid, uint32_t gid, uint64_t *fid, struct gofer_stat *st)
{
    struct proto_symlink_req req = {
        .dir = dir, .name = name, .target = target, .uid = uid, .gid = gid};
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t size = proto_encode_symlink_req(c->buf, PROTO_MSG_MAX, tag, &req);
    int ret = entry_rpc_locked(c, size, PROTO_SYMLINK, tag, fid, st, NULL);
    client_unlock(c);
    return ret;
}

int gofer_link(struct gofer_client *c, uint64_t dir, const char *name, uint64_t target,
               uint64_t *fid, struct gofer_stat *st)
{
    struct proto_link_req req = {.dir = dir, .name = name, .target = target};
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t size = proto_encode_link_req(c->buf, PROTO_MSG_MAX, tag, &req);
    int ret = entry_rpc_locked(c, size, PROTO_LINK, tag, fid, st, NULL);
    client_unlock(c);
    return ret;
}

int gofer_fsync(struct gofer_client *c, uint64_t fid, bool datasync)
{
    struct proto_fsync_req req = {.fid = fid, .datasync = datasync};
    pthread_mutex_lock(&c->lock);
    uint32_t tag = take_tag_locked(c);
    ssize_t size = proto_encode_fsync_req(c->buf, PROTO_MSG_MAX, tag, &req);
    int ret = empty_rpc_locked(c, size, PROTO_FSYNC, tag);
    client_unlock(c);
    return ret;
}

_Static_assert(GOFER_SETATTR_MODE == PROTO_SETATTR_MODE &&
                   GOFER_SETATTR_SIZE == PROTO_SETATTR_SIZE &&
                   GOFER_SETATTR_MTIME_NOW == PROTO_SETATTR_MTIME_NOW &&
                   GOFER_ID_KEEP == PROTO_ID_KEEP,
               "setattr bits differ");
