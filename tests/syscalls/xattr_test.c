// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for extended attributes on /tmp files: set/get/list/remove of user.*
 * (and trusted.* as root) with XATTR_CREATE/XATTR_REPLACE, ENODATA, ERANGE, E2BIG,
 * EOPNOTSUPP for unknown namespaces and EPERM for user.* on symlinks. */
#include <string.h>
#include <sys/xattr.h>

#include "tests/syscalls/harness.h"

/* True if the NUL-separated @list of @len bytes holds @name. */
static int list_has(const char *list, ssize_t len, const char *name)
{
    for (ssize_t i = 0; i < len; i += (ssize_t)strlen(list + i) + 1) {
        if (strcmp(list + i, name) == 0)
            return 1;
    }
    return 0;
}

TEST(set_get_remove)
{
    write_file(tpath("f"), "x", 0644);
    const char *f = tpath("f");
    char buf[64];
    EXPECT_ERRNO(getxattr(f, "user.a", buf, sizeof(buf)), ENODATA);
    EXPECT_OK(setxattr(f, "user.a", "hello", 5, 0));
    EXPECT_EQ(getxattr(f, "user.a", NULL, 0), 5); /* size query */
    memset(buf, 0, sizeof(buf));
    EXPECT_EQ(getxattr(f, "user.a", buf, sizeof(buf)), 5);
    EXPECT_STREQ(buf, "hello");
    EXPECT_ERRNO(getxattr(f, "user.a", buf, 3), ERANGE);
    EXPECT_OK(setxattr(f, "user.a", "hi", 2, 0)); /* replaces */
    EXPECT_EQ(getxattr(f, "user.a", buf, sizeof(buf)), 2);
    EXPECT_OK(setxattr(f, "user.empty", "", 0, 0));
    EXPECT_EQ(getxattr(f, "user.empty", buf, sizeof(buf)), 0);
    EXPECT_OK(removexattr(f, "user.a"));
    EXPECT_ERRNO(getxattr(f, "user.a", buf, sizeof(buf)), ENODATA);
    EXPECT_ERRNO(removexattr(f, "user.a"), ENODATA);
}

TEST(create_replace_flags)
{
    write_file(tpath("f"), "", 0644);
    const char *f = tpath("f");
    EXPECT_ERRNO(setxattr(f, "user.k", "v", 1, XATTR_REPLACE), ENODATA);
    EXPECT_OK(setxattr(f, "user.k", "v", 1, XATTR_CREATE));
    EXPECT_ERRNO(setxattr(f, "user.k", "w", 1, XATTR_CREATE), EEXIST);
    EXPECT_OK(setxattr(f, "user.k", "w", 1, XATTR_REPLACE));
    char c = 0;
    EXPECT_EQ(getxattr(f, "user.k", &c, 1), 1);
    EXPECT_EQ(c, 'w');
    EXPECT_ERRNO(setxattr(f, "user.k", "w", 1, 0x100), EINVAL);
}

TEST(list)
{
    write_file(tpath("f"), "", 0644);
    const char *f = tpath("f");
    CHECK(setxattr(f, "user.one", "1", 1, 0));
    CHECK(setxattr(f, "user.two", "22", 2, 0));
    ssize_t need = listxattr(f, NULL, 0);
    EXPECT_TRUE(need >= (ssize_t)sizeof("user.one") + (ssize_t)sizeof("user.two"));
    char buf[512];
    ssize_t len = CHECK(listxattr(f, buf, sizeof(buf)));
    EXPECT_EQ(len, need);
    EXPECT_TRUE(list_has(buf, len, "user.one"));
    EXPECT_TRUE(list_has(buf, len, "user.two"));
    EXPECT_ERRNO(listxattr(f, buf, 4), ERANGE);
    CHECK(removexattr(f, "user.one"));
    len = CHECK(listxattr(f, buf, sizeof(buf)));
    EXPECT_TRUE(!list_has(buf, len, "user.one"));
}

TEST(fd_and_l_variants)
{
    write_file(tpath("f"), "", 0644);
    int fd = CHECK(open(tpath("f"), O_RDWR));
    EXPECT_OK(fsetxattr(fd, "user.fd", "abc", 3, 0));
    char buf[16];
    EXPECT_EQ(fgetxattr(fd, "user.fd", buf, sizeof(buf)), 3);
    EXPECT_EQ(getxattr(tpath("f"), "user.fd", buf, sizeof(buf)), 3);
    EXPECT_TRUE(flistxattr(fd, buf, sizeof(buf)) > 0);
    EXPECT_OK(fremovexattr(fd, "user.fd"));
    EXPECT_ERRNO(fgetxattr(fd, "user.fd", buf, sizeof(buf)), ENODATA);
    close(fd);
    EXPECT_ERRNO(fgetxattr(fd, "user.fd", buf, sizeof(buf)), EBADF);
    /* Through a symlink: the l- variants act on the link, where user.* is not allowed. */
    CHECK(symlink(tpath("f"), tpath("l")));
    EXPECT_OK(setxattr(tpath("l"), "user.via", "1", 1, 0));
    EXPECT_EQ(getxattr(tpath("f"), "user.via", buf, sizeof(buf)), 1);
    EXPECT_ERRNO(lsetxattr(tpath("l"), "user.x", "1", 1, 0), EPERM);
    EXPECT_ERRNO(lgetxattr(tpath("l"), "user.via", buf, sizeof(buf)), ENODATA);
}

TEST(directories)
{
    CHECK(mkdir(tpath("d"), 0755));
    EXPECT_OK(setxattr(tpath("d"), "user.dir", "1", 1, 0));
    char c;
    EXPECT_EQ(getxattr(tpath("d"), "user.dir", &c, 1), 1);
}

TEST(errors)
{
    write_file(tpath("f"), "", 0644);
    const char *f = tpath("f");
    char buf[8];
    EXPECT_ERRNO(setxattr(f, "bogus.x", "1", 1, 0), EOPNOTSUPP);
    EXPECT_ERRNO(getxattr(f, "bogus.x", buf, sizeof(buf)), EOPNOTSUPP);
    EXPECT_ERRNO(setxattr(f, "", "1", 1, 0), ERANGE);
    char longname[300];
    memset(longname, 'a', sizeof(longname));
    memcpy(longname, "user.", 5);
    longname[299] = '\0';
    EXPECT_ERRNO(setxattr(f, longname, "1", 1, 0), ERANGE);
    static char big[65537];
    EXPECT_ERRNO(setxattr(f, "user.big", big, sizeof(big), 0), E2BIG);
    EXPECT_ERRNO(getxattr(tpath("missing"), "user.a", buf, sizeof(buf)), ENOENT);
    EXPECT_ERRNO(setxattr(tpath("missing"), "user.a", "1", 1, 0), ENOENT);
    EXPECT_ERRNO(listxattr(tpath("missing"), buf, sizeof(buf)), ENOENT);
}

TEST(trusted_as_root)
{
    if (geteuid() != 0)
        SKIP("needs root");
    write_file(tpath("f"), "", 0644);
    EXPECT_OK(setxattr(tpath("f"), "trusted.t", "v", 1, 0));
    char c;
    EXPECT_EQ(getxattr(tpath("f"), "trusted.t", &c, 1), 1);
    char buf[256];
    ssize_t len = CHECK(listxattr(tpath("f"), buf, sizeof(buf)));
    EXPECT_TRUE(list_has(buf, len, "trusted.t"));
}

TEST(large_value)
{
    write_file(tpath("f"), "", 0644);
    static char val[4000], out[4000];
    memset(val, 'z', sizeof(val));
    EXPECT_OK(setxattr(tpath("f"), "user.big", val, sizeof(val), 0));
    EXPECT_EQ(getxattr(tpath("f"), "user.big", out, sizeof(out)), sizeof(val));
    EXPECT_TRUE(memcmp(val, out, sizeof(val)) == 0);
}

