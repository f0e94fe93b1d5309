// SPDX-License-Identifier: Apache-2.0
/*
 * prctl(2) and personality(2). The capability options (keepcaps, securebits, the bounding
 * and ambient sets, no_new_privs) change the caller's credentials with Linux's rules.
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

/* --- prctl --- */

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_GET_KEEPCAPS 7
#define PR_SET_KEEPCAPS 8
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_GET_SECCOMP 21
#define PR_SET_SECCOMP 22
#define PR_CAPBSET_READ 23
#define PR_CAPBSET_DROP 24
#define PR_GET_SECUREBITS 27
#define PR_SET_SECUREBITS 28
#define PR_SET_TIMERSLACK 29
#define PR_GET_TIMERSLACK 30
#define PR_SET_MM 35
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define PR_GET_TID_ADDRESS 40
#define PR_SET_THP_DISABLE 41
#define PR_GET_THP_DISABLE 42
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_LOWER 3
#define PR_CAP_AMBIENT_CLEAR_ALL 4

static long put_int(struct task *t, gaddr_t addr, int32_t v)
{
    return copy_out(t, addr, &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

/* PR_SET_NAME: up to 15 bytes, silently truncated (strncpy_from_user). */
static long do_prctl_set_name(struct task *t, gaddr_t addr)
{
    char name[16];

    memset(name, 0, sizeof(name));
    for (size_t i = 0; i < sizeof(name) - 1; i++) {
        if (copy_in(t, addr + i, &name[i], 1) < 0)
            return -EFAULT;
        if (!name[i])
            break;
    }
    memcpy(t->comm, name, sizeof(t->comm));
    return 0;
}

/* Run one of cred.c's capability options on a copy of the caller's credentials; commit
 * the copy when it changed. */
static long do_prctl_caps(struct task *t, int option, uint64_t a2, uint64_t a3, uint64_t a4,
                          uint64_t a5)
{
    const struct cred *old = task_cred(t);
    switch (option) {
    case PR_CAPBSET_READ:
        return a2 <= CAP_LAST_CAP ? (old->cap_bset & CAP_TO_MASK(a2)) != 0 : -EINVAL;
    case PR_GET_SECUREBITS:
        return old->securebits;
    case PR_GET_KEEPCAPS:
        return (old->securebits & SECBIT_KEEP_CAPS) != 0;
    case PR_CAPBSET_DROP:
    case PR_SET_SECUREBITS:
    case PR_SET_KEEPCAPS:
    case PR_CAP_AMBIENT:
        break;
    default:
        return -EINVAL;
    }
    struct cred *new = cred_prepare(old);
    if (!new)
        return -ENOMEM;
    int ret;
    if (option == PR_CAPBSET_DROP)
        ret = cred_bset_drop(old, new, a2);
    else if (option == PR_SET_SECUREBITS)
        ret = cred_set_securebits(old, new, a2);
    else if (option == PR_SET_KEEPCAPS)
        ret = cred_set_keepcaps(old, new, a2);
    else
        ret = cred_ambient(old, new, a2, a3, a4, a5);
    if (ret < 0 || (option == PR_CAP_AMBIENT && a2 == PR_CAP_AMBIENT_IS_SET)) {
        cred_unref(new);
        return ret;
    }
    task_commit_cred(t, new);
    return 0;
}

/* PR_SET_NO_NEW_PRIVS: one way, for this thread and what it creates. */
static long do_no_new_privs(struct task *t)
{
    if (task_cred(t)->no_new_privs)
        return 0;
    struct cred *new = cred_prepare(task_cred(t));
    if (!new)
        return -ENOMEM;
    new->no_new_privs = true;
    task_commit_cred(t, new);
    return 0;
}

long sys_prctl(struct task *t, const struct syscall_args *a)
{
    int option = arg_int(a, 0);
    uint64_t a2 = arg_u64(a, 1), a3 = arg_u64(a, 2), a4 = arg_u64(a, 3), a5 = arg_u64(a, 4);
    struct thread_group *tg = t->tg;

    switch (option) {
    case PR_SET_PDEATHSIG:
        if (a2 > LINUX_NSIG)
            return -EINVAL;
        tg->pdeath_signal = (int)a2; /* COMPAT: per process, not per thread */
        return 0;
    case PR_GET_PDEATHSIG:
        return put_int(t, a2, tg->pdeath_signal);
    case PR_GET_DUMPABLE:
        return tg->dumpable ? 1 : 0;
    case PR_SET_DUMPABLE:
        if (a2 > 1)
            return -EINVAL;
        tg->dumpable = a2 == 1;
        return 0;
    case PR_SET_NAME:
        return do_prctl_set_name(t, a2);
    case PR_GET_NAME:
        return copy_out(t, a2, t->comm, sizeof(t->comm)) < 0 ? -EFAULT : 0;
    case PR_GET_SECCOMP:
        return 0;
    case PR_SET_SECCOMP:
        return -EINVAL; /* COMPAT: seccomp filters inside the sandbox are not supported */
    case PR_SET_TIMERSLACK:
        return 0;
    case PR_GET_TIMERSLACK:
        return 50000;
    case PR_SET_MM:
        return -EPERM;
    case PR_SET_CHILD_SUBREAPER:
        tg->child_subreaper = a2 != 0;
        return 0;
    case PR_GET_CHILD_SUBREAPER:
        return put_int(t, a2, tg->child_subreaper);
    case PR_SET_NO_NEW_PRIVS:
        if (a2 != 1 || a3 || a4 || a5)
            return -EINVAL;
        return do_no_new_privs(t);
    case PR_GET_NO_NEW_PRIVS:
        if (a2 || a3 || a4 || a5)
            return -EINVAL;
        return task_cred(t)->no_new_privs ? 1 : 0;
    case PR_GET_TID_ADDRESS:
        return copy_out(t, a2, &t->clear_child_tid, sizeof(uint64_t)) < 0 ? -EFAULT : 0;
    case PR_SET_THP_DISABLE:
        return (a3 || a4 || a5) ? -EINVAL : 0;
    case PR_GET_THP_DISABLE:
        return (a2 || a3 || a4 || a5) ? -EINVAL : 0;
    default:
        return do_prctl_caps(t, option, a2, a3, a4, a5);
    }
}

long sys_personality(struct task *t, const struct syscall_args *a)
{
    uint32_t persona = arg_uint(a, 0);

    /* COMPAT: only PER_LINUX; 0xffffffff queries. */
    if (persona == 0 || persona == 0xffffffffu)
        return 0;
    return -EINVAL;
}

void sys_prctl_register(void)
{
    SYSCALL_REG(LINUX_NR_prctl, SYS_PARTIAL(prctl, "common options; others EINVAL"));
    SYSCALL_REG(LINUX_NR_personality, SYS_PARTIAL(personality, "PER_LINUX only"));
}
