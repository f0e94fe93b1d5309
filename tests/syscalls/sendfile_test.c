// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for sendfile and copy_file_range: what they copy, how they move file
 * positions and offsets, and Linux's errors (bad descriptors, directories, pipes, O_APPEND,
 * overlapping ranges, negative offsets, other filesystems). */
#include <fcntl.h>
#include <stdint.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static int make_file(const char *name, const char *text)
{
    int fd = CHECK(open(tpath(name), O_RDWR | O_CREAT | O_TRUNC, 0644));
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1);
    return fd;
}

static void expect_content(int fd, const char *want)
{
    char buf[256] = {0};
    EXPECT_EQ(pread(fd, buf, sizeof(buf) - 1, 0), (ssize_t)strlen(want));
    EXPECT_STREQ(buf, want);
}

TEST(sendfile_copies_and_moves_positions)
{
    int a = make_file("a", "hello world");
    int b = make_file("b", "");
    CHECK(lseek(a, 0, SEEK_SET));
    EXPECT_EQ(sendfile(b, a, NULL, 100), 11); /* stops at the end of the input */
    EXPECT_EQ(lseek(a, 0, SEEK_CUR), 11);
    expect_content(b, "hello world");
    off_t off = 6;
    EXPECT_EQ(sendfile(b, a, &off, 3), 3); /* with an offset: the position stays */
    EXPECT_EQ(off, 9);
    EXPECT_EQ(lseek(a, 0, SEEK_CUR), 11);
    expect_content(b, "hello worldwor");
    int p[2];
    CHECK(pipe(p));
    off = 0;
    EXPECT_EQ(sendfile(p[1], a, &off, 5), 5); /* into a pipe */
    char buf[8] = {0};
    EXPECT_EQ(read(p[0], buf, sizeof(buf)), 5);
    EXPECT_STREQ(buf, "hello");
    EXPECT_EQ(sendfile(b, a, NULL, 0), 0);
}

TEST(sendfile_errors)
{
    int a = make_file("a", "hello");
    int ro = CHECK(open(tpath("a"), O_RDONLY));
    int app = CHECK(open(tpath("c"), O_WRONLY | O_CREAT | O_APPEND, 0644));
    int dir = CHECK(open(harness_tmp, O_RDONLY | O_DIRECTORY));
    int p[2];
    CHECK(pipe(p));
    CHECK(write(p[1], "data", 4));
    off_t off = -1;
    EXPECT_ERRNO(sendfile(ro, a, NULL, 5), EBADF);   /* output not writable */
    EXPECT_ERRNO(sendfile(a, 999, NULL, 5), EBADF);
    EXPECT_ERRNO(sendfile(app, a, NULL, 5), EINVAL); /* O_APPEND output */
    EXPECT_ERRNO(sendfile(a, dir, NULL, 5), EINVAL);
    EXPECT_ERRNO(sendfile(a, p[0], NULL, 4), EINVAL); /* a pipe is no input for sendfile */
    EXPECT_ERRNO(sendfile(a, p[0], &off, 4), ESPIPE);
    EXPECT_ERRNO(sendfile(a, ro, &off, 4), EINVAL);   /* negative offset */
    EXPECT_ERRNO(sendfile(a, ro, (off_t *)8, 4), EFAULT);
    EXPECT_ERRNO(sendfile(a, ro, NULL, SIZE_MAX), EINVAL);
}

TEST(copy_file_range_copies)
{
    int a = make_file("a", "hello world");
    int b = make_file("b", "");
    CHECK(lseek(a, 0, SEEK_SET));
    EXPECT_EQ(copy_file_range(a, NULL, b, NULL, 5, 0), 5); /* from and to the positions */
    EXPECT_EQ(lseek(a, 0, SEEK_CUR), 5);
    EXPECT_EQ(lseek(b, 0, SEEK_CUR), 5);
    loff_t in = 6, out = 8;
    EXPECT_EQ(copy_file_range(a, &in, b, &out, 1000, 0), 5); /* to the input's end */
    EXPECT_EQ(in, 11);
    EXPECT_EQ(out, 13);
    EXPECT_EQ(lseek(a, 0, SEEK_CUR), 5); /* explicit offsets leave positions alone */
    char buf[16] = {0};
    EXPECT_EQ(pread(b, buf, sizeof(buf), 0), 13);
    EXPECT_EQ(memcmp(buf, "hello\0\0\0world", 13), 0); /* a hole before the second piece */
    in = 100;
    EXPECT_EQ(copy_file_range(a, &in, b, NULL, 5, 0), 0); /* past the end */
    in = 0, out = 20;
    EXPECT_EQ(copy_file_range(a, &in, a, &out, 5, 0), 5); /* within one file, apart */
    EXPECT_EQ(pread(a, buf, 5, 20), 5);
    EXPECT_EQ(memcmp(buf, "hello", 5), 0);
}

TEST(copy_file_range_errors)
{
    int a = make_file("a", "hello world");
    int ro = CHECK(open(tpath("a"), O_RDONLY));
    int app = CHECK(open(tpath("c"), O_WRONLY | O_CREAT | O_APPEND, 0644));
    int dir = CHECK(open(harness_tmp, O_RDONLY | O_DIRECTORY));
    int p[2];
    CHECK(pipe(p));
    loff_t in = 0, out = 0;
    EXPECT_ERRNO(copy_file_range(a, NULL, a, NULL, 5, 1), EINVAL); /* no flags exist */
    EXPECT_ERRNO(copy_file_range(a, NULL, ro, NULL, 5, 0), EBADF);
    EXPECT_ERRNO(copy_file_range(a, NULL, app, NULL, 5, 0), EBADF);
    EXPECT_ERRNO(copy_file_range(999, NULL, a, NULL, 5, 0), EBADF);
    EXPECT_ERRNO(copy_file_range(dir, NULL, a, NULL, 5, 0), EISDIR);
    EXPECT_ERRNO(copy_file_range(a, &in, p[1], NULL, 5, 0), EINVAL);
    EXPECT_ERRNO(copy_file_range(a, &in, a, &out, 5, 0), EINVAL); /* overlapping */
    out = 3;
    EXPECT_ERRNO(copy_file_range(a, &in, a, &out, 5, 0), EINVAL);
    in = -1;
    EXPECT_ERRNO(copy_file_range(a, &in, ro, NULL, 5, 0), EBADF);
    int b = make_file("b", "");
    EXPECT_ERRNO(copy_file_range(a, &in, b, NULL, 5, 0), EOVERFLOW); /* negative offset */
    in = 0, out = INT64_MAX - 2;
    EXPECT_ERRNO(copy_file_range(a, &in, b, &out, 5, 0), EFBIG);
    in = 6;
    EXPECT_ERRNO(copy_file_range(a, &in, b, NULL, SIZE_MAX, 0), EOVERFLOW); /* wraps */
    in = 0;
    EXPECT_EQ(copy_file_range(a, &in, b, NULL, SIZE_MAX, 0), 11); /* does not */
    EXPECT_ERRNO(copy_file_range(a, (loff_t *)8, b, NULL, 5, 0), EFAULT);
    EXPECT_EQ(copy_file_range(a, NULL, b, NULL, 0, 0), 0);
}

TEST(copy_file_range_across_filesystems)
{
    /* Linux >= 5.19: EXDEV between filesystems that cannot copy across (tmpfs, ext4...). */
    struct stat s1, s2;
    CHECK(stat(harness_tmp, &s1));
    CHECK(stat("/dev/shm", &s2));
    int a = make_file("a", "hello");
    int c = CHECK(open("/dev/shm/cvisor-cfr-test", O_RDWR | O_CREAT | O_TRUNC, 0600));
    loff_t in = 0;
    if (s1.st_dev != s2.st_dev)
        EXPECT_ERRNO(copy_file_range(a, &in, c, NULL, 5, 0), EXDEV);
    else
        EXPECT_EQ(copy_file_range(a, &in, c, NULL, 5, 0), 5);
    close(c);
    unlink("/dev/shm/cvisor-cfr-test");
}
