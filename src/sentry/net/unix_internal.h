// SPDX-License-Identifier: Apache-2.0
/* Shared between unix.c (life cycle, names, connections, options) and unix_io.c (sending,
 * receiving, control messages). Locking: the kernel lock. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/list.h"
#include "sentry/net/socket.h"
#include "sentry/net/unix_queue.h"
#include "sentry/waiter/waitq.h"

#define UNIX_RCV_SHUTDOWN 1
#define UNIX_SEND_SHUTDOWN 2
#define UNIX_SHUTDOWN_MASK 3

#define UNIX_DEFAULT_BUF 212992   /* net.core.wmem_default / rmem_default */
#define UNIX_MAX_BUF 212992       /* net.core.wmem_max / rmem_max */
#define UNIX_MIN_SNDBUF 4608
#define UNIX_MIN_RCVBUF 2304
#define UNIX_MAX_DGRAM_QLEN 512   /* net.unix.max_dgram_qlen as distributions set it */
#define UNIX_MAX_RECURSION 4      /* nesting of unix sockets passed inside each other */
#define UNIX_ADDR_MAX 110         /* sizeof(struct sockaddr_un) */

enum unix_state {
    UNIX_UNCONNECTED,
    UNIX_LISTENING,
    UNIX_CONNECTED,
};

struct unix_name {
    uint8_t addr[UNIX_ADDR_MAX]; /* sockaddr_un as getsockname returns it */
    int addrlen;
    char key[4096 + 2];          /* lookup key: '\0' + abstract bytes, or '/' + absolute path */
    int keylen;
};

struct unix_sock {
    struct socket sock;          /* first: the socket layer casts */
    int refs;                    /* the file, a peer, messages sent, the accept queue */
    bool dead;                   /* the file was released */
    enum unix_state state;
    struct unix_sock *peer;      /* reference held; NULL when unconnected */
    struct unix_queue rcvq;
    size_t wmem;                 /* bytes this socket sent that are still queued somewhere */
    int sndbuf, rcvbuf;
    int shutdown;                /* UNIX_*_SHUTDOWN */
    int err;                     /* pending SO_ERROR (positive errno) */
    bool passcred;
    int opt_reuseaddr, opt_keepalive, opt_broadcast, opt_rcvlowat;
    uint64_t rcvtimeo_ns, sndtimeo_ns; /* 0: no timeout */
    struct waitq wq;
    struct unix_name *name;      /* bound name, or NULL */
    struct list_head name_link;  /* in the name table while bound */
    struct list_head acceptq;    /* listening: embryos (of accept_link), references held */
    struct list_head accept_link;
    int backlog, acc_len;
    struct unix_cred peercred;   /* the peer's credentials at connect time */
    bool has_peercred;
    int level;                   /* SCM_RIGHTS nesting depth of files queued here */
};

static inline struct unix_sock *unix_sk(struct socket *s)
{
    return (struct unix_sock *)s;
}

void unix_sock_ref(struct unix_sock *u);
void unix_sock_unref(struct unix_sock *u);

/* The credentials the kernel adds to @t's messages (SCM_CREDENTIALS): its process and
 * real ids (Linux's current_uid_gid). */
struct unix_cred unix_task_cred(struct task *t);
/* What SO_PEERCRED reports of @t: its process and effective ids. */
struct unix_cred unix_task_peercred(struct task *t);

/* The bound socket named by @addr (@addrlen bytes) for @t, or an -errno: -ENOENT for a path
 * nobody bound, -ECONNREFUSED for an abstract name nobody bound, -EINVAL for a bad address.
 * Borrowed. */
struct unix_sock *unix_lookup(struct task *t, const void *addr, int addrlen, int *err);

/* Wait on @u's waitq until woken, @deadline_ns (0: none) or a signal. Returns 0,
 * -ETIMEDOUT or -EINTR. @w is the caller's waiter (queued on first use). */
int unix_wait(struct task *t, struct unix_sock *u, struct waiter *w, uint64_t deadline_ns);

/* Deadline for a send/receive timeout of @timeo_ns (0: none). */
uint64_t unix_deadline(uint64_t timeo_ns);

/* unix_io.c */
ssize_t unix_sendmsg(struct task *t, struct socket *s, struct sock_msg *m, bool nonblock);
ssize_t unix_recvmsg(struct task *t, struct socket *s, struct sock_rmsg *m, bool nonblock);
/* Drop every queued message of @u (release). */
void unix_purge_queue(struct unix_sock *u);
