// SPDX-License-Identifier: Apache-2.0
/*
 * Per-task filesystem context (root, cwd, umask): creation, fork copies, chdir, fchdir,
 * chroot and getcwd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "sentry/vfs/resolve.h"
#include "sentry/vfs/vfs_internal.h"
#include "sentry/vfs/vfs_ops.h"

int fs_context_new_root(struct fs_context **out)
{
    struct mount *root = vfs_root_mount();
    if (!root)
        return -ENOENT;
    struct fs_context *fs = calloc(1, sizeof(*fs));
    if (!fs)
        return -ENOMEM;
    fs->refs = 1;
    fs->root = (struct path){root, root->root};
    path_get(&fs->root);
    fs->cwd = fs->root;
    path_get(&fs->cwd);
    fs->umask = 022;
    *out = fs;
    return 0;
}

int fs_context_copy(struct fs_context *src, struct fs_context **out)
{
    struct fs_context *fs = calloc(1, sizeof(*fs));
    if (!fs)
        return -ENOMEM;
    fs->refs = 1;
    fs->root = src->root;
    path_get(&fs->root);
    fs->cwd = src->cwd;
    path_get(&fs->cwd);
    fs->umask = src->umask;
    *out = fs;
    return 0;
}

struct fs_context *fs_context_ref(struct fs_context *fs)
{
    fs->refs++;
    return fs;
}

void fs_context_unref(struct fs_context *fs)
{
    CV_BUG_ON(fs && fs->refs <= 0);
    if (!fs || --fs->refs > 0)
        return;
    path_put(&fs->root);
    path_put(&fs->cwd);
    free(fs);
}

/* Make @p (references taken) the cwd of @t after the search-permission check. */
static int set_cwd(struct ctx *ctx, struct path *p)
{
    if (!S_ISDIR(p->dentry->inode->mode))
        return -ENOTDIR;
    int ret = inode_permission(ctx, p->dentry->inode, MAY_EXEC);
    if (ret < 0)
        return ret;
    path_get(p);
    path_put(&ctx->fs->cwd);
    ctx->fs->cwd = *p;
    return 0;
}

int vfs_chdir(struct ctx *ctx, struct file *dir, const char *path)
{
    struct path p;
    int ret = vfs_resolve(ctx, dir, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
    if (ret < 0)
        return ret;
    ret = set_cwd(ctx, &p);
    path_put(&p);
    return ret;
}

int vfs_fchdir(struct ctx *ctx, struct file *f)
{
    if (!f->path)
        return -ENOTDIR;
    return set_cwd(ctx, f->path);
}

int vfs_chroot(struct ctx *ctx, const char *path)
{
    struct path p;
    int ret = vfs_resolve(ctx, NULL, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
    if (ret < 0)
        return ret;
    /* As Linux: the path and search permission are checked before the capability. */
    ret = inode_permission(ctx, p.dentry->inode, MAY_EXEC);
    if (ret == 0 && !vfs_capable(ctx, CAP_SYS_CHROOT))
        ret = -EPERM;
    if (ret == 0) {
        path_put(&ctx->fs->root);
        ctx->fs->root = p; /* the reference moves */
        return 0;
    }
    path_put(&p);
    return ret;
}

int vfs_getcwd(struct ctx *ctx, char *buf, size_t size)
{
    struct fs_context *fs = ctx->fs;
    bool reachable = true, dead = false;
    char *tmp = malloc(VFS_PATH_MAX);
    if (!tmp)
        return -ENOMEM;
    /* A directory shared with the host may have been removed there: Linux says ENOENT. */
    dentry_revalidate(fs->cwd.mnt->root, fs->cwd.dentry);
    int len = vfs_path_string(&fs->cwd, &fs->root, tmp, VFS_PATH_MAX, &reachable, &dead);
    if (len >= 0 && dead)
        len = -ENOENT;
    if (len >= 0 && !reachable) {
        /* Linux prefixes a cwd outside the root with "(unreachable)". */
        static const char pfx[] = "(unreachable)";
        if ((size_t)len + sizeof(pfx) > VFS_PATH_MAX) {
            len = -ENAMETOOLONG;
        } else {
            memmove(tmp + sizeof(pfx) - 1, tmp, (size_t)len + 1);
            memcpy(tmp, pfx, sizeof(pfx) - 1);
            len += (int)sizeof(pfx) - 1;
        }
    }
    if (len >= 0) {
        if ((size_t)len + 1 > size)
            len = -ERANGE;
        else
            memcpy(buf, tmp, (size_t)len + 1);
    }
    free(tmp);
    return len;
}
