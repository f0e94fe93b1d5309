// SPDX-License-Identifier: Apache-2.0
/*
 * The only way to touch guest memory: copy_in/copy_out and friends go through the Sentry's
 * mapping of the memory file, populating pages and breaking copy-on-write like a real access
 * would, and failing with -EFAULT where the app itself would fault.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sentry/kernel/task.h"
#include "sentry/memfile/memfile.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_priv.h"

void *mm_host_ptr(struct task *t, struct mm *mm, gaddr_t addr, bool write)
{
    struct vma *v = vma_find(mm, addr);
    if (!v)
        return NULL;
    if (write ? !(v->prot & PROT_WRITE) : !(v->prot & (PROT_READ | PROT_WRITE)))
        return NULL;
    int err;
    uint64_t *pte = mm_populate_page(t, mm, v, addr >> 12, write, &err);
    if (!pte)
        return NULL;
    return (char *)memfile_ptr(*pte & PTE_FRAME_MASK) + (addr & 4095);
}

/* Copy between guest [addr, addr+size) and @buf, page by page. */
static int copy_pages(struct task *t, gaddr_t addr, void *buf, size_t size, bool to_guest)
{
    char *b = buf;
    if (addr + size < addr)
        return -EFAULT;
    while (size > 0) {
        size_t chunk = 4096 - (addr & 4095);
        if (chunk > size)
            chunk = size;
        char *p = mm_host_ptr(t, t->mm, addr, to_guest);
        if (!p)
            return -EFAULT;
        if (to_guest)
            memcpy(p, b, chunk);
        else
            memcpy(b, p, chunk);
        addr += chunk;
        b += chunk;
        size -= chunk;
    }
    return 0;
}

int copy_in(struct task *t, gaddr_t addr, void *buf, size_t size)
{
    return copy_pages(t, addr, buf, size, false);
}

int mm_copy_in_mm(struct mm *mm, gaddr_t addr, void *buf, size_t size)
{
    char *b = buf;
    if (addr + size < addr)
        return -EFAULT;
    while (size > 0) {
        size_t chunk = 4096 - (addr & 4095);
        if (chunk > size)
            chunk = size;
        /* A read never breaks copy-on-write, so no task (platform context) is needed. */
        const char *p = mm_host_ptr(NULL, mm, addr, false);
        if (!p)
            return -EFAULT;
        memcpy(b, p, chunk);
        addr += chunk;
        b += chunk;
        size -= chunk;
    }
    return 0;
}

int copy_out(struct task *t, gaddr_t addr, const void *buf, size_t size)
{
    return copy_pages(t, addr, (void *)buf, size, true);
}

long copy_in_str(struct task *t, gaddr_t addr, char *buf, size_t size)
{
    size_t len = 0;
    while (len < size) {
        const char *p = mm_host_ptr(t, t->mm, addr + len, false);
        if (!p)
            return -EFAULT;
        size_t chunk = 4096 - ((addr + len) & 4095);
        if (chunk > size - len)
            chunk = size - len;
        const char *nul = memchr(p, 0, chunk);
        if (nul) {
            size_t n = (size_t)(nul - p);
            memcpy(buf + len, p, n + 1);
            return (long)(len + n);
        }
        memcpy(buf + len, p, chunk);
        len += chunk;
    }
    return -ENAMETOOLONG;
}

int copy_in_iovec(struct task *t, gaddr_t addr, int count, struct linux_iovec *out)
{
    if (count < 0 || count > LINUX_IOV_MAX)
        return -EINVAL;
    if (count == 0)
        return 0;
    int err = copy_in(t, addr, out, (size_t)count * sizeof(*out));
    if (err < 0)
        return err;
    uint64_t total = 0;
    for (int i = 0; i < count; i++) {
        if (out[i].len > (uint64_t)INT64_MAX)
            return -EINVAL;
        total += out[i].len;
        if (total > (uint64_t)INT64_MAX)
            return -EINVAL;
    }
    return 0;
}

/* ---- uio over guest memory ------------------------------------------------------------ */

/* Append guest [addr, addr+size) to @u. Returns bytes added (short at a bad page; 0 if the
 * first byte is bad) or -ENOMEM when the uio is full before anything was added. */
static size_t uio_add_range(struct task *t, struct uio *u, gaddr_t addr, size_t size, bool to_guest,
                            uint64_t *pins, int maxpins)
{
    size_t added = 0;
    while (added < size) {
        gaddr_t a = addr + added;
        size_t chunk = 4096 - (a & 4095);
        if (chunk > size - added)
            chunk = size - added;
        if (u->nframes >= maxpins)
            break;
        char *p = mm_host_ptr(t, t->mm, a, to_guest);
        if (!p)
            break;
        /* A pin, not a reference: the page must not look copy-on-write shared to another
         * thread's write while a blocked read fills it. */
        uint64_t frame = memfile_offset_of(p);
        memfile_pin(frame);
        pins[u->nframes++] = frame;
        struct iovec *last = u->iovcnt ? &u->iov[u->iovcnt - 1] : NULL;
        if (last && (char *)last->iov_base + last->iov_len == p) {
            last->iov_len += chunk;
        } else {
            if (u->iovcnt == UIO_MAX_IOV) {
                memfile_unpin(pins[--u->nframes]);
                break;
            }
            u->iov[u->iovcnt].iov_base = p;
            u->iov[u->iovcnt].iov_len = chunk;
            u->iovcnt++;
        }
        added += chunk;
        u->size += chunk;
    }
    return added;
}

#define UIO_MAX_PINS 1024 /* 4 MiB per transfer; callers loop or return short counts */

int mm_uio_prepare(struct task *t, gaddr_t addr, size_t size, bool to_guest, struct uio *u)
{
    struct linux_iovec iov = {.base = addr, .len = size};
    return mm_uio_prepare_iov(t, &iov, 1, to_guest, u);
}

int mm_uio_prepare_iov(struct task *t, const struct linux_iovec *iov, int count, bool to_guest,
                       struct uio *u)
{
    u->first = u->iovcnt = u->nframes = 0; /* the segment array itself needs no clearing */
    u->size = u->done = 0;
    u->frames = malloc(UIO_MAX_PINS * sizeof(uint64_t));
    if (!u->frames)
        return -ENOMEM;
    for (int i = 0; i < count; i++) {
        if (iov[i].len == 0)
            continue;
        size_t got =
            uio_add_range(t, u, iov[i].base, iov[i].len, to_guest, u->frames, UIO_MAX_PINS);
        if (got < iov[i].len) {
            if (u->size == 0) {
                uio_release(u);
                return -EFAULT;
            }
            break; /* a short transfer, as Linux does at a bad page */
        }
    }
    return 0;
}

void uio_release(struct uio *u)
{
    for (int i = 0; i < u->nframes; i++)
        memfile_unpin(u->frames[i]);
    u->nframes = 0;
    free(u->frames);
    u->frames = NULL;
}

/* ---- atomics and futex keys --------------------------------------------------------- */

int mm_atomic_cmpxchg_u32(struct task *t, gaddr_t addr, uint32_t expect, uint32_t desired,
                          uint32_t *old)
{
    if (addr & 3)
        return -EINVAL;
    uint32_t *p = mm_host_ptr(t, t->mm, addr, true);
    if (!p)
        return -EFAULT;
    uint32_t e = expect;
    __atomic_compare_exchange_n(p, &e, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    *old = e;
    return 0;
}

int mm_atomic_load_u32(struct task *t, gaddr_t addr, uint32_t *val)
{
    if (addr & 3)
        return -EINVAL;
    uint32_t *p = mm_host_ptr(t, t->mm, addr, false);
    if (!p)
        return -EFAULT;
    *val = __atomic_load_n(p, __ATOMIC_SEQ_CST);
    return 0;
}

int mm_futex_key(struct task *t, gaddr_t addr, bool shared, struct futex_key *key)
{
    if (addr & 3)
        return -EINVAL;
    struct vma *v = vma_find(t->mm, addr);
    if (!v)
        return -EFAULT;
    if (shared && (v->flags & MM_MAP_SHARED)) {
        int err;
        uint64_t *pte = mm_populate_page(t, t->mm, v, addr >> 12, false, &err);
        if (!pte)
            return -EFAULT;
        key->a = 0;
        key->b = (*pte & PTE_FRAME_MASK) | (addr & 4095);
        return 0;
    }
    key->a = (uint64_t)(uintptr_t)t->mm;
    key->b = addr;
    return 0;
}
