// SPDX-License-Identifier: Apache-2.0
/*
 * Futexes: a hash table of waiters keyed by mm_futex_key() (private: mm + address; shared:
 * memory-file frame + offset), the wait/wake/requeue/wake-op operations, robust lists and
 * the CLONE_CHILD_CLEARTID wake-up at thread exit.
 *
 * Locking: the hash table and every waiter are protected by the kernel lock; every function
 * below requires the caller to hold it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/linux/types.h"
#include "common/list.h"
#include "sentry/mm/mm.h"

struct task;

#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

/* One task waiting on a futex word. Lives on the waiter's stack while it sleeps. */
struct futex_waiter {
    struct list_head link; /* in a hash bucket; self-linked when not queued */
    struct futex_key key;
    bool shared; /* private and shared keys never match (as Linux) */
    uint32_t bitset;
    struct task *task;
    bool woken; /* set by a waker when it dequeues us */
};

/* --- queue logic (pure; unit-tested with a fake task_wake) --- */

/* Queue @w (key, shared, bitset, task already set). */
void futex_queue(struct futex_waiter *w);
/* Unqueue @w if still queued. */
void futex_unqueue(struct futex_waiter *w);
/* Wake up to @nr waiters of @key whose bitset intersects @bitset. Returns the number woken. */
int futex_wake_key(const struct futex_key *key, bool shared, int nr, uint32_t bitset);
/* Wake up to @nr_wake waiters of @from, move up to @nr_requeue others to @to. Returns the
 * number woken plus the number moved. */
int futex_requeue_key(const struct futex_key *from, const struct futex_key *to, bool shared,
                      int nr_wake, int nr_requeue);

/* --- operations on guest addresses --- */

/* FUTEX_WAIT(_BITSET): sleep while the word at @addr equals @val, until woken, the
 * CLOCK_MONOTONIC @deadline_ns (0: none) or a signal. Returns 0, -EAGAIN (value differs),
 * -ETIMEDOUT, -EINTR (signal), -EFAULT, -EINVAL. */
int futex_wait(struct task *t, gaddr_t addr, bool shared, uint32_t val, uint32_t bitset,
               uint64_t deadline_ns);

/* FUTEX_WAKE(_BITSET). Returns the number woken or -errno. */
int futex_wake(struct task *t, gaddr_t addr, bool shared, int nr, uint32_t bitset);

/* FUTEX_REQUEUE / FUTEX_CMP_REQUEUE (@check_val3). Returns woken + requeued or -errno. */
int futex_requeue(struct task *t, gaddr_t addr, gaddr_t addr2, bool shared, int nr_wake,
                  int nr_requeue, bool check_val3, uint32_t val3);

/* FUTEX_WAKE_OP with the encoded operation @op. Returns the number woken or -errno. */
int futex_wake_op(struct task *t, gaddr_t addr, gaddr_t addr2, bool shared, int nr_wake,
                  int nr_wake2, uint32_t op);

/* Decode and apply a FUTEX_WAKE_OP operation to @oldval: *@newval gets the value to store,
 * the return is the comparison result (0/1) or -ENOSYS for an unknown op/cmp. Pure. */
int futex_op_eval(uint32_t op, uint32_t oldval, uint32_t *newval);

/* Thread exit: walk @t's robust list (at most 2048 entries, tolerating faults), mark the
 * futexes it owns FUTEX_OWNER_DIED and wake one waiter of each. */
void futex_exit_robust_list(struct task *t);

/* Thread exit with CLONE_CHILD_CLEARTID: write 0 to @addr and FUTEX_WAKE one waiter
 * (shared key, as Linux's mm_release). Faults are ignored. */
void futex_wake_clear_tid(struct task *t, gaddr_t addr);
