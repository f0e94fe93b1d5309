// SPDX-License-Identifier: Apache-2.0
/* Unit tests for fs/pipe/pipe_ring.c: lazy allocation, wrap-around, spans, resizing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sentry/fs/pipe/pipe_ring.h"

static void test_lazy_allocation_and_fifo_order(void **state)
{
    struct pipe_ring r;
    pipe_ring_init(&r, 4096);
    assert_null(r.buf);
    char out[8] = {0};
    assert_int_equal(pipe_ring_pop(&r, out, 4), 0);
    assert_int_equal(pipe_ring_push(&r, "abcdef", 6, NULL), 6);
    assert_non_null(r.buf);
    assert_int_equal(pipe_ring_pop(&r, out, 4), 4);
    assert_memory_equal(out, "abcd", 4);
    assert_int_equal(r.len, 2);
    pipe_ring_destroy(&r);
}

static void test_wraps_around_and_fills_exactly(void **state)
{
    struct pipe_ring r;
    pipe_ring_init(&r, 4096);
    static char big[4096], back[4096];
    memset(big, 'x', sizeof(big));
    assert_int_equal(pipe_ring_push(&r, big, 3000, NULL), 3000);
    assert_int_equal(pipe_ring_pop(&r, back, 2000), 2000);
    for (int i = 0; i < 4096; i++)
        big[i] = (char)i;
    /* 3096 bytes free, split across the end of the buffer. */
    assert_int_equal(pipe_ring_space(&r), 3096);
    assert_int_equal(pipe_ring_push(&r, big, 4096, NULL), 3096);
    assert_int_equal(pipe_ring_space(&r), 0);
    assert_int_equal(pipe_ring_push(&r, "z", 1, NULL), 0);
    assert_int_equal(pipe_ring_pop(&r, back, 1000), 1000); /* the old 'x' bytes */
    assert_int_equal(pipe_ring_pop(&r, back, 4096), 3096);
    assert_memory_equal(back, big, 3096);
    assert_int_equal(r.len, 0);
    pipe_ring_destroy(&r);
}

static void test_spans_are_contiguous(void **state)
{
    struct pipe_ring r;
    pipe_ring_init(&r, 4096);
    uint8_t *w;
    assert_int_equal(pipe_ring_write_span(&r, &w, NULL), 4096);
    pipe_ring_commit(&r, 4000);
    pipe_ring_consume(&r, 3990);
    assert_int_equal(pipe_ring_write_span(&r, &w, NULL), 96); /* up to the end */
    pipe_ring_commit(&r, 96);
    assert_int_equal(pipe_ring_write_span(&r, &w, NULL), 3990 - 0); /* from the start */
    const uint8_t *p;
    assert_int_equal(pipe_ring_read_span(&r, &p), 106);
    pipe_ring_destroy(&r);
}

static void test_resize_keeps_data_or_refuses(void **state)
{
    struct pipe_ring r;
    pipe_ring_init(&r, 4096);
    static char data[4096];
    for (int i = 0; i < 4096; i++)
        data[i] = (char)(i * 7);
    pipe_ring_push(&r, data, 3000, NULL);
    char tmp[2500];
    pipe_ring_pop(&r, tmp, 2500);
    pipe_ring_push(&r, data + 3000, 1000, NULL); /* wrapped */
    assert_int_equal(pipe_ring_resize(&r, 8192), 0);
    assert_int_equal(r.cap, 8192);
    char back[1500];
    assert_int_equal(pipe_ring_pop(&r, back, sizeof(back)), 1500);
    assert_memory_equal(back, data + 2500, 1500);
    pipe_ring_push(&r, data, 4096, NULL);
    pipe_ring_push(&r, data, 1, NULL);
    assert_int_equal(pipe_ring_resize(&r, 4096), -EBUSY);
    pipe_ring_destroy(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lazy_allocation_and_fifo_order),
        cmocka_unit_test(test_wraps_around_and_fills_exactly),
        cmocka_unit_test(test_spans_are_contiguous),
        cmocka_unit_test(test_resize_keeps_data_or_refuses),
    };
    return cmocka_run_group_tests_name("pipe_ring", tests, NULL, NULL);
}
