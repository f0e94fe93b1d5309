// SPDX-License-Identifier: Apache-2.0
/*
 * The gofer's request loop: receive one datagram, validate its header, dispatch it to the
 * handler of its type (ops_*.c) and send the reply with any donated descriptor. A bad request
 * is answered with an error reply; a datagram that breaks the framing (shorter than a header,
 * longer than PROTO_MSG_MAX, a size field that lies...) ends the connection: such a peer is
 * not speaking the protocol, and nothing it sends later can be trusted to be framed either.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdpass.h"
#include "common/log.h"
#include "gofer/server.h"

static const gofer_op_fn g_gofer_ops[PROTO_TYPE_COUNT] = {
    [PROTO_ATTACH] = gofer_op_attach,   [PROTO_WALK] = gofer_op_walk,
    [PROTO_STAT] = gofer_op_stat,       [PROTO_OPEN] = gofer_op_open,
    [PROTO_READDIR] = gofer_op_readdir, [PROTO_READLINK] = gofer_op_readlink,
    [PROTO_CLOSE] = gofer_op_close,     [PROTO_MKDIR] = gofer_op_mkdir,
    [PROTO_CREATE] = gofer_op_create,   [PROTO_UNLINK] = gofer_op_unlink,
    [PROTO_RENAME] = gofer_op_rename,   [PROTO_SETATTR] = gofer_op_setattr,
    [PROTO_SYMLINK] = gofer_op_symlink, [PROTO_LINK] = gofer_op_link,
    [PROTO_FSYNC] = gofer_op_fsync,
};

void gofer_stat_to_proto(const struct stat *st, struct proto_stat *out)
{
    *out = (struct proto_stat){
        .dev = st->st_dev,
        .ino = st->st_ino,
        .mode = st->st_mode,
        .nlink = (uint32_t)st->st_nlink,
        .uid = st->st_uid,
        .gid = st->st_gid,
        .rdev = st->st_rdev,
        .size = (uint64_t)st->st_size,
        .blksize = (uint32_t)st->st_blksize,
        .blocks = (uint64_t)st->st_blocks,
        .atime_sec = st->st_atim.tv_sec,
        .atime_nsec = (uint32_t)st->st_atim.tv_nsec,
        .mtime_sec = st->st_mtim.tv_sec,
        .mtime_nsec = (uint32_t)st->st_mtim.tv_nsec,
        .ctime_sec = st->st_ctim.tv_sec,
        .ctime_nsec = (uint32_t)st->st_ctim.tv_nsec,
    };
}

bool gofer_name_valid(const char *name)
{
    if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    return strchr(name, '/') == NULL;
}

static int send_reply(struct gofer_server *s, const uint8_t *buf, size_t size, int fd)
{
    ssize_t n = fdpass_send(s->sock, buf, size, fd);
    if (n < 0) {
        log_warn("send reply: %s", strerror((int)-n));
        return (int)n;
    }
    return 0;
}

static int send_error(struct gofer_server *s, uint8_t *buf, uint16_t type, uint32_t tag, int err)
{
    ssize_t n = proto_encode_error_reply(buf, PROTO_MSG_MAX, type & ~PROTO_REPLY, tag, err);
    if (n < 0)
        return (int)n;
    return send_reply(s, buf, (size_t)n, -1);
}

/*
 * Handle one received datagram of @size bytes in @in (a received descriptor, if any, has
 * already been closed). The reply is built in @out. Returns 0 or a -errno of the socket.
 */
/* Move to the CPU the client waits on (the request's hint), so that the request and the
 * reply switch threads on one CPU instead of waking each other across CPUs (docs/
 * gofer-protocol.md). A CPU outside our set is refused by the kernel; nothing else changes. */
static void follow_cpu_hint(uint16_t hint)
{
    static int pinned = -1;
    if (hint == 0 || hint - 1 == pinned || hint - 1 >= CPU_SETSIZE)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(hint - 1, &set);
    if (sched_setaffinity(0, sizeof(set), &set) == 0)
        pinned = hint - 1;
}

static int handle_msg(struct gofer_server *s, const uint8_t *in, size_t size, uint8_t *out,
                      bool had_fd)
{
    struct proto_msg m;
    if (proto_decode_msg(in, size, &m) < 0) {
        log_error("datagram of %zu bytes breaks the framing: giving up the connection", size);
        return -EPROTO;
    }
    follow_cpu_hint(m.hdr.cpu_hint);
    uint16_t type = m.hdr.type;
    if (type == PROTO_CLOSE && had_fd) {
        log_warn("CLOSE with a descriptor attached, dropped");
        return 0;
    }
    if ((type & PROTO_REPLY) || !proto_type_known(type) || had_fd) {
        log_warn("refusing message type %#x%s", type, had_fd ? " with a descriptor" : "");
        return send_error(s, out, type, m.hdr.tag, EPROTO);
    }
    struct gofer_reply r = {.buf = out, .cap = PROTO_MSG_MAX, .fd = -1};
    ssize_t n = g_gofer_ops[type](s, &m, &r);
    _cleanup_close_ int fd = r.fd;
    log_trace("type %u tag %u -> %zd", type, m.hdr.tag, n);
    if (n < 0)
        return type == PROTO_CLOSE ? 0 : send_error(s, out, type, m.hdr.tag, (int)-n);
    if (n == 0)
        return 0;
    return send_reply(s, out, (size_t)n, fd);
}

int gofer_server_init(struct gofer_server *s, int sock, int root_fd, int proc_fd, bool ro,
                      int mountinfo_fd, const char *root_path)
{
    struct stat st;
    *s = (struct gofer_server){.sock = sock, .root_fd = root_fd, .proc_fd = proc_fd, .ro = ro};
    s->mounts = (struct gofer_mounts){.info_fd = mountinfo_fd};
    fid_table_init(&s->fids);
    if (fstat(root_fd, &st) < 0)
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    s->root_dev = st.st_dev;
    s->openat2 = gofer_openat2_probe(root_fd);
    /* Noted even with openat2: cheap, once, and a test may turn openat2 off. */
    int ret = gofer_mounts_find_roots(s);
    if (ret < 0)
        return ret;
    if (mountinfo_fd < 0)
        return 0;
    s->mounts.root_path = strdup(root_path);
    if (!s->mounts.root_path)
        return -ENOMEM;
    return gofer_mounts_refresh(s);
}

void gofer_server_destroy(struct gofer_server *s)
{
    fid_table_destroy(&s->fids);
    gofer_mounts_destroy(&s->mounts);
}

int gofer_serve(struct gofer_server *s)
{
    /* One byte more than the maximum, so an oversized datagram is seen rather than cut. */
    _cleanup_free_ uint8_t *in = malloc(PROTO_MSG_MAX + 1);
    _cleanup_free_ uint8_t *out = malloc(PROTO_MSG_MAX);
    if (!in || !out)
        return -ENOMEM;
    for (;;) {
        int fd = -1;
        ssize_t n = fdpass_recv(s->sock, in, PROTO_MSG_MAX + 1, &fd);
        if (fd >= 0)
            close(fd);
        if (n == 0)
            return 0;
        if (n < 0) {
            log_error("receive request: %s", strerror((int)-n));
            return (int)n;
        }
        int ret = handle_msg(s, in, (size_t)n, out, fd >= 0);
        if (ret == -EPIPE || ret == -ECONNRESET)
            return 0;
        if (ret < 0)
            return ret;
    }
}
