// SPDX-License-Identifier: Apache-2.0
/*
 * The path walk: components, ".", "..", mount crossing and symlinks, with Linux's errors
 * (ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP, EACCES). Callers (namei.c, fs_context.c) decide what
 * to do with the last component.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sentry/vfs/resolve.h"

static void path_set(struct path *dst, const struct path *src)
{
    path_get(src);
    path_put(dst);
    *dst = *src;
}

static bool path_is_dir(const struct path *p)
{
    return p->dentry && p->dentry->inode && S_ISDIR(p->dentry->inode->mode);
}

int nd_init(struct nameidata *nd, struct ctx *ctx, struct file *dir, const char *path,
            unsigned flags)
{
    memset(nd, 0, sizeof(*nd));
    nd->ctx = ctx;
    nd->flags = flags;
    dcache_begin_walk(); /* revalidating caches check each name once per walk */
    if (path[0] == '\0' && !(flags & LOOKUP_EMPTY))
        return -ENOENT;
    if (strnlen(path, VFS_PATH_MAX) >= VFS_PATH_MAX)
        return -ENAMETOOLONG;
    if (!ctx->fs)
        return -ENOENT; /* the background context walks no paths */
    nd->root = ctx->fs->root;
    path_get(&nd->root);
    if (path[0] == '/' && !(flags & LOOKUP_SCOPED)) {
        nd->cur = nd->root;
        path_get(&nd->cur);
        return 0;
    }
    if (!dir) {
        nd->cur = ctx->fs->cwd;
        path_get(&nd->cur);
    } else if (!dir->path || (path[0] != '\0' && !path_is_dir(dir->path))) {
        /* COMPAT: Linux gives ENOTDIR for a non-directory dirfd, also for pipes. */
        nd_cleanup(nd);
        return -ENOTDIR;
    } else {
        nd->cur = *(struct path *)dir->path;
        path_get(&nd->cur);
    }
    if (flags & LOOKUP_SCOPED)
        path_set(&nd->root, &nd->cur); /* the walk is scoped to its start */
    return 0;
}

void nd_cleanup(struct nameidata *nd)
{
    path_put(&nd->cur);
    path_put(&nd->root);
    for (int i = 0; i < nd->nbufs; i++)
        free(nd->bufs[i]);
    nd->nbufs = 0;
    if (nd->link_file) {
        file_unref(nd->link_file);
        nd->link_file = NULL;
    }
}

/* Move @p down through every mount stacked on it; -EXDEV instead with LOOKUP_NO_XDEV
 * (@flags) when there is one. */
static int cross_mounts(struct path *p, unsigned flags)
{
    while (p->dentry->mounted) {
        struct mount *m = mount_lookup_child(p->mnt, p->dentry);
        if (!m)
            break;
        if (flags & LOOKUP_NO_XDEV)
            return -EXDEV;
        struct path next = {m, m->root};
        path_set(p, &next);
    }
    return 0;
}

/* "..": stays at the task root and at the tree root; climbs out of mounts. At the root of
 * a RESOLVE_BENEATH walk, and out of a mount under RESOLVE_NO_XDEV: -EXDEV. */
static int step_dotdot(struct nameidata *nd)
{
    for (;;) {
        struct path *c = &nd->cur;
        if (c->mnt == nd->root.mnt && c->dentry == nd->root.dentry)
            return (nd->flags & LOOKUP_BENEATH) ? -EXDEV : 0;
        if (c->dentry != c->mnt->root) {
            if (!c->dentry->parent)
                return 0;
            struct path up = {c->mnt, c->dentry->parent};
            path_set(c, &up);
            break;
        }
        if (!c->mnt->parent)
            return 0;
        if (nd->flags & LOOKUP_NO_XDEV)
            return -EXDEV;
        struct path out = {c->mnt->parent, c->mnt->mountpoint};
        path_set(c, &out);
    }
    return cross_mounts(&nd->cur, nd->flags);
}

/* The current directory must be a searchable directory. */
static int may_lookup(struct nameidata *nd)
{
    struct inode *dir = nd->cur.dentry->inode;
    if (!S_ISDIR(dir->mode))
        return -ENOTDIR;
    return inode_permission(nd->ctx, dir, MAY_EXEC);
}

static int lookup_component(struct nameidata *nd, const char *name, size_t len, const char *rest,
                            struct path *out)
{
    int ret = may_lookup(nd);
    if (ret < 0)
        return ret;
    if (len > VFS_NAME_MAX)
        return -ENAMETOOLONG;
    struct dentry *d = NULL;
    ret = dentry_lookup_child(nd->ctx, nd->cur.dentry, name, len, rest, LOOKUP_MAY_UNLOCK, &d);
    if (ret < 0)
        return ret;
    out->mnt = mount_ref(nd->cur.mnt);
    out->dentry = d;
    if (d && (ret = cross_mounts(out, nd->flags)) < 0) {
        path_put(out);
        *out = (struct path){0};
    }
    return ret;
}

int nd_lookup_child(struct nameidata *nd, struct path *out)
{
    return lookup_component(nd, nd->last, nd->last_len, NULL, out);
}

static bool is_symlink(const struct path *p)
{
    return S_ISLNK(p->dentry->inode->mode);
}

/* Walk one intermediate component: it must end up as a directory. */
static int walk_intermediate(struct nameidata *nd, const char *name, size_t len, const char *rest)
{
    if (len == 1 && name[0] == '.')
        return may_lookup(nd);
    if (len == 2 && name[0] == '.' && name[1] == '.') {
        int ret = may_lookup(nd);
        return ret < 0 ? ret : step_dotdot(nd);
    }
    struct path next = {0};
    int ret = lookup_component(nd, name, len, rest, &next);
    if (ret < 0)
        return ret;
    if (!next.dentry) {
        path_put(&next);
        return -ENOENT;
    }
    if (is_symlink(&next)) {
        ret = nd_link_enter(nd, &next);
        path_put(&next);
        if (ret < 0)
            return ret;
        return nd_lookup_last(nd, true, true);
    }
    path_set(&nd->cur, &next);
    path_put(&next);
    return S_ISDIR(nd->cur.dentry->inode->mode) ? 0 : -ENOTDIR;
}

int nd_walk(struct nameidata *nd, const char *path)
{
    if (*path == '/') {
        /* An absolute path or symlink: out of a RESOLVE_BENEATH walk; to another mount
         * than the root's under RESOLVE_NO_XDEV. */
        if (nd->flags & LOOKUP_BENEATH)
            return -EXDEV;
        if ((nd->flags & LOOKUP_NO_XDEV) && nd->cur.mnt != nd->root.mnt)
            return -EXDEV;
        path_set(&nd->cur, &nd->root);
        while (*path == '/')
            path++;
    }
    nd->last = path;
    nd->last_len = 0;
    nd->last_type = LAST_ROOT;
    nd->trailing_slash = false;
    while (*path) {
        const char *name = path;
        size_t len = strcspn(path, "/");
        path += len;
        bool slash = *path == '/';
        while (*path == '/')
            path++;
        if (*path == '\0') {
            nd->last = name;
            nd->last_len = len;
            nd->trailing_slash = slash;
            if (len == 1 && name[0] == '.')
                nd->last_type = LAST_DOT;
            else if (len == 2 && name[0] == '.' && name[1] == '.')
                nd->last_type = LAST_DOTDOT;
            else
                nd->last_type = LAST_NORM;
            return len > VFS_NAME_MAX ? -ENAMETOOLONG : 0;
        }
        int ret = walk_intermediate(nd, name, len, path);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* Follow a magic link: continue at the path of the file it stands for. Returns 1 when the
 * file has no path (then nd->link_file holds it), 0 when the walk moved, -EOPNOTSUPP when
 * the link is an ordinary one after all, or -errno. */
static int nd_magic_link(struct nameidata *nd, struct inode *inode)
{
    struct file *f;
    int ret = inode->ops->get_link_file(nd->ctx, inode, &f);
    if (ret < 0)
        return ret;
    if (!f->path) {
        if (nd->link_file)
            file_unref(nd->link_file);
        nd->link_file = f;
        return 1;
    }
    path_set(&nd->cur, (struct path *)f->path);
    file_unref(f);
    return 0;
}

/* A magic link is about to be followed: Linux's nd_jump_link checks. */
static int may_jump_link(struct nameidata *nd)
{
    if (nd->flags & LOOKUP_NO_MAGICLINKS)
        return -ELOOP;
    if (nd->flags & LOOKUP_SCOPED)
        return -EXDEV; /* not safe for a scoped walk, as Linux */
    return 0;
}

int nd_link_enter(struct nameidata *nd, const struct path *link)
{
    if (nd->flags & LOOKUP_NO_SYMLINKS)
        return -ELOOP;
    if (++nd->nlinks > VFS_MAXSYMLINKS || nd->nbufs >= VFS_MAXSYMLINKS + 1)
        return -ELOOP;
    struct inode *inode = link->dentry->inode;
    if (inode->ops && inode->ops->get_link_file) {
        int ret = nd_magic_link(nd, inode);
        if (ret == -EOPNOTSUPP)
            goto text;
        int jump = may_jump_link(nd);
        if (jump < 0)
            return jump;
        if (ret <= 0) {
            nd->last_type = LAST_ROOT; /* the walk is at its target already */
            nd->trailing_slash = false;
            return ret;
        }
        return -ENOENT; /* an anonymous file, reached by a walk that cannot use it */
    }
text:;
    if (!inode->ops || !inode->ops->readlink)
        return -EINVAL;
    /* nd->cur is still the directory that holds the link. */
    int perm = vfs_may_follow_link(nd->ctx, nd->cur.dentry->inode, inode);
    if (perm < 0)
        return perm;
    char *buf = malloc(VFS_PATH_MAX);
    if (!buf)
        return -ENOMEM;
    nd->bufs[nd->nbufs++] = buf;
    int len = inode->ops->readlink(nd->ctx, inode, buf, VFS_PATH_MAX - 1);
    if (len < 0)
        return len;
    buf[len] = '\0';
    if (len == 0)
        return -ENOENT;
    return nd_walk(nd, buf);
}

int nd_lookup_last(struct nameidata *nd, bool follow, bool must_dir)
{
    for (;;) {
        must_dir |= nd->trailing_slash;
        int ret;
        switch (nd->last_type) {
        case LAST_ROOT:
            break;
        case LAST_DOT:
            ret = may_lookup(nd);
            if (ret < 0)
                return ret;
            break;
        case LAST_DOTDOT:
            ret = may_lookup(nd);
            if (ret == 0)
                ret = step_dotdot(nd);
            if (ret < 0)
                return ret;
            break;
        case LAST_NORM: {
            struct path next = {0};
            ret = nd_lookup_child(nd, &next);
            if (ret < 0)
                return ret;
            if (!next.dentry) {
                path_put(&next);
                return -ENOENT;
            }
            if (is_symlink(&next) && (follow || nd->trailing_slash)) {
                struct inode *li = next.dentry->inode;
                if (nd->flags & LOOKUP_NO_SYMLINKS) {
                    path_put(&next);
                    return -ELOOP;
                }
                if (li->ops && li->ops->get_link_file && !nd->trailing_slash &&
                    (ret = nd_magic_link(nd, li)) != -EOPNOTSUPP) {
                    int jump = may_jump_link(nd);
                    if (jump < 0 || ++nd->nlinks > VFS_MAXSYMLINKS) {
                        path_put(&next);
                        return jump < 0 ? jump : -ELOOP;
                    }
                    if (ret == 1) { /* no path: stay on the link; the opener takes the file */
                        path_set(&nd->cur, &next);
                        ret = 0;
                    }
                    path_put(&next);
                    if (ret < 0)
                        return ret;
                    break;
                }
                ret = nd_link_enter(nd, &next);
                path_put(&next);
                if (ret < 0)
                    return ret;
                follow = true;
                continue;
            }
            path_set(&nd->cur, &next);
            path_put(&next);
            break;
        }
        }
        if (must_dir && !S_ISDIR(nd->cur.dentry->inode->mode))
            return -ENOTDIR;
        return 0;
    }
}

int vfs_resolve_link_file(struct ctx *ctx, struct file *dir, const char *path, unsigned flags,
                          struct path *out, struct file **link_file)
{
    struct nameidata nd;
    int ret = nd_init(&nd, ctx, dir, path, flags);
    if (ret < 0)
        return ret;
    ret = nd_walk(&nd, path);
    if (ret == 0)
        ret = nd_lookup_last(&nd, flags & LOOKUP_FOLLOW, flags & LOOKUP_DIRECTORY);
    if (ret == 0) {
        *out = nd.cur;
        nd.cur = (struct path){0};
        if (link_file) {
            *link_file = nd.link_file;
            nd.link_file = NULL;
        }
    }
    nd_cleanup(&nd);
    return ret;
}

int vfs_resolve(struct ctx *ctx, struct file *dir, const char *path, unsigned flags,
                struct path *out)
{
    return vfs_resolve_link_file(ctx, dir, path, flags, out, NULL);
}

int vfs_resolve_parent(struct ctx *ctx, struct file *dir, const char *path,
                       struct resolve_parent *out)
{
    struct nameidata nd;
    memset(out, 0, sizeof(*out));
    int ret = nd_init(&nd, ctx, dir, path, 0);
    if (ret < 0)
        return ret;
    ret = nd_walk(&nd, path);
    if (ret == 0)
        ret = may_lookup(&nd);
    if (ret == 0) {
        out->dir = nd.cur;
        nd.cur = (struct path){0};
        memcpy(out->name, nd.last, nd.last_len);
        out->name[nd.last_len] = '\0';
        out->len = nd.last_len;
        out->type = nd.last_type;
        out->trailing_slash = nd.trailing_slash;
    }
    nd_cleanup(&nd);
    return ret;
}
