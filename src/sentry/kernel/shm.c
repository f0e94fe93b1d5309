// SPDX-License-Identifier: Apache-2.0
/*
 * System V shared memory: shmget/shmat/shmdt/shmctl over shared anonymous memory objects
 * (mm's shmem), so an attached segment is an ordinary MAP_SHARED mapping of the object.
 */
#include "sentry/kernel/shm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <time.h>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm.h"
#include "sentry/mm/mm_internal.h"

#define SHM_SLOTS 4096 /* SHMMNI */
#define LINUX_IPC_64 0x0100 /* the "new" struct layout flag of *ctl commands */
#define SHM_MAX_SIZE (64ULL << 30) /* COMPAT: SHMMAX is 64 GiB, the memory file's size */

struct shm_seg {
    int32_t key;
    bool removed;               /* IPC_RMID: no new shmget/shmat finds it */
    uint16_t seq;
    uint64_t size;
    uint32_t uid, gid, cuid, cgid, mode;
    int64_t atime, dtime, ctime;
    int cpid, lpid;
    struct mappable *obj;       /* new reference held by the table */
};

static struct shm_seg *g_segs[SHM_SLOTS]; /* Protected by the kernel lock */
static uint16_t g_seq;

static int64_t now_s(void)
{
    return (int64_t)(kernel_realtime_ns() / 1000000000ULL);
}

static int seg_id(int slot)
{
    return g_segs[slot]->seq * SHM_SLOTS + slot;
}

static struct shm_seg *seg_by_id(int id)
{
    if (id < 0)
        return NULL;
    struct shm_seg *s = g_segs[id % SHM_SLOTS];
    return s && s->seq == id / SHM_SLOTS ? s : NULL;
}

static void seg_free(int slot)
{
    struct shm_seg *s = g_segs[slot];
    s->obj->ops->unref(s->obj);
    free(s);
    g_segs[slot] = NULL;
}

/* Attachments of @s: mappings of its object in the sandbox's address spaces. COMPAT: the
 * count is derived from the object's references (each mapping holds one, the table one). */
static uint64_t seg_nattch(struct shm_seg *s);

/* Linux's ipcperms: the rwx bits of @flag (in any of the three positions) against the
 * segment's mode for the owner, the group or others, unless CAP_IPC_OWNER. */
static int shm_perm(struct task *t, const struct shm_seg *s, int flag)
{
    const struct cred *c = task_cred(t);
    unsigned want = ((unsigned)flag >> 6 | (unsigned)flag >> 3 | (unsigned)flag) & 7;
    unsigned granted = s->mode;
    if (c->euid == s->cuid || c->euid == s->uid)
        granted >>= 6;
    else if (cred_in_group(c, s->cgid) || cred_in_group(c, s->gid))
        granted >>= 3;
    if ((want & ~granted & 7) && !cred_capable(c, CAP_IPC_OWNER))
        return -EACCES;
    return 0;
}

/* IPC_SET and IPC_RMID: the owner, the creator, or CAP_SYS_ADMIN. */
static bool shm_may_change(struct task *t, const struct shm_seg *s)
{
    const struct cred *c = task_cred(t);
    return c->euid == s->uid || c->euid == s->cuid || cred_capable(c, CAP_SYS_ADMIN);
}

/* SHM_LOCK and SHM_UNLOCK (Linux's shmctl_do_lock): CAP_IPC_LOCK, or the owner or the
 * creator with, to lock, an RLIMIT_MEMLOCK allowance that covers the segment (EPERM with
 * none, ENOMEM if too small). COMPAT: nothing is swapped, so the lock is not recorded
 * (SHM_LOCKED does not show in the mode) nor counted against the limit. */
static long shm_lock(struct task *t, const struct shm_seg *s, bool lock)
{
    const struct cred *c = task_cred(t);
    if (cred_capable(c, CAP_IPC_LOCK))
        return 0;
    if (c->euid != s->uid && c->euid != s->cuid)
        return -EPERM;
    if (!lock)
        return 0;
    uint64_t limit = task_rlimit_cur(t, RLIMIT_MEMLOCK);
    if (limit == 0)
        return -EPERM;
    return (s->size + 4095) / 4096 > limit / 4096 ? -ENOMEM : 0;
}

long shm_get(struct task *t, int32_t key, uint64_t size, int flags)
{
    if (key != IPC_PRIVATE) {
        for (int i = 0; i < SHM_SLOTS; i++) {
            struct shm_seg *s = g_segs[i];
            if (!s || s->removed || s->key != key)
                continue;
            if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
                return -EEXIST;
            if (shm_perm(t, s, flags & 0777) < 0)
                return -EACCES;
            if (size > s->size)
                return -EINVAL;
            return seg_id(i);
        }
        if (!(flags & IPC_CREAT))
            return -ENOENT;
    }
    if (size < 1 || size > SHM_MAX_SIZE)
        return -EINVAL;
    int slot = -1;
    for (int i = 0; i < SHM_SLOTS && slot < 0; i++)
        if (!g_segs[i])
            slot = i;
    if (slot < 0)
        return -ENOSPC;
    struct shm_seg *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    int err = shmem_new(size, &s->obj);
    if (err < 0) {
        free(s);
        return err;
    }
    snprintf(s->obj->name, sizeof(s->obj->name), "/SYSV%08x (deleted)", (unsigned)key);
    s->key = key;
    s->size = size;
    s->seq = ++g_seq % (0x7fffffff / SHM_SLOTS);
    s->uid = s->cuid = task_cred(t)->euid;
    s->gid = s->cgid = task_cred(t)->egid;
    s->mode = (uint32_t)flags & 0777;
    s->ctime = now_s();
    s->cpid = t->tg->pid;
    g_segs[slot] = s;
    return seg_id(slot);
}

long shm_at(struct task *t, int id, gaddr_t addr, int flags)
{
    struct shm_seg *s = seg_by_id(id);
    if (!s)
        return -EINVAL;
    if (addr & (LINUX_PAGE_SIZE - 1)) {
        if (!(flags & SHM_RND))
            return -EINVAL;
        addr &= ~(uint64_t)(SHMLBA - 1);
    }
    int prot = (flags & SHM_RDONLY) ? PROT_READ : PROT_READ | PROT_WRITE;
    if (flags & SHM_EXEC)
        prot |= PROT_EXEC;
    int acc = (flags & SHM_RDONLY) ? 0444 : 0666;
    if (shm_perm(t, s, (flags & SHM_EXEC) ? acc | 0111 : acc) < 0)
        return -EACCES;
    int mflags = MM_MAP_SHARED;
    if (addr) {
        mflags |= (flags & SHM_REMAP) ? MM_MAP_FIXED : MM_MAP_FIXED_NOREPLACE;
    }
    gaddr_t out;
    int err =
        mm_mmap(&t->mmt, t->mmt.mm, addr, PAGE_ALIGN_UP(s->size), prot, mflags, s->obj, 0, &out);
    if (err == -EEXIST)
        return -EINVAL;
    if (err < 0)
        return err;
    s->atime = now_s();
    s->lpid = t->tg->pid;
    return (long)out;
}

long shm_dt(struct task *t, gaddr_t addr)
{
    if (addr & (LINUX_PAGE_SIZE - 1))
        return -EINVAL;
    for (int i = 0; i < SHM_SLOTS; i++) {
        struct shm_seg *s = g_segs[i];
        if (!s || !mm_maps_object_at(t->mmt.mm, addr, s->obj))
            continue;
        int err = mm_munmap(&t->mmt, t->mmt.mm, addr, PAGE_ALIGN_UP(s->size));
        if (err < 0)
            return err;
        s->dtime = now_s();
        s->lpid = t->tg->pid;
        if (s->removed && seg_nattch(s) == 0)
            seg_free(i);
        return 0;
    }
    return -EINVAL;
}

static uint64_t seg_nattch(struct shm_seg *s)
{
    return (uint64_t)shmem_refcount(s->obj) - 1;
}

static void fill_ds(struct shm_seg *s, struct linux_shmid_ds *ds)
{
    memset(ds, 0, sizeof(*ds));
    ds->key = s->key;
    ds->uid = s->uid, ds->gid = s->gid, ds->cuid = s->cuid, ds->cgid = s->cgid;
    ds->mode = (uint16_t)(s->mode | (s->removed ? SHM_DEST : 0));
    ds->seq = s->seq;
    ds->segsz = s->size;
    ds->atime = s->atime, ds->dtime = s->dtime, ds->ctime = s->ctime;
    ds->cpid = s->cpid, ds->lpid = s->lpid;
    ds->nattch = seg_nattch(s);
}

long shm_ctl(struct task *t, int id, int cmd, gaddr_t buf)
{
    cmd &= ~LINUX_IPC_64;
    if (cmd == IPC_INFO || cmd == SHM_INFO) {
        int max = 0;
        for (int i = 0; i < SHM_SLOTS; i++)
            if (g_segs[i])
                max = i;
        return max; /* COMPAT: the info structures are not filled in */
    }
    struct shm_seg *s = seg_by_id(id);
    if (!s)
        return -EINVAL;
    switch (cmd) {
    case IPC_STAT:
    case SHM_STAT: {
        struct linux_shmid_ds ds;
        if (shm_perm(t, s, 0444) < 0)
            return -EACCES;
        fill_ds(s, &ds);
        return copy_out(t, buf, &ds, sizeof(ds)) < 0 ? -EFAULT : 0;
    }
    case IPC_SET: {
        struct linux_shmid_ds ds;
        if (copy_in(t, buf, &ds, sizeof(ds)) < 0)
            return -EFAULT;
        if (!shm_may_change(t, s))
            return -EPERM;
        s->uid = ds.uid, s->gid = ds.gid;
        s->mode = ds.mode & 0777;
        s->ctime = now_s();
        return 0;
    }
    case IPC_RMID:
        if (!shm_may_change(t, s))
            return -EPERM;
        s->removed = true;
        s->key = IPC_PRIVATE;
        if (seg_nattch(s) == 0)
            seg_free(id % SHM_SLOTS);
        return 0;
    case SHM_LOCK:
    case SHM_UNLOCK:
        return shm_lock(t, s, cmd == SHM_LOCK);
    default:
        return -EINVAL;
    }
}
