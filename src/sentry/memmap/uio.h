// SPDX-License-Identifier: Apache-2.0
/*
 * struct uio: a data transfer between a file and guest memory expressed as host iovecs that
 * point into the Sentry's mapping of the memory file (so host I/O can go straight to guest
 * memory), or into a Sentry buffer. Level 0: shared by mm (which builds them) and vfs/fs
 * (which consume them).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* One segment per guest page at worst: 4 MiB per transfer (callers loop or return short
 * counts beyond), and the host's IOV_MAX, so a uio can go to readv/writev as is. */
#define UIO_MAX_IOV 1024

struct uio {
    struct iovec iov[UIO_MAX_IOV]; /* segments; [first, iovcnt) remain */
    int first;
    int iovcnt;
    size_t size;                   /* total bytes described */
    size_t done;                   /* bytes transferred so far */
    uint64_t *frames;              /* memory-file frames pinned for this transfer */
    int nframes;
};

/* Describe the kernel buffer @buf/@size. */
void uio_init_kernel(struct uio *u, void *buf, size_t size);

/* Bytes still to transfer. */
static inline size_t uio_remaining(const struct uio *u)
{
    return u->size - u->done;
}

/* Copy up to @n bytes from @src into the destination segments. Returns bytes copied. */
size_t uio_copy_to(struct uio *u, const void *src, size_t n);

/* Copy up to @n bytes from the source segments into @dst. Returns bytes copied. */
size_t uio_copy_from(struct uio *u, void *dst, size_t n);

/* Mark @n bytes as transferred by someone else (e.g. readv(2) on a host fd that filled the
 * first @n bytes of the remaining segments). */
void uio_advance(struct uio *u, size_t n);

/* The remaining segments, for readv/writev on a host fd. Returns the count in *@cnt. */
const struct iovec *uio_iov(const struct uio *u, int *cnt);
