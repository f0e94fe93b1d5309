// SPDX-License-Identifier: Apache-2.0
/*
 * The Sentry's page table for one address space: four levels of 512 slots over the 36-bit
 * page number, allocated on demand, so that sparse address spaces stay cheap.
 */
#include <stdlib.h>

#include "sentry/mm/mm_types.h"

#define PT_BITS 9
#define PT_SLOTS (1u << PT_BITS)

struct pt_node {
    void *slot[PT_SLOTS]; /* child nodes, or at the last level a uint64_t[512] leaf */
};

static unsigned idx(uint64_t vpn, int level)
{
    return (unsigned)(vpn >> (PT_BITS * level)) & (PT_SLOTS - 1);
}

uint64_t *pt_entry(struct mm *mm, uint64_t vpn, bool create)
{
    if (vpn >> (PT_BITS * 4))
        return NULL;
    if (!mm->pt) {
        if (!create || !(mm->pt = calloc(1, sizeof(struct pt_node))))
            return NULL;
    }
    struct pt_node *n = mm->pt;
    for (int level = 3; level >= 2; level--) {
        void **s = &n->slot[idx(vpn, level)];
        if (!*s) {
            if (!create || !(*s = calloc(1, sizeof(struct pt_node))))
                return NULL;
        }
        n = *s;
    }
    void **leafp = &n->slot[idx(vpn, 1)];
    if (!*leafp) {
        if (!create || !(*leafp = calloc(PT_SLOTS, sizeof(uint64_t))))
            return NULL;
    }
    return &((uint64_t *)*leafp)[idx(vpn, 0)];
}

static void walk(struct mm *mm, void *node, int level, uint64_t base, uint64_t s, uint64_t e,
                 void (*fn)(struct mm *, uint64_t, uint64_t *, void *), void *arg)
{
    uint64_t span = 1ULL << (PT_BITS * level); /* pages covered by one slot at this level */
    for (unsigned i = 0; i < PT_SLOTS; i++) {
        uint64_t lo = base + i * span;
        if (lo >= e)
            return;
        if (lo + span <= s)
            continue;
        if (level == 0) {
            fn(mm, lo, &((uint64_t *)node)[i], arg);
            continue;
        }
        void *child = ((struct pt_node *)node)->slot[i];
        if (child)
            walk(mm, child, level - 1, lo, s, e, fn, arg);
    }
}

void pt_for_each(struct mm *mm, uint64_t start_vpn, uint64_t end_vpn,
                 void (*fn)(struct mm *, uint64_t, uint64_t *, void *), void *arg)
{
    if (mm->pt && start_vpn < end_vpn)
        walk(mm, mm->pt, 3, 0, start_vpn, end_vpn, fn, arg);
}

static void free_node(void *node, int level)
{
    if (level > 0) {
        struct pt_node *n = node;
        for (unsigned i = 0; i < PT_SLOTS; i++)
            if (n->slot[i])
                free_node(n->slot[i], level - 1);
    }
    free(node);
}

void pt_free(struct mm *mm)
{
    if (mm->pt)
        free_node(mm->pt, 3);
    mm->pt = NULL;
}
