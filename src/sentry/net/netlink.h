// SPDX-License-Identifier: Apache-2.0
/*
 * AF_NETLINK sockets of the route family (RTM_GETLINK/GETADDR/GETROUTE dumps of the stack's
 * interfaces), for ip(8), getifaddrs() and hostname -I.
 *
 * Locking: everything is protected by the kernel lock.
 */
#pragma once

struct task;
struct socket;

/* A new netlink socket of @type (SOCK_RAW or SOCK_DGRAM) and @protocol (NETLINK_ROUTE only:
 * -EPROTONOSUPPORT otherwise) with one reference in *@out. Returns 0 or -errno. */
int netlink_socket_create(struct task *t, int type, int protocol, struct socket **out);
