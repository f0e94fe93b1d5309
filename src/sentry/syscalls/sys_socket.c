// SPDX-License-Identifier: Apache-2.0
/*
 * Socket system calls: "socket", "socketpair", "bind", "listen", "accept", "accept4",
 * "connect", "getsockname", "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg",
 * "sendmmsg", "recvmmsg", "shutdown", "setsockopt", "getsockopt". Arguments are copied
 * in and out here; the families implement net/socket.h (AF_UNIX: net/unix.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "common/cleanup.h"
#include "sentry/fs/anon/epoll.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/net/inet.h"
#include "sentry/net/netlink.h"
#include "sentry/net/socket.h"
#include "sentry/net/unix.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#define LINUX_AF_MAX 46
#define LINUX_SOCK_TYPE_MASK 0xf
#define SOCK_CTL_MAX 65536   /* optmem_max-like bound on control data */
#define SOCK_OPT_MAX 256     /* option values we copy in */
#define MAX_RW_COUNT (INT_MAX & ~4095L)

struct linux_msghdr {
    uint64_t name;
    int32_t namelen;
    int32_t pad0;
    uint64_t iov;
    uint64_t iovlen;
    uint64_t control;
    uint64_t controllen;
    int32_t flags;
    int32_t pad1;
};
_Static_assert(sizeof(struct linux_msghdr) == 56, "x86-64 struct msghdr is 56 bytes");

struct linux_mmsghdr {
    struct linux_msghdr hdr;
    uint32_t len;
    uint32_t pad;
};

/* The socket at @fd: *@fp gets a new file reference (caller drops it). */
static long sock_lookup(struct task *t, int fd, struct file **fp, struct socket **sp)
{
    *fp = fdtable_get(t->fdt, fd);
    if (!*fp)
        return -EBADF;
    *sp = socket_from_file(*fp);
    return *sp ? 0 : -ENOTSOCK;
}

static long install_file(struct task *t, struct file *f, bool cloexec)
{
    return fdtable_install(t->fdt, f, 0, cloexec ? FD_CLOEXEC : 0,
                           task_rlimit_cur(t, RLIMIT_NOFILE));
}

/* Linux's move_addr_to_kernel. */
static long addr_copy_in(struct task *t, gaddr_t uaddr, int len, uint8_t *kaddr)
{
    if (len < 0 || len > SOCK_ADDR_MAX)
        return -EINVAL;
    if (len == 0)
        return 0;
    return copy_in(t, uaddr, kaddr, (size_t)len);
}

/* Linux's move_addr_to_user: copy min(user length, @klen) bytes and store @klen. */
static long addr_copy_out(struct task *t, const void *kaddr, int klen, gaddr_t uaddr,
                          gaddr_t ulen)
{
    int32_t len;
    if (copy_in(t, ulen, &len, sizeof(len)) < 0)
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    if (len > klen)
        len = klen;
    if (len && copy_out(t, uaddr, kaddr, (size_t)len) < 0)
        return -EFAULT;
    int32_t full = klen;
    return copy_out(t, ulen, &full, sizeof(full));
}

/* ---- creation --------------------------------------------------------------------------- */

/* Validate (family, type, protocol) and create an unconnected socket (pair if @pair). */
static long sock_create(struct task *t, int family, int type, int protocol, bool pair,
                        struct socket **a, struct socket **b)
{
    if (family < 0 || family >= LINUX_AF_MAX)
        return -EAFNOSUPPORT;
    if (family == AF_INET || family == AF_INET6) {
        if (pair)
            return -EOPNOTSUPP;
        return inet_socket_create(t, family, type, protocol, a);
    }
    if (family == AF_NETLINK)
        return pair ? -EOPNOTSUPP : netlink_socket_create(t, type, protocol, a);
    if (family != AF_UNIX)
        return -EAFNOSUPPORT; /* COMPAT: no packet sockets */
    if (protocol != 0 && protocol != PF_UNIX)
        return -EPROTONOSUPPORT;
    if (type == SOCK_RAW)
        type = SOCK_DGRAM; /* as Linux's unix_create */
    if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    return pair ? unix_socket_pair(t, type, a, b) : unix_socket_create(t, type, a);
}

static long split_type(int *type, int *flags)
{
    *flags = *type & ~LINUX_SOCK_TYPE_MASK;
    *type &= LINUX_SOCK_TYPE_MASK;
    return (*flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) ? -EINVAL : 0;
}

long sys_socket(struct task *t, const struct syscall_args *a)
{
    int type = arg_int(a, 1), flags;
    if (split_type(&type, &flags) < 0)
        return -EINVAL;
    struct socket *s;
    long ret = sock_create(t, arg_int(a, 0), type, arg_int(a, 2), false, &s, NULL);
    if (ret < 0)
        return ret;
    struct file *f;
    ret = socket_file_new(s, (flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0, &f);
    if (ret < 0)
        return ret;
    ret = install_file(t, f, flags & SOCK_CLOEXEC);
    file_unref(f);
    return ret;
}

long sys_socketpair(struct task *t, const struct syscall_args *a)
{
    int type = arg_int(a, 1), flags;
    if (split_type(&type, &flags) < 0)
        return -EINVAL;
    struct socket *s[2];
    long ret = sock_create(t, arg_int(a, 0), type, arg_int(a, 2), true, &s[0], &s[1]);
    if (ret < 0)
        return ret;
    struct file *f[2] = {NULL, NULL};
    uint32_t fl = (flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0;
    ret = socket_file_new(s[0], fl, &f[0]);
    long ret2 = socket_file_new(s[1], fl, &f[1]);
    int fds[2] = {-1, -1};
    if (ret == 0 && ret2 == 0) {
        fds[0] = (int)install_file(t, f[0], flags & SOCK_CLOEXEC);
        fds[1] = fds[0] < 0 ? -1 : (int)install_file(t, f[1], flags & SOCK_CLOEXEC);
        ret = fds[0] < 0 ? fds[0] : fds[1] < 0 ? fds[1] : 0;
    } else {
        ret = ret < 0 ? ret : ret2;
    }
    for (int i = 0; i < 2; i++)
        if (f[i])
            file_unref(f[i]);
    if (ret == 0)
        ret = copy_out(t, arg_addr(a, 3), fds, sizeof(fds));
    if (ret < 0)
        for (int i = 0; i < 2; i++)
            if (fds[i] >= 0)
                fdtable_close(t->fdt, fds[i]);
    return ret;
}

/* ---- naming and connections ------------------------------------------------------------- */

long sys_bind(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    struct socket *s;
    long ret = sock_lookup(t, arg_int(a, 0), &f, &s);
    if (ret < 0)
        return ret;
    uint8_t addr[SOCK_ADDR_MAX];
    int len = arg_int(a, 2);
    ret = addr_copy_in(t, arg_addr(a, 1), len, addr);
    return ret < 0 ? ret : s->ops->bind(t, s, addr, len);
}

long sys_connect(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    struct socket *s;
    long ret = sock_lookup(t, arg_int(a, 0), &f, &s);
    if (ret < 0)
        return ret;
    uint8_t addr[SOCK_ADDR_MAX];
    int len = arg_int(a, 2);
    ret = addr_copy_in(t, arg_addr(a, 1), len, addr);
    return ret < 0 ? ret : s->ops->connect(t, s, addr, len, f->flags & O_NONBLOCK);
}

long sys_listen(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    struct socket *s;
    long ret = sock_lookup(t, arg_int(a, 0), &f, &s);
    return ret < 0 ? ret : s->ops->listen(t, s, arg_int(a, 1));
}

static long do_accept4(struct task *t, int fd, gaddr_t uaddr, gaddr_t ulen, int flags)
{
    if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
        return -EINVAL;
    _cleanup_(file_unrefp) struct file *f = NULL;
    struct socket *s;
    long ret = sock_lookup(t, fd, &f, &s);
    if (ret < 0)
        return ret;
    /* Linux reserves the descriptor before it takes a connection, so that a full table
     * (EMFILE) leaves the connection queued: check there is room first. */
    long probe = install_file(t, f, false);
    if (probe < 0)
        return probe;
    fdtable_close(t->fdt, (int)probe);
    struct socket *ns;
    ret = s->ops->accept(t, s, f->flags & O_NONBLOCK, &ns);
    if (ret < 0)
        return ret;
    struct file *nf;
    ret = socket_file_new(ns, (flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0, &nf);
    if (ret < 0)
        return ret;
    if (uaddr) {
        uint8_t addr[SOCK_ADDR_MAX];
        int len = 0;
        ret = ns->ops->getname(t, ns, true, addr, &len);
        if (ret < 0) { /* the peer already went away: report an unnamed peer */
            uint16_t fam = (uint16_t)ns->family;
            memcpy(addr, &fam, 2);
            len = 2;
        }
        ret = addr_copy_out(t, addr, len, uaddr, ulen);
        if (ret < 0) {
            file_unref(nf);
            return ret;
        }
    }
    ret = install_file(t, nf, flags & SOCK_CLOEXEC);
    file_unref(nf);
    return ret;
}

long sys_accept(struct task *t, const struct syscall_args *a)
{
    return do_accept4(t, arg_int(a, 0), arg_addr(a, 1), arg_addr(a, 2), 0);
}

long sys_accept4(struct task *t, const struct syscall_args *a)
{
    return do_accept4(t, arg_int(a, 0), arg_addr(a, 1), arg_addr(a, 2), arg_int(a, 3));
}

static long do_getname(struct task *t, const struct syscall_args *a, bool peer)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    struct socket *s;
    long ret = sock_lookup(t, arg_int(a, 0), &f, &s);
    if (ret < 0)
        return ret;
    uint8_t addr[SOCK_ADDR_MAX];
    int len = 0;
    ret = s->ops->getname(t, s, peer, addr, &len);
    return ret < 0 ? ret : addr_copy_out(t, addr, len, arg_addr(a, 1), arg_addr(a, 2));
}

long sys_getsockname(struct task *t, const struct syscall_args *a)
{
    return do_getname(t, a, false);
}

long sys_getpeername(struct task *t, const struct syscall_args *a)
{
    return do_getname(t, a, true);
}

long sys_shutdown(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    struct socket *s;
    long ret = sock_lookup(t, arg_int(a, 0), &f, &s);
    return ret < 0 ? ret : s->ops->shutdown(t, s, arg_int(a, 1));
}

/* ---- data ------------------------------------------------------------------------------- */

/* A uio over one guest buffer (@to_guest: receive). */
static long buf_uio(struct task *t, gaddr_t buf, size_t len, bool to_guest, struct uio *u)
{
    if (len > MAX_RW_COUNT)
        len = MAX_RW_COUNT;
    if (len == 0) {
        uio_init_kernel(u, NULL, 0);
        return 0;
    }
    return mm_uio_prepare(&t->mmt, buf, len, to_guest, u);
}

long sys_sendto(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    struct socket *s;
    long ret = sock_lookup(t, arg_int(a, 0), &f, &s);
    if (ret < 0)
        return ret;
    uint8_t addr[SOCK_ADDR_MAX];
    gaddr_t uaddr = arg_addr(a, 4);
    int alen = uaddr ? arg_int(a, 5) : 0;
    ret = addr_copy_in(t, uaddr, alen, addr);
    if (ret < 0)
        return ret;
    struct uio u;
    ret = buf_uio(t, arg_addr(a, 1), arg_size(a, 2), false, &u);
    if (ret < 0)
        return ret;
    struct sock_msg m = {.data = &u, .name = alen ? addr : NULL, .namelen = alen,
                         .flags = arg_int(a, 3)};
    ret = uio_result(&u, s->ops->sendmsg(t, s, &m, f->flags & O_NONBLOCK));
    uio_release(&u);
    return ret;
}

long sys_recvfrom(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    struct socket *s;
    long ret = sock_lookup(t, arg_int(a, 0), &f, &s);
    if (ret < 0)
        return ret;
    struct uio u;
    ret = buf_uio(t, arg_addr(a, 1), arg_size(a, 2), true, &u);
    if (ret < 0)
        return ret;
    struct sock_rmsg m = {.data = &u, .flags = arg_int(a, 3)};
    ret = uio_result(&u, s->ops->recvmsg(t, s, &m, f->flags & O_NONBLOCK));
    uio_release(&u);
    if (ret >= 0 && arg_addr(a, 4)) {
        long r = addr_copy_out(t, m.name, m.namelen, arg_addr(a, 4), arg_addr(a, 5));
        if (r < 0)
            return r;
    }
    return ret;
}

/* The iovecs of @h as a uio. */
static long msg_uio(struct task *t, const struct linux_msghdr *h, bool to_guest, struct uio *u)
{
    if (h->iovlen > LINUX_IOV_MAX)
        return -EMSGSIZE;
    if (h->iovlen == 0) {
        uio_init_kernel(u, NULL, 0);
        return 0;
    }
    _cleanup_free_ struct linux_iovec *iov = calloc(h->iovlen, sizeof(*iov));
    if (!iov)
        return -ENOMEM;
    long ret = copy_in_iovec(t, h->iov, (int)h->iovlen, iov);
    if (ret < 0)
        return ret;
    return mm_uio_prepare_iov(&t->mmt, iov, (int)h->iovlen, to_guest, u);
}

static long do_sendmsg(struct task *t, struct file *f, struct socket *s, gaddr_t umsg,
                       int flags)
{
    struct linux_msghdr h;
    if (copy_in(t, umsg, &h, sizeof(h)) < 0)
        return -EFAULT;
    if (h.namelen < 0)
        return -EINVAL;
    int alen = h.name ? MIN(h.namelen, SOCK_ADDR_MAX) : 0;
    uint8_t addr[SOCK_ADDR_MAX];
    long ret = addr_copy_in(t, h.name, alen, addr);
    if (ret < 0)
        return ret;
    if (h.controllen > SOCK_CTL_MAX)
        return -ENOBUFS;
    _cleanup_free_ uint8_t *ctl = NULL;
    if (h.controllen) {
        ctl = malloc(h.controllen);
        if (!ctl)
            return -ENOMEM;
        if (copy_in(t, h.control, ctl, h.controllen) < 0)
            return -EFAULT;
    }
    struct uio u;
    ret = msg_uio(t, &h, false, &u);
    if (ret < 0)
        return ret;
    struct sock_msg m = {.data = &u, .name = alen ? addr : NULL, .namelen = alen,
                         .control = ctl, .controllen = h.controllen, .flags = flags};
    ret = uio_result(&u, s->ops->sendmsg(t, s, &m, f->flags & O_NONBLOCK));
    uio_release(&u);
    return ret;
}

/* Write back name, control data, msg_namelen, msg_controllen and msg_flags. */
static long recvmsg_copy_out(struct task *t, gaddr_t umsg, const struct linux_msghdr *h,
                             const struct sock_rmsg *m)
{
    if (h->name) {
        int32_t len = MIN(h->namelen, m->namelen);
        if (len > 0 && copy_out(t, h->name, m->name, (size_t)len) < 0)
            return -EFAULT;
        int32_t full = m->namelen;
        if (copy_out(t, umsg + offsetof(struct linux_msghdr, namelen), &full, 4) < 0)
            return -EFAULT;
    }
    if (m->controllen && copy_out(t, h->control, m->control, m->controllen) < 0)
        return -EFAULT;
    uint64_t clen = m->controllen;
    /* As Linux: the caller's MSG_CMSG_CLOEXEC shows in msg_flags (Go's tests check it). */
    int32_t oflags = m->out_flags | (m->flags & MSG_CMSG_CLOEXEC);
    if (copy_out(t, umsg + offsetof(struct linux_msghdr, controllen), &clen, 8) < 0 ||
        copy_out(t, umsg + offsetof(struct linux_msghdr, flags), &oflags, 4) < 0)
        return -EFAULT;
    return 0;
}

static long do_recvmsg(struct task *t, struct file *f, struct socket *s, gaddr_t umsg,
                       int flags)
{
    struct linux_msghdr h;
    if (copy_in(t, umsg, &h, sizeof(h)) < 0)
        return -EFAULT;
    if (h.namelen < 0)
        return -EINVAL;
    size_t clen = h.control ? MIN(h.controllen, (uint64_t)SOCK_CTL_MAX) : 0;
    _cleanup_free_ uint8_t *ctl = clen ? calloc(1, clen) : NULL;
    if (clen && !ctl)
        return -ENOMEM;
    struct uio u;
    long ret = msg_uio(t, &h, true, &u);
    if (ret < 0)
        return ret;
    struct sock_rmsg m = {.data = &u, .control = ctl, .controllen = clen, .flags = flags};
    ret = uio_result(&u, s->ops->recvmsg(t, s, &m, f->flags & O_NONBLOCK));
    uio_release(&u);
    if (ret >= 0) {
        long r = recvmsg_copy_out(t, umsg, &h, &m);
        if (r < 0)
            return r; /* COMPAT: received files stay installed, as Linux leaves them too */
    }
    return ret;
}

long sys_sendmsg(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    struct socket *s;
    long ret = sock_lookup(t, arg_int(a, 0), &f, &s);
    return ret < 0 ? ret : do_sendmsg(t, f, s, arg_addr(a, 1), arg_int(a, 2));
}

long sys_recvmsg(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    struct socket *s;
    long ret = sock_lookup(t, arg_int(a, 0), &f, &s);
    return ret < 0 ? ret : do_recvmsg(t, f, s, arg_addr(a, 1), arg_int(a, 2));
}

/* sendmmsg/recvmmsg: one message at a time; the count sent is returned if any succeeded. */
static long do_mmsg(struct task *t, const struct syscall_args *a, bool send)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    struct socket *s;
    long ret = sock_lookup(t, arg_int(a, 0), &f, &s);
    if (ret < 0)
        return ret;
    gaddr_t vec = arg_addr(a, 1);
    unsigned int vlen = MIN(arg_uint(a, 2), (unsigned)LINUX_IOV_MAX);
    int flags = arg_int(a, 3);
    unsigned int i;
    for (i = 0; i < vlen; i++) {
        gaddr_t e = vec + (gaddr_t)i * sizeof(struct linux_mmsghdr);
        ret = send ? do_sendmsg(t, f, s, e, flags) : do_recvmsg(t, f, s, e, flags);
        if (ret < 0)
            break;
        uint32_t n = (uint32_t)ret;
        if (copy_out(t, e + offsetof(struct linux_mmsghdr, len), &n, sizeof(n)) < 0) {
            ret = -EFAULT;
            break;
        }
        if (!send && (flags & MSG_WAITFORONE))
            flags |= MSG_DONTWAIT;
    }
    return i > 0 ? (long)i : ret;
}

long sys_sendmmsg(struct task *t, const struct syscall_args *a)
{
    return do_mmsg(t, a, true);
}

long sys_recvmmsg(struct task *t, const struct syscall_args *a)
{
    return do_mmsg(t, a, false);
}

/* ---- options ---------------------------------------------------------------------------- */

/* The socket-level options Linux's sock_setsockopt keeps for privileged callers, checked
 * before any protocol sees them: forcing buffer sizes past the limits (CAP_NET_ADMIN), a
 * priority outside 0-6 and a mark (CAP_NET_RAW or CAP_NET_ADMIN). Returns 0 or -EPERM. */
static long sock_opt_privileged(struct task *t, int level, int name, const uint8_t *val, int len)
{
    if (level != SOL_SOCKET || len < (int)sizeof(int))
        return 0;
    int v;
    memcpy(&v, val, sizeof(v));
    bool admin = task_capable(t, CAP_NET_ADMIN);
    switch (name) {
    case SO_SNDBUFFORCE:
    case SO_RCVBUFFORCE:
        return admin ? 0 : -EPERM;
    case SO_PRIORITY:
        return (v >= 0 && v <= 6) || admin || task_capable(t, CAP_NET_RAW) ? 0 : -EPERM;
    case SO_MARK:
        return admin || task_capable(t, CAP_NET_RAW) ? 0 : -EPERM;
    default:
        return 0;
    }
}

long sys_setsockopt(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    struct socket *s;
    long ret = sock_lookup(t, arg_int(a, 0), &f, &s);
    if (ret < 0)
        return ret;
    int len = arg_int(a, 4);
    if (len < 0)
        return -EINVAL;
    uint8_t val[SOCK_OPT_MAX] = {0};
    int klen = MIN(len, SOCK_OPT_MAX);
    if (klen && copy_in(t, arg_addr(a, 3), val, (size_t)klen) < 0)
        return -EFAULT;
    if ((ret = sock_opt_privileged(t, arg_int(a, 1), arg_int(a, 2), val, klen)) < 0)
        return ret;
    return s->ops->setsockopt(t, s, arg_int(a, 1), arg_int(a, 2), val, klen);
}

long sys_getsockopt(struct task *t, const struct syscall_args *a)
{
    _cleanup_(file_unrefp) struct file *f = NULL;
    struct socket *s;
    long ret = sock_lookup(t, arg_int(a, 0), &f, &s);
    if (ret < 0)
        return ret;
    gaddr_t ulen = arg_addr(a, 4);
    int32_t len;
    if (copy_in(t, ulen, &len, sizeof(len)) < 0)
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    uint8_t val[SOCK_OPT_MAX] = {0};
    int klen = SOCK_OPT_MAX;
    ret = s->ops->getsockopt(t, s, arg_int(a, 1), arg_int(a, 2), val, &klen);
    if (ret < 0)
        return ret;
    len = MIN(len, klen);
    if (len && copy_out(t, arg_addr(a, 3), val, (size_t)len) < 0)
        return -EFAULT;
    return copy_out(t, ulen, &len, sizeof(len));
}

void sys_socket_register(void)
{
    /* Let epoll drop interest entries when a socket file is released (net/socket.h). */
    socket_set_release_hook(epoll_file_released);
    epoll_release_aware(socket_get_file_ops());

    SYSCALL_REG(LINUX_NR_socket, SYS_PARTIAL(socket, "AF_UNIX, and AF_INET/AF_INET6 TCP and "
                                                     "UDP on the Sentry's stack, "
                                                     "AF_NETLINK route dumps; no raw or "
                                                     "packet sockets"));
    SYSCALL_REG(LINUX_NR_socketpair, SYS_PARTIAL(socketpair, "AF_UNIX only"));
    SYSCALL_REG(LINUX_NR_bind, SYS_PARTIAL(bind, "unix path names are not filesystem "
                                                 "inodes"));
    SYSCALL_REG(LINUX_NR_listen, SYS_SUPPORTED(listen));
    SYSCALL_REG(LINUX_NR_accept, SYS_SUPPORTED(accept));
    SYSCALL_REG(LINUX_NR_accept4, SYS_SUPPORTED(accept4));
    SYSCALL_REG(LINUX_NR_connect, SYS_SUPPORTED(connect));
    SYSCALL_REG(LINUX_NR_getsockname, SYS_SUPPORTED(getsockname));
    SYSCALL_REG(LINUX_NR_getpeername, SYS_SUPPORTED(getpeername));
    SYSCALL_REG(LINUX_NR_sendto, SYS_SUPPORTED(sendto));
    SYSCALL_REG(LINUX_NR_recvfrom, SYS_SUPPORTED(recvfrom));
    SYSCALL_REG(LINUX_NR_sendmsg, SYS_SUPPORTED(sendmsg));
    SYSCALL_REG(LINUX_NR_recvmsg, SYS_SUPPORTED(recvmsg));
    SYSCALL_REG(LINUX_NR_sendmmsg, SYS_SUPPORTED(sendmmsg));
    SYSCALL_REG(LINUX_NR_recvmmsg, SYS_PARTIAL(recvmmsg, "the timeout argument is ignored"));
    SYSCALL_REG(LINUX_NR_shutdown, SYS_SUPPORTED(shutdown));
    SYSCALL_REG(LINUX_NR_setsockopt, SYS_PARTIAL(setsockopt, "SOL_SOCKET, and for inet "
                                                             "sockets the common SOL_IP, "
                                                             "SOL_IPV6 and SOL_TCP options"));
    SYSCALL_REG(LINUX_NR_getsockopt, SYS_PARTIAL(getsockopt, "as setsockopt; TCP_INFO"));
}
