// SPDX-License-Identifier: Apache-2.0
/* Unit tests for memfile/memfile.c: fresh and reused frames are zero, reference counts free
 * frames at zero, runs are contiguous, and the Sentry mapping shows the file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sentry/context/klock.h"
#include "sentry/memfile/memfile.h"

static int setup(void **state)
{
    return memfile_init();
}

static int teardown(void **state)
{
    memfile_destroy();
    return 0;
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i])
            return false;
    return true;
}

static void test_alloc_is_zero_and_counted(void **state)
{
    uint64_t a, b;
    assert_int_equal(memfile_alloc(&a), 0);
    assert_int_equal(memfile_alloc(&b), 0);
    assert_int_not_equal(a, 0); /* offset 0 means "none" */
    assert_int_not_equal(a, b);
    assert_int_equal(a % MEMFILE_FRAME, 0);
    assert_true(all_zero(memfile_ptr(a), MEMFILE_FRAME));
    assert_int_equal(memfile_refcount(a), 1);
    assert_int_equal(memfile_used_frames(), 2);
    memfile_ref(a);
    assert_int_equal(memfile_refcount(a), 2);
    memfile_unref(a);
    memfile_unref(a);
    memfile_unref(b);
    assert_int_equal(memfile_used_frames(), 0);
}

static void test_reused_frame_is_cleared(void **state)
{
    uint64_t a, again;
    assert_int_equal(memfile_alloc(&a), 0);
    memset(memfile_ptr(a), 0xab, MEMFILE_FRAME);
    memfile_unref(a);
    assert_int_equal(memfile_alloc(&again), 0);
    assert_int_equal(again, a); /* the freed frame comes back first */
    assert_true(all_zero(memfile_ptr(again), MEMFILE_FRAME));
    memfile_unref(again);
}

static void test_run_is_contiguous(void **state)
{
    uint64_t run;
    assert_int_equal(memfile_alloc_run(16, &run), 0);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(memfile_refcount(run + i * MEMFILE_FRAME), 1);
    assert_true(all_zero(memfile_ptr(run), 16 * MEMFILE_FRAME));
    for (unsigned i = 0; i < 16; i++)
        memfile_unref(run + i * MEMFILE_FRAME);
    assert_int_equal(memfile_used_frames(), 0);
}

static void test_freed_run_is_reused_cleared(void **state)
{
    /* A run freed in order (as munmap frees it) comes back as a run, cleared, instead of
     * growing the file. */
    uint64_t run, again, other;
    assert_int_equal(memfile_alloc_run(16, &run), 0);
    for (unsigned i = 0; i < 16; i++) {
        memset(memfile_ptr(run + i * MEMFILE_FRAME), 0x5a, MEMFILE_FRAME);
        memfile_unref(run + i * MEMFILE_FRAME);
    }
    assert_int_equal(memfile_alloc_run(16, &again), 0);
    assert_int_equal(again, run);
    assert_true(all_zero(memfile_ptr(again), 16 * MEMFILE_FRAME));
    /* Frames freed out of order are not a run: a fresh one is taken. */
    memfile_unref(again + 3 * MEMFILE_FRAME);
    memfile_unref(again + 1 * MEMFILE_FRAME);
    assert_int_equal(memfile_alloc_run(2, &other), 0);
    assert_true(other > again + 15 * MEMFILE_FRAME);
    for (unsigned i = 0; i < 16; i++)
        if (i != 1 && i != 3)
            memfile_unref(again + i * MEMFILE_FRAME);
    memfile_unref(other);
    memfile_unref(other + MEMFILE_FRAME);
    assert_int_equal(memfile_used_frames(), 0);
}

static void test_punch_batch_returns_zero_frames(void **state)
{
    /* Enough frees make a batch; while it is punched its frames are not handed out; after,
     * they come back first, reading zero, and as runs (sorted). */
    enum { N = 4096 + 64 };
    static uint64_t f[N];
    assert_null(memfile_punch_take());
    for (int i = 0; i < N; i++) {
        assert_int_equal(memfile_alloc(&f[i]), 0);
        memset(memfile_ptr(f[i]), 0x77, MEMFILE_FRAME);
    }
    for (int i = N - 1; i >= 0; i--)
        memfile_unref(f[i]); /* freed out of order */
    struct memfile_punch *p = memfile_punch_take();
    assert_non_null(p);
    assert_int_equal(p->n, N);
    assert_null(memfile_punch_take()); /* one batch at a time */
    uint64_t other;
    assert_int_equal(memfile_alloc(&other), 0); /* not one of the batch */
    for (int i = 0; i < N; i++)
        assert_true(other != f[i]);
    memfile_unref(other);
    memfile_punch_do(p);
    for (int i = 0; i < N; i++)
        assert_true(all_zero(memfile_ptr(f[i]), MEMFILE_FRAME));
    memfile_punch_done(p);
    uint64_t run;
    assert_int_equal(memfile_alloc_run(16, &run), 0);
    bool from_batch = false;
    for (int i = 0; i < N; i++)
        from_batch |= run == f[i];
    assert_true(from_batch);
    assert_true(all_zero(memfile_ptr(run), 16 * MEMFILE_FRAME));
    for (unsigned i = 0; i < 16; i++)
        memfile_unref(run + i * MEMFILE_FRAME);
}

static void test_first_batch_of_exactly_one_batch(void **state)
{
    /* The first batch to come back may fill the zero stack's first size exactly: it must
     * still be made (a Sentry once wrote this batch through a null stack and crashed). */
    enum { N = 4096 };
    static uint64_t f[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(memfile_alloc(&f[i]), 0);
    for (int i = 0; i < N; i++)
        memfile_unref(f[i]);
    struct memfile_punch *p = memfile_punch_take();
    assert_non_null(p);
    assert_int_equal(p->n, N);
    memfile_punch_do(p);
    memfile_punch_done(p);
    uint64_t again;
    assert_int_equal(memfile_alloc(&again), 0);
    bool from_batch = false;
    for (int i = 0; i < N; i++)
        from_batch |= again == f[i];
    assert_true(from_batch);
    assert_true(all_zero(memfile_ptr(again), MEMFILE_FRAME));
    memfile_unref(again);
}

static void test_mapping_shows_the_file(void **state)
{
    uint64_t a;
    assert_int_equal(memfile_alloc(&a), 0);
    const char msg[] = "through the memfd";
    assert_int_equal(pwrite(memfile_fd(), msg, sizeof(msg), (off_t)a), (ssize_t)sizeof(msg));
    assert_memory_equal(memfile_ptr(a), msg, sizeof(msg));
    assert_int_equal(memfile_offset_of((char *)memfile_ptr(a) + 100), a);
    memfile_unref(a);
}

static void test_many_frees_stay_consistent(void **state)
{
    /* More frees than the free stack first holds: it must grow, memory stays correct. */
    enum { N = 10000 };
    static uint64_t f[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(memfile_alloc(&f[i]), 0);
    for (int i = 0; i < N; i++) {
        memset(memfile_ptr(f[i]), 1, 64);
        memfile_unref(f[i]);
    }
    assert_int_equal(memfile_used_frames(), 0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(memfile_alloc(&f[i]), 0);
        assert_true(all_zero(memfile_ptr(f[i]), 64));
    }
    for (int i = 0; i < N; i++)
        memfile_unref(f[i]);
}

static void test_pinned_frame_outlives_owner_and_is_not_shared(void **state)
{
    uint64_t a;
    assert_int_equal(memfile_alloc(&a), 0);
    memfile_pin(a);
    assert_int_equal(memfile_refcount(a), 1); /* a pin is not an owner: no copy-on-write */
    memfile_unref(a);                        /* the owner goes; the pinned frame stays */
    assert_int_equal(memfile_used_frames(), 1);
    uint64_t b;
    assert_int_equal(memfile_alloc(&b), 0);
    assert_int_not_equal(b, a); /* not handed out again while pinned */
    memfile_unpin(a);
    assert_int_equal(memfile_used_frames(), 1);
    memfile_unref(b);
    assert_int_equal(memfile_used_frames(), 0);
}

/* One round of a loop that maps 512 pages starting 5 pages before a fault-around window
 * boundary, touches them (runs of 5, 31 x 16, 11 pages) and unmaps them (frees in address
 * order). Returns the highest frame offset used. */
static uint64_t misaligned_round(void)
{
    uint64_t frames[512], top = 0;
    unsigned n = 0;
    while (n < 512) {
        unsigned len = n == 0 ? 5 : n + 16 > 512 ? 512 - n : 16;
        uint64_t run;
        assert_int_equal(memfile_alloc_run(len, &run), 0);
        for (unsigned i = 0; i < len; i++)
            frames[n++] = run + i * MEMFILE_FRAME;
    }
    for (unsigned i = 0; i < 512; i++) {
        if (frames[i] > top)
            top = frames[i];
        memfile_unref(frames[i]);
    }
    return top;
}

static void test_misaligned_loop_reuses_frames(void **state)
{
    /* The short windows freed last do not hide the runs below them: the file stops growing
     * after the first rounds (it grew by a chunk per round when only the top was looked at,
     * and the freed frames piled up for punching). */
    uint64_t r1 = misaligned_round(), r2 = misaligned_round();
    uint64_t top = r1 > r2 ? r1 : r2;
    for (int r = 0; r < 40; r++)
        assert_true(misaligned_round() <= top + 32 * MEMFILE_FRAME);
    assert_int_equal(memfile_used_frames(), 0);
}

static void test_run_pieces_are_joined(void **state)
{
    /* A window freed in two pieces, with other frames freed in between, is found again once
     * enough was freed: the top of the free stack is sorted when a run is not found. */
    static uint64_t singles[512];
    for (unsigned i = 0; i < 512; i++)
        assert_int_equal(memfile_alloc(&singles[i]), 0);
    uint64_t x, y, got;
    assert_int_equal(memfile_alloc_run(16, &x), 0);
    assert_int_equal(memfile_alloc_run(16, &y), 0);
    for (unsigned i = 5; i < 16; i++)
        memfile_unref(x + i * MEMFILE_FRAME);
    for (unsigned i = 0; i < 16; i++)
        memfile_unref(y + i * MEMFILE_FRAME);
    for (unsigned i = 0; i < 5; i++)
        memfile_unref(x + i * MEMFILE_FRAME);
    assert_int_equal(memfile_alloc_run(16, &got), 0);
    assert_int_equal(got, y); /* a whole run below the top */
    for (unsigned i = 0; i < 512; i += 2)
        memfile_unref(singles[i]);
    assert_int_equal(memfile_alloc_run(16, &got), 0);
    assert_int_equal(got, x);
    assert_true(all_zero(memfile_ptr(got), 16 * MEMFILE_FRAME));
    for (unsigned i = 0; i < 16; i++) {
        memfile_unref(x + i * MEMFILE_FRAME);
        memfile_unref(y + i * MEMFILE_FRAME);
    }
    for (unsigned i = 1; i < 512; i += 2)
        memfile_unref(singles[i]);
    assert_int_equal(memfile_used_frames(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_alloc_is_zero_and_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reused_frame_is_cleared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_is_contiguous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_freed_run_is_reused_cleared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misaligned_loop_reuses_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_pieces_are_joined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_punch_batch_returns_zero_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_batch_of_exactly_one_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapping_shows_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_frees_stay_consistent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pinned_frame_outlives_owner_and_is_not_shared, setup,
                                        teardown),
    };
    kernel_lock(); /* what the code under test expects of its callers */
    return cmocka_run_group_tests_name("memfile", tests, NULL, NULL);
}
