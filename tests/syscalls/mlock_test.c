// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for mlock, mlock2, munlock, mlockall and readahead: their argument checks
 * (ENOMEM for unmapped ranges, EINVAL for unknown flags, EBADF/EINVAL for readahead's file). */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(lock_mapped_ranges_only)
{
    char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p == MAP_FAILED ? -1 : 0);
    EXPECT_EQ(mlock(p, 3 * 4096), 0);
    EXPECT_EQ(mlock(p + 1, 10), 0); /* rounded out to whole pages */
    EXPECT_EQ(munlock(p, 3 * 4096), 0);
    EXPECT_EQ(syscall(SYS_mlock2, p, 4096, 0), 0);
    EXPECT_EQ(syscall(SYS_mlock2, p, 4096, MLOCK_ONFAULT), 0);
    EXPECT_ERRNO(syscall(SYS_mlock2, p, 4096, 2), EINVAL);
    CHECK(munmap(p + 4096, 4096));
    EXPECT_ERRNO(mlock(p, 3 * 4096), ENOMEM); /* a hole */
    EXPECT_ERRNO(syscall(SYS_mlock2, p, 3 * 4096, 0), ENOMEM);
    EXPECT_ERRNO(munlock(p, 3 * 4096), ENOMEM);
    EXPECT_EQ(munlockall(), 0);
    EXPECT_ERRNO(mlockall(0), EINVAL);
    EXPECT_ERRNO(mlockall(MCL_ONFAULT), EINVAL);
    EXPECT_ERRNO(mlockall(8), EINVAL);
    munmap(p, 3 * 4096);
}

TEST(readahead_checks_its_file)
{
    int f = CHECK(open(tpath("f"), O_RDWR | O_CREAT, 0644));
    CHECK(write(f, "data", 4));
    int w = CHECK(open(tpath("f"), O_WRONLY));
    int d = CHECK(open(harness_tmp, O_RDONLY | O_DIRECTORY));
    int p[2];
    CHECK(pipe(p));
    EXPECT_EQ(readahead(f, 0, 4096), 0);
    EXPECT_ERRNO(readahead(w, 0, 4096), EBADF);
    EXPECT_ERRNO(readahead(d, 0, 10), EINVAL);
    EXPECT_ERRNO(readahead(p[0], 0, 10), EINVAL);
    EXPECT_ERRNO(readahead(999, 0, 10), EBADF);
}
