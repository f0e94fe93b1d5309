// SPDX-License-Identifier: Apache-2.0
/*
 * Taking pages away from address spaces: a range of the caller's own (munmap, MADV_DONTNEED:
 * mm_release_range), and an object's pages in every address space that maps it when they
 * change under the mappings (a hole punched, a truncation: mm_invalidate_mappable, which
 * finds them through the reverse map, rmap.c).
 *
 * A stub's mappings are changed only by its own tasks: on ptrace a memory operation is a
 * syscall injected by the tracer of one of the stub's threads. So for another address space
 * the Sentry's page table changes at once and the stub's unmapping is left pending in it; its
 * tasks apply it before they next change the stub (mm_ctx) and before they run app code
 * (mm_app_enter). A frame the stub still maps is not freed until then if tasks run app code
 * there; those tasks are kicked out of app code, and the caller, before it returns to its own
 * app code, waits until each has left (a TLB shootdown, mm_shootdown_wait). Tasks blocked in
 * the Sentry are not waited for: their stub runs no app code until they apply the unmapping.
 * docs/architecture.md "Memory" gives the reasons.
 */
#include <stdlib.h>

#include "common/log.h"
#include "common/mutex.h"
#include "sentry/context/context.h"
#include "sentry/context/klock.h"
#include "sentry/memfile/memfile.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_priv.h"
#include "sentry/platform/platform.h"
#include "sentry/waiter/waitq.h"

/* Address spaces with pending stub invalidations (mm->inval.link). Kernel lock. */
static struct list_head g_pending = LIST_HEAD_INIT(g_pending);
/* Woken when an address space's pending invalidations are applied or it goes away. */
static struct waitq g_shootdown_wq = {.waiters = LIST_HEAD_INIT(g_shootdown_wq.waiters)};
/* Numbers the pending lists in the order they start (mm->inval.since). Kernel lock. */
static uint64_t g_inval_seq;
/* The calling task thread started invalidations in address spaces running app code, up to
 * this sequence number, and waits for them before it runs app code itself (0: none). */
static __thread uint64_t tl_wait_seq;

/* ---- pending stub invalidations ---------------------------------------------------------- */

static void inval_start(struct mm *mm)
{
    struct mm_stub_inval *iv = &mm->inval;
    if (iv->pending)
        return;
    iv->pending = true;
    iv->since = ++g_inval_seq;
    list_add_tail(&iv->link, &g_pending);
}

/* Leave [@start, @end) to be unmapped from @mm's stub by one of its tasks. */
static void inval_post_range(struct mm *mm, gaddr_t start, gaddr_t end)
{
    struct mm_stub_inval *iv = &mm->inval;
    inval_start(mm);
    if (iv->all)
        return;
    if (iv->nranges && iv->ranges[iv->nranges - 1][1] == start) {
        iv->ranges[iv->nranges - 1][1] = end;
        return;
    }
    if (iv->nranges == iv->cap_ranges) {
        int cap = iv->cap_ranges ? iv->cap_ranges * 2 : 16;
        void *n = realloc(iv->ranges, (size_t)cap * sizeof(*iv->ranges));
        if (!n) {
            iv->all = true; /* correct, only slower: the whole stub is unmapped */
            return;
        }
        iv->ranges = n;
        iv->cap_ranges = cap;
    }
    iv->ranges[iv->nranges][0] = start;
    iv->ranges[iv->nranges][1] = end;
    iv->nranges++;
}

/* Keep the reference to @frame, which @mm's stub may still map, until the stub no longer
 * does. */
static void inval_keep_frame(struct mm *mm, uint64_t frame)
{
    struct mm_stub_inval *iv = &mm->inval;
    inval_start(mm);
    if (iv->nframes == iv->cap_frames) {
        uint64_t cap = iv->cap_frames ? iv->cap_frames * 2 : 64;
        uint64_t *n = realloc(iv->frames, cap * sizeof(*n));
        if (!n) {
            /* Never free a frame a stub may still use: leak it instead. */
            log_warn("out of memory: a frame of a truncated mapping is not freed");
            return;
        }
        iv->frames = n;
        iv->cap_frames = cap;
    }
    iv->frames[iv->nframes++] = frame;
}

static void forget_mapped(struct mm *mm, uint64_t vpn, uint64_t *pte, void *arg)
{
    (void)mm, (void)vpn, (void)arg;
    *pte &= ~(PTE_MAPPED | PTE_STUB_WRITE);
}

static void inval_done(struct mm *mm)
{
    struct mm_stub_inval *iv = &mm->inval;
    for (uint64_t i = 0; i < iv->nframes; i++)
        memfile_unref(iv->frames[i]);
    iv->nframes = 0;
    iv->nranges = 0;
    iv->all = false;
    iv->pending = false;
    list_del(&iv->link);
    waitq_notify(&g_shootdown_wq, 0);
}

void mm_stub_inval_apply(struct mm *mm, struct plat_context *ctx)
{
    struct mm_stub_inval *iv = &mm->inval;
    if (!iv->pending)
        return;
    mm_wait_maps(mm); /* a mapping still on its way would land after the unmapping */
    if (iv->all) {
        for (int i = 0; i < mm->nvmas; i++)
            g_platform->unmap(ctx, mm->vmas[i].start, mm->vmas[i].end - mm->vmas[i].start);
        pt_for_each(mm, 0, MM_TASK_SIZE >> 12, forget_mapped, NULL);
    } else {
        for (int i = 0; i < iv->nranges; i++)
            g_platform->unmap(ctx, iv->ranges[i][0], iv->ranges[i][1] - iv->ranges[i][0]);
    }
    inval_done(mm);
}

void mm_stub_inval_free(struct mm *mm)
{
    struct mm_stub_inval *iv = &mm->inval;
    if (iv->pending)
        inval_done(mm); /* the stub dies with the address space */
    free(iv->ranges);
    free(iv->frames);
    *iv = (struct mm_stub_inval){0};
}

static struct cv_timed g_unmap_region = {.name = "stub unmap (kernel lock held)"};

/* Unmap [@start, @end) from @mm's stub through @ctx (a context in @mm), or leave it pending
 * for @mm's tasks without one. */
static void stub_unmap(struct mm *mm, struct plat_context *ctx, gaddr_t start, gaddr_t end)
{
    if (start >= end)
        return;
    if (ctx) {
        uint64_t t0 = g_cv_lockstat_on ? cv_lockstat_now_ns() : 0;
        g_platform->unmap(ctx, start, end - start);
        if (t0)
            cv_timed_add(&g_unmap_region, cv_lockstat_now_ns() - t0);
    } else
        inval_post_range(mm, start, end);
}

void mm_stub_unmap(struct mm_thread *t, struct mm *mm, gaddr_t start, gaddr_t end)
{
    stub_unmap(mm, mm_ctx(t, mm), start, end);
}

/* Kick the tasks running app code in @mm, whose stub still maps what was taken away; the
 * calling task waits for them before it runs app code again. */
static void shootdown(struct mm *mm)
{
    struct mm_thread *x;
    int kicked = 0;
    list_for_each_entry(x, &mm->running, running)
    {
        /* It leaves app code at once and applies the pending unmapping (mm_app_leave). */
        g_platform->interrupt(x->pctx);
        kicked++;
    }
    log_debug("shootdown: %d task(s) running in the address space kicked", kicked);
    tl_wait_seq = g_inval_seq;
}

/* ---- dropping page-table entries --------------------------------------------------------- */

/* Which entries drop_range takes: every one, or by mm_inval_mode. */
#define DROP_ALL (-1)

/* A stub unmapping the calling thread leaves for the end of its syscall, made then with the
 * kernel lock released (mm_shootdown_wait): a host round trip per munmap that nobody waits
 * for under the lock. The frames the stub may still map in the range are kept until it
 * landed; faults in the range wait for it (mm_unmap_in_flight), so that no new mapping of
 * theirs comes before it. */
struct mm_deferred {
    struct mm_deferred *next; /* in the thread's list */
    struct mm *mm;            /* reference held */
    gaddr_t start, end;
    bool landed;             /* Protected by mm->maps_lock */
    struct list_head flight; /* in mm->unmap_flights; kernel lock */
    uint64_t nframes, cap;
    uint64_t frames[]; /* references kept */
};

static struct cv_timed g_unmap_unlocked = {.name = "stub unmap, kernel lock free"};

/* A record with room for the present entries of [@start, @end), or NULL (out of memory: the
 * caller unmaps at once). */
static struct mm_deferred *deferred_new(struct mm *mm, gaddr_t start, gaddr_t end);

struct drop {
    struct mm *mm;
    struct plat_context *ctx; /* the caller's context in @mm, or NULL: leave it pending */
    bool defer;               /* tasks run app code in @mm: keep frames the stub maps */
    bool whole;               /* the caller unmaps its whole range if any entry was mapped */
    bool any_mapped;
    bool shared;                 /* the entries are of a shared VMA */
    int mode;                    /* DROP_ALL or an enum mm_inval_mode */
    uint64_t run_start, run_end; /* the current run of mapped entries (page numbers) */
    uint64_t dropped;
    struct mm_deferred *keep; /* unmapping after the syscall: mapped frames are kept here */
};

static void flush_run(struct drop *d)
{
    if (d->run_end == d->run_start)
        return;
    stub_unmap(d->mm, d->ctx, d->run_start << 12, d->run_end << 12);
    d->run_start = d->run_end = 0;
}

static bool drop_entry(const struct drop *d, uint64_t pte)
{
    switch (d->mode) {
    case MM_INVAL_HOLE:
        return d->shared || (pte & PTE_CLEAN);
    case MM_INVAL_CONTENTS:
        return !d->shared && (pte & PTE_CLEAN);
    default: /* DROP_ALL, MM_INVAL_TRUNCATE */
        return true;
    }
}

static void drop_pte(struct mm *mm, uint64_t vpn, uint64_t *pte, void *arg)
{
    struct drop *d = arg;
    if (!(*pte & PTE_PRESENT) || !drop_entry(d, *pte))
        return;
    bool mapped = *pte & PTE_MAPPED;
    d->any_mapped |= mapped;
    if (mapped && !d->whole) {
        if (d->run_end != vpn)
            flush_run(d);
        if (d->run_end == 0)
            d->run_start = vpn;
        d->run_end = vpn + 1;
    }
    uint64_t frame = *pte & PTE_FRAME_MASK;
    if (mapped && d->defer)
        inval_keep_frame(mm, frame);
    else if (mapped && d->keep && d->keep->nframes < d->keep->cap)
        d->keep->frames[d->keep->nframes++] = frame;
    else
        memfile_unref(frame);
    mm->rss_pages--;
    *pte = 0;
    d->dropped++;
}

void mm_release_range(struct mm_thread *t, struct mm *mm, gaddr_t start, gaddr_t end)
{
    struct drop d = {.mm = mm, .ctx = mm_ctx(t, mm), .mode = DROP_ALL, .whole = true};
    d.defer = !d.ctx && mm->nr_running > 0;
    /* The caller's own address space, from a task that may release the lock: the stub
     * unmapping waits for the end of the syscall (struct mm_deferred). */
    if (d.ctx && t == mm_current() && ctx_may_unlock(t->ctx))
        d.keep = deferred_new(mm, start, end);
    pt_for_each(mm, start >> 12, end >> 12, drop_pte, &d);
    if (d.keep && d.any_mapped) {
        d.keep->next = t->deferred;
        t->deferred = d.keep;
        list_add_tail(&d.keep->flight, &mm->unmap_flights);
    } else if (d.keep) {
        mm_unref(d.keep->mm); /* nothing was in the stub: nothing kept */
        free(d.keep);
    } else if (d.any_mapped) { /* one unmap of the whole range */
        stub_unmap(mm, d.ctx, start, end);
    }
    if (d.dropped)
        mm->map_gen++;
    if (d.defer && mm->inval.pending)
        shootdown(mm);
}

void mm_invalidate_mappable(struct mappable *m, uint64_t off, uint64_t end, enum mm_inval_mode mode)
{
    off &= ~4095ULL;
    for (struct mm_rmap *r = m->rmap; r && off < end; r = r->next) {
        struct mm *mm = r->mm;
        struct drop d = {.mm = mm, .ctx = mm_ctx(mm_current(), mm), .mode = (int)mode};
        d.defer = !d.ctx && mm->nr_running > 0;
        for (int i = 0; i < mm->nvmas; i++) {
            const struct vma *v = &mm->vmas[i];
            uint64_t len = v->end - v->start;
            if (v->obj != m || end <= v->off || off >= v->off + len)
                continue;
            uint64_t s = off > v->off ? off - v->off : 0; /* in the VMA */
            uint64_t e = end - v->off < len ? end - v->off : len;
            d.shared = v->flags & MM_MAP_SHARED;
            pt_for_each(mm, (v->start + s) >> 12, (v->start + e + 4095) >> 12, drop_pte, &d);
            flush_run(&d);
        }
        if (d.dropped)
            mm->map_gen++;
        if (d.defer && mm->inval.pending)
            shootdown(mm);
    }
}

/* ---- stub unmappings after the syscall ---------------------------------------------------- */

static void count_mapped(struct mm *mm, uint64_t vpn, uint64_t *pte, void *arg)
{
    (void)mm, (void)vpn;
    if (*pte & PTE_MAPPED)
        (*(uint64_t *)arg)++;
}

static struct mm_deferred *deferred_new(struct mm *mm, gaddr_t start, gaddr_t end)
{
    uint64_t n = 0;
    pt_for_each(mm, start >> 12, end >> 12, count_mapped, &n);
    if (n == 0)
        return NULL; /* nothing in the stub: nothing to wait for */
    struct mm_deferred *rec = malloc(sizeof(*rec) + n * sizeof(rec->frames[0]));
    if (!rec)
        return NULL;
    *rec = (struct mm_deferred){.mm = mm_ref(mm), .start = start, .end = end, .cap = n};
    list_init(&rec->flight);
    return rec;
}

bool mm_unmap_in_flight(struct mm *mm, gaddr_t start, gaddr_t end, uint64_t *seq)
{
    KERNEL_LOCK_ASSERT();
    if (list_empty(&mm->unmap_flights))
        return false;
    bool busy = false;
    pthread_mutex_lock(&mm->maps_lock);
    struct mm_deferred *rec;
    list_for_each_entry(rec, &mm->unmap_flights, flight)
    {
        if (!rec->landed && rec->start < end && start < rec->end)
            busy = true;
    }
    *seq = mm->unmaps_landed;
    pthread_mutex_unlock(&mm->maps_lock);
    return busy;
}

void mm_wait_unmap_landed(struct mm_thread *t, struct mm *mm, uint64_t seq)
{
    ctx_io_begin(t->ctx);
    pthread_mutex_lock(&mm->maps_lock);
    while (mm->unmaps_landed == seq)
        pthread_cond_wait(&mm->maps_done, &mm->maps_lock);
    pthread_mutex_unlock(&mm->maps_lock);
    ctx_io_end(t->ctx);
}

/* The unmapping of @rec is in the stub (or never will be): faults may map its range. */
static void deferred_landed(struct mm_deferred *rec)
{
    struct mm *mm = rec->mm;
    pthread_mutex_lock(&mm->maps_lock);
    rec->landed = true;
    mm->unmaps_landed++;
    pthread_cond_broadcast(&mm->maps_done);
    pthread_mutex_unlock(&mm->maps_lock);
}

/* Forget @rec once its unmapping is in the stub: its frames go. Kernel lock held. */
static void deferred_free(struct mm_deferred *rec)
{
    list_del(&rec->flight);
    for (uint64_t i = 0; i < rec->nframes; i++)
        memfile_unref(rec->frames[i]);
    mm_unref(rec->mm);
    free(rec);
}

/* @rec's address space is not the thread's any more (an execve after the munmap): leave the
 * unmapping to its remaining tasks, as for another address space, with the frames kept. */
static void deferred_hand_over(struct mm_deferred *rec)
{
    struct mm *mm = rec->mm;
    if (mm_users(mm) > 1) {
        inval_post_range(mm, rec->start, rec->end);
        for (uint64_t i = 0; i < rec->nframes; i++)
            inval_keep_frame(mm, rec->frames[i]);
        rec->nframes = 0;
        if (mm->nr_running > 0)
            shootdown(mm);
    }
    deferred_landed(rec);
    deferred_free(rec);
}

/* Make the unmappings @t left for the end of its syscall: with the kernel lock released if
 * @unlock. Caller holds the kernel lock. */
static void deferred_run(struct mm_thread *t, bool unlock)
{
    struct mm_deferred *list = t->deferred;
    t->deferred = NULL;
    if (unlock)
        ctx_io_begin(t->ctx);
    for (struct mm_deferred *rec = list; rec; rec = rec->next) {
        if (rec->mm != t->mm || !t->pctx)
            continue;
        uint64_t t0 = g_cv_lockstat_on ? cv_lockstat_now_ns() : 0;
        g_platform->unmap(t->pctx, rec->start, rec->end - rec->start);
        if (t0)
            cv_timed_add(unlock ? &g_unmap_unlocked : &g_unmap_region, cv_lockstat_now_ns() - t0);
        deferred_landed(rec);
    }
    if (unlock)
        ctx_io_end(t->ctx);
    while (list) {
        struct mm_deferred *rec = list;
        list = rec->next;
        if (rec->landed)
            deferred_free(rec);
        else
            deferred_hand_over(rec);
    }
}

void mm_deferred_flush(struct mm_thread *t)
{
    if (t->deferred)
        deferred_run(t, false);
}

/* ---- the task loop's hooks --------------------------------------------------------------- */

void mm_app_enter(struct mm_thread *t)
{
    struct mm *mm = t->mm;
    if (mm->inval.pending)
        mm_stub_inval_apply(mm, t->pctx);
    mm->nr_running++;
    list_add_tail(&t->running, &mm->running);
}

void mm_app_leave(struct mm_thread *t)
{
    struct mm *mm = t->mm;
    CV_BUG_ON(mm->nr_running <= 0);
    mm->nr_running--;
    list_del(&t->running);
    if (mm->inval.pending)
        mm_stub_inval_apply(mm, t->pctx); /* at once: a shootdown may wait for it */
}

/* True while an address space with invalidations pending since @seq or earlier runs app
 * code. */
static bool shootdown_busy(uint64_t seq)
{
    struct mm_stub_inval *iv;
    list_for_each_entry(iv, &g_pending, link)
    {
        struct mm *mm = container_of(iv, struct mm, inval);
        if (iv->since <= seq && mm->nr_running > 0)
            return true;
    }
    return false;
}

void mm_shootdown_wait(struct mm_thread *t)
{
    if (t->deferred)
        deferred_run(t, ctx_may_unlock(t->ctx));
    struct memfile_punch *p = memfile_punch_take();
    if (p) {
        /* Freed memory goes back to the host without the kernel lock (memfile.h). */
        ctx_io_begin(t->ctx);
        memfile_punch_do(p);
        ctx_io_end(t->ctx);
        memfile_punch_done(p);
    }
    uint64_t seq = tl_wait_seq;
    if (!seq)
        return;
    tl_wait_seq = 0;
    struct waiter w = {0};
    while (shootdown_busy(seq)) {
        if (!w.q)
            waitq_add(&g_shootdown_wq, &w, t->ctx, 0);
        /* Only an exit ends the wait early: the tasks waited for leave app code at once, and
         * the invalidations stay pending (their frames kept) until they have. */
        if (ctx_wait_killable(t->ctx, 0) == -EINTR)
            break;
    }
    waitq_remove(&w);
}
