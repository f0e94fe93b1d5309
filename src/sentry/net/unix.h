// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX sockets, implemented entirely in the Sentry (DESIGN.md 4): SOCK_STREAM,
 * SOCK_DGRAM and SOCK_SEQPACKET, socketpair, bind/listen/accept/connect on abstract and
 * path names, SCM_RIGHTS and SCM_CREDENTIALS.
 *
 * Locking: everything is protected by the kernel lock.
 */
#pragma once

struct task;
struct socket;

/* A new unbound unix socket of @type (SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET; the caller
 * validated it) with one reference in *@out. Returns 0 or -ENOMEM. */
int unix_socket_create(struct task *t, int type, struct socket **out);

/* Two connected unix sockets of @type (socketpair). Returns 0 or -ENOMEM. */
int unix_socket_pair(struct task *t, int type, struct socket **a, struct socket **b);
