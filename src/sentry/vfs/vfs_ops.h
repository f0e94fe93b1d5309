// SPDX-License-Identifier: Apache-2.0
/*
 * Path and file operations for the file syscall handlers (sys_file.c, sys_stat.c,
 * sys_read_write.c, sys_dup.c): the parts of the VFS API that vfs.h does not declare. Every
 * function takes kernel strings (already copied in), checks permissions against @t's
 * credentials and returns 0 (or a count) or -errno exactly as the matching syscall does.
 *
 * Locking: caller holds the kernel lock.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/linux/stat.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"

struct ctx;
struct inode;

/* Guest struct statfs (x86-64). COMPAT: kept here until abi/linux grows a statfs.h. */
struct linux_statfs {
    int64_t f_type;
    int64_t f_bsize;
    uint64_t f_blocks;
    uint64_t f_bfree;
    uint64_t f_bavail;
    uint64_t f_files;
    uint64_t f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen;
    int64_t f_frsize;
    int64_t f_flags;
    int64_t f_spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "x86-64 struct statfs is 120 bytes");

/*
 * fcntl(F_GETPIPE_SZ / F_SETPIPE_SZ) is forwarded to ops->ioctl with cmd set to the fcntl
 * command number (1032 / 1031, which no ioctl uses) and arg the integer argument. A file that
 * does not handle it returns -ENOTTY and fcntl reports -EINVAL.
 */
#define VFS_FCNTL_SETPIPE_SZ 1031u
#define VFS_FCNTL_GETPIPE_SZ 1032u
/* fcntl(F_ADD_SEALS / F_GET_SEALS), forwarded the same way (memfd). */
#define VFS_FCNTL_ADD_SEALS 1033u
#define VFS_FCNTL_GET_SEALS 1034u

int vfs_mknodat(struct ctx *ctx, struct file *dir, const char *path, unsigned int mode,
                uint64_t dev);
int vfs_mkdirat(struct ctx *ctx, struct file *dir, const char *path, unsigned int mode);
/* bind(2) of an AF_UNIX socket to @path: make its socket inode (mode 0777 less the umask;
 * -EADDRINUSE if the name exists) and bind @sock (the socket layer's, opaque here) to it.
 * Returns 0 with a new reference to the inode in *@out (vfs_unbind_socket drops it). */
int vfs_bind_socket(struct ctx *ctx, struct file *dir, const char *path, void *sock,
                    struct inode **out);
/* connect(2)/sendto(2) to @path: the socket bound to the socket inode there (borrowed), after
 * the write-permission check. Returns 0, the walk's error, -EACCES or -ECONNREFUSED. */
int vfs_find_socket(struct ctx *ctx, struct file *dir, const char *path, void **out);
/* The socket bound to @inode goes away: unbind it and drop vfs_bind_socket's reference. */
void vfs_unbind_socket(struct inode *inode);
/* @flags: 0 (unlink) or AT_REMOVEDIR (rmdir). */
int vfs_unlinkat(struct ctx *ctx, struct file *dir, const char *path, int flags);
/* @flags: RENAME_NOREPLACE, RENAME_EXCHANGE (RENAME_WHITEOUT: -EINVAL, no whiteouts). */
int vfs_renameat(struct ctx *ctx, struct file *olddir, const char *oldpath, struct file *newdir,
                 const char *newpath, unsigned int flags);
/* @flags: AT_SYMLINK_FOLLOW, AT_EMPTY_PATH. */
int vfs_linkat(struct ctx *ctx, struct file *olddir, const char *oldpath, struct file *newdir,
               const char *newpath, int flags);
int vfs_symlinkat(struct ctx *ctx, const char *target, struct file *newdir, const char *linkpath);
/* Store the target (not NUL-terminated) in @buf. Returns its length (truncated to @size). */
int vfs_readlinkat(struct ctx *ctx, struct file *dir, const char *path, char *buf, size_t size);

/* @flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH. */
int vfs_fchmodat(struct ctx *ctx, struct file *dir, const char *path, unsigned int mode, int flags);
int vfs_fchmod(struct ctx *ctx, struct file *f, unsigned int mode);
/* (uint32_t)-1 leaves the id unchanged. */
int vfs_fchownat(struct ctx *ctx, struct file *dir, const char *path, uint32_t uid, uint32_t gid,
                 int flags);
int vfs_fchown(struct ctx *ctx, struct file *f, uint32_t uid, uint32_t gid);
/* @times: NULL for "now", else two timespecs that may hold UTIME_NOW/UTIME_OMIT. @path NULL
 * means @dirfd itself (futimens). */
int vfs_utimensat(struct ctx *ctx, struct file *dir, const char *path,
                  const struct linux_timespec *times, int flags);
int vfs_truncate(struct ctx *ctx, const char *path, int64_t length);
int vfs_ftruncate(struct ctx *ctx, struct file *f, int64_t length);
int vfs_fallocate(struct ctx *ctx, struct file *f, int mode, int64_t off, int64_t len);
int vfs_fsync(struct ctx *ctx, struct file *f, bool datasync);

/*
 * Extended attributes. The object is @path (followed unless @flags has AT_SYMLINK_NOFOLLOW)
 * or, when @path is NULL, the open file @f. Namespaces: user.* (regular files and
 * directories, by file permissions), trusted.* (root), security.*; others -EOPNOTSUPP.
 * Returns as the syscalls: a length, 0, or -errno.
 */
#define VFS_XATTR_CREATE 1
#define VFS_XATTR_REPLACE 2
int vfs_getxattr(struct ctx *ctx, const char *path, int flags, struct file *f, const char *name,
                 void *buf, size_t size);
int vfs_setxattr(struct ctx *ctx, const char *path, int flags, struct file *f, const char *name,
                 const void *value, size_t size, int xflags);
int vfs_listxattr(struct ctx *ctx, const char *path, int flags, struct file *f, char *buf,
                  size_t size);
int vfs_removexattr(struct ctx *ctx, const char *path, int flags, struct file *f, const char *name);

/* ---- advisory locks (lock.c) ---- */

/* Guest struct flock (x86-64). */
struct vfs_flock {
    int16_t l_type;
    int16_t l_whence;
    int64_t l_start;
    int64_t l_len;
    int32_t l_pid;
};
#define VFS_F_OFD_GETLK 36
#define VFS_F_OFD_SETLK 37
#define VFS_F_OFD_SETLKW 38
/* fcntl(F_GETLK/F_SETLK/F_SETLKW and the F_OFD_ ones) on @f; F_GETLK fills @fl. POSIX
 * locks belong to @files (the caller's descriptor table, Linux's current->files) and report
 * @pid as their holder. Returns 0, -EAGAIN (conflict), -EDEADLK, -ERESTARTSYS (signal while
 * waiting), -EBADF, -EINVAL. */
int vfs_fcntl_lock(struct ctx *ctx, struct file *f, int cmd, struct vfs_flock *fl,
                   const void *files, int pid);
/* flock(2) with LOCK_SH/LOCK_EX/LOCK_UN (| LOCK_NB). */
int vfs_flock(struct ctx *ctx, struct file *f, int op);
/* The fdtable @fdt closes a descriptor of @f: its POSIX locks on the file go away. */
void vfs_locks_close(struct file *f, const void *fdt);

int vfs_statfs(struct ctx *ctx, const char *path, struct linux_statfs *st);
int vfs_fstatfs(struct ctx *ctx, struct file *f, struct linux_statfs *st);

int vfs_fchdir(struct ctx *ctx, struct file *f);
int vfs_chroot(struct ctx *ctx, const char *path);

/* lseek(2). */
int64_t vfs_llseek(struct ctx *ctx, struct file *f, int64_t off, int whence);
/* Emit entries of the directory @f (getdents). Returns 0, -ENOTDIR, -ENOENT (removed). */
int vfs_iterate(struct ctx *ctx, struct file *f, struct dir_emitter *e);
/* True if @f supports positional I/O (pread/pwrite); false for pipes, sockets, ttys. */
bool vfs_file_seekable(const struct file *f);
/* True if @f is open on a regular file. */
bool vfs_file_is_regular(const struct file *f);
/* True if @f is open on a directory. */
bool vfs_file_is_dir(const struct file *f);
/* The size of @f's inode (as last known: a gofer file's is refreshed by stat). */
int64_t vfs_file_size(const struct file *f);
/* True if @a and @b are open on the same inode / on inodes of the same filesystem. */
bool vfs_files_same_inode(const struct file *a, const struct file *b);
bool vfs_files_same_fs(const struct file *a, const struct file *b);
/* FIONREAD of a regular file: the bytes between the position and the end. Returns 0, or
 * -ENOTTY for other files (their ops->ioctl answers). */
int vfs_fionread(struct file *f, int *out);
/* Set the O_* status flags that fcntl(F_SETFL) may change. */
int vfs_set_status_flags(struct ctx *ctx, struct file *f, uint32_t flags);
