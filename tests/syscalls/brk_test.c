// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for brk: querying the break, growing it and using the new memory, shrinking it
 * (the released pages fault), and requests the kernel refuses. */
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static uintptr_t sys_brk(uintptr_t addr)
{
    return (uintptr_t)syscall(SYS_brk, addr);
}

TEST(query_returns_current_break)
{
    uintptr_t cur = sys_brk(0);
    EXPECT_TRUE(cur != 0);
    EXPECT_EQ(sys_brk(0), cur);
    EXPECT_EQ((uintptr_t)sbrk(0), cur);
}

TEST(grow_and_use)
{
    uintptr_t cur = sys_brk(0);
    uintptr_t want = cur + 1024 * 1024;
    EXPECT_EQ(sys_brk(want), want);
    char *p = (char *)cur;
    memset(p, 0x5a, 1024 * 1024);
    EXPECT_EQ(p[1024 * 1024 - 1], 0x5a);
    EXPECT_EQ(sys_brk(0), want);
}

TEST(new_memory_is_zeroed)
{
    uintptr_t cur = sys_brk(0);
    uintptr_t pg = (cur + 4095) & ~4095UL;
    uintptr_t want = pg + 3 * 4096;
    EXPECT_EQ(sys_brk(want), want);
    for (uintptr_t a = pg; a < want; a += 256)
        EXPECT_EQ(*(char *)a, 0);
}

TEST(shrink_releases_pages)
{
    uintptr_t cur = sys_brk(0);
    uintptr_t pg = (cur + 4095) & ~4095UL;
    uintptr_t big = pg + 16 * 4096;
    CHECK(sys_brk(big) == big ? 0 : -1);
    *(volatile char *)(pg + 8 * 4096) = 1;
    EXPECT_EQ(sys_brk(pg + 4096), pg + 4096);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        (void)*(volatile char *)(pg + 8 * 4096);
        _exit(0);
    }
    EXPECT_SIGNALED(pid, SIGSEGV);
    /* Growing again gives zeroed memory, not the old contents. */
    EXPECT_EQ(sys_brk(big), big);
    EXPECT_EQ(*(volatile char *)(pg + 8 * 4096), 0);
}

TEST(refused_requests_return_old_break)
{
    uintptr_t cur = sys_brk(0);
    EXPECT_EQ(sys_brk(1), cur);                 /* below the data segment */
    EXPECT_EQ(sys_brk(cur + (1UL << 46)), cur); /* absurdly large */
    EXPECT_EQ(sbrk(0), (void *)cur);
}

TEST(child_inherits_break)
{
    uintptr_t cur = sys_brk(0);
    uintptr_t want = cur + 8192;
    CHECK(sys_brk(want) == want ? 0 : -1);
    *(volatile char *)cur = 9;
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(sys_brk(0) == want && *(volatile char *)cur == 9 ? 0 : 1);
    EXPECT_EXIT(pid, 0);
}
