// SPDX-License-Identifier: Apache-2.0
/*
 * Internal layout of struct mm: a sorted array of VMAs and a four-level page table of
 * memory-file frames (the Sentry's own record of what backs each app page; the stub's
 * real page tables are filled lazily from it).
 *
 * Locking: everything is protected by the kernel lock but the in-flight map count (struct mm).
 * Lock order: kernel lock, then mm->maps_lock (a leaf).
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "abi/linux/types.h"
#include "common/list.h"

struct mappable;
struct plat_as;

/* Page-table entry: frame offset | flags. */
#define PTE_PRESENT 0x1ULL    /* backed by a frame (the entry holds one frame reference) */
#define PTE_MAPPED 0x2ULL     /* mapped into the stub */
#define PTE_STUB_WRITE 0x4ULL /* mapped writable into the stub */
/* A private page filled from its object and never written: it shows the object's contents as
 * they were, and goes when they change (a hole, a truncation), as Linux's private mappings
 * show the page cache until the first write. Mapped read-only until written. */
#define PTE_CLEAN 0x8ULL
#define PTE_FRAME_MASK (~0xfffULL)

struct vma {
    gaddr_t start, end;
    int prot;             /* PROT_* */
    int flags;            /* MM_MAP_SHARED / MM_MAP_PRIVATE | MM_MAP_GROWSDOWN | VMA_* */
    int maxprot;          /* protections mprotect may grant (a read-only shared file: no write) */
    struct mappable *obj; /* NULL: private anonymous memory; holds a reference */
    uint64_t off;         /* offset of @start in @obj */
    const char *special;  /* "[heap]", "[stack]" or NULL */
};

/* VMA-only flags, kept in vma.flags beside the MM_MAP_* bits. */
#define VMA_DONTFORK 0x1000000 /* madvise(MADV_DONTFORK): not copied to a fork child */

struct pt_node;

/* One address space's use of a mappable (the reverse map, rmap.c): how many of its VMAs map
 * it. Protected by the kernel lock. */
struct mm_rmap {
    struct mm_rmap *next; /* in mappable->rmap */
    struct mm *mm;
    int nvmas;
};

/* Frames pinned by transfers of this address space that run without the kernel lock (pin.c):
 * an open-addressing table of frame -> count. */
struct mm_pins {
    uint64_t *keys; /* frame offsets; 0 = empty */
    uint32_t *counts;
    uint32_t cap; /* a power of two, or 0 */
    uint32_t used;
};

/* Stub mappings to remove that the caller could not remove itself (inval.c): another address
 * space's stub is changed only by its own tasks, before they next touch it. */
struct mm_stub_inval {
    bool pending;
    bool all;              /* out of memory recording ranges: unmap everything */
    uint64_t since;        /* the invalidation sequence number when it became pending */
    struct list_head link; /* in the list of address spaces with pending invalidations */
    gaddr_t (*ranges)[2];  /* [start, end) to unmap */
    int nranges, cap_ranges;
    uint64_t *frames; /* frame references kept until the stub no longer maps them */
    uint64_t nframes, cap_frames;
};

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
    /* Bumped whenever a page's frame or access changes (unmapped, replaced, protected), so
     * that a uio built earlier knows to look again (copy.c). */
    uint64_t map_gen;
    /* Bumped whenever pages are marked mapped into the stub: a fault refused on a mapped page
     * is a violation only if nothing was mapped since the same fault was last retried. */
    uint64_t map_seq;
    struct mm_pins pins;
    int nr_running;           /* threads running app code in this address space */
    struct list_head running; /* those threads (mm_thread.running) */
    struct mm_stub_inval inval;
    /* Stub mappings a fault makes with the kernel lock released (mm_handle_fault). Their
     * entries are marked mapped before the lock goes; whoever changes the stub or a mapped
     * entry waits for them first (mm_wait_maps, with the kernel lock held: they need only
     * maps_lock to finish), so that no such mapping lands after the change. */
    atomic_int maps_in_flight; /* Atomic: raised with the kernel lock and maps_lock held,
                                * lowered with maps_lock held */
    pthread_mutex_t maps_lock; /* a leaf, taken inside the kernel lock or alone */
    pthread_cond_t maps_done;  /* maps_in_flight fell to 0 or an unmapping landed */
    /* Stub unmappings a munmap left for the end of its syscall, made without the kernel lock
     * (struct mm_deferred, inval.c). A fault in one of their ranges waits until it landed,
     * so that its mapping cannot come before the unmapping. List: kernel lock. */
    struct list_head unmap_flights;
    uint64_t unmaps_landed; /* Protected by maps_lock: bumped as each one lands */
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
void vma_remove_range(struct mm *mm, gaddr_t start, gaddr_t end,
                      void (*drop)(struct mm *mm, struct vma *v));
/* True if [start, end) intersects no VMA. */
bool vma_range_free(const struct mm *mm, gaddr_t start, gaddr_t end);
/* Find a free range of @len bytes, top-down below @top and above @bottom, avoiding
 * [@rsv_start, @rsv_end). Returns the start or 0. */
gaddr_t vma_find_gap(const struct mm *mm, uint64_t len, gaddr_t bottom, gaddr_t top,
                     gaddr_t rsv_start, gaddr_t rsv_end);
/* Merge adjacent compatible anonymous VMAs around index @i (keeps the array small). */
void vma_try_merge(struct mm *mm, int i);

/* The reverse map (rmap.c): a VMA of @mm maps @v->obj. vma_obj_get takes a reference to the
 * object for the VMA and records @mm in its reverse map (-ENOMEM: nothing taken);
 * vma_obj_put undoes it. No-ops for anonymous VMAs. */
int vma_obj_get(struct mm *mm, const struct vma *v);
void vma_obj_put(struct mm *mm, const struct vma *v);
/* Record/forget one more VMA of @mm mapping @obj, the reference being the caller's.
 * rmap_add returns 0 or -ENOMEM. */
int rmap_add(struct mm *mm, struct mappable *obj);
void rmap_del(struct mm *mm, struct mappable *obj);

/* Frames pinned by this address space's transfers (pin.c). mm_pin returns 0 or -ENOMEM. */
int mm_pin(struct mm *mm, uint64_t frame);
void mm_unpin(struct mm *mm, uint64_t frame);
bool mm_pinned(const struct mm *mm, uint64_t frame);
void mm_pins_free(struct mm *mm);
