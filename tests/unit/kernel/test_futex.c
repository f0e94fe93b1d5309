// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for kernel/futex.c: hashing and matching of waiters, wake counts and bitsets,
 * requeue, FUTEX_WAKE_OP decoding, value checks and the robust-list walk at thread exit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sentry/kernel/futex.h"
#include "tests/unit/kernel/fakes/fake_kernel.h"

#define W1 (FAKE_MEM_BASE + 0x100)
#define W2 (FAKE_MEM_BASE + 0x200)

static struct fake_proc g_p;
static struct task g_waiters_task[8];
static struct futex_waiter g_w[8];

static int setup(void **state)
{
    fake_reset(&g_p);
    memset(g_waiters_task, 0, sizeof(g_waiters_task));
    for (int i = 0; i < 8; i++)
        list_init(&g_w[i].link);
    return 0;
}

static int teardown(void **state)
{
    for (int i = 0; i < 8; i++)
        futex_unqueue(&g_w[i]);
    fake_release(&g_p);
    return 0;
}

/* Queue waiter @i on the private key of @addr with @bitset. */
static void wait_on(int i, gaddr_t addr, uint32_t bitset)
{
    struct futex_waiter *w = &g_w[i];
    memset(w, 0, sizeof(*w));
    assert_int_equal(mm_futex_key(&g_p.task.mmt, addr, false, &w->key), 0);
    w->bitset = bitset;
    w->task = &g_waiters_task[i];
    futex_queue(w);
}

static void test_wake_counts(void **state)
{
    for (int i = 0; i < 4; i++)
        wait_on(i, W1, FUTEX_BITSET_MATCH_ANY);
    assert_int_equal(futex_wake(&g_p.task, W1, false, 2, FUTEX_BITSET_MATCH_ANY), 2);
    assert_true(g_w[0].woken && g_w[1].woken && !g_w[2].woken);
    assert_ptr_equal(g_fake_last_woken, &g_waiters_task[1]); /* FIFO order */
    /* As Linux, a count of 0 still wakes one. */
    assert_int_equal(futex_wake(&g_p.task, W1, false, 0, FUTEX_BITSET_MATCH_ANY), 1);
    assert_int_equal(futex_wake(&g_p.task, W1, false, 10, FUTEX_BITSET_MATCH_ANY), 1);
    assert_int_equal(futex_wake(&g_p.task, W1, false, 10, FUTEX_BITSET_MATCH_ANY), 0);
}

static void test_private_and_shared_keys_differ(void **state)
{
    wait_on(0, W1, FUTEX_BITSET_MATCH_ANY);
    assert_int_equal(futex_wake(&g_p.task, W1, true, 1, FUTEX_BITSET_MATCH_ANY), 0);
    assert_int_equal(futex_wake(&g_p.task, W2, false, 1, FUTEX_BITSET_MATCH_ANY), 0);
    assert_int_equal(futex_wake(&g_p.task, W1, false, 1, FUTEX_BITSET_MATCH_ANY), 1);
}

static void test_bitset(void **state)
{
    wait_on(0, W1, 0x1);
    wait_on(1, W1, 0x2);
    assert_int_equal(futex_wake(&g_p.task, W1, false, 5, 0x2), 1);
    assert_true(g_w[1].woken && !g_w[0].woken);
}

static void test_requeue(void **state)
{
    for (int i = 0; i < 5; i++)
        wait_on(i, W1, FUTEX_BITSET_MATCH_ANY);
    assert_int_equal(futex_requeue(&g_p.task, W1, W2, false, 1, 2, false, 0), 3);
    assert_true(g_w[0].woken);
    assert_int_equal(g_w[1].key.b, W2);
    assert_int_equal(g_w[2].key.b, W2);
    assert_int_equal(g_w[3].key.b, W1);
    assert_int_equal(futex_wake(&g_p.task, W2, false, 10, FUTEX_BITSET_MATCH_ANY), 2);
    assert_int_equal(futex_requeue(&g_p.task, W1, W2, false, -1, 0, false, 0), -EINVAL);
    /* CMP_REQUEUE checks the word first. */
    *(uint32_t *)fake_mem(W1) = 7;
    assert_int_equal(futex_requeue(&g_p.task, W1, W2, false, 1, 1, true, 8), -EAGAIN);
    assert_int_equal(futex_requeue(&g_p.task, W1, W2, false, 0, 0, true, 7), 0);
}

static void test_requeue_to_same_futex_terminates(void **state)
{
    for (int i = 0; i < 3; i++)
        wait_on(i, W1, FUTEX_BITSET_MATCH_ANY);
    assert_int_equal(futex_requeue(&g_p.task, W1, W1, false, 0, 1000000, false, 0), 3);
}

static void test_wake_op_eval(void **state)
{
    uint32_t nv;
    /* FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_GT, 1): glibc's cond-var/unlock pattern. */
    uint32_t op = (0u << 28) | (4u << 24) | (0u << 12) | 1u;
    assert_int_equal(futex_op_eval(op, 2, &nv), 1);
    assert_int_equal(nv, 0);
    assert_int_equal(futex_op_eval(op, 1, &nv), 0);
    /* ADD with a negative 12-bit operand. */
    op = (1u << 28) | (0u << 24) | (0xfffu << 12) | 0u;
    assert_int_equal(futex_op_eval(op, 5, &nv), 0);
    assert_int_equal(nv, 4);
    /* OPARG_SHIFT: OR (1 << 3). */
    op = ((8u | 2u) << 28) | (1u << 24) | (3u << 12) | 0u;
    assert_int_equal(futex_op_eval(op, 0, &nv), 0);
    assert_int_equal(nv, 8);
    assert_int_equal(futex_op_eval(7u << 28, 0, &nv), -ENOSYS);
    assert_int_equal(futex_op_eval(9u << 24, 0, &nv), -ENOSYS);
}

static void test_wake_op(void **state)
{
    wait_on(0, W1, FUTEX_BITSET_MATCH_ANY);
    wait_on(1, W2, FUTEX_BITSET_MATCH_ANY);
    *(uint32_t *)fake_mem(W2) = 3;
    uint32_t op = (0u << 28) | (4u << 24) | (0u << 12) | 1u; /* set 0; wake2 if old > 1 */
    assert_int_equal(futex_wake_op(&g_p.task, W1, W2, false, 1, 1, op), 2);
    assert_int_equal(*(uint32_t *)fake_mem(W2), 0);
}

static void test_wait_checks_value_and_address(void **state)
{
    *(uint32_t *)fake_mem(W1) = 5;
    assert_int_equal(futex_wait(&g_p.task, W1, false, 6, FUTEX_BITSET_MATCH_ANY, 0), -EAGAIN);
    assert_int_equal(futex_wait(&g_p.task, W1 + 1, false, 5, FUTEX_BITSET_MATCH_ANY, 0), -EINVAL);
    assert_int_equal(futex_wait(&g_p.task, 0x100, false, 5, FUTEX_BITSET_MATCH_ANY, 0), -EFAULT);
    /* The fake task_wait times out at once: the waiter must be unqueued. */
    assert_int_equal(futex_wait(&g_p.task, W1, false, 5, FUTEX_BITSET_MATCH_ANY, 1), -ETIMEDOUT);
    assert_int_equal(futex_wake(&g_p.task, W1, false, 1, FUTEX_BITSET_MATCH_ANY), 0);
}

struct robust_head {
    uint64_t next;
    int64_t off;
    uint64_t pending;
};

static void test_robust_list(void **state)
{
    /* head -> e1 -> e2 -> head; futex word at entry + 8. */
    gaddr_t head = FAKE_MEM_BASE + 0x1000, e1 = head + 0x100, e2 = head + 0x200;
    struct robust_head *h = fake_mem(head);
    h->next = e1;
    h->off = 8;
    *(uint64_t *)fake_mem(e1) = e2;
    *(uint64_t *)fake_mem(e2) = head;
    *(uint32_t *)fake_mem(e1 + 8) = 100 | 0x80000000u; /* ours, with waiters */
    *(uint32_t *)fake_mem(e2 + 8) = 55;                /* another owner */
    g_p.task.robust_list = head;

    struct futex_waiter *w = &g_w[0];
    memset(w, 0, sizeof(*w));
    assert_int_equal(mm_futex_key(&g_p.task.mmt, e1 + 8, true, &w->key), 0);
    w->shared = true;
    w->bitset = FUTEX_BITSET_MATCH_ANY;
    w->task = &g_waiters_task[0];
    futex_queue(w);

    futex_exit_robust_list(&g_p.task);
    assert_int_equal(*(uint32_t *)fake_mem(e1 + 8), 0x80000000u | 0x40000000u);
    assert_int_equal(*(uint32_t *)fake_mem(e2 + 8), 55);
    assert_true(w->woken);
}

static void test_robust_list_cycle_is_bounded(void **state)
{
    gaddr_t head = FAKE_MEM_BASE + 0x1000, e1 = head + 0x100;
    struct robust_head *h = fake_mem(head);
    h->next = e1;
    *(uint64_t *)fake_mem(e1) = e1; /* a loop that never reaches the head */
    g_p.task.robust_list = head;
    futex_exit_robust_list(&g_p.task); /* must return */
}

static void test_clear_tid(void **state)
{
    *(uint32_t *)fake_mem(W1) = 1234;
    struct futex_waiter *w = &g_w[0];
    memset(w, 0, sizeof(*w));
    assert_int_equal(mm_futex_key(&g_p.task.mmt, W1, true, &w->key), 0);
    w->shared = true;
    w->bitset = FUTEX_BITSET_MATCH_ANY;
    w->task = &g_waiters_task[0];
    futex_queue(w);
    futex_wake_clear_tid(&g_p.task, W1);
    assert_int_equal(*(uint32_t *)fake_mem(W1), 0);
    assert_true(w->woken);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_wake_counts),
        T(test_private_and_shared_keys_differ),
        T(test_bitset),
        T(test_requeue),
        T(test_requeue_to_same_futex_terminates),
        T(test_wake_op_eval),
        T(test_wake_op),
        T(test_wait_checks_value_and_address),
        T(test_robust_list),
        T(test_robust_list_cycle_is_bounded),
        T(test_clear_tid),
    };
    return cmocka_run_group_tests_name("futex", tests, NULL, NULL);
}
