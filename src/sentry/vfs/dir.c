// SPDX-License-Identifier: Apache-2.0
/*
 * Directory files of DCACHE_AUTHORITATIVE filesystems (tmpfs, devfs): getdents over the cached
 * children. Offsets are stable: "." is 0, ".." is 1 and every child keeps the offset it got
 * when it was linked (increasing in list order), so entries added or removed between calls
 * never make the listing skip or repeat the others.
 */
#include <errno.h>

#include "sentry/vfs/vfs_internal.h"

int dcache_dir_iterate(struct ctx *ctx, struct file *f, struct dir_emitter *e)
{
    struct dentry *dir = file_dentry(f);
    if (!dir)
        return -ENOTDIR;
    int ret = dentry_populate(dir);
    if (ret < 0)
        return ret;
    if (f->pos == 0) {
        if (!e->emit(e, ".", dir->inode->ino, vfs_mode_to_dtype(dir->inode->mode), 1))
            return 0;
        f->pos = 1;
    }
    if (f->pos == 1) {
        struct inode *up = dir->parent ? dir->parent->inode : dir->inode;
        if (!e->emit(e, "..", up->ino, vfs_mode_to_dtype(up->mode), 2))
            return 0;
        f->pos = 2;
    }
    struct dentry *c;
    list_for_each_entry(c, &dir->children, sibling)
    {
        if (!c->inode || c->dir_off < (uint64_t)f->pos)
            continue;
        if (!e->emit(e, c->name, c->inode->ino, vfs_mode_to_dtype(c->inode->mode),
                     (int64_t)c->dir_off + 1))
            return 0;
        f->pos = (int64_t)c->dir_off + 1;
    }
    return 0;
}

const struct file_ops g_dcache_dir_fops = {
    .llseek = vfs_dir_llseek,
    .iterate = dcache_dir_iterate,
};
