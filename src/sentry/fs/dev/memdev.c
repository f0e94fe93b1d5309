// SPDX-License-Identifier: Apache-2.0
/*
 * /dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom. Random bytes come from the
 * host's getrandom(2); /dev/random never blocks, as on Linux 5.6+ once the pool is ready.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "common/cleanup.h"
#include "sentry/fs/dev/memdev.h"
#include "sentry/memmap/mappable.h"
#include "sentry/vfs/vfs_internal.h"

static const char g_zeros[4096];

static int64_t mem_llseek(struct ctx *ctx, struct file *f, int64_t off, int whence)
{
    f->pos = 0; /* Linux's null_lseek/noop: the position stays 0 */
    return 0;
}

static ssize_t sink_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    size_t n = uio_remaining(u);
    uio_advance(u, n);
    return (ssize_t)n;
}

static ssize_t null_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    return 0;
}

static ssize_t zero_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    size_t total = 0;
    while (uio_remaining(u) > 0) {
        size_t want = MIN(uio_remaining(u), sizeof(g_zeros));
        size_t got = uio_copy_to(u, g_zeros, want);
        total += got;
        if (got < want)
            break;
    }
    return total ? (ssize_t)total : -EFAULT;
}

static ssize_t full_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    return -ENOSPC;
}

static ssize_t random_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    char buf[4096];
    size_t total = 0;
    while (uio_remaining(u) > 0) {
        size_t want = MIN(uio_remaining(u), sizeof(buf));
        ssize_t r = getrandom(buf, want, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return total ? (ssize_t)total : -errno;
        }
        size_t got = uio_copy_to(u, buf, (size_t)r);
        total += got;
        if (got < (size_t)r)
            break;
    }
    return total ? (ssize_t)total : -EFAULT;
}

/* /dev/zero mappings read as zeros (the memory manager treats them like anonymous memory). */
static int zero_fill(struct mappable *m, uint64_t off, void *dst, size_t size)
{
    memset(dst, 0, size);
    return 0;
}

static uint64_t zero_size(struct mappable *m)
{
    return UINT64_MAX;
}

static void zero_ref(struct mappable *m)
{
}

static const struct mappable_ops g_zero_mappable_ops = {
    .fill = zero_fill,
    .size = zero_size,
    .ref = zero_ref,
    .unref = zero_ref,
};

static struct mappable g_zero_mappable = {
    .ops = &g_zero_mappable_ops,
    .name = "/dev/zero (deleted)",
};

static int zero_get_mappable(struct ctx *ctx, struct file *f, struct mappable **out)
{
    *out = &g_zero_mappable;
    return 0;
}

static const struct file_ops g_null_fops = {
    .read = null_read,
    .write = sink_write,
    .llseek = mem_llseek,
};

static const struct file_ops g_zero_fops = {
    .read = zero_read,
    .write = sink_write,
    .llseek = mem_llseek,
    .get_mappable = zero_get_mappable,
};

static const struct file_ops g_full_fops = {
    .read = zero_read,
    .write = full_write,
    .llseek = mem_llseek,
};

static const struct file_ops g_random_fops = {
    .read = random_read,
    .write = sink_write,
    .llseek = mem_llseek,
};

int memdev_register(void)
{
    static const struct {
        uint32_t minor;
        const struct file_ops *fops;
    } devs[] = {
        {3, &g_null_fops},   {5, &g_zero_fops},   {7, &g_full_fops},
        {8, &g_random_fops}, {9, &g_random_fops},
    };
    for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
        int ret = vfs_register_chrdev(1, devs[i].minor, devs[i].fops);
        if (ret < 0 && ret != -EEXIST)
            return ret;
    }
    return 0;
}
