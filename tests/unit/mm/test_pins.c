// SPDX-License-Identifier: Apache-2.0
/* Unit tests for mm/pin.c: the per-address-space table of frames pinned by transfers
 * (counts, growth, and deletion that keeps every other entry findable). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sentry/mm/mm_types.h"

static void test_counts_per_frame(void **state)
{
    struct mm mm = {0};
    assert_false(mm_pinned(&mm, 0x5000));
    assert_int_equal(mm_pin(&mm, 0x5000), 0);
    assert_int_equal(mm_pin(&mm, 0x5000), 0);
    assert_int_equal(mm_pin(&mm, 0x9000), 0);
    assert_true(mm_pinned(&mm, 0x5000));
    assert_int_equal(mm.pins.used, 2);
    mm_unpin(&mm, 0x5000);
    assert_true(mm_pinned(&mm, 0x5000)); /* pinned twice, unpinned once */
    mm_unpin(&mm, 0x5000);
    assert_false(mm_pinned(&mm, 0x5000));
    assert_true(mm_pinned(&mm, 0x9000));
    mm_unpin(&mm, 0x9000);
    assert_int_equal(mm.pins.used, 0);
    mm_pins_free(&mm);
}

/* Random pins and unpins of frames that collide a lot (a small table, many entries), checked
 * against a plain array of counts after every step. */
static void test_random_against_reference(void **state)
{
    enum { FRAMES = 600, STEPS = 20000 };
    static uint32_t ref[FRAMES];
    memset(ref, 0, sizeof(ref));
    struct mm mm = {0};
    srand(7);
    for (int step = 0; step < STEPS; step++) {
        int f = rand() % FRAMES;
        uint64_t frame = (uint64_t)(f + 1) << 12;
        if (ref[f] && rand() % 2) {
            mm_unpin(&mm, frame);
            ref[f]--;
        } else {
            assert_int_equal(mm_pin(&mm, frame), 0);
            ref[f]++;
        }
        if (step % 97 == 0) {
            uint32_t used = 0;
            for (int i = 0; i < FRAMES; i++) {
                assert_int_equal(mm_pinned(&mm, (uint64_t)(i + 1) << 12), ref[i] > 0);
                used += ref[i] > 0;
            }
            assert_int_equal(mm.pins.used, used);
        }
    }
    for (int i = 0; i < FRAMES; i++)
        while (ref[i]--)
            mm_unpin(&mm, (uint64_t)(i + 1) << 12);
    assert_int_equal(mm.pins.used, 0);
    mm_pins_free(&mm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_per_frame),
        cmocka_unit_test(test_random_against_reference),
    };
    return cmocka_run_group_tests_name("pins", tests, NULL, NULL);
}
