// SPDX-License-Identifier: Apache-2.0
/* The file side of sockets (socket.h): read/write/poll/ioctl/stat of any socket file go to
 * its family's socket_ops. */
#include "sentry/net/socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include <string.h>
#include <time.h>

#include "abi/linux/stat.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/memmap/uio.h"
#include "sentry/net/inet.h"
#include "sentry/vfs/file.h"

#define SOCKFS_DEV 0x08ull /* anonymous device 0:8, as Linux's sockfs */

static const struct file_ops socket_file_ops;
static uint64_t g_next_sock_ino = 1 << 20;     /* Protected by the kernel lock */
static void (*g_release_hook)(struct file *f); /* Written once at boot */

void socket_set_release_hook(void (*hook)(struct file *f))
{
    g_release_hook = hook;
}

const struct file_ops *socket_get_file_ops(void)
{
    return &socket_file_ops;
}

/* The option's value as Linux's 64-bit struct timeval. */
struct linux_timeval_opt {
    int64_t tv_sec;
    int64_t tv_usec;
};

int socket_timeout_set(uint64_t *timeo_ns, const void *val, int len)
{
    struct linux_timeval_opt tv;
    if (len < (int)sizeof(tv))
        return -EINVAL;
    memcpy(&tv, val, sizeof(tv));
    if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        return -EDOM;
    if (tv.tv_sec < 0) {
        *timeo_ns = 0;
        return 0;
    }
    *timeo_ns = (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
    return 0;
}

void socket_timeout_get(uint64_t ns, void *val, int *len)
{
    struct linux_timeval_opt tv = {(int64_t)(ns / 1000000000ull),
                                   (int64_t)(ns % 1000000000ull / 1000)};
    memcpy(val, &tv, sizeof(tv));
    *len = sizeof(tv);
}

void socket_init(struct socket *s, const struct socket_ops *ops, int family, int type, int protocol)
{
    s->ops = ops;
    s->family = family;
    s->type = type;
    s->protocol = protocol;
    s->ino = g_next_sock_ino++;
    s->ctime_ns = kernel_realtime_ns();
}

struct socket *socket_from_file(const struct file *f)
{
    return f->ops == &socket_file_ops ? f->priv : NULL;
}

static ssize_t socket_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct task *t = task_from_ctx(ctx);
    struct socket *s = f->priv;
    struct sock_rmsg m = {.data = u};
    return s->ops->recvmsg(t, s, &m, f->flags & O_NONBLOCK);
}

static ssize_t socket_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct task *t = task_from_ctx(ctx);
    struct socket *s = f->priv;
    struct sock_msg m = {.data = u};
    return s->ops->sendmsg(t, s, &m, f->flags & O_NONBLOCK);
}

static uint32_t socket_poll(struct ctx *ctx, struct file *f)
{
    struct socket *s = f->priv;
    return s->ops->poll(s);
}

static struct waitq *socket_waitq(struct file *f)
{
    struct socket *s = f->priv;
    return s->ops->waitq(s);
}

static long socket_ioctl(struct ctx *ctx, struct file *f, unsigned int cmd, gaddr_t arg)
{
    struct socket *s = f->priv;
    long ret = s->ops->ioctl ? s->ops->ioctl(task_from_ctx(ctx), s, cmd, arg) : -ENOTTY;
    /* Linux answers the interface requests (SIOCGIF*) on sockets of every family; glibc's
     * if_nametoindex asks an AF_UNIX socket. */
    return ret == -ENOTTY ? inet_ifreq_ioctl(task_from_ctx(ctx), cmd, arg) : ret;
}

static int socket_stat(struct ctx *ctx, struct file *f, struct linux_stat *st)
{
    struct socket *s = f->priv;
    memset(st, 0, sizeof(*st));
    st->st_dev = SOCKFS_DEV;
    st->st_ino = s->ino;
    st->st_nlink = 1;
    st->st_mode = S_IFSOCK | 0777;
    st->st_blksize = 4096;
    struct linux_timespec ts = {(int64_t)(s->ctime_ns / 1000000000ull),
                                (int64_t)(s->ctime_ns % 1000000000ull)};
    st->st_atim = st->st_mtim = st->st_ctim = ts;
    return 0;
}

static void socket_release(struct file *f)
{
    struct socket *s = f->priv;
    if (g_release_hook)
        g_release_hook(f);
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
    return 0;
}
