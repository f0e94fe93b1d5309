// SPDX-License-Identifier: Apache-2.0
/*
 * Linux's file permission model, read from the acting context's credentials: the mode bits
 * with the capability overrides (generic_permission), ownership tests (CAP_FOWNER), the
 * sticky-directory rule, the protected_hardlinks and protected_symlinks policies, the
 * ownership of new inodes (set-group-ID directories) and the set-ID bits a write or a chown
 * clears. One user namespace, so "capable with respect to the inode" is plain capable.
 */
#include <errno.h>
#include <sys/stat.h>

#include "sentry/vfs/vfs_internal.h"

/* The fs.protected_* sysctls (/proc/sys/fs), as the distributions set them. */
struct vfs_sysctl g_vfs_sysctl = {.protected_hardlinks = 1, .protected_symlinks = 1};

static bool capable(const struct ctx *ctx, int cap)
{
    return cred_capable(ctx->cred, cap);
}

/* The owner, group or other bits of @inode that apply to the caller. */
static unsigned class_bits(const struct ctx *ctx, const struct inode *inode)
{
    const struct cred *c = ctx->cred;
    if (c->fsuid == inode->uid)
        return (inode->mode >> 6) & 7;
    if (cred_in_group(c, inode->gid))
        return (inode->mode >> 3) & 7;
    return inode->mode & 7;
}

int inode_permission(struct ctx *ctx, const struct inode *inode, int mask)
{
    if (inode->ops && inode->ops->permission)
        return inode->ops->permission(ctx, inode, mask & (MAY_READ | MAY_WRITE | MAY_EXEC));
    return generic_permission(ctx, inode, mask);
}

int generic_permission(struct ctx *ctx, const struct inode *inode, int mask)
{
    mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
    if (!((unsigned)mask & ~class_bits(ctx, inode)))
        return 0;
    if (S_ISDIR(inode->mode)) {
        /* Reading and searching a directory is CAP_DAC_READ_SEARCH; anything is
         * CAP_DAC_OVERRIDE. */
        if (!(mask & MAY_WRITE) && capable(ctx, CAP_DAC_READ_SEARCH))
            return 0;
        return capable(ctx, CAP_DAC_OVERRIDE) ? 0 : -EACCES;
    }
    if (mask == MAY_READ && capable(ctx, CAP_DAC_READ_SEARCH))
        return 0;
    /* Executing needs at least one x bit, even with CAP_DAC_OVERRIDE. */
    if ((!(mask & MAY_EXEC) || (inode->mode & 0111)) && capable(ctx, CAP_DAC_OVERRIDE))
        return 0;
    return -EACCES;
}

bool inode_owner_or_capable(struct ctx *ctx, const struct inode *inode)
{
    return ctx->cred->fsuid == inode->uid || capable(ctx, CAP_FOWNER);
}

bool vfs_capable(struct ctx *ctx, int cap)
{
    return capable(ctx, cap);
}

int vfs_check_sticky(struct ctx *ctx, const struct inode *dir, const struct inode *victim)
{
    uint32_t fsuid = ctx->cred->fsuid;
    if (!(dir->mode & S_ISVTX) || fsuid == victim->uid || fsuid == dir->uid)
        return 0;
    return capable(ctx, CAP_FOWNER) ? 0 : -EPERM;
}

int vfs_may_link(struct ctx *ctx, const struct inode *inode)
{
    if (!g_vfs_sysctl.protected_hardlinks || inode_owner_or_capable(ctx, inode))
        return 0;
    /* Linux's safe_hardlink_source: a regular file that is neither set-user-ID nor
     * executable set-group-ID, and that the caller may read and write. */
    uint32_t m = inode->mode;
    if (S_ISREG(m) && !(m & S_ISUID) && (m & (S_ISGID | S_IXGRP)) != (S_ISGID | S_IXGRP) &&
        inode_permission(ctx, inode, MAY_READ | MAY_WRITE) == 0)
        return 0;
    return -EPERM;
}

int vfs_may_follow_link(struct ctx *ctx, const struct inode *dir, const struct inode *link)
{
    if (!g_vfs_sysctl.protected_symlinks)
        return 0;
    uint32_t fsuid = ctx->cred->fsuid;
    /* Only links in sticky, world-writable directories are guarded, and only those whose
     * owner is neither the follower nor the directory's owner. */
    if ((dir->mode & (S_ISVTX | S_IWOTH)) != (S_ISVTX | S_IWOTH))
        return 0;
    if (link->uid == fsuid || link->uid == dir->uid)
        return 0;
    return -EACCES;
}

void vfs_init_owner(struct ctx *ctx, const struct inode *dir, uint32_t *mode, uint32_t *uid,
                    uint32_t *gid)
{
    *uid = ctx->cred->fsuid;
    *gid = ctx->cred->fsgid;
    if (!(dir->mode & S_ISGID))
        return;
    /* BSD group semantics of set-group-ID directories: the directory's group, and
     * subdirectories inherit the bit. */
    *gid = dir->gid;
    if (S_ISDIR(*mode))
        *mode |= S_ISGID;
    else if ((*mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
             !cred_in_group(ctx->cred, *gid) && !capable(ctx, CAP_FSETID))
        *mode &= ~(uint32_t)S_ISGID;
}

uint32_t vfs_suid_to_clear(struct ctx *ctx, const struct inode *inode)
{
    uint32_t m = inode->mode, kill = 0;
    if (!S_ISREG(m))
        return 0;
    if (m & S_ISUID)
        kill |= S_ISUID;
    /* Set-group-ID goes if the file is group-executable, or if the writer is not in its
     * group (Linux >= 6.2; without the x bit it used to mark mandatory locking only). */
    if ((m & S_ISGID) && ((m & S_IXGRP) || !cred_in_group(ctx->cred, inode->gid)))
        kill |= S_ISGID;
    return kill && !capable(ctx, CAP_FSETID) ? kill : 0;
}
