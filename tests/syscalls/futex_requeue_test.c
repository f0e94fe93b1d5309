// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAIT_BITSET/FUTEX_WAKE_BITSET and
 * FUTEX_WAKE_OP, using threads blocked on private futexes. */
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static long futex(uint32_t *uaddr, int op, uint32_t val, uintptr_t val2, uint32_t *uaddr2,
                  uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static uint32_t word_a, word_b, release;
static int done_count;

struct waiter_arg {
    uint32_t *word;
    uint32_t bitset;
    pid_t tid;     /* set by the waiter */
    unsigned waits; /* futex waits entered so far */
};

static void *waiter(void *p)
{
    struct waiter_arg *a = p;
    __atomic_store_n(&a->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&release, __ATOMIC_SEQ_CST)) {
        __atomic_add_fetch(&a->waits, 1, __ATOMIC_SEQ_CST);
        futex(a->word, FUTEX_WAIT_BITSET_PRIVATE, 0, 0, NULL, a->bitset);
    }
    __atomic_add_fetch(&done_count, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static unsigned total_waits(struct waiter_arg *args, int n)
{
    unsigned sum = 0;
    for (int i = 0; i < n; i++)
        sum += __atomic_load_n(&args[i].waits, __ATOMIC_SEQ_CST);
    return sum;
}

/* Return once the @n waiters have entered @waits futex waits in all and each one sleeps. */
static void wait_waiting(struct waiter_arg *args, int n, unsigned waits)
{
    while (total_waits(args, n) < waits)
        usleep(1000);
    for (int i = 0; i < n; i++)
        CHECK(harness_wait_thread_sleeping(args[i].tid));
}

/* Start @n waiters and return once every one of them sleeps in its futex wait. */
static void start_waiters(pthread_t *t, struct waiter_arg *args, int n)
{
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, waiter, &args[i]);
    wait_waiting(args, n, (unsigned)n);
}

static void finish(pthread_t *t, int n)
{
    __atomic_store_n(&release, 1, __ATOMIC_SEQ_CST);
    /* Change the words too: a waiter between its check of release and its wait then gets
     * EAGAIN instead of sleeping through the wakes below. */
    __atomic_store_n(&word_a, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&word_b, 1, __ATOMIC_SEQ_CST);
    futex(&word_a, FUTEX_WAKE_PRIVATE, INT32_MAX, 0, NULL, 0);
    futex(&word_b, FUTEX_WAKE_PRIVATE, INT32_MAX, 0, NULL, 0);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
}

TEST(requeue_moves_waiters)
{
    pthread_t t[4];
    struct waiter_arg args[4];
    for (int i = 0; i < 4; i++)
        args[i] = (struct waiter_arg){.word = &word_a, .bitset = FUTEX_BITSET_MATCH_ANY};
    start_waiters(t, args, 4);
    /* Wake 1, move up to 2 to word_b: returns woken + requeued. */
    EXPECT_EQ(futex(&word_a, FUTEX_REQUEUE_PRIVATE, 1, 2, &word_b, 0), 3);
    /* One left on word_a, two on word_b; the woken one re-blocks on word_a (release is 0).
     * A requeue with nr_wake 0 wakes nobody and reports how many it moved. */
    wait_waiting(args, 4, 5); /* the woken one waits again */
    EXPECT_EQ(futex(&word_b, FUTEX_REQUEUE_PRIVATE, 0, 10, &word_a, 0), 2);
    finish(t, 4);
    EXPECT_EQ(done_count, 4);
}

TEST(cmp_requeue_checks_value)
{
    pthread_t t[2];
    struct waiter_arg args[2] = {{.word = &word_a, .bitset = FUTEX_BITSET_MATCH_ANY},
                                 {.word = &word_a, .bitset = FUTEX_BITSET_MATCH_ANY}};
    start_waiters(t, args, 2);
    EXPECT_ERRNO(futex(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 0, 1, &word_b, 5), EAGAIN);
    EXPECT_EQ(futex(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 0, 1, &word_b, 0), 1);
    EXPECT_EQ(futex(&word_b, FUTEX_CMP_REQUEUE_PRIVATE, 0, 10, &word_a, 0), 1); /* move back */
    EXPECT_ERRNO(futex(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 0, (uintptr_t)-1, &word_b, 0), EINVAL);
    finish(t, 2);
    EXPECT_EQ(done_count, 2);
}

TEST(wake_bitset_selects_waiters)
{
    pthread_t t[3];
    struct waiter_arg args[3] = {{.word = &word_a, .bitset = 0x1}, {.word = &word_a, .bitset = 0x2},
                                 {.word = &word_a, .bitset = 0x6}};
    start_waiters(t, args, 3);
    EXPECT_EQ(futex(&word_a, FUTEX_WAKE_BITSET_PRIVATE, INT32_MAX, 0, NULL, 0x8), 0);
    EXPECT_EQ(futex(&word_a, FUTEX_WAKE_BITSET_PRIVATE, INT32_MAX, 0, NULL, 0x1), 1);
    wait_waiting(args, 3, 4); /* the woken thread re-waits with mask 0x1 */
    EXPECT_EQ(futex(&word_a, FUTEX_WAKE_BITSET_PRIVATE, INT32_MAX, 0, NULL, 0x2), 2);
    EXPECT_ERRNO(futex(&word_a, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, NULL, 0), EINVAL);
    finish(t, 3);
}

TEST(wake_op_updates_and_wakes)
{
    pthread_t t[2];
    struct waiter_arg args[2] = {{.word = &word_a, .bitset = FUTEX_BITSET_MATCH_ANY},
                                 {.word = &word_b, .bitset = FUTEX_BITSET_MATCH_ANY}};
    start_waiters(t, args, 2);
    word_b = 0;
    /* word_b += 1; wake 1 on word_a; if old word_b == 0, wake 1 on word_b too. */
    uint32_t op = FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0);
    EXPECT_EQ(futex(&word_a, FUTEX_WAKE_OP_PRIVATE, 1, 1, &word_b, op), 2);
    EXPECT_EQ(word_b, 1);
    finish(t, 2);
}
