// SPDX-License-Identifier: Apache-2.0
/*
 * Encoding and decoding of the gofer wire format declared in proto/msg.h. Every read goes
 * through a bounds-checked cursor, so a malformed datagram yields -EPROTO, never an over-read.
 */
#include "proto/msg.h"

#include <errno.h>
#include <string.h>

/* Output cursor; @bad latches once anything did not fit. */
struct wcur {
    uint8_t *buf;
    size_t cap;
    size_t pos;
    bool bad;
};

/* Input cursor; @bad latches on the first read past the end or invalid field. */
struct rcur {
    const uint8_t *p;
    size_t size;
    size_t pos;
    bool bad;
};

static uint8_t *w_reserve(struct wcur *w, size_t n)
{
    if (w->bad || n > w->cap - w->pos) {
        w->bad = true;
        return NULL;
    }
    uint8_t *p = w->buf + w->pos;
    w->pos += n;
    return p;
}

static void w_le(struct wcur *w, uint64_t v, size_t n)
{
    uint8_t *p = w_reserve(w, n);
    if (!p)
        return;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void w_u8(struct wcur *w, uint8_t v)
{
    w_le(w, v, 1);
}

static void w_u16(struct wcur *w, uint16_t v)
{
    w_le(w, v, 2);
}

static void w_u32(struct wcur *w, uint32_t v)
{
    w_le(w, v, 4);
}

static void w_u64(struct wcur *w, uint64_t v)
{
    w_le(w, v, 8);
}

/* A string is a u16 length, the bytes, then a NUL (so the decoder can point into the buffer). */
static void w_str(struct wcur *w, const char *s, size_t len)
{
    w_u16(w, (uint16_t)len);
    uint8_t *p = w_reserve(w, len + 1);
    if (!p)
        return;
    memcpy(p, s, len);
    p[len] = 0;
}

static const uint8_t *r_take(struct rcur *r, size_t n)
{
    if (r->bad || n > r->size - r->pos) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

static uint64_t r_le(struct rcur *r, size_t n)
{
    const uint8_t *p = r_take(r, n);
    uint64_t v = 0;
    if (!p)
        return 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint8_t r_u8(struct rcur *r)
{
    return (uint8_t)r_le(r, 1);
}

static uint16_t r_u16(struct rcur *r)
{
    return (uint16_t)r_le(r, 2);
}

static uint32_t r_u32(struct rcur *r)
{
    return (uint32_t)r_le(r, 4);
}

static uint64_t r_u64(struct rcur *r)
{
    return r_le(r, 8);
}

/* Reads a string of at most @max bytes; it must end in its NUL and contain no other. */
static const char *r_str(struct rcur *r, size_t max, uint16_t *len_out)
{
    uint16_t len = r_u16(r);
    if (len > max)
        r->bad = true;
    const uint8_t *p = r_take(r, (size_t)len + 1);
    if (!p)
        return NULL;
    if (p[len] != 0 || memchr(p, 0, len)) {
        r->bad = true;
        return NULL;
    }
    if (len_out)
        *len_out = len;
    return (const char *)p;
}

static void rcur_init(struct rcur *r, const struct proto_msg *m)
{
    *r = (struct rcur){.p = m->body, .size = m->body_size};
}

/* The body must be consumed exactly. */
static int r_finish(const struct rcur *r)
{
    return r->bad || r->pos != r->size ? -EPROTO : 0;
}

static void w_hdr(struct wcur *w, void *buf, size_t cap, uint16_t type, uint32_t tag,
                  uint32_t error)
{
    *w = (struct wcur){.buf = buf, .cap = cap};
    w_u32(w, 0); /* Size, patched by w_finish(). */
    w_u16(w, type);
    w_u16(w, 0);
    w_u32(w, tag);
    w_u32(w, error);
}

void proto_set_cpu_hint(void *buf, int cpu)
{
    uint16_t v = cpu >= 0 && cpu < 0xffff ? (uint16_t)(cpu + 1) : 0;
    uint8_t *p = (uint8_t *)buf + 6; /* after size and type, little-endian */
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static ssize_t w_finish(struct wcur *w)
{
    if (w->bad || w->pos > PROTO_MSG_MAX)
        return -EMSGSIZE;
    size_t size = w->pos;
    w->pos = 0;
    w_u32(w, (uint32_t)size);
    w->pos = size;
    return (ssize_t)size;
}

static void w_stat(struct wcur *w, const struct proto_stat *st)
{
    w_u64(w, st->dev);
    w_u64(w, st->ino);
    w_u32(w, st->mode);
    w_u32(w, st->nlink);
    w_u32(w, st->uid);
    w_u32(w, st->gid);
    w_u64(w, st->rdev);
    w_u64(w, st->size);
    w_u32(w, st->blksize);
    w_u64(w, st->blocks);
    w_u64(w, (uint64_t)st->atime_sec);
    w_u32(w, st->atime_nsec);
    w_u64(w, (uint64_t)st->mtime_sec);
    w_u32(w, st->mtime_nsec);
    w_u64(w, (uint64_t)st->ctime_sec);
    w_u32(w, st->ctime_nsec);
}

static void r_stat(struct rcur *r, struct proto_stat *st)
{
    st->dev = r_u64(r);
    st->ino = r_u64(r);
    st->mode = r_u32(r);
    st->nlink = r_u32(r);
    st->uid = r_u32(r);
    st->gid = r_u32(r);
    st->rdev = r_u64(r);
    st->size = r_u64(r);
    st->blksize = r_u32(r);
    st->blocks = r_u64(r);
    st->atime_sec = (int64_t)r_u64(r);
    st->atime_nsec = r_u32(r);
    st->mtime_sec = (int64_t)r_u64(r);
    st->mtime_nsec = r_u32(r);
    st->ctime_sec = (int64_t)r_u64(r);
    st->ctime_nsec = r_u32(r);
    /* A nanosecond field of 10^9 or more is no valid time. */
    if (st->atime_nsec >= 1000000000u || st->mtime_nsec >= 1000000000u ||
        st->ctime_nsec >= 1000000000u)
        r->bad = true;
}

bool proto_type_known(uint16_t type)
{
    return type >= PROTO_ATTACH && type < PROTO_TYPE_COUNT;
}

int proto_decode_msg(const void *buf, size_t size, struct proto_msg *out)
{
    if (size < PROTO_HDR_SIZE || size > PROTO_MSG_MAX)
        return -EPROTO;
    struct rcur r = {.p = buf, .size = size};
    struct proto_hdr h = {
        .size = r_u32(&r),
        .type = r_u16(&r),
        .cpu_hint = r_u16(&r),
        .tag = r_u32(&r),
        .error = r_u32(&r),
    };
    if (r.bad || h.size != size)
        return -EPROTO;
    bool reply = h.type & PROTO_REPLY;
    if (reply && h.cpu_hint != 0)
        return -EPROTO;
    if (!reply && h.error != 0)
        return -EPROTO;
    if (h.error != 0 && (size != PROTO_HDR_SIZE || h.error > 4095))
        return -EPROTO;
    out->hdr = h;
    out->body = (const uint8_t *)buf + PROTO_HDR_SIZE;
    out->body_size = size - PROTO_HDR_SIZE;
    return 0;
}

/* ---- Requests ---------------------------------------------------------------------------- */

ssize_t proto_encode_attach_req(void *buf, size_t cap, uint32_t tag,
                                const struct proto_attach_req *r)
{
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_ATTACH, tag, 0);
    w_u32(&w, r->version);
    return w_finish(&w);
}

ssize_t proto_encode_walk_req(void *buf, size_t cap, uint32_t tag, const struct proto_walk_req *r)
{
    if (r->count > PROTO_WALK_MAX)
        return -EINVAL;
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_WALK, tag, 0);
    w_u64(&w, r->dir);
    w_u32(&w, r->count);
    for (uint32_t i = 0; i < r->count; i++) {
        size_t len = strlen(r->names[i]);
        if (len > PROTO_NAME_MAX)
            return -ENAMETOOLONG;
        w_str(&w, r->names[i], len);
    }
    return w_finish(&w);
}

static ssize_t encode_fid_req(void *buf, size_t cap, uint16_t type, uint32_t tag, uint64_t fid)
{
    struct wcur w;
    w_hdr(&w, buf, cap, type, tag, 0);
    w_u64(&w, fid);
    return w_finish(&w);
}

ssize_t proto_encode_stat_req(void *buf, size_t cap, uint32_t tag, const struct proto_fid_req *r)
{
    return encode_fid_req(buf, cap, PROTO_STAT, tag, r->fid);
}

ssize_t proto_encode_readlink_req(void *buf, size_t cap, uint32_t tag,
                                  const struct proto_fid_req *r)
{
    return encode_fid_req(buf, cap, PROTO_READLINK, tag, r->fid);
}

ssize_t proto_encode_open_req(void *buf, size_t cap, uint32_t tag, const struct proto_open_req *r)
{
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_OPEN, tag, 0);
    w_u64(&w, r->fid);
    w_u32(&w, r->flags);
    return w_finish(&w);
}

ssize_t proto_encode_readdir_req(void *buf, size_t cap, uint32_t tag,
                                 const struct proto_readdir_req *r)
{
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_READDIR, tag, 0);
    w_u64(&w, r->fid);
    w_u64(&w, r->cookie);
    w_u32(&w, r->max_count);
    w_u32(&w, r->max_size);
    return w_finish(&w);
}

ssize_t proto_encode_close_req(void *buf, size_t cap, uint32_t tag, const uint64_t *fids,
                               uint32_t count)
{
    if (count > PROTO_CLOSE_MAX)
        return -EINVAL;
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_CLOSE, tag, 0);
    w_u32(&w, count);
    for (uint32_t i = 0; i < count; i++)
        w_u64(&w, fids[i]);
    return w_finish(&w);
}

int proto_decode_attach_req(const struct proto_msg *m, struct proto_attach_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->version = r_u32(&r);
    return r_finish(&r);
}

int proto_decode_walk_req(const struct proto_msg *m, struct proto_walk_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->dir = r_u64(&r);
    out->count = r_u32(&r);
    if (r.bad || out->count > PROTO_WALK_MAX)
        return -EPROTO;
    for (uint32_t i = 0; i < out->count && !r.bad; i++)
        out->names[i] = r_str(&r, PROTO_NAME_MAX, NULL);
    return r_finish(&r);
}

int proto_decode_fid_req(const struct proto_msg *m, struct proto_fid_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->fid = r_u64(&r);
    return r_finish(&r);
}

int proto_decode_open_req(const struct proto_msg *m, struct proto_open_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->fid = r_u64(&r);
    out->flags = r_u32(&r);
    return r_finish(&r);
}

int proto_decode_readdir_req(const struct proto_msg *m, struct proto_readdir_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->fid = r_u64(&r);
    out->cookie = r_u64(&r);
    out->max_count = r_u32(&r);
    out->max_size = r_u32(&r);
    return r_finish(&r);
}

int proto_decode_close_req(const struct proto_msg *m, struct proto_close_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->count = r_u32(&r);
    if (r.bad || out->count > PROTO_CLOSE_MAX)
        return -EPROTO;
    out->fids = r_take(&r, (size_t)out->count * 8);
    return r_finish(&r);
}

uint64_t proto_close_fid(const struct proto_close_req *r, uint32_t i)
{
    uint64_t v = 0;
    for (size_t b = 0; b < 8; b++)
        v |= (uint64_t)r->fids[(size_t)i * 8 + b] << (8 * b);
    return v;
}

/* ---- Write requests ---------------------------------------------------------------------- */

/* Writes a name of at most PROTO_NAME_MAX bytes; false if it is longer. */
static bool w_name(struct wcur *w, const char *name, size_t max)
{
    size_t len = strlen(name);
    if (len > max)
        return false;
    w_str(w, name, len);
    return true;
}

ssize_t proto_encode_mkdir_req(void *buf, size_t cap, uint32_t tag, const struct proto_mkdir_req *r)
{
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_MKDIR, tag, 0);
    w_u64(&w, r->dir);
    if (!w_name(&w, r->name, PROTO_NAME_MAX))
        return -ENAMETOOLONG;
    w_u32(&w, r->mode);
    w_u32(&w, r->uid);
    w_u32(&w, r->gid);
    return w_finish(&w);
}

ssize_t proto_encode_create_req(void *buf, size_t cap, uint32_t tag,
                                const struct proto_create_req *r)
{
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_CREATE, tag, 0);
    w_u64(&w, r->dir);
    if (!w_name(&w, r->name, PROTO_NAME_MAX))
        return -ENAMETOOLONG;
    w_u32(&w, r->flags);
    w_u32(&w, r->mode);
    w_u32(&w, r->uid);
    w_u32(&w, r->gid);
    return w_finish(&w);
}

ssize_t proto_encode_unlink_req(void *buf, size_t cap, uint32_t tag,
                                const struct proto_unlink_req *r)
{
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_UNLINK, tag, 0);
    w_u64(&w, r->dir);
    if (!w_name(&w, r->name, PROTO_NAME_MAX))
        return -ENAMETOOLONG;
    w_u32(&w, r->flags);
    return w_finish(&w);
}

ssize_t proto_encode_rename_req(void *buf, size_t cap, uint32_t tag,
                                const struct proto_rename_req *r)
{
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_RENAME, tag, 0);
    w_u64(&w, r->old_dir);
    if (!w_name(&w, r->old_name, PROTO_NAME_MAX))
        return -ENAMETOOLONG;
    w_u64(&w, r->new_dir);
    if (!w_name(&w, r->new_name, PROTO_NAME_MAX))
        return -ENAMETOOLONG;
    w_u32(&w, r->flags);
    return w_finish(&w);
}

ssize_t proto_encode_setattr_req(void *buf, size_t cap, uint32_t tag,
                                 const struct proto_setattr_req *r)
{
    if ((r->valid & ~PROTO_SETATTR_ALL) || r->atime_nsec >= 1000000000u ||
        r->mtime_nsec >= 1000000000u)
        return -EINVAL;
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_SETATTR, tag, 0);
    w_u64(&w, r->fid);
    w_u32(&w, r->valid);
    w_u32(&w, r->mode);
    w_u32(&w, r->uid);
    w_u32(&w, r->gid);
    w_u64(&w, r->size);
    w_u64(&w, (uint64_t)r->atime_sec);
    w_u32(&w, r->atime_nsec);
    w_u64(&w, (uint64_t)r->mtime_sec);
    w_u32(&w, r->mtime_nsec);
    return w_finish(&w);
}

ssize_t proto_encode_symlink_req(void *buf, size_t cap, uint32_t tag,
                                 const struct proto_symlink_req *r)
{
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_SYMLINK, tag, 0);
    w_u64(&w, r->dir);
    if (!w_name(&w, r->name, PROTO_NAME_MAX) || !w_name(&w, r->target, PROTO_PATH_MAX))
        return -ENAMETOOLONG;
    w_u32(&w, r->uid);
    w_u32(&w, r->gid);
    return w_finish(&w);
}

ssize_t proto_encode_link_req(void *buf, size_t cap, uint32_t tag, const struct proto_link_req *r)
{
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_LINK, tag, 0);
    w_u64(&w, r->dir);
    if (!w_name(&w, r->name, PROTO_NAME_MAX))
        return -ENAMETOOLONG;
    w_u64(&w, r->target);
    return w_finish(&w);
}

ssize_t proto_encode_fsync_req(void *buf, size_t cap, uint32_t tag, const struct proto_fsync_req *r)
{
    if (r->datasync > 1)
        return -EINVAL;
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_FSYNC, tag, 0);
    w_u64(&w, r->fid);
    w_u32(&w, r->datasync);
    return w_finish(&w);
}

int proto_decode_mkdir_req(const struct proto_msg *m, struct proto_mkdir_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->dir = r_u64(&r);
    out->name = r_str(&r, PROTO_NAME_MAX, NULL);
    out->mode = r_u32(&r);
    out->uid = r_u32(&r);
    out->gid = r_u32(&r);
    return r_finish(&r);
}

int proto_decode_create_req(const struct proto_msg *m, struct proto_create_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->dir = r_u64(&r);
    out->name = r_str(&r, PROTO_NAME_MAX, NULL);
    out->flags = r_u32(&r);
    out->mode = r_u32(&r);
    out->uid = r_u32(&r);
    out->gid = r_u32(&r);
    return r_finish(&r);
}

int proto_decode_unlink_req(const struct proto_msg *m, struct proto_unlink_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->dir = r_u64(&r);
    out->name = r_str(&r, PROTO_NAME_MAX, NULL);
    out->flags = r_u32(&r);
    return r_finish(&r);
}

int proto_decode_rename_req(const struct proto_msg *m, struct proto_rename_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->old_dir = r_u64(&r);
    out->old_name = r_str(&r, PROTO_NAME_MAX, NULL);
    out->new_dir = r_u64(&r);
    out->new_name = r_str(&r, PROTO_NAME_MAX, NULL);
    out->flags = r_u32(&r);
    return r_finish(&r);
}

int proto_decode_setattr_req(const struct proto_msg *m, struct proto_setattr_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->fid = r_u64(&r);
    out->valid = r_u32(&r);
    out->mode = r_u32(&r);
    out->uid = r_u32(&r);
    out->gid = r_u32(&r);
    out->size = r_u64(&r);
    out->atime_sec = (int64_t)r_u64(&r);
    out->atime_nsec = r_u32(&r);
    out->mtime_sec = (int64_t)r_u64(&r);
    out->mtime_nsec = r_u32(&r);
    if ((out->valid & ~PROTO_SETATTR_ALL) || out->atime_nsec >= 1000000000u ||
        out->mtime_nsec >= 1000000000u)
        r.bad = true;
    return r_finish(&r);
}

int proto_decode_symlink_req(const struct proto_msg *m, struct proto_symlink_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->dir = r_u64(&r);
    out->name = r_str(&r, PROTO_NAME_MAX, NULL);
    out->target = r_str(&r, PROTO_PATH_MAX, NULL);
    out->uid = r_u32(&r);
    out->gid = r_u32(&r);
    return r_finish(&r);
}

int proto_decode_link_req(const struct proto_msg *m, struct proto_link_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->dir = r_u64(&r);
    out->name = r_str(&r, PROTO_NAME_MAX, NULL);
    out->target = r_u64(&r);
    return r_finish(&r);
}

int proto_decode_fsync_req(const struct proto_msg *m, struct proto_fsync_req *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->fid = r_u64(&r);
    out->datasync = r_u32(&r);
    if (out->datasync > 1)
        r.bad = true;
    return r_finish(&r);
}

/* ---- Replies ----------------------------------------------------------------------------- */

ssize_t proto_encode_error_reply(void *buf, size_t cap, uint16_t type, uint32_t tag, int err)
{
    if (err <= 0 || err > 4095)
        return -EINVAL;
    struct wcur w;
    w_hdr(&w, buf, cap, type | PROTO_REPLY, tag, (uint32_t)err);
    return w_finish(&w);
}

ssize_t proto_encode_attach_reply(void *buf, size_t cap, uint32_t tag,
                                  const struct proto_attach_reply *r)
{
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_ATTACH | PROTO_REPLY, tag, 0);
    w_u64(&w, r->fid);
    w_stat(&w, &r->st);
    return w_finish(&w);
}

ssize_t proto_encode_walk_reply(void *buf, size_t cap, uint32_t tag,
                                const struct proto_walk_reply *r)
{
    if (r->walked > PROTO_WALK_MAX)
        return -EINVAL;
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_WALK | PROTO_REPLY, tag, 0);
    w_u32(&w, r->walked);
    w_u32(&w, r->error);
    for (uint32_t i = 0; i < r->walked; i++) {
        w_u64(&w, r->ents[i].fid);
        w_stat(&w, &r->ents[i].st);
    }
    return w_finish(&w);
}

ssize_t proto_encode_stat_reply(void *buf, size_t cap, uint32_t tag,
                                const struct proto_stat_reply *r)
{
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_STAT | PROTO_REPLY, tag, 0);
    w_stat(&w, &r->st);
    return w_finish(&w);
}

ssize_t proto_encode_open_reply(void *buf, size_t cap, uint32_t tag)
{
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_OPEN | PROTO_REPLY, tag, 0);
    return w_finish(&w);
}

ssize_t proto_encode_readlink_reply(void *buf, size_t cap, uint32_t tag, const char *target,
                                    size_t len)
{
    if (len > PROTO_PATH_MAX)
        return -ENAMETOOLONG;
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_READLINK | PROTO_REPLY, tag, 0);
    w_str(&w, target, len);
    return w_finish(&w);
}

ssize_t proto_encode_entry_reply(void *buf, size_t cap, uint16_t type, uint32_t tag,
                                 const struct proto_entry_reply *r)
{
    struct wcur w;
    w_hdr(&w, buf, cap, type | PROTO_REPLY, tag, 0);
    w_u64(&w, r->fid);
    w_stat(&w, &r->st);
    return w_finish(&w);
}

ssize_t proto_encode_empty_reply(void *buf, size_t cap, uint16_t type, uint32_t tag)
{
    struct wcur w;
    w_hdr(&w, buf, cap, type | PROTO_REPLY, tag, 0);
    return w_finish(&w);
}

ssize_t proto_encode_setattr_reply(void *buf, size_t cap, uint32_t tag,
                                   const struct proto_stat_reply *r)
{
    struct wcur w;
    w_hdr(&w, buf, cap, PROTO_SETATTR | PROTO_REPLY, tag, 0);
    w_stat(&w, &r->st);
    return w_finish(&w);
}

void proto_readdir_begin(struct proto_readdir_builder *b, void *buf, size_t cap, uint32_t tag,
                         size_t max_body)
{
    *b = (struct proto_readdir_builder){.buf = buf, .cap = cap, .tag = tag};
    b->pos = PROTO_HDR_SIZE + PROTO_READDIR_FIXED;
    size_t limit = cap < PROTO_MSG_MAX ? cap : PROTO_MSG_MAX;
    /* A limit below the fixed part leaves max_pos < pos: every add and the finish fail. */
    if (limit < PROTO_HDR_SIZE)
        limit = 0;
    else if (max_body < limit - PROTO_HDR_SIZE)
        limit = PROTO_HDR_SIZE + max_body;
    b->max_pos = limit;
}

int proto_readdir_add(struct proto_readdir_builder *b, uint64_t ino, uint64_t next, uint8_t type,
                      const char *name, size_t name_len)
{
    if (name_len > PROTO_NAME_MAX)
        return -ENAMETOOLONG;
    size_t need = PROTO_DIRENT_FIXED + name_len;
    if (b->pos > b->max_pos || need > b->max_pos - b->pos)
        return -EMSGSIZE;
    struct wcur w = {.buf = b->buf, .cap = b->max_pos, .pos = b->pos};
    w_u64(&w, ino);
    w_u64(&w, next);
    w_u8(&w, type);
    w_str(&w, name, name_len);
    b->pos = w.pos;
    b->count++;
    return 0;
}

ssize_t proto_readdir_finish(struct proto_readdir_builder *b)
{
    if (b->pos > b->max_pos)
        return -EMSGSIZE;
    struct wcur w;
    w_hdr(&w, b->buf, b->cap, PROTO_READDIR | PROTO_REPLY, b->tag, 0);
    w_u32(&w, b->count);
    w.pos = b->pos;
    return w_finish(&w);
}

int proto_decode_attach_reply(const struct proto_msg *m, struct proto_attach_reply *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->fid = r_u64(&r);
    r_stat(&r, &out->st);
    return r_finish(&r);
}

int proto_decode_entry_reply(const struct proto_msg *m, struct proto_entry_reply *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->fid = r_u64(&r);
    r_stat(&r, &out->st);
    return r_finish(&r);
}

int proto_decode_empty_reply(const struct proto_msg *m)
{
    return m->body_size == 0 ? 0 : -EPROTO;
}

int proto_decode_walk_reply(const struct proto_msg *m, struct proto_walk_reply *out)
{
    struct rcur r;
    rcur_init(&r, m);
    out->walked = r_u32(&r);
    out->error = r_u32(&r);
    if (r.bad || out->walked > PROTO_WALK_MAX || out->error > 4095)
        return -EPROTO;
    for (uint32_t i = 0; i < out->walked && !r.bad; i++) {
        out->ents[i].fid = r_u64(&r);
        r_stat(&r, &out->ents[i].st);
    }
    return r_finish(&r);
}

int proto_decode_stat_reply(const struct proto_msg *m, struct proto_stat_reply *out)
{
    struct rcur r;
    rcur_init(&r, m);
    r_stat(&r, &out->st);
    return r_finish(&r);
}

int proto_decode_open_reply(const struct proto_msg *m)
{
    return m->body_size == 0 ? 0 : -EPROTO;
}

int proto_decode_readlink_reply(const struct proto_msg *m, struct proto_readlink_reply *out)
{
    struct rcur r;
    uint16_t len = 0;
    rcur_init(&r, m);
    out->target = r_str(&r, PROTO_PATH_MAX, &len);
    out->len = len;
    return r_finish(&r);
}

int proto_decode_readdir_reply(const struct proto_msg *m, struct proto_dirent *ents, uint32_t max,
                               uint32_t *count)
{
    struct rcur r;
    rcur_init(&r, m);
    uint32_t n = r_u32(&r);
    if (r.bad || n > max)
        return -EPROTO;
    for (uint32_t i = 0; i < n && !r.bad; i++) {
        ents[i].ino = r_u64(&r);
        ents[i].next = r_u64(&r);
        ents[i].type = r_u8(&r);
        ents[i].name = r_str(&r, PROTO_NAME_MAX, &ents[i].name_len);
    }
    int ret = r_finish(&r);
    if (ret == 0)
        *count = n;
    return ret;
}
