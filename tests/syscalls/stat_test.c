// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for stat, fstat, lstat, newfstatat and statx: file types, sizes, link counts,
 * AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW and the ENOENT/ENOTDIR/EBADF/EINVAL errors. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(stat_regular_file)
{
    write_file(tpath("f"), "12345", 0640);
    struct stat st;
    CHECK(stat(tpath("f"), &st));
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0640);
    EXPECT_EQ(st.st_size, 5);
    EXPECT_EQ(st.st_nlink, 1);
    EXPECT_EQ(st.st_uid, geteuid());
    EXPECT_TRUE(st.st_blksize > 0);
}

TEST(fstat_matches_stat)
{
    write_file(tpath("f"), "abc", 0644);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    struct stat a, b;
    CHECK(fstat(fd, &a));
    CHECK(stat(tpath("f"), &b));
    EXPECT_EQ(a.st_ino, b.st_ino);
    EXPECT_EQ(a.st_dev, b.st_dev);
    EXPECT_EQ(a.st_size, 3);
    close(fd);
    EXPECT_ERRNO(fstat(fd, &a), EBADF);
}

TEST(stat_directory_and_devices)
{
    struct stat st;
    CHECK(stat(harness_tmp, &st));
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_TRUE(st.st_nlink >= 2);
    CHECK(stat("/dev/null", &st));
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(major(st.st_rdev), 1);
    EXPECT_EQ(minor(st.st_rdev), 3);
    int p[2];
    CHECK(pipe(p));
    CHECK(fstat(p[0], &st));
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
    close(p[0]);
    close(p[1]);
}

TEST(lstat_does_not_follow)
{
    write_file(tpath("f"), "abc", 0644);
    CHECK(symlink("f", tpath("l")));
    struct stat st;
    CHECK(lstat(tpath("l"), &st));
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_EQ(st.st_size, 1); /* length of the target "f" */
    CHECK(stat(tpath("l"), &st));
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_size, 3);
}

TEST(stat_errors)
{
    struct stat st;
    write_file(tpath("f"), "", 0644);
    EXPECT_ERRNO(stat(tpath("missing"), &st), ENOENT);
    EXPECT_ERRNO(stat(tpath("f/x"), &st), ENOTDIR);
    EXPECT_ERRNO(stat("", &st), ENOENT);
    CHECK(symlink("missing", tpath("dangling")));
    EXPECT_ERRNO(stat(tpath("dangling"), &st), ENOENT);
    EXPECT_OK(lstat(tpath("dangling"), &st));
    EXPECT_ERRNO(syscall(SYS_stat, tpath("f"), (void *)1), EFAULT);
}

TEST(newfstatat_flags)
{
    write_file(tpath("f"), "abcd", 0644);
    CHECK(symlink("f", tpath("l")));
    int dfd = CHECK(open(harness_tmp, O_RDONLY | O_DIRECTORY));
    struct stat st;
    CHECK(fstatat(dfd, "f", &st, 0));
    EXPECT_EQ(st.st_size, 4);
    CHECK(fstatat(dfd, "l", &st, AT_SYMLINK_NOFOLLOW));
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    CHECK(fstatat(fd, "", &st, AT_EMPTY_PATH));
    EXPECT_EQ(st.st_size, 4);
    EXPECT_ERRNO(fstatat(fd, "", &st, 0), ENOENT);
    EXPECT_ERRNO(fstatat(fd, "x", &st, 0), ENOTDIR);
    EXPECT_ERRNO(fstatat(dfd, "f", &st, 0x40000000), EINVAL);
    close(fd);
    close(dfd);
}

TEST(statx_basic_fields)
{
    write_file(tpath("f"), "hello", 0600);
    struct statx sx;
    memset(&sx, 0xff, sizeof(sx));
    long r = syscall(SYS_statx, AT_FDCWD, tpath("f"), 0, STATX_BASIC_STATS, &sx);
    if (r == -1 && errno == ENOSYS)
        SKIP("statx not available");
    EXPECT_EQ(r, 0);
    EXPECT_TRUE(sx.stx_mask & STATX_SIZE);
    EXPECT_TRUE(sx.stx_mask & STATX_TYPE);
    EXPECT_EQ(sx.stx_size, 5);
    EXPECT_TRUE(S_ISREG(sx.stx_mode));
    EXPECT_EQ(sx.stx_mode & 07777, 0600);
    EXPECT_EQ(sx.stx_nlink, 1);
    struct stat st;
    CHECK(stat(tpath("f"), &st));
    EXPECT_EQ(sx.stx_ino, st.st_ino);
}

TEST(statx_empty_path_and_nofollow)
{
    write_file(tpath("f"), "hello", 0600);
    CHECK(symlink("f", tpath("l")));
    struct statx sx;
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_OK(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx));
    EXPECT_EQ(sx.stx_size, 5);
    EXPECT_OK(syscall(SYS_statx, AT_FDCWD, tpath("l"), AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx));
    EXPECT_TRUE(S_ISLNK(sx.stx_mode));
    EXPECT_OK(syscall(SYS_statx, AT_FDCWD, tpath("l"), 0, STATX_TYPE, &sx));
    EXPECT_TRUE(S_ISREG(sx.stx_mode));
    EXPECT_ERRNO(syscall(SYS_statx, AT_FDCWD, tpath("nope"), 0, STATX_TYPE, &sx), ENOENT);
    EXPECT_ERRNO(syscall(SYS_statx, AT_FDCWD, tpath("f"), 0, STATX__RESERVED, &sx), EINVAL);
    EXPECT_ERRNO(syscall(SYS_statx, AT_FDCWD, tpath("f"), 0x7000000, STATX_TYPE, &sx), EINVAL);
    close(fd);
}

TEST(hard_link_count)
{
    write_file(tpath("f"), "x", 0644);
    CHECK(link(tpath("f"), tpath("g")));
    struct stat a, b;
    CHECK(stat(tpath("f"), &a));
    CHECK(stat(tpath("g"), &b));
    EXPECT_EQ(a.st_nlink, 2);
    EXPECT_EQ(a.st_ino, b.st_ino);
}
