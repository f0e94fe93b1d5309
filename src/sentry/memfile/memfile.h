// SPDX-License-Identifier: Apache-2.0
/*
 * The memory file: one memfd that holds all app memory, mapped once into the Sentry so that
 * copy_in/copy_out are memcpy. Memory is handed out in 4 KiB frames (byte offsets into the
 * file) with reference counts; fork's copy-on-write shares frames.
 *
 * Locking: Caller holds the kernel lock for every function here but memfile_punch_do, and
 * memfile_ptr/memfile_offset_of (pure arithmetic on the immutable mapping).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define MEMFILE_SIZE (64ULL << 30) /* address space reserved for the file: 64 GiB */
#define MEMFILE_FRAME 4096ULL

/* Create the memfd and map it. Returns 0 or -errno. */
int memfile_init(void);
struct cv_mutex;
/* The lock every caller holds (the Sentry's kernel lock), asserted in debug builds; the
 * memory file itself is below the kernel and does not know it otherwise. */
void memfile_set_lock(struct cv_mutex *lock);

/* The memfd (for the platform, which maps it into stubs). */
int memfile_fd(void);

/* Allocate one zeroed frame with one reference. Returns 0 or -ENOMEM. */
int memfile_alloc(uint64_t *off);
/* Allocate @count contiguous zeroed frames, one reference each. Returns 0 or -ENOMEM
 * (callers fall back to single frames). */
int memfile_alloc_run(unsigned count, uint64_t *off);
void memfile_ref(uint64_t off);
/* Drop one reference; the frame is freed at zero (once no transfer pins it). */
void memfile_unref(uint64_t off);
/* Owners of the frame (page tables, objects): above one means copy-on-write sharing. Pins
 * are not counted. */
uint32_t memfile_refcount(uint64_t off);

/* Pin the frame for a transfer that runs without the kernel lock (a blocking read into
 * guest memory): it stays allocated until unpinned even if every owner drops it. Pins do not
 * make a frame look shared, so copy-on-write never moves a page away from a transfer. */
void memfile_pin(uint64_t off);
void memfile_unpin(uint64_t off);

/* Back the frames in [@off, @off + @len) with host memory, mapped in the Sentry, now rather
 * than one host page fault per page on first touch (tmpfs fallocate and large writes).
 * Best effort: on failure the pages still come on first touch. */
void memfile_populate(uint64_t off, uint64_t len);

/* The Sentry's pointer to the frame at @off. */
void *memfile_ptr(uint64_t off);

/* The frame offset containing the Sentry pointer @p (which must point into the file). */
uint64_t memfile_offset_of(const void *p);

/* Frames in use (for meminfo and tests). */
uint64_t memfile_used_frames(void);

/* Mark the frame at @off (just allocated) as shared memory: a page of a tmpfs file or of
 * shared anonymous memory, which Linux counts as Shmem (and Cached) rather than AnonPages.
 * The mark goes when the frame is freed. */
void memfile_mark_shmem(uint64_t off);
/* Frames in use that are marked as shared memory (for meminfo). */
uint64_t memfile_shmem_frames(void);
/* True if the frame at @off is marked as shared memory (for /proc/pid/status). */
bool memfile_is_shmem(uint64_t off);

/* Returning freed memory to the host (FALLOC_FL_PUNCH_HOLE), a host call per run of frames,
 * is done without the kernel lock: memfile_punch_take (kernel lock held) takes the frames
 * freed since the last batch off the free stack once there are enough of them (else NULL),
 * memfile_punch_do (no lock: it touches only the batch and the host) punches them, and
 * memfile_punch_done (kernel lock held) makes them free again, known zero. One batch at a
 * time. */
struct memfile_punch {
    uint64_t n;
    uint64_t frames[];
};
struct memfile_punch *memfile_punch_take(void);
void memfile_punch_do(struct memfile_punch *p);
void memfile_punch_done(struct memfile_punch *p);

/* Tests only: release everything. */
void memfile_destroy(void);
