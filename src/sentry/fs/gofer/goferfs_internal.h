// SPDX-License-Identifier: Apache-2.0
/* Private state shared by goferfs.c (names, inodes) and gofer_file.c (open files, mmap). */
#pragma once

struct ctx;

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/list.h"
#include "sentry/fs/gofer/client.h"
#include "sentry/memmap/mappable.h"
#include "sentry/vfs/vfs_internal.h"

/* inode->priv of every goferfs inode. Protected by the kernel lock. */
struct gofer_inode {
    struct mappable mappable;    /* regular files, for mappings */
    struct inode *inode;         /* back pointer (not a reference) */
    struct gofer_client *client; /* not owned */
    uint64_t fid;                /* owned: closed at evict */
    uint64_t host_dev, host_ino; /* Immutable: the host file's identity (revalidation) */
    char *target;                /* symlinks: cached target, or NULL until read */
    int map_fd;                  /* host fd of mappings and writeback, -1 when none */
    /* A read-only host descriptor that plain read-only opens duplicate instead of asking the
     * gofer (gofer_file.c "Read-only descriptors"), -1 when none; on g_gofer_ro_fds while
     * set. Not on volumes (DCACHE_REVALIDATE), whose files the host may change. */
    int ro_fd;
    struct list_head ro_lru;
    bool map_fd_writable; /* map_fd was opened O_RDWR (a writable fd was mapped) */
    int map_refs;         /* references handed out on the mappable */
    int wb_err;           /* a failed writeback's -errno, reported by the next fsync */
    /* The shared-mapping page cache (gofer_cache.c): frames of file pages in chunks of 512,
     * NULL when no page is cached. Exists only while map_refs > 0. */
    uint64_t **chunks;
    size_t nchunks;
};

/* Open @f (a regular file or directory of goferfs). */
int gofer_file_open(struct ctx *ctx, struct inode *inode, struct file *f);
/* Release the mapping state and the read-only descriptor of an inode being evicted. */
void gofer_file_evict(struct gofer_inode *gi);

/* Most inodes that keep a read-only descriptor (ro_fd) at once; the least recently opened
 * gives its up first. Each one is a host descriptor of the Sentry. */
#define GOFER_RO_FDS_MAX 256u

/* ---- the shared-mapping page cache (gofer_cache.c); caller holds the kernel lock ---- */

/* The frame of the page holding @off, filled from the host file on first use (gi->map_fd
 * open). Returns a new frame reference in *@frame, -EFAULT if @off is wholly past the end of
 * the file (SIGBUS), or -errno. */
int gofer_cache_get_frame(struct gofer_inode *gi, uint64_t off, uint64_t *frame);
/* pread(2) of @size bytes at @off of host @fd, retried until done or the host's end.
 * Returns the bytes read or -errno. */
ssize_t gofer_host_pread_full(int fd, uint64_t off, char *dst, size_t size);
/* Write the cached pages of [@off, @off+@size) to the host file, never past its end. Returns
 * 0 or -errno (also kept in gi->wb_err). */
int gofer_cache_writeback(struct gofer_inode *gi, uint64_t off, uint64_t size);
/* Write back and free the whole cache (the last mapping is gone). */
void gofer_cache_drop(struct gofer_inode *gi);
/* The file's size went from @old to @size: drop pages past a shrink, make the page holding
 * the old or new end match the file (the host's bytes, zeros past the end), and take the
 * pages that changed from every mapping. */
void gofer_cache_resized(struct gofer_inode *gi, uint64_t old, uint64_t size);
/* After @n bytes at @pos went to the host from @iov: put them in the cached pages too. */
void gofer_cache_update(struct gofer_inode *gi, uint64_t pos, const struct iovec *iov, int cnt,
                        size_t n);
/* After @n bytes at @pos came from the host into @iov: replace the bytes of cached pages,
 * which may be newer than the host's. */
void gofer_cache_overlay(struct gofer_inode *gi, uint64_t pos, const struct iovec *iov, int cnt,
                         size_t n);
