// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for mprotect: a write to a read-only page raises SIGSEGV with si_addr and
 * SEGV_ACCERR, unmapped pages give SEGV_MAPERR, protections can be restored, and EINVAL/ENOMEM. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define PG 4096

static sigjmp_buf jb;
static volatile void *fault_addr;
static volatile int fault_code;

static void segv_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jb, 1);
}

static void install(void)
{
    struct sigaction sa = {.sa_sigaction = segv_handler, .sa_flags = SA_SIGINFO};
    CHECK(sigaction(SIGSEGV, &sa, NULL));
}

/* Returns 1 if writing to addr faulted. */
static int try_write(volatile char *addr)
{
    fault_addr = NULL;
    if (sigsetjmp(jb, 1) == 0) {
        *addr = 1;
        return 0;
    }
    return 1;
}

static int try_read(volatile char *addr)
{
    fault_addr = NULL;
    if (sigsetjmp(jb, 1) == 0) {
        (void)*addr;
        return 0;
    }
    return 1;
}

TEST(write_to_readonly_segv_accerr)
{
    install();
    char *p = CHECK(mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    p[PG + 8] = 3;
    EXPECT_OK(mprotect(p + PG, PG, PROT_READ));
    EXPECT_TRUE(!try_write(p)); /* the first page is untouched */
    EXPECT_TRUE(try_write(p + PG + 16));
    EXPECT_EQ(fault_addr, p + PG + 16);
    EXPECT_EQ(fault_code, SEGV_ACCERR);
    EXPECT_EQ(p[PG + 8], 3); /* still readable */
    EXPECT_OK(mprotect(p + PG, PG, PROT_READ | PROT_WRITE));
    EXPECT_TRUE(!try_write(p + PG + 16));
    munmap(p, 2 * PG);
}

TEST(prot_none_read_faults)
{
    install();
    char *p = CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_OK(mprotect(p, PG, PROT_NONE));
    EXPECT_TRUE(try_read(p + 100));
    EXPECT_EQ(fault_addr, p + 100);
    EXPECT_EQ(fault_code, SEGV_ACCERR);
    munmap(p, PG);
}

TEST(unmapped_access_maperr)
{
    install();
    char *p = CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    munmap(p, PG);
    EXPECT_TRUE(try_read(p + 5));
    EXPECT_EQ(fault_addr, p + 5);
    EXPECT_EQ(fault_code, SEGV_MAPERR);
}

TEST(mask_restored_after_siglongjmp)
{
    install();
    char *p = CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_TRUE(try_write(p));
    EXPECT_TRUE(try_write(p)); /* SIGSEGV must not remain blocked */
    munmap(p, PG);
}

TEST(exec_permission_on_anon)
{
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    p[0] = (char)0xc3; /* ret */
    EXPECT_OK(mprotect(p, PG, PROT_READ | PROT_EXEC));
    ((void (*)(void))p)();
    munmap(p, PG);
}

TEST(errors)
{
    char *p = CHECK(mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_ERRNO(mprotect(p + 1, PG, PROT_READ), EINVAL);
    EXPECT_ERRNO(mprotect(p, PG, 0x100), EINVAL);
    munmap(p + PG, PG);
    EXPECT_ERRNO(mprotect(p, 2 * PG, PROT_READ), ENOMEM); /* range includes a hole */
    EXPECT_OK(mprotect(p, 0, PROT_READ));
    munmap(p, PG);
}

TEST(segv_default_kills)
{
    char *p = CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        *(volatile char *)p = 1;
        _exit(0);
    }
    EXPECT_SIGNALED(pid, SIGSEGV);
    munmap(p, PG);
}
