// SPDX-License-Identifier: Apache-2.0
/*
 * pidfd files. Linux's pidfd_poll: readable (POLLIN) once every thread of the process has
 * exited, and POLLHUP as well once it has been reaped. Reads and writes fail with EINVAL.
 * The exit and the reaping notify tg->exit_wq (kernel/exit.c, kernel/task.c).
 */
#include "sentry/fs/anon/pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "abi/linux/stat.h"
#include "sentry/fs/anon/anon.h"
#include "sentry/fs/anon/epoll.h"
#include "sentry/kernel/task.h"
#include "sentry/vfs/file.h"

struct pidfd {
    struct thread_group *tg; /* reference held; NULL until attached */
    uint64_t ctime_ns;
};

bool pidfd_tg_reaped(const struct thread_group *tg)
{
    return list_empty(&tg->klink);
}

static ssize_t pidfd_rw(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    return -EINVAL;
}

static uint32_t pidfd_poll(struct ctx *ctx, struct file *f)
{
    struct pidfd *p = f->priv;
    if (!p->tg)
        return 0;
    if (pidfd_tg_reaped(p->tg))
        return POLLIN | POLLRDNORM | POLLHUP;
    return p->tg->zombie ? POLLIN | POLLRDNORM : 0;
}

static struct waitq *pidfd_waitq(struct file *f)
{
    struct pidfd *p = f->priv;
    return p->tg ? &p->tg->exit_wq : NULL;
}

static long pidfd_ioctl(struct ctx *ctx, struct file *f, unsigned int cmd, gaddr_t arg)
{
    return -ENOTTY;
}

static int pidfd_stat(struct ctx *ctx, struct file *f, struct linux_stat *st)
{
    struct pidfd *p = f->priv;
    anon_fill_stat(st, S_IRUSR | S_IWUSR, ANON_DEV_ANON_INODE, ANON_INODE_INO, p->ctime_ns);
    return 0;
}

static void pidfd_release(struct file *f)
{
    struct pidfd *p = f->priv;
    epoll_file_released(f);
    tg_unref(p->tg);
    free(p);
}

static const struct file_ops pidfd_ops = {
    .read = pidfd_rw,
    .write = pidfd_rw,
    .poll = pidfd_poll,
    .waitq = pidfd_waitq,
    .ioctl = pidfd_ioctl,
    .stat = pidfd_stat,
    .release = pidfd_release,
};

int pidfd_create_file(struct thread_group *tg, uint32_t flags, struct file **out)
{
    struct pidfd *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->ctime_ns = anon_realtime_ns();
    int ret =
        file_new_anon(&pidfd_ops, p, O_RDWR | (flags & O_NONBLOCK), "anon_inode:[pidfd]", out);
    if (ret < 0) {
        free(p);
        return ret;
    }
    (*out)->anon_ino = ANON_INODE_INO;
    epoll_release_aware(&pidfd_ops);
    if (tg)
        p->tg = tg_ref(tg);
    return 0;
}

void pidfd_file_attach(struct file *f, struct thread_group *tg)
{
    struct pidfd *p = f->priv;
    p->tg = tg_ref(tg);
}

bool file_is_pidfd(const struct file *f)
{
    return f->ops == &pidfd_ops;
}

struct thread_group *pidfd_tg(const struct file *f)
{
    const struct pidfd *p = f->priv;
    return p->tg;
}

int pidfd_fdinfo_pid(const struct file *f)
{
    const struct thread_group *tg = pidfd_tg(f);
    return tg && !pidfd_tg_reaped(tg) ? tg->pid : -1;
}
