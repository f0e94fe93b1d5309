// SPDX-License-Identifier: Apache-2.0
/* struct uio helpers: copying into and out of a list of host segments. */
#include "sentry/memmap/uio.h"

#include <string.h>

void uio_init_kernel(struct uio *u, void *buf, size_t size)
{
    u->iov[0].iov_base = buf;
    u->iov[0].iov_len = size;
    u->first = 0;
    u->iovcnt = size ? 1 : 0;
    u->size = size;
    u->done = 0;
    u->pages = NULL;
    u->npages = 0;
    u->fault = false;
    u->to_guest = false;
    u->refresh = NULL;
    u->owner = NULL;
    u->gen = 0;
}

/* Move @n bytes between the front segments and @kbuf. */
static size_t uio_xfer(struct uio *u, void *kbuf, size_t n, int to_segments)
{
    size_t done = 0;
    char *k = kbuf;
    if (kbuf && u->refresh)
        u->refresh(u);
    while (done < n && u->first < u->iovcnt) {
        struct iovec *v = &u->iov[u->first];
        size_t c = v->iov_len < n - done ? v->iov_len : n - done;
        if (kbuf) {
            if (to_segments)
                memcpy(v->iov_base, k + done, c);
            else
                memcpy(k + done, v->iov_base, c);
        }
        v->iov_base = (char *)v->iov_base + c;
        v->iov_len -= c;
        done += c;
        if (v->iov_len == 0)
            u->first++;
    }
    u->done += done;
    return done;
}

size_t uio_copy_to(struct uio *u, const void *src, size_t n)
{
    return uio_xfer(u, (void *)src, n, 1);
}

size_t uio_copy_from(struct uio *u, void *dst, size_t n)
{
    return uio_xfer(u, dst, n, 0);
}

void uio_advance(struct uio *u, size_t n)
{
    uio_xfer(u, NULL, n, 1);
}

const struct iovec *uio_iov(struct uio *u, int *cnt)
{
    if (u->refresh)
        u->refresh(u);
    *cnt = u->iovcnt - u->first;
    return &u->iov[u->first];
}
