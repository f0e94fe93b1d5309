// SPDX-License-Identifier: Apache-2.0
/* Unit tests for mm/vma.c: sorted insertion, lookup, splitting, removal, gap finding and
 * merging of the VMA set. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/mm/mm_types.h"

/* A mappable that counts its references, to check that splits and removals balance them. */
struct counted {
    struct mappable m;
    int refs;
};

static void c_ref(struct mappable *m)
{
    ((struct counted *)m)->refs++;
}

static void c_unref(struct mappable *m)
{
    ((struct counted *)m)->refs--;
}

static const struct mappable_ops counted_ops = {.ref = c_ref, .unref = c_unref};

static void drop(struct mm *mm, struct vma *v)
{
    vma_obj_put(mm, v);
}

static struct vma anon(gaddr_t s, gaddr_t e, int prot)
{
    return (struct vma){.start = s, .end = e, .prot = prot, .flags = MM_MAP_PRIVATE};
}

static void test_insert_keeps_order_and_find(void **state)
{
    struct mm mm = {0};
    assert_int_equal(vma_insert(&mm, &(struct vma){.start = 0x5000, .end = 0x6000}), 0);
    assert_int_equal(vma_insert(&mm, &(struct vma){.start = 0x1000, .end = 0x2000}), 0);
    assert_int_equal(vma_insert(&mm, &(struct vma){.start = 0x3000, .end = 0x4000}), 0);
    assert_int_equal(mm.nvmas, 3);
    assert_int_equal(mm.vmas[0].start, 0x1000);
    assert_int_equal(mm.vmas[1].start, 0x3000);
    assert_int_equal(mm.vmas[2].start, 0x5000);
    assert_int_equal(vma_find_index(&mm, 0x3fff), 1);
    assert_int_equal(vma_find_index(&mm, 0x4000), -1); /* end is exclusive */
    assert_int_equal(vma_find_index(&mm, 0xfff), -1);
    assert_true(vma_range_free(&mm, 0x2000, 0x3000));
    assert_false(vma_range_free(&mm, 0x2000, 0x3001));
    free(mm.vmas);
}

static void test_split_moves_offset_and_takes_reference(void **state)
{
    struct counted c = {.m = {.ops = &counted_ops}};
    struct mm mm = {0};
    struct vma v = {.start = 0x10000, .end = 0x20000, .obj = &c.m, .off = 0x4000};
    assert_int_equal(vma_obj_get(&mm, &v), 0);
    assert_int_equal(vma_insert(&mm, &v), 0);
    assert_int_equal(c.refs, 1);
    assert_int_equal(vma_split_at(&mm, 0x18000), 0);
    assert_int_equal(mm.nvmas, 2);
    assert_int_equal(mm.vmas[0].end, 0x18000);
    assert_int_equal(mm.vmas[1].start, 0x18000);
    assert_int_equal(mm.vmas[1].off, 0xc000);
    assert_int_equal(c.refs, 2);
    /* One reverse-map entry for the address space, counting both VMAs. */
    assert_non_null(c.m.rmap);
    assert_ptr_equal(c.m.rmap->mm, &mm);
    assert_int_equal(c.m.rmap->nvmas, 2);
    assert_null(c.m.rmap->next);
    /* Splitting at a boundary or outside any VMA changes nothing. */
    assert_int_equal(vma_split_at(&mm, 0x18000), 0);
    assert_int_equal(vma_split_at(&mm, 0x30000), 0);
    assert_int_equal(mm.nvmas, 2);
    vma_remove_range(&mm, 0x10000, 0x20000, drop);
    assert_int_equal(mm.nvmas, 0);
    assert_int_equal(c.refs, 0);
    assert_null(c.m.rmap);
    free(mm.vmas);
}

static void test_rmap_lists_each_address_space_once(void **state)
{
    struct counted c = {.m = {.ops = &counted_ops}};
    struct mm a = {0}, b = {0};
    struct vma v = {.start = 0x10000, .end = 0x20000, .obj = &c.m};
    assert_int_equal(vma_obj_get(&a, &v), 0);
    assert_int_equal(vma_obj_get(&b, &v), 0);
    assert_int_equal(vma_obj_get(&a, &v), 0);
    assert_int_equal(c.refs, 3);
    int seen_a = 0, seen_b = 0;
    for (struct mm_rmap *r = c.m.rmap; r; r = r->next) {
        if (r->mm == &a)
            seen_a += r->nvmas;
        else if (r->mm == &b)
            seen_b += r->nvmas;
        else
            fail();
    }
    assert_int_equal(seen_a, 2);
    assert_int_equal(seen_b, 1);
    vma_obj_put(&a, &v);
    vma_obj_put(&b, &v);
    assert_non_null(c.m.rmap);
    assert_ptr_equal(c.m.rmap->mm, &a);
    assert_null(c.m.rmap->next);
    vma_obj_put(&a, &v);
    assert_null(c.m.rmap);
    assert_int_equal(c.refs, 0);
    /* Anonymous VMAs have no object and no entry. */
    struct vma anon_v = anon(0x10000, 0x20000, PROT_READ);
    assert_int_equal(vma_obj_get(&a, &anon_v), 0);
    vma_obj_put(&a, &anon_v);
}

static void test_remove_range_after_split_punches_hole(void **state)
{
    struct mm mm = {0};
    struct vma v = anon(0x10000, 0x40000, PROT_READ);
    assert_int_equal(vma_insert(&mm, &v), 0);
    assert_int_equal(vma_split_at(&mm, 0x20000), 0);
    assert_int_equal(vma_split_at(&mm, 0x30000), 0);
    vma_remove_range(&mm, 0x20000, 0x30000, drop);
    assert_int_equal(mm.nvmas, 2);
    assert_int_equal(mm.vmas[0].end, 0x20000);
    assert_int_equal(mm.vmas[1].start, 0x30000);
    assert_true(vma_range_free(&mm, 0x20000, 0x30000));
    free(mm.vmas);
}

static void test_gap_is_top_down_and_avoids_reserved(void **state)
{
    struct mm mm = {0};
    struct vma a = anon(0x100000, 0x200000, PROT_READ);
    struct vma b = anon(0x300000, 0x400000, PROT_READ);
    assert_int_equal(vma_insert(&mm, &a), 0);
    assert_int_equal(vma_insert(&mm, &b), 0);
    /* Highest fit below top. */
    assert_int_equal(vma_find_gap(&mm, 0x1000, 0x10000, 0x400000, 0, 0), 0x2ff000);
    /* Too big for the hole between a and b: below a. */
    assert_int_equal(vma_find_gap(&mm, 0x180000, 0x10000, 0x400000, 0, 0), 0);
    assert_int_equal(vma_find_gap(&mm, 0x80000, 0x10000, 0x400000, 0, 0), 0x280000);
    /* The reserved range is skipped. */
    assert_int_equal(vma_find_gap(&mm, 0x1000, 0x10000, 0x400000, 0x2f0000, 0x300000),
                     0x2ef000);
    /* A VMA straddling top is respected. */
    assert_int_equal(vma_find_gap(&mm, 0x1000, 0x10000, 0x380000, 0, 0), 0x2ff000);
    /* Nothing fits. */
    assert_int_equal(vma_find_gap(&mm, 0x1000000, 0x10000, 0x400000, 0, 0), 0);
    free(mm.vmas);
}

static void test_merge_only_compatible_anonymous(void **state)
{
    struct counted c = {.m = {.ops = &counted_ops}, .refs = 1};
    struct mm mm = {0};
    struct vma a = anon(0x1000, 0x2000, PROT_READ | PROT_WRITE);
    struct vma b = anon(0x2000, 0x3000, PROT_READ | PROT_WRITE);
    struct vma d = anon(0x3000, 0x4000, PROT_READ);
    struct vma f = {.start = 0x4000, .end = 0x5000, .prot = PROT_READ, .obj = &c.m};
    assert_int_equal(vma_insert(&mm, &a), 0);
    assert_int_equal(vma_insert(&mm, &b), 0);
    assert_int_equal(vma_insert(&mm, &d), 0);
    assert_int_equal(vma_insert(&mm, &f), 0);
    vma_try_merge(&mm, 1);
    assert_int_equal(mm.nvmas, 3); /* a+b merged; d differs in prot; f is file-backed */
    assert_int_equal(mm.vmas[0].end, 0x3000);
    vma_try_merge(&mm, 1);
    assert_int_equal(mm.nvmas, 3);
    free(mm.vmas);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_keeps_order_and_find),
        cmocka_unit_test(test_split_moves_offset_and_takes_reference),
        cmocka_unit_test(test_remove_range_after_split_punches_hole),
        cmocka_unit_test(test_rmap_lists_each_address_space_once),
        cmocka_unit_test(test_gap_is_top_down_and_avoids_reserved),
        cmocka_unit_test(test_merge_only_compatible_anonymous),
    };
    return cmocka_run_group_tests_name("vma", tests, NULL, NULL);
}
