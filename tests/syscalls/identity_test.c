// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for getuid, geteuid, getgid, getegid, getresuid/getresgid and getgroups:
 * consistency between interfaces and /proc, the count-only call, and EINVAL for a short list. */
#include <grp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(ids_consistent)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    CHECK(getresuid(&r, &e, &s));
    CHECK(getresgid(&gr, &ge, &gs));
    EXPECT_EQ(getuid(), r);
    EXPECT_EQ(geteuid(), e);
    EXPECT_EQ(getgid(), gr);
    EXPECT_EQ(getegid(), ge);
    EXPECT_EQ(syscall(SYS_getuid), r);
    EXPECT_EQ(syscall(SYS_getegid), ge);
}

TEST(ids_match_proc_status)
{
    char buf[4096];
    read_file("/proc/self/status", buf, sizeof(buf));
    char *u = strstr(buf, "\nUid:\t");
    char *g = strstr(buf, "\nGid:\t");
    if (!u || !g)
        FATAL("no Uid/Gid lines");
    unsigned a, b, c, d;
    EXPECT_EQ(sscanf(u, "\nUid:\t%u\t%u\t%u\t%u", &a, &b, &c, &d), 4);
    EXPECT_EQ(a, getuid());
    EXPECT_EQ(b, geteuid());
    EXPECT_EQ(sscanf(g, "\nGid:\t%u\t%u\t%u\t%u", &a, &b, &c, &d), 4);
    EXPECT_EQ(a, getgid());
    EXPECT_EQ(b, getegid());
}

TEST(getgroups_count_and_list)
{
    int n = CHECK(getgroups(0, NULL));
    EXPECT_TRUE(n >= 0 && n <= 65536);
    gid_t list[256];
    if (n > 256)
        SKIP("too many supplementary groups");
    EXPECT_EQ(getgroups(n, list), n);
    /* A list one short is EINVAL; with one group that is size 0, which only counts. */
    if (n > 1)
        EXPECT_ERRNO(getgroups(n - 1, list), EINVAL);
    EXPECT_ERRNO(syscall(SYS_getgroups, -1, list), EINVAL);
}

TEST(ids_inherited_by_child)
{
    uid_t u = getuid();
    gid_t g = getgid();
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(getuid() == u && getgid() == g ? 0 : 1);
    EXPECT_EXIT(pid, 0);
}

TEST(setuid_to_self_allowed)
{
    EXPECT_OK(setuid(getuid()));
    EXPECT_OK(setgid(getgid()));
    EXPECT_OK(setresuid((uid_t)-1, (uid_t)-1, (uid_t)-1));
}

TEST(dropping_privilege_in_child)
{
    if (geteuid() != 0)
        SKIP("needs uid 0 to change ids");
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(1);
        if (getuid() != 65534 || geteuid() != 65534 || getgid() != 65534)
            _exit(2);
        _exit(setuid(0) == -1 && errno == EPERM ? 0 : 3);
    }
    EXPECT_EXIT(pid, 0);
}
