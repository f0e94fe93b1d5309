// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for getcwd, chdir and fchdir: the returned path, ERANGE on short buffers,
 * relative resolution after a change, and ENOENT/ENOTDIR/EBADF. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(chdir_then_getcwd)
{
    char buf[PATH_MAX];
    CHECK(chdir(harness_tmp));
    EXPECT_TRUE(getcwd(buf, sizeof(buf)) != NULL);
    EXPECT_STREQ(buf, harness_tmp);
    CHECK(chdir("/"));
    EXPECT_TRUE(getcwd(buf, sizeof(buf)) != NULL);
    EXPECT_STREQ(buf, "/");
}

TEST(raw_getcwd_returns_length_with_nul)
{
    char buf[PATH_MAX];
    CHECK(chdir(harness_tmp));
    long n = syscall(SYS_getcwd, buf, sizeof(buf));
    EXPECT_EQ(n, (long)strlen(harness_tmp) + 1);
}

TEST(getcwd_erange)
{
    char buf[4];
    CHECK(chdir(harness_tmp));
    EXPECT_ERRNO(syscall(SYS_getcwd, buf, sizeof(buf)), ERANGE);
    EXPECT_ERRNO(syscall(SYS_getcwd, buf, strlen(harness_tmp)), ERANGE); /* no room for NUL */
}

TEST(relative_paths_follow_cwd)
{
    CHECK(mkdir(tpath("d"), 0755));
    CHECK(chdir(tpath("d")));
    write_file("rel", "x", 0644);
    EXPECT_OK(access(tpath("d/rel"), F_OK));
    CHECK(chdir(".."));
    EXPECT_OK(access("d/rel", F_OK));
}

TEST(chdir_errors)
{
    write_file(tpath("f"), "", 0644);
    EXPECT_ERRNO(chdir(tpath("f")), ENOTDIR);
    EXPECT_ERRNO(chdir(tpath("missing")), ENOENT);
    EXPECT_ERRNO(chdir(""), ENOENT);
}

TEST(fchdir_works_and_errors)
{
    CHECK(mkdir(tpath("d"), 0755));
    int dfd = CHECK(open(tpath("d"), O_RDONLY | O_DIRECTORY));
    EXPECT_OK(fchdir(dfd));
    char buf[PATH_MAX];
    EXPECT_TRUE(getcwd(buf, sizeof(buf)) != NULL);
    EXPECT_STREQ(buf, tpath("d"));
    write_file(tpath("f"), "", 0644);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_ERRNO(fchdir(fd), ENOTDIR);
    EXPECT_ERRNO(fchdir(-1), EBADF);
    close(fd);
    close(dfd);
}

TEST(cwd_removed_reports_unreachable)
{
    CHECK(mkdir(tpath("d"), 0755));
    CHECK(chdir(tpath("d")));
    CHECK(rmdir(tpath("d")));
    char buf[PATH_MAX];
    EXPECT_ERRNO(syscall(SYS_getcwd, buf, sizeof(buf)), ENOENT);
    EXPECT_ERRNO(open("newfile", O_CREAT | O_WRONLY, 0644), ENOENT);
    CHECK(chdir("/"));
}
