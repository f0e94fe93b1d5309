// SPDX-License-Identifier: Apache-2.0
/* Receive queues of unix sockets (unix_queue.h). */
#include "sentry/net/unix_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/memmap/uio.h"
#include "sentry/vfs/file.h"

void unix_queue_init(struct unix_queue *q)
{
    list_init(&q->msgs);
    q->bytes = 0;
    q->count = 0;
}

struct unix_msg *unix_msg_alloc(size_t size)
{
    struct unix_msg *m = calloc(1, sizeof(*m) + size);
    if (!m)
        return NULL;
    list_init(&m->link);
    m->size = size;
    return m;
}

void unix_scm_destroy(struct unix_scm *scm)
{
    for (int i = 0; i < scm->nfiles; i++)
        file_unref(scm->files[i]);
    free(scm->files);
    scm->files = NULL;
    scm->nfiles = 0;
}

void unix_msg_free(struct unix_msg *m)
{
    unix_scm_destroy(&m->scm);
    free(m);
}

void unix_queue_push(struct unix_queue *q, struct unix_msg *m)
{
    list_add_tail(&m->link, &q->msgs);
    q->bytes += m->size - m->off;
    q->count++;
}

void unix_queue_unlink(struct unix_queue *q, struct unix_msg *m)
{
    list_del(&m->link);
    q->bytes -= m->size - m->off;
    q->count--;
}

/* Give @scm the files of @m: moved, or duplicated when peeking. Returns 0 or -ENOMEM. */
static int scm_take(struct unix_msg *m, bool peek, struct unix_scm *scm)
{
    if (m->scm.nfiles == 0)
        return 0;
    if (!peek) {
        scm->files = m->scm.files;
        scm->nfiles = m->scm.nfiles;
        m->scm.files = NULL;
        m->scm.nfiles = 0;
        return 0;
    }
    scm->files = calloc((size_t)m->scm.nfiles, sizeof(*scm->files));
    if (!scm->files)
        return -ENOMEM;
    for (int i = 0; i < m->scm.nfiles; i++)
        scm->files[i] = file_ref(m->scm.files[i]);
    scm->nfiles = m->scm.nfiles;
    return 0;
}

size_t unix_queue_read_stream(struct unix_queue *q, struct uio *u, bool peek,
                              struct unix_scm *scm, unix_consumed_fn consumed, void *arg)
{
    size_t copied = 0;
    struct unix_msg *m, *tmp;
    bool first = true;

    list_for_each_entry_safe(m, tmp, &q->msgs, link)
    {
        if (uio_remaining(u) == 0)
            break;
        bool has_files = m->scm.nfiles > 0;
        if (has_files && copied > 0)
            break;
        if (first) {
            scm->cred = m->scm.cred;
            scm->has_cred = m->scm.has_cred;
            first = false;
        }
        size_t n = uio_copy_to(u, m->data + m->off, m->size - m->off);
        copied += n;
        if (has_files)
            scm_take(m, peek, scm); /* on ENOMEM the files are lost (as a failed skb) */
        if (!peek) {
            m->off += n;
            q->bytes -= n;
            if (m->off == m->size) {
                list_del(&m->link);
                q->count--;
                consumed(m, arg);
            }
        }
        if (has_files)
            break;
    }
    return copied;
}

ssize_t unix_queue_read_dgram(struct unix_queue *q, struct uio *u, bool peek,
                              struct unix_scm *scm, size_t *size, unix_consumed_fn consumed,
                              void *arg)
{
    struct unix_msg *m = unix_queue_head(q);
    if (!m)
        return -EAGAIN;
    size_t n = uio_copy_to(u, m->data, m->size);
    *size = m->size;
    scm->cred = m->scm.cred;
    scm->has_cred = m->scm.has_cred;
    scm_take(m, peek, scm);
    if (!peek) {
        unix_queue_unlink(q, m);
        consumed(m, arg);
    }
    return (ssize_t)n;
}
