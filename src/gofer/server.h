// SPDX-License-Identifier: Apache-2.0
/*
 * Internals of the gofer server: the fid table (fid.c), the request loop (server.c) and the
 * operation handlers (ops_walk.c, ops_io.c, ops_dir.c). The server is single-threaded, so
 * nothing here takes a lock.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "proto/msg.h"

/* One open handle: an O_PATH descriptor of one host file inside the root. */
struct gofer_fid {
    int fd;             /* O_PATH|O_NOFOLLOW descriptor; -1 while the slot is free. */
    int dir_fd;         /* Lazily opened O_RDONLY|O_DIRECTORY descriptor for READDIR, or -1. */
    mode_t mode;        /* File type and mode when the fid was created; the type never changes. */
    uint32_t gen;       /* Bumped each time the slot is freed, so stale fids do not match. */
    uint32_t next_free; /* Next free slot index while free, 0 ends the list. */
    bool foreign;       /* A mount point of another file system: served as an empty directory. */
};

/*
 * Fids are (gen << 32) | slot with slot >= 1, so fid 0 is never valid and the first fid handed
 * out is 1. Lookups are O(1).
 */
struct fid_table {
    struct gofer_fid *slots;
    uint32_t cap;       /* Slots allocated; slot 0 is never used. */
    uint32_t free_head; /* First free slot, 0 if none. */
};

struct gofer_server {
    int sock;       /* The SOCK_SEQPACKET connection to the Sentry. */
    int root_fd;    /* O_PATH descriptor of the root directory. */
    dev_t root_dev; /* Its device: a walk never leaves it (ops_walk.c). */
    int proc_fd;    /* O_PATH descriptor of /proc/self/fd, used to reopen fids. */
    bool ro;        /* --ro: refuse write access. */
    struct fid_table fids;
};

/* Where a handler writes its reply. */
struct gofer_reply {
    uint8_t *buf;
    size_t cap;
    int fd; /* A descriptor to donate with the reply, or -1. Closed by the loop after sending. */
};

/*
 * An operation handler. Returns the size of the reply it encoded into @r, 0 when the request
 * gets no reply, or -errno, which the loop sends as an error reply.
 */
typedef ssize_t (*gofer_op_fn)(struct gofer_server *s, const struct proto_msg *m,
                               struct gofer_reply *r);

/* fid.c */
void fid_table_init(struct fid_table *t);
/* Closes every descriptor and frees the table. */
void fid_table_destroy(struct fid_table *t);
/*
 * Add a fid for @fd with file mode @mode. Takes ownership of @fd (closed on failure).
 * Returns 0 and stores the new fid in *@fid, or -ENOMEM / -ENFILE.
 */
int fid_table_add(struct fid_table *t, int fd, mode_t mode, uint64_t *fid);
/* Returns the fid entry, borrowed until the next add or remove, or NULL if @fid is unknown. */
struct gofer_fid *fid_table_get(struct fid_table *t, uint64_t fid);
/* Close @fid and free its slot. Returns 0 or -EBADF. */
int fid_table_remove(struct fid_table *t, uint64_t fid);

/* server.c */
/* Serve requests on @s->sock until the peer closes it. Returns 0 at EOF or -errno. */
int gofer_serve(struct gofer_server *s);
/* Convert a host stat to the wire form. */
void gofer_stat_to_proto(const struct stat *st, struct proto_stat *out);
/* Returns whether @name is one path component: not "", ".", ".." and without '/'. */
bool gofer_name_valid(const char *name);

/* ops_walk.c */
ssize_t gofer_op_attach(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
ssize_t gofer_op_walk(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
ssize_t gofer_op_stat(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
ssize_t gofer_op_readlink(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
ssize_t gofer_op_close(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
/* ops_io.c */
ssize_t gofer_op_open(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
/*
 * Open a new description of the file behind @f with @flags by following its /proc/self/fd
 * magic link (which names the inode itself, so no path is resolved again). Caller has checked
 * that @f is not a symlink. Returns the new descriptor or -errno.
 */
int gofer_reopen(struct gofer_server *s, const struct gofer_fid *f, int flags);
/* ops_write.c: MKDIR, CREATE, UNLINK, RENAME, SETATTR, SYMLINK, LINK, FSYNC. */
ssize_t gofer_op_mkdir(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
ssize_t gofer_op_create(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
ssize_t gofer_op_unlink(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
ssize_t gofer_op_rename(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
ssize_t gofer_op_setattr(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
ssize_t gofer_op_symlink(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
ssize_t gofer_op_link(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
ssize_t gofer_op_fsync(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
/* ops_dir.c */
ssize_t gofer_op_readdir(struct gofer_server *s, const struct proto_msg *m, struct gofer_reply *r);
