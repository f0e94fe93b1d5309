// SPDX-License-Identifier: Apache-2.0
/* The byte ring of a pipe (see pipe_ring.h). Capacities are powers of two so that offsets
 * wrap with a mask. */
#include "sentry/fs/pipe/pipe_ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void pipe_ring_init(struct pipe_ring *r, size_t cap)
{
    r->buf = NULL;
    r->cap = cap;
    r->head = 0;
    r->len = 0;
}

void pipe_ring_destroy(struct pipe_ring *r)
{
    free(r->buf);
    r->buf = NULL;
    r->head = r->len = 0;
}

size_t pipe_ring_read_span(const struct pipe_ring *r, const uint8_t **p)
{
    if (r->len == 0 || !r->buf) {
        *p = NULL;
        return 0;
    }
    size_t to_end = r->cap - r->head;
    *p = r->buf + r->head;
    return r->len < to_end ? r->len : to_end;
}

void pipe_ring_consume(struct pipe_ring *r, size_t n)
{
    if (n > r->len)
        n = r->len;
    r->head = (r->head + n) & (r->cap - 1);
    r->len -= n;
    if (r->len == 0)
        r->head = 0; /* keeps later writes contiguous */
}

size_t pipe_ring_write_span(struct pipe_ring *r, uint8_t **p, bool *nomem)
{
    *p = NULL;
    if (r->len == r->cap)
        return 0;
    if (!r->buf) {
        r->buf = malloc(r->cap);
        if (!r->buf) {
            if (nomem)
                *nomem = true;
            return 0;
        }
    }
    size_t tail = (r->head + r->len) & (r->cap - 1);
    size_t span = tail >= r->head ? r->cap - tail : r->head - tail;
    if (span > r->cap - r->len)
        span = r->cap - r->len;
    *p = r->buf + tail;
    return span;
}

void pipe_ring_commit(struct pipe_ring *r, size_t n)
{
    r->len += n;
}

size_t pipe_ring_push(struct pipe_ring *r, const void *src, size_t n, bool *nomem)
{
    size_t done = 0;
    while (done < n) {
        uint8_t *p;
        size_t span = pipe_ring_write_span(r, &p, nomem);
        if (span == 0)
            break;
        if (span > n - done)
            span = n - done;
        memcpy(p, (const uint8_t *)src + done, span);
        pipe_ring_commit(r, span);
        done += span;
    }
    return done;
}

size_t pipe_ring_pop(struct pipe_ring *r, void *dst, size_t n)
{
    size_t done = 0;
    while (done < n) {
        const uint8_t *p;
        size_t span = pipe_ring_read_span(r, &p);
        if (span == 0)
            break;
        if (span > n - done)
            span = n - done;
        memcpy((uint8_t *)dst + done, p, span);
        pipe_ring_consume(r, span);
        done += span;
    }
    return done;
}

int pipe_ring_resize(struct pipe_ring *r, size_t cap)
{
    if (r->len > cap)
        return -EBUSY;
    if (!r->buf) {
        r->cap = cap;
        return 0;
    }
    uint8_t *nb = malloc(cap);
    if (!nb)
        return -ENOMEM;
    size_t len = r->len;
    pipe_ring_pop(r, nb, len);
    free(r->buf);
    r->buf = nb;
    r->cap = cap;
    r->head = 0;
    r->len = len;
    return 0;
}
