// SPDX-License-Identifier: Apache-2.0
/* Unit tests for fs/anon/epoll.c: ready-list bookkeeping (level, edge, oneshot), ctl errors,
 * entry lifetime (release-aware files vs referenced files) and nesting loops. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "sentry/context/klock.h"
#include "sentry/fs/anon/epoll.h"
#include "sentry/waiter/waitq.h"
#include "tests/unit/anon/fakes/fake_file.h"

/* A pollable fake: readiness is a settable mask. */
struct fake_src {
    uint32_t mask;
    struct waitq wq;
};

static uint32_t src_poll(struct ctx *ctx, struct file *f)
{
    return ((struct fake_src *)f->priv)->mask;
}

static struct waitq *src_waitq(struct file *f)
{
    return &((struct fake_src *)f->priv)->wq;
}

static void src_release(struct file *f)
{
    epoll_file_released(f);
    free(f->priv);
}

static const struct file_ops aware_ops = {
    .poll = src_poll, .waitq = src_waitq, .release = src_release};
static const struct file_ops plain_ops = {
    .poll = src_poll, .waitq = src_waitq, .release = src_release};
static const struct file_ops nopoll_ops = {.release = src_release};

static struct file *src_new(const struct file_ops *ops)
{
    struct fake_src *s = calloc(1, sizeof(*s));
    waitq_init(&s->wq);
    struct file *f;
    assert_int_equal(file_new_anon(ops, s, 2, "src", &f), 0);
    return f;
}

static void src_set(struct file *f, uint32_t mask)
{
    struct fake_src *s = f->priv;
    s->mask = mask;
    waitq_notify(&s->wq, mask);
}

static int harvest(struct file *ep, struct linux_epoll_event *out, int max)
{
    return epoll_harvest(NULL, ep, NULL, out, max);
}

static int ctl(struct file *ep, int op, int fd, struct file *f, uint32_t events, uint64_t data)
{
    struct linux_epoll_event ev = {.events = events, .data = data};
    return epoll_ctl_file(NULL, ep, op, fd, f, &ev);
}

static int setup(void **state)
{
    epoll_release_aware(&aware_ops);
    return 0;
}

static void test_level_triggered_until_drained(void **state)
{
    struct file *ep, *src = src_new(&aware_ops);
    assert_int_equal(epoll_create_file(&ep), 0);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, 3, src, EPOLLIN, 42), 0);
    struct linux_epoll_event out[4];
    assert_int_equal(harvest(ep, out, 4), 0);
    src_set(src, POLLIN);
    assert_int_equal(harvest(ep, out, 4), 1);
    assert_int_equal(out[0].events, EPOLLIN);
    assert_int_equal(out[0].data, 42);
    assert_int_equal(harvest(ep, out, 4), 1); /* still ready */
    ((struct fake_src *)src->priv)->mask = 0;  /* drained without a notification */
    assert_int_equal(harvest(ep, out, 4), 0);
    file_unref(src);
    file_unref(ep);
    assert_int_equal(fake_file_live_count(), 0);
}

static void test_edge_and_oneshot(void **state)
{
    struct file *ep, *a = src_new(&aware_ops), *b = src_new(&aware_ops);
    assert_int_equal(epoll_create_file(&ep), 0);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, 3, a, EPOLLIN | EPOLLET, 1), 0);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, 4, b, EPOLLIN | EPOLLONESHOT, 2), 0);
    struct linux_epoll_event out[4];
    src_set(a, POLLIN);
    src_set(b, POLLIN);
    assert_int_equal(harvest(ep, out, 4), 2);
    assert_int_equal(harvest(ep, out, 4), 0); /* no new edge; oneshot disabled */
    src_set(a, POLLIN);                        /* a new edge */
    src_set(b, POLLIN);                        /* ignored while disabled */
    assert_int_equal(harvest(ep, out, 4), 1);
    assert_int_equal(out[0].data, 1);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, 4, b, EPOLLIN, 2), -EEXIST);
    assert_int_equal(ctl(ep, EPOLL_CTL_MOD, 4, b, EPOLLIN | EPOLLONESHOT, 2), 0);
    assert_int_equal(harvest(ep, out, 4), 1);
    assert_int_equal(out[0].data, 2);
    file_unref(a);
    file_unref(b);
    file_unref(ep);
    assert_int_equal(fake_file_live_count(), 0);
}

static void test_ctl_errors(void **state)
{
    struct file *ep, *ep2, *a = src_new(&aware_ops), *np = src_new(&nopoll_ops);
    assert_int_equal(epoll_create_file(&ep), 0);
    assert_int_equal(epoll_create_file(&ep2), 0);
    assert_int_equal(ctl(ep, EPOLL_CTL_MOD, 3, a, EPOLLIN, 0), -ENOENT);
    assert_int_equal(ctl(ep, EPOLL_CTL_DEL, 3, a, 0, 0), -ENOENT);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, 3, np, EPOLLIN, 0), -EPERM);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, 5, ep, EPOLLIN, 0), -EINVAL);
    assert_int_equal(ctl(a, EPOLL_CTL_ADD, 3, ep, EPOLLIN, 0), -EINVAL);
    assert_int_equal(ctl(ep, 99, 3, a, EPOLLIN, 0), -EINVAL);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, 6, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0), -EINVAL);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, 3, a, EPOLLIN | EPOLLEXCLUSIVE, 0), 0);
    assert_int_equal(ctl(ep, EPOLL_CTL_MOD, 3, a, EPOLLIN, 0), -EINVAL);
    /* The same file under another fd is another entry, as Linux keys by (file, fd). */
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, 7, a, EPOLLIN, 0), 0);
    assert_int_equal(ctl(ep, EPOLL_CTL_DEL, 7, a, 0, 0), 0);
    file_unref(a);
    file_unref(np);
    file_unref(ep2);
    file_unref(ep);
    assert_int_equal(fake_file_live_count(), 0);
}

static void test_release_aware_file_drops_entry(void **state)
{
    struct file *ep, *a = src_new(&aware_ops);
    assert_int_equal(epoll_create_file(&ep), 0);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, 3, a, EPOLLIN, 0), 0);
    assert_int_equal(a->refs, 1); /* no reference taken */
    src_set(a, POLLIN);
    file_unref(a); /* the last reference: the entry goes with it */
    struct linux_epoll_event out[2];
    assert_int_equal(harvest(ep, out, 2), 0);
    file_unref(ep);
    assert_int_equal(fake_file_live_count(), 0);
}

static void test_plain_file_is_referenced(void **state)
{
    struct file *ep, *p = src_new(&plain_ops);
    assert_int_equal(epoll_create_file(&ep), 0);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, 3, p, EPOLLIN, 0), 0);
    assert_int_equal(p->refs, 2);
    file_unref(p);
    assert_int_equal(fake_file_live_count(), 2);
    file_unref(ep); /* drops the entry's reference too */
    assert_int_equal(fake_file_live_count(), 0);
}

static void test_nesting_and_loops(void **state)
{
    struct file *e[7];
    for (int i = 0; i < 7; i++)
        assert_int_equal(epoll_create_file(&e[i]), 0);
    assert_int_equal(ctl(e[0], EPOLL_CTL_ADD, 1, e[1], EPOLLIN, 0), 0);
    assert_int_equal(ctl(e[1], EPOLL_CTL_ADD, 0, e[0], EPOLLIN, 0), -ELOOP);
    /* A chain e0 -> e1 -> e2 -> e3 -> e4 is the deepest allowed. */
    for (int i = 1; i < 4; i++)
        assert_int_equal(ctl(e[i], EPOLL_CTL_ADD, i + 1, e[i + 1], EPOLLIN, 0), 0);
    assert_int_equal(ctl(e[4], EPOLL_CTL_ADD, 5, e[5], EPOLLIN, 0), -ELOOP);
    assert_int_equal(ctl(e[6], EPOLL_CTL_ADD, 0, e[0], EPOLLIN, 0), -ELOOP);
    /* Readiness propagates up the chain. */
    struct file *src = src_new(&aware_ops);
    assert_int_equal(ctl(e[4], EPOLL_CTL_ADD, 9, src, EPOLLIN, 0), 0);
    struct linux_epoll_event out[2];
    assert_int_equal(harvest(e[0], out, 2), 0);
    src_set(src, POLLIN);
    assert_int_equal(harvest(e[0], out, 2), 1);
    file_unref(src);
    for (int i = 6; i >= 0; i--)
        file_unref(e[i]);
    assert_int_equal(fake_file_live_count(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_triggered_until_drained),
        cmocka_unit_test(test_edge_and_oneshot),
        cmocka_unit_test(test_ctl_errors),
        cmocka_unit_test(test_release_aware_file_drops_entry),
        cmocka_unit_test(test_plain_file_is_referenced),
        cmocka_unit_test(test_nesting_and_loops),
    };
    kernel_lock(); /* what the code under test expects of its callers */
    return cmocka_run_group_tests_name("epoll", tests, setup, NULL);
}
