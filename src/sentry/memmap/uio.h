// SPDX-License-Identifier: Apache-2.0
/*
 * struct uio: a data transfer between a file and guest memory expressed as host iovecs that
 * point into the Sentry's mapping of the memory file (so host I/O can go straight to guest
 * memory), or into a Sentry buffer. Level 0: shared by mm (which builds them) and vfs/fs
 * (which consume them).
 *
 * A uio over guest memory remembers the guest pages it covers. Its consumers may block (the
 * kernel lock released) between building it and moving the data; meanwhile the address space
 * may change under it (fork and copy-on-write, munmap, MADV_DONTNEED, mprotect, a truncated
 * file). Before segments are used (uio_copy_to/from, uio_iov), @refresh lets mm bring them up
 * to date, so that data moves through the page tables as they are when it moves (Linux's
 * copy_to_user). Locking: the kernel lock, held by the consumer around each call here.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* One segment per guest page at worst: 4 MiB per transfer (callers loop or return short
 * counts beyond), and the host's IOV_MAX, so a uio can go to readv/writev as is. */
#define UIO_MAX_IOV 1024

/* The piece of a transfer in one guest page (built and used by mm only). */
struct uio_page {
    uint64_t gaddr; /* guest address of the piece's first byte */
    uint64_t frame; /* the memory-file frame pinned for it */
    uint32_t size;  /* bytes of the piece (it never crosses its page's end) */
};

struct uio {
    struct iovec iov[UIO_MAX_IOV]; /* segments; [first, iovcnt) remain */
    int first;
    int iovcnt;
    size_t size; /* total bytes described */
    size_t done; /* bytes transferred so far */
    /* Guest memory only (NULL/0 for a Sentry buffer): the pieces in order, owned by mm. */
    struct uio_page *pages;
    int npages;
    bool fault;                     /* the guest buffer went away part-way: the uio ends there */
    bool to_guest;                  /* the data goes into the guest pages (a read) */
    void (*refresh)(struct uio *u); /* NULL, or called before the segments are used */
    void *owner;                    /* for @refresh: the task whose memory this is */
    uint64_t gen;                   /* for @refresh: the address space's state when built */
};

/* Describe the kernel buffer @buf/@size. */
void uio_init_kernel(struct uio *u, void *buf, size_t size);

/* Bytes still to transfer. */
static inline size_t uio_remaining(const struct uio *u)
{
    return u->size - u->done;
}

/* The result of a transfer over @u whose consumer returned @n: -EFAULT (as a negative errno
 * value) if the guest buffer went away or lost its access before a byte moved, else @n. */
static inline long uio_result(const struct uio *u, long n)
{
    return u->fault && u->done == 0 ? -EFAULT : n;
}

/* Copy up to @n bytes from @src into the destination segments. Returns bytes copied. */
size_t uio_copy_to(struct uio *u, const void *src, size_t n);

/* Copy up to @n bytes from the source segments into @dst. Returns bytes copied. */
size_t uio_copy_from(struct uio *u, void *dst, size_t n);

/* Mark @n bytes as transferred by someone else (e.g. readv(2) on a host fd that filled the
 * first @n bytes of the remaining segments). */
void uio_advance(struct uio *u, size_t n);

/* The remaining segments, for readv/writev on a host fd. Returns the count in *@cnt. The
 * segments stay valid (their frames pinned) until uio_release, even without the kernel lock. */
const struct iovec *uio_iov(struct uio *u, int *cnt);
