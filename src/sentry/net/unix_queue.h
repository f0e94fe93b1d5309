// SPDX-License-Identifier: Apache-2.0
/*
 * The receive queue of a unix socket: a list of messages with byte accounting and the
 * stream and datagram read rules (message boundaries, truncation, peeking, where a batch of
 * passed files stops a stream read). Pure logic over uio and file references, so it can be
 * unit-tested on its own; unix.c adds sockets, blocking and notification.
 *
 * Locking: protected by the kernel lock.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/list.h"

struct file;
struct uio;
struct unix_sock;

#define UNIX_SCM_MAX_FD 253

/* Credentials carried by a message (struct ucred). */
struct unix_cred {
    int32_t pid;
    uint32_t uid, gid;
};

/* Files and credentials travelling with a message. */
struct unix_scm {
    struct file **files; /* references owned by whoever holds the scm */
    int nfiles;
    struct unix_cred cred;
    bool has_cred;
};

struct unix_msg {
    struct list_head link;
    size_t size;              /* payload bytes */
    size_t off;               /* bytes already consumed by stream reads */
    struct unix_sock *sender; /* reference held (wmem accounting, source address) */
    uint8_t from[112];        /* sender's address at send time (sockaddr_un bytes) */
    int fromlen;              /* 0: unnamed */
    struct unix_scm scm;
    uint8_t data[];
};

struct unix_queue {
    struct list_head msgs; /* of unix_msg, oldest first */
    size_t bytes;          /* unread payload bytes */
    int count;             /* messages */
};

void unix_queue_init(struct unix_queue *q);

/* New message with room for @size payload bytes (zeroed header). NULL on ENOMEM. */
struct unix_msg *unix_msg_alloc(size_t size);
/* Drop the message's file references and free it (not the sender: the caller's job). */
void unix_msg_free(struct unix_msg *m);
/* Drop the file references of @scm. */
void unix_scm_destroy(struct unix_scm *scm);

void unix_queue_push(struct unix_queue *q, struct unix_msg *m);
/* Unlink @m from @q (the caller frees it). */
void unix_queue_unlink(struct unix_queue *q, struct unix_msg *m);

static inline struct unix_msg *unix_queue_head(struct unix_queue *q)
{
    return list_empty(&q->msgs) ? NULL : list_first_entry(&q->msgs, struct unix_msg, link);
}

/* Called for each message a read consumed entirely, after it was unlinked. */
typedef void (*unix_consumed_fn)(struct unix_msg *m, void *arg);

/*
 * Stream read: copy bytes of successive messages into @u. Stops before a message with files
 * once some data was copied, and after a message with files (one batch of files per read).
 * Without @peek, copied bytes are consumed and the files of a read message move into @scm;
 * with @peek, @scm gets new references. @scm->cred is the first message's. Returns bytes
 * copied (0 if the queue is empty).
 */
size_t unix_queue_read_stream(struct unix_queue *q, struct uio *u, bool peek,
                              struct unix_scm *scm, unix_consumed_fn consumed, void *arg);

/*
 * Datagram read: copy the head message into @u (truncated to its room). Without @peek the
 * message is consumed. Fills @scm as above and *@size with the full message size.
 * Returns the bytes copied, or -EAGAIN if the queue is empty.
 */
ssize_t unix_queue_read_dgram(struct unix_queue *q, struct uio *u, bool peek,
                              struct unix_scm *scm, size_t *size, unix_consumed_fn consumed,
                              void *arg);
