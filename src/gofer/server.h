// SPDX-License-Identifier: Apache-2.0
/*
 * Internals of the gofer server: the fid table (fid.c), the request loop (server.c), the
 * walls every lookup goes through (walls.c), the host's mount points below the root
 * (mounts.c) and the operation handlers (ops_*.c). The server is single-threaded, so nothing
 * here takes a lock.
 */
#pragma once

#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "proto/msg.h"

/* One open handle: an O_PATH descriptor of one host file inside the root. */
struct gofer_fid {
    int fd;      /* O_PATH|O_NOFOLLOW descriptor; -1 while the slot is free. */
    int dir_fd;  /* Lazily opened O_RDONLY|O_DIRECTORY descriptor for READDIR, or -1. */
    mode_t mode; /* File type and mode when the fid was created; the type never changes. */
    dev_t dev;   /* Device and inode of the file: every reopen must find them again. */
    ino_t ino;
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

/* One host mount point below the root, as the underlying directory or file (mounts.c). */
struct gofer_mount_point {
    dev_t dev;
    ino_t ino;
};

/*
 * The mount points of the namespace the gofer was started in that lie on a dentry below the
 * root (mounts.c). The gofer's own namespace does not hold them, so the kernel would let
 * an rmdir, unlink or rename of such a dentry through and detach the host's mount.
 */
struct gofer_mounts {
    int info_fd;     /* /proc/self/mountinfo opened in that namespace, or -1 (no guard). */
    char *root_path; /* The root's canonical path in that namespace. */
    struct gofer_mount_point *pts;
    size_t count;
    bool stale; /* The table changed and could not be read again yet: fail closed. */
    /* Without openat2: the roots of the mounts below the root in the gofer's own namespace,
     * which a walk lands on without any other sign when they are of the same device. */
    struct gofer_mount_point *roots;
    size_t nroots;
};

struct gofer_server {
    int sock;       /* The SOCK_SEQPACKET connection to the Sentry. */
    int root_fd;    /* O_PATH descriptor of the root directory. */
    dev_t root_dev; /* Its device: a walk never leaves it (walls.c). */
    int proc_fd;    /* O_PATH descriptor of /proc/self/fd, used to reopen fids. */
    bool ro;        /* --ro: refuse write access. */
    bool openat2;   /* The kernel has openat2(2): lookups also go through its RESOLVE_ flags. */
    struct gofer_mounts mounts;
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
 * Add a fid for @fd, whose attributes are @st; @foreign marks a mount point of another file
 * system (served as an empty directory). Takes ownership of @fd (closed on failure).
 * Returns 0 and stores the new fid in *@fid, or -ENOMEM / -ENFILE.
 */
int fid_table_add(struct fid_table *t, int fd, const struct stat *st, bool foreign, uint64_t *fid);
/* Returns the fid entry, borrowed until the next add or remove, or NULL if @fid is unknown. */
struct gofer_fid *fid_table_get(struct fid_table *t, uint64_t fid);
/* Close @fid and free its slot. Returns 0 or -EBADF. */
int fid_table_remove(struct fid_table *t, uint64_t fid);

/* server.c */
/*
 * Set up @s to serve the directory @root_fd (an O_PATH descriptor, borrowed) on @sock, with
 * @proc_fd (a descriptor of /proc/self/fd, borrowed) and @mountinfo_fd (the starting
 * namespace's /proc/self/mountinfo or -1; owned from now on) whose root path is @root_path.
 * Probes openat2(2) and reads the mount points below the root. Call before the seccomp
 * filter. Returns 0 or -errno.
 */
int gofer_server_init(struct gofer_server *s, int sock, int root_fd, int proc_fd, bool ro,
                      int mountinfo_fd, const char *root_path);
/* Free what gofer_server_init() and serving allocated; the borrowed descriptors stay open. */
void gofer_server_destroy(struct gofer_server *s);
/*
 * Serve requests on @s->sock until the peer closes it. Returns 0 at EOF, -EPROTO when the
 * peer broke the framing (the connection is then given up) or another -errno of the socket.
 */
int gofer_serve(struct gofer_server *s);
/* Convert a host stat to the wire form. */
void gofer_stat_to_proto(const struct stat *st, struct proto_stat *out);
/* Returns whether @name is one path component: not "", ".", ".." and without '/'. */
bool gofer_name_valid(const char *name);

/* walls.c */
/* The open_how of a walk step, and of reopening a mount point found by one (read-only). */
extern const struct open_how g_gofer_walk_how;
extern const struct open_how g_gofer_mount_how;
/* Returns whether openat2(2) works here (Linux >= 5.6 and not refused by a filter). */
bool gofer_openat2_probe(int dirfd);
/*
 * Look up the single validated component @name of the directory @dirfd (a fid's O_PATH
 * descriptor) without following anything: openat(O_PATH|O_NOFOLLOW) and, where the kernel
 * has it, openat2() with RESOLVE_BENEATH|RESOLVE_NO_XDEV|RESOLVE_NO_MAGICLINKS|
 * RESOLVE_NO_SYMLINKS. Fills *@st and sets *@foreign when the result is on another mount
 * (a mount crossing or another st_dev than the root's). Returns the new O_PATH descriptor
 * (the caller owns it) or -errno.
 */
int gofer_lookup(struct gofer_server *s, int dirfd, const char *name, struct stat *st,
                 bool *foreign);
/*
 * Check that @name in @dirfd may be removed or renamed away or over: not a mount point of
 * any kind. Returns 0, -ENOENT if there is no such entry, -EBUSY for a mount point (Linux's
 * errno for one), or another -errno of the lookup.
 */
int gofer_check_not_mount_point(struct gofer_server *s, int dirfd, const char *name);

/* mounts.c */
/*
 * Read the mount points below the root from @s->mounts.info_fd again and find their dentries
 * in the served tree. Returns 0 or -errno (the old list is then kept).
 */
int gofer_mounts_refresh(struct gofer_server *s);
/* Returns whether the file @st is a mount point of the starting namespace (re-reading the
 * list first if the kernel says it changed). */
bool gofer_mounts_contain(struct gofer_server *s, const struct stat *st);
/*
 * Without openat2 (which refuses every mount crossing itself), find the roots of the mounts
 * below the root in the gofer's own namespace (its /proc/self/mountinfo), so that
 * gofer_lookup() sees a bind mount of the same device too. Call before the seccomp filter.
 * Returns 0 or -errno.
 */
int gofer_mounts_find_roots(struct gofer_server *s);
/* Returns whether @st is the root of one of those mounts. */
bool gofer_mounts_is_root(const struct gofer_server *s, const struct stat *st);
/* Free the lists and close the descriptor. */
void gofer_mounts_destroy(struct gofer_mounts *m);

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
