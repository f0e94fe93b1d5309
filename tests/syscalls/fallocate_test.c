// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for sparse files on /tmp: st_blocks counts allocated space only,
 * fallocate modes (0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE, ZERO_RANGE), lseek SEEK_DATA and
 * SEEK_HOLE, and the error paths of fallocate. */
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/syscalls/harness.h"

#define MB (1024 * 1024)

static off_t blocks_of(int fd)
{
    struct stat st;
    CHECK(fstat(fd, &st));
    return st.st_blocks;
}

TEST(sparse_blocks)
{
    int fd = CHECK(open(tpath("f"), O_RDWR | O_CREAT, 0644));
    CHECK(ftruncate(fd, 64 * MB));
    EXPECT_EQ(blocks_of(fd), 0);
    CHECK(pwrite(fd, "x", 1, 32 * MB));
    EXPECT_TRUE(blocks_of(fd) > 0);
    EXPECT_TRUE(blocks_of(fd) <= 64); /* one page (or block), not 64 MB */
    char c = 1;
    EXPECT_EQ(pread(fd, &c, 1, 1 * MB), 1);
    EXPECT_EQ(c, 0);
    close(fd);
}

TEST(seek_data_hole)
{
    int fd = CHECK(open(tpath("f"), O_RDWR | O_CREAT, 0644));
    char page[4096];
    memset(page, 'a', sizeof(page));
    CHECK(pwrite(fd, page, sizeof(page), 0));
    CHECK(pwrite(fd, page, sizeof(page), MB));
    CHECK(ftruncate(fd, 2 * MB));
    EXPECT_EQ(lseek(fd, 0, SEEK_DATA), 0);
    EXPECT_EQ(lseek(fd, 0, SEEK_HOLE), 4096);
    EXPECT_EQ(lseek(fd, 4096, SEEK_DATA), MB);
    EXPECT_EQ(lseek(fd, MB + 10, SEEK_DATA), MB + 10);
    EXPECT_EQ(lseek(fd, MB, SEEK_HOLE), MB + 4096);
    EXPECT_ERRNO(lseek(fd, MB + 4096, SEEK_DATA), ENXIO);
    EXPECT_EQ(lseek(fd, MB + 4096, SEEK_HOLE), MB + 4096);
    EXPECT_ERRNO(lseek(fd, 2 * MB, SEEK_DATA), ENXIO);
    EXPECT_ERRNO(lseek(fd, 2 * MB, SEEK_HOLE), ENXIO);
    EXPECT_ERRNO(lseek(fd, -1, SEEK_HOLE), ENXIO);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), MB + 4096); /* the last successful seek moved */
    close(fd);
}

TEST(allocate_mode0_and_keep_size)
{
    int fd = CHECK(open(tpath("f"), O_RDWR | O_CREAT, 0644));
    EXPECT_OK(fallocate(fd, 0, 0, 8192));
    struct stat st;
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 8192);
    EXPECT_TRUE(st.st_blocks >= 16);
    EXPECT_OK(fallocate(fd, 0, 0, 100)); /* inside: no change */
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 8192);
    EXPECT_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 8192));
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 8192);
    EXPECT_TRUE(st.st_blocks >= 32);
    char buf[16];
    EXPECT_EQ(pread(fd, buf, sizeof(buf), 8192), 0); /* still EOF */
    close(fd);
}

TEST(punch_hole)
{
    int fd = CHECK(open(tpath("f"), O_RDWR | O_CREAT, 0644));
    static char data[4 * 4096];
    memset(data, 'b', sizeof(data));
    CHECK(pwrite(fd, data, sizeof(data), 0));
    off_t before = blocks_of(fd);
    EXPECT_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 8192));
    struct stat st;
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, (off_t)sizeof(data));
    EXPECT_TRUE(st.st_blocks < before);
    static char out[4 * 4096];
    CHECK(pread(fd, out, sizeof(out), 0));
    EXPECT_EQ(out[4095], 'b');
    EXPECT_EQ(out[4096], 0);
    EXPECT_EQ(out[3 * 4096 - 1], 0);
    EXPECT_EQ(out[3 * 4096], 'b');
    EXPECT_EQ(lseek(fd, 4096, SEEK_DATA), 3 * 4096);
    /* A partial-page punch zeroes bytes without freeing. */
    EXPECT_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 10, 20));
    CHECK(pread(fd, out, 40, 0));
    EXPECT_EQ(out[9], 'b');
    EXPECT_EQ(out[10], 0);
    EXPECT_EQ(out[29], 0);
    EXPECT_EQ(out[30], 'b');
    EXPECT_ERRNO(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096), EOPNOTSUPP);
    close(fd);
}

TEST(zero_range)
{
    int fd = CHECK(open(tpath("f"), O_RDWR | O_CREAT, 0644));
    char data[100];
    memset(data, 'c', sizeof(data));
    CHECK(pwrite(fd, data, sizeof(data), 0));
    int r = fallocate(fd, FALLOC_FL_ZERO_RANGE, 10, 10);
    if (r < 0) {
        /* Linux tmpfs does not implement ZERO_RANGE. */
        EXPECT_EQ(errno, EOPNOTSUPP);
        close(fd);
        return;
    }
    char out[100];
    CHECK(pread(fd, out, sizeof(out), 0));
    EXPECT_EQ(out[9], 'c');
    EXPECT_EQ(out[10], 0);
    EXPECT_EQ(out[19], 0);
    EXPECT_EQ(out[20], 'c');
    EXPECT_OK(fallocate(fd, FALLOC_FL_ZERO_RANGE, 50, 1000));
    struct stat st;
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 1050);
    close(fd);
}

TEST(errors)
{
    int fd = CHECK(open(tpath("f"), O_RDWR | O_CREAT, 0644));
    EXPECT_ERRNO(fallocate(fd, 0, 0, 0), EINVAL);
    EXPECT_ERRNO(fallocate(fd, 0, -1, 10), EINVAL);
    EXPECT_ERRNO(fallocate(fd, 0x1000, 0, 10), EOPNOTSUPP);
    close(fd);
    fd = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_ERRNO(fallocate(fd, 0, 0, 10), EBADF);
    close(fd);
    EXPECT_ERRNO(fallocate(fd, 0, 0, 10), EBADF);
    int p[2];
    CHECK(pipe(p));
    EXPECT_ERRNO(fallocate(p[1], 0, 0, 10), ESPIPE);
    CHECK(mkdir(tpath("d"), 0755));
    int dfd = CHECK(open(tpath("d"), O_RDONLY));
    EXPECT_ERRNO(fallocate(dfd, 0, 0, 10), EBADF);
}
