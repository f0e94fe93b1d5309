// SPDX-License-Identifier: Apache-2.0
/*
 * The memory-file allocator: a bump pointer over a sparse memfd plus a stack of freed frames.
 * Fresh frames from the bump region are zero (sparse file); reused frames are cleared here.
 * Large amounts of freed memory are returned to the host with FALLOC_FL_PUNCH_HOLE.
 */
#include "sentry/memfile/memfile.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mutex.h"

#define NFRAMES (MEMFILE_SIZE / MEMFILE_FRAME)
#define PUNCH_BATCH 4096 /* frames kept on the free stack before returning memory to the host */

static int g_memfd = -1;
static struct cv_mutex *g_lock; /* the lock callers hold (memfile_set_lock), or NULL */
static uint8_t *g_base;
static uint32_t *g_refs;     /* per-frame reference counts (a sparse anonymous mapping) */
static uint32_t *g_pins;     /* per-frame transfer pins (likewise) */
static uint8_t *g_shmem;     /* per-frame: 1 if marked as shared memory (likewise) */
static uint64_t *g_free;     /* stack of free frame numbers */
static uint64_t g_nfree;
static uint64_t g_free_cap;
/* Frames returned to the host (punched): they read as zero, so they need no clearing. */
static uint64_t *g_zero;
static uint64_t g_nzero;
static uint64_t g_zero_cap = PUNCH_BATCH;
static bool g_punch_busy;    /* a batch is being punched (memfile_punch_take) */
static uint64_t g_bump;      /* first never-used frame */
static uint64_t g_used;
static uint64_t g_used_shmem; /* frames in use marked in g_shmem */

int memfile_init(void)
{
    g_memfd = memfd_create("cvisor-memory", 0);
    if (g_memfd < 0)
        return -errno;
    if (ftruncate(g_memfd, MEMFILE_SIZE) < 0)
        return -errno;
    g_base = mmap(NULL, MEMFILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
                  g_memfd, 0);
    if (g_base == MAP_FAILED)
        return -errno;
    g_refs = mmap(NULL, NFRAMES * sizeof(uint32_t), PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (g_refs == MAP_FAILED)
        return -errno;
    g_pins = mmap(NULL, NFRAMES * sizeof(uint32_t), PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (g_pins == MAP_FAILED)
        return -errno;
    g_shmem = mmap(NULL, NFRAMES, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (g_shmem == MAP_FAILED)
        return -errno;
    g_free_cap = PUNCH_BATCH * 2;
    g_free = mmap(NULL, g_free_cap * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g_free == MAP_FAILED)
        return -errno;
    g_bump = 1; /* frame 0 is never handed out, so offset 0 can mean "none" */
    return 0;
}

void memfile_set_lock(struct cv_mutex *lock)
{
    g_lock = lock;
}

/* "Caller holds the lock" (debug builds), once the Sentry named it. */
static inline void assert_locked(void)
{
    if (g_lock)
        CV_LOCK_ASSERT(g_lock);
}

int memfile_fd(void)
{
    return g_memfd;
}

void *memfile_ptr(uint64_t off)
{
    return g_base + off;
}

static void take_frame(uint64_t frame)
{
    g_refs[frame] = 1;
    g_used++;
}

int memfile_alloc(uint64_t *off)
{
    assert_locked();
    uint64_t frame;
    if (g_nzero > 0) {
        frame = g_zero[--g_nzero];
    } else if (g_nfree > 0) {
        frame = g_free[--g_nfree];
        memset(g_base + frame * MEMFILE_FRAME, 0, MEMFILE_FRAME);
    } else {
        if (g_bump >= NFRAMES)
            return -ENOMEM;
        frame = g_bump++;
    }
    take_frame(frame);
    *off = frame * MEMFILE_FRAME;
    return 0;
}

/* How far below the top of a stack take_run looks for a run of contiguous frames, and how
 * many frames must have been freed before a failed search sorts that part of g_free. */
#define RUN_SEARCH 1024
#define SORT_EVERY 256
static uint64_t g_frees_since_sort; /* protected like the stacks */

/*
 * @count contiguous frames in ascending order on @stack (a run freed together, as munmap
 * frees a fault-around window, or sorted by a punch) among its top RUN_SEARCH entries, the
 * highest such run, taken off it (the entries above it move down); else 0. Not only the very
 * top: a mapping that does not start on a window boundary frees a short window last, and
 * the runs below it must still be found, or every later fault of a map-touch-unmap loop
 * grows the file and the freed frames pile up until they are punched.
 */
static uint64_t take_run(uint64_t *stack, uint64_t *n, unsigned count)
{
    uint64_t lowest = *n > RUN_SEARCH ? *n - RUN_SEARCH : 0;
    uint64_t end = *n; /* look for a run ending just below stack[end] */
    while (end >= lowest + count) {
        uint64_t len = 1; /* stack[end - len, end) is ascending and contiguous */
        while (len < count && stack[end - len - 1] + 1 == stack[end - len])
            len++;
        if (len == count) {
            uint64_t base = stack[end - count];
            memmove(stack + end - count, stack + end, (*n - end) * sizeof(*stack));
            *n -= count;
            return base;
        }
        end -= len;
    }
    return 0;
}

static int frame_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t take_free_run(unsigned count)
{
    uint64_t base = take_run(g_zero, &g_nzero, count);
    if (base)
        return base;
    base = take_run(g_free, &g_nfree, count);
    if (!base && g_nfree >= count && g_frees_since_sort >= SORT_EVERY) {
        /* Pieces of runs (a fault-around window that straddles two mappings is freed in
         * two parts) are often neighbours: sorting the top of the stack joins them again.
         * At most once per SORT_EVERY frees, RUN_SEARCH entries: about 0.1 us per frame. */
        uint64_t n = g_nfree < RUN_SEARCH ? g_nfree : RUN_SEARCH;
        qsort(g_free + g_nfree - n, n, sizeof(*g_free), frame_cmp);
        g_frees_since_sort = 0;
        base = take_run(g_free, &g_nfree, count);
    }
    if (base)
        memset(g_base + base * MEMFILE_FRAME, 0, count * MEMFILE_FRAME);
    return base;
}

int memfile_alloc_run(unsigned count, uint64_t *off)
{
    if (count == 1)
        return memfile_alloc(off);
    /* Reuse before growing: a program that maps, touches and unmaps memory in a loop would
     * otherwise grow the file at every round and leave the freed frames for punching. */
    uint64_t frame = take_free_run(count);
    if (frame) {
        for (unsigned i = 0; i < count; i++)
            take_frame(frame + i);
        *off = frame * MEMFILE_FRAME;
        return 0;
    }
    if (g_bump + count > NFRAMES)
        return -ENOMEM;
    frame = g_bump;
    g_bump += count;
    for (unsigned i = 0; i < count; i++)
        take_frame(frame + i);
    *off = frame * MEMFILE_FRAME;
    return 0;
}

void memfile_ref(uint64_t off)
{
    assert_locked();
    uint64_t frame = off / MEMFILE_FRAME;
    CV_BUG_ON(frame == 0 || frame >= g_bump || g_refs[frame] == 0);
    g_refs[frame]++;
}

uint32_t memfile_refcount(uint64_t off)
{
    return g_refs[off / MEMFILE_FRAME];
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

void memfile_populate(uint64_t off, uint64_t len)
{
    if (!len)
        return;
    /* One call allocates the host pages and fills the Sentry's page table for them, instead
     * of a host page fault per page on first touch (Linux >= 5.14; else pages only). */
    if (madvise(g_base + off, len, MADV_POPULATE_WRITE) == 0)
        return;
    if (fallocate(g_memfd, 0, (off_t)off, (off_t)len) < 0)
        log_debug("populate %#llx+%#llx: %s", (unsigned long long)off,
                  (unsigned long long)len, strerror(errno));
}

static int cmp_frame(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Double the stack *@stack of capacity *@cap. */
static void grow_stack(uint64_t **stack, uint64_t *cap)
{
    uint64_t *bigger = *stack ? mremap(*stack, *cap * sizeof(uint64_t), *cap * 2 * sizeof(uint64_t),
                                       MREMAP_MAYMOVE)
                              : mmap(NULL, *cap * 2 * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (bigger == MAP_FAILED)
        CV_BUG("cannot grow a free-frame stack");
    *stack = bigger;
    *cap *= 2;
}

struct memfile_punch *memfile_punch_take(void)
{
    if (g_punch_busy || g_nfree < PUNCH_BATCH)
        return NULL;
    struct memfile_punch *p = malloc(sizeof(*p) + g_nfree * sizeof(p->frames[0]));
    if (!p)
        return NULL;
    p->n = g_nfree;
    memcpy(p->frames, g_free, g_nfree * sizeof(p->frames[0]));
    g_nfree = 0;
    g_punch_busy = true;
    return p;
}

static struct cv_timed g_punch_region = {.name = "memfile punch, kernel lock free"};

void memfile_punch_do(struct memfile_punch *p)
{
    uint64_t start = g_cv_lockstat_on ? cv_lockstat_now_ns() : 0;
    qsort(p->frames, p->n, sizeof(p->frames[0]), cmp_frame);
    for (uint64_t i = 0; i < p->n;) {
        uint64_t j = i + 1;
        while (j < p->n && p->frames[j] == p->frames[i] + (j - i))
            j++;
        if (fallocate(g_memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      (off_t)(p->frames[i] * MEMFILE_FRAME), (off_t)((j - i) * MEMFILE_FRAME)) < 0)
            log_warn("punch hole: %s", strerror(errno));
        i = j;
    }
    if (start)
        cv_timed_add(&g_punch_region, cv_lockstat_now_ns() - start);
}

void memfile_punch_done(struct memfile_punch *p)
{
    /* The zero stack is made at the first batch; g_zero_cap counts from there. */
    while (!g_zero || g_zero_cap < g_nzero + p->n)
        grow_stack(&g_zero, &g_zero_cap);
    memcpy(g_zero + g_nzero, p->frames, p->n * sizeof(p->frames[0]));
    g_nzero += p->n;
    g_punch_busy = false;
    free(p);
}

/* Put a frame nobody owns or pins any more on the free stack. */
static void free_frame(uint64_t frame)
{
    g_used--;
    if (g_shmem[frame]) {
        g_shmem[frame] = 0;
        g_used_shmem--;
    }
    /* The memory goes back to the host in batches, without the kernel lock, when a task
     * thread ends its syscall (memfile_punch_take). */
    if (g_nfree == g_free_cap)
        grow_stack(&g_free, &g_free_cap);
    g_free[g_nfree++] = frame;
    g_frees_since_sort++;
}

void memfile_unref(uint64_t off)
{
    assert_locked();
    uint64_t frame = off / MEMFILE_FRAME;
    CV_BUG_ON(frame == 0 || frame >= g_bump || g_refs[frame] == 0);
    if (--g_refs[frame] == 0 && g_pins[frame] == 0)
        free_frame(frame);
}

void memfile_pin(uint64_t off)
{
    uint64_t frame = off / MEMFILE_FRAME;
    CV_BUG_ON(frame == 0 || frame >= g_bump || g_refs[frame] == 0);
    g_pins[frame]++;
}

void memfile_unpin(uint64_t off)
{
    uint64_t frame = off / MEMFILE_FRAME;
    CV_BUG_ON(frame == 0 || frame >= g_bump || g_pins[frame] == 0);
    if (--g_pins[frame] == 0 && g_refs[frame] == 0)
        free_frame(frame);
}

uint64_t memfile_offset_of(const void *p)
{
    return (uint64_t)((const uint8_t *)p - g_base) & ~(MEMFILE_FRAME - 1);
}

uint64_t memfile_used_frames(void)
{
    return g_used;
}

void memfile_mark_shmem(uint64_t off)
{
    uint64_t frame = off / MEMFILE_FRAME;
    CV_BUG_ON(frame == 0 || frame >= g_bump || g_refs[frame] == 0);
    if (!g_shmem[frame]) {
        g_shmem[frame] = 1;
        g_used_shmem++;
    }
}

uint64_t memfile_shmem_frames(void)
{
    return g_used_shmem;
}

bool memfile_is_shmem(uint64_t off)
{
    return g_shmem[off / MEMFILE_FRAME] != 0;
}

void memfile_destroy(void)
{
    if (g_base)
        munmap(g_base, MEMFILE_SIZE);
    if (g_refs)
        munmap(g_refs, NFRAMES * sizeof(uint32_t));
    if (g_pins)
        munmap(g_pins, NFRAMES * sizeof(uint32_t));
    if (g_shmem)
        munmap(g_shmem, NFRAMES);
    if (g_free)
        munmap(g_free, g_free_cap * sizeof(uint64_t));
    if (g_zero)
        munmap(g_zero, g_zero_cap * sizeof(uint64_t));
    g_zero = NULL;
    g_nzero = 0;
    g_zero_cap = PUNCH_BATCH;
    g_punch_busy = false;
    if (g_memfd >= 0)
        close(g_memfd);
    g_base = NULL;
    g_refs = NULL;
    g_pins = NULL;
    g_shmem = NULL;
    g_free = NULL;
    g_memfd = -1;
    g_nfree = g_bump = g_used = g_used_shmem = 0;
}
