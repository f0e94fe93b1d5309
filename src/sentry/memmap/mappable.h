// SPDX-License-Identifier: Apache-2.0
/*
 * The "mappable" interface (level 0): what mm needs from an object that can back a memory
 * mapping, so that mm and vfs never include each other (DESIGN.md 2, like gVisor's memmap).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mappable;
struct mm_rmap;

struct mappable_ops {
    /* Private mappings: fill @dst (@size bytes, page multiple) with the object's contents at
     * @off; bytes past the end of the object read as zero. Returns 0, -EFAULT if @off is
     * wholly past the end (the app gets SIGBUS), or -errno. */
    int (*fill)(struct mappable *m, uint64_t off, void *dst, size_t size);
    /* Optional, private mappings of host files: fill without the kernel lock. fill_host,
     * with the kernel lock held, gives a handle (a host descriptor of its own) to read the
     * object's bytes at @off from, and *@valid, how many bytes of [@off, @off+@size) lie
     * before the end (the rest reads as zero); -EFAULT if @off is wholly past the end.
     * fill_read, without the lock (the caller holds a reference to @m), reads from it: the
     * bytes read or -errno; fill_close drops it. fill_done, with the lock held again, fixes
     * up the @size bytes read into @dst (bytes the object caches may be newer). */
    int (*fill_host)(struct mappable *m, uint64_t off, size_t size, int *handle, size_t *valid);
    ssize_t (*fill_read)(int handle, uint64_t off, void *dst, size_t size);
    void (*fill_close)(int handle);
    void (*fill_done)(struct mappable *m, uint64_t off, void *dst, size_t size);
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
