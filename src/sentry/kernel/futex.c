// SPDX-License-Identifier: Apache-2.0
/*
 * Futex wait queues and operations. Waiters live on the stack of the sleeping task and are
 * hashed by their futex key; wakers unqueue them, mark them woken and wake their task. The
 * value check and the queueing happen under the kernel lock, which every waker also takes,
 * so no wake-up is lost.
 */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "sentry/kernel/futex.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"

#define FUTEX_HASH_SIZE 256
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
#define ROBUST_LIST_LIMIT 2048
#define CMPXCHG_RETRIES 1024

/* Protected by the kernel lock. */
static struct list_head g_futex_hash[FUTEX_HASH_SIZE];
static bool g_futex_hash_ready;

static struct list_head *futex_bucket(const struct futex_key *key, bool shared)
{
    if (!g_futex_hash_ready) {
        for (int i = 0; i < FUTEX_HASH_SIZE; i++)
            list_init(&g_futex_hash[i]);
        g_futex_hash_ready = true;
    }
    uint64_t h = key->a * 0x9e3779b97f4a7c15ULL ^ (key->b + (shared ? 0x5bd1e995ULL : 0));
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return &g_futex_hash[h % FUTEX_HASH_SIZE];
}

static bool futex_match(const struct futex_waiter *w, const struct futex_key *key, bool shared)
{
    return w->shared == shared && w->key.a == key->a && w->key.b == key->b;
}

void futex_queue(struct futex_waiter *w)
{
    w->woken = false;
    list_add_tail(&w->link, futex_bucket(&w->key, w->shared));
}

void futex_unqueue(struct futex_waiter *w)
{
    list_del(&w->link); /* self-linked after a wake or requeue: harmless */
}

static void futex_wake_one(struct futex_waiter *w)
{
    list_del(&w->link);
    w->woken = true;
    task_wake(w->task);
}

int futex_wake_key(const struct futex_key *key, bool shared, int nr, uint32_t bitset)
{
    struct list_head *b = futex_bucket(key, shared);
    struct futex_waiter *w, *n;
    int woken = 0;

    list_for_each_entry_safe(w, n, b, link)
    {
        if (!futex_match(w, key, shared) || !(w->bitset & bitset))
            continue;
        futex_wake_one(w);
        /* As Linux: a count of 0 or less still wakes one waiter. */
        if (++woken >= nr)
            break;
    }
    return woken;
}

int futex_requeue_key(const struct futex_key *from, const struct futex_key *to, bool shared,
                      int nr_wake, int nr_requeue)
{
    struct list_head *b = futex_bucket(from, shared);
    struct list_head *b2 = futex_bucket(to, shared);
    struct futex_waiter *w, *n;
    int woken = 0, moved = 0;

    list_for_each_entry_safe(w, n, b, link)
    {
        if (woken >= nr_wake && moved >= nr_requeue)
            break;
        if (!futex_match(w, from, shared))
            continue;
        if (woken < nr_wake) {
            futex_wake_one(w);
            woken++;
            continue;
        }
        w->key = *to;
        if (b2 != b) { /* within one bucket only the key changes, so no waiter is seen twice */
            list_del(&w->link);
            list_add_tail(&w->link, b2);
        }
        moved++;
    }
    return woken + moved;
}

int futex_wait(struct task *t, gaddr_t addr, bool shared, uint32_t val, uint32_t bitset,
               uint64_t deadline_ns)
{
    struct futex_waiter w;
    uint32_t cur;

    memset(&w, 0, sizeof(w));
    int ret = mm_futex_key(&t->mmt, addr, shared, &w.key);
    if (ret < 0)
        return ret;
    if (mm_atomic_load_u32(&t->mmt, addr, &cur) < 0)
        return -EFAULT;
    if (cur != val)
        return -EAGAIN;

    w.shared = shared;
    w.bitset = bitset;
    w.task = t;
    futex_queue(&w);
    for (;;) {
        int r = task_wait(t, deadline_ns);
        if (w.woken)
            return 0;
        if (r == -ETIMEDOUT) {
            ret = -ETIMEDOUT;
            break;
        }
        if (r == -EINTR || task_signal_pending(t)) {
            ret = -EINTR;
            break;
        }
    }
    futex_unqueue(&w);
    return ret;
}

int futex_wake(struct task *t, gaddr_t addr, bool shared, int nr, uint32_t bitset)
{
    struct futex_key key;

    int ret = mm_futex_key(&t->mmt, addr, shared, &key);
    if (ret < 0)
        return ret;
    return futex_wake_key(&key, shared, nr, bitset);
}

int futex_requeue(struct task *t, gaddr_t addr, gaddr_t addr2, bool shared, int nr_wake,
                  int nr_requeue, bool check_val3, uint32_t val3)
{
    struct futex_key k1, k2;
    uint32_t cur;

    if (nr_wake < 0 || nr_requeue < 0)
        return -EINVAL;
    int ret = mm_futex_key(&t->mmt, addr, shared, &k1);
    if (ret == 0)
        ret = mm_futex_key(&t->mmt, addr2, shared, &k2);
    if (ret < 0)
        return ret;
    if (check_val3) {
        if (mm_atomic_load_u32(&t->mmt, addr, &cur) < 0)
            return -EFAULT;
        if (cur != val3)
            return -EAGAIN;
    }
    return futex_requeue_key(&k1, &k2, shared, nr_wake, nr_requeue);
}

static int32_t sign_extend12(uint32_t v)
{
    return (int32_t)(v << 20) >> 20;
}

int futex_op_eval(uint32_t op, uint32_t oldval, uint32_t *newval)
{
    uint32_t kind = (op >> 28) & 7;
    uint32_t cmp = (op >> 24) & 15;
    int32_t oparg = sign_extend12((op >> 12) & 0xfff);
    int32_t cmparg = sign_extend12(op & 0xfff);

    if (op & (8u << 28)) /* FUTEX_OP_OPARG_SHIFT */
        oparg = (int32_t)(1u << ((uint32_t)oparg & 31));
    switch (kind) {
    case 0:
        *newval = (uint32_t)oparg;
        break; /* SET */
    case 1:
        *newval = oldval + (uint32_t)oparg;
        break; /* ADD */
    case 2:
        *newval = oldval | (uint32_t)oparg;
        break; /* OR */
    case 3:
        *newval = oldval & ~(uint32_t)oparg;
        break; /* ANDN */
    case 4:
        *newval = oldval ^ (uint32_t)oparg;
        break; /* XOR */
    default:
        return -ENOSYS;
    }
    int32_t o = (int32_t)oldval;
    switch (cmp) {
    case 0:
        return o == cmparg;
    case 1:
        return o != cmparg;
    case 2:
        return o < cmparg;
    case 3:
        return o <= cmparg;
    case 4:
        return o > cmparg;
    case 5:
        return o >= cmparg;
    default:
        return -ENOSYS;
    }
}

/* Apply @op atomically to the word at @addr. Returns the comparison result or -errno. */
static int futex_atomic_op(struct task *t, gaddr_t addr, uint32_t op)
{
    uint32_t old, newval, prev;

    for (int i = 0; i < CMPXCHG_RETRIES; i++) {
        if (mm_atomic_load_u32(&t->mmt, addr, &old) < 0)
            return -EFAULT;
        int cmp = futex_op_eval(op, old, &newval);
        if (cmp < 0)
            return cmp;
        if (mm_atomic_cmpxchg_u32(&t->mmt, addr, old, newval, &prev) < 0)
            return -EFAULT;
        if (prev == old)
            return cmp;
    }
    return -EAGAIN;
}

int futex_wake_op(struct task *t, gaddr_t addr, gaddr_t addr2, bool shared, int nr_wake,
                  int nr_wake2, uint32_t op)
{
    struct futex_key k1, k2;

    int ret = mm_futex_key(&t->mmt, addr, shared, &k1);
    if (ret == 0)
        ret = mm_futex_key(&t->mmt, addr2, shared, &k2);
    if (ret < 0)
        return ret;
    int cmp = futex_atomic_op(t, addr2, op);
    if (cmp < 0)
        return cmp;
    int woken = futex_wake_key(&k1, shared, nr_wake, FUTEX_BITSET_MATCH_ANY);
    if (cmp)
        woken += futex_wake_key(&k2, shared, nr_wake2, FUTEX_BITSET_MATCH_ANY);
    return woken;
}

/* --- thread exit --- */

/* Linux's handle_futex_death for the word at @uaddr of exiting @t. */
static void futex_owner_died(struct task *t, gaddr_t uaddr, bool pi, bool pending_op)
{
    uint32_t uval, prev;

    if (uaddr & 3)
        return;
    for (int i = 0; i < CMPXCHG_RETRIES; i++) {
        if (mm_atomic_load_u32(&t->mmt, uaddr, &uval) < 0)
            return;
        /* Died between acquiring the lock and recording it: wake a waiter anyway. */
        if (pending_op && !pi && !uval) {
            (void)futex_wake(t, uaddr, true, 1, FUTEX_BITSET_MATCH_ANY);
            return;
        }
        if ((uval & FUTEX_TID_MASK) != (uint32_t)t->tid)
            return;
        uint32_t mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        if (mm_atomic_cmpxchg_u32(&t->mmt, uaddr, uval, mval, &prev) < 0)
            return;
        if (prev != uval)
            continue;
        if (!pi && (uval & FUTEX_WAITERS))
            (void)futex_wake(t, uaddr, true, 1, FUTEX_BITSET_MATCH_ANY);
        return;
    }
}

struct robust_list_head {
    uint64_t next;
    int64_t futex_offset;
    uint64_t list_op_pending;
};

void futex_exit_robust_list(struct task *t)
{
    struct robust_list_head head;
    gaddr_t head_addr = t->robust_list;

    if (!head_addr || copy_in(t, head_addr, &head, sizeof(head)) < 0)
        return;
    gaddr_t pending = head.list_op_pending & ~1ULL;
    bool pending_pi = head.list_op_pending & 1;
    uint64_t entry = head.next;

    for (int limit = ROBUST_LIST_LIMIT; limit > 0; limit--) {
        gaddr_t e = entry & ~1ULL;
        if (e == head_addr)
            break;
        uint64_t next;
        if (copy_in(t, e, &next, sizeof(next)) < 0)
            return;
        if (e != pending)
            futex_owner_died(t, e + (uint64_t)head.futex_offset, entry & 1, false);
        entry = next;
    }
    if (pending)
        futex_owner_died(t, pending + (uint64_t)head.futex_offset, pending_pi, true);
}

void futex_wake_clear_tid(struct task *t, gaddr_t addr)
{
    uint32_t zero = 0;

    if (copy_out(t, addr, &zero, sizeof(zero)) < 0)
        return;
    (void)futex_wake(t, addr, true, 1, FUTEX_BITSET_MATCH_ANY);
}
