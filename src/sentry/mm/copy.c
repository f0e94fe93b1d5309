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

#include "sentry/memfile/memfile.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_priv.h"

void *mm_host_ptr(struct mm_thread *t, struct mm *mm, gaddr_t addr, bool write)
{
    struct vma *v = vma_find(mm, addr);
    if (!v)
        return NULL;
    if (write ? !(v->prot & PROT_WRITE) : !(v->prot & (PROT_READ | PROT_WRITE)))
        return NULL;
    int err;
    uint64_t *pte = mm_populate_page(t, mm, v, addr >> 12, write ? MM_POP_WRITE : 0, &err);
    if (!pte)
        return NULL;
    return (char *)memfile_ptr(*pte & PTE_FRAME_MASK) + (addr & 4095);
}

/* Copy between guest [addr, addr+size) and @buf, page by page. */
static int copy_pages(struct mm_thread *t, gaddr_t addr, void *buf, size_t size, bool to_guest)
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

int mm_copy_in(struct mm_thread *t, gaddr_t addr, void *buf, size_t size)
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

int mm_copy_out(struct mm_thread *t, gaddr_t addr, const void *buf, size_t size)
{
    return copy_pages(t, addr, (void *)buf, size, true);
}

int mm_copy_out_force(struct mm_thread *t, gaddr_t addr, const void *buf, size_t size)
{
    const char *b = buf;
    if (addr + size < addr)
        return -EFAULT;
    while (size > 0) {
        size_t chunk = 4096 - (addr & 4095);
        if (chunk > size)
            chunk = size;
        struct vma *v = vma_find(t->mm, addr);
        if (!v)
            return -EFAULT;
        if (v->flags & MM_MAP_SHARED)
            return -EACCES;
        int err;
        uint64_t *pte = mm_populate_page(t, t->mm, v, addr >> 12, MM_POP_WRITE, &err);
        if (!pte)
            return -EFAULT;
        memcpy((char *)memfile_ptr(*pte & PTE_FRAME_MASK) + (addr & 4095), b, chunk);
        addr += chunk;
        b += chunk;
        size -= chunk;
    }
    return 0;
}

long mm_copy_in_str(struct mm_thread *t, gaddr_t addr, char *buf, size_t size)
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

int mm_copy_in_iovec(struct mm_thread *t, gaddr_t addr, int count, struct linux_iovec *out)
{
    if (count < 0 || count > LINUX_IOV_MAX)
        return -EINVAL;
    if (count == 0)
        return 0;
    int err = mm_copy_in(t, addr, out, (size_t)count * sizeof(*out));
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

/*
 * A uio's pages are resolved when it is built and again, under the kernel lock, whenever the
 * address space changed since (mm->map_gen) before its segments are used: data moves through
 * the page tables as they are when it moves, as Linux's copy_to_user does. So a read blocked
 * on a pipe fills the page the reader has when the data comes (the parent's after a fork and
 * copy-on-write, a new page after MADV_DONTNEED) and fails with EFAULT if the buffer was
 * unmapped meanwhile.
 *
 * Every page is pinned (memfile_pin, and in its address space, mm_pin) for segments used
 * without the kernel lock (host I/O straight into guest memory): the frame stays allocated
 * if the page goes meanwhile, and a private page is made the address space's own first
 * (copy-on-write broken even to read from it), so that a fork copies it for the child
 * instead of sharing it: the frame stays with the address space that started the transfer.
 */

#define UIO_MAX_PINS 1024 /* 4 MiB per transfer; callers loop or return short counts */
_Static_assert(UIO_MAX_PINS <= UIO_MAX_IOV, "a page adds at most one segment");

/* The host pointer of guest byte @addr for a transfer @to_guest (or from it), its page made
 * present, private pages made this address space's own. NULL where the app would fault. */
static char *uio_page_ptr(struct mm_thread *t, struct mm *mm, gaddr_t addr, bool to_guest)
{
    struct vma *v = vma_find(mm, addr);
    if (!v)
        return NULL;
    if (to_guest ? !(v->prot & PROT_WRITE) : !(v->prot & (PROT_READ | PROT_WRITE)))
        return NULL;
    int err;
    uint64_t *pte =
        mm_populate_page(t, mm, v, addr >> 12, to_guest ? MM_POP_WRITE : MM_POP_UNSHARE, &err);
    if (!pte)
        return NULL;
    return (char *)memfile_ptr(*pte & PTE_FRAME_MASK) + (addr & 4095);
}

static int pin(struct mm *mm, uint64_t frame)
{
    int err = mm_pin(mm, frame);
    if (err == 0)
        memfile_pin(frame);
    return err;
}

static void unpin(struct mm *mm, uint64_t frame)
{
    mm_unpin(mm, frame);
    memfile_unpin(frame);
}

/* Append host segment [@p, @p+@size) to @u's segments. Returns false if they are full. */
static bool uio_append(struct uio *u, char *p, size_t size)
{
    struct iovec *last = u->iovcnt ? &u->iov[u->iovcnt - 1] : NULL;
    if (last && (char *)last->iov_base + last->iov_len == p) {
        last->iov_len += size;
        return true;
    }
    if (u->iovcnt == UIO_MAX_IOV)
        return false;
    u->iov[u->iovcnt].iov_base = p;
    u->iov[u->iovcnt].iov_len = size;
    u->iovcnt++;
    return true;
}

/* Append guest [addr, addr+size) to @u. Returns the bytes added (short at a bad page or when
 * @u is full; 0 if the first byte is bad). */
static size_t uio_add_range(struct mm_thread *t, struct uio *u, gaddr_t addr, size_t size,
                            bool to_guest, int maxpages)
{
    size_t added = 0;
    while (added < size && u->npages < maxpages) {
        gaddr_t a = addr + added;
        size_t chunk = 4096 - (a & 4095);
        if (chunk > size - added)
            chunk = size - added;
        char *p = uio_page_ptr(t, t->mm, a, to_guest);
        if (!p)
            break;
        uint64_t frame = memfile_offset_of(p);
        if (pin(t->mm, frame) < 0)
            break;
        if (!uio_append(u, p, chunk)) {
            unpin(t->mm, frame);
            break;
        }
        u->pages[u->npages++] =
            (struct uio_page){.gaddr = a, .frame = frame, .size = (uint32_t)chunk};
        added += chunk;
        u->size += chunk;
    }
    return added;
}

/* Drop @u's pages from index @from on: it ends at the byte before them, or at @u->done. */
static void uio_cut(struct uio *u, struct mm *mm, int from, size_t end)
{
    for (int k = from; k < u->npages; k++)
        unpin(mm, u->pages[k].frame);
    u->npages = from;
    u->size = end;
}

/* @u's refresh: resolve the pages not transferred yet again if the address space changed
 * since they were, and rebuild the segments from the current position. A page the app could
 * no longer access ends the uio there (u->fault). */
static void uio_refresh(struct uio *u)
{
    struct mm_thread *t = u->owner;
    struct mm *mm = t->mm;
    if (u->gen == mm->map_gen || u->done == u->size)
        return;
    int i = 0;
    size_t before = 0; /* bytes of the pages before page i */
    while (i < u->npages && before + u->pages[i].size <= u->done)
        before += u->pages[i++].size;
    size_t skip = u->done - before; /* bytes of page i already moved */
    size_t end = before;
    u->first = u->iovcnt = 0;
    for (int k = i; k < u->npages; k++) {
        struct uio_page *pg = &u->pages[k];
        char *p = uio_page_ptr(t, mm, pg->gaddr, u->to_guest);
        uint64_t frame = p ? memfile_offset_of(p) : 0;
        if (p && frame != pg->frame) {
            if (pin(mm, frame) == 0) {
                unpin(mm, pg->frame);
                pg->frame = frame;
            } else {
                p = NULL;
            }
        }
        size_t off = k == i ? skip : 0;
        if (!p || !uio_append(u, p + off, pg->size - off)) {
            uio_cut(u, mm, k, k == i ? u->done : end);
            u->fault = true;
            break;
        }
        end += pg->size;
    }
    u->gen = mm->map_gen; /* after the pages were made present: that may bump it */
}

/* Pages spanned by @iov (at most UIO_MAX_PINS). */
static int count_pages(const struct linux_iovec *iov, int count)
{
    uint64_t n = 0;
    for (int i = 0; i < count && n < UIO_MAX_PINS; i++) {
        if (iov[i].len == 0)
            continue;
        if (iov[i].len >= (uint64_t)UIO_MAX_PINS * 4096)
            return UIO_MAX_PINS;
        n += ((iov[i].base + iov[i].len - 1) >> 12) - (iov[i].base >> 12) + 1;
    }
    return n < UIO_MAX_PINS ? (int)n : UIO_MAX_PINS;
}

int mm_uio_prepare(struct mm_thread *t, gaddr_t addr, size_t size, bool to_guest, struct uio *u)
{
    struct linux_iovec iov = {.base = addr, .len = size};
    return mm_uio_prepare_iov(t, &iov, 1, to_guest, u);
}

int mm_uio_prepare_iov(struct mm_thread *t, const struct linux_iovec *iov, int count, bool to_guest,
                       struct uio *u)
{
    u->first = u->iovcnt = u->npages = 0; /* the segment array itself needs no clearing */
    u->size = u->done = 0;
    u->fault = false;
    u->to_guest = to_guest;
    u->refresh = uio_refresh;
    u->owner = t;
    int maxpages = count_pages(iov, count);
    u->pages = malloc((size_t)(maxpages ? maxpages : 1) * sizeof(*u->pages));
    if (!u->pages)
        return -ENOMEM;
    for (int i = 0; i < count; i++) {
        if (iov[i].len == 0)
            continue;
        size_t got = uio_add_range(t, u, iov[i].base, iov[i].len, to_guest, maxpages);
        if (got < iov[i].len) {
            if (u->size == 0) {
                uio_release(u);
                return -EFAULT;
            }
            break; /* a short transfer, as Linux does at a bad page */
        }
    }
    u->gen = t->mm->map_gen; /* after the pages were made present: that may bump it */
    return 0;
}

void uio_release(struct uio *u)
{
    struct mm_thread *t = u->owner;
    for (int i = 0; i < u->npages; i++)
        unpin(t->mm, u->pages[i].frame);
    u->npages = 0;
    free(u->pages);
    u->pages = NULL;
}

/* ---- atomics and futex keys --------------------------------------------------------- */

int mm_atomic_cmpxchg_u32(struct mm_thread *t, gaddr_t addr, uint32_t expect, uint32_t desired,
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

int mm_atomic_load_u32(struct mm_thread *t, gaddr_t addr, uint32_t *val)
{
    if (addr & 3)
        return -EINVAL;
    uint32_t *p = mm_host_ptr(t, t->mm, addr, false);
    if (!p)
        return -EFAULT;
    *val = __atomic_load_n(p, __ATOMIC_SEQ_CST);
    return 0;
}

int mm_futex_key(struct mm_thread *t, gaddr_t addr, bool shared, struct futex_key *key)
{
    if (addr & 3)
        return -EINVAL;
    struct vma *v = vma_find(t->mm, addr);
    if (!v)
        return -EFAULT;
    if (shared && (v->flags & MM_MAP_SHARED)) {
        int err;
        uint64_t *pte = mm_populate_page(t, t->mm, v, addr >> 12, 0, &err);
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
