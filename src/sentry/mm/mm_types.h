// SPDX-License-Identifier: Apache-2.0
/*
 * Internal layout of struct mm: a sorted array of VMAs and a four-level page table of
 * memory-file frames (the Sentry's own record of what backs each app page; the stub's
 * real page tables are filled lazily from it).
 *
 * Locking: everything is protected by the kernel lock.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/linux/types.h"

struct mappable;
struct plat_as;

/* Page-table entry: frame offset | flags. */
#define PTE_PRESENT 0x1ULL    /* backed by a frame (the entry holds one frame reference) */
#define PTE_MAPPED 0x2ULL     /* mapped into the stub */
#define PTE_STUB_WRITE 0x4ULL /* mapped writable into the stub */
#define PTE_FRAME_MASK (~0xfffULL)

struct vma {
    gaddr_t start, end;
    int prot;              /* PROT_* */
    int flags;             /* MM_MAP_SHARED / MM_MAP_PRIVATE | MM_MAP_GROWSDOWN | VMA_* */
    int maxprot;           /* protections mprotect may grant (a read-only shared file: no write) */
    struct mappable *obj;  /* NULL: private anonymous memory; holds a reference */
    uint64_t off;          /* offset of @start in @obj */
    const char *special;   /* "[heap]", "[stack]" or NULL */
};

/* VMA-only flags, kept in vma.flags beside the MM_MAP_* bits. */
#define VMA_DONTFORK 0x1000000 /* madvise(MADV_DONTFORK): not copied to a fork child */

struct pt_node;

struct mm {
    int refs;
    struct vma *vmas; /* sorted by start, non-overlapping */
    int nvmas, cap;
    struct pt_node *pt;
    struct plat_as *as;
    gaddr_t brk_start, brk;
    gaddr_t stack_start, stack_end;
    gaddr_t start_code, end_code; /* the program's code (/proc/pid/status VmExe) */
    gaddr_t mmap_base;
    uint64_t rss_pages;
};

/* Page-table access: the entry for page number @vpn, or NULL if absent (and !@create). */
uint64_t *pt_entry(struct mm *mm, uint64_t vpn, bool create);
/* Call @fn for every entry (present or not but allocated) in [@start_vpn, @end_vpn). */
void pt_for_each(struct mm *mm, uint64_t start_vpn, uint64_t end_vpn,
                 void (*fn)(struct mm *mm, uint64_t vpn, uint64_t *pte, void *arg), void *arg);
void pt_free(struct mm *mm);

/* VMA set operations (vma.c), pure logic, unit-tested. */
int vma_find_index(const struct mm *mm, gaddr_t addr); /* index of the VMA containing @addr or -1 */
struct vma *vma_find(struct mm *mm, gaddr_t addr);
/* First index whose end > @addr (nvmas if none). */
int vma_lower_bound(const struct mm *mm, gaddr_t addr);
/* Insert @v (no overlap allowed). Returns 0 or -ENOMEM. */
int vma_insert(struct mm *mm, const struct vma *v);
/* Split so that no VMA straddles @addr. Returns 0 or -ENOMEM. */
int vma_split_at(struct mm *mm, gaddr_t addr);
/* Remove VMAs wholly inside [start, end) (after splitting), dropping object references via
 * @drop. */
void vma_remove_range(struct mm *mm, gaddr_t start, gaddr_t end, void (*drop)(struct vma *v));
/* True if [start, end) intersects no VMA. */
bool vma_range_free(const struct mm *mm, gaddr_t start, gaddr_t end);
/* Find a free range of @len bytes, top-down below @top and above @bottom, avoiding
 * [@rsv_start, @rsv_end). Returns the start or 0. */
gaddr_t vma_find_gap(const struct mm *mm, uint64_t len, gaddr_t bottom, gaddr_t top,
                     gaddr_t rsv_start, gaddr_t rsv_end);
/* Merge adjacent compatible anonymous VMAs around index @i (keeps the array small). */
void vma_try_merge(struct mm *mm, int i);
