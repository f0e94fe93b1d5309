// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for anonymous mmap and munmap: zero-filled private and shared mappings,
 * MAP_FIXED, MAP_FIXED_NOREPLACE, partial munmap, faults on unmapped pages, and EINVAL/EBADF. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define PG 4096

static int faults_in_child(volatile char *addr, int write)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (write)
            *addr = 1;
        else
            (void)*addr;
        _exit(0);
    }
    int st = wait_status(pid);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
}

TEST(anon_private_zeroed_and_writable)
{
    char *p = CHECK(mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_EQ((uintptr_t)p % PG, 0);
    for (int i = 0; i < 4 * PG; i += 512)
        EXPECT_EQ(p[i], 0);
    memset(p, 0xab, 4 * PG);
    EXPECT_EQ((unsigned char)p[4 * PG - 1], 0xab);
    EXPECT_OK(munmap(p, 4 * PG));
}

TEST(length_rounded_up)
{
    char *p = CHECK(mmap(NULL, 100, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    p[PG - 1] = 1; /* whole page is usable */
    EXPECT_OK(munmap(p, 100));
}

TEST(map_fixed_replaces)
{
    char *p = CHECK(mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    memset(p, 7, 3 * PG);
    char *q = CHECK(
        mmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    EXPECT_EQ(q, p + PG);
    EXPECT_EQ(p[0], 7);
    EXPECT_EQ(p[PG], 0); /* fresh page */
    EXPECT_EQ(p[2 * PG], 7);
    munmap(p, 3 * PG);
}

TEST(map_fixed_noreplace)
{
    char *p = CHECK(mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_ERRNO(mmap(p, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
                 EEXIST);
    EXPECT_ERRNO(
        mmap(p + PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
        EEXIST);
    munmap(p, 2 * PG);
    char *q = mmap(p, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    EXPECT_EQ(q, p);
    munmap(q, PG);
}

TEST(hint_is_not_binding_but_usable)
{
    char *p = CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    munmap(p, PG);
    char *q = CHECK(mmap(p, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_EQ(q, p); /* a free, aligned hint is honoured */
    munmap(q, PG);
}

TEST(partial_munmap)
{
    char *p = CHECK(mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    memset(p, 1, 3 * PG);
    EXPECT_OK(munmap(p + PG, PG));
    EXPECT_EQ(p[0], 1);
    EXPECT_EQ(p[2 * PG], 1);
    EXPECT_TRUE(faults_in_child(p + PG, 0));
    EXPECT_OK(munmap(p, 3 * PG)); /* unmapping a range with holes is fine */
    EXPECT_TRUE(faults_in_child(p, 0));
    EXPECT_OK(munmap(p, 3 * PG)); /* and so is unmapping nothing */
}

TEST(prot_none_faults)
{
    char *p = CHECK(mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_TRUE(faults_in_child(p, 0));
    munmap(p, PG);
    char *r = CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_TRUE(!faults_in_child(r, 0));
    EXPECT_TRUE(faults_in_child(r, 1));
    munmap(r, PG);
}

TEST(einval_cases)
{
    EXPECT_ERRNO(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    EXPECT_ERRNO(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL); /* neither type */
    EXPECT_ERRNO(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS, -1, 0),
                 EINVAL);
    EXPECT_ERRNO(
        mmap((void *)0x10001, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
        EINVAL);
    EXPECT_ERRNO(munmap((void *)0x10001, PG), EINVAL);
    EXPECT_ERRNO(munmap(NULL, 0), EINVAL);
    write_file(tpath("f"), "x", 0644);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_ERRNO(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL); /* unaligned offset */
    close(fd);
}

TEST(ebadf_and_enomem)
{
    EXPECT_ERRNO(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0), EBADF);
    EXPECT_ERRNO(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0), EBADF);
    EXPECT_ERRNO(mmap(NULL, 1UL << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM);
}

TEST(anon_shared_zeroed)
{
    int *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    EXPECT_EQ(p[10], 0);
    p[10] = 5;
    EXPECT_EQ(p[10], 5);
    munmap(p, PG);
}

TEST(large_sparse_mapping)
{
    size_t len = 256UL << 20;
    char *p = CHECK(mmap(NULL, len, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
    p[0] = 1;
    p[len / 2] = 2;
    p[len - 1] = 3;
    EXPECT_EQ(p[len / 2] + p[len - 1], 5);
    munmap(p, len);
}

/* The memory of shared files and shared anonymous mappings, in bytes (sysinfo sharedram). */
static uint64_t shared_bytes(void)
{
    struct sysinfo si;
    CHECK(sysinfo(&si));
    return (uint64_t)si.sharedram * si.mem_unit;
}

/* An offset past the largest file offset is EOVERFLOW (Linux's file_mmap_ok), and the
 * failed call keeps nothing of the file: its pages go when it is closed. */
TEST(offset_overflow_keeps_no_reference)
{
    const size_t size = 32 << 20;
    int fd = CHECK(memfd_create("overflow", 0));
    CHECK(ftruncate(fd, (off_t)size));
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        FATAL("mmap: %s", harness_errname(errno));
    memset(p, 1, size); /* every page allocated */
    CHECK(munmap(p, size));
    static const uint64_t offs[] = {0xfffffffffffff000ULL, 1ULL << 63, (1ULL << 63) - 4096};
    for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        errno = 0;
        long r = syscall(SYS_mmap, 0, 8192, PROT_READ, MAP_SHARED, fd, offs[i]);
        if (r != -1 || errno != EOVERFLOW)
            FAIL("offset %#llx: got %ld (%s), want EOVERFLOW", (unsigned long long)offs[i], r,
                 harness_errname(errno));
        if (r != -1)
            munmap((void *)r, 8192);
    }
    uint64_t before = shared_bytes();
    CHECK(close(fd));
    uint64_t after = shared_bytes();
    if (before < after || before - after < size * 3 / 4)
        FAIL("closing the file freed %lld bytes, want about %zu",
             (long long)before - (long long)after, size);
}
