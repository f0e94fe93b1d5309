// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by the files of mm/ (not for use outside mm/). */
#pragma once

#include "sentry/mm/mm_internal.h"
#include "sentry/mm/mm_types.h"

struct task;

/* The platform context of @t if it runs in @mm's address space, else NULL. */
struct plat_context *mm_ctx(struct task *t, struct mm *mm);

/* Make page @vpn of @v present (allocating/filling). @for_write breaks COW. Returns the
 * entry or NULL with *@err set (-ENOMEM, -EIO past EOF). */
uint64_t *mm_populate_page(struct task *t, struct mm *mm, struct vma *v, uint64_t vpn,
                           bool for_write, int *err);

/* Drop every entry in [start, end): unref frames, forget mappings. Unmaps from the stub
 * through @t's context when anything was mapped. */
void mm_release_range(struct task *t, struct mm *mm, gaddr_t start, gaddr_t end);


/* Unmap [start, end) from the stub (if @t runs in @mm). */
void mm_stub_unmap(struct task *t, struct mm *mm, gaddr_t start, gaddr_t end);

/* Change the stub's protection of the mapped pages in [start, end) to @prot. */
void mm_stub_protect(struct task *t, struct mm *mm, gaddr_t start, gaddr_t end, int prot);
