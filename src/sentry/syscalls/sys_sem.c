// SPDX-License-Identifier: Apache-2.0
/*
 * System V semaphores (semget, semop, semtimedop, semctl) of the sandbox's IPC namespace,
 * with Linux's limits (SEMMSL 32000, SEMOPM 500, SEMVMX 32767, SEMAEM 32767) and rules: a
 * semop applies all its operations or none, waiting (unless IPC_NOWAIT) until it can; a
 * removed set wakes its waiters with EIDRM; SEM_UNDO adjustments are kept per process and
 * applied when its last thread exits (clamped to 0..SEMVMX), and SETVAL/SETALL clear them.
 *
 * COMPAT: at most SEM_SLOTS (4096) sets; a signal ends a wait with EINTR (never restarted,
 * as Linux); /proc/sysvipc/sem is not provided.
 *
 * Locking: protected by the kernel lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>

#include "abi/linux/stat.h"
#include "common/cleanup.h"
#include "common/list.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/sys_ipc_util.h"
#include "sentry/syscalls/syscalls.h"

#define SEM_SLOTS 4096
#define SEMMSL 32000
#define SEMMNS 1024000000
#define SEMOPM 500
#define SEMVMX 32767
#define SEMAEM SEMVMX
#define LINUX_SEM_STAT_ANY 20

struct sem {
    uint16_t val;
    int pid;        /* the last process to change it */
    int ncnt, zcnt; /* tasks waiting for an increase / for zero */
};

struct sem_set {
    int refs; /* the table's while not removed, and one per waiter */
    struct ipc_perm_k perm;
    bool removed;
    int nsems;
    int64_t otime, ctime;
    struct waitq wq; /* waiters retry on any change */
    struct sem sems[];
};

/* SEM_UNDO adjustments of one process for one set. */
struct sem_undo {
    struct list_head link;
    struct thread_group *tg; /* identity only: entries go when the group exits */
    int id;
    short adj[];
};

static struct sem_set *g_sets[SEM_SLOTS]; /* Protected by the kernel lock */
static uint16_t g_seq;
static struct list_head g_undos = {&g_undos, &g_undos}; /* of struct sem_undo */

static int set_id(int slot)
{
    return g_sets[slot]->perm.seq * SEM_SLOTS + slot;
}

static struct sem_set *set_by_id(int id)
{
    if (id < 0)
        return NULL;
    struct sem_set *s = g_sets[id % SEM_SLOTS];
    return s && s->perm.seq == id / SEM_SLOTS ? s : NULL;
}

static void set_unref(struct sem_set *s)
{
    CV_BUG_ON(s->refs <= 0);
    if (--s->refs == 0)
        free(s);
}

/* Forget every undo entry for set @id (removed, or all its adjustments cleared). */
static void undo_drop_set(int id)
{
    struct sem_undo *u, *n;
    list_for_each_entry_safe(u, n, &g_undos, link)
    {
        if (u->id == id) {
            list_del(&u->link);
            free(u);
        }
    }
}

/* Clear semaphore @num's adjustment (-1: all) of set @id in every process. */
static void undo_clear(int id, int num)
{
    if (num < 0) {
        undo_drop_set(id);
        return;
    }
    struct sem_undo *u;
    list_for_each_entry(u, &g_undos, link)
    {
        if (u->id == id)
            u->adj[num] = 0;
    }
}

static struct sem_undo *undo_find(struct thread_group *tg, int id, int nsems, bool create)
{
    struct sem_undo *u;
    list_for_each_entry(u, &g_undos, link)
    {
        if (u->tg == tg && u->id == id)
            return u;
    }
    if (!create || !(u = calloc(1, sizeof(*u) + (size_t)nsems * sizeof(short))))
        return NULL;
    u->tg = tg;
    u->id = id;
    list_add_tail(&u->link, &g_undos);
    return u;
}

static void set_remove(int slot)
{
    struct sem_set *s = g_sets[slot];
    undo_drop_set(set_id(slot));
    g_sets[slot] = NULL;
    s->removed = true;
    waitq_notify(&s->wq, 0);
    set_unref(s);
}

/* g_kernel.sem_exit: apply and drop @tg's adjustments (Linux's exit_sem). */
static void sem_exit(struct thread_group *tg)
{
    struct sem_undo *u, *n;
    list_for_each_entry_safe(u, n, &g_undos, link)
    {
        if (u->tg != tg)
            continue;
        struct sem_set *s = set_by_id(u->id);
        for (int i = 0; s && i < s->nsems; i++) {
            if (!u->adj[i])
                continue;
            int v = s->sems[i].val + u->adj[i];
            s->sems[i].val = (uint16_t)(v < 0 ? 0 : v > SEMVMX ? SEMVMX : v);
            s->sems[i].pid = tg->pid;
        }
        if (s)
            waitq_notify(&s->wq, 0);
        list_del(&u->link);
        free(u);
    }
}

long sys_semget(struct task *t, const struct syscall_args *a)
{
    int32_t key = arg_int(a, 0);
    int nsems = arg_int(a, 1);
    int flags = arg_int(a, 2);
    if (nsems < 0 || nsems > SEMMSL)
        return -EINVAL;
    if (key != IPC_PRIVATE) {
        for (int i = 0; i < SEM_SLOTS; i++) {
            struct sem_set *s = g_sets[i];
            if (!s || s->perm.key != key)
                continue;
            if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
                return -EEXIST;
            if (nsems > s->nsems)
                return -EINVAL;
            int err = ipc_perm_check(t, &s->perm, flags);
            return err < 0 ? err : set_id(i);
        }
        if (!(flags & IPC_CREAT))
            return -ENOENT;
    }
    if (nsems == 0)
        return -EINVAL;
    int slot = 0;
    while (slot < SEM_SLOTS && g_sets[slot])
        slot++;
    if (slot == SEM_SLOTS)
        return -ENOSPC;
    struct sem_set *s = calloc(1, sizeof(*s) + (size_t)nsems * sizeof(struct sem));
    if (!s)
        return -ENOMEM;
    s->refs = 1;
    ipc_perm_init(&s->perm, t, key, flags);
    s->perm.seq = g_seq++ % (INT32_MAX / SEM_SLOTS);
    s->nsems = nsems;
    s->ctime = ipc_now_s();
    waitq_init(&s->wq);
    g_sets[slot] = s;
    return set_id(slot);
}

/* Try @sops on @s: 0 when applied, or the index of the operation that must wait (>= 1, as
 * index + 1), or -ERANGE. @undo receives the adjustments when applied. */
static int sem_try(struct sem_set *s, const struct sembuf *sops, int n, struct sem_undo *undo,
                   int pid)
{
    int v[SEMOPM];
    for (int i = 0; i < n; i++) {
        int cur = s->sems[sops[i].sem_num].val;
        for (int j = 0; j < i; j++) /* earlier operations on the same semaphore */
            if (sops[j].sem_num == sops[i].sem_num)
                cur = v[j];
        int nv = cur + sops[i].sem_op;
        if (sops[i].sem_op == 0 ? cur != 0 : nv < 0)
            return i + 1;
        if (nv > SEMVMX)
            return -ERANGE;
        if ((sops[i].sem_flg & SEM_UNDO) && undo) {
            int adj = undo->adj[sops[i].sem_num] - sops[i].sem_op;
            if (adj < -SEMAEM - 1 || adj > SEMAEM)
                return -ERANGE;
        }
        v[i] = nv;
    }
    for (int i = 0; i < n; i++) {
        s->sems[sops[i].sem_num].val = (uint16_t)v[i];
        s->sems[sops[i].sem_num].pid = pid;
        if ((sops[i].sem_flg & SEM_UNDO) && undo)
            undo->adj[sops[i].sem_num] -= sops[i].sem_op;
    }
    return 0;
}

/* Wait on @s for operation @b (nothing applied yet) until something changes. Returns 0 to
 * retry, -EIDRM, -EAGAIN (timeout) or -EINTR. */
static int sem_wait_change(struct task *t, struct sem_set *s, const struct sembuf *b,
                           uint64_t deadline)
{
    struct sem *sem = &s->sems[b->sem_num];
    int *cnt = b->sem_op == 0 ? &sem->zcnt : &sem->ncnt;
    struct waiter w = {0};
    s->refs++;
    (*cnt)++;
    waitq_add(&s->wq, &w, &t->ctx, 0);
    int r = task_wait(t, deadline);
    waitq_remove(&w);
    (*cnt)--;
    bool removed = s->removed;
    set_unref(s);
    if (removed)
        return -EIDRM;
    return r == -ETIMEDOUT ? -EAGAIN : r == -EINTR ? -EINTR : 0;
}

static long do_semop(struct task *t, int id, gaddr_t usops, size_t nsops, gaddr_t uts)
{
    if (nsops < 1 || id < 0)
        return -EINVAL;
    if (nsops > SEMOPM)
        return -E2BIG;
    _cleanup_free_ struct sembuf *sops = malloc(nsops * sizeof(*sops));
    if (!sops)
        return -ENOMEM;
    if (copy_in(t, usops, sops, nsops * sizeof(*sops)) < 0)
        return -EFAULT;
    uint64_t deadline = 0;
    if (uts) {
        struct linux_timespec ts;
        if (copy_in(t, uts, &ts, sizeof(ts)) < 0)
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
            return -EINVAL;
        deadline = kernel_now_ns() + (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    }
    int max = 0;
    bool alter = false, undo = false;
    for (size_t i = 0; i < nsops; i++) {
        max = sops[i].sem_num > max ? sops[i].sem_num : max;
        alter |= sops[i].sem_op != 0;
        undo |= (sops[i].sem_flg & SEM_UNDO) != 0;
    }
    for (;;) {
        struct sem_set *s = set_by_id(id);
        if (!s)
            return -EINVAL;
        if (max >= s->nsems)
            return -EFBIG;
        int err = ipc_perm_check(t, &s->perm, alter ? 0222 : 0444);
        if (err < 0)
            return err;
        struct sem_undo *u = undo ? undo_find(t->tg, id, s->nsems, true) : NULL;
        if (undo && !u)
            return -ENOMEM;
        int r = sem_try(s, sops, (int)nsops, u, t->tg->pid);
        if (r < 0)
            return r;
        if (r == 0) {
            s->otime = ipc_now_s();
            waitq_notify(&s->wq, 0);
            return 0;
        }
        if (sops[r - 1].sem_flg & IPC_NOWAIT)
            return -EAGAIN;
        if ((err = sem_wait_change(t, s, &sops[r - 1], deadline)) < 0)
            return err;
    }
}

long sys_semop(struct task *t, const struct syscall_args *a)
{
    return do_semop(t, arg_int(a, 0), arg_addr(a, 1), arg_size(a, 2), 0);
}

long sys_semtimedop(struct task *t, const struct syscall_args *a)
{
    return do_semop(t, arg_int(a, 0), arg_addr(a, 1), arg_size(a, 2), arg_addr(a, 3));
}

/* The kernel's struct semid64_ds on x86-64. */
struct linux_semid64_ds {
    struct linux_ipc64_perm perm;
    int64_t otime;
    uint64_t unused1;
    int64_t ctime;
    uint64_t unused2;
    uint64_t nsems;
    uint64_t unused3, unused4;
};

struct linux_seminfo {
    int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

static long sem_info(struct task *t, int cmd, gaddr_t buf)
{
    struct linux_seminfo si = {.semmap = SEMMNS,
                               .semmni = SEM_SLOTS,
                               .semmns = SEMMNS,
                               .semmnu = SEMMNS,
                               .semmsl = SEMMSL,
                               .semopm = SEMOPM,
                               .semume = SEMOPM,
                               .semusz = 20,
                               .semvmx = SEMVMX,
                               .semaem = SEMAEM};
    int highest = 0, sets = 0, sems = 0;
    for (int i = 0; i < SEM_SLOTS; i++) {
        if (!g_sets[i])
            continue;
        highest = i;
        sets++;
        sems += g_sets[i]->nsems;
    }
    if (cmd == SEM_INFO) { /* what is in use: sets, and semaphores */
        si.semusz = sets;
        si.semaem = sems;
    }
    return copy_out(t, buf, &si, sizeof(si)) < 0 ? -EFAULT : highest;
}

static long sem_stat(struct task *t, struct sem_set *s, int cmd, gaddr_t buf)
{
    if (cmd != LINUX_SEM_STAT_ANY) {
        int err = ipc_perm_check(t, &s->perm, 0444);
        if (err < 0)
            return err;
    }
    struct linux_semid64_ds ds = {0};
    ipc_perm_out(&s->perm, &ds.perm);
    ds.otime = s->otime;
    ds.ctime = s->ctime;
    ds.nsems = (uint64_t)s->nsems;
    return copy_out(t, buf, &ds, sizeof(ds)) < 0 ? -EFAULT : 0;
}

static long sem_setall(struct task *t, struct sem_set *s, int id, gaddr_t arr)
{
    _cleanup_free_ uint16_t *v = malloc((size_t)s->nsems * sizeof(*v));
    if (!v)
        return -ENOMEM;
    if (copy_in(t, arr, v, (size_t)s->nsems * sizeof(*v)) < 0)
        return -EFAULT;
    for (int i = 0; i < s->nsems; i++)
        if (v[i] > SEMVMX)
            return -ERANGE;
    for (int i = 0; i < s->nsems; i++) {
        s->sems[i].val = v[i];
        s->sems[i].pid = t->tg->pid;
    }
    undo_clear(id, -1);
    s->ctime = ipc_now_s();
    waitq_notify(&s->wq, 0);
    return 0;
}

/* GETALL..SETVAL: the commands on values (Linux's semctl_main and semctl_setval). */
static long sem_values(struct task *t, struct sem_set *s, int id, int num, int cmd, uint64_t arg)
{
    if (cmd == SETVAL && (int32_t)arg > SEMVMX)
        return -ERANGE;
    if (cmd == SETVAL && (num < 0 || num >= s->nsems))
        return -EINVAL;
    int err = ipc_perm_check(t, &s->perm, (cmd == SETALL || cmd == SETVAL) ? 0222 : 0444);
    if (err < 0)
        return err;
    if (cmd == GETALL) {
        _cleanup_free_ uint16_t *v = malloc((size_t)s->nsems * sizeof(*v));
        if (!v)
            return -ENOMEM;
        for (int i = 0; i < s->nsems; i++)
            v[i] = s->sems[i].val;
        return copy_out(t, arg, v, (size_t)s->nsems * sizeof(*v)) < 0 ? -EFAULT : 0;
    }
    if (cmd == SETALL)
        return sem_setall(t, s, id, arg);
    if (num < 0 || num >= s->nsems)
        return -EINVAL;
    struct sem *sem = &s->sems[num];
    switch (cmd) {
    case GETVAL:
        return sem->val;
    case GETPID:
        return sem->pid;
    case GETNCNT:
        return sem->ncnt;
    case GETZCNT:
        return sem->zcnt;
    default: /* SETVAL */
        sem->val = (uint16_t)(int32_t)arg;
        sem->pid = t->tg->pid;
        undo_clear(id, num);
        s->ctime = ipc_now_s();
        waitq_notify(&s->wq, 0);
        return 0;
    }
}

long sys_semctl(struct task *t, const struct syscall_args *a)
{
    int id = arg_int(a, 0), num = arg_int(a, 1), cmd = arg_int(a, 2) & ~LINUX_IPC_64;
    uint64_t arg = arg_u64(a, 3);
    if (cmd == SETVAL && ((int32_t)arg < 0 || (int32_t)arg > SEMVMX))
        return -ERANGE;
    if (cmd == IPC_INFO || cmd == SEM_INFO)
        return sem_info(t, cmd, arg);
    if (cmd == SEM_STAT || cmd == LINUX_SEM_STAT_ANY) {
        struct sem_set *s = id >= 0 && id < SEM_SLOTS ? g_sets[id] : NULL;
        if (!s)
            return -EINVAL;
        long r = sem_stat(t, s, cmd, arg);
        return r < 0 ? r : set_id(id);
    }
    struct sem_set *s = set_by_id(id);
    if (!s)
        return -EINVAL;
    switch (cmd) {
    case IPC_STAT:
        return sem_stat(t, s, cmd, arg);
    case IPC_SET:
    case IPC_RMID: {
        struct linux_semid64_ds ds;
        if (cmd == IPC_SET && copy_in(t, arg, &ds, sizeof(ds)) < 0)
            return -EFAULT;
        if (!ipc_may_change(t, &s->perm))
            return -EPERM;
        if (cmd == IPC_RMID) {
            set_remove(id % SEM_SLOTS);
            return 0;
        }
        ipc_perm_set(&s->perm, &ds.perm);
        s->ctime = ipc_now_s();
        return 0;
    }
    case GETVAL:
    case GETPID:
    case GETNCNT:
    case GETZCNT:
    case GETALL:
    case SETVAL:
    case SETALL:
        return sem_values(t, s, id, num, cmd, arg);
    default:
        return -EINVAL;
    }
}

void sys_sem_register(void)
{
    g_kernel.sem_exit = sem_exit;
    SYSCALL_REG(LINUX_NR_semget, SYS_SUPPORTED(semget));
    SYSCALL_REG(LINUX_NR_semop, SYS_SUPPORTED(semop));
    SYSCALL_REG(LINUX_NR_semtimedop, SYS_SUPPORTED(semtimedop));
    SYSCALL_REG(LINUX_NR_semctl, SYS_PARTIAL(semctl, "at most 4096 sets"));
}
