// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for namespace operations on the /tmp filesystem: mkdir, rmdir, unlink,
 * rename, symlink and link, with their ENOTEMPTY, EEXIST, EISDIR, ENOTDIR and ENOENT errors. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(mkdir_rmdir)
{
    EXPECT_OK(mkdir(tpath("d"), 0750));
    struct stat st;
    CHECK(stat(tpath("d"), &st));
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_ERRNO(mkdir(tpath("d"), 0755), EEXIST);
    EXPECT_ERRNO(mkdir(tpath("x/y"), 0755), ENOENT);
    EXPECT_OK(rmdir(tpath("d")));
    EXPECT_ERRNO(rmdir(tpath("d")), ENOENT);
}

TEST(rmdir_errors)
{
    CHECK(mkdir(tpath("d"), 0755));
    write_file(tpath("d/f"), "", 0644);
    EXPECT_ERRNO(rmdir(tpath("d")), ENOTEMPTY);
    EXPECT_ERRNO(rmdir(tpath("d/f")), ENOTDIR);
    EXPECT_ERRNO(rmdir(tpath("d/.")), EINVAL);
    CHECK(unlink(tpath("d/f")));
    EXPECT_OK(rmdir(tpath("d")));
}

TEST(unlink_semantics)
{
    write_file(tpath("f"), "data", 0644);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_OK(unlink(tpath("f")));
    EXPECT_ERRNO(access(tpath("f"), F_OK), ENOENT);
    char buf[8] = {0};
    EXPECT_EQ(read(fd, buf, sizeof(buf)), 4); /* open file survives */
    struct stat st;
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_nlink, 0);
    close(fd);
    CHECK(mkdir(tpath("d"), 0755));
    EXPECT_ERRNO(unlink(tpath("d")), EISDIR);
    EXPECT_ERRNO(unlink(tpath("nope")), ENOENT);
}

TEST(rename_file)
{
    write_file(tpath("a"), "A", 0644);
    write_file(tpath("b"), "B", 0644);
    EXPECT_OK(rename(tpath("a"), tpath("c")));
    EXPECT_ERRNO(access(tpath("a"), F_OK), ENOENT);
    EXPECT_OK(rename(tpath("c"), tpath("b"))); /* replaces atomically */
    char buf[4];
    read_file(tpath("b"), buf, sizeof(buf));
    EXPECT_STREQ(buf, "A");
    EXPECT_OK(rename(tpath("b"), tpath("b")));
    EXPECT_ERRNO(rename(tpath("missing"), tpath("z")), ENOENT);
}

TEST(rename_directory_errors)
{
    CHECK(mkdir(tpath("d1"), 0755));
    CHECK(mkdir(tpath("d2"), 0755));
    write_file(tpath("d2/f"), "", 0644);
    write_file(tpath("file"), "", 0644);
    EXPECT_ERRNO(rename(tpath("d1"), tpath("d2")), ENOTEMPTY);
    EXPECT_ERRNO(rename(tpath("d1"), tpath("file")), ENOTDIR);
    EXPECT_ERRNO(rename(tpath("file"), tpath("d1")), EISDIR);
    EXPECT_ERRNO(rename(tpath("d1"), tpath("d1/sub")), EINVAL);
    CHECK(unlink(tpath("d2/f")));
    EXPECT_OK(rename(tpath("d1"), tpath("d2"))); /* over an empty directory */
    EXPECT_ERRNO(access(tpath("d1"), F_OK), ENOENT);
}

TEST(renameat2_noreplace)
{
    write_file(tpath("a"), "", 0644);
    write_file(tpath("b"), "", 0644);
    EXPECT_ERRNO(renameat2(AT_FDCWD, tpath("a"), AT_FDCWD, tpath("b"), RENAME_NOREPLACE), EEXIST);
    EXPECT_OK(renameat2(AT_FDCWD, tpath("a"), AT_FDCWD, tpath("c"), RENAME_NOREPLACE));
}

TEST(symlink_basics)
{
    write_file(tpath("target"), "T", 0644);
    EXPECT_OK(symlink("target", tpath("l")));
    EXPECT_ERRNO(symlink("other", tpath("l")), EEXIST);
    char buf[4];
    read_file(tpath("l"), buf, sizeof(buf));
    EXPECT_STREQ(buf, "T");
    EXPECT_ERRNO(symlink("", tpath("empty")), ENOENT);
    CHECK(symlink("loop2", tpath("loop1")));
    CHECK(symlink("loop1", tpath("loop2")));
    EXPECT_ERRNO(open(tpath("loop1"), O_RDONLY), ELOOP);
    EXPECT_ERRNO(open(tpath("l"), O_RDONLY | O_NOFOLLOW), ELOOP);
    EXPECT_OK(unlink(tpath("l"))); /* removes the link, not the target */
    EXPECT_OK(access(tpath("target"), F_OK));
}

TEST(link_basics)
{
    write_file(tpath("f"), "L", 0644);
    EXPECT_OK(link(tpath("f"), tpath("g")));
    EXPECT_ERRNO(link(tpath("f"), tpath("g")), EEXIST);
    EXPECT_ERRNO(link(tpath("missing"), tpath("h")), ENOENT);
    CHECK(mkdir(tpath("d"), 0755));
    EXPECT_ERRNO(link(tpath("d"), tpath("dl")), EPERM);
    CHECK(unlink(tpath("f")));
    char buf[4];
    read_file(tpath("g"), buf, sizeof(buf));
    EXPECT_STREQ(buf, "L");
}

TEST(nested_paths_with_dot_and_dotdot)
{
    CHECK(mkdir(tpath("a"), 0755));
    CHECK(mkdir(tpath("a/b"), 0755));
    CHECK(mkdir(tpath("a/b/c"), 0755));
    write_file(tpath("a/b/c/f"), "deep", 0644);
    char buf[8];
    read_file(tpath("a/b/../b/./c/f"), buf, sizeof(buf));
    EXPECT_STREQ(buf, "deep");
}
