// SPDX-License-Identifier: Apache-2.0
/* Unit tests for net/unix_queue.c: datagram boundaries and truncation, peeking, stream reads
 * across messages, and the rule that one read delivers at most one batch of files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sentry/memmap/uio.h"
#include "sentry/net/unix_queue.h"
#include "tests/unit/anon/fakes/fake_file.h"

static const struct file_ops dummy_ops = {0};
static int g_consumed;

static void on_consumed(struct unix_msg *m, void *arg)
{
    g_consumed++;
    unix_msg_free(m);
}

static struct unix_msg *msg(const char *s, int nfiles)
{
    struct unix_msg *m = unix_msg_alloc(strlen(s));
    memcpy(m->data, s, strlen(s));
    if (nfiles) {
        m->scm.files = calloc((size_t)nfiles, sizeof(struct file *));
        for (int i = 0; i < nfiles; i++)
            file_new_anon(&dummy_ops, NULL, 0, "f", &m->scm.files[i]);
        m->scm.nfiles = nfiles;
    }
    return m;
}

static void drain(struct unix_queue *q)
{
    struct unix_msg *m;
    while ((m = unix_queue_head(q))) {
        unix_queue_unlink(q, m);
        unix_msg_free(m);
    }
}

static void test_dgram_truncates_and_peeks(void **state)
{
    struct unix_queue q;
    unix_queue_init(&q);
    unix_queue_push(&q, msg("hello", 0));
    unix_queue_push(&q, msg("", 0));
    char buf[8] = {0};
    struct uio u;
    struct unix_scm scm = {0};
    size_t full;
    uio_init_kernel(&u, buf, 2);
    assert_int_equal(unix_queue_read_dgram(&q, &u, true, &scm, &full, on_consumed, NULL), 2);
    assert_int_equal(full, 5);
    assert_int_equal(q.count, 2);
    uio_init_kernel(&u, buf, 2);
    g_consumed = 0;
    assert_int_equal(unix_queue_read_dgram(&q, &u, false, &scm, &full, on_consumed, NULL), 2);
    assert_memory_equal(buf, "he", 2);
    assert_int_equal(g_consumed, 1); /* the rest of a datagram is discarded */
    uio_init_kernel(&u, buf, 8);
    assert_int_equal(unix_queue_read_dgram(&q, &u, false, &scm, &full, on_consumed, NULL), 0);
    assert_int_equal(full, 0); /* a zero-length datagram is a message too */
    assert_int_equal(unix_queue_read_dgram(&q, &u, false, &scm, &full, on_consumed, NULL),
                     -EAGAIN);
    assert_int_equal(q.bytes, 0);
}

static void test_stream_reads_across_messages(void **state)
{
    struct unix_queue q;
    unix_queue_init(&q);
    unix_queue_push(&q, msg("abc", 0));
    unix_queue_push(&q, msg("defg", 0));
    assert_int_equal(q.bytes, 7);
    char buf[8] = {0};
    struct uio u;
    struct unix_scm scm = {0};
    uio_init_kernel(&u, buf, 5);
    assert_int_equal(unix_queue_read_stream(&q, &u, true, &scm, on_consumed, NULL), 5);
    assert_int_equal(q.bytes, 7); /* peek consumes nothing */
    g_consumed = 0;
    uio_init_kernel(&u, buf, 5);
    assert_int_equal(unix_queue_read_stream(&q, &u, false, &scm, on_consumed, NULL), 5);
    assert_memory_equal(buf, "abcde", 5);
    assert_int_equal(g_consumed, 1);
    assert_int_equal(q.bytes, 2);
    uio_init_kernel(&u, buf, 8);
    assert_int_equal(unix_queue_read_stream(&q, &u, false, &scm, on_consumed, NULL), 2);
    assert_memory_equal(buf, "fg", 2);
    assert_int_equal(q.count, 0);
}

static void test_stream_stops_at_file_batches(void **state)
{
    struct unix_queue q;
    unix_queue_init(&q);
    unix_queue_push(&q, msg("ab", 0));
    unix_queue_push(&q, msg("cd", 2));
    unix_queue_push(&q, msg("ef", 1));
    char buf[8];
    struct uio u;
    struct unix_scm scm = {0};
    uio_init_kernel(&u, buf, 8);
    assert_int_equal(unix_queue_read_stream(&q, &u, false, &scm, on_consumed, NULL), 2);
    assert_int_equal(scm.nfiles, 0); /* stopped before the message with files */
    uio_init_kernel(&u, buf, 8);
    assert_int_equal(unix_queue_read_stream(&q, &u, true, &scm, on_consumed, NULL), 2);
    assert_int_equal(scm.nfiles, 2); /* peeking duplicates the references */
    unix_scm_destroy(&scm);
    uio_init_kernel(&u, buf, 8);
    assert_int_equal(unix_queue_read_stream(&q, &u, false, &scm, on_consumed, NULL), 2);
    assert_int_equal(scm.nfiles, 2); /* and stopped after it */
    assert_memory_equal(buf, "cd", 2);
    unix_scm_destroy(&scm);
    assert_int_equal(fake_file_live_count(), 1);
    drain(&q);
    assert_int_equal(fake_file_live_count(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dgram_truncates_and_peeks),
        cmocka_unit_test(test_stream_reads_across_messages),
        cmocka_unit_test(test_stream_stops_at_file_batches),
    };
    return cmocka_run_group_tests_name("unix_queue", tests, NULL, NULL);
}
