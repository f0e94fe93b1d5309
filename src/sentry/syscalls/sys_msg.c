// SPDX-License-Identifier: Apache-2.0
/*
 * System V message queues (msgget, msgsnd, msgrcv, msgctl) of the sandbox's IPC namespace,
 * with Linux's limits (MSGMAX 8192, MSGMNB 16384) and rules: message types (0: the first;
 * > 0: that type, or any other with MSG_EXCEPT; < 0: the lowest type up to |msgtyp|),
 * MSG_NOERROR truncation or E2BIG, MSG_COPY (a copy of the message at an index, with
 * IPC_NOWAIT), IPC_NOWAIT (ENOMSG, EAGAIN), waiting senders and receivers, EIDRM when the
 * queue is removed, and raising msg_qbytes above MSGMNB only with CAP_SYS_RESOURCE.
 *
 * COMPAT: at most MSG_SLOTS (4096) queues; no /proc/sysvipc/msg.
 *
 * Locking: protected by the kernel lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include "abi/linux/errno.h"
#include "common/cleanup.h"
#include "common/list.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/sys_ipc_util.h"
#include "sentry/syscalls/syscalls.h"

#define MSG_SLOTS 4096
#define MSGMAX 8192
#define MSGMNB 16384
#define MSGMNI 32000
#define LINUX_MSG_STAT_ANY 13
#define LINUX_MSG_COPY 040000
#define LINUX_MSG_EXCEPT 020000

struct msg {
    struct list_head link;
    int64_t type;
    size_t size;
    char text[];
};

struct msg_queue {
    int refs; /* the table's while not removed, and one per waiter */
    struct ipc_perm_k perm;
    bool removed;
    struct list_head msgs; /* of struct msg, in arrival order */
    uint64_t cbytes, qnum, qbytes;
    int lspid, lrpid;
    int64_t stime, rtime, ctime;
    struct waitq wq; /* senders and receivers retry on any change */
};

static struct msg_queue *g_queues[MSG_SLOTS]; /* Protected by the kernel lock */
static uint16_t g_seq;

static int queue_id(int slot)
{
    return g_queues[slot]->perm.seq * MSG_SLOTS + slot;
}

static struct msg_queue *queue_by_id(int id)
{
    if (id < 0)
        return NULL;
    struct msg_queue *q = g_queues[id % MSG_SLOTS];
    return q && q->perm.seq == id / MSG_SLOTS ? q : NULL;
}

static void queue_unref(struct msg_queue *q)
{
    CV_BUG_ON(q->refs <= 0);
    if (--q->refs > 0)
        return;
    struct msg *m, *n;
    list_for_each_entry_safe(m, n, &q->msgs, link) free(m);
    free(q);
}

static void queue_remove(int slot)
{
    struct msg_queue *q = g_queues[slot];
    g_queues[slot] = NULL;
    q->removed = true;
    waitq_notify(&q->wq, 0);
    queue_unref(q);
}

/* Sleep until @q changes. Returns 0 to retry, -EIDRM, or -ERESTARTNOHAND on a signal (as
 * Linux: restarted only if no handler ran). */
static int queue_wait(struct task *t, struct msg_queue *q)
{
    struct waiter w = {0};
    q->refs++;
    waitq_add(&q->wq, &w, &t->ctx, 0);
    int r = task_wait(t, 0);
    waitq_remove(&w);
    bool removed = q->removed;
    queue_unref(q);
    if (removed)
        return -EIDRM;
    return r == -EINTR ? -LINUX_ERESTARTNOHAND : 0;
}

long sys_msgget(struct task *t, const struct syscall_args *a)
{
    int32_t key = arg_int(a, 0);
    int flags = arg_int(a, 1);
    if (key != IPC_PRIVATE) {
        for (int i = 0; i < MSG_SLOTS; i++) {
            struct msg_queue *q = g_queues[i];
            if (!q || q->perm.key != key)
                continue;
            if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
                return -EEXIST;
            int err = ipc_perm_check(t, &q->perm, flags);
            return err < 0 ? err : queue_id(i);
        }
        if (!(flags & IPC_CREAT))
            return -ENOENT;
    }
    int slot = 0;
    while (slot < MSG_SLOTS && g_queues[slot])
        slot++;
    if (slot == MSG_SLOTS)
        return -ENOSPC;
    struct msg_queue *q = calloc(1, sizeof(*q));
    if (!q)
        return -ENOMEM;
    q->refs = 1;
    ipc_perm_init(&q->perm, t, key, flags);
    q->perm.seq = g_seq++ % (INT32_MAX / MSG_SLOTS);
    q->qbytes = MSGMNB;
    q->ctime = ipc_now_s();
    list_init(&q->msgs);
    waitq_init(&q->wq);
    g_queues[slot] = q;
    return queue_id(slot);
}

long sys_msgsnd(struct task *t, const struct syscall_args *a)
{
    int id = arg_int(a, 0);
    gaddr_t umsg = arg_addr(a, 1);
    size_t size = arg_size(a, 2);
    int flags = arg_int(a, 3);
    if (size > MSGMAX || id < 0)
        return -EINVAL;
    int64_t type;
    if (copy_in(t, umsg, &type, sizeof(type)) < 0)
        return -EFAULT;
    if (type < 1)
        return -EINVAL;
    struct msg *m = malloc(sizeof(*m) + size);
    if (!m)
        return -ENOMEM;
    m->type = type;
    m->size = size;
    if (copy_in(t, umsg + sizeof(type), m->text, size) < 0) {
        free(m);
        return -EFAULT;
    }
    for (;;) {
        struct msg_queue *q = queue_by_id(id);
        int err = q ? ipc_perm_check(t, &q->perm, 0222) : -EINVAL;
        if (err == 0 && q->cbytes + size <= q->qbytes && q->qnum + 1 <= q->qbytes) {
            list_add_tail(&m->link, &q->msgs);
            q->cbytes += size;
            q->qnum++;
            q->lspid = t->tg->pid;
            q->stime = ipc_now_s();
            waitq_notify(&q->wq, 0);
            return 0;
        }
        if (err == 0)
            err = (flags & IPC_NOWAIT) ? -EAGAIN : queue_wait(t, q);
        if (err < 0) {
            free(m);
            return err;
        }
    }
}

/* The message @typ and @flags select in @q (Linux's find_msg), or NULL. */
static struct msg *find_msg(struct msg_queue *q, int64_t typ, int flags)
{
    struct msg *m, *best = NULL;
    int64_t i = 0;
    list_for_each_entry(m, &q->msgs, link)
    {
        if (flags & LINUX_MSG_COPY) {
            if (i++ == typ)
                return m;
        } else if (typ == 0) {
            return m;
        } else if (typ > 0) {
            if ((flags & LINUX_MSG_EXCEPT) ? m->type != typ : m->type == typ)
                return m;
        } else if (m->type <= -typ && (!best || m->type < best->type)) {
            best = m;
        }
    }
    return best;
}

long sys_msgrcv(struct task *t, const struct syscall_args *a)
{
    int id = arg_int(a, 0);
    gaddr_t umsg = arg_addr(a, 1);
    int64_t size = arg_long(a, 2);
    int64_t typ = arg_long(a, 3);
    int flags = arg_int(a, 4);
    if (size < 0 || id < 0)
        return -EINVAL;
    if ((flags & LINUX_MSG_COPY) &&
        ((flags & LINUX_MSG_EXCEPT) || !(flags & IPC_NOWAIT) || typ < 0))
        return -EINVAL;
    for (;;) {
        struct msg_queue *q = queue_by_id(id);
        if (!q)
            return -EINVAL;
        int err = ipc_perm_check(t, &q->perm, 0444);
        if (err < 0)
            return err;
        struct msg *m = find_msg(q, typ, flags);
        if (m) {
            if ((size_t)size < m->size && !(flags & MSG_NOERROR))
                return -E2BIG;
            size_t n = m->size < (size_t)size ? m->size : (size_t)size;
            if (copy_out(t, umsg, &m->type, sizeof(m->type)) < 0 ||
                copy_out(t, umsg + sizeof(m->type), m->text, n) < 0)
                return -EFAULT;
            if (!(flags & LINUX_MSG_COPY)) {
                list_del(&m->link);
                q->cbytes -= m->size;
                q->qnum--;
                q->lrpid = t->tg->pid;
                q->rtime = ipc_now_s();
                free(m);
                waitq_notify(&q->wq, 0);
            }
            return (long)n;
        }
        if (flags & IPC_NOWAIT)
            return -ENOMSG;
        if ((err = queue_wait(t, q)) < 0)
            return err;
    }
}

/* The kernel's struct msqid64_ds on x86-64. */
struct linux_msqid64_ds {
    struct linux_ipc64_perm perm;
    int64_t stime, rtime, ctime;
    uint64_t cbytes, qnum, qbytes;
    int32_t lspid, lrpid;
    uint64_t unused4, unused5;
};

struct linux_msginfo {
    int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
    uint16_t msgseg;
};

static long msg_info(struct task *t, int cmd, gaddr_t buf)
{
    struct linux_msginfo mi = {.msgpool = MSGMNI * MSGMNB / 1024,
                               .msgmap = MSGMNB,
                               .msgmax = MSGMAX,
                               .msgmnb = MSGMNB,
                               .msgmni = MSG_SLOTS,
                               .msgssz = 16,
                               .msgtql = MSGMNB,
                               .msgseg = 0xffff};
    int highest = 0, queues = 0;
    uint64_t msgs = 0, bytes = 0;
    for (int i = 0; i < MSG_SLOTS; i++) {
        if (!g_queues[i])
            continue;
        highest = i;
        queues++;
        msgs += g_queues[i]->qnum;
        bytes += g_queues[i]->cbytes;
    }
    if (cmd == MSG_INFO) { /* what is in use: queues, messages, bytes */
        mi.msgpool = queues;
        mi.msgmap = (int32_t)msgs;
        mi.msgtql = (int32_t)bytes;
    }
    return copy_out(t, buf, &mi, sizeof(mi)) < 0 ? -EFAULT : highest;
}

static long msg_stat(struct task *t, struct msg_queue *q, int cmd, gaddr_t buf)
{
    if (cmd != LINUX_MSG_STAT_ANY) {
        int err = ipc_perm_check(t, &q->perm, 0444);
        if (err < 0)
            return err;
    }
    struct linux_msqid64_ds ds = {0};
    ipc_perm_out(&q->perm, &ds.perm);
    ds.stime = q->stime;
    ds.rtime = q->rtime;
    ds.ctime = q->ctime;
    ds.cbytes = q->cbytes;
    ds.qnum = q->qnum;
    ds.qbytes = q->qbytes;
    ds.lspid = q->lspid;
    ds.lrpid = q->lrpid;
    return copy_out(t, buf, &ds, sizeof(ds)) < 0 ? -EFAULT : 0;
}

static long msg_set(struct task *t, struct msg_queue *q, gaddr_t buf)
{
    struct linux_msqid64_ds ds;
    if (copy_in(t, buf, &ds, sizeof(ds)) < 0)
        return -EFAULT;
    if (!ipc_may_change(t, &q->perm))
        return -EPERM;
    if (ds.qbytes > MSGMNB && !task_capable(t, CAP_SYS_RESOURCE))
        return -EPERM;
    ipc_perm_set(&q->perm, &ds.perm);
    q->qbytes = ds.qbytes;
    q->ctime = ipc_now_s();
    waitq_notify(&q->wq, 0); /* senders may fit now */
    return 0;
}

long sys_msgctl(struct task *t, const struct syscall_args *a)
{
    int id = arg_int(a, 0), cmd = arg_int(a, 1) & ~LINUX_IPC_64;
    gaddr_t buf = arg_addr(a, 2);
    if (cmd == IPC_INFO || cmd == MSG_INFO)
        return msg_info(t, cmd, buf);
    if (cmd == MSG_STAT || cmd == LINUX_MSG_STAT_ANY) {
        struct msg_queue *q = id >= 0 && id < MSG_SLOTS ? g_queues[id] : NULL;
        if (!q)
            return -EINVAL;
        long r = msg_stat(t, q, cmd, buf);
        return r < 0 ? r : queue_id(id);
    }
    struct msg_queue *q = queue_by_id(id);
    if (!q)
        return -EINVAL;
    switch (cmd) {
    case IPC_STAT:
        return msg_stat(t, q, cmd, buf);
    case IPC_SET:
        return msg_set(t, q, buf);
    case IPC_RMID:
        if (!ipc_may_change(t, &q->perm))
            return -EPERM;
        queue_remove(id % MSG_SLOTS);
        return 0;
    default:
        return -EINVAL;
    }
}

void sys_msg_register(void)
{
    SYSCALL_REG(LINUX_NR_msgget, SYS_SUPPORTED(msgget));
    SYSCALL_REG(LINUX_NR_msgsnd, SYS_SUPPORTED(msgsnd));
    SYSCALL_REG(LINUX_NR_msgrcv, SYS_SUPPORTED(msgrcv));
    SYSCALL_REG(LINUX_NR_msgctl, SYS_PARTIAL(msgctl, "at most 4096 queues"));
}
