// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for memory protection keys as Linux answers on a CPU without them (this
 * machine class; the sandbox always behaves so): pkey_alloc fails (ENOSPC, as pkey_alloc(2)
 * documents; this host's kernel says EINVAL on a process's first call), with EINVAL for bad
 * arguments; pkey_free is EINVAL; pkey_mprotect with the default key -1 is mprotect and any
 * other key is EINVAL. */
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static void need_no_pkeys(void)
{
    long k = syscall(SYS_pkey_alloc, 0, 0);
    if (k >= 0) {
        syscall(SYS_pkey_free, k);
        SKIP("this CPU has protection keys (the sandbox reports none)");
    }
}

static void expect_no_key(long r)
{
    EXPECT_EQ(r, -1);
    EXPECT_TRUE(errno == ENOSPC || errno == EINVAL);
}

TEST(alloc_fails_and_free_is_einval)
{
    need_no_pkeys();
    expect_no_key(syscall(SYS_pkey_alloc, 0, 0));
    expect_no_key(syscall(SYS_pkey_alloc, 0, PKEY_DISABLE_WRITE));
    EXPECT_ERRNO(syscall(SYS_pkey_alloc, 1, 0), EINVAL);
    EXPECT_ERRNO(syscall(SYS_pkey_alloc, 0, 8), EINVAL);
    EXPECT_ERRNO(syscall(SYS_pkey_free, 0), EINVAL);
    EXPECT_ERRNO(syscall(SYS_pkey_free, 1), EINVAL);
}

TEST(mprotect_with_default_key)
{
    need_no_pkeys();
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p == MAP_FAILED ? -1 : 0);
    p[0] = 7;
    EXPECT_EQ(syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, -1), 0);
    EXPECT_EQ(p[0], 7);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        p[0] = 8; /* read-only now: SIGSEGV */
        _exit(0);
    }
    EXPECT_SIGNALED(pid, SIGSEGV);
    EXPECT_ERRNO(syscall(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_WRITE, 0), EINVAL);
    EXPECT_ERRNO(syscall(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_WRITE, 1), EINVAL);
    EXPECT_ERRNO(syscall(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_WRITE, -2), EINVAL);
    EXPECT_EQ(syscall(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_WRITE, -1), 0);
    p[0] = 9;
    EXPECT_EQ(p[0], 9);
    munmap(p, 4096);
}
