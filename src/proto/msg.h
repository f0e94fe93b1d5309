// SPDX-License-Identifier: Apache-2.0
/*
 * The Sentry <-> gofer wire format: message types, the fixed little-endian header and the
 * encode/decode functions of every message (codec.c). No Sentry or gofer logic lives here;
 * docs/gofer-protocol.md describes the protocol message by message.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bumped on every incompatible change; ATTACH carries it. */
#define PROTO_VERSION 1

/* Largest datagram either side sends or accepts, header included. */
#define PROTO_MSG_MAX 65536u
/* Size of struct proto_hdr on the wire. */
#define PROTO_HDR_SIZE 16u
/* Longest name (one path component), without the NUL. */
#define PROTO_NAME_MAX 255u
/* Longest symlink target, without the NUL (Linux PATH_MAX - 1). */
#define PROTO_PATH_MAX 4095u
/* Most names in one WALK request. */
#define PROTO_WALK_MAX 64u
/* Size of a struct proto_stat on the wire. */
#define PROTO_STAT_SIZE 96u
/* Most fids in one CLOSE request: whatever fills a message after the count. */
#define PROTO_CLOSE_MAX ((PROTO_MSG_MAX - PROTO_HDR_SIZE - 4u) / 8u)
/* Fixed part of a READDIR reply entry (ino, next, type, name length) plus the name's NUL. */
#define PROTO_DIRENT_FIXED 20u
/* Fixed part of a READDIR reply body (the entry count). */
#define PROTO_READDIR_FIXED 4u

/* Set in the type of every reply: reply type = request type | PROTO_REPLY. */
#define PROTO_REPLY 0x8000u

/* Request types. Numbers are wire ABI: never renumber, only append or fill reserved slots. */
enum proto_type {
    PROTO_ATTACH = 1,
    PROTO_WALK = 2,
    PROTO_STAT = 3,
    PROTO_OPEN = 4,
    PROTO_READDIR = 5,
    PROTO_READLINK = 6,
    PROTO_CLOSE = 7, /* The only request without a reply. */
    /* The write operations; a gofer started with --ro answers each with EROFS. */
    PROTO_MKDIR = 8,
    PROTO_CREATE = 9,
    PROTO_UNLINK = 10,
    PROTO_RENAME = 11,
    PROTO_SETATTR = 12,
    PROTO_SYMLINK = 13,
    PROTO_LINK = 14,
    PROTO_FSYNC = 15,
    PROTO_TYPE_COUNT, /* One past the last type number. */
};

/*
 * Every message starts with this header, little-endian on the wire. @size is the whole
 * datagram including the header. @error is 0 in requests; in a reply it is 0 (the body holds
 * the result) or a positive Linux errno (the body is empty).
 */
struct proto_hdr {
    uint32_t size;
    uint16_t type;
    uint16_t cpu_hint; /* Requests: 1 + the client's CPU, or 0; replies: 0. */
    uint32_t tag;      /* Chosen by the client, echoed in the reply. */
    uint32_t error;
};

/* Set the CPU hint of the encoded request in @buf: the server may move to @cpu, so that
 * the request and its reply switch between two threads of one CPU (a wake-up on another CPU
 * costs tens of microseconds in a VM). Values above 0xfffe are not sent. */
void proto_set_cpu_hint(void *buf, int cpu);

/* A decoded message. @body points into the buffer given to proto_decode_msg(). */
struct proto_msg {
    struct proto_hdr hdr;
    const uint8_t *body;
    size_t body_size;
};

/* File attributes, as fstat(2) reports them on the gofer's host. */
struct proto_stat {
    uint64_t dev;
    uint64_t ino;
    uint32_t mode;
    uint32_t nlink;
    uint32_t uid;
    uint32_t gid;
    uint64_t rdev;
    uint64_t size;
    uint32_t blksize;
    uint64_t blocks;
    int64_t atime_sec;
    uint32_t atime_nsec;
    int64_t mtime_sec;
    uint32_t mtime_nsec;
    int64_t ctime_sec;
    uint32_t ctime_nsec;
};

struct proto_attach_req {
    uint32_t version;
};

struct proto_attach_reply {
    uint64_t fid;
    struct proto_stat st;
};

/* Decoded names are NUL-terminated and point into the message buffer. */
struct proto_walk_req {
    uint64_t dir;
    uint32_t count;
    const char *names[PROTO_WALK_MAX];
};

struct proto_walk_entry {
    uint64_t fid;
    struct proto_stat st;
};

/* @walked components succeeded; @error is the errno of the next one, or 0 if all succeeded. */
struct proto_walk_reply {
    uint32_t walked;
    uint32_t error;
    struct proto_walk_entry ents[PROTO_WALK_MAX];
};

struct proto_fid_req {
    uint64_t fid;
};

struct proto_stat_reply {
    struct proto_stat st;
};

/* @flags are Linux open(2) flags; the reply body is empty and carries the fd (SCM_RIGHTS). */
struct proto_open_req {
    uint64_t fid;
    uint32_t flags;
};

struct proto_readdir_req {
    uint64_t fid;
    uint64_t cookie;    /* 0 starts at the beginning; else an earlier entry's @next. */
    uint32_t max_count; /* Most entries in the reply. */
    uint32_t max_size;  /* Most reply body bytes. */
};

/* One directory entry; @name points into the message buffer and is NUL-terminated. */
struct proto_dirent {
    uint64_t ino;
    uint64_t next; /* Cookie that resumes after this entry. */
    uint8_t type;  /* DT_* */
    uint16_t name_len;
    const char *name;
};

/* @target points into the message buffer and is NUL-terminated. */
struct proto_readlink_reply {
    uint32_t len;
    const char *target;
};

/* @fids points into the message buffer: @count little-endian u64; read with proto_close_fid(). */
struct proto_close_req {
    uint32_t count;
    const uint8_t *fids;
};

/* ---- Write operations ---- */

/* @uid/@gid of PROTO_ID_KEEP leave the owner the gofer's host process gives a new file. */
#define PROTO_ID_KEEP 0xffffffffu

/* MKDIR: a directory @name in @dir with permission bits @mode. Reply: an entry (new fid). */
struct proto_mkdir_req {
    uint64_t dir;
    const char *name;
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
};

/*
 * CREATE: open(O_CREAT|O_EXCL|O_NOFOLLOW) of a regular file @name in @dir with the open(2)
 * @flags (access mode, O_APPEND...) and @mode. Reply: an entry, and the open descriptor.
 */
struct proto_create_req {
    uint64_t dir;
    const char *name;
    uint32_t flags;
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
};

/* UNLINK: unlinkat(@dir, @name, @flags), @flags 0 or AT_REMOVEDIR. Reply: empty. */
struct proto_unlink_req {
    uint64_t dir;
    const char *name;
    uint32_t flags;
};

/* RENAME: renameat2(@old_dir, @old_name, @new_dir, @new_name, @flags). Reply: empty. */
struct proto_rename_req {
    uint64_t old_dir;
    const char *old_name;
    uint64_t new_dir;
    const char *new_name;
    uint32_t flags;
};

/* SETATTR @valid bits. *_NOW sets the time to the gofer's current time. */
#define PROTO_SETATTR_MODE 0x1u
#define PROTO_SETATTR_UID 0x2u
#define PROTO_SETATTR_GID 0x4u
#define PROTO_SETATTR_SIZE 0x8u
#define PROTO_SETATTR_ATIME 0x10u
#define PROTO_SETATTR_MTIME 0x20u
#define PROTO_SETATTR_ATIME_NOW 0x40u
#define PROTO_SETATTR_MTIME_NOW 0x80u
#define PROTO_SETATTR_ALL 0xffu

/* SETATTR: change the attributes of @fid named by @valid. Reply: the new attributes (stat). */
struct proto_setattr_req {
    uint64_t fid;
    uint32_t valid;
    uint32_t mode; /* Permission bits only. */
    uint32_t uid;
    uint32_t gid;
    uint64_t size;
    int64_t atime_sec;
    uint32_t atime_nsec;
    int64_t mtime_sec;
    uint32_t mtime_nsec;
};

/* SYMLINK: a symlink @name in @dir pointing at @target. Reply: an entry. */
struct proto_symlink_req {
    uint64_t dir;
    const char *name;
    const char *target;
    uint32_t uid;
    uint32_t gid;
};

/* LINK: a hard link @name in @dir to the file of fid @target. Reply: an entry. */
struct proto_link_req {
    uint64_t dir;
    const char *name;
    uint64_t target;
};

/* FSYNC: fsync (or fdatasync if @datasync) the file of @fid. Reply: empty. */
struct proto_fsync_req {
    uint64_t fid;
    uint32_t datasync;
};

/* The reply of MKDIR, CREATE, SYMLINK and LINK: a new fid and its attributes. */
struct proto_entry_reply {
    uint64_t fid;
    struct proto_stat st;
};

/*
 * Validate the header of the datagram @buf of @size bytes and fill @out. Requests must have
 * error 0; a reply with a non-zero error must have an empty body.
 * Returns 0 or -EPROTO.
 */
int proto_decode_msg(const void *buf, size_t size, struct proto_msg *out);

/* Returns whether @type (without PROTO_REPLY) is a request type this version defines. */
bool proto_type_known(uint16_t type);

/*
 * Encoders. Each writes one whole message (header and body) into @buf of @cap bytes.
 * Returns the message size, -EMSGSIZE if it does not fit, -EINVAL for a bad argument
 * (count above the protocol maximum) or -ENAMETOOLONG for a name or target that is too long.
 */
ssize_t proto_encode_attach_req(void *buf, size_t cap, uint32_t tag,
                                const struct proto_attach_req *r);
ssize_t proto_encode_walk_req(void *buf, size_t cap, uint32_t tag, const struct proto_walk_req *r);
ssize_t proto_encode_stat_req(void *buf, size_t cap, uint32_t tag, const struct proto_fid_req *r);
ssize_t proto_encode_readlink_req(void *buf, size_t cap, uint32_t tag,
                                  const struct proto_fid_req *r);
ssize_t proto_encode_open_req(void *buf, size_t cap, uint32_t tag, const struct proto_open_req *r);
ssize_t proto_encode_readdir_req(void *buf, size_t cap, uint32_t tag,
                                 const struct proto_readdir_req *r);
/* Encodes @count fids from the host array @fids (the encoder converts to little-endian). */
ssize_t proto_encode_close_req(void *buf, size_t cap, uint32_t tag, const uint64_t *fids,
                               uint32_t count);

ssize_t proto_encode_mkdir_req(void *buf, size_t cap, uint32_t tag,
                               const struct proto_mkdir_req *r);
ssize_t proto_encode_create_req(void *buf, size_t cap, uint32_t tag,
                                const struct proto_create_req *r);
ssize_t proto_encode_unlink_req(void *buf, size_t cap, uint32_t tag,
                                const struct proto_unlink_req *r);
ssize_t proto_encode_rename_req(void *buf, size_t cap, uint32_t tag,
                                const struct proto_rename_req *r);
ssize_t proto_encode_setattr_req(void *buf, size_t cap, uint32_t tag,
                                 const struct proto_setattr_req *r);
ssize_t proto_encode_symlink_req(void *buf, size_t cap, uint32_t tag,
                                 const struct proto_symlink_req *r);
ssize_t proto_encode_link_req(void *buf, size_t cap, uint32_t tag, const struct proto_link_req *r);
ssize_t proto_encode_fsync_req(void *buf, size_t cap, uint32_t tag,
                               const struct proto_fsync_req *r);

/* A reply of @type (a request type) carrying the positive errno @err and no body. */
ssize_t proto_encode_error_reply(void *buf, size_t cap, uint16_t type, uint32_t tag, int err);
ssize_t proto_encode_attach_reply(void *buf, size_t cap, uint32_t tag,
                                  const struct proto_attach_reply *r);
ssize_t proto_encode_walk_reply(void *buf, size_t cap, uint32_t tag,
                                const struct proto_walk_reply *r);
ssize_t proto_encode_stat_reply(void *buf, size_t cap, uint32_t tag,
                                const struct proto_stat_reply *r);
/* The OPEN reply has no body; the descriptor travels beside it. */
ssize_t proto_encode_open_reply(void *buf, size_t cap, uint32_t tag);
ssize_t proto_encode_readlink_reply(void *buf, size_t cap, uint32_t tag, const char *target,
                                    size_t len);

/* The reply of MKDIR, CREATE, SYMLINK or LINK (@type). */
ssize_t proto_encode_entry_reply(void *buf, size_t cap, uint16_t type, uint32_t tag,
                                 const struct proto_entry_reply *r);
/* The body-less reply of UNLINK, RENAME or FSYNC (@type). */
ssize_t proto_encode_empty_reply(void *buf, size_t cap, uint16_t type, uint32_t tag);
/* The SETATTR reply: the attributes after the change. Decoded by proto_decode_stat_reply(). */
ssize_t proto_encode_setattr_reply(void *buf, size_t cap, uint32_t tag,
                                   const struct proto_stat_reply *r);

/*
 * READDIR replies are built incrementally: begin, then add entries while they fit, then
 * finish. proto_readdir_add() returns 0, or -EMSGSIZE (nothing written) when the entry would
 * make the body exceed @max_body bytes or the buffer.
 */
struct proto_readdir_builder {
    uint8_t *buf;
    size_t cap;
    size_t pos;
    size_t max_pos; /* Header + max body size, at most @cap. */
    uint32_t count;
    uint32_t tag;
};
void proto_readdir_begin(struct proto_readdir_builder *b, void *buf, size_t cap, uint32_t tag,
                         size_t max_body);
int proto_readdir_add(struct proto_readdir_builder *b, uint64_t ino, uint64_t next, uint8_t type,
                      const char *name, size_t name_len);
/* Returns the message size. */
ssize_t proto_readdir_finish(struct proto_readdir_builder *b);

/*
 * Body decoders. Each takes a message from proto_decode_msg() whose type has already been
 * checked by the caller, consumes the body exactly and returns 0 or -EPROTO (malformed,
 * trailing bytes, a count above the maximum, a string without its NUL or with a NUL inside).
 * Pointers in the result point into the message buffer.
 */
int proto_decode_attach_req(const struct proto_msg *m, struct proto_attach_req *out);
int proto_decode_walk_req(const struct proto_msg *m, struct proto_walk_req *out);
int proto_decode_fid_req(const struct proto_msg *m, struct proto_fid_req *out);
int proto_decode_open_req(const struct proto_msg *m, struct proto_open_req *out);
int proto_decode_readdir_req(const struct proto_msg *m, struct proto_readdir_req *out);
int proto_decode_close_req(const struct proto_msg *m, struct proto_close_req *out);

int proto_decode_mkdir_req(const struct proto_msg *m, struct proto_mkdir_req *out);
int proto_decode_create_req(const struct proto_msg *m, struct proto_create_req *out);
int proto_decode_unlink_req(const struct proto_msg *m, struct proto_unlink_req *out);
int proto_decode_rename_req(const struct proto_msg *m, struct proto_rename_req *out);
int proto_decode_setattr_req(const struct proto_msg *m, struct proto_setattr_req *out);
int proto_decode_symlink_req(const struct proto_msg *m, struct proto_symlink_req *out);
int proto_decode_link_req(const struct proto_msg *m, struct proto_link_req *out);
int proto_decode_fsync_req(const struct proto_msg *m, struct proto_fsync_req *out);

int proto_decode_attach_reply(const struct proto_msg *m, struct proto_attach_reply *out);
int proto_decode_entry_reply(const struct proto_msg *m, struct proto_entry_reply *out);
/* Accepts only an empty body. */
int proto_decode_empty_reply(const struct proto_msg *m);
int proto_decode_walk_reply(const struct proto_msg *m, struct proto_walk_reply *out);
int proto_decode_stat_reply(const struct proto_msg *m, struct proto_stat_reply *out);
int proto_decode_open_reply(const struct proto_msg *m);
int proto_decode_readlink_reply(const struct proto_msg *m, struct proto_readlink_reply *out);
/*
 * Decode at most @max entries into @ents; a reply with more entries than @max is -EPROTO.
 * Stores the number of entries in *@count.
 */
int proto_decode_readdir_reply(const struct proto_msg *m, struct proto_dirent *ents, uint32_t max,
                               uint32_t *count);

/* Returns fid @i (< @r->count) of a decoded CLOSE request. */
uint64_t proto_close_fid(const struct proto_close_req *r, uint32_t i);
