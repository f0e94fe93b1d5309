// SPDX-License-Identifier: Apache-2.0
/*
 * Sending and receiving on unix sockets: stream flow control by the sender's sndbuf,
 * datagram and seqpacket message boundaries, EPIPE/SIGPIPE, and control messages
 * (SCM_RIGHTS moves file references between descriptor tables; SCM_CREDENTIALS).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "abi/linux/errno.h"
#include "common/cleanup.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/task.h"
#include "sentry/memmap/uio.h"
#include "sentry/net/unix_internal.h"
#include "sentry/vfs/file.h"

#define UNIX_STREAM_MSG_MAX 65536

/* struct cmsghdr of x86-64. */
struct linux_cmsghdr {
    uint64_t len;
    int32_t level;
    int32_t type;
};
#define CMSG_HDR_SIZE sizeof(struct linux_cmsghdr)
#define CMSG_ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* SIGPIPE for a stream write that found no reader (Linux's send_sig(SIGPIPE, current, 0)). */
static void unix_send_sigpipe(struct task *t)
{
    struct linux_siginfo info;
    signal_info_kill(&info, SIGPIPE, LINUX_SI_USER, t);
    signal_send_task(t, &info);
}

/* ---- control messages (send side) ------------------------------------------------------- */

/* Nesting level of @f if it is a unix socket, else -1. */
static int unix_file_level(struct file *f)
{
    struct socket *s = socket_from_file(f);
    if (!s || s->family != AF_UNIX)
        return -1;
    return unix_sk(s)->level;
}

static int scm_add_rights(struct task *t, const int32_t *fds, int n, struct unix_scm *scm,
                          int *max_level)
{
    if (n <= 0)
        return 0;
    if (scm->nfiles + n > UNIX_SCM_MAX_FD)
        return -EINVAL;
    struct file **files = realloc(scm->files, sizeof(*files) * (size_t)(scm->nfiles + n));
    if (!files)
        return -ENOMEM;
    scm->files = files;
    for (int i = 0; i < n; i++) {
        struct file *f = fdtable_get(t->fdt, fds[i]);
        if (!f)
            return -EBADF;
        scm->files[scm->nfiles++] = f;
        int lvl = unix_file_level(f);
        if (lvl > *max_level)
            *max_level = lvl;
    }
    return 0;
}

/* Linux's scm_check_creds: a sender may claim its own process, unless it has
 * CAP_SYS_ADMIN, and one of its real, effective or saved uids (gids), unless it has
 * CAP_SETUID (CAP_SETGID). Returns 0, -EINVAL for the invalid id -1, or -EPERM. */
static int scm_check_cred(struct task *t, const struct unix_cred *uc)
{
    const struct cred *c = task_cred(t);
    if (uc->uid == UINT32_MAX || uc->gid == UINT32_MAX)
        return -EINVAL;
    bool pid_ok = uc->pid == t->tg->pid || cred_capable(c, CAP_SYS_ADMIN);
    bool uid_ok = uc->uid == c->uid || uc->uid == c->euid || uc->uid == c->suid ||
                  cred_capable(c, CAP_SETUID);
    bool gid_ok = uc->gid == c->gid || uc->gid == c->egid || uc->gid == c->sgid ||
                  cred_capable(c, CAP_SETGID);
    return pid_ok && uid_ok && gid_ok ? 0 : -EPERM;
}

/* Parse the control messages of a send. Files gain references held by @scm. */
static int scm_parse(struct task *t, const uint8_t *ctl, size_t len, struct unix_scm *scm,
                     int *max_level)
{
    size_t off = 0;
    while (len - off >= CMSG_HDR_SIZE) {
        struct linux_cmsghdr h;
        memcpy(&h, ctl + off, sizeof(h));
        if (h.len < CMSG_HDR_SIZE || h.len > len - off)
            return -EINVAL;
        size_t dlen = h.len - CMSG_HDR_SIZE;
        const uint8_t *data = ctl + off + CMSG_HDR_SIZE;
        if (h.level == SOL_SOCKET) {
            int r;
            if (h.type == SCM_RIGHTS) {
                int n = (int)(dlen / sizeof(int32_t));
                int32_t *fds = malloc(dlen ? dlen : 1);
                if (!fds)
                    return -ENOMEM;
                memcpy(fds, data, (size_t)n * sizeof(int32_t));
                r = scm_add_rights(t, fds, n, scm, max_level);
                free(fds);
            } else if (h.type == SCM_CREDENTIALS) {
                if (dlen != sizeof(struct unix_cred))
                    return -EINVAL;
                memcpy(&scm->cred, data, sizeof(scm->cred));
                scm->has_cred = true;
                r = scm_check_cred(t, &scm->cred);
                if (r == 0 && !tg_find(scm->cred.pid))
                    r = -ESRCH;
            } else {
                r = -EINVAL;
            }
            if (r < 0)
                return r;
        }
        off += CMSG_ALIGN8(h.len);
        if (off > len)
            break;
    }
    return 0;
}

/* ---- queueing --------------------------------------------------------------------------- */

/* A message sent by @u with @size payload bytes copied from @data and @scm's files moved
 * in (if @take_files). NULL on ENOMEM. */
static struct unix_msg *unix_msg_build(struct unix_sock *u, struct uio *data, size_t size,
                                       struct unix_scm *scm, bool take_files)
{
    struct unix_msg *msg = unix_msg_alloc(size);
    if (!msg)
        return NULL;
    uio_copy_from(data, msg->data, size);
    if (take_files) {
        msg->scm.files = scm->files;
        msg->scm.nfiles = scm->nfiles;
        scm->files = NULL;
        scm->nfiles = 0;
    }
    msg->scm.cred = scm->cred;
    msg->scm.has_cred = true;
    if (u->name) {
        memcpy(msg->from, u->name->addr, (size_t)u->name->addrlen);
        msg->fromlen = u->name->addrlen;
    }
    msg->sender = u;
    unix_sock_ref(u);
    u->wmem += size;
    return msg;
}

static void unix_enqueue(struct unix_sock *to, struct unix_msg *msg, int max_level)
{
    if (msg->scm.nfiles && max_level + 1 > to->level)
        to->level = max_level + 1;
    unix_queue_push(&to->rcvq, msg);
    waitq_notify(&to->wq, POLLIN | POLLRDNORM);
}

/* A message left the queue: give its bytes back to the sender and free it. */
static void unix_msg_consumed(struct unix_msg *msg, void *arg)
{
    struct unix_sock *sender = msg->sender;
    if (sender) {
        sender->wmem -= msg->size;
        waitq_notify(&sender->wq, POLLOUT | POLLWRNORM | POLLWRBAND);
        unix_sock_unref(sender);
    }
    unix_msg_free(msg);
}

void unix_purge_queue(struct unix_sock *u)
{
    struct unix_msg *msg;
    while ((msg = unix_queue_head(&u->rcvq))) {
        unix_queue_unlink(&u->rcvq, msg);
        unix_msg_consumed(msg, NULL);
    }
}

/* ---- sending ---------------------------------------------------------------------------- */

static ssize_t unix_send_stream(struct task *t, struct unix_sock *u, struct sock_msg *m,
                                struct unix_scm *scm, int max_level, bool nonblock)
{
    if (m->name && m->namelen)
        return u->state == UNIX_CONNECTED ? -EISCONN : -EOPNOTSUPP;
    if (u->state != UNIX_CONNECTED)
        return -ENOTCONN;

    struct waiter w = {0};
    uint64_t deadline = unix_deadline(u->sndtimeo_ns);
    size_t sent = 0;
    ssize_t ret = 0;
    while (uio_remaining(m->data) > 0) {
        struct unix_sock *peer = u->peer;
        if ((u->shutdown & UNIX_SEND_SHUTDOWN) || !peer || peer->dead ||
            (peer->shutdown & UNIX_RCV_SHUTDOWN)) {
            if (!sent && !(m->flags & MSG_NOSIGNAL))
                unix_send_sigpipe(t);
            ret = -EPIPE;
            break;
        }
        if (u->wmem >= (size_t)u->sndbuf) {
            if (nonblock) {
                ret = -EAGAIN;
                break;
            }
            int r = unix_wait(t, u, &w, deadline);
            if (r == -EINTR || r == -ETIMEDOUT) {
                ret = r == -EINTR ? -LINUX_ERESTARTSYS : -EAGAIN;
                break;
            }
            continue;
        }
        size_t chunk = MIN(uio_remaining(m->data), (size_t)u->sndbuf - u->wmem);
        chunk = MIN(chunk, (size_t)UNIX_STREAM_MSG_MAX);
        struct unix_msg *msg = unix_msg_build(u, m->data, chunk, scm, sent == 0);
        if (!msg) {
            ret = -ENOMEM;
            break;
        }
        unix_enqueue(peer, msg, max_level);
        sent += chunk;
    }
    waitq_remove(&w);
    return sent ? (ssize_t)sent : ret;
}

/* The receiver of a datagram, or -errno. Borrowed. */
static struct unix_sock *unix_dgram_target(struct task *t, struct unix_sock *u,
                                           struct sock_msg *m, int *err)
{
    if (u->sock.type == SOCK_SEQPACKET) {
        if (u->state != UNIX_CONNECTED) {
            *err = -ENOTCONN;
            return NULL;
        }
        return u->peer; /* the address of a seqpacket send is ignored (Linux) */
    }
    if (m->name && m->namelen)
        return unix_lookup(t, m->name, m->namelen, err);
    if (!u->peer)
        *err = -ENOTCONN;
    return u->peer;
}

/* Checks before queueing a datagram to @to. Returns 0, 1 (must wait) or -errno. */
static int unix_dgram_check(struct unix_sock *u, struct unix_sock *to)
{
    if (to->dead) {
        if (u->sock.type == SOCK_SEQPACKET)
            return -EPIPE;
        if (u->peer == to) {
            u->peer = NULL;
            u->state = UNIX_UNCONNECTED;
            unix_sock_unref(to);
        }
        return -ECONNREFUSED;
    }
    if (to->sock.type != u->sock.type)
        return -EPROTOTYPE;
    if (to->peer && to->peer != u && u->sock.type == SOCK_DGRAM)
        return -EPERM; /* the receiver is connected to someone else */
    if (to->shutdown & UNIX_RCV_SHUTDOWN)
        return -EPIPE;
    if (to->peer != u && to->rcvq.count >= UNIX_MAX_DGRAM_QLEN)
        return 1;
    if (u->wmem >= (size_t)u->sndbuf)
        return 1;
    return 0;
}

static ssize_t unix_send_dgram(struct task *t, struct unix_sock *u, struct sock_msg *m,
                               struct unix_scm *scm, int max_level, bool nonblock)
{
    size_t len = uio_remaining(m->data);
    int err = 0;
    struct unix_sock *to = unix_dgram_target(t, u, m, &err);
    if (!to)
        return err;
    if (u->shutdown & UNIX_SEND_SHUTDOWN)
        return -EPIPE;
    if (len + 32 > (size_t)u->sndbuf)
        return -EMSGSIZE;

    unix_sock_ref(to);
    struct waiter w_own = {0}, w_to = {0};
    uint64_t deadline = unix_deadline(u->sndtimeo_ns);
    ssize_t ret;
    for (;;) {
        ret = unix_dgram_check(u, to);
        if (ret <= 0)
            break;
        if (nonblock) {
            ret = -EAGAIN;
            break;
        }
        if (!w_to.q)
            waitq_add(&to->wq, &w_to, &t->ctx, 0);
        int r = unix_wait(t, u, &w_own, deadline);
        if (r == -EINTR || r == -ETIMEDOUT) {
            ret = r == -EINTR ? -LINUX_ERESTARTSYS : -EAGAIN;
            break;
        }
    }
    waitq_remove(&w_own);
    waitq_remove(&w_to);
    if (ret == 0) {
        struct unix_msg *msg = unix_msg_build(u, m->data, len, scm, true);
        if (msg)
            unix_enqueue(to, msg, max_level);
        ret = msg ? (ssize_t)len : -ENOMEM;
    }
    unix_sock_unref(to);
    return ret;
}

ssize_t unix_sendmsg(struct task *t, struct socket *s, struct sock_msg *m, bool nonblock)
{
    struct unix_sock *u = unix_sk(s);
    if (m->flags & MSG_OOB)
        return -EOPNOTSUPP;
    nonblock = nonblock || (m->flags & MSG_DONTWAIT);

    struct unix_scm scm = {0};
    int max_level = -1;
    int ret = scm_parse(t, m->control, m->control ? m->controllen : 0, &scm, &max_level);
    if (ret == 0 && max_level >= UNIX_MAX_RECURSION)
        ret = -ETOOMANYREFS;
    if (ret < 0) {
        unix_scm_destroy(&scm);
        return ret;
    }
    if (!scm.has_cred)
        scm.cred = unix_task_cred(t);
    ssize_t n = s->type == SOCK_STREAM ? unix_send_stream(t, u, m, &scm, max_level, nonblock)
                                       : unix_send_dgram(t, u, m, &scm, max_level, nonblock);
    unix_scm_destroy(&scm); /* files not sent (error, or a zero-length stream write) */
    return n;
}

/* ---- receiving -------------------------------------------------------------------------- */

/* Append one control message to @m's buffer (Linux's put_cmsg, truncating). */
static void put_cmsg(struct sock_rmsg *m, size_t *used, int type, const void *data,
                     size_t dlen)
{
    size_t room = m->controllen - *used;
    if (room < CMSG_HDR_SIZE) {
        m->out_flags |= MSG_CTRUNC;
        return;
    }
    size_t cmlen = CMSG_HDR_SIZE + dlen;
    if (room < cmlen) {
        m->out_flags |= MSG_CTRUNC;
        cmlen = room;
    }
    struct linux_cmsghdr h = {.len = cmlen, .level = SOL_SOCKET, .type = type};
    uint8_t *p = (uint8_t *)m->control + *used;
    memcpy(p, &h, sizeof(h));
    memcpy(p + CMSG_HDR_SIZE, data, cmlen - CMSG_HDR_SIZE);
    *used += MIN(CMSG_ALIGN8(CMSG_HDR_SIZE + dlen), room);
}

/* Install the received files in @t's table and describe them (Linux's scm_detach_fds). */
static void deliver_rights(struct task *t, struct sock_rmsg *m, size_t *used,
                           struct unix_scm *scm)
{
    size_t room = m->control ? m->controllen - *used : 0;
    int max = room > CMSG_HDR_SIZE ? (int)((room - CMSG_HDR_SIZE) / sizeof(int32_t)) : 0;
    int32_t fds[UNIX_SCM_MAX_FD];
    int n = 0;
    int fd_flags = (m->flags & MSG_CMSG_CLOEXEC) ? FD_CLOEXEC : 0;
    unsigned long limit = task_rlimit_cur(t, RLIMIT_NOFILE);
    while (n < scm->nfiles && n < max) {
        int fd = fdtable_install(t->fdt, scm->files[n], 0, fd_flags, limit);
        if (fd < 0)
            break;
        fds[n++] = fd;
    }
    if (n < scm->nfiles)
        m->out_flags |= MSG_CTRUNC;
    if (n > 0)
        put_cmsg(m, used, SCM_RIGHTS, fds, (size_t)n * sizeof(int32_t));
    unix_scm_destroy(scm); /* the table holds its own references */
}

static void unix_deliver_scm(struct task *t, struct unix_sock *u, struct sock_rmsg *m,
                             struct unix_scm *scm)
{
    size_t used = 0;
    if (!m->control)
        m->controllen = 0;
    if (u->passcred && scm->has_cred && m->control)
        put_cmsg(m, &used, SCM_CREDENTIALS, &scm->cred, sizeof(scm->cred));
    else if (u->passcred && scm->has_cred)
        m->out_flags |= MSG_CTRUNC;
    if (scm->nfiles)
        deliver_rights(t, m, &used, scm);
    m->controllen = used;
}

static void take_source(struct unix_sock *u, struct sock_rmsg *m)
{
    struct unix_msg *head = unix_queue_head(&u->rcvq);
    if (head && m->namelen == 0 && head->fromlen > 0) {
        memcpy(m->name, head->from, (size_t)head->fromlen);
        m->namelen = head->fromlen;
    }
}

/* Returns 0 to keep waiting, or the value to return for an empty queue. */
static ssize_t wait_result(int r, size_t copied)
{
    if (r == -EINTR)
        return copied ? (ssize_t)copied : -LINUX_ERESTARTSYS;
    if (r == -ETIMEDOUT)
        return copied ? (ssize_t)copied : -EAGAIN;
    return 0;
}

static ssize_t unix_recv_stream(struct task *t, struct unix_sock *u, struct sock_rmsg *m,
                                struct unix_scm *scm, bool nonblock)
{
    if (u->state != UNIX_CONNECTED)
        return -EINVAL; /* listening or never connected, as Linux */
    bool peek = m->flags & MSG_PEEK;
    size_t want = uio_remaining(m->data);
    size_t target = (m->flags & MSG_WAITALL) && !peek ? want : MIN(want, (size_t)u->opt_rcvlowat);
    if (target == 0)
        target = 1;
    struct waiter w = {0};
    uint64_t deadline = unix_deadline(u->rcvtimeo_ns);
    size_t copied = 0;
    ssize_t ret = 0;
    for (;;) {
        if (u->rcvq.count > 0 && uio_remaining(m->data) > 0) {
            take_source(u, m);
            copied += unix_queue_read_stream(&u->rcvq, m->data, peek, scm, unix_msg_consumed,
                                             NULL);
            if (scm->nfiles || copied >= target || uio_remaining(m->data) == 0 || peek)
                break;
        }
        if (copied >= target || want == 0)
            break;
        if (u->err && !copied) {
            ret = -u->err;
            u->err = 0;
            break;
        }
        if (u->shutdown & UNIX_RCV_SHUTDOWN)
            break;
        if (nonblock) {
            ret = copied ? 0 : -EAGAIN;
            break;
        }
        ret = wait_result(unix_wait(t, u, &w, deadline), copied);
        if (ret != 0)
            break;
    }
    waitq_remove(&w);
    return ret < 0 ? ret : (ssize_t)copied;
}

static ssize_t unix_recv_dgram(struct task *t, struct unix_sock *u, struct sock_rmsg *m,
                               struct unix_scm *scm, bool nonblock)
{
    if (u->sock.type == SOCK_SEQPACKET && u->state != UNIX_CONNECTED)
        return u->state == UNIX_LISTENING ? -EINVAL : -ENOTCONN;
    bool peek = m->flags & MSG_PEEK;
    struct waiter w = {0};
    uint64_t deadline = unix_deadline(u->rcvtimeo_ns);
    ssize_t ret;
    for (;;) {
        if (u->rcvq.count > 0) {
            size_t full = 0;
            take_source(u, m);
            ret = unix_queue_read_dgram(&u->rcvq, m->data, peek, scm, &full, unix_msg_consumed,
                                        NULL);
            if (ret >= 0 && full > (size_t)ret)
                m->out_flags |= MSG_TRUNC;
            if (ret >= 0 && (m->flags & MSG_TRUNC))
                ret = (ssize_t)full;
            break;
        }
        if (u->err) {
            ret = -u->err;
            u->err = 0;
            break;
        }
        if (u->shutdown & UNIX_RCV_SHUTDOWN) {
            ret = 0;
            break;
        }
        if (nonblock) {
            ret = -EAGAIN;
            break;
        }
        ret = wait_result(unix_wait(t, u, &w, deadline), 0);
        if (ret != 0)
            break;
    }
    waitq_remove(&w);
    return ret;
}

ssize_t unix_recvmsg(struct task *t, struct socket *s, struct sock_rmsg *m, bool nonblock)
{
    struct unix_sock *u = unix_sk(s);
    if (m->flags & MSG_OOB)
        return s->type == SOCK_STREAM ? -EINVAL : -EOPNOTSUPP;
    nonblock = nonblock || (m->flags & MSG_DONTWAIT);
    struct unix_scm scm = {0};
    ssize_t ret = s->type == SOCK_STREAM ? unix_recv_stream(t, u, m, &scm, nonblock)
                                         : unix_recv_dgram(t, u, m, &scm, nonblock);
    if (ret >= 0)
        unix_deliver_scm(t, u, m, &scm);
    else
        unix_scm_destroy(&scm);
    return ret;
}
