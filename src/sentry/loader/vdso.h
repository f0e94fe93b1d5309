// SPDX-License-Identifier: Apache-2.0
/*
 * The vDSO and its time page in every app address space: [vvar] (the timekeeper's page,
 * shared, read-only) directly below [vdso] (the image built from loader/vdso/vdso.c,
 * private, read+exec), like Linux's layout. execve maps them and passes the image's address
 * as AT_SYSINFO_EHDR.
 *
 * Locking: vdso_map: caller holds the kernel lock.
 */
#pragma once

#include "abi/linux/types.h"

struct task;
struct mm;

/* Copy the image into memory-file frames. Called once at boot, after timekeeper_init.
 * Returns 0 or -errno. */
int vdso_init(void);

/* Map [vvar] and [vdso] into @mm (top-down, like other mappings); *@base gets the address
 * of the image. Returns 0 or -errno (-ENOMEM). */
int vdso_map(struct task *t, struct mm *mm, gaddr_t *base);
