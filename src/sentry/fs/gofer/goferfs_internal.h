// SPDX-License-Identifier: Apache-2.0
/* Private state shared by goferfs.c (names, inodes) and gofer_file.c (open files, mmap). */
#pragma once

#include <stdint.h>

#include "sentry/fs/gofer/client.h"
#include "sentry/memmap/mappable.h"
#include "sentry/vfs/vfs_internal.h"

/* inode->priv of every goferfs inode. Protected by the kernel lock. */
struct gofer_inode {
    struct mappable mappable;    /* regular files, for MAP_PRIVATE mappings */
    struct inode *inode;         /* back pointer (not a reference) */
    struct gofer_client *client; /* not owned */
    uint64_t fid;                /* owned: closed at evict */
    uint64_t host_dev, host_ino; /* Immutable: the host file's identity (revalidation) */
    char *target;                /* symlinks: cached target, or NULL until read */
    int map_fd;                  /* host fd read by mappings, -1 when none */
    int map_refs;                /* references handed out on the mappable */
};

/* Open @f (a regular file or directory of goferfs). */
int gofer_file_open(struct task *t, struct inode *inode, struct file *f);
/* Release the mapping state of an inode being evicted. */
void gofer_file_evict(struct gofer_inode *gi);
