// SPDX-License-Identifier: Apache-2.0
/*
 * Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS): an object owning one frame per page,
 * allocated on first touch, so every mapping of it (also across fork) sees the same memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "sentry/memfile/memfile.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/mm/mm_priv.h"

struct shmem {
    struct mappable m;
    int refs;
    uint64_t npages;
    uint64_t *frames; /* 0 = not allocated yet */
};

static int shmem_get_frame(struct mappable *m, uint64_t off, uint64_t *frame)
{
    struct shmem *s = (struct shmem *)m;
    uint64_t pg = off >> 12;
    if (pg >= s->npages)
        return -EFAULT;
    if (!s->frames[pg]) {
        int err = memfile_alloc(&s->frames[pg]);
        if (err < 0)
            return err;
        memfile_mark_shmem(s->frames[pg]);
    }
    memfile_ref(s->frames[pg]);
    *frame = s->frames[pg];
    return 0;
}

static int shmem_fill(struct mappable *m, uint64_t off, void *dst, size_t size)
{
    struct shmem *s = (struct shmem *)m;
    for (size_t done = 0; done < size; done += 4096) {
        uint64_t pg = (off + done) >> 12;
        if (pg >= s->npages)
            return done ? 0 : -EFAULT;
        if (s->frames[pg])
            memcpy((char *)dst + done, memfile_ptr(s->frames[pg]), 4096);
        else
            memset((char *)dst + done, 0, 4096);
    }
    return 0;
}

int shmem_refcount(struct mappable *m)
{
    return ((struct shmem *)m)->refs;
}

static uint64_t shmem_size(struct mappable *m)
{
    return ((struct shmem *)m)->npages << 12;
}

/* MADV_REMOVE: whole pages of [@off, @off+@size) are freed (a hole, zeros again), the rest
 * of partly covered pages zeroed. */
static int shmem_punch(struct mappable *m, uint64_t off, uint64_t size)
{
    struct shmem *s = (struct shmem *)m;
    uint64_t end = off + size;
    for (uint64_t pg = off >> 12; pg < s->npages && (pg << 12) < end; pg++) {
        if (!s->frames[pg])
            continue;
        uint64_t lo = off > (pg << 12) ? off - (pg << 12) : 0;
        uint64_t hi = end < ((pg + 1) << 12) ? end - (pg << 12) : 4096;
        if (lo == 0 && hi == 4096) {
            memfile_unref(s->frames[pg]);
            s->frames[pg] = 0;
        } else {
            memset((char *)memfile_ptr(s->frames[pg]) + lo, 0, hi - lo);
        }
    }
    mm_invalidate_mappable(m, (off + 4095) & ~4095ULL, end & ~4095ULL, MM_INVAL_HOLE);
    return 0;
}

static void shmem_ref(struct mappable *m)
{
    ((struct shmem *)m)->refs++;
}

static void shmem_unref(struct mappable *m)
{
    struct shmem *s = (struct shmem *)m;
    CV_BUG_ON(s->refs <= 0);
    if (--s->refs > 0)
        return;
    for (uint64_t i = 0; i < s->npages; i++)
        if (s->frames[i])
            memfile_unref(s->frames[i]);
    free(s->frames);
    free(s);
}

static const struct mappable_ops shmem_ops = {
    .fill = shmem_fill,
    .get_frame = shmem_get_frame,
    .punch = shmem_punch,
    .size = shmem_size,
    .ref = shmem_ref,
    .unref = shmem_unref,
};

int shmem_new(uint64_t size, struct mappable **out)
{
    struct shmem *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->npages = PAGE_ALIGN_UP(size) >> 12;
    s->frames = calloc(s->npages ? s->npages : 1, sizeof(uint64_t));
    if (!s->frames) {
        free(s);
        return -ENOMEM;
    }
    s->m.ops = &shmem_ops;
    strcpy(s->m.name, "/dev/zero (deleted)");
    s->refs = 1;
    *out = &s->m;
    return 0;
}
