// SPDX-License-Identifier: Apache-2.0
/*
 * AF_INET and AF_INET6 sockets (SOCK_STREAM: TCP, SOCK_DGRAM: UDP) on the Sentry's own
 * TCP/IP stack (net/lwip/netstack.h), the default --network=sandbox mode (DESIGN.md 4).
 * The socket objects, their blocking, signals and readiness are the Sentry's; lwIP only
 * moves the packets (docs/network.md).
 *
 * Lock order: g_kernel.lock, then the netstack lock. Socket state that lwIP's callbacks
 * change is protected by the netstack lock; the wait queue by the kernel lock.
 */
#pragma once

#include <stddef.h>

#include "abi/linux/types.h"

struct task;
struct socket;

/* Bring up the stack for --network=@mode ("sandbox" or "none"; both loopback only for now)
 * and the inet layer's hooks into it. Called once at boot. Returns 0, -EINVAL for an
 * unknown mode, or -errno. */
int inet_init(const char *mode);

/* A new inet socket of @family/@type/@protocol (validated here: -EPROTONOSUPPORT,
 * -ESOCKTNOSUPPORT, -EAFNOSUPPORT when the stack is off) with one reference in *@out.
 * Caller holds the kernel lock. Returns 0 or -errno (-ENOBUFS past the socket limit). */
int inet_socket_create(struct task *t, int family, int type, int protocol, struct socket **out);

/* The interface ioctls (SIOCGIFCONF, SIOCGIFFLAGS, SIOCGIFINDEX, SIOCGIFADDR...), which Linux
 * answers on a socket of any family: their result, or -ENOTTY if @cmd is not one of them.
 * Caller holds the kernel lock. */
long inet_ifreq_ioctl(struct task *t, unsigned int cmd, gaddr_t arg);

/* The text of /proc/net/@which ("tcp", "tcp6", "udp", "udp6", "dev", "route", "if_inet6") in
 * Linux's format, in
 * a new malloc'ed buffer (*@out, *@len). Caller holds the kernel lock. Returns 0, -ENOENT
 * for another name, or -ENOMEM. */
int inet_proc_net_text(const char *which, char **out, size_t *len);
