// SPDX-License-Identifier: Apache-2.0
/*
 * READDIR: list a directory fid with getdents64(2) from a cookie (the d_off of the last entry
 * the client has seen), packing entries into the reply until it is full.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "gofer/server.h"

/* Host getdents64 buffer; one call covers many reply entries. */
#define GETDENTS_BUF_SIZE 32768

/* O_PATH descriptors cannot be listed: open a real directory descriptor for @f, kept until
 * a listing reaches the end. */
static int dir_fd_of(struct gofer_server *s, struct gofer_fid *f)
{
    if (f->dir_fd >= 0)
        return f->dir_fd;
    int fd = gofer_reopen(s, f, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return fd;
    f->dir_fd = fd;
    return fd;
}

/*
 * Add the entries of one getdents64 buffer of @size bytes. "." and ".." are left out: every
 * name a client sees can be walked. Returns 1 when the reply is full, 0 to read more, -errno.
 */
static int pack_entries(struct proto_readdir_builder *b, const uint8_t *buf, size_t size,
                        uint32_t max_count)
{
    size_t pos = 0;
    while (pos < size) {
        struct dirent64 d;
        /* Copy the fixed part out: the kernel's records are only 8-byte aligned by contract. */
        memcpy(&d, buf + pos, offsetof(struct dirent64, d_name));
        if (d.d_reclen == 0 || d.d_reclen > size - pos)
            return -EIO;
        const char *name = (const char *)buf + pos + offsetof(struct dirent64, d_name);
        size_t name_len = strnlen(name, d.d_reclen - offsetof(struct dirent64, d_name));
        pos += d.d_reclen;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if (b->count >= max_count)
            return 1;
        int ret = proto_readdir_add(b, d.d_ino, (uint64_t)d.d_off, d.d_type, name, name_len);
        if (ret == -EMSGSIZE)
            return 1;
        if (ret < 0)
            return ret;
    }
    return 0;
}

/*
 * Fill @b from @fd, positioned at @cookie, until the reply is full or the directory ends.
 * Returns 1 when full, 0 at the end of the directory, or -errno.
 */
static int fill_reply(int fd, uint64_t cookie, struct proto_readdir_builder *b, uint32_t max_count)
{
    _Alignas(8) static uint8_t buf[GETDENTS_BUF_SIZE];
    if (lseek(fd, (off_t)cookie, SEEK_SET) < 0)
        return -errno;
    for (;;) {
        ssize_t n = getdents64(fd, buf, sizeof(buf));
        if (n < 0)
            return -errno;
        if (n == 0)
            return 0;
        int ret = pack_entries(b, buf, (size_t)n, max_count);
        if (ret != 0)
            return ret;
    }
}

ssize_t gofer_op_readdir(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r)
{
    struct proto_readdir_req req;
    if (proto_decode_readdir_req(m, &req) < 0)
        return -EPROTO;
    struct gofer_fid *f = fid_table_get(&s->fids, req.fid);
    if (!f)
        return -EBADF;
    if (!S_ISDIR(f->mode))
        return -ENOTDIR;
    if (req.max_count == 0 || req.max_size < PROTO_READDIR_FIXED + PROTO_DIRENT_FIXED + 1)
        return -EINVAL;
    struct proto_readdir_builder b;
    proto_readdir_begin(&b, r->buf, r->cap, m->hdr.tag, req.max_size);
    if (f->foreign)
        return proto_readdir_finish(&b); /* a mount point: empty (ops_walk.c) */
    int fd = dir_fd_of(s, f);
    if (fd < 0)
        return fd;
    int ret = fill_reply(fd, req.cookie, &b, req.max_count);
    if (ret < 0)
        return ret;
    /*
     * At the end of the directory the descriptor is closed (a later READDIR reopens it): a
     * listed directory would otherwise cost the gofer two descriptors for as long as its fid
     * lives, and the Sentry keeps directory fids for the life of the sandbox.
     */
    if (ret == 0) {
        close(f->dir_fd);
        f->dir_fd = -1;
    }
    /* An empty reply means the end, so one too small for the next entry is an error. */
    if (ret == 1 && b.count == 0)
        return -EINVAL;
    log_trace("readdir fid %#llx cookie %#llx: %u entries", (unsigned long long)req.fid,
              (unsigned long long)req.cookie, b.count);
    return proto_readdir_finish(&b);
}
