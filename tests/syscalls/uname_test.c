// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for uname and the UTS fields: sysname, machine, a release string that
 * matches /proc/sys/kernel/osrelease, and EFAULT. */
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(fields_filled)
{
    struct utsname u;
    memset(&u, 0, sizeof(u));
    EXPECT_OK(uname(&u));
    EXPECT_STREQ(u.sysname, "Linux");
    EXPECT_STREQ(u.machine, "x86_64");
    EXPECT_TRUE(strlen(u.release) > 0);
    EXPECT_TRUE(strlen(u.version) > 0);
    EXPECT_TRUE(strlen(u.nodename) > 0);
}

TEST(release_looks_like_version)
{
    struct utsname u;
    CHECK(uname(&u));
    int major = 0, minor = 0;
    EXPECT_EQ(sscanf(u.release, "%d.%d", &major, &minor), 2);
    EXPECT_TRUE(major >= 3);
}

TEST(matches_proc)
{
    struct utsname u;
    CHECK(uname(&u));
    char buf[256];
    read_file("/proc/sys/kernel/osrelease", buf, sizeof(buf));
    buf[strcspn(buf, "\n")] = '\0';
    EXPECT_STREQ(buf, u.release);
    read_file("/proc/sys/kernel/hostname", buf, sizeof(buf));
    buf[strcspn(buf, "\n")] = '\0';
    EXPECT_STREQ(buf, u.nodename);
}

TEST(gethostname_matches)
{
    struct utsname u;
    CHECK(uname(&u));
    char h[128];
    EXPECT_OK(gethostname(h, sizeof(h)));
    EXPECT_STREQ(h, u.nodename);
}

TEST(efault)
{
    EXPECT_ERRNO(syscall(SYS_uname, (void *)1), EFAULT);
}
