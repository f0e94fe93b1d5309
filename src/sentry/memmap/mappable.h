// SPDX-License-Identifier: Apache-2.0
/*
 * The "mappable" interface (level 0): what mm needs from an object that can back a memory
 * mapping, so that mm and vfs never include each other (DESIGN.md 2, like gVisor's memmap).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mappable;
struct mm_rmap;

struct mappable_ops {
    /* Private mappings: fill @dst (@size bytes, page multiple) with the object's contents at
     * @off; bytes past the end of the object read as zero. Returns 0, -EFAULT if @off is
     * wholly past the end (the app gets SIGBUS), or -errno. */
    int (*fill)(struct mappable *m, uint64_t off, void *dst, size_t size);
    /* Shared mappings: the memory-file frame holding the page at @off, allocated on demand;
     * returns a new frame reference in *@frame. NULL if the object cannot be shared-mapped. */
    int (*get_frame)(struct mappable *m, uint64_t off, uint64_t *frame);
    /* msync of shared mappings: make what they wrote in [@off, @off+@size) reach the object's
     * backing store, on stable storage when @durable (MS_SYNC). NULL: nothing to do. Returns
     * 0 or -errno. */
    int (*sync)(struct mappable *m, uint64_t off, uint64_t size, bool durable);
    /* madvise(MADV_REMOVE) of a shared mapping: free the object's pages of [@off, @off+@size)
     * (a hole: they read as zeros again), as fallocate(PUNCH_HOLE|KEEP_SIZE). The object
     * invalidates the mappings itself (mm_invalidate_mappable). NULL: -EOPNOTSUPP. Returns 0
     * or -errno (-EPERM for a sealed memfd). */
    int (*punch)(struct mappable *m, uint64_t off, uint64_t size);
    /* Size in bytes (for SIGBUS past EOF). */
    uint64_t (*size)(struct mappable *m);
    void (*ref)(struct mappable *m);
    void (*unref)(struct mappable *m);
};

struct mappable {
    const struct mappable_ops *ops;
    /* Identity for /proc/pid/maps. */
    uint64_t dev, ino;
    char name[256]; /* path shown in /proc/pid/maps, "" for none */
    /* The reverse map: one entry per address space with VMAs of this object, kept by mm
     * (mm/rmap.c). Must start NULL (zeroed). Protected by the kernel lock. */
    struct mm_rmap *rmap;
};
