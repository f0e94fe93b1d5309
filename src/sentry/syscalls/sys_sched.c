// SPDX-License-Identifier: Apache-2.0
/*
 * Scheduling: affinity, yield, getcpu, policies and parameters, nice values (getpriority,
 * setpriority) and I/O priorities. The host scheduling of the stubs is not changed; what
 * the calls record is reported back, with Linux's permission rules (CAP_SYS_NICE).
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "abi/linux/signal.h"
#include "abi/linux/stat.h"
#include "common/cleanup.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/meminfo.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/timer.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/vfs.h"

/* --- scheduling --- */

#define SCHED_OTHER_ 0
#define SCHED_FIFO_ 1
#define SCHED_RR_ 2
#define SCHED_BATCH_ 3
#define SCHED_IDLE_ 5
#define SCHED_RESET_ON_FORK_ 0x40000000
#define SETPARAM_POLICY_ (-1) /* sched_setparam keeps the policy (Linux's SETPARAM_POLICY) */

/* Number of host CPUs the Sentry may use; the guest sees CPUs 0..n-1. */
static int host_ncpu(void)
{
    static int ncpu;
    if (!ncpu) {
        cpu_set_t set;
        int n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
        ncpu = n > 0 ? n : 1;
    }
    return ncpu;
}

static size_t cpumask_size(void)
{
    return (((size_t)host_ncpu() + 63) / 64) * 8;
}

/* The task @pid names for sched_* calls (0: the caller). Borrowed. */
static struct task *do_sched_target(struct task *t, int pid)
{
    return pid ? task_find(pid) : t;
}

/* Linux's check_same_owner, or CAP_SYS_NICE: may @t change the scheduling of @target? The
 * caller's effective uid must be the target's real or effective uid. */
static bool may_set_sched(struct task *t, struct task *target)
{
    uint32_t euid = task_cred(t)->euid;
    const struct cred *o = task_cred(target);
    return euid == o->euid || euid == o->uid || task_capable(t, CAP_SYS_NICE);
}

/* The affinity of @t as a mask of the first 64 host CPUs (all of them when never set). */
static uint64_t task_affinity(struct task *t)
{
    int n = host_ncpu() < 64 ? host_ncpu() : 64;
    uint64_t all = n == 64 ? ~0ULL : (1ULL << n) - 1;
    return t->cpu_affinity ? t->cpu_affinity & all : all;
}

long sys_sched_getaffinity(struct task *t, const struct syscall_args *a)
{
    size_t len = arg_size(a, 1);
    size_t size = cpumask_size();

    if (len * 8 < (size_t)host_ncpu() || (len & 7))
        return -EINVAL;
    struct task *target = do_sched_target(t, arg_int(a, 0));
    if (!target)
        return -ESRCH;
    _cleanup_free_ uint8_t *mask = calloc(1, size);
    if (!mask)
        return -ENOMEM;
    uint64_t aff = task_affinity(target);
    for (int i = 0; i < host_ncpu() && i < 64; i++)
        if (aff & (1ULL << i))
            mask[i / 8] |= (uint8_t)(1u << (i % 8));
    size_t n = MIN(len, size);
    return copy_out(t, arg_addr(a, 2), mask, n) < 0 ? -EFAULT : (long)n;
}

long sys_sched_setaffinity(struct task *t, const struct syscall_args *a)
{
    size_t len = arg_size(a, 1);
    size_t size = cpumask_size();

    _cleanup_free_ uint8_t *mask = calloc(1, size);
    if (!mask)
        return -ENOMEM;
    if (copy_in(t, arg_addr(a, 2), mask, MIN(len, size)) < 0)
        return -EFAULT;
    struct task *target = do_sched_target(t, arg_int(a, 0));
    if (!target)
        return -ESRCH;
    if (!may_set_sched(t, target))
        return -EPERM;
    uint64_t want = 0;
    for (int i = 0; i < host_ncpu() && i < 64; i++)
        if (mask[i / 8] & (1u << (i % 8)))
            want |= 1ULL << i;
    if (!want)
        return -EINVAL;
    /* COMPAT: recorded and reported back; the host placement of the stub is unchanged. */
    target->cpu_affinity = want;
    return 0;
}

long sys_sched_yield(struct task *t, const struct syscall_args *a)
{
    task_host_io_begin(t);
    sched_yield();
    task_host_io_end(t);
    return 0;
}

long sys_getcpu(struct task *t, const struct syscall_args *a)
{
    gaddr_t ucpu = arg_addr(a, 0);
    gaddr_t unode = arg_addr(a, 1);
    int c = sched_getcpu();
    uint32_t cpu = c >= 0 ? (uint32_t)c % (uint32_t)host_ncpu() : 0;
    uint32_t node = 0;
    /* COMPAT: the app thread runs where the host puts its stub; report a CPU the task's
     * affinity allows, so the two calls agree. */
    uint64_t aff = task_affinity(t);
    if (cpu >= 64 || !(aff & (1ULL << cpu)))
        cpu = (uint32_t)__builtin_ctzll(aff);

    if (ucpu && copy_out(t, ucpu, &cpu, sizeof(cpu)) < 0)
        return -EFAULT;
    if (unode && copy_out(t, unode, &node, sizeof(node)) < 0)
        return -EFAULT;
    return 0;
}

long sys_sched_getparam(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    gaddr_t uparam = arg_addr(a, 1);
    int32_t prio = 0;

    if (!uparam || pid < 0)
        return -EINVAL;
    if (!do_sched_target(t, pid))
        return -ESRCH;
    return copy_out(t, uparam, &prio, sizeof(prio)) < 0 ? -EFAULT : 0;
}

/* Linux's can_nice: may @t give @target's process nice value @nice (RLIMIT_NICE or
 * CAP_SYS_NICE)? */
static bool may_nice(struct task *t, struct task *target, int nice)
{
    return (uint64_t)(20 - nice) <= target->tg->rlimits[RLIMIT_NICE].rlim_cur ||
           task_capable(t, CAP_SYS_NICE);
}

/* Validate a policy/priority pair (EINVAL), then Linux's permission rules: another user's
 * process needs CAP_SYS_NICE (EPERM); leaving SCHED_IDLE or dropping SCHED_RESET_ON_FORK
 * needs the right to nice (EPERM). Real-time policies need RLIMIT_RTPRIO or CAP_SYS_NICE,
 * and are refused to everyone (COMPAT: even root, since the host scheduling is not
 * changed). */
static long do_sched_check(struct task *t, struct task *target, int policy, int32_t prio)
{
    switch (policy & ~SCHED_RESET_ON_FORK_) {
    case SCHED_OTHER_:
    case SCHED_BATCH_:
    case SCHED_IDLE_:
        if (prio != 0)
            return -EINVAL;
        break;
    case SCHED_FIFO_:
    case SCHED_RR_:
        return (prio < 1 || prio > 99) ? -EINVAL : -EPERM;
    default:
        return -EINVAL;
    }
    if (!may_set_sched(t, target))
        return -EPERM;
    uint32_t old = target->sched_policy;
    bool leave_idle = (old & ~SCHED_RESET_ON_FORK_) == SCHED_IDLE_ &&
                      (policy & ~SCHED_RESET_ON_FORK_) != SCHED_IDLE_;
    if (leave_idle && !may_nice(t, target, target->tg->nice))
        return -EPERM;
    if ((old & SCHED_RESET_ON_FORK_) && !(policy & SCHED_RESET_ON_FORK_) &&
        !task_capable(t, CAP_SYS_NICE))
        return -EPERM;
    target->sched_policy = (uint32_t)policy;
    return 0;
}

/* sched_setparam and sched_setscheduler: read the priority at @uparam and check it against
 * @policy for the task @pid. */
static long do_set_sched(struct task *t, int pid, int policy, gaddr_t uparam)
{
    int32_t prio;

    if (!uparam || pid < 0)
        return -EINVAL;
    if (copy_in(t, uparam, &prio, sizeof(prio)) < 0)
        return -EFAULT;
    struct task *target = do_sched_target(t, pid);
    if (!target)
        return -ESRCH;
    if (policy == SETPARAM_POLICY_)
        policy = (int)target->sched_policy;
    return do_sched_check(t, target, policy, prio);
}

long sys_sched_setparam(struct task *t, const struct syscall_args *a)
{
    return do_set_sched(t, arg_int(a, 0), SETPARAM_POLICY_, arg_addr(a, 1));
}

long sys_sched_getscheduler(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);

    if (pid < 0)
        return -EINVAL;
    struct task *target = do_sched_target(t, pid);
    return target ? (long)target->sched_policy : -ESRCH;
}

long sys_sched_setscheduler(struct task *t, const struct syscall_args *a)
{
    /* COMPAT: SCHED_BATCH/SCHED_IDLE are recorded and read back; the host is not told. */
    if (arg_int(a, 1) < 0)
        return -EINVAL;
    return do_set_sched(t, arg_int(a, 0), arg_int(a, 1), arg_addr(a, 2));
}

long sys_sched_rr_get_interval(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    if (pid < 0)
        return -EINVAL;
    if (!do_sched_target(t, pid))
        return -ESRCH;
    /* Only SCHED_RR has a round-robin quantum; the fair policies report 0 as Linux's EEVDF
     * scheduler does. */
    struct linux_timespec ts = {0, 0};
    return copy_out(t, arg_addr(a, 1), &ts, sizeof(ts)) < 0 ? -EFAULT : 0;
}

/* struct sched_attr (include/uapi/linux/sched/types.h): VER0 is 48 bytes, VER1 (utilization
 * clamps) 56. */
struct linux_sched_attr {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
};
#define SCHED_ATTR_SIZE_VER0 48
#define SCHED_FLAG_RESET_ON_FORK_ 0x01ull
#define SCHED_FLAG_KEEP_POLICY_ 0x08ull
#define SCHED_FLAG_KEEP_PARAMS_ 0x10ull
#define SCHED_FLAG_UTIL_CLAMP_ 0x60ull
#define SCHED_FLAG_ALL_ 0x7full

long sys_sched_getattr(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    gaddr_t uattr = arg_addr(a, 1);
    uint32_t usize = arg_uint(a, 2);
    if (!uattr || pid < 0 || usize > 4096 || usize < SCHED_ATTR_SIZE_VER0 || arg_uint(a, 3))
        return -EINVAL;
    struct task *target = do_sched_target(t, pid);
    if (!target)
        return -ESRCH;
    struct linux_sched_attr k = {0};
    k.size = usize < sizeof(k) ? usize : (uint32_t)sizeof(k);
    k.sched_policy = target->sched_policy & ~SCHED_RESET_ON_FORK_;
    k.sched_flags = (target->sched_policy & SCHED_RESET_ON_FORK_) ? SCHED_FLAG_RESET_ON_FORK_ : 0;
    k.sched_nice = target->tg->nice;
    return copy_out(t, uattr, &k, k.size) < 0 ? -EFAULT : 0;
}

/* Linux's sched_copy_attr: a size of 0 means VER0; a bad size is E2BIG with the size we
 * know written back; a larger struct must have a zero tail. */
static long copy_sched_attr(struct task *t, gaddr_t uattr, struct linux_sched_attr *k)
{
    uint32_t size;
    if (copy_in(t, uattr, &size, sizeof(size)) < 0)
        return -EFAULT;
    if (!size)
        size = SCHED_ATTR_SIZE_VER0;
    memset(k, 0, sizeof(*k));
    bool bad = size < SCHED_ATTR_SIZE_VER0 || size > 4096;
    if (!bad && copy_in(t, uattr, k, MIN(size, (uint32_t)sizeof(*k))) < 0)
        return -EFAULT;
    for (uint32_t off = sizeof(*k); !bad && off < size; off++) {
        uint8_t c;
        if (copy_in(t, uattr + off, &c, 1) < 0)
            return -EFAULT;
        bad = c != 0;
    }
    if (bad) {
        uint32_t ksize = sizeof(*k);
        copy_out(t, uattr, &ksize, sizeof(ksize));
        return -E2BIG;
    }
    if ((k->sched_flags & SCHED_FLAG_UTIL_CLAMP_) && size < sizeof(*k))
        return -EINVAL;
    k->sched_nice = k->sched_nice < -20 ? -20 : k->sched_nice > 19 ? 19 : k->sched_nice;
    return 0;
}

long sys_sched_setattr(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    gaddr_t uattr = arg_addr(a, 1);
    if (!uattr || pid < 0 || arg_uint(a, 2))
        return -EINVAL;
    struct linux_sched_attr k;
    long ret = copy_sched_attr(t, uattr, &k);
    if (ret < 0)
        return ret;
    if ((int32_t)k.sched_policy < 0)
        return -EINVAL;
    struct task *target = do_sched_target(t, pid);
    if (!target)
        return -ESRCH;
    if (k.sched_flags & ~SCHED_FLAG_ALL_)
        return -EINVAL;
    if (k.sched_flags & SCHED_FLAG_UTIL_CLAMP_)
        return -EOPNOTSUPP; /* as Linux built without CONFIG_UCLAMP_TASK */
    int policy = (k.sched_flags & SCHED_FLAG_KEEP_POLICY_)
                     ? (int)(target->sched_policy & ~SCHED_RESET_ON_FORK_)
                     : (int)k.sched_policy;
    if (k.sched_flags & SCHED_FLAG_RESET_ON_FORK_)
        policy |= SCHED_RESET_ON_FORK_;
    bool fair = (policy & ~SCHED_RESET_ON_FORK_) != SCHED_FIFO_ &&
                (policy & ~SCHED_RESET_ON_FORK_) != SCHED_RR_;
    /* A fair policy's nice value: lowering it needs the right to nice. */
    if (fair && !(k.sched_flags & SCHED_FLAG_KEEP_PARAMS_) && k.sched_nice < target->tg->nice &&
        !may_nice(t, target, k.sched_nice))
        return -EPERM;
    if ((ret = do_sched_check(t, target, policy, (int32_t)k.sched_priority)) < 0)
        return ret;
    if (fair && !(k.sched_flags & SCHED_FLAG_KEEP_PARAMS_))
        target->tg->nice = k.sched_nice;
    return 0;
}

long sys_sched_get_priority_max(struct task *t, const struct syscall_args *a)
{
    int policy = arg_int(a, 0);
    if (policy == SCHED_FIFO_ || policy == SCHED_RR_)
        return 99;
    if (policy == SCHED_OTHER_ || policy == SCHED_BATCH_ || policy == SCHED_IDLE_)
        return 0;
    return -EINVAL;
}

long sys_sched_get_priority_min(struct task *t, const struct syscall_args *a)
{
    int policy = arg_int(a, 0);
    if (policy == SCHED_FIFO_ || policy == SCHED_RR_)
        return 1;
    if (policy == SCHED_OTHER_ || policy == SCHED_BATCH_ || policy == SCHED_IDLE_)
        return 0;
    return -EINVAL;
}

/* --- priorities (COMPAT: nice is per process, not per thread) --- */

#define PRIO_PROCESS_ 0
#define PRIO_PGRP_ 1
#define PRIO_USER_ 2

/* Does @tg match (which, who) for the caller @t? */
static bool prio_match(struct task *t, struct thread_group *tg, int which, int who)
{
    switch (which) {
    case PRIO_PGRP_:
        return tg->pgid == (who ? who : t->tg->pgid);
    case PRIO_USER_:
        return tg_cred(tg)->uid == (who ? (uint32_t)who : task_cred(t)->uid);
    default:
        return false;
    }
}

long sys_getpriority(struct task *t, const struct syscall_args *a)
{
    int which = arg_int(a, 0);
    int who = arg_int(a, 1);
    long best = -ESRCH;
    struct task *o;

    if (which < PRIO_PROCESS_ || which > PRIO_USER_)
        return -EINVAL;
    if (which == PRIO_PROCESS_) {
        o = do_sched_target(t, who);
        return o ? 20 - o->tg->nice : -ESRCH;
    }
    list_for_each_entry(o, &g_kernel.tasks, klink)
    {
        if (signal_tg_visit(o) && prio_match(t, o->tg, which, who))
            best = MAX(best, 20L - o->tg->nice);
    }
    return best;
}

/* Linux's set_one_prio: returns the updated error (-ESRCH becomes 0 on success). */
static long do_set_prio(struct task *t, struct thread_group *tg, int nice, long err)
{
    const struct cred *c = task_cred(t), *o = tg_cred(tg);
    bool cap = task_capable(t, CAP_SYS_NICE);

    if (o->uid != c->euid && o->euid != c->euid && !cap)
        return -EPERM;
    /* Raising the priority needs the target's RLIMIT_NICE allowance or CAP_SYS_NICE. */
    if (nice < tg->nice && !cap && (uint64_t)(20 - nice) > tg->rlimits[RLIMIT_NICE].rlim_cur)
        return -EACCES;
    tg->nice = nice;
    return err == -ESRCH ? 0 : err;
}

long sys_setpriority(struct task *t, const struct syscall_args *a)
{
    int which = arg_int(a, 0);
    int who = arg_int(a, 1);
    int nice = arg_int(a, 2);
    long err = -ESRCH;
    struct task *o;

    if (which < PRIO_PROCESS_ || which > PRIO_USER_)
        return -EINVAL;
    nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
    if (which == PRIO_PROCESS_) {
        o = do_sched_target(t, who);
        return o ? do_set_prio(t, o->tg, nice, err) : -ESRCH;
    }
    list_for_each_entry(o, &g_kernel.tasks, klink)
    {
        if (signal_tg_visit(o) && prio_match(t, o->tg, which, who))
            err = do_set_prio(t, o->tg, nice, err);
    }
    return err;
}

/* --- I/O priorities (COMPAT: stored per thread and inherited, not applied to host I/O) --- */

#define IOPRIO_WHO_PROCESS_ 1
#define IOPRIO_WHO_PGRP_ 2
#define IOPRIO_WHO_USER_ 3
#define IOPRIO_CLASS_NONE_ 0
#define IOPRIO_CLASS_RT_ 1
#define IOPRIO_CLASS_BE_ 2
#define IOPRIO_CLASS_IDLE_ 3
#define IOPRIO_CLASS_OF(p) (((p) >> 13) & 7)
#define IOPRIO_LEVEL_OF(p) ((p)&7)
/* What an unset priority counts as when several tasks are compared: best effort, level 4. */
#define IOPRIO_BE_NORM_ ((IOPRIO_CLASS_BE_ << 13) | 4)

/* Linux's ioprio_check_cap: a known class, no level for "none", and privilege for RT. */
static long ioprio_check(struct task *t, int ioprio)
{
    switch (IOPRIO_CLASS_OF(ioprio)) {
    case IOPRIO_CLASS_RT_:
        return task_capable(t, CAP_SYS_NICE) || task_capable(t, CAP_SYS_ADMIN) ? 0 : -EPERM;
    case IOPRIO_CLASS_BE_:
    case IOPRIO_CLASS_IDLE_:
        return 0;
    case IOPRIO_CLASS_NONE_:
        return IOPRIO_LEVEL_OF(ioprio) ? -EINVAL : 0;
    default:
        return -EINVAL;
    }
}

/* Does task @o match (which, who) of the group or user forms for the caller @t? (A user
 * @who of 0 is root, not the caller, unlike getpriority's.) */
static bool ioprio_match(struct task *t, struct task *o, int which, int who)
{
    if (which == IOPRIO_WHO_PGRP_)
        return o->tg->pgid == (who ? who : t->tg->pgid);
    return task_cred(o)->uid == (uint32_t)who;
}

/* The better of two priorities (the lower value), an unset one counting as BE level 4. */
static int ioprio_best(int a, int b)
{
    if (IOPRIO_CLASS_OF(a) == IOPRIO_CLASS_NONE_)
        a = IOPRIO_BE_NORM_;
    if (IOPRIO_CLASS_OF(b) == IOPRIO_CLASS_NONE_)
        b = IOPRIO_BE_NORM_;
    return MIN(a, b);
}

long sys_ioprio_get(struct task *t, const struct syscall_args *a)
{
    int which = arg_int(a, 0), who = arg_int(a, 1);
    long ret = -ESRCH;
    struct task *o;

    if (which == IOPRIO_WHO_PROCESS_) {
        o = do_sched_target(t, who);
        return o ? o->ioprio : -ESRCH;
    }
    if (which != IOPRIO_WHO_PGRP_ && which != IOPRIO_WHO_USER_)
        return -EINVAL;
    list_for_each_entry(o, &g_kernel.tasks, klink)
    {
        if (o->state == TASK_DEAD || !ioprio_match(t, o, which, who))
            continue;
        ret = ret == -ESRCH ? o->ioprio : ioprio_best((int)ret, o->ioprio);
    }
    return ret;
}

/* Linux's set_task_ioprio: the caller must own @o or be privileged. */
static long ioprio_set_one(struct task *t, struct task *o, int ioprio)
{
    const struct cred *c = task_cred(t);
    uint32_t ouid = task_cred(o)->uid;
    if (ouid != c->euid && ouid != c->uid && !task_capable(t, CAP_SYS_NICE))
        return -EPERM;
    o->ioprio = (uint16_t)ioprio;
    return 0;
}

long sys_ioprio_set(struct task *t, const struct syscall_args *a)
{
    int which = arg_int(a, 0), who = arg_int(a, 1), ioprio = arg_int(a, 2);
    long ret = ioprio_check(t, ioprio);
    struct task *o;

    if (ret < 0)
        return ret;
    if (which == IOPRIO_WHO_PROCESS_) {
        o = do_sched_target(t, who);
        return o ? ioprio_set_one(t, o, ioprio) : -ESRCH;
    }
    if (which != IOPRIO_WHO_PGRP_ && which != IOPRIO_WHO_USER_)
        return -EINVAL;
    ret = -ESRCH;
    list_for_each_entry(o, &g_kernel.tasks, klink)
    {
        if (o->state == TASK_DEAD || !ioprio_match(t, o, which, who))
            continue;
        if ((ret = ioprio_set_one(t, o, ioprio)) < 0)
            break;
    }
    return ret;
}

void sys_sched_register(void)
{
    SYSCALL_REG(LINUX_NR_sched_getaffinity, SYS_SUPPORTED(sched_getaffinity));
    SYSCALL_REG(LINUX_NR_sched_setaffinity, SYS_PARTIAL(sched_setaffinity, "accepted, no effect"));
    SYSCALL_REG(LINUX_NR_sched_yield, SYS_SUPPORTED(sched_yield));
    SYSCALL_REG(LINUX_NR_getcpu, SYS_SUPPORTED(getcpu));
    SYSCALL_REG(LINUX_NR_sched_getparam, SYS_SUPPORTED(sched_getparam));
    SYSCALL_REG(LINUX_NR_sched_setparam, SYS_SUPPORTED(sched_setparam));
    SYSCALL_REG(LINUX_NR_sched_getscheduler, SYS_SUPPORTED(sched_getscheduler));
    SYSCALL_REG(LINUX_NR_sched_setscheduler,
                SYS_PARTIAL(sched_setscheduler, "fair policies recorded; real-time is EPERM"));
    SYSCALL_REG(LINUX_NR_sched_rr_get_interval, SYS_SUPPORTED(sched_rr_get_interval));
    SYSCALL_REG(LINUX_NR_sched_getattr, SYS_SUPPORTED(sched_getattr));
    SYSCALL_REG(LINUX_NR_sched_setattr,
                SYS_PARTIAL(sched_setattr, "fair policies; real-time and deadline are EPERM"));
    SYSCALL_REG(LINUX_NR_sched_get_priority_max, SYS_SUPPORTED(sched_get_priority_max));
    SYSCALL_REG(LINUX_NR_sched_get_priority_min, SYS_SUPPORTED(sched_get_priority_min));
    SYSCALL_REG(LINUX_NR_getpriority, SYS_PARTIAL(getpriority, "nice is per process"));
    SYSCALL_REG(LINUX_NR_setpriority, SYS_PARTIAL(setpriority, "nice is stored, not applied"));
    SYSCALL_REG(LINUX_NR_ioprio_get, SYS_PARTIAL(ioprio_get, "stored, not applied"));
    SYSCALL_REG(LINUX_NR_ioprio_set, SYS_PARTIAL(ioprio_set, "stored, not applied"));
}
