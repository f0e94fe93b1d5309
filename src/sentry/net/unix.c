// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX sockets (unix.h): life cycle, names, bind/connect/listen/accept, shutdown,
 * options and readiness. Data transfer is in unix_io.c and the receive queue in
 * unix_queue.c.
 *
 * Names: a path name is a socket inode in the filesystem, as on Linux. bind makes it
 * (mode 0777 less the umask, EADDRINUSE if the name exists) and the socket holds it; connect
 * walks the path, needs write permission on the inode and finds the socket bound to it.
 * The inode outlives the socket (connect then gives ECONNREFUSED) until it is unlinked, and
 * a socket whose inode was unlinked or renamed is found under the new name only. Abstract
 * names live in a Sentry-internal table and go with the socket.
 */
#include "sentry/net/unix.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "abi/linux/errno.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/net/unix_internal.h"
#include "sentry/vfs/vfs.h"
#include "sentry/vfs/vfs_ops.h"

#define LINUX_SIOCINQ 0x541Bu
#define LINUX_SIOCOUTQ 0x5411u
#define LINUX_SOMAXCONN 4096

static struct list_head g_unix_names = LIST_HEAD_INIT(g_unix_names); /* kernel lock */
static unsigned g_autobind_next;                                      /* kernel lock */

static const struct socket_ops unix_ops;

/* ---- references and life cycle ---------------------------------------------------------- */

void unix_sock_ref(struct unix_sock *u)
{
    u->refs++;
}

void unix_sock_unref(struct unix_sock *u)
{
    CV_BUG_ON(u->refs <= 0);
    if (--u->refs > 0)
        return;
    unix_purge_queue(u);
    if (u->inode)
        vfs_unbind_socket(u->inode);
    free(u->name);
    free(u);
}

struct unix_cred unix_task_cred(struct task *t)
{
    const struct cred *cr = task_cred(t);
    struct unix_cred c = {.pid = t->tg ? t->tg->pid : 0, .uid = cr->uid, .gid = cr->gid};
    return c;
}

struct unix_cred unix_task_peercred(struct task *t)
{
    const struct cred *cr = task_cred(t);
    struct unix_cred c = {.pid = t->tg ? t->tg->pid : 0, .uid = cr->euid, .gid = cr->egid};
    return c;
}

static struct unix_sock *unix_sock_alloc(int type)
{
    struct unix_sock *u = calloc(1, sizeof(*u));
    if (!u)
        return NULL;
    socket_init(&u->sock, &unix_ops, AF_UNIX, type, 0);
    u->refs = 1;
    unix_queue_init(&u->rcvq);
    u->sndbuf = UNIX_DEFAULT_BUF;
    u->rcvbuf = UNIX_DEFAULT_BUF;
    u->opt_rcvlowat = 1;
    waitq_init(&u->wq);
    list_init(&u->name_link);
    list_init(&u->acceptq);
    list_init(&u->accept_link);
    return u;
}

int unix_socket_create(struct task *t, int type, struct socket **out)
{
    struct unix_sock *u = unix_sock_alloc(type);
    if (!u)
        return -ENOMEM;
    *out = &u->sock;
    return 0;
}

/* Connect @a and @b to each other (each holds a reference on the other). */
static void unix_link_pair(struct task *t, struct unix_sock *a, struct unix_sock *b)
{
    a->peer = b;
    unix_sock_ref(b);
    b->peer = a;
    unix_sock_ref(a);
    a->state = b->state = UNIX_CONNECTED;
}

int unix_socket_pair(struct task *t, int type, struct socket **a, struct socket **b)
{
    struct unix_sock *ua = unix_sock_alloc(type);
    struct unix_sock *ub = unix_sock_alloc(type);
    if (!ua || !ub) {
        free(ua);
        free(ub);
        return -ENOMEM;
    }
    unix_link_pair(t, ua, ub);
    ua->peercred = ub->peercred = unix_task_peercred(t); /* both ends are the caller's */
    ua->has_peercred = ub->has_peercred = true;
    *a = &ua->sock;
    *b = &ub->sock;
    return 0;
}

static void unix_unbind(struct unix_sock *u)
{
    list_del(&u->name_link);
    if (u->inode) {
        vfs_unbind_socket(u->inode);
        u->inode = NULL;
    }
}

/* The socket is closed: tell the peer, drop the queues and the name. */
static void unix_close(struct unix_sock *u, bool embryo)
{
    u->dead = true;
    u->shutdown = UNIX_SHUTDOWN_MASK;
    unix_unbind(u);
    struct unix_sock *peer = u->peer;
    if (peer) {
        if (u->sock.type != SOCK_DGRAM) {
            peer->shutdown = UNIX_SHUTDOWN_MASK;
            if (u->rcvq.count > 0 || embryo)
                peer->err = ECONNRESET;
        }
        u->peer = NULL;
        waitq_notify(&peer->wq, 0);
        unix_sock_unref(peer);
    }
    unix_purge_queue(u);
    while (!list_empty(&u->acceptq)) {
        struct unix_sock *e = list_first_entry(&u->acceptq, struct unix_sock, accept_link);
        list_del(&e->accept_link);
        u->acc_len--;
        unix_close(e, true);
        unix_sock_unref(e);
    }
    waitq_notify(&u->wq, 0);
}

static void unix_release(struct socket *s)
{
    struct unix_sock *u = unix_sk(s);
    unix_close(u, false);
    unix_sock_unref(u);
}

/* ---- waiting ---------------------------------------------------------------------------- */

uint64_t unix_deadline(uint64_t timeo_ns)
{
    return timeo_ns ? kernel_now_ns() + timeo_ns : 0;
}

int unix_wait(struct task *t, struct unix_sock *u, struct waiter *w, uint64_t deadline_ns)
{
    if (!w->q)
        waitq_add(&u->wq, w, &t->ctx, 0);
    return task_wait(t, deadline_ns);
}

/* ---- names ------------------------------------------------------------------------------ */

/* Append the normalised components of @path to @out (which holds an absolute path). */
static int path_normalize(const char *path, char *out, size_t size)
{
    size_t len = strlen(out);
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *end = strchrnul(p, '/');
        size_t n = (size_t)(end - p);
        if (n == 0)
            break;
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (len > 1 && out[len - 1] != '/')
                len--;
            if (len > 1)
                len--;
            out[len] = '\0';
        } else if (!(n == 1 && p[0] == '.')) {
            if (len + 1 + n + 1 > size)
                return -ENAMETOOLONG;
            if (len > 1)
                out[len++] = '/';
            memcpy(out + len, p, n);
            len += n;
            out[len] = '\0';
        }
        p = end;
    }
    return (int)len;
}

/* Parse a sockaddr_un into @nm (address as getsockname shows it + lookup key).
 * Returns 0, -EINVAL, or 1 for "family only" (autobind). */
static int unix_parse_name(struct task *t, const void *addr, int addrlen, struct unix_name *nm)
{
    const uint8_t *a = addr;
    if (addrlen < 2 || addrlen > UNIX_ADDR_MAX)
        return -EINVAL;
    uint16_t family;
    memcpy(&family, a, 2);
    if (family != AF_UNIX)
        return -EINVAL;
    if (addrlen == 2)
        return 1;
    memset(nm, 0, sizeof(*nm));
    if (a[2] == '\0') { /* abstract: every byte counts */
        memcpy(nm->addr, a, (size_t)addrlen);
        nm->addrlen = addrlen;
        memcpy(nm->key, a + 2, (size_t)addrlen - 2);
        nm->keylen = addrlen - 2;
        return 0;
    }
    char path[UNIX_ADDR_MAX];
    size_t plen = strnlen((const char *)a + 2, (size_t)addrlen - 2);
    memcpy(path, a + 2, plen);
    path[plen] = '\0';
    memcpy(nm->addr, a, 2 + plen);
    nm->addrlen = (int)(2 + plen + 1); /* Linux reports the path with its NUL */
    if (path[0] == '/') {
        strcpy(nm->key, "/");
    } else {
        int n = vfs_getcwd(&t->ctx, nm->key, 4096);
        if (n < 0)
            return n;
    }
    int n = path_normalize(path, nm->key, sizeof(nm->key));
    if (n < 0)
        return n;
    nm->keylen = n;
    return 0;
}

static struct unix_sock *unix_find_name(const struct unix_name *nm)
{
    struct unix_sock *u;
    list_for_each_entry(u, &g_unix_names, name_link)
    {
        if (u->name->keylen == nm->keylen && !memcmp(u->name->key, nm->key, (size_t)nm->keylen))
            return u;
    }
    return NULL;
}

struct unix_sock *unix_lookup(struct task *t, const void *addr, int addrlen, int *err)
{
    struct unix_name nm;
    int r = unix_parse_name(t, addr, addrlen, &nm);
    if (r != 0) {
        *err = -EINVAL;
        return NULL;
    }
    if (nm.key[0] == '\0') {
        struct unix_sock *u = unix_find_name(&nm);
        if (!u)
            *err = -ECONNREFUSED;
        return u;
    }
    /* The socket bound to the socket inode at the path: the walk's error, EACCES without
     * write permission, ECONNREFUSED for any other file or an inode nobody is bound to. */
    void *sock = NULL;
    r = vfs_find_socket(&t->ctx, NULL, (const char *)nm.addr + 2, &sock);
    if (r < 0) {
        *err = r;
        return NULL;
    }
    return sock;
}

/* Pick a free abstract name "\0XXXXX" as Linux's autobind. */
static int unix_autoname(struct unix_name *nm)
{
    for (int tries = 0; tries < 0x100000; tries++) {
        memset(nm, 0, sizeof(*nm));
        uint16_t family = AF_UNIX;
        memcpy(nm->addr, &family, 2);
        snprintf((char *)nm->addr + 3, 6, "%05x", g_autobind_next++ & 0xfffff);
        nm->addrlen = 8;
        memcpy(nm->key, nm->addr + 2, 6);
        nm->keylen = 6;
        if (!unix_find_name(nm))
            return 0;
    }
    return -ENOSPC;
}

static int unix_bind(struct task *t, struct socket *s, const void *addr, int addrlen)
{
    struct unix_sock *u = unix_sk(s);
    struct unix_name *nm = calloc(1, sizeof(*nm));
    if (!nm)
        return -ENOMEM;
    int r = unix_parse_name(t, addr, addrlen, nm);
    bool path = r == 0 && nm->key[0] != '\0';
    if (r == 1)
        r = unix_autoname(nm);
    if (r == 0 && path) {
        /* Linux makes the inode first (EADDRINUSE on any existing name), then finds the
         * socket already bound (EINVAL) and removes the inode again. */
        struct inode *inode = NULL;
        r = vfs_bind_socket(&t->ctx, NULL, (const char *)nm->addr + 2, u, &inode);
        if (r == 0 && u->name) {
            vfs_unlinkat(&t->ctx, NULL, (const char *)nm->addr + 2, 0);
            vfs_unbind_socket(inode);
            r = -EINVAL;
        } else if (r == 0) {
            u->inode = inode;
        }
    } else if (r == 0) {
        if (u->name)
            r = -EINVAL; /* already bound */
        else if (unix_find_name(nm))
            r = -EADDRINUSE;
        if (r == 0)
            list_add_tail(&u->name_link, &g_unix_names);
    }
    if (r < 0) {
        free(nm);
        return r;
    }
    u->name = nm;
    return 0;
}

static int unix_getname(struct task *t, struct socket *s, bool peer, void *addr, int *addrlen)
{
    struct unix_sock *u = unix_sk(s);
    if (peer) {
        if (!u->peer || u->state != UNIX_CONNECTED)
            return -ENOTCONN;
        u = u->peer;
    }
    if (u->name) {
        memcpy(addr, u->name->addr, (size_t)u->name->addrlen);
        *addrlen = u->name->addrlen;
    } else {
        uint16_t family = AF_UNIX;
        memcpy(addr, &family, 2);
        *addrlen = 2;
    }
    return 0;
}

/* ---- connections ------------------------------------------------------------------------ */

/* Wait for room in @l's accept queue. Returns 0 or -errno. */
static int unix_wait_backlog(struct task *t, struct unix_sock *l, bool nonblock,
                             uint64_t deadline)
{
    struct waiter w = {0};
    int ret = 0;
    while (l->acc_len >= l->backlog && !l->dead && l->state == UNIX_LISTENING) {
        if (nonblock) {
            ret = -EAGAIN;
            break;
        }
        if (!w.q)
            waitq_add(&l->wq, &w, &t->ctx, 0);
        int r = task_wait(t, deadline);
        if (r == -EINTR) {
            ret = -LINUX_ERESTARTSYS;
            break;
        }
        if (r == -ETIMEDOUT) {
            ret = -EAGAIN;
            break;
        }
    }
    waitq_remove(&w);
    if (ret == 0 && (l->dead || l->state != UNIX_LISTENING))
        ret = -ECONNREFUSED;
    return ret;
}

static int unix_connect_stream(struct task *t, struct unix_sock *u, struct unix_sock *l,
                               bool nonblock)
{
    if (u->state == UNIX_CONNECTED)
        return -EISCONN;
    if (u->state == UNIX_LISTENING)
        return -EINVAL;
    if (l->sock.type != u->sock.type)
        return -EPROTOTYPE;
    if (l->state != UNIX_LISTENING)
        return -ECONNREFUSED;

    unix_sock_ref(l);
    int ret = unix_wait_backlog(t, l, nonblock, unix_deadline(u->sndtimeo_ns));
    if (ret == 0 && u->state != UNIX_UNCONNECTED)
        ret = -EISCONN; /* another thread connected meanwhile */
    struct unix_sock *e = NULL;
    if (ret == 0) {
        e = unix_sock_alloc(u->sock.type);
        if (!e)
            ret = -ENOMEM;
    }
    if (ret == 0) {
        unix_link_pair(t, u, e);
        /* As Linux: the accepted end reports the connecting task, the connecting end the
         * listener as it was at listen(). */
        e->peercred = unix_task_peercred(t);
        e->has_peercred = true;
        u->peercred = l->peercred;
        u->has_peercred = l->has_peercred;
        /* The accepted socket is named like the listener. */
        if (l->name) {
            e->name = malloc(sizeof(*e->name));
            if (e->name) {
                *e->name = *l->name;
                e->name->keylen = -1; /* not in the table: never matches a lookup */
            }
        }
        list_add_tail(&e->accept_link, &l->acceptq); /* the queue owns e's reference */
        l->acc_len++;
        waitq_notify(&l->wq, POLLIN | POLLRDNORM);
    }
    unix_sock_unref(l);
    return ret;
}

static int unix_connect_dgram(struct task *t, struct unix_sock *u, const void *addr,
                              int addrlen)
{
    uint16_t family = 0;
    if (addrlen >= 2)
        memcpy(&family, addr, 2);
    if (addrlen >= 2 && family == AF_UNSPEC) { /* dissolve the association */
        if (u->peer) {
            unix_sock_unref(u->peer);
            u->peer = NULL;
        }
        u->state = UNIX_UNCONNECTED;
        return 0;
    }
    int err;
    struct unix_sock *target = unix_lookup(t, addr, addrlen, &err);
    if (!target)
        return err;
    if (target->sock.type != u->sock.type)
        return -EPROTOTYPE;
    if (u->peer)
        unix_sock_unref(u->peer);
    u->peer = target;
    unix_sock_ref(target);
    u->state = UNIX_CONNECTED; /* a datagram association sets no SO_PEERCRED (Linux) */
    return 0;
}

static int unix_connect(struct task *t, struct socket *s, const void *addr, int addrlen,
                        bool nonblock)
{
    struct unix_sock *u = unix_sk(s);
    if (s->type == SOCK_DGRAM)
        return unix_connect_dgram(t, u, addr, addrlen);
    int err;
    struct unix_sock *l = unix_lookup(t, addr, addrlen, &err);
    if (!l)
        return err;
    return unix_connect_stream(t, u, l, nonblock);
}

static int unix_listen(struct task *t, struct socket *s, int backlog)
{
    struct unix_sock *u = unix_sk(s);
    if (s->type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    if (!u->name || u->state == UNIX_CONNECTED)
        return -EINVAL;
    if ((unsigned)backlog > LINUX_SOMAXCONN)
        backlog = LINUX_SOMAXCONN;
    u->backlog = backlog;
    u->state = UNIX_LISTENING;
    u->peercred = unix_task_peercred(t); /* what connecting sockets will report */
    u->has_peercred = true;
    waitq_notify(&u->wq, POLLOUT); /* a larger backlog may admit waiting connects */
    return 0;
}

static int unix_accept(struct task *t, struct socket *s, bool nonblock, struct socket **out)
{
    struct unix_sock *u = unix_sk(s);
    struct waiter w = {0};
    uint64_t deadline = unix_deadline(u->rcvtimeo_ns);
    int ret = 0;
    if (u->state != UNIX_LISTENING)
        return -EINVAL;
    while (list_empty(&u->acceptq)) {
        if (nonblock) {
            ret = -EAGAIN;
            break;
        }
        int r = unix_wait(t, u, &w, deadline);
        if (r == -EINTR) {
            ret = -LINUX_ERESTARTSYS;
            break;
        }
        if (r == -ETIMEDOUT) {
            ret = -EAGAIN;
            break;
        }
        if (u->state != UNIX_LISTENING) {
            ret = -EINVAL;
            break;
        }
    }
    waitq_remove(&w);
    if (ret < 0)
        return ret;
    struct unix_sock *e = list_first_entry(&u->acceptq, struct unix_sock, accept_link);
    list_del(&e->accept_link);
    u->acc_len--;
    waitq_notify(&u->wq, POLLOUT); /* room for a waiting connect */
    *out = &e->sock;               /* the queue's reference moves to the caller */
    return 0;
}

static int unix_shutdown(struct task *t, struct socket *s, int how)
{
    struct unix_sock *u = unix_sk(s);
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    int mode = how + 1; /* SHUT_RD -> RCV, SHUT_WR -> SEND, SHUT_RDWR -> both */
    u->shutdown |= mode;
    waitq_notify(&u->wq, 0);
    struct unix_sock *peer = u->peer;
    if (peer && s->type != SOCK_DGRAM) {
        int peer_mode = 0;
        if (mode & UNIX_RCV_SHUTDOWN)
            peer_mode |= UNIX_SEND_SHUTDOWN;
        if (mode & UNIX_SEND_SHUTDOWN)
            peer_mode |= UNIX_RCV_SHUTDOWN;
        peer->shutdown |= peer_mode;
        waitq_notify(&peer->wq, 0);
    }
    return 0;
}

/* ---- readiness and ioctl ---------------------------------------------------------------- */

static bool unix_writable(const struct unix_sock *u)
{
    return u->state != UNIX_LISTENING && u->wmem * 4 <= (size_t)u->sndbuf;
}

static uint32_t unix_poll(struct socket *s)
{
    struct unix_sock *u = unix_sk(s);
    uint32_t mask = 0;
    if (u->err)
        mask |= POLLERR;
    if (u->shutdown == UNIX_SHUTDOWN_MASK)
        mask |= POLLHUP;
    if (u->shutdown & UNIX_RCV_SHUTDOWN)
        mask |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (u->rcvq.count > 0 || u->acc_len > 0)
        mask |= POLLIN | POLLRDNORM;
    if (s->type != SOCK_DGRAM && u->state == UNIX_UNCONNECTED)
        mask |= POLLHUP;
    bool writable = unix_writable(u);
    if (s->type == SOCK_DGRAM && u->peer && u->peer->peer != u &&
        u->peer->rcvq.count >= UNIX_MAX_DGRAM_QLEN)
        writable = false;
    if (writable)
        mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return mask;
}

static struct waitq *unix_waitq(struct socket *s)
{
    return &unix_sk(s)->wq;
}

static long unix_ioctl(struct task *t, struct socket *s, unsigned int cmd, gaddr_t arg)
{
    struct unix_sock *u = unix_sk(s);
    int v;
    switch (cmd) {
    case LINUX_SIOCINQ:
        if (u->state == UNIX_LISTENING)
            return -EINVAL;
        if (s->type == SOCK_STREAM) {
            v = (int)u->rcvq.bytes;
        } else {
            struct unix_msg *m = unix_queue_head(&u->rcvq);
            v = m ? (int)m->size : 0;
        }
        return copy_out(t, arg, &v, sizeof(v));
    case LINUX_SIOCOUTQ:
        v = (int)u->wmem;
        return copy_out(t, arg, &v, sizeof(v));
    default:
        return -ENOTTY;
    }
}

/* ---- options ---------------------------------------------------------------------------- */

static int unix_setsockopt(struct task *t, struct socket *s, int level, int name,
                           const void *val, int len)
{
    struct unix_sock *u = unix_sk(s);
    if (level != SOL_SOCKET)
        return -EOPNOTSUPP;
    if (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD)
        return socket_timeout_set(name == SO_RCVTIMEO_OLD ? &u->rcvtimeo_ns : &u->sndtimeo_ns,
                               val, len);
    if (len < (int)sizeof(int))
        return -EINVAL;
    int v;
    memcpy(&v, val, sizeof(v));
    switch (name) {
    case SO_SNDBUF:
    case SO_SNDBUFFORCE: {
        unsigned uv = (unsigned)v > UNIX_MAX_BUF ? UNIX_MAX_BUF : (unsigned)v;
        u->sndbuf = (int)MAX(uv * 2, UNIX_MIN_SNDBUF);
        waitq_notify(&u->wq, POLLOUT);
        return 0;
    }
    case SO_RCVBUF:
    case SO_RCVBUFFORCE: {
        unsigned uv = (unsigned)v > UNIX_MAX_BUF ? UNIX_MAX_BUF : (unsigned)v;
        u->rcvbuf = (int)MAX(uv * 2, UNIX_MIN_RCVBUF);
        return 0;
    }
    case SO_PASSCRED:
        u->passcred = v != 0;
        return 0;
    case SO_REUSEADDR:
        u->opt_reuseaddr = v != 0;
        return 0;
    case SO_KEEPALIVE:
        u->opt_keepalive = v != 0;
        return 0;
    case SO_BROADCAST:
        u->opt_broadcast = v != 0;
        return 0;
    case SO_RCVLOWAT:
        u->opt_rcvlowat = v < 1 ? 1 : v;
        return 0;
    case SO_PASSSEC:
    case SO_LINGER:
    case SO_PRIORITY:
    case SO_OOBINLINE:
        return 0; /* COMPAT: accepted, no effect on unix sockets here */
    default:
        return -ENOPROTOOPT;
    }
}

static int opt_get_int(struct unix_sock *u, int name, int *v)
{
    switch (name) {
    case SO_TYPE:
        *v = u->sock.type;
        return 0;
    case SO_ERROR:
        *v = u->err;
        u->err = 0;
        return 0;
    case SO_SNDBUF:
        *v = u->sndbuf;
        return 0;
    case SO_RCVBUF:
        *v = u->rcvbuf;
        return 0;
    case SO_PASSCRED:
        *v = u->passcred;
        return 0;
    case SO_ACCEPTCONN:
        *v = u->state == UNIX_LISTENING;
        return 0;
    case SO_DOMAIN:
        *v = AF_UNIX;
        return 0;
    case SO_PROTOCOL:
        *v = 0;
        return 0;
    case SO_REUSEADDR:
        *v = u->opt_reuseaddr;
        return 0;
    case SO_KEEPALIVE:
        *v = u->opt_keepalive;
        return 0;
    case SO_BROADCAST:
        *v = u->opt_broadcast;
        return 0;
    case SO_RCVLOWAT:
        *v = u->opt_rcvlowat;
        return 0;
    case SO_SNDLOWAT:
        *v = 1;
        return 0;
    case SO_PASSSEC:
    case SO_OOBINLINE:
    case SO_PRIORITY:
        *v = 0;
        return 0;
    default:
        return -ENOPROTOOPT;
    }
}

static int unix_getsockopt(struct task *t, struct socket *s, int level, int name, void *val,
                           int *len)
{
    struct unix_sock *u = unix_sk(s);
    if (level != SOL_SOCKET)
        return -EOPNOTSUPP;
    if (name == SO_PEERCRED) {
        struct unix_cred c = {0, (uint32_t)-1, (uint32_t)-1}; /* unconnected, as Linux */
        if (u->has_peercred)
            c = u->peercred;
        memcpy(val, &c, sizeof(c));
        *len = sizeof(c);
        return 0;
    }
    if (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD) {
        uint64_t ns = name == SO_RCVTIMEO_OLD ? u->rcvtimeo_ns : u->sndtimeo_ns;
        socket_timeout_get(ns, val, len);
        return 0;
    }
    if (name == SO_LINGER) {
        int lv[2] = {0, 0};
        memcpy(val, lv, sizeof(lv));
        *len = sizeof(lv);
        return 0;
    }
    int v;
    int r = opt_get_int(u, name, &v);
    if (r < 0)
        return r;
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}

static const struct socket_ops unix_ops = {
    .bind = unix_bind,
    .connect = unix_connect,
    .listen = unix_listen,
    .accept = unix_accept,
    .sendmsg = unix_sendmsg,
    .recvmsg = unix_recvmsg,
    .shutdown = unix_shutdown,
    .getname = unix_getname,
    .setsockopt = unix_setsockopt,
    .getsockopt = unix_getsockopt,
    .poll = unix_poll,
    .waitq = unix_waitq,
    .ioctl = unix_ioctl,
    .release = unix_release,
};
