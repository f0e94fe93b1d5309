// SPDX-License-Identifier: Apache-2.0
/*
 * The path walk (resolve.c), private to the VFS: a struct nameidata walks a path component by
 * component from the task's root or cwd or a dirfd, crossing mounts, resolving "." and ".."
 * and following symlinks (at most VFS_MAXSYMLINKS) as Linux's fs/namei.c does.
 *
 * Locking: caller holds the kernel lock.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "sentry/vfs/vfs_internal.h"

enum last_type {
    LAST_NORM,
    LAST_ROOT, /* the path was "/" (or only slashes) */
    LAST_DOT,
    LAST_DOTDOT,
};

#define LOOKUP_FOLLOW 0x1u    /* follow a trailing symlink */
#define LOOKUP_DIRECTORY 0x2u /* the result must be a directory */
#define LOOKUP_EMPTY 0x4u     /* AT_EMPTY_PATH: "" names the dirfd itself */
/* openat2's RESOLVE_* restrictions (vfs.h VFS_RESOLVE_*), kept in nameidata.flags. */
#define LOOKUP_NO_SYMLINKS 0x10u   /* following any symlink is ELOOP */
#define LOOKUP_NO_MAGICLINKS 0x20u /* following a /proc magic link is ELOOP */
#define LOOKUP_NO_XDEV 0x40u       /* crossing a mount is EXDEV */
#define LOOKUP_BENEATH 0x80u       /* leaving the start directory is EXDEV */
#define LOOKUP_IN_ROOT 0x100u      /* the start directory is the root */
#define LOOKUP_SCOPED (LOOKUP_BENEATH | LOOKUP_IN_ROOT)

struct nameidata {
    struct ctx *ctx;
    unsigned flags;                  /* LOOKUP_* restrictions of the whole walk */
    struct path root;                /* the task's root; references held */
    struct path cur;                 /* where the walk is; references held */
    int nlinks;                      /* symlinks followed so far */
    char *bufs[VFS_MAXSYMLINKS + 1]; /* symlink targets being walked (owned) */
    int nbufs;
    /* The pending last component, set by nd_walk(). */
    const char *last;
    size_t last_len;
    enum last_type last_type;
    bool trailing_slash;
    /* The last component was a magic link to a file without a path (a new reference). */
    struct file *link_file;
};

/* Start a walk of @path for @t from @dirfd (AT_FDCWD or a descriptor; ignored for absolute
 * paths). Returns 0, -ENOENT for "" (without LOOKUP_EMPTY), -EBADF, -ENOTDIR. On success
 * nd_cleanup() must be called. */
int nd_init(struct nameidata *nd, struct ctx *ctx, struct file *dir, const char *path,
            unsigned flags);
/* Release everything @nd holds. */
void nd_cleanup(struct nameidata *nd);
/* Walk every component of @path but the last, which is left in nd->last*. */
int nd_walk(struct nameidata *nd, const char *path);
/* Resolve the pending last component into nd->cur, following a symlink if @follow (or if
 * the path had a trailing slash); the result must exist, and be a directory if @must_dir or
 * a trailing slash. Returns 0 or -errno. */
int nd_lookup_last(struct nameidata *nd, bool follow, bool must_dir);
/* Look the pending LAST_NORM component up in nd->cur (search permission checked, mounts
 * crossed). 0 with *@out set (out->dentry NULL if it does not exist), or -errno. */
int nd_lookup_child(struct nameidata *nd, struct path *out);
/* Enter the symlink @link: its target's components but the last are walked from nd->cur
 * (or the root), and the target's last component becomes the pending one. */
int nd_link_enter(struct nameidata *nd, const struct path *link);

/* Resolve @path relative to @dirfd to an existing object (LOOKUP_* @flags). Returns 0 and
 * references in *@out, or -errno. */
int vfs_resolve(struct ctx *ctx, struct file *dir, const char *path, unsigned flags,
                struct path *out);
/* vfs_resolve() that also hands back, in *@link_file (new reference or NULL), the file a
 * final magic link stands for when that file has no path (a pipe behind /dev/fd/N). */
int vfs_resolve_link_file(struct ctx *ctx, struct file *dir, const char *path, unsigned flags,
                          struct path *out, struct file **link_file);

/* The parent directory of the last component of a path, for creation and removal. */
struct resolve_parent {
    struct path dir; /* references held; path_put() when done */
    char name[VFS_NAME_MAX + 1];
    size_t len;
    enum last_type type;
    bool trailing_slash;
};
/* Resolve all but the last component of @path. Returns 0 or -errno. */
int vfs_resolve_parent(struct ctx *ctx, struct file *dir, const char *path,
                       struct resolve_parent *out);
