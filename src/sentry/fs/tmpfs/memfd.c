// SPDX-License-Identifier: Apache-2.0
/*
 * memfd_create(2) files and file seals: each memfd is a tmpfs regular file on an internal
 * tmpfs mount, created and unlinked at once, so it lives as long as its open files and shows
 * as "/memfd:NAME (deleted)" in /proc/pid/fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/fs/tmpfs/tmpfs_internal.h"
#include "sentry/vfs/vfs_ops.h"

#define MFD_CLOEXEC_FLAG 0x1u
#define MFD_ALLOW_SEALING_FLAG 0x2u
#define MFD_NAME_MAX (VFS_NAME_MAX - 6) /* strlen("memfd:") */

static struct mount *g_memfd_mnt; /* created on first use; lives forever */

int tmpfs_memfd_create(struct ctx *ctx, const char *name, unsigned int flags, struct file **out)
{
    if (flags & ~(MFD_CLOEXEC_FLAG | MFD_ALLOW_SEALING_FLAG))
        return -EINVAL; /* COMPAT: no MFD_HUGETLB, MFD_NOEXEC_SEAL, MFD_EXEC */
    if (strlen(name) > MFD_NAME_MAX)
        return -EINVAL;
    if (!g_memfd_mnt) {
        int ret = vfs_kern_mount("tmpfs", NULL, &g_memfd_mnt);
        if (ret < 0)
            return ret;
    }
    char full[VFS_NAME_MAX + 1];
    snprintf(full, sizeof(full), "memfd:%s", name);
    struct dentry *root = g_memfd_mnt->root;
    struct inode *inode;
    int ret = root->inode->ops->create(ctx, root->inode, full, S_IFREG | 0777, 0, NULL, &inode);
    if (ret < 0)
        return ret;
    struct tmpfs_node *n = inode->priv;
    n->seals = (flags & MFD_ALLOW_SEALING_FLAG) ? 0 : TMPFS_SEAL_SEAL;
    struct dentry *d = dcache_add(root, full, strlen(full), inode);
    inode_unref(inode);
    if (!d)
        return -ENOMEM;
    dentry_ref(d);
    dcache_drop(d); /* unlinked at once; the inode keeps nlink 1 as Linux's memfd */
    struct path p = {.mnt = g_memfd_mnt, .dentry = d};
    ret = vfs_open_path(ctx, &p, O_RDWR, out);
    dentry_unref(d);
    return ret;
}

/* fcntl(F_GET_SEALS) and fcntl(F_ADD_SEALS), reached through ->ioctl. */
long tmpfs_seals_fcntl(struct ctx *ctx, struct file *f, unsigned int cmd, uint64_t arg)
{
    struct tmpfs_node *n = f->inode->priv;
    if (!n->sealable)
        return -EINVAL;
    if (cmd == VFS_FCNTL_GET_SEALS)
        return n->seals;
    unsigned int add = (unsigned int)arg;
    if (add & ~(TMPFS_SEAL_SEAL | TMPFS_SEAL_SHRINK | TMPFS_SEAL_GROW | TMPFS_SEAL_WRITE |
                TMPFS_SEAL_FUTURE_WRITE))
        return -EINVAL;
    if (!file_writable(f))
        return -EPERM;
    if (n->seals & TMPFS_SEAL_SEAL)
        return -EPERM;
    /* COMPAT: F_SEAL_WRITE does not check for writable shared mappings (Linux: EBUSY). */
    n->seals |= add;
    return 0;
}
