// SPDX-License-Identifier: Apache-2.0
/* Inode numbers and stat for anonymous files (see anon.h). */
#include "sentry/fs/anon/anon.h"

#include <string.h>
#include <time.h>

#include "abi/linux/stat.h"
#include "sentry/kernel/kernel.h"

static uint64_t g_next_anon_ino = 4096; /* Protected by the kernel lock */

uint64_t anon_ino_alloc(void)
{
    return g_next_anon_ino++;
}

uint64_t anon_realtime_ns(void)
{
    return kernel_realtime_ns();
}

void anon_fill_stat(struct linux_stat *st, uint32_t mode, uint64_t dev, uint64_t ino,
                    uint64_t ctime_ns)
{
    memset(st, 0, sizeof(*st));
    st->st_dev = dev;
    st->st_ino = ino;
    st->st_nlink = 1;
    st->st_mode = mode;
    st->st_blksize = 4096;
    struct linux_timespec ts = {(int64_t)(ctime_ns / 1000000000ull),
                                (int64_t)(ctime_ns % 1000000000ull)};
    st->st_atim = ts;
    st->st_mtim = ts;
    st->st_ctim = ts;
}
