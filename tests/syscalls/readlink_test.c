// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for readlink and readlinkat: unterminated results, truncation, dirfd-relative
 * lookup, AT_EMPTY_PATH on an O_PATH fd, and EINVAL/ENOENT errors. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(readlink_returns_target_without_nul)
{
    CHECK(symlink("some/target", tpath("l")));
    char buf[64];
    memset(buf, 'X', sizeof(buf));
    EXPECT_EQ(readlink(tpath("l"), buf, sizeof(buf)), 11);
    EXPECT_EQ(memcmp(buf, "some/target", 11), 0);
    EXPECT_EQ(buf[11], 'X'); /* no terminator written */
}

TEST(readlink_truncates)
{
    CHECK(symlink("0123456789", tpath("l")));
    char buf[4];
    EXPECT_EQ(readlink(tpath("l"), buf, sizeof(buf)), 4);
    EXPECT_EQ(memcmp(buf, "0123", 4), 0);
}

TEST(readlink_non_symlink_einval)
{
    write_file(tpath("f"), "", 0644);
    char buf[16];
    EXPECT_ERRNO(readlink(tpath("f"), buf, sizeof(buf)), EINVAL);
    EXPECT_ERRNO(readlink(harness_tmp, buf, sizeof(buf)), EINVAL);
    EXPECT_ERRNO(readlink(tpath("missing"), buf, sizeof(buf)), ENOENT);
    CHECK(symlink("f", tpath("l")));
    EXPECT_ERRNO(readlink(tpath("l"), buf, 0), EINVAL);
}

TEST(readlink_follows_intermediate_links)
{
    CHECK(mkdir(tpath("d"), 0755));
    CHECK(symlink("d", tpath("dl")));
    CHECK(symlink("final", tpath("d/l")));
    char buf[16] = {0};
    EXPECT_EQ(readlink(tpath("dl/l"), buf, sizeof(buf)), 5);
    EXPECT_STREQ(buf, "final");
}

TEST(readlinkat_dirfd)
{
    CHECK(symlink("/abs/target", tpath("l")));
    int dfd = CHECK(open(harness_tmp, O_RDONLY | O_DIRECTORY));
    char buf[32] = {0};
    EXPECT_EQ(readlinkat(dfd, "l", buf, sizeof(buf)), 11);
    EXPECT_STREQ(buf, "/abs/target");
    EXPECT_ERRNO(readlinkat(-1, "l", buf, sizeof(buf)), EBADF);
    close(dfd);
}

TEST(readlinkat_empty_path_on_opath_fd)
{
    CHECK(symlink("tgt", tpath("l")));
    int fd = CHECK(open(tpath("l"), O_PATH | O_NOFOLLOW));
    char buf[8] = {0};
    EXPECT_EQ(readlinkat(fd, "", buf, sizeof(buf)), 3);
    EXPECT_STREQ(buf, "tgt");
    close(fd);
}
