// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for msync and mincore: syncing a shared file mapping, flag validation, ENOMEM
 * for unmapped ranges, and residency reported for touched pages. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define PG 4096

static char *map_file(int *fdp)
{
    int fd = CHECK(open(tpath("f"), O_RDWR | O_CREAT, 0644));
    CHECK(ftruncate(fd, 2 * PG));
    *fdp = fd;
    return CHECK(mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
}

TEST(msync_shared_file)
{
    int fd;
    char *p = map_file(&fd);
    memcpy(p, "synced", 6);
    EXPECT_OK(msync(p, 2 * PG, MS_SYNC));
    EXPECT_OK(msync(p, PG, MS_ASYNC));
    EXPECT_OK(msync(p, PG, MS_INVALIDATE));
    char buf[8] = {0};
    EXPECT_EQ(pread(fd, buf, 6, 0), 6);
    EXPECT_STREQ(buf, "synced");
    munmap(p, 2 * PG);
    close(fd);
}

TEST(msync_errors)
{
    int fd;
    char *p = map_file(&fd);
    EXPECT_ERRNO(msync(p, PG, MS_SYNC | MS_ASYNC), EINVAL);
    EXPECT_ERRNO(msync(p + 1, PG, MS_SYNC), EINVAL);
    EXPECT_ERRNO(msync(p, PG, 0x100), EINVAL);
    munmap(p, 2 * PG);
    EXPECT_ERRNO(msync(p, PG, MS_SYNC), ENOMEM);
    close(fd);
}

TEST(msync_anon_ok)
{
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_OK(msync(p, PG, MS_SYNC));
    munmap(p, PG);
}

TEST(mincore_touched_page_resident)
{
    char *p = CHECK(mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    p[0] = 1;
    p[2 * PG] = 1;
    unsigned char vec[4];
    memset(vec, 0xee, sizeof(vec));
    EXPECT_OK(mincore(p, 4 * PG, vec));
    EXPECT_EQ(vec[0] & 1, 1);
    EXPECT_EQ(vec[2] & 1, 1);
    EXPECT_EQ(vec[1] & 0xfe, 0); /* only the low bit is defined */
    munmap(p, 4 * PG);
}

TEST(mincore_errors)
{
    char *p = CHECK(mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    unsigned char vec[2];
    EXPECT_ERRNO(mincore(p + 1, PG, vec), EINVAL);
    EXPECT_ERRNO(syscall(SYS_mincore, p, PG, (void *)1), EFAULT);
    munmap(p + PG, PG);
    EXPECT_ERRNO(mincore(p, 2 * PG, vec), ENOMEM);
    munmap(p, PG);
}
