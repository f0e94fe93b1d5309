// SPDX-License-Identifier: Apache-2.0
/*
 * The VMA set: a sorted array of non-overlapping ranges with binary search. Pure logic over
 * struct mm's array, so it is unit-tested without a platform.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_types.h"

int vma_lower_bound(const struct mm *mm, gaddr_t addr)
{
    int lo = 0, hi = mm->nvmas;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (mm->vmas[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int vma_find_index(const struct mm *mm, gaddr_t addr)
{
    int i = vma_lower_bound(mm, addr);
    if (i < mm->nvmas && mm->vmas[i].start <= addr)
        return i;
    return -1;
}

struct vma *vma_find(struct mm *mm, gaddr_t addr)
{
    int i = vma_find_index(mm, addr);
    return i < 0 ? NULL : &mm->vmas[i];
}

static int vma_reserve(struct mm *mm, int extra)
{
    if (mm->nvmas + extra <= mm->cap)
        return 0;
    int cap = mm->cap ? mm->cap * 2 : 32;
    while (cap < mm->nvmas + extra)
        cap *= 2;
    struct vma *v = realloc(mm->vmas, (size_t)cap * sizeof(*v));
    if (!v)
        return -ENOMEM;
    mm->vmas = v;
    mm->cap = cap;
    return 0;
}

int vma_insert(struct mm *mm, const struct vma *v)
{
    if (vma_reserve(mm, 1) < 0)
        return -ENOMEM;
    int i = vma_lower_bound(mm, v->start);
    memmove(&mm->vmas[i + 1], &mm->vmas[i], (size_t)(mm->nvmas - i) * sizeof(*v));
    mm->vmas[i] = *v;
    mm->nvmas++;
    return 0;
}

int vma_split_at(struct mm *mm, gaddr_t addr)
{
    int i = vma_find_index(mm, addr);
    if (i < 0 || mm->vmas[i].start == addr)
        return 0;
    if (vma_reserve(mm, 1) < 0)
        return -ENOMEM;
    struct vma *v = &mm->vmas[i];
    struct vma tail = *v;
    tail.start = addr;
    if (tail.obj) {
        tail.off += addr - v->start;
        if (vma_obj_get(mm, &tail) < 0)
            return -ENOMEM;
    }
    v->end = addr;
    memmove(&mm->vmas[i + 2], &mm->vmas[i + 1], (size_t)(mm->nvmas - i - 1) * sizeof(*v));
    mm->vmas[i + 1] = tail;
    mm->nvmas++;
    return 0;
}

void vma_remove_range(struct mm *mm, gaddr_t start, gaddr_t end,
                      void (*drop)(struct mm *mm, struct vma *v))
{
    int i = vma_lower_bound(mm, start);
    int j = i;
    while (j < mm->nvmas && mm->vmas[j].start < end) {
        if (drop)
            drop(mm, &mm->vmas[j]);
        j++;
    }
    memmove(&mm->vmas[i], &mm->vmas[j], (size_t)(mm->nvmas - j) * sizeof(struct vma));
    mm->nvmas -= j - i;
}

bool vma_range_free(const struct mm *mm, gaddr_t start, gaddr_t end)
{
    int i = vma_lower_bound(mm, start);
    return i >= mm->nvmas || mm->vmas[i].start >= end;
}

static bool gap_ok(gaddr_t s, gaddr_t e, gaddr_t rs, gaddr_t re)
{
    return e <= rs || s >= re;
}

gaddr_t vma_find_gap(const struct mm *mm, uint64_t len, gaddr_t bottom, gaddr_t top,
                     gaddr_t rsv_start, gaddr_t rsv_end)
{
    if (len == 0 || top < bottom || len > top - bottom)
        return 0;
    gaddr_t hi = top;
    int i = mm->nvmas - 1;
    while (i >= 0 && mm->vmas[i].start >= top)
        i--;
    for (;;) {
        if (i >= 0 && mm->vmas[i].end > hi) { /* straddles hi: the gap is below it */
            hi = mm->vmas[i].start;
            i--;
            continue;
        }
        gaddr_t lo = (i >= 0 && mm->vmas[i].end > bottom) ? mm->vmas[i].end : bottom;
        /* The gap is [lo, hi): take its top, or the part below the reserved range. */
        if (hi >= lo + len) {
            if (gap_ok(hi - len, hi, rsv_start, rsv_end))
                return hi - len;
            if (rsv_start >= lo + len && rsv_start <= hi)
                return rsv_start - len;
        }
        if (i < 0)
            return 0;
        hi = mm->vmas[i].start;
        i--;
        if (hi <= bottom)
            return 0;
    }
}

static bool vma_mergeable(const struct vma *a, const struct vma *b)
{
    return a->end == b->start && a->prot == b->prot && a->maxprot == b->maxprot &&
           a->flags == b->flags && !a->obj && !b->obj && a->special == b->special;
}

void vma_try_merge(struct mm *mm, int i)
{
    if (i < 0 || i >= mm->nvmas)
        return;
    if (i + 1 < mm->nvmas && vma_mergeable(&mm->vmas[i], &mm->vmas[i + 1])) {
        mm->vmas[i].end = mm->vmas[i + 1].end;
        memmove(&mm->vmas[i + 1], &mm->vmas[i + 2],
                (size_t)(mm->nvmas - i - 2) * sizeof(struct vma));
        mm->nvmas--;
    }
    if (i > 0 && vma_mergeable(&mm->vmas[i - 1], &mm->vmas[i])) {
        mm->vmas[i - 1].end = mm->vmas[i].end;
        memmove(&mm->vmas[i], &mm->vmas[i + 1], (size_t)(mm->nvmas - i - 1) * sizeof(struct vma));
        mm->nvmas--;
    }
}
