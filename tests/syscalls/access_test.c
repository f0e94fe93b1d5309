// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for access, faccessat and faccessat2: existence and permission checks, the
 * execute bit rule that applies even to root, AT_SYMLINK_NOFOLLOW, AT_EACCESS and EINVAL. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(access_existing_and_missing)
{
    write_file(tpath("f"), "", 0644);
    EXPECT_OK(access(tpath("f"), F_OK));
    EXPECT_OK(access(tpath("f"), R_OK | W_OK));
    EXPECT_ERRNO(access(tpath("missing"), F_OK), ENOENT);
    EXPECT_ERRNO(access(tpath("f/x"), F_OK), ENOTDIR);
}

TEST(execute_needs_an_x_bit)
{
    /* Even a privileged caller needs at least one execute bit for X_OK on a file. */
    write_file(tpath("f"), "", 0644);
    EXPECT_ERRNO(access(tpath("f"), X_OK), EACCES);
    CHECK(chmod(tpath("f"), 0755));
    EXPECT_OK(access(tpath("f"), X_OK));
    EXPECT_OK(access(harness_tmp, X_OK));
}

TEST(readonly_root_fs_paths)
{
    EXPECT_OK(access("/", R_OK | X_OK));
    EXPECT_OK(access("/dev/null", R_OK | W_OK));
}

TEST(bad_mode_einval)
{
    write_file(tpath("f"), "", 0644);
    EXPECT_ERRNO(access(tpath("f"), 0x10), EINVAL);
}

TEST(faccessat_dirfd_and_nofollow)
{
    write_file(tpath("f"), "", 0644);
    CHECK(symlink("missing", tpath("dangling")));
    int dfd = CHECK(open(harness_tmp, O_RDONLY | O_DIRECTORY));
    EXPECT_OK(faccessat(dfd, "f", R_OK, 0));
    EXPECT_ERRNO(faccessat(dfd, "dangling", F_OK, 0), ENOENT);
    EXPECT_OK(syscall(SYS_faccessat2, dfd, "dangling", F_OK, AT_SYMLINK_NOFOLLOW));
    EXPECT_ERRNO(faccessat(-1, "f", F_OK, 0), EBADF);
    close(dfd);
}

TEST(faccessat2_flags)
{
    write_file(tpath("f"), "", 0644);
    long r = syscall(SYS_faccessat2, AT_FDCWD, tpath("f"), R_OK, AT_EACCESS);
    if (r == -1 && errno == ENOSYS)
        SKIP("faccessat2 not available");
    EXPECT_EQ(r, 0);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_OK(syscall(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH));
    EXPECT_ERRNO(syscall(SYS_faccessat2, AT_FDCWD, tpath("f"), R_OK, 0x1), EINVAL);
    EXPECT_ERRNO(syscall(SYS_faccessat2, AT_FDCWD, tpath("f"), 0x10, 0), EINVAL);
    close(fd);
}
