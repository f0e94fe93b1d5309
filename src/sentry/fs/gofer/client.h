// SPDX-License-Identifier: Apache-2.0
/*
 * The Sentry's RPC client of the gofer: one plain function per protocol operation, no VFS
 * glue. The wire format lives in proto/; docs/gofer-protocol.md describes each operation.
 *
 * Lock order: the client has a lock, gofer_client.lock, taken and released inside every
 * function below, after the kernel lock if the caller holds it (goferfs releases the kernel
 * lock around walks and opens); only the client's pending-close lock, a leaf, is taken
 * inside it. It serialises whole request/reply exchanges, so any number of threads may
 * share one client. gofer_close never waits for another thread's exchange: its fids are
 * queued and sent by the holder before it lets go.
 *
 * Errors: every function returns 0 (or a length) on success and -errno on failure. Errnos the
 * gofer reports are checked to be ordinary Linux errnos (anything else becomes -EIO); a broken
 * connection or a malformed reply returns -EIO and makes every later call return -EIO too.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Opaque; see client.c. */
struct gofer_client;

/* Most names gofer_walk() takes in one call (PROTO_WALK_MAX). */
#define GOFER_WALK_MAX 64u
/* Longest directory entry name, without the NUL. */
#define GOFER_NAME_MAX 255u

/* Attributes of a gofer file, as the host's fstat(2) reported them. */
struct gofer_stat {
    uint64_t dev;
    uint64_t ino;
    uint32_t mode; /* S_IF* type and permission bits. */
    uint32_t nlink;
    uint32_t uid;
    uint32_t gid;
    uint64_t rdev;
    uint64_t size;
    uint32_t blksize;
    uint64_t blocks;
    struct timespec atime;
    struct timespec mtime;
    struct timespec ctime;
};

struct gofer_dirent {
    uint64_t ino;
    uint64_t next; /* Cookie to pass to gofer_readdir() to continue after this entry. */
    uint8_t type;  /* DT_* (DT_UNKNOWN if the host filesystem does not say). */
    char name[GOFER_NAME_MAX + 1]; /* NUL-terminated; never "", ".", ".." or containing '/'. */
};

/*
 * Create a client on the connected SOCK_SEQPACKET socket @sock. Takes ownership of @sock,
 * also on failure. Returns 0 and stores the client in *@out, or -ENOMEM / -EINVAL.
 */
int gofer_client_new(int sock, struct gofer_client **out);

/* Close the socket (the gofer then exits) and free @c. No call may be in progress. */
void gofer_client_free(struct gofer_client *c);

/*
 * Attach to the gofer's root. Returns 0 and stores a new fid of the root directory in
 * *@root_fid (1 for the first attach) and its attributes in *@st (may be NULL), or -errno.
 */
int gofer_attach(struct gofer_client *c, uint64_t *root_fid, struct gofer_stat *st);

/*
 * Walk @count (<= GOFER_WALK_MAX) names from the directory @dir, one component each, in one
 * round trip. Symlinks are not followed: walking onto one gives the fid of the link itself.
 * For each component walked, stores a new fid in @fids[i] and its attributes in @stats[i]
 * (@stats may be NULL); the caller owns these fids and must gofer_close() them.
 * Stores the number walked in *@walked. Returns 0 if all @count were walked, else the -errno
 * of the component that failed (-ENOENT, -ENOTDIR, -EACCES...), with *@walked telling how many
 * before it succeeded. -EINVAL (nothing walked) if any name is "", ".", ".." or contains '/';
 * -EBADF for an unknown @dir; -ENAMETOOLONG for a name longer than GOFER_NAME_MAX.
 */
int gofer_walk(struct gofer_client *c, uint64_t dir, const char *const *names, unsigned count,
               uint64_t *fids, struct gofer_stat *stats, unsigned *walked);

/* Stores the current attributes of @fid in *@st. Returns 0 or -errno (-EBADF). */
int gofer_stat(struct gofer_client *c, uint64_t fid, struct gofer_stat *st);

/*
 * Open the file of @fid with the Linux open(2) @flags (access mode, O_APPEND, O_TRUNC,
 * O_NONBLOCK, O_DIRECTORY, O_SYNC, O_DSYNC, O_DIRECT, O_NOATIME; O_CLOEXEC and O_NOFOLLOW are
 * implied). Returns 0 and stores a new host descriptor (close-on-exec, owned by the caller) in
 * *@host_fd, or -EINVAL (O_CREAT and other flags), -ELOOP (a symlink), -EROFS (write access
 * to a read-only gofer), -EISDIR, -EACCES (device nodes), -EBADF, or the host's errno.
 * FIFOs are opened non-blocking.
 */
int gofer_open(struct gofer_client *c, uint64_t fid, int flags, int *host_fd);

/*
 * Read entries of the directory @dir starting at @cookie (0 for the first; else the @next of
 * the last entry seen) into @ents, at most @max (>= 1). "." and ".." are not listed.
 * Stores the number of entries in *@count; 0 means the end of the directory.
 * Returns 0 or -errno (-ENOTDIR, -EBADF).
 */
int gofer_readdir(struct gofer_client *c, uint64_t dir, uint64_t cookie, struct gofer_dirent *ents,
                  unsigned max, unsigned *count);

/*
 * Store the target of the symlink @fid, NUL-terminated, in @buf of @size bytes.
 * Returns the target's length (without the NUL), -EINVAL if @fid is not a symlink, or
 * -ENAMETOOLONG if @size is not at least the length + 1.
 */
int gofer_readlink(struct gofer_client *c, uint64_t fid, char *buf, size_t size);

/*
 * Release @count fids. One message per up to several thousand fids, and no reply is awaited:
 * the gofer closes them before it handles the next request. Unknown fids are ignored.
 * Returns 0 or -EIO (connection broken).
 */
int gofer_close(struct gofer_client *c, const uint64_t *fids, unsigned count);

/* ---- Write operations (a gofer started with --ro answers -EROFS) ---- */

/* Owner id meaning "whatever the gofer's host process gets" (PROTO_ID_KEEP). */
#define GOFER_ID_KEEP 0xffffffffu

/*
 * Create the directory @name in @dir with permission bits @mode, owned by @uid/@gid
 * (GOFER_ID_KEEP: no chown). Stores a new fid of it in *@fid and its attributes in *@st (may
 * be NULL). Returns 0, -EINVAL for a bad name, -EEXIST, -ENOTDIR, -EBADF or the host errno.
 */
int gofer_mkdir(struct gofer_client *c, uint64_t dir, const char *name, uint32_t mode, uint32_t uid,
                uint32_t gid, uint64_t *fid, struct gofer_stat *st);

/*
 * Create and open the regular file @name in @dir (O_CREAT|O_EXCL|O_NOFOLLOW are implied) with
 * the open(2) @flags and @mode. Like gofer_mkdir(), and stores the open host descriptor in
 * *@host_fd (owned by the caller).
 */
int gofer_create(struct gofer_client *c, uint64_t dir, const char *name, int flags, uint32_t mode,
                 uint32_t uid, uint32_t gid, uint64_t *fid, struct gofer_stat *st, int *host_fd);

/* Remove @name of @dir; @flags 0 or AT_REMOVEDIR. Returns 0 or the host errno. */
int gofer_unlink(struct gofer_client *c, uint64_t dir, const char *name, int flags);

/* renameat2() of @old_name in @old_dir to @new_name in @new_dir with RENAME_* @flags. */
int gofer_rename(struct gofer_client *c, uint64_t old_dir, const char *old_name, uint64_t new_dir,
                 const char *new_name, unsigned flags);

/* What gofer_setattr() changes: @valid holds PROTO_SETATTR_* bits (proto/msg.h). */
struct gofer_setattr {
    unsigned valid;
    uint32_t mode; /* Permission bits. */
    uint32_t uid, gid;
    uint64_t size;
    struct timespec atime, mtime;
};
#define GOFER_SETATTR_MODE 0x1u
#define GOFER_SETATTR_UID 0x2u
#define GOFER_SETATTR_GID 0x4u
#define GOFER_SETATTR_SIZE 0x8u
#define GOFER_SETATTR_ATIME 0x10u
#define GOFER_SETATTR_MTIME 0x20u
#define GOFER_SETATTR_ATIME_NOW 0x40u
#define GOFER_SETATTR_MTIME_NOW 0x80u

/* Change the attributes of @fid; stores the new ones in *@st (may be NULL). */
int gofer_setattr(struct gofer_client *c, uint64_t fid, const struct gofer_setattr *sa,
                  struct gofer_stat *st);

/* Create the symlink @name in @dir with @target. Like gofer_mkdir(). */
int gofer_symlink(struct gofer_client *c, uint64_t dir, const char *name, const char *target,
                  uint32_t uid, uint32_t gid, uint64_t *fid, struct gofer_stat *st);

/* Hard link @name in @dir to the file of @target (not a directory: -EPERM). Like mkdir. */
int gofer_link(struct gofer_client *c, uint64_t dir, const char *name, uint64_t target,
               uint64_t *fid, struct gofer_stat *st);

/* fsync(2) (fdatasync with @datasync) the file of @fid on the host. */
int gofer_fsync(struct gofer_client *c, uint64_t fid, bool datasync);
