// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by the files of mm/ (not for use outside mm/). */
#pragma once

#include "sentry/mm/mm_internal.h"
#include "sentry/mm/mm_types.h"

struct mm_thread;

/* The platform context of @t if it runs in @mm's address space, else NULL. Stub
 * invalidations pending in @mm are applied first, so that whatever the caller does with the
 * stub comes after them. */
struct plat_context *mm_ctx(struct mm_thread *t, struct mm *mm);

/* Wait until no stub mapping of @mm made without the kernel lock is in flight (struct mm).
 * Caller holds the kernel lock, which it keeps: the mappers do not need it to finish. Every
 * path that changes the stub or a mapped entry calls it first (mm_ctx does). */
void mm_wait_maps(struct mm *mm);

/* True if a stub unmapping left for the end of another syscall (mm_release_range) covers
 * part of [start, end) and has not landed yet; *@seq gets what to wait on
 * (mm_wait_unmap_landed). Caller holds the kernel lock. */
bool mm_unmap_in_flight(struct mm *mm, gaddr_t start, gaddr_t end, uint64_t *seq);
/* Release the kernel lock (through @t's context) until an unmapping lands after @seq. */
void mm_wait_unmap_landed(struct mm_thread *t, struct mm *mm, uint64_t seq);

/* How mm_populate_page makes a page present. */
#define MM_POP_WRITE 0x1   /* for writing: a private page gets its own frame, written */
#define MM_POP_UNSHARE 0x2 /* a private page gets a frame of its own (a transfer pins it) */

/* Make page @vpn of @v present (allocating/filling) as @how (MM_POP_*, 0 to read). Returns
 * the entry or NULL with *@err set (-ENOMEM, -EIO past EOF). */
uint64_t *mm_populate_page(struct mm_thread *t, struct mm *mm, struct vma *v, uint64_t vpn,
                           unsigned how, int *err);

/* Drop every entry in [start, end): unref frames, forget mappings. Unmaps from the stub
 * through @t's context when anything was mapped (or leaves that pending when @t does not run
 * in @mm). */
void mm_release_range(struct mm_thread *t, struct mm *mm, gaddr_t start, gaddr_t end);

/* Unmap [start, end) from the stub: through @t's context if @t runs in @mm, else pending
 * until one of @mm's tasks applies it (inval.c). */
void mm_stub_unmap(struct mm_thread *t, struct mm *mm, gaddr_t start, gaddr_t end);

/* Apply @mm's pending stub invalidations through @ctx, a context in @mm (inval.c). */
void mm_stub_inval_apply(struct mm *mm, struct plat_context *ctx);
/* Release @mm's pending invalidations and their kept frames (the address space goes). */
void mm_stub_inval_free(struct mm *mm);

/* Change the stub's protection of the mapped pages in [start, end) to @prot. */
void mm_stub_protect(struct mm_thread *t, struct mm *mm, gaddr_t start, gaddr_t end, int prot);
