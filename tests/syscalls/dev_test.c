// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for the basic character devices: /dev/null, /dev/zero, /dev/full,
 * /dev/random and /dev/urandom. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(null_discards_and_reads_eof)
{
    int fd = CHECK(open("/dev/null", O_RDWR));
    EXPECT_EQ(write(fd, "hello", 5), 5);
    char c;
    EXPECT_EQ(read(fd, &c, 1), 0);
    close(fd);
}

TEST(zero_reads_zeros_and_accepts_writes)
{
    int fd = CHECK(open("/dev/zero", O_RDWR));
    char buf[8192];
    memset(buf, 0x55, sizeof(buf));
    EXPECT_EQ(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        if (buf[i] != 0)
            FATAL("nonzero byte at %zu", i);
    EXPECT_EQ(write(fd, buf, 10), 10);
    close(fd);
}

TEST(zero_mmap_private)
{
    int fd = CHECK(open("/dev/zero", O_RDWR));
    char *p = CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
    EXPECT_EQ(p[100], 0);
    p[100] = 1;
    EXPECT_EQ(p[100], 1);
    munmap(p, 4096);
    close(fd);
}

TEST(full_enospc)
{
    int fd = CHECK(open("/dev/full", O_RDWR));
    EXPECT_ERRNO(write(fd, "x", 1), ENOSPC);
    char buf[16];
    memset(buf, 1, sizeof(buf));
    EXPECT_EQ(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
    EXPECT_EQ(buf[0], 0);
    close(fd);
}

static void check_random(const char *path)
{
    int fd = CHECK(open(path, O_RDONLY));
    unsigned char a[64], b[64];
    EXPECT_EQ(read(fd, a, sizeof(a)), (ssize_t)sizeof(a));
    EXPECT_EQ(read(fd, b, sizeof(b)), (ssize_t)sizeof(b));
    EXPECT_TRUE(memcmp(a, b, sizeof(a)) != 0);
    int zeros = 0;
    for (size_t i = 0; i < sizeof(a); i++)
        zeros += a[i] == 0;
    EXPECT_TRUE(zeros < 16);
    close(fd);
}

TEST(urandom_gives_distinct_bytes)
{
    check_random("/dev/urandom");
}

TEST(random_gives_distinct_bytes)
{
    check_random("/dev/random");
}

TEST(device_numbers)
{
    struct stat st;
    const struct {
        const char *path;
        unsigned maj, min;
    } devs[] = {{"/dev/null", 1, 3},
                {"/dev/zero", 1, 5},
                {"/dev/full", 1, 7},
                {"/dev/random", 1, 8},
                {"/dev/urandom", 1, 9}};
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        CHECK(stat(devs[i].path, &st));
        EXPECT_TRUE(S_ISCHR(st.st_mode));
        EXPECT_EQ(st.st_rdev, makedev(devs[i].maj, devs[i].min));
    }
}
