// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the gofer wire codec (src/proto/codec.c): every message type round-trips,
 * and truncated, oversized, trailing-garbage and random inputs are rejected without crashing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cmocka.h>

#include "proto/msg.h"

static uint8_t g_buf[PROTO_MSG_MAX + 16];

static struct proto_stat sample_stat(uint64_t seed)
{
    return (struct proto_stat){
        .dev = 0x0102030405060708ull + seed,
        .ino = 0xfedcba9876543210ull,
        .mode = 0100644,
        .nlink = 3,
        .uid = 1000,
        .gid = 0xfffffffeu,
        .rdev = 0x1234,
        .size = 1ull << 40,
        .blksize = 4096,
        .blocks = 77,
        .atime_sec = -5,
        .atime_nsec = 999999999,
        .mtime_sec = INT64_MAX,
        .mtime_nsec = 1,
        .ctime_sec = 1700000000,
        .ctime_nsec = 0,
    };
}

static void assert_stat_equal(const struct proto_stat *a, const struct proto_stat *b)
{
    assert_int_equal(a->dev, b->dev);
    assert_int_equal(a->ino, b->ino);
    assert_int_equal(a->mode, b->mode);
    assert_int_equal(a->nlink, b->nlink);
    assert_int_equal(a->uid, b->uid);
    assert_int_equal(a->gid, b->gid);
    assert_int_equal(a->rdev, b->rdev);
    assert_int_equal(a->size, b->size);
    assert_int_equal(a->blksize, b->blksize);
    assert_int_equal(a->blocks, b->blocks);
    assert_int_equal(a->atime_sec, b->atime_sec);
    assert_int_equal(a->atime_nsec, b->atime_nsec);
    assert_int_equal(a->mtime_sec, b->mtime_sec);
    assert_int_equal(a->mtime_nsec, b->mtime_nsec);
    assert_int_equal(a->ctime_sec, b->ctime_sec);
    assert_int_equal(a->ctime_nsec, b->ctime_nsec);
}

/* Decode the header of @size bytes of g_buf and check its type and tag. */
static struct proto_msg decode_ok(ssize_t size, uint16_t type, uint32_t tag)
{
    struct proto_msg m;
    assert_true(size >= (ssize_t)PROTO_HDR_SIZE);
    assert_int_equal(proto_decode_msg(g_buf, (size_t)size, &m), 0);
    assert_int_equal(m.hdr.type, type);
    assert_int_equal(m.hdr.tag, tag);
    assert_int_equal(m.hdr.size, size);
    return m;
}

/*
 * Every strict prefix of a valid message must be rejected, by the header check or (with a
 * header patched to the shorter size) by @decode.
 */
static void check_prefixes(ssize_t size, int (*decode)(const struct proto_msg *m))
{
    uint8_t *copy = malloc((size_t)size);
    assert_non_null(copy);
    memcpy(copy, g_buf, (size_t)size);
    for (ssize_t len = 0; len < size; len++) {
        struct proto_msg m;
        assert_int_equal(proto_decode_msg(copy, (size_t)len, &m), -EPROTO);
        if (len < (ssize_t)PROTO_HDR_SIZE)
            continue;
        uint32_t v = (uint32_t)len;
        uint8_t *patched = malloc((size_t)len);
        assert_non_null(patched);
        memcpy(patched, copy, (size_t)len);
        for (int i = 0; i < 4; i++)
            patched[i] = (uint8_t)(v >> (8 * i));
        if (proto_decode_msg(patched, (size_t)len, &m) == 0)
            assert_int_equal(decode(&m), -EPROTO);
        free(patched);
    }
    /* One trailing byte is rejected too. */
    uint8_t *longer = malloc((size_t)size + 1);
    assert_non_null(longer);
    memcpy(longer, copy, (size_t)size);
    longer[size] = 0;
    uint32_t v = (uint32_t)size + 1;
    for (int i = 0; i < 4; i++)
        longer[i] = (uint8_t)(v >> (8 * i));
    struct proto_msg m;
    assert_int_equal(proto_decode_msg(longer, (size_t)size + 1, &m), 0);
    assert_int_equal(decode(&m), -EPROTO);
    free(longer);
    free(copy);
}

/* Adapters giving every decoder the same shape for check_prefixes(). */
static int dec_attach_req(const struct proto_msg *m)
{
    struct proto_attach_req r;
    return proto_decode_attach_req(m, &r);
}
static int dec_walk_req(const struct proto_msg *m)
{
    struct proto_walk_req r;
    return proto_decode_walk_req(m, &r);
}
static int dec_fid_req(const struct proto_msg *m)
{
    struct proto_fid_req r;
    return proto_decode_fid_req(m, &r);
}
static int dec_open_req(const struct proto_msg *m)
{
    struct proto_open_req r;
    return proto_decode_open_req(m, &r);
}
static int dec_readdir_req(const struct proto_msg *m)
{
    struct proto_readdir_req r;
    return proto_decode_readdir_req(m, &r);
}
static int dec_close_req(const struct proto_msg *m)
{
    struct proto_close_req r;
    return proto_decode_close_req(m, &r);
}
static int dec_attach_reply(const struct proto_msg *m)
{
    struct proto_attach_reply r;
    return proto_decode_attach_reply(m, &r);
}
static int dec_walk_reply(const struct proto_msg *m)
{
    static struct proto_walk_reply r;
    return proto_decode_walk_reply(m, &r);
}
static int dec_stat_reply(const struct proto_msg *m)
{
    struct proto_stat_reply r;
    return proto_decode_stat_reply(m, &r);
}
static int dec_open_reply(const struct proto_msg *m)
{
    return proto_decode_open_reply(m);
}
static int dec_readlink_reply(const struct proto_msg *m)
{
    struct proto_readlink_reply r;
    return proto_decode_readlink_reply(m, &r);
}
static int dec_readdir_reply(const struct proto_msg *m)
{
    static struct proto_dirent ents[4096];
    uint32_t n;
    return proto_decode_readdir_reply(m, ents, 4096, &n);
}

static int dec_mkdir_req(const struct proto_msg *m)
{
    struct proto_mkdir_req r;
    return proto_decode_mkdir_req(m, &r);
}
static int dec_create_req(const struct proto_msg *m)
{
    struct proto_create_req r;
    return proto_decode_create_req(m, &r);
}
static int dec_unlink_req(const struct proto_msg *m)
{
    struct proto_unlink_req r;
    return proto_decode_unlink_req(m, &r);
}
static int dec_rename_req(const struct proto_msg *m)
{
    struct proto_rename_req r;
    return proto_decode_rename_req(m, &r);
}
static int dec_setattr_req(const struct proto_msg *m)
{
    struct proto_setattr_req r;
    return proto_decode_setattr_req(m, &r);
}
static int dec_symlink_req(const struct proto_msg *m)
{
    struct proto_symlink_req r;
    return proto_decode_symlink_req(m, &r);
}
static int dec_link_req(const struct proto_msg *m)
{
    struct proto_link_req r;
    return proto_decode_link_req(m, &r);
}
static int dec_fsync_req(const struct proto_msg *m)
{
    struct proto_fsync_req r;
    return proto_decode_fsync_req(m, &r);
}
static int dec_entry_reply(const struct proto_msg *m)
{
    struct proto_entry_reply r;
    return proto_decode_entry_reply(m, &r);
}
static int dec_empty_reply(const struct proto_msg *m)
{
    return proto_decode_empty_reply(m);
}

static void test_attach(void **state)
{
    struct proto_attach_req req = {.version = PROTO_VERSION}, req2;
    ssize_t n = proto_encode_attach_req(g_buf, sizeof(g_buf), 7, &req);
    struct proto_msg m = decode_ok(n, PROTO_ATTACH, 7);
    assert_int_equal(proto_decode_attach_req(&m, &req2), 0);
    assert_int_equal(req2.version, PROTO_VERSION);
    check_prefixes(n, dec_attach_req);

    struct proto_attach_reply rep = {.fid = 1, .st = sample_stat(1)}, rep2;
    n = proto_encode_attach_reply(g_buf, sizeof(g_buf), 7, &rep);
    m = decode_ok(n, PROTO_ATTACH | PROTO_REPLY, 7);
    memset(&rep2, 0, sizeof(rep2));
    assert_int_equal(proto_decode_attach_reply(&m, &rep2), 0);
    assert_int_equal(rep2.fid, 1);
    assert_stat_equal(&rep.st, &rep2.st);
    check_prefixes(n, dec_attach_reply);
}

static void test_walk(void **state)
{
    char longname[PROTO_NAME_MAX + 1];
    memset(longname, 'x', PROTO_NAME_MAX);
    longname[PROTO_NAME_MAX] = 0;
    struct proto_walk_req req = {.dir = 0x100000001ull, .count = 4};
    req.names[0] = "a";
    req.names[1] = "";
    req.names[2] = longname;
    req.names[3] = "..";
    ssize_t n = proto_encode_walk_req(g_buf, sizeof(g_buf), 9, &req);
    struct proto_msg m = decode_ok(n, PROTO_WALK, 9);
    struct proto_walk_req req2;
    assert_int_equal(proto_decode_walk_req(&m, &req2), 0);
    assert_int_equal(req2.dir, req.dir);
    assert_int_equal(req2.count, 4);
    for (int i = 0; i < 4; i++)
        assert_string_equal(req2.names[i], req.names[i]);
    check_prefixes(n, dec_walk_req);

    static struct proto_walk_reply rep, rep2;
    rep.walked = PROTO_WALK_MAX;
    rep.error = 0;
    for (uint32_t i = 0; i < rep.walked; i++)
        rep.ents[i] = (struct proto_walk_entry){.fid = i + 2, .st = sample_stat(i)};
    n = proto_encode_walk_reply(g_buf, sizeof(g_buf), 9, &rep);
    m = decode_ok(n, PROTO_WALK | PROTO_REPLY, 9);
    memset(&rep2, 0, sizeof(rep2));
    assert_int_equal(proto_decode_walk_reply(&m, &rep2), 0);
    assert_int_equal(rep2.walked, PROTO_WALK_MAX);
    for (uint32_t i = 0; i < rep.walked; i++) {
        assert_int_equal(rep2.ents[i].fid, i + 2);
        assert_stat_equal(&rep.ents[i].st, &rep2.ents[i].st);
    }
    rep.walked = 2;
    rep.error = ENOENT;
    n = proto_encode_walk_reply(g_buf, sizeof(g_buf), 9, &rep);
    m = decode_ok(n, PROTO_WALK | PROTO_REPLY, 9);
    assert_int_equal(proto_decode_walk_reply(&m, &rep2), 0);
    assert_int_equal(rep2.walked, 2);
    assert_int_equal(rep2.error, ENOENT);
    check_prefixes(n, dec_walk_reply);
}

static void test_walk_limits(void **state)
{
    static struct proto_walk_req req;
    char toolong[PROTO_NAME_MAX + 2];
    memset(toolong, 'y', sizeof(toolong) - 1);
    toolong[sizeof(toolong) - 1] = 0;
    req.count = 1;
    req.names[0] = toolong;
    assert_int_equal(proto_encode_walk_req(g_buf, sizeof(g_buf), 1, &req), -ENAMETOOLONG);
    req.count = PROTO_WALK_MAX + 1;
    assert_int_equal(proto_encode_walk_req(g_buf, sizeof(g_buf), 1, &req), -EINVAL);
    /* Too small a buffer. */
    req.count = 1;
    req.names[0] = "abc";
    assert_int_equal(proto_encode_walk_req(g_buf, 20, 1, &req), -EMSGSIZE);

    /* A count above the maximum on the wire. */
    req.count = 1;
    ssize_t n = proto_encode_walk_req(g_buf, sizeof(g_buf), 1, &req);
    struct proto_msg m = decode_ok(n, PROTO_WALK, 1);
    g_buf[PROTO_HDR_SIZE + 8] = PROTO_WALK_MAX + 1;
    assert_int_equal(proto_decode_walk_req(&m, &req), -EPROTO);
    g_buf[PROTO_HDR_SIZE + 8] = 1;
    /* A missing terminating NUL, then a NUL inside the name. */
    g_buf[n - 1] = 'z';
    assert_int_equal(proto_decode_walk_req(&m, &req), -EPROTO);
    g_buf[n - 1] = 0;
    g_buf[n - 2] = 0;
    assert_int_equal(proto_decode_walk_req(&m, &req), -EPROTO);
    g_buf[n - 2] = 'c';
    assert_int_equal(proto_decode_walk_req(&m, &req), 0);
    /* A name length above PROTO_NAME_MAX. */
    g_buf[PROTO_HDR_SIZE + 12] = 0xff;
    g_buf[PROTO_HDR_SIZE + 13] = 0x01;
    assert_int_equal(proto_decode_walk_req(&m, &req), -EPROTO);
}

static void test_fid_requests(void **state)
{
    struct proto_fid_req req = {.fid = 0xdeadbeefcafef00dull}, req2;
    ssize_t n = proto_encode_stat_req(g_buf, sizeof(g_buf), 3, &req);
    struct proto_msg m = decode_ok(n, PROTO_STAT, 3);
    assert_int_equal(proto_decode_fid_req(&m, &req2), 0);
    assert_int_equal(req2.fid, req.fid);
    check_prefixes(n, dec_fid_req);

    n = proto_encode_readlink_req(g_buf, sizeof(g_buf), 4, &req);
    m = decode_ok(n, PROTO_READLINK, 4);
    assert_int_equal(proto_decode_fid_req(&m, &req2), 0);
    assert_int_equal(req2.fid, req.fid);

    struct proto_open_req oreq = {.fid = 5, .flags = 0x80042}, oreq2;
    n = proto_encode_open_req(g_buf, sizeof(g_buf), 5, &oreq);
    m = decode_ok(n, PROTO_OPEN, 5);
    assert_int_equal(proto_decode_open_req(&m, &oreq2), 0);
    assert_int_equal(oreq2.fid, 5);
    assert_int_equal(oreq2.flags, 0x80042);
    check_prefixes(n, dec_open_req);

    struct proto_readdir_req rreq = {.fid = 6, .cookie = ~0ull, .max_count = 9, .max_size = 100};
    struct proto_readdir_req rreq2;
    n = proto_encode_readdir_req(g_buf, sizeof(g_buf), 6, &rreq);
    m = decode_ok(n, PROTO_READDIR, 6);
    assert_int_equal(proto_decode_readdir_req(&m, &rreq2), 0);
    assert_int_equal(rreq2.fid, 6);
    assert_int_equal(rreq2.cookie, ~0ull);
    assert_int_equal(rreq2.max_count, 9);
    assert_int_equal(rreq2.max_size, 100);
    check_prefixes(n, dec_readdir_req);
}

static void test_close(void **state)
{
    static uint64_t fids[PROTO_CLOSE_MAX + 1];
    for (uint32_t i = 0; i <= PROTO_CLOSE_MAX; i++)
        fids[i] = ((uint64_t)i << 32) | (i + 1);
    ssize_t n = proto_encode_close_req(g_buf, sizeof(g_buf), 11, fids, PROTO_CLOSE_MAX);
    assert_true(n > 0 && n <= (ssize_t)PROTO_MSG_MAX);
    struct proto_msg m = decode_ok(n, PROTO_CLOSE, 11);
    struct proto_close_req req;
    assert_int_equal(proto_decode_close_req(&m, &req), 0);
    assert_int_equal(req.count, PROTO_CLOSE_MAX);
    for (uint32_t i = 0; i < req.count; i++)
        assert_int_equal(proto_close_fid(&req, i), fids[i]);
    assert_int_equal(proto_encode_close_req(g_buf, sizeof(g_buf), 11, fids, PROTO_CLOSE_MAX + 1),
                     -EINVAL);
    n = proto_encode_close_req(g_buf, sizeof(g_buf), 12, fids, 3);
    check_prefixes(n, dec_close_req);
}

static void test_small_replies(void **state)
{
    struct proto_stat_reply rep = {.st = sample_stat(5)}, rep2;
    ssize_t n = proto_encode_stat_reply(g_buf, sizeof(g_buf), 2, &rep);
    struct proto_msg m = decode_ok(n, PROTO_STAT | PROTO_REPLY, 2);
    memset(&rep2, 0, sizeof(rep2));
    assert_int_equal(proto_decode_stat_reply(&m, &rep2), 0);
    assert_stat_equal(&rep.st, &rep2.st);
    check_prefixes(n, dec_stat_reply);
    /* A nanosecond field out of range. */
    g_buf[PROTO_HDR_SIZE + 68] = 0xff;
    g_buf[PROTO_HDR_SIZE + 69] = 0xff;
    g_buf[PROTO_HDR_SIZE + 70] = 0xff;
    g_buf[PROTO_HDR_SIZE + 71] = 0xff;
    assert_int_equal(proto_decode_stat_reply(&m, &rep2), -EPROTO);

    n = proto_encode_open_reply(g_buf, sizeof(g_buf), 8);
    m = decode_ok(n, PROTO_OPEN | PROTO_REPLY, 8);
    assert_int_equal(proto_decode_open_reply(&m), 0);
    check_prefixes(n, dec_open_reply);

    n = proto_encode_readlink_reply(g_buf, sizeof(g_buf), 9, "../etc/passwd", 13);
    m = decode_ok(n, PROTO_READLINK | PROTO_REPLY, 9);
    struct proto_readlink_reply rl;
    assert_int_equal(proto_decode_readlink_reply(&m, &rl), 0);
    assert_int_equal(rl.len, 13);
    assert_string_equal(rl.target, "../etc/passwd");
    check_prefixes(n, dec_readlink_reply);
    static char big[PROTO_PATH_MAX + 1];
    memset(big, 'p', sizeof(big));
    assert_int_equal(proto_encode_readlink_reply(g_buf, sizeof(g_buf), 9, big, PROTO_PATH_MAX),
                     (ssize_t)(PROTO_HDR_SIZE + 2 + PROTO_PATH_MAX + 1));
    assert_int_equal(proto_encode_readlink_reply(g_buf, sizeof(g_buf), 9, big, PROTO_PATH_MAX + 1),
                     -ENAMETOOLONG);
}

static void test_error_reply(void **state)
{
    ssize_t n = proto_encode_error_reply(g_buf, sizeof(g_buf), PROTO_WALK, 77, EBADF);
    assert_int_equal(n, PROTO_HDR_SIZE);
    struct proto_msg m = decode_ok(n, PROTO_WALK | PROTO_REPLY, 77);
    assert_int_equal(m.hdr.error, EBADF);
    assert_int_equal(m.body_size, 0);
    assert_int_equal(proto_encode_error_reply(g_buf, sizeof(g_buf), PROTO_WALK, 1, 0), -EINVAL);
    assert_int_equal(proto_encode_error_reply(g_buf, sizeof(g_buf), PROTO_WALK, 1, -2), -EINVAL);
}

static void test_readdir(void **state)
{
    struct proto_readdir_builder b;
    proto_readdir_begin(&b, g_buf, PROTO_MSG_MAX, 21, PROTO_MSG_MAX);
    char name[PROTO_NAME_MAX + 1];
    uint32_t added = 0;
    for (;; added++) {
        size_t len = 1 + added % PROTO_NAME_MAX;
        memset(name, 'a' + added % 26, len);
        name[len] = 0;
        int ret = proto_readdir_add(&b, added, added + 1, (uint8_t)(added % 16), name, len);
        if (ret == -EMSGSIZE)
            break;
        assert_int_equal(ret, 0);
    }
    assert_true(added > 100);
    ssize_t n = proto_readdir_finish(&b);
    assert_true(n > 0 && n <= (ssize_t)PROTO_MSG_MAX);
    struct proto_msg m = decode_ok(n, PROTO_READDIR | PROTO_REPLY, 21);
    static struct proto_dirent ents[4096];
    uint32_t count = 0;
    assert_int_equal(proto_decode_readdir_reply(&m, ents, 4096, &count), 0);
    assert_int_equal(count, added);
    for (uint32_t i = 0; i < count; i++) {
        assert_int_equal(ents[i].ino, i);
        assert_int_equal(ents[i].next, i + 1);
        assert_int_equal(ents[i].type, i % 16);
        assert_int_equal(ents[i].name_len, 1 + i % PROTO_NAME_MAX);
        assert_int_equal(strlen(ents[i].name), ents[i].name_len);
        assert_int_equal(ents[i].name[0], 'a' + i % 26);
    }
    /* More entries than the caller has room for. */
    assert_int_equal(proto_decode_readdir_reply(&m, ents, count - 1, &count), -EPROTO);

    /* A body limit: only what fits in 100 bytes. */
    proto_readdir_begin(&b, g_buf, PROTO_MSG_MAX, 22, 100);
    assert_int_equal(proto_readdir_add(&b, 1, 2, 4, "abcdefghij", 10), 0); /* 4 + 30 */
    assert_int_equal(proto_readdir_add(&b, 1, 2, 4, "abcdefghij", 10), 0); /* 64 */
    assert_int_equal(proto_readdir_add(&b, 1, 2, 4, "abcdefghij", 10), 0); /* 94 */
    assert_int_equal(proto_readdir_add(&b, 1, 2, 4, "abcdefghij", 10), -EMSGSIZE);
    assert_int_equal(proto_readdir_add(&b, 1, 2, 4, "a", 1), -EMSGSIZE); /* needs 21 */
    n = proto_readdir_finish(&b);
    assert_int_equal(n, PROTO_HDR_SIZE + 94);
    check_prefixes(n, dec_readdir_reply);
    /* A too small buffer or limit fails cleanly. */
    proto_readdir_begin(&b, g_buf, 8, 23, 100);
    assert_int_equal(proto_readdir_add(&b, 1, 2, 4, "a", 1), -EMSGSIZE);
    assert_int_equal(proto_readdir_finish(&b), -EMSGSIZE);
    /* An empty reply. */
    proto_readdir_begin(&b, g_buf, PROTO_MSG_MAX, 24, PROTO_READDIR_FIXED);
    n = proto_readdir_finish(&b);
    m = decode_ok(n, PROTO_READDIR | PROTO_REPLY, 24);
    assert_int_equal(proto_decode_readdir_reply(&m, ents, 1, &count), 0);
    assert_int_equal(count, 0);
}

/* Every write request round-trips field by field and rejects its prefixes. */
static void test_write_requests(void **state)
{
    struct proto_mkdir_req mk = {.dir = 9, .name = "dir", .mode = 0755, .uid = 1, .gid = 2}, mk2;
    ssize_t n = proto_encode_mkdir_req(g_buf, sizeof(g_buf), 1, &mk);
    struct proto_msg m = decode_ok(n, PROTO_MKDIR, 1);
    assert_int_equal(proto_decode_mkdir_req(&m, &mk2), 0);
    assert_int_equal(mk2.dir, 9);
    assert_string_equal(mk2.name, "dir");
    assert_int_equal(mk2.mode, 0755);
    assert_int_equal(mk2.uid, 1);
    assert_int_equal(mk2.gid, 2);
    check_prefixes(n, dec_mkdir_req);

    struct proto_create_req cr = {.dir = 3,
                                  .name = "f",
                                  .flags = 02 | 02000,
                                  .mode = 0600,
                                  .uid = PROTO_ID_KEEP,
                                  .gid = PROTO_ID_KEEP},
                            cr2;
    n = proto_encode_create_req(g_buf, sizeof(g_buf), 2, &cr);
    m = decode_ok(n, PROTO_CREATE, 2);
    assert_int_equal(proto_decode_create_req(&m, &cr2), 0);
    assert_string_equal(cr2.name, "f");
    assert_int_equal(cr2.flags, 02 | 02000);
    assert_int_equal(cr2.mode, 0600);
    assert_int_equal(cr2.uid, PROTO_ID_KEEP);
    check_prefixes(n, dec_create_req);

    struct proto_unlink_req ul = {.dir = 4, .name = "gone", .flags = 0x200}, ul2;
    n = proto_encode_unlink_req(g_buf, sizeof(g_buf), 3, &ul);
    m = decode_ok(n, PROTO_UNLINK, 3);
    assert_int_equal(proto_decode_unlink_req(&m, &ul2), 0);
    assert_string_equal(ul2.name, "gone");
    assert_int_equal(ul2.flags, 0x200);
    check_prefixes(n, dec_unlink_req);

    struct proto_rename_req rn = {.old_dir = 5,
                                  .old_name = "a",
                                  .new_dir = 6,
                                  .new_name = "bb",
                                  .flags = 1},
                            rn2;
    n = proto_encode_rename_req(g_buf, sizeof(g_buf), 4, &rn);
    m = decode_ok(n, PROTO_RENAME, 4);
    assert_int_equal(proto_decode_rename_req(&m, &rn2), 0);
    assert_int_equal(rn2.old_dir, 5);
    assert_string_equal(rn2.old_name, "a");
    assert_int_equal(rn2.new_dir, 6);
    assert_string_equal(rn2.new_name, "bb");
    assert_int_equal(rn2.flags, 1);
    check_prefixes(n, dec_rename_req);

    struct proto_setattr_req sa = {.fid = 7,
                                   .valid = PROTO_SETATTR_ALL,
                                   .mode = 04755,
                                   .uid = 10,
                                   .gid = 20,
                                   .size = 1ull << 40,
                                   .atime_sec = -1,
                                   .atime_nsec = 999999999,
                                   .mtime_sec = INT64_MAX,
                                   .mtime_nsec = 5},
                             sa2;
    n = proto_encode_setattr_req(g_buf, sizeof(g_buf), 5, &sa);
    m = decode_ok(n, PROTO_SETATTR, 5);
    assert_int_equal(proto_decode_setattr_req(&m, &sa2), 0);
    assert_int_equal(sa2.valid, PROTO_SETATTR_ALL);
    assert_int_equal(sa2.mode, 04755);
    assert_int_equal(sa2.size, 1ull << 40);
    assert_int_equal(sa2.atime_sec, -1);
    assert_int_equal(sa2.atime_nsec, 999999999);
    assert_int_equal(sa2.mtime_sec, INT64_MAX);
    assert_int_equal(sa2.mtime_nsec, 5);
    check_prefixes(n, dec_setattr_req);
    /* Unknown bits and impossible nanoseconds are refused both ways. */
    sa.valid = 0x100;
    assert_int_equal(proto_encode_setattr_req(g_buf, sizeof(g_buf), 5, &sa), -EINVAL);
    sa.valid = PROTO_SETATTR_ATIME;
    sa.atime_nsec = 1000000000u;
    assert_int_equal(proto_encode_setattr_req(g_buf, sizeof(g_buf), 5, &sa), -EINVAL);
    sa.atime_nsec = 0;
    n = proto_encode_setattr_req(g_buf, sizeof(g_buf), 5, &sa);
    g_buf[PROTO_HDR_SIZE + 8 + 1] = 1; /* valid |= 0x100 */
    m = decode_ok(n, PROTO_SETATTR, 5);
    assert_int_equal(proto_decode_setattr_req(&m, &sa2), -EPROTO);

    char target[PROTO_PATH_MAX + 2];
    memset(target, 't', PROTO_PATH_MAX);
    target[PROTO_PATH_MAX] = 0;
    struct proto_symlink_req sl = {.dir = 8, .name = "l", .target = target, .uid = 3, .gid = 4};
    struct proto_symlink_req sl2;
    n = proto_encode_symlink_req(g_buf, sizeof(g_buf), 6, &sl);
    m = decode_ok(n, PROTO_SYMLINK, 6);
    assert_int_equal(proto_decode_symlink_req(&m, &sl2), 0);
    assert_int_equal(strlen(sl2.target), PROTO_PATH_MAX);
    assert_int_equal(sl2.gid, 4);
    target[PROTO_PATH_MAX] = 't';
    target[PROTO_PATH_MAX + 1] = 0;
    assert_int_equal(proto_encode_symlink_req(g_buf, sizeof(g_buf), 6, &sl), -ENAMETOOLONG);
    sl.target = "short";
    n = proto_encode_symlink_req(g_buf, sizeof(g_buf), 6, &sl);
    check_prefixes(n, dec_symlink_req);

    struct proto_link_req ln = {.dir = 10, .name = "hard", .target = 11}, ln2;
    n = proto_encode_link_req(g_buf, sizeof(g_buf), 7, &ln);
    m = decode_ok(n, PROTO_LINK, 7);
    assert_int_equal(proto_decode_link_req(&m, &ln2), 0);
    assert_string_equal(ln2.name, "hard");
    assert_int_equal(ln2.target, 11);
    check_prefixes(n, dec_link_req);

    struct proto_fsync_req fs = {.fid = 12, .datasync = 1}, fs2;
    n = proto_encode_fsync_req(g_buf, sizeof(g_buf), 8, &fs);
    m = decode_ok(n, PROTO_FSYNC, 8);
    assert_int_equal(proto_decode_fsync_req(&m, &fs2), 0);
    assert_int_equal(fs2.fid, 12);
    assert_int_equal(fs2.datasync, 1);
    check_prefixes(n, dec_fsync_req);
    fs.datasync = 2;
    assert_int_equal(proto_encode_fsync_req(g_buf, sizeof(g_buf), 8, &fs), -EINVAL);

    /* Names longer than NAME_MAX are refused by every encoder that takes one. */
    char longname[PROTO_NAME_MAX + 2];
    memset(longname, 'n', PROTO_NAME_MAX + 1);
    longname[PROTO_NAME_MAX + 1] = 0;
    mk.name = longname;
    assert_int_equal(proto_encode_mkdir_req(g_buf, sizeof(g_buf), 1, &mk), -ENAMETOOLONG);
    rn.new_name = longname;
    assert_int_equal(proto_encode_rename_req(g_buf, sizeof(g_buf), 1, &rn), -ENAMETOOLONG);
    ln.name = longname;
    assert_int_equal(proto_encode_link_req(g_buf, sizeof(g_buf), 1, &ln), -ENAMETOOLONG);
}

static void test_write_replies(void **state)
{
    struct proto_entry_reply e = {.fid = 0x200000001ull, .st = sample_stat(9)}, e2;
    ssize_t n = proto_encode_entry_reply(g_buf, sizeof(g_buf), PROTO_CREATE, 9, &e);
    struct proto_msg m = decode_ok(n, PROTO_CREATE | PROTO_REPLY, 9);
    assert_int_equal(proto_decode_entry_reply(&m, &e2), 0);
    assert_int_equal(e2.fid, e.fid);
    assert_stat_equal(&e.st, &e2.st);
    check_prefixes(n, dec_entry_reply);

    n = proto_encode_empty_reply(g_buf, sizeof(g_buf), PROTO_RENAME, 10);
    m = decode_ok(n, PROTO_RENAME | PROTO_REPLY, 10);
    assert_int_equal(proto_decode_empty_reply(&m), 0);
    /* A body where none belongs. */
    n = proto_encode_entry_reply(g_buf, sizeof(g_buf), PROTO_UNLINK, 11, &e);
    m = decode_ok(n, PROTO_UNLINK | PROTO_REPLY, 11);
    assert_int_equal(dec_empty_reply(&m), -EPROTO);

    struct proto_stat_reply sr = {.st = sample_stat(2)}, sr2;
    n = proto_encode_setattr_reply(g_buf, sizeof(g_buf), 12, &sr);
    m = decode_ok(n, PROTO_SETATTR | PROTO_REPLY, 12);
    assert_int_equal(proto_decode_stat_reply(&m, &sr2), 0);
    assert_stat_equal(&sr.st, &sr2.st);
}

static void test_bad_headers(void **state)
{
    struct proto_msg m;
    struct proto_fid_req req = {.fid = 1};
    ssize_t n = proto_encode_stat_req(g_buf, sizeof(g_buf), 3, &req);
    /* Declared size differs from the datagram. */
    g_buf[0] = (uint8_t)(n + 1);
    assert_int_equal(proto_decode_msg(g_buf, (size_t)n, &m), -EPROTO);
    g_buf[0] = (uint8_t)n;
    /* A request may carry a CPU hint (1 + the CPU), set after encoding; a reply may not. */
    proto_set_cpu_hint(g_buf, 258);
    assert_int_equal(g_buf[6], 3);
    assert_int_equal(g_buf[7], 1);
    assert_int_equal(proto_decode_msg(g_buf, (size_t)n, &m), 0);
    assert_int_equal(m.hdr.cpu_hint, 259);
    proto_set_cpu_hint(g_buf, -1); /* no CPU known: no hint */
    assert_int_equal(proto_decode_msg(g_buf, (size_t)n, &m), 0);
    assert_int_equal(m.hdr.cpu_hint, 0);
    g_buf[5] ^= 0x80; /* the same header as a reply */
    g_buf[6] = 1;
    assert_int_equal(proto_decode_msg(g_buf, (size_t)n, &m), -EPROTO);
    g_buf[6] = 0;
    g_buf[5] ^= 0x80;
    /* An errno in a request. */
    g_buf[12] = 2;
    assert_int_equal(proto_decode_msg(g_buf, (size_t)n, &m), -EPROTO);
    g_buf[12] = 0;
    assert_int_equal(proto_decode_msg(g_buf, (size_t)n, &m), 0);
    /* An error reply with a body. */
    g_buf[5] = 0x80;
    g_buf[12] = 2;
    assert_int_equal(proto_decode_msg(g_buf, (size_t)n, &m), -EPROTO);
    /* Oversized datagram, even if the header agrees. */
    memset(g_buf, 0, sizeof(g_buf));
    uint32_t big = PROTO_MSG_MAX + 1;
    for (int i = 0; i < 4; i++)
        g_buf[i] = (uint8_t)(big >> (8 * i));
    g_buf[4] = PROTO_STAT;
    assert_int_equal(proto_decode_msg(g_buf, big, &m), -EPROTO);
    assert_int_equal(proto_decode_msg(g_buf, 0, &m), -EPROTO);
    assert_false(proto_type_known(0));
    assert_true(proto_type_known(PROTO_MKDIR));
    assert_true(proto_type_known(PROTO_FSYNC));
    assert_false(proto_type_known(PROTO_TYPE_COUNT));
    assert_true(proto_type_known(PROTO_CLOSE));
}

/* The seed of test_garbage: $CVISOR_TEST_SEED (scripts/test.sh draws one per run), else a new
 * one; main() prints it first. Only its low 32 bits seed srandom(). */
static unsigned long long g_seed;

/* Random datagrams through every decoder: nothing may crash or read out of bounds. */
static void test_garbage(void **state)
{
    static int (*const decoders[])(const struct proto_msg *m) = {
        dec_attach_req,     dec_walk_req,      dec_fid_req,     dec_open_req,   dec_readdir_req,
        dec_close_req,      dec_attach_reply,  dec_walk_reply,  dec_stat_reply, dec_open_reply,
        dec_readlink_reply, dec_readdir_reply, dec_mkdir_req,   dec_create_req, dec_unlink_req,
        dec_rename_req,     dec_setattr_req,   dec_symlink_req, dec_link_req,   dec_fsync_req,
        dec_entry_reply,    dec_empty_reply,
    };
    srandom((unsigned)g_seed);
    for (int iter = 0; iter < 20000; iter++) {
        size_t size = PROTO_HDR_SIZE + (size_t)random() % 256;
        /* Exact-size heap buffer so ASan catches any over-read. */
        uint8_t *buf = malloc(size);
        assert_non_null(buf);
        for (size_t i = 0; i < size; i++)
            buf[i] = (uint8_t)random();
        /* Small counts and lengths make deeper decoding likely. */
        if (size > PROTO_HDR_SIZE + 12 && iter % 2)
            memset(buf + PROTO_HDR_SIZE + 9, 0, 3);
        for (int i = 0; i < 4; i++)
            buf[i] = (uint8_t)(size >> (8 * i));
        buf[6] = buf[7] = 0;
        memset(buf + 12, 0, 4);
        struct proto_msg m;
        int ret = proto_decode_msg(buf, size, &m);
        if (ret != 0)
            fail_msg("iteration %d: proto_decode_msg = %d; repeat: CVISOR_TEST_SEED=%#llx", iter,
                     ret, g_seed);
        for (size_t d = 0; d < sizeof(decoders) / sizeof(decoders[0]); d++) {
            ret = decoders[d](&m);
            if (ret != 0 && ret != -EPROTO)
                fail_msg("iteration %d: decoder %zu = %d; repeat: CVISOR_TEST_SEED=%#llx", iter, d,
                         ret, g_seed);
        }
        free(buf);
    }
}

int main(void)
{
    const char *env = getenv("CVISOR_TEST_SEED");
    if (env && *env)
        g_seed = strtoull(env, NULL, 0);
    else if (getrandom(&g_seed, sizeof(g_seed), 0) != (ssize_t)sizeof(g_seed))
        g_seed = 12345;
    /* A TAP comment before cmocka's plan line. */
    printf("# seed %#llx (repeat: CVISOR_TEST_SEED=%#llx meson test -C <build> proto_codec)\n",
           g_seed, g_seed);
    fflush(stdout);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attach),         cmocka_unit_test(test_walk),
        cmocka_unit_test(test_walk_limits),    cmocka_unit_test(test_fid_requests),
        cmocka_unit_test(test_close),          cmocka_unit_test(test_small_replies),
        cmocka_unit_test(test_error_reply),    cmocka_unit_test(test_readdir),
        cmocka_unit_test(test_bad_headers),    cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_write_requests), cmocka_unit_test(test_write_replies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
