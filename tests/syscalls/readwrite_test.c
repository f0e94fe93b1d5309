// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for read, write, pread64, pwrite64, readv and writev on regular files and
 * pipes, including ESPIPE, EBADF, EFAULT and EINVAL paths. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(write_then_read_back)
{
    int fd = CHECK(open(tpath("f"), O_RDWR | O_CREAT, 0644));
    EXPECT_EQ(write(fd, "hello world", 11), 11);
    CHECK(lseek(fd, 0, SEEK_SET));
    char buf[32] = {0};
    EXPECT_EQ(read(fd, buf, sizeof(buf)), 11);
    EXPECT_STREQ(buf, "hello world");
    EXPECT_EQ(read(fd, buf, sizeof(buf)), 0); /* EOF */
    EXPECT_EQ(write(fd, buf, 0), 0);
    close(fd);
}

TEST(pread_pwrite_keep_offset)
{
    int fd = CHECK(open(tpath("f"), O_RDWR | O_CREAT, 0644));
    EXPECT_EQ(write(fd, "0123456789", 10), 10);
    char buf[4] = {0};
    EXPECT_EQ(pread(fd, buf, 3, 4), 3);
    EXPECT_STREQ(buf, "456");
    EXPECT_EQ(pwrite(fd, "AB", 2, 1), 2);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 10);
    EXPECT_EQ(pread(fd, buf, 3, 0), 3);
    EXPECT_STREQ(buf, "0AB");
    EXPECT_EQ(pread(fd, buf, 3, 100), 0);
    EXPECT_ERRNO(pread(fd, buf, 3, -1), EINVAL);
    close(fd);
}

TEST(pwrite_past_end_leaves_hole)
{
    int fd = CHECK(open(tpath("f"), O_RDWR | O_CREAT, 0644));
    EXPECT_EQ(pwrite(fd, "Z", 1, 8192), 1);
    struct stat st;
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 8193);
    char buf[16];
    memset(buf, 1, sizeof(buf));
    EXPECT_EQ(pread(fd, buf, sizeof(buf), 100), (ssize_t)sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        EXPECT_EQ(buf[i], 0);
    close(fd);
}

TEST(pread_on_pipe_espipe)
{
    int p[2];
    CHECK(pipe(p));
    char c;
    EXPECT_ERRNO(pread(p[0], &c, 1, 0), ESPIPE);
    EXPECT_ERRNO(pwrite(p[1], "x", 1, 0), ESPIPE);
    close(p[0]);
    close(p[1]);
}

TEST(readv_writev_scatter_gather)
{
    int fd = CHECK(open(tpath("f"), O_RDWR | O_CREAT, 0644));
    struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    EXPECT_EQ(writev(fd, wv, 3), 6);
    CHECK(lseek(fd, 0, SEEK_SET));
    char a[3] = {0}, b[8] = {0};
    struct iovec rv[2] = {{a, 2}, {b, 7}};
    EXPECT_EQ(readv(fd, rv, 2), 6);
    EXPECT_STREQ(a, "ab");
    EXPECT_STREQ(b, "cdef");
    EXPECT_EQ(preadv(fd, rv, 2, 3), 3);
    EXPECT_EQ(memcmp(a, "de", 2), 0);
    EXPECT_EQ(b[0], 'f');
    close(fd);
}

TEST(readv_bad_iovcnt)
{
    int fd = CHECK(open("/dev/zero", O_RDONLY));
    char c;
    struct iovec v = {&c, 1};
    EXPECT_ERRNO(syscall(SYS_readv, fd, &v, -1), EINVAL);
    EXPECT_ERRNO(syscall(SYS_readv, fd, &v, IOV_MAX + 1), EINVAL);
    EXPECT_EQ(readv(fd, &v, 0), 0);
    close(fd);
}

TEST(bad_buffers_efault)
{
    int fd = CHECK(open("/dev/zero", O_RDONLY));
    EXPECT_ERRNO(syscall(SYS_read, fd, (void *)1, 10), EFAULT);
    close(fd);
    int p[2];
    CHECK(pipe(p));
    EXPECT_ERRNO(syscall(SYS_write, p[1], (void *)1, 10), EFAULT);
    close(p[0]);
    close(p[1]);
}

TEST(bad_fd_ebadf)
{
    char c;
    EXPECT_ERRNO(read(-1, &c, 1), EBADF);
    EXPECT_ERRNO(write(9999, &c, 1), EBADF);
    EXPECT_ERRNO(pread(9999, &c, 1, 0), EBADF);
}

TEST(pipe_read_returns_partial)
{
    int p[2];
    CHECK(pipe(p));
    EXPECT_EQ(write(p[1], "abc", 3), 3);
    char buf[100];
    EXPECT_EQ(read(p[0], buf, sizeof(buf)), 3);
    close(p[1]);
    EXPECT_EQ(read(p[0], buf, sizeof(buf)), 0);
    close(p[0]);
}

/* Regular files never return short counts before EOF, however the buffer is laid out: large
 * transfers into buffers the process has never touched, and writev/readv of many one-page
 * segments scattered over separate mappings. */
TEST(large_transfers_are_whole)
{
    const size_t size = 6u << 20; /* more than one 4 MiB piece of the Sentry */
    unsigned char *out = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                              -1, 0);
    unsigned char *in = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                             -1, 0);
    CHECK(out == MAP_FAILED || in == MAP_FAILED ? -1 : 0);
    for (size_t i = 0; i < size; i += 4096)
        out[i] = (unsigned char)(i / 4096 * 7 + 1);
    int fd = CHECK(open(tpath("big"), O_RDWR | O_CREAT | O_TRUNC, 0644));
    EXPECT_EQ(write(fd, out, size), (ssize_t)size);
    EXPECT_EQ(pread(fd, in, size, 0), (ssize_t)size); /* into untouched memory */
    EXPECT_EQ(memcmp(in, out, size), 0);

    enum { N = 900 };
    static struct iovec iov[N];
    for (int i = 0; i < N; i++) { /* every other page: no two segments are adjacent */
        iov[i].iov_base = out + (size_t)i * 2 * 4096 % size + (i % 2);
        iov[i].iov_len = 4096 - (i % 2);
    }
    ssize_t total = 0;
    for (int i = 0; i < N; i++)
        total += (ssize_t)iov[i].iov_len;
    EXPECT_EQ(pwritev(fd, iov, N, 0), total);
    for (int i = 0; i < N; i++)
        iov[i].iov_base = in + ((unsigned char *)iov[i].iov_base - out);
    memset(in, 0, size);
    EXPECT_EQ(preadv(fd, iov, N, 0), total);
    for (int i = 0; i < N; i++)
        EXPECT_EQ(memcmp(iov[i].iov_base, out + ((unsigned char *)iov[i].iov_base - in),
                         iov[i].iov_len), 0);
    close(fd);
    munmap(out, size);
    munmap(in, size);
}
