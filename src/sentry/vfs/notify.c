// SPDX-License-Identifier: Apache-2.0
/*
 * Filesystem change notification hooks. The VFS reports events (IN_* bits of inotify(7)) on
 * inodes that carry watches; the inotify implementation (fs/anon/inotify.c) registers itself
 * at boot, so the VFS does not depend on it.
 */
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>

#include "sentry/vfs/vfs_internal.h"

static const struct vfs_notify_ops *g_notify_ops; /* Immutable after boot */
static uint32_t g_next_cookie = 1;                /* Protected by the kernel lock */

void vfs_register_notify(const struct vfs_notify_ops *ops)
{
    g_notify_ops = ops;
}

void vfs_notify(struct inode *inode, uint32_t mask, uint32_t cookie, const char *name)
{
    if (inode && inode->watches && g_notify_ops)
        g_notify_ops->event(inode, mask, cookie, name);
}

void vfs_notify_dentry(struct dentry *d, uint32_t mask)
{
    if (!d || !d->inode || !g_notify_ops)
        return;
    if (S_ISDIR(d->inode->mode))
        mask |= VFS_IN_ISDIR;
    if (d->parent && !d->dead)
        vfs_notify(d->parent->inode, mask, 0, d->name);
    vfs_notify(d->inode, mask, 0, NULL);
}

void vfs_notify_file(struct file *f, uint32_t mask)
{
    if (f->path && !(f->flags & O_PATH))
        vfs_notify_dentry(file_dentry(f), mask);
}

uint32_t vfs_notify_cookie(void)
{
    return g_next_cookie++;
}
