// SPDX-License-Identifier: Apache-2.0
/*
 * signalfd(2) files. As on Linux, a read takes the signals of the *reading* thread (its own
 * pending set, then its process's), whoever created the file; poll and blocking reads wait on
 * the reader's thread group signalfd waitq, which signal_send_task/signal_send_tg notify.
 * Blocking is done by the generic vfs_read on -EAGAIN.
 */
#include "sentry/fs/anon/signalfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "abi/linux/stat.h"
#include "sentry/fs/anon/anon.h"
#include "sentry/fs/anon/epoll.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/kernel/task.h"
#include "sentry/vfs/file.h"

struct signalfd {
    linux_sigset_t mask;
    uint64_t ctime_ns;
};

/* struct signalfd_siginfo: 128 bytes. */
struct linux_signalfd_siginfo {
    uint32_t signo;
    int32_t errno_;
    int32_t code;
    uint32_t pid;
    uint32_t uid;
    int32_t fd;
    uint32_t tid;
    uint32_t band;
    uint32_t overrun;
    uint32_t trapno;
    int32_t status;
    int32_t int_;
    uint64_t ptr;
    uint64_t utime;
    uint64_t stime;
    uint64_t addr;
    uint16_t addr_lsb;
    uint16_t pad2;
    int32_t syscall;
    uint64_t call_addr;
    uint32_t arch;
    uint8_t pad[28];
};
_Static_assert(sizeof(struct linux_signalfd_siginfo) == 128, "signalfd_siginfo is 128 bytes");

static const struct file_ops signalfd_ops;

#define UNBLOCKABLE (LINUX_SIGBIT(LINUX_SIGKILL) | LINUX_SIGBIT(LINUX_SIGSTOP))

static bool is_fault_signal(int sig)
{
    return sig != LINUX_SIGSYS && (SIGNAL_SYNCHRONOUS_MASK & LINUX_SIGBIT(sig));
}

/* Linux's signalfd_copyinfo: the fields of the siginfo's layout, by kind. */
static void to_ssi(const struct linux_siginfo *in, struct linux_signalfd_siginfo *out)
{
    memset(out, 0, sizeof(*out));
    out->signo = (uint32_t)in->signo;
    out->errno_ = in->errno_;
    out->code = in->code;
    if (in->code == LINUX_SI_TIMER) {
        out->tid = (uint32_t)in->timer.tid;
        out->overrun = (uint32_t)in->timer.overrun;
        out->ptr = in->timer.value;
        out->int_ = (int32_t)in->timer.value;
    } else if (in->signo == LINUX_SIGCHLD && in->code > 0) {
        out->pid = (uint32_t)in->chld.pid;
        out->uid = in->chld.uid;
        out->status = in->chld.status;
        out->utime = (uint64_t)in->chld.utime;
        out->stime = (uint64_t)in->chld.stime;
    } else if (is_fault_signal(in->signo) && in->code > 0) {
        out->addr = in->fault.addr;
    } else if (in->signo == LINUX_SIGSYS && in->code == 1 /* SYS_SECCOMP */) {
        out->call_addr = in->sys.call_addr;
        out->syscall = in->sys.syscall;
        out->arch = in->sys.arch;
    } else if (in->signo == LINUX_SIGIO && in->code > 0) {
        out->band = (uint32_t)in->poll.band;
        out->fd = in->poll.fd;
    } else { /* kill, tkill, sigqueue */
        out->pid = (uint32_t)in->kill.pid;
        out->uid = in->kill.uid;
        out->ptr = in->kill.value;
        out->int_ = (int32_t)in->kill.value;
    }
}

static ssize_t signalfd_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct task *t = task_from_ctx(ctx);
    struct signalfd *s = f->priv;
    if (uio_remaining(u) < sizeof(struct linux_signalfd_siginfo))
        return -EINVAL;
    ssize_t total = 0;
    while (uio_remaining(u) >= sizeof(struct linux_signalfd_siginfo)) {
        struct linux_siginfo info;
        if (sigpending_dequeue(&t->pending, s->mask, &info) <= 0 &&
            sigpending_dequeue(&t->tg->shared_pending, s->mask, &info) <= 0)
            break;
        struct linux_signalfd_siginfo ssi;
        to_ssi(&info, &ssi);
        if (uio_copy_to(u, &ssi, sizeof(ssi)) != sizeof(ssi))
            return total ? total : -EFAULT;
        total += (ssize_t)sizeof(ssi);
    }
    return total ? total : -EAGAIN;
}

static uint32_t signalfd_poll(struct ctx *ctx, struct file *f)
{
    struct task *t = task_from_ctx(ctx);
    struct signalfd *s = f->priv;
    return ((t->pending.set | t->tg->shared_pending.set) & s->mask) ? POLLIN | POLLRDNORM : 0;
}

static struct waitq *signalfd_waitq(struct file *f)
{
    return g_current ? &g_current->tg->signalfd_wq : NULL;
}

static long signalfd_ioctl(struct ctx *ctx, struct file *f, unsigned int cmd, gaddr_t arg)
{
    return -ENOTTY;
}

static int signalfd_stat(struct ctx *ctx, struct file *f, struct linux_stat *st)
{
    struct signalfd *s = f->priv;
    anon_fill_stat(st, S_IRUSR | S_IWUSR, ANON_DEV_ANON_INODE, ANON_INODE_INO, s->ctime_ns);
    return 0;
}

static void signalfd_release(struct file *f)
{
    epoll_file_released(f);
    free(f->priv);
}

static const struct file_ops signalfd_ops = {
    .read = signalfd_read,
    .poll = signalfd_poll,
    .waitq = signalfd_waitq,
    .ioctl = signalfd_ioctl,
    .stat = signalfd_stat,
    .release = signalfd_release,
};

int signalfd_create_file(linux_sigset_t mask, uint32_t flags, struct file **out)
{
    struct signalfd *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->mask = mask & ~UNBLOCKABLE;
    s->ctime_ns = anon_realtime_ns();
    int ret = file_new_anon(&signalfd_ops, s, O_RDWR | (flags & O_NONBLOCK),
                            "anon_inode:[signalfd]", out);
    if (ret < 0)
        free(s);
    return ret;
}

bool signalfd_is(const struct file *f)
{
    return f->ops == &signalfd_ops;
}

void signalfd_set_mask(struct file *f, linux_sigset_t mask)
{
    struct signalfd *s = f->priv;
    s->mask = mask & ~UNBLOCKABLE;
}
