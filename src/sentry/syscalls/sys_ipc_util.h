// SPDX-License-Identifier: Apache-2.0
/*
 * What the System V IPC families (sys_sem.c, sys_msg.c; shared memory is kernel/shm.c) share:
 * the permission block of an object, Linux's ipcperms and the owner rule of IPC_SET and
 * IPC_RMID, and the kernel's struct ipc64_perm.
 *
 * Locking: the objects are protected by the kernel lock.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"

#define LINUX_IPC_64 0x0100 /* the "new" struct layout flag of *ctl commands */

/* The kernel's struct ipc64_perm on x86-64. */
struct linux_ipc64_perm {
    int32_t key;
    uint32_t uid, gid, cuid, cgid;
    uint32_t mode;
    uint16_t seq, pad2;
    uint64_t unused1, unused2;
};

struct ipc_perm_k {
    int32_t key;
    uint16_t seq;
    uint32_t uid, gid, cuid, cgid, mode;
};

/* A new object's permissions: @mode's 0777 bits, owned and created by @t's effective ids. */
static inline void ipc_perm_init(struct ipc_perm_k *p, struct task *t, int32_t key, int mode)
{
    const struct cred *c = task_cred(t);
    p->key = key;
    p->uid = p->cuid = c->euid;
    p->gid = p->cgid = c->egid;
    p->mode = (uint32_t)mode & 0777;
}

/* Linux's ipcperms: the rwx bits of @flag (in any of the three positions) against the mode
 * for the owner or creator, their group, or others, unless CAP_IPC_OWNER. 0 or -EACCES. */
static inline int ipc_perm_check(struct task *t, const struct ipc_perm_k *p, int flag)
{
    const struct cred *c = task_cred(t);
    unsigned want = ((unsigned)flag >> 6 | (unsigned)flag >> 3 | (unsigned)flag) & 7;
    unsigned granted = p->mode;
    if (c->euid == p->cuid || c->euid == p->uid)
        granted >>= 6;
    else if (cred_in_group(c, p->cgid) || cred_in_group(c, p->gid))
        granted >>= 3;
    if ((want & ~granted & 7) && !cred_capable(c, CAP_IPC_OWNER))
        return -EACCES;
    return 0;
}

/* IPC_SET and IPC_RMID: the owner, the creator, or CAP_SYS_ADMIN. */
static inline bool ipc_may_change(struct task *t, const struct ipc_perm_k *p)
{
    const struct cred *c = task_cred(t);
    return c->euid == p->uid || c->euid == p->cuid || cred_capable(c, CAP_SYS_ADMIN);
}

static inline void ipc_perm_out(const struct ipc_perm_k *p, struct linux_ipc64_perm *o)
{
    o->key = p->key;
    o->uid = p->uid;
    o->gid = p->gid;
    o->cuid = p->cuid;
    o->cgid = p->cgid;
    o->mode = p->mode;
    o->seq = p->seq;
}

/* IPC_SET: new owner ids and mode bits (ctime is the caller's). */
static inline void ipc_perm_set(struct ipc_perm_k *p, const struct linux_ipc64_perm *in)
{
    p->uid = in->uid;
    p->gid = in->gid;
    p->mode = (p->mode & ~0777u) | (in->mode & 0777u);
}

static inline int64_t ipc_now_s(void)
{
    return (int64_t)(kernel_realtime_ns() / 1000000000ULL);
}
