// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for mremap: shrinking, growing in place, moving with MREMAP_MAYMOVE,
 * MREMAP_FIXED, and the EINVAL/EFAULT/ENOMEM cases. */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define PG 4096

static char *anon(size_t len)
{
    char *p = CHECK(mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    for (size_t i = 0; i < len; i += PG)
        p[i] = (char)(i / PG + 1);
    return p;
}

TEST(shrink_in_place)
{
    char *p = anon(4 * PG);
    char *q = CHECK(mremap(p, 4 * PG, 2 * PG, 0));
    EXPECT_EQ(q, p);
    EXPECT_EQ(q[PG], 2);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        (void)*(volatile char *)(p + 3 * PG);
        _exit(0);
    }
    EXPECT_SIGNALED(pid, SIGSEGV);
    munmap(q, 2 * PG);
}

TEST(grow_in_place_when_room)
{
    /* Reserve 4 pages, then free the top 2 so there is room to grow into. */
    char *p = anon(4 * PG);
    munmap(p + 2 * PG, 2 * PG);
    char *q = CHECK(mremap(p, 2 * PG, 4 * PG, 0));
    EXPECT_EQ(q, p);
    EXPECT_EQ(q[PG], 2);
    EXPECT_EQ(q[3 * PG], 0);
    munmap(q, 4 * PG);
}

TEST(grow_blocked_without_maymove_enomem)
{
    char *p = anon(3 * PG);
    /* Page 2 stays mapped and blocks growth of the first page. */
    EXPECT_ERRNO(mremap(p, PG, 2 * PG, 0), ENOMEM);
    char *q = CHECK(mremap(p, PG, 4 * PG, MREMAP_MAYMOVE));
    EXPECT_NE(q, p);
    EXPECT_EQ(q[0], 1);
    EXPECT_EQ(q[3 * PG], 0);
    EXPECT_EQ(p[PG], 2); /* the rest of the old mapping is untouched */
    munmap(q, 4 * PG);
    munmap(p + PG, 2 * PG);
}

TEST(mremap_fixed_moves_to_address)
{
    char *p = anon(2 * PG);
    char *target = CHECK(mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    char *q = CHECK(mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, target + PG));
    EXPECT_EQ(q, target + PG);
    EXPECT_EQ(q[0], 1);
    EXPECT_EQ(q[PG], 2);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        (void)*(volatile char *)p; /* old location is gone */
        _exit(0);
    }
    EXPECT_SIGNALED(pid, SIGSEGV);
    munmap(target, 4 * PG);
}

TEST(einval_cases)
{
    char *p = anon(2 * PG);
    EXPECT_ERRNO(mremap(p + 1, PG, 2 * PG, MREMAP_MAYMOVE), EINVAL);
    EXPECT_ERRNO(mremap(p, PG, 2 * PG, 0x80), EINVAL);
    EXPECT_ERRNO(mremap(p, PG, 2 * PG, MREMAP_FIXED, p + 4 * PG), EINVAL); /* needs MAYMOVE */
    EXPECT_ERRNO(mremap(p, PG, 0, MREMAP_MAYMOVE), EINVAL);
    EXPECT_ERRNO(mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, p + PG),
                 EINVAL);                                   /* overlap */
    EXPECT_ERRNO(mremap(p, 0, PG, MREMAP_MAYMOVE), EINVAL); /* old_size 0 on a private mapping */
    munmap(p, 2 * PG);
}

TEST(efault_on_unmapped)
{
    char *p = anon(PG);
    munmap(p, PG);
    EXPECT_ERRNO(mremap(p, PG, 2 * PG, MREMAP_MAYMOVE), EFAULT);
}

TEST(shared_old_size_zero_duplicates)
{
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    p[0] = 'S';
    char *q = CHECK(mremap(p, 0, PG, MREMAP_MAYMOVE));
    EXPECT_NE(q, p);
    EXPECT_EQ(q[0], 'S');
    q[1] = 'T';
    EXPECT_EQ(p[1], 'T'); /* both map the same pages */
    munmap(p, PG);
    munmap(q, PG);
}
