// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for madvise: MADV_DONTNEED zero-fills private anonymous memory but keeps shared
 * and file contents, harmless hints succeed, and EINVAL/ENOMEM are returned for bad requests. */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define PG 4096

TEST(dontneed_zeroes_private_anon)
{
    char *p = CHECK(mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    memset(p, 0x77, 4 * PG);
    EXPECT_OK(madvise(p + PG, 2 * PG, MADV_DONTNEED));
    EXPECT_EQ(p[0], 0x77);
    EXPECT_EQ(p[PG], 0);
    EXPECT_EQ(p[3 * PG - 1], 0);
    EXPECT_EQ(p[3 * PG], 0x77);
    munmap(p, 4 * PG);
}

TEST(dontneed_keeps_shared_anon)
{
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    p[0] = 9;
    EXPECT_OK(madvise(p, PG, MADV_DONTNEED));
    EXPECT_EQ(p[0], 9);
    munmap(p, PG);
}

TEST(dontneed_private_file_reverts_to_file)
{
    write_file(tpath("f"), "original", 0644);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
    p[0] = 'X';
    EXPECT_OK(madvise(p, PG, MADV_DONTNEED));
    EXPECT_EQ(p[0], 'o');
    munmap(p, PG);
    close(fd);
}

TEST(hints_succeed)
{
    char *p = CHECK(mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_OK(madvise(p, 2 * PG, MADV_NORMAL));
    EXPECT_OK(madvise(p, 2 * PG, MADV_RANDOM));
    EXPECT_OK(madvise(p, 2 * PG, MADV_SEQUENTIAL));
    EXPECT_OK(madvise(p, 2 * PG, MADV_WILLNEED));
    EXPECT_OK(madvise(p, 0, MADV_DONTNEED));
    munmap(p, 2 * PG);
}

TEST(errors)
{
    char *p = CHECK(mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_ERRNO(madvise(p + 1, PG, MADV_DONTNEED), EINVAL);
    EXPECT_ERRNO(madvise(p, PG, 12345), EINVAL);
    munmap(p + PG, PG);
    EXPECT_ERRNO(madvise(p, 2 * PG, MADV_WILLNEED), ENOMEM);
    munmap(p, PG);
    EXPECT_ERRNO(madvise(p, PG, MADV_NORMAL), ENOMEM);
}

TEST(dontfork_hides_mapping_in_child)
{
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_OK(madvise(p, PG, MADV_DONTFORK));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        (void)*(volatile char *)p;
        _exit(0);
    }
    EXPECT_SIGNALED(pid, SIGSEGV);
    munmap(p, PG);
}
