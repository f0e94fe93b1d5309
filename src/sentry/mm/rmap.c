// SPDX-License-Identifier: Apache-2.0
/*
 * The reverse map: every mappable lists the address spaces that have VMAs of it, so that a
 * change of the object's pages (a hole, a truncation) reaches every mapping (inval.c). Pure
 * bookkeeping, unit-tested with the VMA set.
 */
#include <errno.h>
#include <stdlib.h>

#include "common/log.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_types.h"

int rmap_add(struct mm *mm, struct mappable *obj)
{
    for (struct mm_rmap *r = obj->rmap; r; r = r->next) {
        if (r->mm == mm) {
            r->nvmas++;
            return 0;
        }
    }
    struct mm_rmap *r = malloc(sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->mm = mm;
    r->nvmas = 1;
    r->next = obj->rmap;
    obj->rmap = r;
    return 0;
}

void rmap_del(struct mm *mm, struct mappable *obj)
{
    for (struct mm_rmap **pp = &obj->rmap; *pp; pp = &(*pp)->next) {
        struct mm_rmap *r = *pp;
        if (r->mm != mm)
            continue;
        CV_BUG_ON(r->nvmas <= 0);
        if (--r->nvmas == 0) {
            *pp = r->next;
            free(r);
        }
        return;
    }
    CV_BUG("rmap: an address space unmaps an object it does not map");
}

int vma_obj_get(struct mm *mm, const struct vma *v)
{
    if (!v->obj)
        return 0;
    int err = rmap_add(mm, v->obj);
    if (err < 0)
        return err;
    v->obj->ops->ref(v->obj);
    return 0;
}

void vma_obj_put(struct mm *mm, const struct vma *v)
{
    if (!v->obj)
        return;
    rmap_del(mm, v->obj);
    v->obj->ops->unref(v->obj);
}
