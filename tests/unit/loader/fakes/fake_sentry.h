// SPDX-License-Identifier: Apache-2.0
/*
 * Fakes of the Sentry services the loader uses, for tests/unit/loader: a VFS over host files
 * (paths are host paths) and an address space kept in Sentry memory (struct fake_vma list +
 * page store), so that loader_load() runs without a platform, memory file or gofer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/linux/types.h"

struct mappable;
struct task;

#define FAKE_MAX_VMAS 64
#define FAKE_VDSO_BASE 0x7ffff7fc1000ULL /* what the fake vdso_map returns */

struct fake_vma {
    gaddr_t start, end;
    int prot, flags;
    struct mappable *obj; /* NULL: anonymous */
    uint64_t off;
    bool live;
};

struct mm {
    struct fake_vma vmas[FAKE_MAX_VMAS]; /* in creation order; later ones win */
    int nvmas;
    gaddr_t next_topdown; /* next address for a mapping without a hint */
    gaddr_t brk_start, stack_start, stack_end;
    gaddr_t start_code, end_code;
    int nprotects;
};

/* A new fake task (pid 1, uid/gid 0) and an empty fake mm. */
void fake_setup(struct task **t, struct mm **mm);
void fake_teardown(struct task *t, struct mm *mm);

/* The vma that covers @addr (the latest one), or NULL. */
const struct fake_vma *fake_vma_at(struct mm *mm, gaddr_t addr);
/* Read guest memory of @mm (populating from the mapping as a fault would). */
bool fake_read(struct mm *mm, gaddr_t addr, void *buf, size_t size);
/* Number of files the fake VFS has open (to check that the loader drops every reference). */
int fake_open_files(void);
