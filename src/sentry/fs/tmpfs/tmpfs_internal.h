// SPDX-License-Identifier: Apache-2.0
/* Private state of tmpfs inodes, shared by tmpfs.c and tmpfs_file.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "sentry/memmap/mappable.h"
#include "sentry/vfs/vfs_internal.h"

/* F_SEAL_* (fcntl.h values). */
#define TMPFS_SEAL_SEAL 0x1u
#define TMPFS_SEAL_SHRINK 0x2u
#define TMPFS_SEAL_GROW 0x4u
#define TMPFS_SEAL_WRITE 0x8u
#define TMPFS_SEAL_FUTURE_WRITE 0x10u

/* One extended attribute of a tmpfs inode. */
struct tmpfs_xattr {
    struct list_head link;
    char *name;
    size_t size;
    char value[];
};

/* inode->priv of every tmpfs inode. Protected by the kernel lock. */
struct tmpfs_node {
    struct mappable mappable; /* regular files: handed to mm, refs map to inode refs */
    struct inode *inode;      /* back pointer (not a reference) */
    uint64_t **chunks;        /* regular files: chunks[i][j] = memory-file frame of page
                               * i*512+j, or 0 for a hole */
    size_t nchunks;
    char *target;            /* symlinks: the target */
    void *ext;               /* owned by a filesystem built on tmpfs (see tmpfs_inode_ext) */
    unsigned seals;          /* regular files: F_SEAL_* (memfd) */
    bool sealable;           /* regular files: fcntl seals apply (F_SEAL_SEAL unless memfd) */
    struct list_head xattrs; /* of struct tmpfs_xattr (link) */
};

/* Count @pages more (or fewer) data pages in the filesystem of @inode (statfs). */
static inline void tmpfs_account(struct inode *inode, int64_t pages)
{
    int64_t *used = inode->sb->priv;
    if (used)
        *used += pages;
}
