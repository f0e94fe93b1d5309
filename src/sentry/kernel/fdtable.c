// SPDX-License-Identifier: Apache-2.0
/*
 * The descriptor table: a growable array of (file, FD_CLOEXEC) slots with lowest-free
 * allocation. Limits (RLIMIT_NOFILE) are passed in by the callers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "sentry/context/klock.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs_ops.h"

/* Hard cap on the table, whatever RLIMIT_NOFILE says (Linux's default nr_open). */
#define FDTABLE_MAX (1 << 20)

struct fd_slot {
    struct file *file; /* reference held; NULL when free */
    int flags;         /* FD_CLOEXEC */
};

struct fdtable {
    int refs;
    struct fd_slot *slots;
    int cap;
    int lowest_free; /* no free slot below this index */
};

int fdtable_new(struct fdtable **out)
{
    struct fdtable *fdt = calloc(1, sizeof(*fdt));
    if (!fdt)
        return -ENOMEM;
    fdt->refs = 1;
    *out = fdt;
    return 0;
}

static int grow(struct fdtable *fdt, int need)
{
    if (need <= fdt->cap)
        return 0;
    if (need > FDTABLE_MAX)
        return -EMFILE;
    int ncap = fdt->cap ? fdt->cap : 64;
    while (ncap < need)
        ncap *= 2;
    if (ncap > FDTABLE_MAX)
        ncap = FDTABLE_MAX;
    struct fd_slot *n = realloc(fdt->slots, (size_t)ncap * sizeof(*n));
    if (!n)
        return -ENOMEM;
    memset(n + fdt->cap, 0, (size_t)(ncap - fdt->cap) * sizeof(*n));
    fdt->slots = n;
    fdt->cap = ncap;
    return 0;
}

int fdtable_copy(struct fdtable *src, struct fdtable **out)
{
    struct fdtable *fdt;
    int ret = fdtable_new(&fdt);
    if (ret < 0)
        return ret;
    ret = grow(fdt, src->cap);
    if (ret < 0) {
        fdtable_unref(fdt);
        return ret;
    }
    for (int i = 0; i < src->cap; i++) {
        if (src->slots[i].file) {
            fdt->slots[i].file = file_ref(src->slots[i].file);
            fdt->slots[i].flags = src->slots[i].flags;
        }
    }
    fdt->lowest_free = src->lowest_free;
    *out = fdt;
    return 0;
}

struct fdtable *fdtable_ref(struct fdtable *fdt)
{
    fdt->refs++;
    return fdt;
}

void fdtable_unref(struct fdtable *fdt)
{
    CV_BUG_ON(fdt && fdt->refs <= 0);
    if (!fdt || --fdt->refs > 0)
        return;
    for (int i = 0; i < fdt->cap; i++) {
        struct file *f = fdt->slots[i].file;
        fdt->slots[i].file = NULL;
        if (f) {
            vfs_locks_close(f, fdt);
            file_unref(f);
        }
    }
    free(fdt->slots);
    free(fdt);
}

static struct fd_slot *slot_of(struct fdtable *fdt, int fd)
{
    if (fd < 0 || fd >= fdt->cap || !fdt->slots[fd].file)
        return NULL;
    return &fdt->slots[fd];
}

struct file *fdtable_get(struct fdtable *fdt, int fd)
{
    KERNEL_LOCK_ASSERT();
    struct fd_slot *s = slot_of(fdt, fd);
    return s ? file_ref(s->file) : NULL;
}

int fdtable_get_flags(struct fdtable *fdt, int fd)
{
    struct fd_slot *s = slot_of(fdt, fd);
    return s ? s->flags : -EBADF;
}

int fdtable_set_flags(struct fdtable *fdt, int fd, int fd_flags)
{
    struct fd_slot *s = slot_of(fdt, fd);
    if (!s)
        return -EBADF;
    s->flags = fd_flags & FD_CLOEXEC;
    return 0;
}

int fdtable_install(struct fdtable *fdt, struct file *file, int min_fd, int fd_flags,
                    unsigned long limit)
{
    if (limit > FDTABLE_MAX)
        limit = FDTABLE_MAX;
    if (min_fd < 0 || (unsigned long)min_fd >= limit)
        return -EINVAL;
    int fd = min_fd > fdt->lowest_free ? min_fd : fdt->lowest_free;
    while (fd < fdt->cap && fdt->slots[fd].file)
        fd++;
    if ((unsigned long)fd >= limit)
        return -EMFILE;
    int ret = grow(fdt, fd + 1);
    if (ret < 0)
        return ret;
    fdt->slots[fd].file = file_ref(file);
    fdt->slots[fd].flags = fd_flags & FD_CLOEXEC;
    if (fd == fdt->lowest_free)
        fdt->lowest_free = fd + 1;
    return fd;
}

int fdtable_install_at(struct fdtable *fdt, int fd, struct file *file, int fd_flags)
{
    KERNEL_LOCK_ASSERT();
    if (fd < 0)
        return -EBADF;
    int ret = grow(fdt, fd + 1);
    if (ret < 0)
        return ret == -EMFILE ? -EBADF : ret;
    struct file *old = fdt->slots[fd].file;
    fdt->slots[fd].file = file_ref(file);
    fdt->slots[fd].flags = fd_flags & FD_CLOEXEC;
    if (fd == fdt->lowest_free)
        fdt->lowest_free = fd + 1;
    /* Released after the slot is consistent: a release hook may look at the table. */
    if (old) {
        vfs_locks_close(old, fdt);
        file_unref(old);
    }
    return 0;
}

int fdtable_close(struct fdtable *fdt, int fd)
{
    KERNEL_LOCK_ASSERT();
    struct fd_slot *s = slot_of(fdt, fd);
    if (!s)
        return -EBADF;
    struct file *f = s->file;
    s->file = NULL;
    s->flags = 0;
    if (fd < fdt->lowest_free)
        fdt->lowest_free = fd;
    vfs_locks_close(f, fdt);
    file_unref(f);
    return 0;
}

void fdtable_close_on_exec(struct fdtable *fdt)
{
    for (int i = 0; i < fdt->cap; i++) {
        if (fdt->slots[i].file && (fdt->slots[i].flags & FD_CLOEXEC))
            fdtable_close(fdt, i);
    }
}

int fdtable_capacity(struct fdtable *fdt)
{
    return fdt->cap > 64 ? fdt->cap : 64;
}

int fdtable_size(struct fdtable *fdt)
{
    int n = fdt->cap;
    while (n > 0 && !fdt->slots[n - 1].file)
        n--;
    return n;
}
