// SPDX-License-Identifier: Apache-2.0
/*
 * The socket layer: a family-independent struct socket behind one set of file operations,
 * and the operations each family (unix.c now; netstack and hostinet later) implements.
 * syscalls/sys_socket.c copies arguments in and out and calls these with kernel buffers.
 *
 * Locking: everything is protected by the kernel lock. Operations may block (waiting on
 * their waitq with task_wait) and then return -ERESTARTSYS when a signal arrives.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "abi/linux/types.h"

struct task;
struct file;
struct uio;
struct waitq;
struct socket;

#define SOCK_ADDR_MAX 128 /* sizeof(struct sockaddr_storage) */

/* A message to send (sendmsg with kernel copies of the name and control data). */
struct sock_msg {
    struct uio *data;
    const void *name;    /* destination address or NULL */
    int namelen;
    const void *control; /* control messages (cmsghdr chain) or NULL */
    size_t controllen;
    int flags;           /* MSG_* */
};

/* A message being received. */
struct sock_rmsg {
    struct uio *data;
    uint8_t name[SOCK_ADDR_MAX]; /* out: source address */
    int namelen;                 /* out: its length, 0 if none */
    void *control;               /* kernel buffer for control messages, may be NULL */
    size_t controllen;           /* in: capacity; out: bytes used */
    int flags;                   /* in: MSG_* */
    int out_flags;               /* out: MSG_TRUNC, MSG_CTRUNC... */
};

struct socket_ops {
    int (*bind)(struct task *t, struct socket *s, const void *addr, int addrlen);
    int (*connect)(struct task *t, struct socket *s, const void *addr, int addrlen,
                   bool nonblock);
    int (*listen)(struct task *t, struct socket *s, int backlog);
    /* New connected socket (one reference) in *@out. */
    int (*accept)(struct task *t, struct socket *s, bool nonblock, struct socket **out);
    ssize_t (*sendmsg)(struct task *t, struct socket *s, struct sock_msg *m, bool nonblock);
    ssize_t (*recvmsg)(struct task *t, struct socket *s, struct sock_rmsg *m, bool nonblock);
    int (*shutdown)(struct task *t, struct socket *s, int how);
    /* Own (@peer false) or peer address into @addr (SOCK_ADDR_MAX bytes). */
    int (*getname)(struct task *t, struct socket *s, bool peer, void *addr, int *addrlen);
    int (*setsockopt)(struct task *t, struct socket *s, int level, int name, const void *val,
                      int len);
    /* @val has room for *@len bytes (at most SOCK_ADDR_MAX); *@len gets the real size. */
    int (*getsockopt)(struct task *t, struct socket *s, int level, int name, void *val,
                      int *len);
    uint32_t (*poll)(struct socket *s);
    struct waitq *(*waitq)(struct socket *s);
    long (*ioctl)(struct task *t, struct socket *s, unsigned int cmd, gaddr_t arg);
    /* The file is gone: drop the family's reference on @s. */
    void (*release)(struct socket *s);
};

/* Embedded first in each family's socket structure. */
struct socket {
    const struct socket_ops *ops; /* Immutable */
    int family, type, protocol;   /* Immutable */
    uint64_t ino;                 /* Immutable: "socket:[ino]" */
    uint64_t ctime_ns;
};

/* Initialise the common part of a new socket. */
void socket_init(struct socket *s, const struct socket_ops *ops, int family, int type,
                 int protocol);

/*
 * SO_RCVTIMEO/SO_SNDTIMEO (the 64-bit struct timeval of the _OLD names) for every family.
 * Set: @len bytes at @val into *@timeo_ns; EINVAL if short, EDOM for a bad tv_usec. 0 means
 * "no timeout". COMPAT: Linux makes a negative tv_sec "do not wait"; here it is 0, no timeout.
 * Get: @ns written to @val (room for 16 bytes), *@len set.
 */
int socket_timeout_set(uint64_t *timeo_ns, const void *val, int len);
void socket_timeout_get(uint64_t ns, void *val, int *len);

/* Wrap @s in a new file (O_RDWR | (@flags & O_NONBLOCK)); the file owns the socket's
 * reference (released through ops->release, also on failure). Returns 0 or -ENOMEM. */
int socket_file_new(struct socket *s, uint32_t flags, struct file **out);

/*
 * Wiring done by the syscall layer at boot (net may not include fs, see DESIGN.md 2):
 * @hook runs first in a socket file's release (epoll drops its interest entries there),
 * and socket_get_file_ops() identifies socket files to epoll.
 */
void socket_set_release_hook(void (*hook)(struct file *f));
const struct file_ops *socket_get_file_ops(void);

/* The socket behind @f (borrowed, valid while @f is), or NULL if @f is not a socket. */
struct socket *socket_from_file(const struct file *f);
