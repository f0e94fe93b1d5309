// SPDX-License-Identifier: Apache-2.0
/*
 * Resource limits (getrlimit, setrlimit, prlimit64) and getrusage. Raising a hard limit
 * takes CAP_SYS_RESOURCE; another process's limits need its real ids or that capability.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "abi/linux/signal.h"
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

#define NR_OPEN_MAX 1048576

/* --- resource limits and usage --- */

struct linux_rlimit64 {
    uint64_t cur, max;
};

/* Linux's check_prlimit_permission: the caller's real ids must match all of the target's,
 * or CAP_SYS_RESOURCE. */
static bool may_prlimit(struct task *t, struct thread_group *tg)
{
    if (tg == t->tg || task_capable(t, CAP_SYS_RESOURCE))
        return true;
    const struct cred *c = task_cred(t), *o = tg_cred(tg);
    return c->uid == o->uid && c->uid == o->euid && c->uid == o->suid && c->gid == o->gid &&
           c->gid == o->egid && c->gid == o->sgid;
}

static long do_prlimit(struct task *t, struct thread_group *tg, unsigned int res,
                       const struct linux_rlimit64 *nl, struct linux_rlimit64 *ol)
{
    struct rlimit *cur = &tg->rlimits[res];

    if (nl) {
        if (nl->cur > nl->max)
            return -EINVAL;
        if (res == RLIMIT_NOFILE && nl->max > NR_OPEN_MAX)
            return -EPERM;
        if (nl->max > cur->rlim_max && !task_capable(t, CAP_SYS_RESOURCE))
            return -EPERM;
    }
    if (ol) {
        ol->cur = cur->rlim_cur;
        ol->max = cur->rlim_max;
    }
    if (nl) {
        cur->rlim_cur = nl->cur;
        cur->rlim_max = nl->max;
    }
    return 0;
}

long sys_getrlimit(struct task *t, const struct syscall_args *a)
{
    unsigned int res = arg_uint(a, 0);
    struct linux_rlimit64 ol;

    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    do_prlimit(t, t->tg, res, NULL, &ol);
    return copy_out(t, arg_addr(a, 1), &ol, sizeof(ol)) < 0 ? -EFAULT : 0;
}

long sys_setrlimit(struct task *t, const struct syscall_args *a)
{
    unsigned int res = arg_uint(a, 0);
    struct linux_rlimit64 nl;

    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    if (copy_in(t, arg_addr(a, 1), &nl, sizeof(nl)) < 0)
        return -EFAULT;
    return do_prlimit(t, t->tg, res, &nl, NULL);
}

long sys_prlimit64(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    unsigned int res = arg_uint(a, 1);
    gaddr_t unew = arg_addr(a, 2);
    gaddr_t uold = arg_addr(a, 3);
    struct linux_rlimit64 nl, ol;

    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    if (unew && copy_in(t, unew, &nl, sizeof(nl)) < 0)
        return -EFAULT;
    struct thread_group *tg = t->tg;
    if (pid) {
        struct task *o = task_find(pid);
        if (!o)
            return -ESRCH;
        tg = o->tg;
    }
    if (!may_prlimit(t, tg))
        return -EPERM;
    long ret = do_prlimit(t, tg, res, unew ? &nl : NULL, &ol);
    if (ret < 0)
        return ret;
    if (uold && copy_out(t, uold, &ol, sizeof(ol)) < 0)
        return -EFAULT;
    return 0;
}

struct linux_rusage {
    struct linux_timeval utime, stime;
    int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv,
        nsignals, nvcsw, nivcsw;
};

#define RUSAGE_SELF_ 0
#define RUSAGE_CHILDREN_ (-1)
#define RUSAGE_THREAD_ 1

long sys_getrusage(struct task *t, const struct syscall_args *a)
{
    int who = arg_int(a, 0);
    struct linux_rusage ru;
    uint64_t u, s, vm, rss;

    memset(&ru, 0, sizeof(ru));
    switch (who) {
    case RUSAGE_SELF_:
        tg_cputime(t->tg, &u, &s);
        break;
    case RUSAGE_THREAD_:
        task_cputime(t, &u, &s);
        break;
    case RUSAGE_CHILDREN_:
        u = t->tg->cutime_ns;
        s = t->tg->cstime_ns;
        break;
    default:
        return -EINVAL;
    }
    ru.utime = ns_to_timeval(u);
    ru.stime = ns_to_timeval(s);
    if (who != RUSAGE_CHILDREN_ && t->mmt.mm) {
        /* COMPAT: maxrss is the current resident size; fault and switch counts are 0. */
        mm_usage(t->mmt.mm, &vm, &rss);
        ru.maxrss = (int64_t)(rss * (LINUX_PAGE_SIZE / 1024));
    }
    return copy_out(t, arg_addr(a, 1), &ru, sizeof(ru)) < 0 ? -EFAULT : 0;
}

void sys_rlimit_register(void)
{
    SYSCALL_REG(LINUX_NR_getrlimit, SYS_SUPPORTED(getrlimit));
    SYSCALL_REG(LINUX_NR_setrlimit, SYS_PARTIAL(setrlimit, "limits stored; few are enforced"));
    SYSCALL_REG(LINUX_NR_prlimit64, SYS_PARTIAL(prlimit64, "limits stored; few are enforced"));
    SYSCALL_REG(LINUX_NR_getrusage, SYS_PARTIAL(getrusage, "times approximate; counters are 0"));
}
