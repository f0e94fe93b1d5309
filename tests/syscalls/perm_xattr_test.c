// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for extended attribute permissions by namespace: user.* needs read
 * permission to get and write permission to set or remove, exists only on regular files and
 * directories (EPERM to set elsewhere, ENODATA to get), and in a sticky directory only its
 * owner may set; trusted.* is invisible (ENODATA, hidden from listxattr) and unwritable (EPERM)
 * without CAP_SYS_ADMIN; security.* is readable by all but writable only with CAP_SYS_ADMIN
 * (security.capability: CAP_SETFCAP). listxattr itself checks no permission. A file system
 * without user xattrs makes the user.* parts skip. */
#include <sys/xattr.h>

#include "tests/syscalls/cred_util.h"

/* True if @list (from listxattr, @n bytes) holds @name. */
static int list_has(const char *list, ssize_t n, const char *name)
{
    for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1)
        if (strcmp(list + i, name) == 0)
            return 1;
    return 0;
}

/* Sets user.probe on @path or skips the test when the file system lacks user xattrs. */
static void require_user_xattrs(const char *path)
{
    if (setxattr(path, "user.probe", "1", 1, 0) != 0) {
        if (errno == EOPNOTSUPP)
            SKIP_REST("no user.* xattrs on this file system");
        FATAL("setxattr user.probe: %s", harness_errname(errno));
    }
    CHECK(removexattr(path, "user.probe"));
}

TEST(user_xattr_needs_read_and_write_permission_owner)
{
    become_unprivileged();
    const char *f = tpath_keep("f");
    write_file(f, "x", 0644);
    require_user_xattrs(f);
    char buf[64];
    EXPECT_OK(setxattr(f, "user.a", "va", 2, 0));
    CHECK(chmod(f, 0444));
    /* Even the owner needs write permission. */
    EXPECT_ERRNO(setxattr(f, "user.b", "vb", 2, 0), EACCES);
    EXPECT_ERRNO(removexattr(f, "user.a"), EACCES);
    EXPECT_EQ(getxattr(f, "user.a", buf, sizeof(buf)), 2);
    CHECK(chmod(f, 0200));
    EXPECT_ERRNO(getxattr(f, "user.a", buf, sizeof(buf)), EACCES);
    EXPECT_OK(setxattr(f, "user.b", "vb", 2, 0));
    /* listxattr checks no permission of the file. */
    CHECK(chmod(f, 0000));
    ssize_t n = listxattr(f, buf, sizeof(buf));
    EXPECT_TRUE(n > 0);
    if (n > 0) {
        EXPECT_TRUE(list_has(buf, n, "user.a"));
        EXPECT_TRUE(list_has(buf, n, "user.b"));
    }
    /* An fd opened for reading does not grant write (the inode is checked). */
    CHECK(chmod(f, 0444));
    int fd = CHECK(open(f, O_RDONLY));
    EXPECT_ERRNO(fsetxattr(fd, "user.c", "vc", 2, 0), EACCES);
    EXPECT_EQ(fgetxattr(fd, "user.a", buf, sizeof(buf)), 2);
    close(fd);
}

static void user_xattr_as_other(void *arg)
{
    (void)arg;
    char buf[64];
    EXPECT_EQ(getxattr(tpath("r"), "user.a", buf, sizeof(buf)), 2);
    EXPECT_ERRNO(setxattr(tpath("r"), "user.b", "vb", 2, 0), EACCES);
    EXPECT_ERRNO(removexattr(tpath("r"), "user.a"), EACCES);
    EXPECT_ERRNO(getxattr(tpath("p"), "user.a", buf, sizeof(buf)), EACCES);
    EXPECT_OK(setxattr(tpath("w"), "user.b", "vb", 2, 0));
    EXPECT_OK(removexattr(tpath("w"), "user.a"));
}

TEST(user_xattr_needs_read_and_write_permission_other)
{
    require_root_setup();
    const char *r = tpath_keep("r"), *p = tpath_keep("p"), *w = tpath_keep("w");
    write_file(r, "x", 0644);
    require_user_xattrs(r);
    CHECK(setxattr(r, "user.a", "va", 2, 0));
    CHECK(chown(r, U_A, G_A));
    mkfile_owned(p, U_A, G_A, 0600, "x");
    CHECK(setxattr(p, "user.a", "va", 2, 0));
    mkfile_owned(w, U_A, G_A, 0666, "x");
    CHECK(setxattr(w, "user.a", "va", 2, 0));
    run_as(U_B, G_B, user_xattr_as_other, NULL);
}

TEST(user_xattr_only_on_regular_files_and_directories)
{
    become_unprivileged();
    const char *f = tpath_keep("f");
    write_file(f, "x", 0644);
    require_user_xattrs(f);
    char buf[64];
    CHECK(symlink("f", tpath("l")));
    EXPECT_ERRNO(lsetxattr(tpath("l"), "user.a", "v", 1, 0), EPERM);
    EXPECT_ERRNO(lgetxattr(tpath("l"), "user.a", buf, sizeof(buf)), ENODATA);
    EXPECT_OK(setxattr(tpath("l"), "user.a", "v", 1, 0)); /* follows to f */
    EXPECT_EQ(getxattr(f, "user.a", buf, sizeof(buf)), 1);
    CHECK(mknod(tpath("p"), S_IFIFO | 0666, 0));
    EXPECT_ERRNO(setxattr(tpath("p"), "user.a", "v", 1, 0), EPERM);
    EXPECT_ERRNO(getxattr(tpath("p"), "user.a", buf, sizeof(buf)), ENODATA);
    CHECK(mknod(tpath("s"), S_IFSOCK | 0666, 0));
    EXPECT_ERRNO(setxattr(tpath("s"), "user.a", "v", 1, 0), EPERM);
    CHECK(mkdir(tpath("d"), 0755));
    EXPECT_OK(setxattr(tpath("d"), "user.a", "v", 1, 0));
    /* A sticky directory: its owner may still set them. */
    CHECK(chmod(tpath("d"), 01777));
    EXPECT_OK(setxattr(tpath("d"), "user.b", "v", 1, 0));
    /* Someone else's sticky directory (the parent of the per-test directory, usually /tmp):
     * writable for all, yet not for user xattrs. */
    struct stat st;
    CHECK(stat("/tmp", &st));
    if ((st.st_mode & (S_ISVTX | S_IWOTH)) == (S_ISVTX | S_IWOTH) && st.st_uid != geteuid()) {
        EXPECT_ERRNO(setxattr("/tmp", "user.cvt", "v", 1, 0), EPERM);
        removexattr("/tmp", "user.cvt"); /* only if the check above failed */
    }
}

static void sticky_xattr_as_other(void *arg)
{
    (void)arg;
    char buf[8];
    EXPECT_ERRNO(setxattr(tpath("s"), "user.b", "v", 1, 0), EPERM);
    EXPECT_ERRNO(removexattr(tpath("s"), "user.a"), EPERM);
    EXPECT_EQ(getxattr(tpath("s"), "user.a", buf, sizeof(buf)), 1);
    EXPECT_OK(setxattr(tpath("n"), "user.b", "v", 1, 0)); /* not sticky: write permission */
}

TEST(user_xattr_sticky_directory_owner_only)
{
    require_root_setup();
    mkdir_owned(tpath("s"), U_A, G_A, 01777);
    require_user_xattrs(tpath("s"));
    CHECK(setxattr(tpath("s"), "user.a", "v", 1, 0));
    mkdir_owned(tpath("n"), U_A, G_A, 0777);
    run_as(U_B, G_B, sticky_xattr_as_other, NULL);
}

static void trusted_unprivileged(void *arg)
{
    (void)arg;
    const char *f = tpath_keep("f");
    char buf[256];
    EXPECT_ERRNO(getxattr(f, "trusted.t", buf, sizeof(buf)), ENODATA);
    EXPECT_ERRNO(setxattr(f, "trusted.x", "v", 1, 0), EPERM);
    EXPECT_ERRNO(setxattr(f, "trusted.t", "v", 1, XATTR_REPLACE), EPERM);
    EXPECT_ERRNO(removexattr(f, "trusted.t"), EPERM);
    ssize_t n = listxattr(f, buf, sizeof(buf));
    EXPECT_TRUE(n >= 0);
    if (n >= 0) {
        EXPECT_TRUE(!list_has(buf, n, "trusted.t"));
        EXPECT_TRUE(list_has(buf, n, "user.u"));
    }
}

TEST(trusted_xattr_needs_cap_sys_admin)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become_unprivileged();
        write_file(tpath("own"), "x", 0644);
        char buf[8];
        EXPECT_ERRNO(setxattr(tpath("own"), "trusted.x", "v", 1, 0), EPERM);
        EXPECT_ERRNO(getxattr(tpath("own"), "trusted.x", buf, sizeof(buf)), ENODATA);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    require_root_setup();
    REQUIRE_CAPS(CAPBIT(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
    const char *f = tpath_keep("f");
    write_file(f, "x", 0666);
    require_user_xattrs(f);
    if (setxattr(f, "trusted.t", "tv", 2, 0) != 0)
        SKIP_REST("setxattr trusted.t: %s", harness_errname(errno));
    CHECK(setxattr(f, "user.u", "uv", 2, 0));
    char buf[256];
    EXPECT_EQ(getxattr(f, "trusted.t", buf, sizeof(buf)), 2);
    ssize_t n = listxattr(f, buf, sizeof(buf));
    EXPECT_TRUE(n > 0 && list_has(buf, n, "trusted.t") && list_has(buf, n, "user.u"));
    CHECK(chown(f, U_A, G_A));
    /* Even the owner of the file neither sees nor changes them. */
    run_as(U_A, G_A, trusted_unprivileged, NULL);
    if (geteuid() == 0)
        run_without_caps(CAPBIT(CAP_SYS_ADMIN), trusted_unprivileged, NULL);
}

static void security_read_as_user(void *arg)
{
    (void)arg;
    char buf[256];
    EXPECT_EQ(getxattr(tpath("f"), "security.cvt", buf, sizeof(buf)), 2);
    ssize_t n = listxattr(tpath("f"), buf, sizeof(buf));
    EXPECT_TRUE(n > 0 && list_has(buf, n, "security.cvt"));
    EXPECT_ERRNO(setxattr(tpath("f"), "security.cvt", "zz", 2, 0), EPERM);
    EXPECT_ERRNO(removexattr(tpath("f"), "security.cvt"), EPERM);
}

TEST(security_xattr_write_needs_cap_sys_admin)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become_unprivileged();
        const char *own = tpath_keep("own");
        write_file(own, "x", 0644);
        char buf[8];
        int r = setxattr(own, "security.cvt", "v", 1, 0);
        if (r != 0 && errno == EOPNOTSUPP)
            SKIP("no security.* xattrs on this file system");
        EXPECT_EQ(r, -1);
        EXPECT_EQ(errno, EPERM);
        EXPECT_ERRNO(getxattr(own, "security.cvt", buf, sizeof(buf)), ENODATA);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    require_root_setup();
    REQUIRE_CAPS(CAPBIT(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
    const char *f = tpath_keep("f");
    write_file(f, "x", 0666);
    if (setxattr(f, "security.cvt", "sv", 2, 0) != 0)
        SKIP_REST("setxattr security.cvt: %s", harness_errname(errno));
    CHECK(chown(f, U_A, G_A));
    run_as(U_A, G_A, security_read_as_user, NULL);
    if (geteuid() == 0)
        run_without_caps(CAPBIT(CAP_SYS_ADMIN), security_read_as_user, NULL);
}
