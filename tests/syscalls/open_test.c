// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for open and openat: creation flags, truncation, append mode, directory
 * handling and the ENOENT/EEXIST/ENOTDIR/EISDIR/EBADF error paths. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(creat_excl_then_eexist)
{
    int fd = CHECK(open(tpath("f"), O_WRONLY | O_CREAT | O_EXCL, 0600));
    close(fd);
    EXPECT_ERRNO(open(tpath("f"), O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);
    /* O_CREAT without O_EXCL opens the existing file. */
    fd = EXPECT_OK(open(tpath("f"), O_WRONLY | O_CREAT, 0600));
    close(fd);
}

TEST(missing_file_enoent)
{
    EXPECT_ERRNO(open(tpath("nope"), O_RDONLY), ENOENT);
    EXPECT_ERRNO(open(tpath("nodir/f"), O_RDONLY | O_CREAT, 0644), ENOENT);
    EXPECT_ERRNO(open("", O_RDONLY), ENOENT);
}

TEST(file_as_directory_enotdir)
{
    write_file(tpath("f"), "x", 0644);
    EXPECT_ERRNO(open(tpath("f/x"), O_RDONLY), ENOTDIR);
    EXPECT_ERRNO(open(tpath("f"), O_RDONLY | O_DIRECTORY), ENOTDIR);
}

TEST(directory_for_write_eisdir)
{
    EXPECT_ERRNO(open(harness_tmp, O_WRONLY), EISDIR);
    EXPECT_ERRNO(open(harness_tmp, O_RDWR), EISDIR);
    int fd = EXPECT_OK(open(harness_tmp, O_RDONLY | O_DIRECTORY));
    char c;
    EXPECT_ERRNO(read(fd, &c, 1), EISDIR);
    close(fd);
}

TEST(trunc_empties_file)
{
    write_file(tpath("f"), "hello", 0644);
    int fd = CHECK(open(tpath("f"), O_WRONLY | O_TRUNC));
    struct stat st;
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 0);
    close(fd);
}

TEST(append_writes_at_end)
{
    write_file(tpath("f"), "abc", 0644);
    int fd = CHECK(open(tpath("f"), O_WRONLY | O_APPEND));
    CHECK(lseek(fd, 0, SEEK_SET));
    EXPECT_EQ(write(fd, "de", 2), 2);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 5);
    close(fd);
    char buf[16];
    read_file(tpath("f"), buf, sizeof(buf));
    EXPECT_STREQ(buf, "abcde");
}

TEST(creat_mode_respects_umask)
{
    umask(022);
    int fd = CHECK(open(tpath("f"), O_WRONLY | O_CREAT, 0777));
    struct stat st;
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_mode & 07777, 0755);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    close(fd);
}

TEST(openat_relative_to_dirfd)
{
    CHECK(mkdir(tpath("d"), 0755));
    int dfd = CHECK(open(tpath("d"), O_RDONLY | O_DIRECTORY));
    int fd = CHECK(openat(dfd, "inner", O_WRONLY | O_CREAT | O_EXCL, 0644));
    close(fd);
    EXPECT_OK(access(tpath("d/inner"), F_OK));
    /* Absolute paths ignore dirfd, even an invalid one. */
    fd = EXPECT_OK(openat(-1, "/dev/null", O_RDONLY));
    close(fd);
    EXPECT_ERRNO(openat(-1, "inner", O_RDONLY), EBADF);
    int file = CHECK(open("/dev/null", O_RDONLY));
    EXPECT_ERRNO(openat(file, "inner", O_RDONLY), ENOTDIR);
    close(file);
    close(dfd);
}

TEST(openat_at_fdcwd)
{
    CHECK(chdir(harness_tmp));
    int fd = CHECK(openat(AT_FDCWD, "rel", O_WRONLY | O_CREAT, 0644));
    close(fd);
    EXPECT_OK(access(tpath("rel"), F_OK));
}

TEST(rdonly_fd_rejects_write)
{
    write_file(tpath("f"), "x", 0644);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_ERRNO(write(fd, "y", 1), EBADF);
    close(fd);
    fd = CHECK(open(tpath("f"), O_WRONLY));
    char c;
    EXPECT_ERRNO(read(fd, &c, 1), EBADF);
    close(fd);
}

TEST(invalid_access_mode_and_name_too_long)
{
    char name[NAME_MAX + 10];
    memset(name, 'a', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    EXPECT_ERRNO(open(tpath(name), O_RDONLY | O_CREAT, 0644), ENAMETOOLONG);
    EXPECT_ERRNO(open(tpath("x"), O_RDONLY | O_CREAT | O_DIRECTORY, 0644), EINVAL);
}

/* Read-only descriptors of one file of the root, many open at once and opened again and
 * again, each read from its own offset and see the whole file. */
TEST(rdonly_opens_of_a_root_file_have_own_offsets)
{
    enum { N = 300 };
    static int fds[N];
    char first[64] = {0}, buf[64];
    int fd = CHECK(open("/etc/passwd", O_RDONLY));
    ssize_t len = CHECK(read(fd, first, sizeof(first)));
    EXPECT_TRUE(len > 1);
    close(fd);
    for (int i = 0; i < N; i++)
        fds[i] = CHECK(open("/etc/passwd", O_RDONLY | O_CLOEXEC));
    for (int i = 0; i < N; i++) {
        /* Every other descriptor moved on by one byte first: the others must not follow. */
        if (i % 2)
            EXPECT_EQ(read(fds[i], buf, 1), 1);
        memset(buf, 0, sizeof(buf));
        EXPECT_EQ(read(fds[i], buf, (size_t)len - 1), len - 1);
        EXPECT_EQ(memcmp(buf, first + i % 2, (size_t)len - 1 - i % 2), 0);
        struct stat st;
        EXPECT_OK(fstat(fds[i], &st));
        EXPECT_TRUE(S_ISREG(st.st_mode));
    }
    for (int i = 0; i < N; i++)
        close(fds[i]);
}
