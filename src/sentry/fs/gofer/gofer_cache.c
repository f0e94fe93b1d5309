// SPDX-License-Identifier: Apache-2.0
/*
 * The page cache of goferfs regular files that are shared-mapped: memory-file frames, one
 * per file page, filled from the host file on first use and shared by every MAP_SHARED
 * mapping of the inode in the sandbox (as gVisor's gofer client caches mapped pages). What
 * the app writes through a mapping reaches the host file by writeback: on msync, fsync and
 * when the last mapping goes away. read()/write() through descriptors stay coherent with the
 * cached pages (gofer_file.c calls the overlay/update helpers here).
 *
 * COMPAT: the platform gives no dirty bits, so writeback writes every cached page (never past
 * the end of the file). That is cheap for the small files programs map shared (SQLite's
 * -shm, LMDB's lock file), and costly for a large file mapped shared and written rarely.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "sentry/fs/gofer/goferfs_internal.h"
#include "sentry/memfile/memfile.h"
#include "sentry/mm/mm.h"

#define PAGE 4096u
#define CHUNK_PAGES 512u
#define WB_IOV 64 /* pages per pwritev of writeback */

/* The cached frame of page @idx, or 0. */
static uint64_t cache_lookup(const struct gofer_inode *gi, uint64_t idx)
{
    uint64_t c = idx / CHUNK_PAGES;
    if (c >= gi->nchunks || !gi->chunks[c])
        return 0;
    return gi->chunks[c][idx % CHUNK_PAGES];
}

/* The slot for page @idx, creating its chunk. NULL on ENOMEM. */
static uint64_t *cache_slot(struct gofer_inode *gi, uint64_t idx)
{
    uint64_t c = idx / CHUNK_PAGES;
    if (c >= gi->nchunks) {
        size_t ncount = gi->nchunks ? gi->nchunks : 4;
        while (ncount <= c)
            ncount *= 2;
        uint64_t **nc = realloc(gi->chunks, ncount * sizeof(*nc));
        if (!nc)
            return NULL;
        memset(nc + gi->nchunks, 0, (ncount - gi->nchunks) * sizeof(*nc));
        gi->chunks = nc;
        gi->nchunks = ncount;
    }
    if (!gi->chunks[c]) {
        gi->chunks[c] = calloc(CHUNK_PAGES, sizeof(uint64_t));
        if (!gi->chunks[c])
            return NULL;
    }
    return &gi->chunks[c][idx % CHUNK_PAGES];
}

ssize_t gofer_host_pread_full(int fd, uint64_t off, char *dst, size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t n = pread(fd, dst + done, size - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* Read [@off, @off+@size) of the host file into @dst; bytes past the host's end read as
 * zero. Returns 0 or -errno. COMPAT: with the kernel lock held (mm gives no task). */
static int host_read(int fd, uint64_t off, char *dst, size_t size)
{
    ssize_t n = gofer_host_pread_full(fd, off, dst, size);
    if (n < 0)
        return (int)n;
    memset(dst + n, 0, size - (size_t)n);
    return 0;
}

int gofer_cache_get_frame(struct gofer_inode *gi, uint64_t off, uint64_t *frame)
{
    uint64_t size = (uint64_t)gi->inode->size;
    if (off >= (size + PAGE - 1) / PAGE * PAGE)
        return -EFAULT; /* wholly past the end: SIGBUS */
    uint64_t *slot = cache_slot(gi, off / PAGE);
    if (!slot)
        return -ENOMEM;
    if (!*slot) {
        uint64_t f;
        int err = memfile_alloc(&f);
        if (err < 0)
            return err;
        uint64_t start = off / PAGE * PAGE;
        err = host_read(gi->map_fd, start, memfile_ptr(f), (size_t)MIN(PAGE, size - start));
        if (err < 0) {
            memfile_unref(f);
            return err;
        }
        *slot = f;
    }
    memfile_ref(*slot);
    *frame = *slot;
    return 0;
}

/* Write the pages in @iov (@cnt of them, file pages from @off on) to the host, up to @end
 * (the end of the file). Returns 0 or -errno. */
static int write_run(int fd, struct iovec *iov, int cnt, uint64_t off, uint64_t end)
{
    uint64_t run_end = off + (uint64_t)cnt * PAGE;
    if (run_end > end)
        iov[cnt - 1].iov_len -= (size_t)(run_end - end);
    while (cnt > 0) {
        ssize_t n = pwritev(fd, iov, cnt, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        off += (uint64_t)n;
        while (cnt > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            cnt--;
        }
        if (cnt > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

int gofer_cache_writeback(struct gofer_inode *gi, uint64_t off, uint64_t size)
{
    if (!gi->chunks || !gi->map_fd_writable)
        return 0; /* no cache, or no mapping could ever write it */
    uint64_t end = (uint64_t)gi->inode->size;
    if (size < end - MIN(off, end))
        end = off + size;
    struct iovec iov[WB_IOV];
    int cnt = 0;
    uint64_t run_off = 0;
    int err = 0;
    for (uint64_t idx = off / PAGE; idx * PAGE < end && err == 0; idx++) {
        uint64_t f = cache_lookup(gi, idx);
        if (cnt > 0 && (!f || cnt == WB_IOV)) {
            err = write_run(gi->map_fd, iov, cnt, run_off, end);
            cnt = 0;
        }
        if (!f) {
            if (idx % CHUNK_PAGES == 0 &&
                (idx / CHUNK_PAGES >= gi->nchunks || !gi->chunks[idx / CHUNK_PAGES]))
                idx += CHUNK_PAGES - 1; /* skip a missing chunk */
            continue;
        }
        if (cnt == 0)
            run_off = idx * PAGE;
        iov[cnt++] = (struct iovec){memfile_ptr(f), PAGE};
    }
    if (cnt > 0 && err == 0)
        err = write_run(gi->map_fd, iov, cnt, run_off, end);
    if (err < 0) {
        log_warn("writeback of a shared-mapped file failed: %s", strerror(-err));
        gi->wb_err = err;
    }
    return err;
}

/* Drop the cached pages wholly at or past page @first. Mappings keep their own frame
 * references until the caller takes the pages from them (mm_invalidate_mappable). */
static void pages_drop_from(struct gofer_inode *gi, uint64_t first)
{
    for (size_t c = first / CHUNK_PAGES; c < gi->nchunks; c++) {
        if (!gi->chunks[c])
            continue;
        size_t start = (c == first / CHUNK_PAGES) ? first % CHUNK_PAGES : 0;
        for (size_t i = start; i < CHUNK_PAGES; i++) {
            if (gi->chunks[c][i])
                memfile_unref(gi->chunks[c][i]);
            gi->chunks[c][i] = 0;
        }
        if (start == 0) {
            free(gi->chunks[c]);
            gi->chunks[c] = NULL;
        }
    }
}

void gofer_cache_drop(struct gofer_inode *gi)
{
    if (!gi->chunks)
        return;
    gofer_cache_writeback(gi, 0, UINT64_MAX);
    pages_drop_from(gi, 0);
    free(gi->chunks);
    gi->chunks = NULL;
    gi->nchunks = 0;
}

/* Take the pages a size change from @old to @size affects from every mapping of @gi: past a
 * shrink all of them (SIGBUS there, zeros if it grows back); the page holding the old or new
 * end from private mappings that have not written it (its tail changed). */
static void invalidate_resized(struct gofer_inode *gi, uint64_t old, uint64_t size)
{
    uint64_t from = MIN(old, size);
    if (from % PAGE)
        mm_invalidate_mappable(&gi->mappable, from, from / PAGE * PAGE + PAGE, MM_INVAL_CONTENTS);
    if (size < old)
        mm_invalidate_mappable(&gi->mappable, (size + PAGE - 1) / PAGE * PAGE, UINT64_MAX,
                               MM_INVAL_TRUNCATE);
}

void gofer_cache_resized(struct gofer_inode *gi, uint64_t old, uint64_t size)
{
    if (old == size)
        return;
    if (!gi->chunks) {
        invalidate_resized(gi, old, size); /* private mappings only */
        return;
    }
    /* The page that holds the new end keeps only the bytes before it: past a shrink they are
     * gone, past a growth they are what the host has there (zeros after ftruncate). */
    uint64_t from = MIN(old, size);
    uint64_t f = from % PAGE ? cache_lookup(gi, from / PAGE) : 0;
    if (f) {
        char *p = memfile_ptr(f);
        size_t tail = PAGE - from % PAGE;
        size_t valid = (size_t)MIN((uint64_t)tail, size - MIN(size, from));
        if (host_read(gi->map_fd, from, p + from % PAGE, valid) < 0)
            memset(p + from % PAGE, 0, valid);
        memset(p + from % PAGE + valid, 0, tail - valid);
    }
    if (size < old)
        pages_drop_from(gi, (size + PAGE - 1) / PAGE);
    invalidate_resized(gi, old, size);
}

/* Copy between the cached pages of [@pos, @pos+@n) and @iov: to the pages when @to_cache,
 * else from them. Pages that are not cached are left alone. */
static void cache_copy(struct gofer_inode *gi, uint64_t pos, const struct iovec *iov, int cnt,
                       size_t n, bool to_cache)
{
    size_t seg_off = 0;
    while (n > 0 && cnt > 0) {
        if (seg_off == iov->iov_len) {
            iov++;
            cnt--;
            seg_off = 0;
            continue;
        }
        size_t len = MIN(n, MIN(iov->iov_len - seg_off, (size_t)(PAGE - pos % PAGE)));
        uint64_t f = cache_lookup(gi, pos / PAGE);
        if (f) {
            char *page = (char *)memfile_ptr(f) + pos % PAGE;
            char *buf = (char *)iov->iov_base + seg_off;
            if (to_cache)
                memmove(page, buf, len);
            else
                memmove(buf, page, len);
        }
        pos += len;
        seg_off += len;
        n -= len;
    }
}

void gofer_cache_update(struct gofer_inode *gi, uint64_t pos, const struct iovec *iov, int cnt,
                        size_t n)
{
    if (gi->chunks)
        cache_copy(gi, pos, iov, cnt, n, true);
}

void gofer_cache_overlay(struct gofer_inode *gi, uint64_t pos, const struct iovec *iov, int cnt,
                         size_t n)
{
    if (gi->chunks)
        cache_copy(gi, pos, iov, cnt, n, false);
}
