// SPDX-License-Identifier: Apache-2.0
/*
 * futex(2), set_robust_list(2) and get_robust_list(2). Argument decoding, timeouts and
 * Linux's errno choices live here; the wait queues are in kernel/futex.c.
 */
#include <errno.h>
#include <stdatomic.h>

#include "abi/linux/errno.h"
#include "abi/linux/stat.h"
#include "common/log.h"
#include "sentry/kernel/futex.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/timer.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_FD 2
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI 12
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

#define ROBUST_LIST_HEAD_SIZE 24

/* restart_data layout for an interrupted timed wait. */
enum { FR_ADDR, FR_VAL, FR_DEADLINE, FR_FLAGS };
#define FR_SHARED (1ULL << 32)

static long do_futex_wait_restartable(struct task *t, gaddr_t addr, bool shared, uint32_t val,
                                      uint32_t bitset, uint64_t deadline);

/* restart_syscall(2) after a timed wait was interrupted: wait again for the same deadline. */
static long futex_wait_restart(struct task *t)
{
    uint64_t flags = t->restart_data[FR_FLAGS];

    t->restart_fn = NULL;
    return do_futex_wait_restartable(t, t->restart_data[FR_ADDR], (flags & FR_SHARED) != 0,
                                     (uint32_t)t->restart_data[FR_VAL], (uint32_t)flags,
                                     t->restart_data[FR_DEADLINE]);
}

/* Wait and map an interruption to Linux's restart codes: -ERESTARTSYS without a timeout,
 * a restart block with one (so restart keeps the original deadline). */
static long do_futex_wait_restartable(struct task *t, gaddr_t addr, bool shared, uint32_t val,
                                      uint32_t bitset, uint64_t deadline)
{
    int ret = futex_wait(t, addr, shared, val, bitset, deadline);
    if (ret != -EINTR)
        return ret;
    if (!deadline)
        return -LINUX_ERESTARTSYS;
    t->restart_data[FR_ADDR] = addr;
    t->restart_data[FR_VAL] = val;
    t->restart_data[FR_DEADLINE] = deadline;
    t->restart_data[FR_FLAGS] = bitset | (shared ? FR_SHARED : 0);
    t->restart_fn = futex_wait_restart;
    return -LINUX_ERESTART_RESTARTBLOCK;
}

/* Read the timeout of a wait op into a CLOCK_MONOTONIC deadline (0: none). FUTEX_WAIT's is
 * relative; FUTEX_WAIT_BITSET's is absolute on CLOCK_MONOTONIC or CLOCK_REALTIME. */
static int do_futex_deadline(struct task *t, gaddr_t uts, int cmd, bool realtime,
                             uint64_t *deadline)
{
    struct linux_timespec ts;
    uint64_t ns;

    *deadline = 0;
    if (!uts)
        return 0;
    if (copy_in(t, uts, &ts, sizeof(ts)) < 0)
        return -EFAULT;
    if (timespec_to_ns(&ts, &ns) < 0)
        return -EINVAL;
    if (cmd == FUTEX_WAIT) {
        *deadline = deadline_after(ns);
        return 0;
    }
    if (realtime) {
        /* COMPAT: converted to CLOCK_MONOTONIC once; the guest cannot set the clock. */
        uint64_t now_real = timer_realtime_ns();
        *deadline = ns > now_real ? deadline_after(ns - now_real) : 1;
        return 0;
    }
    *deadline = ns ? ns : 1; /* 0 would mean "no deadline" to task_wait */
    return 0;
}

static void do_futex_pi_warn(void)
{
    static atomic_bool warned;
    if (!atomic_exchange(&warned, true))
        log_warn("futex: priority-inheritance operations are not supported (ENOSYS)");
}

long sys_futex(struct task *t, const struct syscall_args *a)
{
    gaddr_t uaddr = arg_addr(a, 0);
    int op = arg_int(a, 1);
    uint32_t val = arg_uint(a, 2);
    gaddr_t uts = arg_addr(a, 3);
    int val2 = (int)arg_u64(a, 3); /* nr_requeue / nr_wake2 share the timeout slot */
    gaddr_t uaddr2 = arg_addr(a, 4);
    uint32_t val3 = arg_uint(a, 5);
    int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    bool shared = !(op & FUTEX_PRIVATE_FLAG);
    bool realtime = (op & FUTEX_CLOCK_REALTIME) != 0;
    uint64_t deadline;
    int ret;

    if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT_REQUEUE_PI &&
        cmd != FUTEX_LOCK_PI2)
        return -ENOSYS;

    switch (cmd) {
    case FUTEX_WAIT:
        val3 = FUTEX_BITSET_MATCH_ANY;
        /* fall through */
    case FUTEX_WAIT_BITSET:
        if (!val3)
            return -EINVAL;
        ret = do_futex_deadline(t, uts, cmd, realtime, &deadline);
        if (ret < 0)
            return ret;
        return do_futex_wait_restartable(t, uaddr, shared, val, val3, deadline);
    case FUTEX_WAKE:
        val3 = FUTEX_BITSET_MATCH_ANY;
        /* fall through */
    case FUTEX_WAKE_BITSET:
        if (!val3)
            return -EINVAL;
        return futex_wake(t, uaddr, shared, (int)val, val3);
    case FUTEX_REQUEUE:
        return futex_requeue(t, uaddr, uaddr2, shared, (int)val, val2, false, 0);
    case FUTEX_CMP_REQUEUE:
        return futex_requeue(t, uaddr, uaddr2, shared, (int)val, val2, true, val3);
    case FUTEX_WAKE_OP:
        return futex_wake_op(t, uaddr, uaddr2, shared, (int)val, val2, val3);
    case FUTEX_LOCK_PI:
    case FUTEX_UNLOCK_PI:
    case FUTEX_TRYLOCK_PI:
    case FUTEX_WAIT_REQUEUE_PI:
    case FUTEX_CMP_REQUEUE_PI:
    case FUTEX_LOCK_PI2:
        do_futex_pi_warn();
        return -ENOSYS;
    default: /* including FUTEX_FD, removed in Linux 2.6.26 */
        return -ENOSYS;
    }
}

long sys_set_robust_list(struct task *t, const struct syscall_args *a)
{
    if (arg_size(a, 1) != ROBUST_LIST_HEAD_SIZE)
        return -EINVAL;
    t->robust_list = arg_addr(a, 0);
    t->robust_list_len = ROBUST_LIST_HEAD_SIZE;
    return 0;
}

long sys_get_robust_list(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    struct task *target = t;
    uint64_t len = ROBUST_LIST_HEAD_SIZE;

    if (pid) {
        target = task_find(pid);
        if (!target)
            return -ESRCH;
        if (task_may_access(task_cred(t), t->tg, target, PTRACE_MODE_READ_REALCREDS) < 0)
            return -EPERM;
    }
    uint64_t head = target->robust_list;
    if (copy_out(t, arg_addr(a, 2), &len, sizeof(len)) < 0)
        return -EFAULT;
    return copy_out(t, arg_addr(a, 1), &head, sizeof(head)) < 0 ? -EFAULT : 0;
}

void sys_futex_register(void)
{
    SYSCALL_REG(LINUX_NR_futex,
                SYS_PARTIAL(futex, "PI operations (LOCK_PI, UNLOCK_PI, "
                                   "TRYLOCK_PI, *_REQUEUE_PI, LOCK_PI2) return ENOSYS"));
    SYSCALL_REG(LINUX_NR_set_robust_list, SYS_SUPPORTED(set_robust_list));
    SYSCALL_REG(LINUX_NR_get_robust_list, SYS_SUPPORTED(get_robust_list));
}
