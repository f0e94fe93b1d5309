// SPDX-License-Identifier: Apache-2.0
/*
 * tmpfs regular files: data in memory-file frames allocated on first write, indexed by a
 * two-level table (chunks of 512 pages), so sparse files cost only what they use. Because the
 * pages are frames, MAP_SHARED mappings map the file's own pages (writes reach the file), and
 * MAP_PRIVATE ones copy them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/fs/tmpfs/tmpfs_internal.h"
#include "sentry/memfile/memfile.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/vfs_ops.h"

#define PAGE 4096u
#define CHUNK_PAGES 512u
/* COMPAT: tmpfs files are limited to 1 TiB (Linux: MAX_LFS_FILESIZE). */
#define TMPFS_MAX_SIZE (1ull << 40)

static const char g_zero_page[PAGE];

/* The frame slot of the page holding byte @off, or NULL when its chunk does not exist. */
static uint64_t *frame_slot(struct tmpfs_node *n, uint64_t off)
{
    uint64_t idx = off / PAGE;
    uint64_t c = idx / CHUNK_PAGES;
    if (c >= n->nchunks || !n->chunks[c])
        return NULL;
    return &n->chunks[c][idx % CHUNK_PAGES];
}

/* The page holding byte @off, or NULL for a hole. */
static char *page_get(struct tmpfs_node *n, uint64_t off)
{
    uint64_t *slot = frame_slot(n, off);
    return slot && *slot ? memfile_ptr(*slot) : NULL;
}

/* The frame of the page holding byte @off, allocated (zeroed) if needed. 0 on ENOMEM. */
static uint64_t frame_alloc(struct tmpfs_node *n, uint64_t off)
{
    uint64_t idx = off / PAGE;
    uint64_t c = idx / CHUNK_PAGES;
    if (c >= n->nchunks) {
        size_t ncount = n->nchunks ? n->nchunks : 4;
        while (ncount <= c)
            ncount *= 2;
        uint64_t **nc = realloc(n->chunks, ncount * sizeof(*nc));
        if (!nc)
            return 0;
        memset(nc + n->nchunks, 0, (ncount - n->nchunks) * sizeof(*nc));
        n->chunks = nc;
        n->nchunks = ncount;
    }
    if (!n->chunks[c]) {
        n->chunks[c] = calloc(CHUNK_PAGES, sizeof(uint64_t));
        if (!n->chunks[c])
            return 0;
    }
    uint64_t *slot = &n->chunks[c][idx % CHUNK_PAGES];
    if (!*slot) {
        if (memfile_alloc(slot) < 0)
            return 0;
        memfile_mark_shmem(*slot);
        n->inode->blocks += PAGE / 512;
        tmpfs_account(n->inode, 1);
    }
    return *slot;
}

/* The page holding byte @off, allocated (zeroed) if needed. NULL on ENOMEM. */
static char *page_alloc(struct tmpfs_node *n, uint64_t off)
{
    uint64_t frame = frame_alloc(n, off);
    return frame ? memfile_ptr(frame) : NULL;
}

/* Free the pages wholly at or past @from (a page-aligned offset). The caller takes them from
 * the mappings (mm_invalidate_mappable), which keep their own frame references until then. */
static void pages_free_from(struct tmpfs_node *n, uint64_t from)
{
    uint64_t first = from / PAGE;
    for (size_t c = first / CHUNK_PAGES; c < n->nchunks; c++) {
        if (!n->chunks[c])
            continue;
        size_t start = (c == first / CHUNK_PAGES) ? first % CHUNK_PAGES : 0;
        for (size_t i = start; i < CHUNK_PAGES; i++) {
            if (n->chunks[c][i]) {
                memfile_unref(n->chunks[c][i]);
                n->chunks[c][i] = 0;
                n->inode->blocks -= PAGE / 512;
                tmpfs_account(n->inode, -1);
            }
        }
        if (start == 0) {
            free(n->chunks[c]);
            n->chunks[c] = NULL;
        }
    }
}

int tmpfs_file_resize(struct inode *inode, uint64_t size)
{
    struct tmpfs_node *n = inode->priv;
    if (size > TMPFS_MAX_SIZE)
        return -EFBIG;
    uint64_t old = (uint64_t)inode->size;
    if ((size < old && (n->seals & TMPFS_SEAL_SHRINK)) ||
        (size > old && (n->seals & TMPFS_SEAL_GROW)))
        return -EPERM;
    inode->size = (int64_t)size;
    if (size < old) {
        /* Zero the tail of the last partial page so a later extension reads zeros. */
        uint64_t end = (size + PAGE - 1) / PAGE * PAGE;
        if (size % PAGE) {
            char *p = page_get(n, size);
            if (p)
                memset(p + size % PAGE, 0, PAGE - size % PAGE);
            mm_invalidate_mappable(&n->mappable, size, end, MM_INVAL_CONTENTS);
        }
        pages_free_from(n, end);
        /* Every mapping sees it at once: SIGBUS past the end, zeros if it grows again. */
        mm_invalidate_mappable(&n->mappable, end, UINT64_MAX, MM_INVAL_TRUNCATE);
    }
    return 0;
}

void tmpfs_file_free(struct inode *inode)
{
    struct tmpfs_node *n = inode->priv;
    pages_free_from(n, 0);
    free(n->chunks);
    n->chunks = NULL;
    n->nchunks = 0;
}

/* relatime: update atime only if it is older than mtime or ctime. */
static void touch_atime(struct inode *inode, struct file *f)
{
    if (f->flags & O_NOATIME)
        return;
    const struct linux_timespec *a = &inode->atime;
    bool older = a->tv_sec < inode->mtime.tv_sec ||
                 (a->tv_sec == inode->mtime.tv_sec && a->tv_nsec <= inode->mtime.tv_nsec) ||
                 a->tv_sec < inode->ctime.tv_sec ||
                 (a->tv_sec == inode->ctime.tv_sec && a->tv_nsec <= inode->ctime.tv_nsec);
    if (older)
        inode->atime = vfs_now();
}

static ssize_t tmpfs_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct inode *inode = f->inode;
    struct tmpfs_node *n = inode->priv;
    uint64_t off = (uint64_t)*pos;
    size_t total = 0;
    while (uio_remaining(u) > 0 && off < (uint64_t)inode->size) {
        size_t in_page = PAGE - off % PAGE;
        size_t want = MIN(in_page, uio_remaining(u));
        want = (size_t)MIN((uint64_t)want, (uint64_t)inode->size - off);
        const char *p = page_get(n, off);
        size_t got = uio_copy_to(u, (p ? p : g_zero_page) + off % PAGE, want);
        total += got;
        off += got;
        if (got < want)
            break; /* guest fault part-way: a short read */
    }
    *pos = (int64_t)off;
    touch_atime(inode, f);
    return (ssize_t)total;
}

/* Allocate the missing frames of [@from, @to) and back the new ones with host memory in one
 * call per contiguous run. Returns false if the memory file is full (frames allocated so
 * far stay). */
static bool frames_alloc_range(struct tmpfs_node *n, uint64_t from, uint64_t to)
{
    uint64_t run = 0, run_len = 0;
    bool ok = true;
    for (uint64_t o = from / PAGE * PAGE; o < to; o += PAGE) {
        uint64_t *slot = frame_slot(n, o);
        if (slot && *slot)
            continue;
        uint64_t frame = frame_alloc(n, o);
        if (!frame) {
            ok = false;
            break;
        }
        if (run_len && frame == run + run_len) {
            run_len += PAGE;
            continue;
        }
        memfile_populate(run, run_len);
        run = frame;
        run_len = PAGE;
    }
    memfile_populate(run, run_len);
    return ok;
}

static ssize_t tmpfs_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct inode *inode = f->inode;
    struct tmpfs_node *n = inode->priv;
    uint64_t off = (uint64_t)*pos;
    if (off >= TMPFS_MAX_SIZE)
        return -EFBIG;
    if (n->seals & (TMPFS_SEAL_WRITE | TMPFS_SEAL_FUTURE_WRITE))
        return -EPERM;
    if ((n->seals & TMPFS_SEAL_GROW) && off + uio_remaining(u) > (uint64_t)inode->size)
        return -EPERM; /* COMPAT: Linux writes the part that fits first */
    size_t total = 0;
    if (uio_remaining(u) >= 4 * PAGE) /* large writes: all new pages in one go */
        frames_alloc_range(n, off, MIN(off + uio_remaining(u), TMPFS_MAX_SIZE));
    while (uio_remaining(u) > 0 && off < TMPFS_MAX_SIZE) {
        size_t want = MIN((size_t)(PAGE - off % PAGE), uio_remaining(u));
        char *p = page_alloc(n, off);
        if (!p) {
            if (total == 0)
                return -ENOSPC;
            break;
        }
        size_t got = uio_copy_from(u, p + off % PAGE, want);
        total += got;
        off += got;
        if ((int64_t)off > inode->size)
            inode->size = (int64_t)off;
        if (got < want)
            break;
    }
    *pos = (int64_t)off;
    if (total > 0) {
        /* The set-ID bits a writer may not keep went before the write (vfs_write). */
        inode->mtime = inode->ctime = vfs_now();
    } else if (uio_remaining(u) > 0) {
        return -EFAULT;
    }
    return (ssize_t)total;
}

static int tmpfs_truncate(struct ctx *ctx, struct file *f, uint64_t size)
{
    int ret = tmpfs_file_resize(f->inode, size);
    if (ret == 0)
        f->inode->mtime = f->inode->ctime = vfs_now();
    return ret;
}

/* Free the whole pages inside [@from, @to) (both page-aligned). */
static void pages_free_range(struct tmpfs_node *n, uint64_t from, uint64_t to)
{
    for (uint64_t o = from; o < to; o += PAGE) {
        uint64_t idx = o / PAGE, c = idx / CHUNK_PAGES;
        if (c >= n->nchunks || !n->chunks[c]) {
            o = (c + 1) * CHUNK_PAGES * PAGE - PAGE; /* skip the missing chunk */
            continue;
        }
        uint64_t *slot = &n->chunks[c][idx % CHUNK_PAGES];
        if (*slot) {
            memfile_unref(*slot);
            *slot = 0;
            n->inode->blocks -= PAGE / 512;
            tmpfs_account(n->inode, -1);
        }
    }
}

/* Zero the bytes [@from, @to) that lie in allocated pages (holes already read as zeros).
 * Private copies of them not yet written go from the mappings. */
static void bytes_zero(struct tmpfs_node *n, uint64_t from, uint64_t to)
{
    if (from < to)
        mm_invalidate_mappable(&n->mappable, from, to, MM_INVAL_CONTENTS);
    while (from < to) {
        uint64_t page_end = (from / PAGE + 1) * PAGE;
        uint64_t stop = MIN(page_end, to);
        char *p = page_get(n, from);
        if (p)
            memset(p + from % PAGE, 0, (size_t)(stop - from));
        from = stop;
    }
}

/* Punch a hole into [@off, @off+@len) (fallocate PUNCH_HOLE|KEEP_SIZE, MADV_REMOVE): partial
 * pages are zeroed, whole pages freed and taken from every mapping. */
static int punch_hole(struct tmpfs_node *n, uint64_t off, uint64_t len)
{
    struct inode *inode = n->inode;
    if (n->seals & (TMPFS_SEAL_WRITE | TMPFS_SEAL_FUTURE_WRITE))
        return -EPERM;
    uint64_t end = len > UINT64_MAX - off ? UINT64_MAX : off + len;
    uint64_t size = (uint64_t)inode->size;
    uint64_t stop = MIN(end, (size + PAGE - 1) / PAGE * PAGE);
    if (off >= stop)
        return 0;
    uint64_t first_full = (off + PAGE - 1) / PAGE * PAGE;
    uint64_t last_full = stop / PAGE * PAGE;
    if (first_full >= last_full) {
        bytes_zero(n, off, stop);
    } else {
        bytes_zero(n, off, first_full);
        pages_free_range(n, first_full, last_full);
        mm_invalidate_mappable(&n->mappable, first_full, last_full, MM_INVAL_HOLE);
        bytes_zero(n, last_full, stop);
    }
    inode->mtime = inode->ctime = vfs_now();
    return 0;
}

#define FALLOC_KEEP_SIZE 0x01
#define FALLOC_PUNCH_HOLE 0x02
#define FALLOC_ZERO_RANGE 0x10

/*
 * fallocate: allocate (mode 0, KEEP_SIZE), punch holes (PUNCH_HOLE|KEEP_SIZE: partial pages
 * are zeroed, whole pages freed) or zero a range (ZERO_RANGE: zeroed and allocated).
 * COMPAT: Linux tmpfs refuses ZERO_RANGE with EOPNOTSUPP; it is supported here as ext4 does.
 */
static int tmpfs_fallocate(struct ctx *ctx, struct file *f, int mode, uint64_t off, uint64_t len)
{
    struct inode *inode = f->inode;
    struct tmpfs_node *n = inode->priv;
    uint64_t end = off + len;
    if (mode & FALLOC_PUNCH_HOLE)
        return punch_hole(n, off, len);
    if (end > TMPFS_MAX_SIZE)
        return -EFBIG;
    bool grows = !(mode & FALLOC_KEEP_SIZE) && end > (uint64_t)inode->size;
    if (grows && (n->seals & TMPFS_SEAL_GROW))
        return -EPERM;
    if ((mode & FALLOC_ZERO_RANGE) && (n->seals & TMPFS_SEAL_WRITE))
        return -EPERM;
    if (!frames_alloc_range(n, off, end)) /* host memory comes now, as Linux allocates it */
        return -ENOSPC;
    if (mode & FALLOC_ZERO_RANGE) {
        bytes_zero(n, off, end);
        inode->mtime = vfs_now();
    }
    if (grows)
        inode->size = (int64_t)end;
    inode->ctime = vfs_now();
    return 0;
}

/* lseek with SEEK_DATA / SEEK_HOLE at page granularity (allocated pages are data). */
static int64_t tmpfs_llseek(struct ctx *ctx, struct file *f, int64_t off, int whence)
{
    if (whence != SEEK_DATA && whence != SEEK_HOLE)
        return vfs_generic_llseek(ctx, f, off, whence);
    struct tmpfs_node *n = f->inode->priv;
    uint64_t size = (uint64_t)f->inode->size;
    if (off < 0 || (uint64_t)off >= size)
        return -ENXIO;
    uint64_t o = (uint64_t)off;
    while (o < size) {
        bool data = page_get(n, o) != NULL;
        if (data == (whence == SEEK_DATA))
            break;
        o = (o / PAGE + 1) * PAGE;
    }
    if (o >= size) {
        if (whence == SEEK_DATA)
            return -ENXIO;
        o = size; /* the implicit hole at the end */
    }
    if (o < (uint64_t)off)
        o = (uint64_t)off;
    f->pos = (int64_t)o;
    return (int64_t)o;
}

static int tmpfs_fsync(struct ctx *ctx, struct file *f, bool datasync)
{
    return 0;
}

/* ---- mappable --------------------------------------------------------------------------- */

static struct tmpfs_node *node_of(struct mappable *m)
{
    return container_of(m, struct tmpfs_node, mappable);
}

static int tmpfs_map_fill(struct mappable *m, uint64_t off, void *dst, size_t size)
{
    struct tmpfs_node *n = node_of(m);
    uint64_t fsize = (uint64_t)n->inode->size;
    if (off >= (fsize + PAGE - 1) / PAGE * PAGE)
        return -EFAULT;
    for (size_t done = 0; done < size; done += PAGE) {
        uint64_t o = off + done;
        const char *p = o < fsize ? page_get(n, o) : NULL;
        if (!p) {
            memset((char *)dst + done, 0, PAGE);
            continue;
        }
        size_t valid = (size_t)MIN((uint64_t)PAGE, fsize - o);
        memcpy((char *)dst + done, p, valid);
        memset((char *)dst + done + valid, 0, PAGE - valid);
    }
    return 0;
}

/* Shared mappings map the file's own frames; a page past the end gives SIGBUS. */
static int tmpfs_map_get_frame(struct mappable *m, uint64_t off, uint64_t *frame)
{
    struct tmpfs_node *n = node_of(m);
    if (off >= ((uint64_t)n->inode->size + PAGE - 1) / PAGE * PAGE)
        return -EFAULT;
    uint64_t f = frame_alloc(n, off);
    if (!f)
        return -ENOMEM;
    memfile_ref(f);
    *frame = f;
    return 0;
}

/* MADV_REMOVE of a shared mapping. */
static int tmpfs_map_punch(struct mappable *m, uint64_t off, uint64_t size)
{
    return punch_hole(node_of(m), off, size);
}

static uint64_t tmpfs_map_size(struct mappable *m)
{
    return (uint64_t)node_of(m)->inode->size;
}

static void tmpfs_map_ref(struct mappable *m)
{
    inode_ref(node_of(m)->inode);
}

static void tmpfs_map_unref(struct mappable *m)
{
    inode_unref(node_of(m)->inode);
}

static const struct mappable_ops g_tmpfs_mappable_ops = {
    .fill = tmpfs_map_fill,
    .get_frame = tmpfs_map_get_frame,
    .punch = tmpfs_map_punch,
    .size = tmpfs_map_size,
    .ref = tmpfs_map_ref,
    .unref = tmpfs_map_unref,
};

static int tmpfs_get_mappable(struct ctx *ctx, struct file *f, struct mappable **out)
{
    struct tmpfs_node *n = f->inode->priv;
    struct mappable *m = &n->mappable;
    m->ops = &g_tmpfs_mappable_ops;
    m->dev = f->inode->sb->dev;
    m->ino = f->inode->ino;
    if (file_path(f, m->name, sizeof(m->name)) < 0)
        m->name[0] = '\0';
    tmpfs_map_ref(m);
    *out = m;
    return 0;
}

static long tmpfs_ioctl(struct ctx *ctx, struct file *f, unsigned int cmd, gaddr_t arg)
{
    if (cmd == VFS_FCNTL_ADD_SEALS || cmd == VFS_FCNTL_GET_SEALS)
        return tmpfs_seals_fcntl(ctx, f, cmd, arg);
    return -ENOTTY;
}

const struct file_ops g_tmpfs_file_fops = {
    .ioctl = tmpfs_ioctl,
    .read = tmpfs_read,
    .write = tmpfs_write,
    .llseek = tmpfs_llseek,
    .get_mappable = tmpfs_get_mappable,
    .fsync = tmpfs_fsync,
    .truncate = tmpfs_truncate,
    .fallocate = tmpfs_fallocate,
};
