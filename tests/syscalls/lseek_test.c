// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for lseek: SEEK_SET/SEEK_CUR/SEEK_END arithmetic, seeking past the end, and
 * the EINVAL, ESPIPE and EBADF errors. */
#include <fcntl.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static int open_ten(void)
{
    write_file(tpath("f"), "0123456789", 0644);
    return CHECK(open(tpath("f"), O_RDWR));
}

TEST(seek_set_cur_end)
{
    int fd = open_ten();
    EXPECT_EQ(lseek(fd, 3, SEEK_SET), 3);
    EXPECT_EQ(lseek(fd, 2, SEEK_CUR), 5);
    EXPECT_EQ(lseek(fd, -1, SEEK_CUR), 4);
    char c;
    EXPECT_EQ(read(fd, &c, 1), 1);
    EXPECT_EQ(c, '4');
    EXPECT_EQ(lseek(fd, 0, SEEK_END), 10);
    EXPECT_EQ(lseek(fd, -3, SEEK_END), 7);
    EXPECT_EQ(read(fd, &c, 1), 1);
    EXPECT_EQ(c, '7');
    close(fd);
}

TEST(seek_past_end_then_write_extends)
{
    int fd = open_ten();
    EXPECT_EQ(lseek(fd, 20, SEEK_SET), 20);
    char c;
    EXPECT_EQ(read(fd, &c, 1), 0);
    EXPECT_EQ(write(fd, "X", 1), 1);
    EXPECT_EQ(lseek(fd, 0, SEEK_END), 21);
    EXPECT_EQ(pread(fd, &c, 1, 15), 1);
    EXPECT_EQ(c, 0);
    close(fd);
}

TEST(negative_result_einval)
{
    int fd = open_ten();
    EXPECT_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL);
    EXPECT_ERRNO(lseek(fd, -11, SEEK_END), EINVAL);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 0); /* unchanged after errors */
    close(fd);
}

TEST(bad_whence_einval)
{
    int fd = open_ten();
    EXPECT_ERRNO(lseek(fd, 0, 42), EINVAL);
    EXPECT_ERRNO(lseek(fd, 0, -1), EINVAL);
    close(fd);
}

TEST(pipe_espipe)
{
    int p[2];
    CHECK(pipe(p));
    EXPECT_ERRNO(lseek(p[0], 0, SEEK_SET), ESPIPE);
    EXPECT_ERRNO(lseek(p[1], 0, SEEK_CUR), ESPIPE);
    close(p[0]);
    close(p[1]);
}

TEST(bad_fd)
{
    EXPECT_ERRNO(lseek(-1, 0, SEEK_SET), EBADF);
}

TEST(seek_data_hole)
{
    int fd = open_ten();
    off_t r = lseek(fd, 0, SEEK_DATA);
    EXPECT_EQ(r, 0);
    EXPECT_EQ(lseek(fd, 0, SEEK_HOLE), 10);
    EXPECT_ERRNO(lseek(fd, 11, SEEK_DATA), ENXIO);
    close(fd);
}

TEST(dev_null_seek_ok)
{
    int fd = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_EQ(lseek(fd, 100, SEEK_SET), 0);
    close(fd);
}
