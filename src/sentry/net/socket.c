// SPDX-License-Identifier: Apache-2.0
/* The file side of sockets (socket.h): read/write/poll/ioctl/stat of any socket file go to
 * its family's socket_ops. */
#include "sentry/net/socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "abi/linux/stat.h"
#include "sentry/fs/anon/anon.h"
#include "sentry/fs/anon/epoll.h"
#include "sentry/memmap/uio.h"
#include "sentry/vfs/file.h"

static const struct file_ops socket_file_ops;

void socket_init(struct socket *s, const struct socket_ops *ops, int family, int type,
                 int protocol)
{
    s->ops = ops;
    s->family = family;
    s->type = type;
    s->protocol = protocol;
    s->ino = anon_ino_alloc();
    s->ctime_ns = anon_realtime_ns();
}

struct socket *socket_from_file(const struct file *f)
{
    return f->ops == &socket_file_ops ? f->priv : NULL;
}

static ssize_t socket_read(struct task *t, struct file *f, struct uio *u, int64_t *pos)
{
    struct socket *s = f->priv;
    struct sock_rmsg m = {.data = u};
    return s->ops->recvmsg(t, s, &m, f->flags & O_NONBLOCK);
}

static ssize_t socket_write(struct task *t, struct file *f, struct uio *u, int64_t *pos)
{
    struct socket *s = f->priv;
    struct sock_msg m = {.data = u};
    return s->ops->sendmsg(t, s, &m, f->flags & O_NONBLOCK);
}

static uint32_t socket_poll(struct task *t, struct file *f)
{
    struct socket *s = f->priv;
    return s->ops->poll(s);
}

static struct waitq *socket_waitq(struct file *f)
{
    struct socket *s = f->priv;
    return s->ops->waitq(s);
}

static long socket_ioctl(struct task *t, struct file *f, unsigned int cmd, gaddr_t arg)
{
    struct socket *s = f->priv;
    return s->ops->ioctl ? s->ops->ioctl(t, s, cmd, arg) : -ENOTTY;
}

static int socket_stat(struct task *t, struct file *f, struct linux_stat *st)
{
    struct socket *s = f->priv;
    anon_fill_stat(st, S_IFSOCK | 0777, ANON_DEV_SOCKFS, s->ino, s->ctime_ns);
    return 0;
}

static void socket_release(struct file *f)
{
    struct socket *s = f->priv;
    epoll_file_released(f);
    s->ops->release(s);
}

static const struct file_ops socket_file_ops = {
    .read = socket_read,
    .write = socket_write,
    .poll = socket_poll,
    .waitq = socket_waitq,
    .ioctl = socket_ioctl,
    .stat = socket_stat,
    .release = socket_release,
};

int socket_file_new(struct socket *s, uint32_t flags, struct file **out)
{
    char name[40];
    snprintf(name, sizeof(name), "socket:[%llu]", (unsigned long long)s->ino);
    int ret = file_new_anon(&socket_file_ops, s, O_RDWR | (flags & O_NONBLOCK), name, out);
    if (ret < 0) {
        s->ops->release(s);
        return ret;
    }
    (*out)->anon_ino = s->ino;
    epoll_release_aware(&socket_file_ops);
    return 0;
}
