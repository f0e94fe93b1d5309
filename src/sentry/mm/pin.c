// SPDX-License-Identifier: Apache-2.0
/*
 * The frames an address space's transfers pin while they run without the kernel lock (a
 * host read into guest memory): an open-addressing hash table of frame -> count with linear
 * probing and backward-shift deletion. Fork copies a pinned private page for the child at
 * once, so that the pinned frame stays with the address space that started the transfer
 * (mm.c). Pure logic, unit-tested.
 */
#include <errno.h>
#include <stdlib.h>

#include "common/log.h"
#include "sentry/mm/mm_types.h"

static uint32_t slot_of(const struct mm_pins *p, uint64_t frame)
{
    return (uint32_t)(((frame >> 12) * 0x9E3779B97F4A7C15ULL) >> 32) & (p->cap - 1);
}

/* Find @frame's slot, or the empty slot where it would go. */
static uint32_t probe(const struct mm_pins *p, uint64_t frame)
{
    uint32_t i = slot_of(p, frame);
    while (p->keys[i] && p->keys[i] != frame)
        i = (i + 1) & (p->cap - 1);
    return i;
}

static int grow(struct mm_pins *p)
{
    uint32_t cap = p->cap ? p->cap * 2 : 64;
    struct mm_pins n = {.cap = cap};
    n.keys = calloc(cap, sizeof(*n.keys));
    n.counts = calloc(cap, sizeof(*n.counts));
    if (!n.keys || !n.counts) {
        free(n.keys);
        free(n.counts);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < p->cap; i++) {
        if (!p->keys[i])
            continue;
        uint32_t j = probe(&n, p->keys[i]);
        n.keys[j] = p->keys[i];
        n.counts[j] = p->counts[i];
        n.used++;
    }
    free(p->keys);
    free(p->counts);
    *p = n;
    return 0;
}

int mm_pin(struct mm *mm, uint64_t frame)
{
    struct mm_pins *p = &mm->pins;
    CV_BUG_ON(frame == 0);
    if ((p->used + 1) * 2 > p->cap) {
        int err = grow(p);
        if (err < 0)
            return err;
    }
    uint32_t i = probe(p, frame);
    if (!p->keys[i]) {
        p->keys[i] = frame;
        p->used++;
    }
    p->counts[i]++;
    return 0;
}

void mm_unpin(struct mm *mm, uint64_t frame)
{
    struct mm_pins *p = &mm->pins;
    CV_BUG_ON(p->cap == 0);
    uint32_t i = probe(p, frame);
    CV_BUG_ON(p->keys[i] != frame || p->counts[i] == 0);
    if (--p->counts[i] > 0)
        return;
    /* Backward-shift deletion: move later entries of the run into the hole when their home
     * slot does not lie cyclically in (hole, entry]. */
    uint32_t hole = i;
    for (uint32_t j = (i + 1) & (p->cap - 1); p->keys[j]; j = (j + 1) & (p->cap - 1)) {
        uint32_t home = slot_of(p, p->keys[j]);
        bool stays = hole < j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays)
            continue;
        p->keys[hole] = p->keys[j];
        p->counts[hole] = p->counts[j];
        hole = j;
    }
    p->keys[hole] = 0;
    p->counts[hole] = 0;
    p->used--;
}

bool mm_pinned(const struct mm *mm, uint64_t frame)
{
    const struct mm_pins *p = &mm->pins;
    if (p->used == 0)
        return false;
    return p->keys[probe(p, frame)] == frame;
}

void mm_pins_free(struct mm *mm)
{
    free(mm->pins.keys);
    free(mm->pins.counts);
    mm->pins = (struct mm_pins){0};
}
