// SPDX-License-Identifier: Apache-2.0
/* The unprivileged runs themselves (tests/lib/asuser.c, user_tests in meson.build): after the
 * drop every id is the test user's, root cannot be regained, files the user creates are owned
 * by the user's ids, and a root-only host file is closed to the user. Run as root, the same
 * program checks root's side of each (root drops in a child to check that the drop is for
 * good). */
#include <grp.h>
#include <sys/types.h>

#include "tests/syscalls/harness.h"

/* An unprivileged id pair for the root variants' own drops: nobody/nogroup. */
#define NOBODY 65534

/* Checks that every id of the calling process is @uid/@gid and that only @gid is in the
 * supplementary groups. */
static void expect_ids(uid_t uid, gid_t gid)
{
    uid_t r, e, s;
    gid_t rg, eg, sg;
    CHECK(getresuid(&r, &e, &s));
    CHECK(getresgid(&rg, &eg, &sg));
    EXPECT_EQ(r, uid);
    EXPECT_EQ(e, uid);
    EXPECT_EQ(s, uid);
    EXPECT_EQ(rg, gid);
    EXPECT_EQ(eg, gid);
    EXPECT_EQ(sg, gid);
    gid_t groups[8];
    int n = CHECK(getgroups(8, groups));
    EXPECT_EQ(n, 1);
    if (n >= 1)
        EXPECT_EQ(groups[0], gid);
}

/* In an unprivileged process: root's ids and groups cannot be taken back. */
static void expect_cannot_regain_root(void)
{
    gid_t none = 0;
    EXPECT_ERRNO(setuid(0), EPERM);
    EXPECT_ERRNO(seteuid(0), EPERM);
    EXPECT_ERRNO(setgid(0), EPERM);
    EXPECT_ERRNO(setgroups(1, &none), EPERM);
    EXPECT_NE(geteuid(), 0);
}

/* Drops the calling (root) process to nobody as asuser does. */
static void drop_to_nobody(void)
{
    gid_t g = NOBODY;
    CHECK(setgroups(1, &g));
    CHECK(setgid(NOBODY));
    CHECK(setuid(NOBODY));
}

TEST(ids_after_the_drop)
{
    uid_t uid;
    gid_t gid;
    if (harness_asuser(&uid, &gid)) {
        EXPECT_NE(uid, 0);
        expect_ids(uid, gid);
        return;
    }
    /* Not dropped: the real and effective ids agree (no set-id program is involved). */
    EXPECT_EQ(getuid(), geteuid());
    EXPECT_EQ(getgid(), getegid());
}

TEST(root_cannot_be_regained)
{
    if (harness_asuser(NULL, NULL)) {
        expect_cannot_regain_root();
        return;
    }
    if (!harness_is_root())
        SKIP("neither root nor dropped by asuser: nothing to check");
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        drop_to_nobody();
        expect_ids(NOBODY, NOBODY);
        expect_cannot_regain_root();
        child_done();
    }
    EXPECT_EXIT(pid, 0);
}

/* A file and a directory made by the process are owned by its effective uid and gid. */
static void expect_creations_owned(void)
{
    struct stat st;
    int fd = CHECK(open(tpath("f"), O_WRONLY | O_CREAT | O_EXCL, 0644));
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_uid, geteuid());
    EXPECT_EQ(st.st_gid, getegid());
    close(fd);
    CHECK(mkdir(tpath("d"), 0755));
    CHECK(stat(tpath("d"), &st));
    EXPECT_EQ(st.st_uid, geteuid());
    EXPECT_EQ(st.st_gid, getegid());
}

TEST(created_files_are_owned_by_the_creator)
{
    expect_creations_owned();
}

/* /etc/shadow is the host's own root-only file (0640 root:shadow, or stricter). */
TEST(root_only_host_file_is_closed_to_the_user)
{
    struct stat st;
    if (stat("/etc/shadow", &st) != 0)
        SKIP("no /etc/shadow on this host");
    if (st.st_uid != 0 || (st.st_mode & S_IROTH))
        SKIP("/etc/shadow is not root-only here (owner %u, mode %o)", (unsigned)st.st_uid,
             (unsigned)(st.st_mode & 07777));
    if (harness_is_root()) {
        int fd = CHECK(open("/etc/shadow", O_RDONLY));
        close(fd);
        return;
    }
    /* The test user is not in the file's group (asuser leaves it only its own group). */
    EXPECT_ERRNO(open("/etc/shadow", O_RDONLY), EACCES);
}
