// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for renameat2(2) flags on /tmp: RENAME_NOREPLACE, RENAME_EXCHANGE of files
 * and directories (link counts, contents), and the EINVAL/ENOENT/EEXIST error paths. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#endif

static int rename2(const char *a, const char *b, unsigned flags)
{
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

TEST(noreplace)
{
    write_file(tpath("a"), "A", 0644);
    write_file(tpath("b"), "B", 0644);
    EXPECT_ERRNO(rename2(tpath("a"), tpath("b"), RENAME_NOREPLACE), EEXIST);
    EXPECT_OK(rename2(tpath("a"), tpath("c"), RENAME_NOREPLACE));
    EXPECT_ERRNO(access(tpath("a"), F_OK), ENOENT);
}

TEST(exchange_files)
{
    write_file(tpath("a"), "AAA", 0644);
    write_file(tpath("b"), "B", 0600);
    struct stat sa, sb, sa2, sb2;
    CHECK(stat(tpath("a"), &sa));
    CHECK(stat(tpath("b"), &sb));
    EXPECT_OK(rename2(tpath("a"), tpath("b"), RENAME_EXCHANGE));
    CHECK(stat(tpath("a"), &sa2));
    CHECK(stat(tpath("b"), &sb2));
    EXPECT_EQ(sa2.st_ino, sb.st_ino);
    EXPECT_EQ(sb2.st_ino, sa.st_ino);
    char buf[8];
    read_file(tpath("a"), buf, sizeof(buf));
    EXPECT_STREQ(buf, "B");
    read_file(tpath("b"), buf, sizeof(buf));
    EXPECT_STREQ(buf, "AAA");
}

TEST(exchange_dir_and_file_across_dirs)
{
    CHECK(mkdir(tpath("p"), 0755));
    CHECK(mkdir(tpath("q"), 0755));
    CHECK(mkdir(tpath("p/d"), 0755));
    write_file(tpath("q/f"), "F", 0644);
    struct stat p0, q0;
    CHECK(stat(tpath("p"), &p0));
    CHECK(stat(tpath("q"), &q0));
    EXPECT_OK(rename2(tpath("p/d"), tpath("q/f"), RENAME_EXCHANGE));
    struct stat st, p1, q1;
    CHECK(stat(tpath("p/d"), &st));
    EXPECT_TRUE(S_ISREG(st.st_mode));
    CHECK(stat(tpath("q/f"), &st));
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    CHECK(stat(tpath("p"), &p1));
    CHECK(stat(tpath("q"), &q1));
    EXPECT_EQ(p1.st_nlink, p0.st_nlink - 1);
    EXPECT_EQ(q1.st_nlink, q0.st_nlink + 1);
    EXPECT_OK(access(tpath("q/f/."), F_OK));
}

TEST(exchange_errors)
{
    write_file(tpath("a"), "A", 0644);
    CHECK(mkdir(tpath("d"), 0755));
    CHECK(mkdir(tpath("d/sub"), 0755));
    EXPECT_ERRNO(rename2(tpath("a"), tpath("missing"), RENAME_EXCHANGE), ENOENT);
    EXPECT_ERRNO(rename2(tpath("missing"), tpath("a"), RENAME_EXCHANGE), ENOENT);
    EXPECT_ERRNO(rename2(tpath("a"), tpath("d"), RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
    EXPECT_ERRNO(rename2(tpath("d"), tpath("d/sub"), RENAME_EXCHANGE), EINVAL);
    EXPECT_ERRNO(rename2(tpath("d/sub"), tpath("d"), RENAME_EXCHANGE), EINVAL);
    EXPECT_ERRNO(rename2(tpath("a"), tpath("b"), 0x80), EINVAL);
    /* Exchanging a name with itself succeeds and changes nothing. */
    EXPECT_OK(rename2(tpath("a"), tpath("a"), RENAME_EXCHANGE));
    char buf[4];
    read_file(tpath("a"), buf, sizeof(buf));
    EXPECT_STREQ(buf, "A");
}

TEST(exchange_open_files_follow)
{
    write_file(tpath("a"), "1", 0644);
    write_file(tpath("b"), "2", 0644);
    int fd = CHECK(open(tpath("a"), O_RDONLY));
    CHECK(rename2(tpath("a"), tpath("b"), RENAME_EXCHANGE));
    char path[64], link[4096];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ssize_t n = CHECK(readlink(path, link, sizeof(link) - 1));
    link[n] = '\0';
    EXPECT_STREQ(link, tpath("b"));
    close(fd);
}
