// SPDX-License-Identifier: Apache-2.0
/*
 * Who may look at another process (Linux's __ptrace_may_access with the capability module's
 * ptrace_access_check): /proc/PID and the syscalls that name a pid ask here. The sandbox
 * has no ptrace(2), but the rule is the same one Linux applies to both.
 */
#include <errno.h>

#include "sentry/kernel/task.h"

/* The ids must all agree: a process that changed any of them (a set-user-ID program that
 * keeps its saved id) is not the caller's to look at. */
static bool same_ids(uint32_t uid, uint32_t gid, const struct cred *tc)
{
    return uid == tc->uid && uid == tc->euid && uid == tc->suid && gid == tc->gid &&
           gid == tc->egid && gid == tc->sgid;
}

int task_may_access(const struct cred *cred, const struct thread_group *caller,
                    const struct task *target, unsigned mode)
{
    if (caller && caller == target->tg)
        return 0;
    bool fs = (mode & PTRACE_MODE_FSCREDS) != 0;
    const struct cred *tc = task_cred(target);
    bool sys_ptrace = cred_capable(cred, CAP_SYS_PTRACE);
    if (!same_ids(fs ? cred->fsuid : cred->uid, fs ? cred->fsgid : cred->gid, tc) && !sys_ptrace)
        return -EPERM;
    /* A process that changed credentials is not dumpable; one without an address space (a
     * zombie) has nothing left to protect. */
    if (target->mmt.mm && !target->tg->dumpable && !sys_ptrace)
        return -EPERM;
    /* The caller must hold every capability the target may use (one user namespace). */
    uint64_t caps = fs ? cred->cap_effective : cred->cap_permitted;
    if ((tc->cap_permitted & ~caps) == 0 || sys_ptrace)
        return 0;
    return -EPERM;
}
