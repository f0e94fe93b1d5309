// SPDX-License-Identifier: Apache-2.0
/*
 * Address-space lifecycle (new, fork, release), page population and fault handling.
 * Pages are backed by memory-file frames recorded in the Sentry's page table and reach the
 * stub lazily, 16 pages at a time around a fault. Private pages shared after fork are
 * mapped read-only; a write fault copies them (copy-on-write).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/log.h"
#include "sentry/context/context.h"
#include "sentry/context/klock.h"
#include "sentry/memfile/memfile.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_priv.h"
#include "sentry/platform/platform.h"

/* Pages populated per fault: an aligned window of FAULT_AROUND pages, or of FAULT_AROUND_SEQ
 * when the thread's previous fault ended right where this one begins (sequential touching:
 * a quarter of the stub mappings and of the faults; sparse access keeps the small window,
 * so it does not take memory it never touches). */
#define FAULT_AROUND 16
#define FAULT_AROUND_SEQ 64

static __thread struct mm_thread *tl_current;

struct mm_thread *mm_current(void)
{
    return tl_current;
}

void mm_thread_bind(struct mm_thread *mt)
{
    tl_current = mt;
}

int mm_new(struct ctx *io, struct mm **out)
{
    struct mm *mm = calloc(1, sizeof(*mm));
    if (!mm)
        return -ENOMEM;
    bool unlock = io && ctx_may_unlock(io);
    if (unlock)
        ctx_io_begin(io);
    int err = g_platform->as_new(&mm->as);
    if (unlock)
        ctx_io_end(io);
    if (err < 0) {
        free(mm);
        return err;
    }
    mm->refs = 1;
    list_init(&mm->running);
    atomic_init(&mm->maps_in_flight, 0);
    list_init(&mm->unmap_flights);
    pthread_mutex_init(&mm->maps_lock, NULL);
    pthread_cond_init(&mm->maps_done, NULL);
    mm->mmap_base = 0x7ffff7fff000ULL - (8ULL << 20) - (128ULL << 20);
    *out = mm;
    return 0;
}

struct mm *mm_ref(struct mm *mm)
{
    mm->refs++;
    return mm;
}

int mm_users(struct mm *mm)
{
    return mm->refs;
}

struct plat_as *mm_plat_as(struct mm *mm)
{
    return mm->as;
}

static void free_pte(struct mm *mm, uint64_t vpn, uint64_t *pte, void *arg)
{
    (void)vpn, (void)arg;
    if (*pte & PTE_PRESENT) {
        memfile_unref(*pte & PTE_FRAME_MASK);
        mm->rss_pages--;
    }
    *pte = 0;
}

void mm_unref(struct mm *mm)
{
    CV_BUG_ON(mm && mm->refs <= 0);
    if (!mm || --mm->refs > 0)
        return;
    CV_BUG_ON(mm->nr_running != 0);
    /* The stub goes with the address space (as_release): nothing to unmap. */
    pt_for_each(mm, 0, MM_TASK_SIZE >> 12, free_pte, NULL);
    pt_free(mm);
    mm_stub_inval_free(mm);
    for (int i = 0; i < mm->nvmas; i++)
        vma_obj_put(mm, &mm->vmas[i]);
    free(mm->vmas);
    mm_pins_free(mm);
    g_platform->as_release(mm->as);
    CV_BUG_ON(atomic_load(&mm->maps_in_flight) != 0); /* each mapper holds a reference */
    CV_BUG_ON(!list_empty(&mm->unmap_flights));       /* and each unmapping too */
    pthread_cond_destroy(&mm->maps_done);
    pthread_mutex_destroy(&mm->maps_lock);
    free(mm);
}

void mm_wait_maps(struct mm *mm)
{
    KERNEL_LOCK_ASSERT();
    if (atomic_load(&mm->maps_in_flight) == 0)
        return;
    pthread_mutex_lock(&mm->maps_lock);
    while (atomic_load(&mm->maps_in_flight) > 0)
        pthread_cond_wait(&mm->maps_done, &mm->maps_lock);
    pthread_mutex_unlock(&mm->maps_lock);
}

/* A mapping without the kernel lock begins: the caller holds it, so no waiter is past its
 * check. */
static void maps_begin(struct mm *mm)
{
    KERNEL_LOCK_ASSERT();
    pthread_mutex_lock(&mm->maps_lock);
    atomic_fetch_add(&mm->maps_in_flight, 1);
    pthread_mutex_unlock(&mm->maps_lock);
}

/* It has landed in the stub (or failed). Called without the kernel lock. */
static void maps_end(struct mm *mm)
{
    pthread_mutex_lock(&mm->maps_lock);
    if (atomic_fetch_sub(&mm->maps_in_flight, 1) == 1)
        pthread_cond_broadcast(&mm->maps_done);
    pthread_mutex_unlock(&mm->maps_lock);
}

struct plat_context *mm_ctx(struct mm_thread *t, struct mm *mm)
{
    mm_wait_maps(mm);
    if (!t || t->mm != mm || !t->pctx)
        return NULL;
    if (mm->inval.pending)
        mm_stub_inval_apply(mm, t->pctx);
    return t->pctx;
}

/* ---- population --------------------------------------------------------------------- */

/* A new frame for page @vpn of @v: the object's own for a shared mapping, else a private one,
 * filled from the object. *@flags gets PTE_CLEAN for a private copy of an object whose pages
 * can change under it (one that can be shared-mapped). */
static int fill_new_frame(struct vma *v, uint64_t vpn, uint64_t *frame, uint64_t *flags)
{
    gaddr_t addr = vpn << 12;
    *flags = 0;
    if (v->obj && (v->flags & MM_MAP_SHARED)) {
        if (!v->obj->ops->get_frame)
            return -EIO;
        int err = v->obj->ops->get_frame(v->obj, v->off + (addr - v->start), frame);
        return err == -EFAULT ? -EIO : err; /* past the end of the object: SIGBUS */
    }
    int err = memfile_alloc(frame);
    if (err < 0)
        return err;
    if (v->obj) {
        err = v->obj->ops->fill(v->obj, v->off + (addr - v->start), memfile_ptr(*frame), 4096);
        if (err < 0) {
            memfile_unref(*frame);
            return err == -EFAULT ? -EIO : err;
        }
        if (v->obj->ops->get_frame)
            *flags = PTE_CLEAN;
    }
    return 0;
}

/* Give the private page of *@pte its own frame (copy-on-write); a page not yet written stays
 * so (PTE_CLEAN). A frame pinned by a transfer is never shared, so never moved here. */
static int break_cow(struct mm_thread *t, struct mm *mm, uint64_t vpn, uint64_t *pte)
{
    uint64_t old = *pte & PTE_FRAME_MASK;
    if (memfile_refcount(old) == 1)
        return 0;
    CV_BUG_ON(mm_pinned(mm, old));
    uint64_t fresh;
    int err = memfile_alloc(&fresh);
    if (err < 0)
        return err;
    memcpy(memfile_ptr(fresh), memfile_ptr(old), 4096);
    memfile_unref(old);
    if (*pte & PTE_MAPPED) {
        /* The stub still maps the shared frame; drop it so the next access refaults. */
        mm_stub_unmap(t, mm, vpn << 12, (vpn + 1) << 12);
    }
    *pte = fresh | PTE_PRESENT | (*pte & PTE_CLEAN);
    mm->map_gen++;
    return 0;
}

uint64_t *mm_populate_page(struct mm_thread *t, struct mm *mm, struct vma *v, uint64_t vpn,
                           unsigned how, int *err)
{
    uint64_t *pte = pt_entry(mm, vpn, true);
    if (!pte) {
        *err = -ENOMEM;
        return NULL;
    }
    if (!(*pte & PTE_PRESENT)) {
        uint64_t frame, flags;
        *err = fill_new_frame(v, vpn, &frame, &flags);
        if (*err < 0)
            return NULL;
        *pte = frame | PTE_PRESENT | flags;
        mm->rss_pages++;
    }
    if ((how & (MM_POP_WRITE | MM_POP_UNSHARE)) && !(v->flags & MM_MAP_SHARED)) {
        *err = break_cow(t, mm, vpn, pte);
        if (*err < 0)
            return NULL;
        if (how & MM_POP_WRITE)
            *pte &= ~PTE_CLEAN; /* the app's own page from now on */
    }
    *err = 0;
    return pte;
}

/* The protection the stub may use for the page of @pte in @v: a private page that is shared
 * (copy-on-write) or not written yet (PTE_CLEAN) is read-only until a write fault. */
static int stub_prot(const struct vma *v, uint64_t pte)
{
    int prot = v->prot;
    if ((prot & PROT_WRITE) && !(v->flags & MM_MAP_SHARED) &&
        ((pte & PTE_CLEAN) || memfile_refcount(pte & PTE_FRAME_MASK) > 1))
        prot &= ~PROT_WRITE;
    return prot;
}

static struct cv_timed g_map_klocked = {.name = "stub map, kernel lock held"};
static struct cv_timed g_map_unlocked = {.name = "stub map, kernel lock free"};

/* g_platform->map, timed when lock statistics are on. */
static int plat_map_timed(struct plat_context *ctx, gaddr_t addr, uint64_t len, int prot,
                          uint64_t frame)
{
    if (!g_cv_lockstat_on)
        return g_platform->map(ctx, addr, len, prot, frame);
    uint64_t start = cv_lockstat_now_ns();
    int err = g_platform->map(ctx, addr, len, prot, frame);
    cv_timed_add(kernel_lock_held() ? &g_map_klocked : &g_map_unlocked,
                 cv_lockstat_now_ns() - start);
    return err;
}

/* One run of contiguous frames with one protection, to map into the stub. */
struct map_run {
    gaddr_t addr;
    uint64_t len;
    int prot;
    uint64_t frame;
};

/* Plan the mapping of pages [first, first+count) of @v (all present) in runs of contiguous
 * frames with equal protection, appended to @runs (room for @count more), and mark their
 * entries mapped already. Returns the number of runs added. */
static int plan_runs(struct mm *mm, struct vma *v, uint64_t first, uint64_t count,
                     struct map_run *runs)
{
    int nruns = 0;
    uint64_t i = 0;
    mm->map_seq++;
    while (i < count) {
        uint64_t *pte = pt_entry(mm, first + i, false);
        uint64_t frame = *pte & PTE_FRAME_MASK;
        int prot = stub_prot(v, *pte);
        uint64_t n = 1;
        while (i + n < count) {
            uint64_t *next = pt_entry(mm, first + i + n, false);
            if ((*next & PTE_FRAME_MASK) != frame + n * 4096 || stub_prot(v, *next) != prot)
                break;
            n++;
        }
        runs[nruns++] = (struct map_run){(first + i) << 12, n << 12, prot, frame};
        for (uint64_t k = 0; k < n; k++) {
            uint64_t *p = pt_entry(mm, first + i + k, false);
            *p |= PTE_MAPPED;
            if (prot & PROT_WRITE)
                *p |= PTE_STUB_WRITE;
            else
                *p &= ~PTE_STUB_WRITE;
        }
        i += n;
    }
    return nruns;
}

/* The stub did not take @runs: their entries are not mapped after all (entries changed
 * meanwhile lose the mark too, which only costs a fault). Caller holds the kernel lock. */
static void unplan_runs(struct mm *mm, const struct map_run *runs, int nruns)
{
    for (int r = 0; r < nruns; r++)
        for (uint64_t a = runs[r].addr; a < runs[r].addr + runs[r].len; a += 4096) {
            uint64_t *pte = pt_entry(mm, a >> 12, false);
            if (pte)
                *pte &= ~(PTE_MAPPED | PTE_STUB_WRITE);
        }
}

static int map_runs(struct plat_context *ctx, const struct map_run *runs, int nruns)
{
    for (int r = 0; r < nruns; r++) {
        int err = plat_map_timed(ctx, runs[r].addr, runs[r].len, runs[r].prot, runs[r].frame);
        if (err < 0)
            return err;
    }
    return 0;
}

/* Map pages [first, first+count) of @v (all present) into the stub, kernel lock held. */
static int map_pages(struct plat_context *ctx, struct mm *mm, struct vma *v, uint64_t first,
                     uint64_t count)
{
    struct map_run runs[FAULT_AROUND_SEQ];
    CV_BUG_ON(count > FAULT_AROUND_SEQ);
    int nruns = plan_runs(mm, v, first, count, runs);
    int err = map_runs(ctx, runs, nruns);
    if (err < 0)
        unplan_runs(mm, runs, nruns);
    return err;
}

/* Map the planned @runs of @t's fault through @t's context with the kernel lock released
 * when @t's context may (the mapping is a host round trip): counted in mm->maps_in_flight
 * meanwhile, so that a change of the stub waits for it (mm_wait_maps). The frames stay
 * allocated: freeing one means changing its entry, which waits too. Caller holds the kernel
 * lock, and has it again on return; @mm is @t's, held by @t. Returns 0 or -EFAULT. */
static int map_runs_unlocked(struct mm_thread *t, struct mm *mm, struct plat_context *ctx,
                             const struct map_run *runs, int nruns)
{
    int err;
    if (!ctx_may_unlock(t->ctx)) {
        err = map_runs(ctx, runs, nruns);
    } else {
        maps_begin(mm);
        ctx_io_begin(t->ctx);
        err = map_runs(ctx, runs, nruns);
        maps_end(mm);
        ctx_io_end(t->ctx);
    }
    if (err < 0) {
        unplan_runs(mm, runs, nruns);
        return -EFAULT;
    }
    return 0;
}

/* Populate the private anonymous pages of [first, first+count) that are absent with one
 * run of frames, in ascending order, so that map_pages needs a single mmap for each stretch
 * of them, and so that munmap frees them as runs the allocator can hand out again whole
 * (memfile_alloc_run; single frames come off its stack in descending order). Best effort. */
static void populate_anon_run(struct mm *mm, uint64_t first, uint64_t count)
{
    uint64_t absent = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t *pte = pt_entry(mm, first + i, true);
        if (!pte)
            return;
        if (!(*pte & PTE_PRESENT))
            absent++;
    }
    uint64_t frame;
    if (absent == 0 || memfile_alloc_run((unsigned)absent, &frame) < 0)
        return;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t *pte = pt_entry(mm, first + i, false);
        if (*pte & PTE_PRESENT)
            continue;
        *pte = frame | PTE_PRESENT;
        frame += 4096;
        mm->rss_pages++;
    }
}

/* The pages of a private file mapping a fault fills with the kernel lock released. */
struct file_fill {
    uint64_t vpn[FAULT_AROUND_SEQ];
    uint64_t frame[FAULT_AROUND_SEQ];
    int n;
};

/* Read the pages of @ff from @obj's @handle at the object offsets of the window (@obj_off is
 * page @first's), @valid bytes from there before the end of the object. No lock held. */
static void fill_read(struct file_fill *ff, struct mappable *obj, int handle, uint64_t first,
                      uint64_t obj_off, size_t valid)
{
    for (int i = 0; i < ff->n; i++) {
        uint64_t rel = (ff->vpn[i] - first) << 12;
        size_t bytes = rel >= valid ? 0 : valid - rel < 4096 ? valid - rel : 4096;
        char *dst = memfile_ptr(ff->frame[i]);
        ssize_t n = bytes ? obj->ops->fill_read(handle, obj_off + rel, dst, bytes) : 0;
        if (n < 0)
            n = 0; /* the page is read again with the lock held, which reports the error */
        memset(dst + n, 0, 4096 - (size_t)n);
        if ((size_t)n < bytes)
            ff->frame[i] |= 1; /* short: not installed (a frame offset is page-aligned) */
    }
}

/*
 * Fault-around for a private mapping of a host file (mappable fill_host): the absent pages
 * of [@first, @last) that lie before the end of the object get frames with the kernel lock
 * held, are read with it released, and are installed with it held again if their mapping is
 * still the same and nobody filled them meanwhile (else the frames go, the normal path below
 * fills what is missing). The read is the host round trip that held the lock: a fault of a
 * program's text page read 16 pages from the host. Caller holds the kernel lock; *@v is
 * looked up again (the VMA array may have moved). Returns true if the mapping is as it was
 * (the fault goes on), false if it changed or went (the app retries the access).
 */
static bool populate_file_unlocked(struct mm_thread *t, struct mm *mm, struct vma **v, gaddr_t addr,
                                   uint64_t first, uint64_t last)
{
    struct vma snap = **v;
    struct mappable *obj = snap.obj;
    struct file_fill ff = {.n = 0};
    uint64_t obj_off = snap.off + ((first << 12) - snap.start);
    int fd;
    size_t valid;
    if (obj->ops->fill_host(obj, obj_off, (last - first) << 12, &fd, &valid) < 0)
        return true; /* past the end, or no descriptor: the normal path says what happens */
    for (uint64_t p = first; p < last && ((p - first) << 12) < (valid + 4095) / 4096 * 4096; p++) {
        uint64_t *pte = pt_entry(mm, p, false);
        if ((pte && (*pte & PTE_PRESENT)) || memfile_alloc(&ff.frame[ff.n]) < 0)
            continue;
        ff.vpn[ff.n++] = p;
    }
    obj->ops->ref(obj);
    ctx_io_begin(t->ctx);
    fill_read(&ff, obj, fd, first, obj_off, valid);
    obj->ops->fill_close(fd);
    ctx_io_end(t->ctx);
    *v = vma_find(mm, addr);
    bool same = *v && (*v)->obj == obj && (*v)->start == snap.start && (*v)->end == snap.end &&
                (*v)->off == snap.off && (*v)->flags == snap.flags && (*v)->prot == snap.prot;
    for (int i = 0; i < ff.n; i++) {
        uint64_t *pte = same && !(ff.frame[i] & 1) ? pt_entry(mm, ff.vpn[i], true) : NULL;
        uint64_t frame = ff.frame[i] & ~1ULL;
        if (!pte || (*pte & PTE_PRESENT)) {
            memfile_unref(frame);
            continue;
        }
        uint64_t rel = (ff.vpn[i] - first) << 12;
        if (obj->ops->fill_done)
            obj->ops->fill_done(obj, obj_off + rel, memfile_ptr(frame), 4096);
        *pte = frame | PTE_PRESENT | (obj->ops->get_frame ? PTE_CLEAN : 0);
        mm->rss_pages++;
    }
    obj->ops->unref(obj);
    return same;
}

/* mm_ctx for a fault, which waits for other threads' mappings only when it must change the
 * stub first (pending invalidations): faults of several threads map concurrently. */
static struct plat_context *fault_ctx(struct mm_thread *t, struct mm *mm)
{
    if (!t->pctx)
        return NULL;
    if (mm->inval.pending)
        mm_stub_inval_apply(mm, t->pctx);
    return t->pctx;
}

int mm_handle_fault(struct mm_thread *t, gaddr_t addr, bool write, bool exec)
{
    KERNEL_LOCK_ASSERT();
    struct mm *mm = t->mm;
    struct plat_context *ctx = fault_ctx(t, mm);
    struct vma *v = vma_find(mm, addr);
    if (!v)
        return -EFAULT;
    if (!(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
        return -EACCES;
    uint64_t vpn = addr >> 12;
    uint64_t seq;
    uint64_t window = vpn == t->fault_next_vpn ? FAULT_AROUND_SEQ : FAULT_AROUND;
    if (mm_unmap_in_flight(mm, (vpn & ~(window - 1)) << 12, ((vpn | (window - 1)) + 1) << 12,
                           &seq)) {
        /* Another thread's munmap of this range is still on its way to the stub: map after
         * it, not before. The app retries the access. */
        mm_wait_unmap_landed(t, mm, seq);
        return 0;
    }
    uint64_t *pte = pt_entry(mm, vpn, false);
    if (pte && (*pte & PTE_MAPPED)) {
        /* Mapped already: either another thread mapped it between the fault and now (retry;
         * its mapping may still be on its way: wait for it), or the stub's protection
         * refused the access. A write to a page the VMA allows writing means copy-on-write. */
        mm_wait_maps(mm);
        if (!(v->prot & PROT_WRITE) || (*pte & PTE_STUB_WRITE)) {
            /* Refused twice in a row with nothing mapped in between: a real violation. A
             * thread that never makes a syscall meets the same address again legitimately
             * when other threads unmap and map it meanwhile. */
            if (t->last_fault_addr != addr || t->last_fault_seq != mm->map_seq) {
                t->last_fault_addr = addr;
                t->last_fault_seq = mm->map_seq;
                return 0;
            }
            return -EACCES;
        }
        int err;
        pte = mm_populate_page(t, mm, v, vpn, MM_POP_WRITE, &err);
        if (!pte)
            return err == -EIO ? -EIO : -EFAULT;
        return map_pages(ctx, mm, v, vpn, 1) < 0 ? -EFAULT : 0;
    }
    (void)write;
    (void)exec;
    /* Fault-around: an aligned window of pages within the VMA. */
    uint64_t first = vpn & ~(window - 1);
    uint64_t last = first + window;
    if (first < (v->start >> 12))
        first = v->start >> 12;
    if (last > (v->end >> 12))
        last = v->end >> 12;
    if (!v->obj) {
        populate_anon_run(mm, first, last - first);
    } else if (!(v->flags & MM_MAP_SHARED) && v->obj->ops->fill_host && ctx_may_unlock(t->ctx)) {
        if (!populate_file_unlocked(t, mm, &v, addr, first, last))
            return 0; /* the mapping changed meanwhile: the app retries the access */
    }
    uint64_t lo = vpn, hi = vpn + 1; /* the populated window around vpn */
    for (uint64_t p = first; p < last; p++) {
        int err;
        uint64_t *e = mm_populate_page(t, mm, v, p, 0, &err);
        if (!e) {
            if (p == vpn)
                return err == -EIO ? -EIO : -EFAULT;
            if (p < vpn)
                lo = p + 1;
            else
                break;
            continue;
        }
        if (p < lo)
            lo = p;
        if (p >= hi)
            hi = p + 1;
    }
    t->fault_next_vpn = hi;
    /* Only map pages not mapped yet. */
    struct map_run runs[FAULT_AROUND_SEQ];
    int nruns = 0;
    uint64_t s = lo;
    while (s < hi) {
        while (s < hi && (*pt_entry(mm, s, false) & PTE_MAPPED))
            s++;
        uint64_t e = s;
        while (e < hi && !(*pt_entry(mm, e, false) & PTE_MAPPED))
            e++;
        if (e > s)
            nruns += plan_runs(mm, v, s, e - s, runs + nruns);
        s = e;
    }
    return nruns ? map_runs_unlocked(t, mm, ctx, runs, nruns) : 0;
}

/* ---- fork --------------------------------------------------------------------------- */

struct fork_arg {
    struct mm *child;
    bool shared; /* the VMA is shared: its frames are shared, never copied */
    int err;
    bool protect_parent;
};

static void fork_pte(struct mm *mm, uint64_t vpn, uint64_t *pte, void *arg)
{
    struct fork_arg *fa = arg;
    if (!(*pte & PTE_PRESENT) || fa->err)
        return;
    uint64_t *c = pt_entry(fa->child, vpn, true);
    if (!c) {
        fa->err = -ENOMEM;
        return;
    }
    uint64_t frame = *pte & PTE_FRAME_MASK;
    if (!fa->shared && mm_pinned(mm, frame)) {
        /* A transfer of the parent uses this private frame: it stays the parent's, and the
         * child gets a copy now (Linux's rule for pinned pages in copy_present_pte). */
        uint64_t fresh;
        int err = memfile_alloc(&fresh);
        if (err < 0) {
            fa->err = err;
            return;
        }
        memcpy(memfile_ptr(fresh), memfile_ptr(frame), 4096);
        *c = fresh | PTE_PRESENT | (*pte & PTE_CLEAN);
    } else {
        memfile_ref(frame);
        *c = frame | PTE_PRESENT | (*pte & PTE_CLEAN);
        if (*pte & PTE_STUB_WRITE)
            fa->protect_parent = true;
    }
    fa->child->rss_pages++;
}

struct protect_arg {
    struct plat_context *ctx;
    int prot;
    uint64_t run_start, run_end; /* current run of mapped pages, in page numbers */
};

static void protect_flush(struct protect_arg *pa)
{
    if (pa->run_end > pa->run_start)
        g_platform->protect(pa->ctx, pa->run_start << 12, (pa->run_end - pa->run_start) << 12,
                            pa->prot);
    pa->run_start = pa->run_end = 0;
}

static void protect_pte(struct mm *mm, uint64_t vpn, uint64_t *pte, void *arg)
{
    (void)mm;
    struct protect_arg *pa = arg;
    if (!(*pte & PTE_MAPPED))
        return;
    if (!(pa->prot & PROT_WRITE))
        *pte &= ~PTE_STUB_WRITE;
    if (pa->run_end != vpn)
        protect_flush(pa);
    if (pa->run_end == 0)
        pa->run_start = vpn;
    pa->run_end = vpn + 1;
}

void mm_stub_protect(struct mm_thread *t, struct mm *mm, gaddr_t start, gaddr_t end, int prot)
{
    /* mprotect(2) stops at the first hole, so only the runs the stub maps are changed. */
    struct protect_arg pa = {.ctx = mm_ctx(t, mm), .prot = prot};
    if (!pa.ctx)
        return;
    pt_for_each(mm, start >> 12, end >> 12, protect_pte, &pa);
    protect_flush(&pa);
}

int mm_fork(struct mm_thread *t, struct mm *src, struct mm **out)
{
    struct mm *mm;
    int err = mm_new(NULL, &mm); /* fork: the new group is linked already; keep the lock */
    if (err < 0)
        return err;
    mm->brk_start = src->brk_start;
    mm->brk = src->brk;
    mm->stack_start = src->stack_start;
    mm->stack_end = src->stack_end;
    mm->start_code = src->start_code;
    mm->end_code = src->end_code;
    mm->mmap_base = src->mmap_base;
    for (int i = 0; i < src->nvmas; i++) {
        struct vma v = src->vmas[i];
        if (v.flags & VMA_DONTFORK)
            continue;
        if (vma_obj_get(mm, &v) < 0) {
            mm_unref(mm);
            return -ENOMEM;
        }
        if (vma_insert(mm, &v) < 0) {
            vma_obj_put(mm, &v);
            mm_unref(mm);
            return -ENOMEM;
        }
        struct fork_arg fa = {.child = mm, .shared = v.flags & MM_MAP_SHARED};
        pt_for_each(src, v.start >> 12, v.end >> 12, fork_pte, &fa);
        if (fa.err) {
            mm_unref(mm);
            return fa.err;
        }
        if (fa.protect_parent && !(v.flags & MM_MAP_SHARED)) {
            /* The parent's writable private pages are now shared: write-protect them. */
            CV_BUG_ON(!mm_ctx(t, src));
            mm_stub_protect(t, src, v.start, v.end, v.prot & ~PROT_WRITE);
        }
    }
    *out = mm;
    return 0;
}

void mm_usage(struct mm *mm, uint64_t *vm_pages, uint64_t *rss_pages)
{
    uint64_t vm = 0;
    for (int i = 0; i < mm->nvmas; i++)
        vm += (mm->vmas[i].end - mm->vmas[i].start) >> 12;
    *vm_pages = vm;
    *rss_pages = mm->rss_pages;
}

gaddr_t mm_brk_start(struct mm *mm)
{
    return mm->brk_start;
}

gaddr_t mm_stack_start(struct mm *mm)
{
    return mm->stack_start;
}

void mm_set_brk_start(struct mm *mm, gaddr_t start)
{
    mm->brk_start = mm->brk = PAGE_ALIGN_UP(start);
}

void mm_set_code(struct mm *mm, gaddr_t start, gaddr_t end)
{
    mm->start_code = start;
    mm->end_code = end;
}

bool mm_range_mapped(struct mm *mm, gaddr_t start, gaddr_t end)
{
    for (int i = vma_lower_bound(mm, start); start < end; i++) {
        if (i >= mm->nvmas || mm->vmas[i].start > start)
            return false;
        start = mm->vmas[i].end;
    }
    return true;
}

int mm_set_special(struct mm *mm, gaddr_t start, const char *name, int maxprot)
{
    int i = vma_find_index(mm, start);
    if (i < 0 || mm->vmas[i].start != start)
        return -EINVAL;
    mm->vmas[i].special = name;
    mm->vmas[i].maxprot = maxprot;
    return 0;
}

void mm_set_stack(struct mm *mm, gaddr_t start, gaddr_t end)
{
    mm->stack_start = start;
    mm->stack_end = end;
    int i = vma_find_index(mm, start);
    if (i >= 0)
        mm->vmas[i].special = "[stack]";
}
