// SPDX-License-Identifier: Apache-2.0
/* Private state of tmpfs inodes, shared by tmpfs.c and tmpfs_file.c. */
#pragma once

#include <stddef.h>

#include "sentry/memmap/mappable.h"
#include "sentry/vfs/vfs_internal.h"

/* inode->priv of every tmpfs inode. Protected by the kernel lock. */
struct tmpfs_node {
    struct mappable mappable; /* regular files: handed to mm, refs map to inode refs */
    struct inode *inode;      /* back pointer (not a reference) */
    uint64_t **chunks;        /* regular files: chunks[i][j] = memory-file frame of page
                               * i*512+j, or 0 for a hole */
    size_t nchunks;
    char *target; /* symlinks: the target */
    void *ext;    /* owned by a filesystem built on tmpfs (see tmpfs_inode_ext) */
};
