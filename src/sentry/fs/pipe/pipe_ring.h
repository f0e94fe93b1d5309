// SPDX-License-Identifier: Apache-2.0
/*
 * The byte ring of a pipe: pure logic with no locking and no knowledge of files, so that it
 * can be unit-tested on its own (tests/unit/anon). pipe.c wraps it with readers, writers
 * and wait queues.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pipe_ring {
    uint8_t *buf; /* NULL until the first write (lazy: most pipes carry little data) */
    size_t cap;   /* capacity in bytes; a power of two >= 4096 */
    size_t head;  /* offset of the first unread byte */
    size_t len;   /* unread bytes */
};

/* Empty ring of @cap bytes (no allocation yet). */
void pipe_ring_init(struct pipe_ring *r, size_t cap);
/* Free the buffer. */
void pipe_ring_destroy(struct pipe_ring *r);

static inline size_t pipe_ring_space(const struct pipe_ring *r)
{
    return r->cap - r->len;
}

/* The contiguous unread bytes at the head: returns their count and sets *@p. */
size_t pipe_ring_read_span(const struct pipe_ring *r, const uint8_t **p);
/* Drop @n (<= len) bytes from the head. */
void pipe_ring_consume(struct pipe_ring *r, size_t n);
/* The contiguous free bytes after the tail (allocating the buffer on first use): returns
 * their count (0 if full or on allocation failure: check *@nomem) and sets *@p. */
size_t pipe_ring_write_span(struct pipe_ring *r, uint8_t **p, bool *nomem);
/* Mark @n (<= the last write span) bytes as written. */
void pipe_ring_commit(struct pipe_ring *r, size_t n);

/* Copy up to @n bytes in / out (helpers over the span functions). Return bytes copied;
 * push returns 0 with *@nomem set on allocation failure. */
size_t pipe_ring_push(struct pipe_ring *r, const void *src, size_t n, bool *nomem);
size_t pipe_ring_pop(struct pipe_ring *r, void *dst, size_t n);

/* Change the capacity to @cap (a power of two >= 4096), keeping the data.
 * Returns 0, -EBUSY if more than @cap bytes are queued, or -ENOMEM. */
int pipe_ring_resize(struct pipe_ring *r, size_t cap);
