// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for the set*id family: setuid/setgid, setreuid/setregid, setresuid/setresgid,
 * setfsuid/setfsgid, setgroups/getgroups. Which transitions an unprivileged caller may make
 * (only to its real, effective or saved id, per call), what CAP_SETUID/CAP_SETGID allow, -1 as
 * "unchanged", the saved-set-id rules of setreuid, fsuid following euid, EINVAL for an invalid
 * id, and the ids shown in /proc/self/status. Privileged setups (any uid) are skipped with a
 * reason when the caller lacks CAP_SETUID/CAP_SETGID; the unprivileged checks run either way
 * (as root, after dropping to nobody). */
#include "tests/syscalls/cred_util.h"

/* Expects the real, effective, saved and fs uid to be @r, @e, @s, @e (fsuid follows euid). */
#define EXPECT_UIDS(r, e, s)                                                                       \
    do {                                                                                           \
        uid_t r_, e_, s_;                                                                          \
        CHECK(getresuid(&r_, &e_, &s_));                                                           \
        EXPECT_EQ(r_, (r));                                                                        \
        EXPECT_EQ(e_, (e));                                                                        \
        EXPECT_EQ(s_, (s));                                                                        \
        EXPECT_EQ(setfsuid((uid_t)-1), (e));                                                       \
    } while (0)

#define EXPECT_GIDS(r, e, s)                                                                       \
    do {                                                                                           \
        gid_t r_, e_, s_;                                                                          \
        CHECK(getresgid(&r_, &e_, &s_));                                                           \
        EXPECT_EQ(r_, (r));                                                                        \
        EXPECT_EQ(e_, (e));                                                                        \
        EXPECT_EQ(s_, (s));                                                                        \
        EXPECT_EQ(setfsgid((gid_t)-1), (e));                                                       \
    } while (0)

/* Forks a child that takes uids (r, e, s) and gids (gr, ge, gs) without supplementary groups,
 * then runs @fn; waits for it and fails the test if the child did. Needs CAP_SETUID/SETGID. */
static void with_ids(uid_t r, uid_t e, uid_t s, gid_t gr, gid_t ge, gid_t gs, void (*fn)(void))
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        CHECK(setgroups(0, NULL));
        CHECK(setresgid(gr, ge, gs));
        CHECK(setresuid(r, e, s));
        fn();
        child_done();
    }
    EXPECT_EXIT(pid, 0);
}

static void with_uids(uid_t r, uid_t e, uid_t s, void (*fn)(void))
{
    with_ids(r, e, s, G_A, G_A, G_A, fn);
}

TEST(invalid_id_einval_and_minus_one_unchanged)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    CHECK(getresuid(&r, &e, &s));
    CHECK(getresgid(&gr, &ge, &gs));
    EXPECT_ERRNO(syscall(SYS_setuid, (uid_t)-1), EINVAL);
    EXPECT_ERRNO(syscall(SYS_setgid, (gid_t)-1), EINVAL);
    EXPECT_OK(syscall(SYS_setreuid, (uid_t)-1, (uid_t)-1));
    EXPECT_OK(syscall(SYS_setregid, (gid_t)-1, (gid_t)-1));
    EXPECT_OK(syscall(SYS_setresuid, (uid_t)-1, (uid_t)-1, (uid_t)-1));
    EXPECT_OK(syscall(SYS_setresgid, (gid_t)-1, (gid_t)-1, (gid_t)-1));
    EXPECT_UIDS(r, e, s);
    EXPECT_GIDS(gr, ge, gs);
}

TEST(unprivileged_cannot_take_other_ids)
{
    become_unprivileged();
    uid_t u = getuid();
    gid_t g = getgid();
    uid_t other = u == U_A ? U_B : U_A;
    gid_t ogid = g == G_A ? G_B : G_A;
    EXPECT_ERRNO(setuid(other), EPERM);
    EXPECT_ERRNO(setuid(0), EPERM);
    EXPECT_ERRNO(setresuid(other, (uid_t)-1, (uid_t)-1), EPERM);
    EXPECT_ERRNO(setresuid((uid_t)-1, other, (uid_t)-1), EPERM);
    EXPECT_ERRNO(setresuid((uid_t)-1, (uid_t)-1, other), EPERM);
    EXPECT_ERRNO(setreuid(other, (uid_t)-1), EPERM);
    EXPECT_ERRNO(setreuid((uid_t)-1, other), EPERM);
    EXPECT_ERRNO(setgid(ogid), EPERM);
    EXPECT_ERRNO(setgid(0), EPERM);
    EXPECT_ERRNO(setresgid(ogid, (gid_t)-1, (gid_t)-1), EPERM);
    EXPECT_ERRNO(setresgid((gid_t)-1, ogid, (gid_t)-1), EPERM);
    EXPECT_ERRNO(setresgid((gid_t)-1, (gid_t)-1, ogid), EPERM);
    EXPECT_ERRNO(setregid(ogid, (gid_t)-1), EPERM);
    EXPECT_ERRNO(setregid((gid_t)-1, ogid), EPERM);
    /* Staying the same is always allowed. */
    EXPECT_OK(setuid(u));
    EXPECT_OK(setgid(g));
    EXPECT_OK(setresuid(u, u, u));
    EXPECT_OK(setreuid(u, u));
    EXPECT_UIDS(u, u, u);
    EXPECT_GIDS(g, g, g);
    /* setfsuid never fails: it returns the old fsuid and ignores a forbidden value. */
    EXPECT_EQ(setfsuid(other), u);
    EXPECT_EQ(setfsuid((uid_t)-1), u);
    EXPECT_EQ(setfsgid(ogid), g);
    EXPECT_EQ(setfsgid((gid_t)-1), g);
}

TEST(setgroups_needs_cap_setgid)
{
    become_unprivileged();
    gid_t g = getgid();
    EXPECT_ERRNO(setgroups(0, NULL), EPERM);
    EXPECT_ERRNO(setgroups(1, &g), EPERM);
    int n = CHECK(getgroups(0, NULL));
    EXPECT_TRUE(n >= 0);
}

static int has_group(const gid_t *list, int n, gid_t g)
{
    for (int i = 0; i < n; i++)
        if (list[i] == g)
            return 1;
    return 0;
}

TEST(setgroups_sets_list_shown_in_proc)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETGID), "CAP_SETGID");
    gid_t set[] = {G_Y, G_X, 7};
    CHECK(setgroups(3, set));
    gid_t got[8];
    EXPECT_EQ(getgroups(0, NULL), 3);
    EXPECT_EQ(getgroups(8, got), 3);
    EXPECT_TRUE(has_group(got, 3, G_X) && has_group(got, 3, G_Y) && has_group(got, 3, 7));
    EXPECT_ERRNO(getgroups(2, got), EINVAL);
    char buf[8192];
    buf[0] = '\n';
    read_file("/proc/self/status", buf + 1, sizeof(buf) - 1);
    const char *v = status_field(buf, "Groups");
    EXPECT_TRUE(v != NULL);
    if (v) {
        unsigned a[3];
        EXPECT_EQ(sscanf(v, "%u %u %u", &a[0], &a[1], &a[2]), 3);
        EXPECT_TRUE(has_group(got, 3, a[0]) && has_group(got, 3, a[1]) && has_group(got, 3, a[2]));
    }
    /* More than NGROUPS_MAX (65536) entries is EINVAL, checked before the list is read. */
    EXPECT_ERRNO(syscall(SYS_setgroups, 65537, set), EINVAL);
    /* An empty list clears it; the uid change below keeps it. */
    CHECK(setgroups(0, NULL));
    EXPECT_EQ(getgroups(0, NULL), 0);
    CHECK(setgroups(1, set));
    if (have_caps(CAPBIT(CAP_SETUID))) {
        CHECK(setresuid(U_A, U_A, U_A));
        EXPECT_EQ(getgroups(8, got), 1);
        EXPECT_EQ(got[0], G_Y);
        EXPECT_ERRNO(setgroups(0, NULL), EPERM);
    }
}

TEST(setuid_with_cap_setuid_sets_all_ids)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID), "CAP_SETUID and CAP_SETGID");
    CHECK(setgid(G_B));
    EXPECT_GIDS(G_B, G_B, G_B);
    CHECK(setuid(U_A));
    EXPECT_UIDS(U_A, U_A, U_A);
    EXPECT_ERRNO(setuid(0), EPERM);
    EXPECT_ERRNO(setgid(0), EPERM);
}

static void setuid_unprivileged_body(void)
{
    /* From (A, B, C): setuid may pick the real or the saved uid, and sets only euid. */
    EXPECT_ERRNO(setuid(U_B), EPERM); /* the current euid alone is not enough */
    EXPECT_ERRNO(setuid(U_D), EPERM);
    EXPECT_OK(setuid(U_C));
    EXPECT_UIDS(U_A, U_C, U_C);
    EXPECT_OK(setuid(U_A));
    EXPECT_UIDS(U_A, U_A, U_C);
    EXPECT_ERRNO(setuid(U_B), EPERM);
    EXPECT_OK(setuid(U_C));
    EXPECT_UIDS(U_A, U_C, U_C);
}

TEST(setuid_unprivileged_real_or_saved)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID), "CAP_SETUID and CAP_SETGID (setup)");
    with_uids(U_A, U_B, U_C, setuid_unprivileged_body);
}

static void setreuid_ruid_to_saved(void)
{
    EXPECT_ERRNO(setreuid(U_C, (uid_t)-1), EPERM);
    EXPECT_UIDS(U_A, U_B, U_C);
}

static void setreuid_ruid_to_euid(void)
{
    EXPECT_OK(setreuid(U_B, (uid_t)-1));
    EXPECT_UIDS(U_B, U_B, U_B); /* ruid set: saved := new euid */
}

static void setreuid_euid_to_saved(void)
{
    EXPECT_OK(setreuid((uid_t)-1, U_C));
    EXPECT_UIDS(U_A, U_C, U_C);
}

static void setreuid_euid_to_real(void)
{
    EXPECT_OK(setreuid((uid_t)-1, U_A));
    EXPECT_UIDS(U_A, U_A, U_C); /* euid set to the old ruid: saved unchanged */
}

static void setreuid_ruid_same(void)
{
    EXPECT_OK(setreuid(U_A, (uid_t)-1));
    EXPECT_UIDS(U_A, U_B, U_B); /* ruid given, even unchanged: saved := euid */
}

static void setreuid_other(void)
{
    EXPECT_ERRNO(setreuid((uid_t)-1, U_D), EPERM);
    EXPECT_ERRNO(setreuid(U_D, (uid_t)-1), EPERM);
    EXPECT_ERRNO(setreuid(U_B, U_D), EPERM); /* all or nothing */
    EXPECT_UIDS(U_A, U_B, U_C);
}

static void setreuid_swap(void)
{
    EXPECT_OK(setreuid(U_B, U_A));
    EXPECT_UIDS(U_B, U_A, U_A);
}

TEST(setreuid_unprivileged_rules)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID), "CAP_SETUID and CAP_SETGID (setup)");
    with_uids(U_A, U_B, U_C, setreuid_ruid_to_saved);
    with_uids(U_A, U_B, U_C, setreuid_ruid_to_euid);
    with_uids(U_A, U_B, U_C, setreuid_euid_to_saved);
    with_uids(U_A, U_B, U_C, setreuid_euid_to_real);
    with_uids(U_A, U_B, U_C, setreuid_ruid_same);
    with_uids(U_A, U_B, U_C, setreuid_other);
    with_uids(U_A, U_B, U_C, setreuid_swap);
}

TEST(setreuid_root_saved_id_pitfall)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID), "CAP_SETUID");
    if (getuid() != 0)
        SKIP("needs real uid 0");
    /* Setting only euid to something other than the real uid also sets the saved uid. */
    CHECK(setreuid((uid_t)-1, U_A));
    EXPECT_UIDS(0, U_A, U_A);
    /* Back to the real uid (allowed without privilege): the saved uid stays. */
    CHECK(setreuid((uid_t)-1, 0));
    EXPECT_UIDS(0, 0, U_A);
    /* seteuid (setresuid(-1, e, -1)) leaves the saved uid alone. */
    CHECK(setresuid((uid_t)-1, U_B, (uid_t)-1));
    EXPECT_UIDS(0, U_B, U_A);
    CHECK(setresuid((uid_t)-1, 0, (uid_t)-1));
    EXPECT_UIDS(0, 0, U_A);
}

static void setresuid_permute(void)
{
    EXPECT_OK(setresuid(U_C, U_A, U_B));
    EXPECT_UIDS(U_C, U_A, U_B);
    EXPECT_OK(setresuid(U_B, (uid_t)-1, U_B));
    EXPECT_UIDS(U_B, U_A, U_B);
}

static void setresuid_other(void)
{
    EXPECT_ERRNO(setresuid(U_D, (uid_t)-1, (uid_t)-1), EPERM);
    EXPECT_ERRNO(setresuid((uid_t)-1, U_D, (uid_t)-1), EPERM);
    EXPECT_ERRNO(setresuid((uid_t)-1, (uid_t)-1, U_D), EPERM);
    EXPECT_ERRNO(setresuid(U_C, U_D, U_A), EPERM); /* nothing changes */
    EXPECT_UIDS(U_A, U_B, U_C);
}

TEST(setresuid_unprivileged_rules)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID), "CAP_SETUID and CAP_SETGID (setup)");
    with_uids(U_A, U_B, U_C, setresuid_permute);
    with_uids(U_A, U_B, U_C, setresuid_other);
}

static void setgid_rules_body(void)
{
    /* ids (A,A,A), gids (G_A, G_B, G_A), supplementary G_X */
    EXPECT_ERRNO(setgid(G_X), EPERM); /* supplementary groups do not count */
    EXPECT_ERRNO(setresgid((gid_t)-1, G_X, (gid_t)-1), EPERM);
    EXPECT_ERRNO(setregid(G_X, (gid_t)-1), EPERM);
    EXPECT_ERRNO(setgid(G_B), EPERM); /* the current egid alone is not enough */
    EXPECT_ERRNO(setregid(G_A, G_Y), EPERM);
    EXPECT_GIDS(G_A, G_B, G_A);
    EXPECT_OK(setregid((gid_t)-1, G_A));
    EXPECT_GIDS(G_A, G_A, G_A); /* was not in saved; G_A == rgid keeps saved */
}

static void setgid_saved_body(void)
{
    /* gids (G_A, G_B, G_Y) */
    EXPECT_OK(setgid(G_Y));
    EXPECT_GIDS(G_A, G_Y, G_Y);
    EXPECT_OK(setresgid(G_Y, G_A, (gid_t)-1));
    EXPECT_GIDS(G_Y, G_A, G_Y);
    EXPECT_OK(setregid((gid_t)-1, G_Y));
    EXPECT_GIDS(G_Y, G_Y, G_Y);
}

TEST(setgid_family_unprivileged_rules)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID), "CAP_SETUID and CAP_SETGID (setup)");
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        gid_t x = G_X;
        CHECK(setgroups(1, &x));
        CHECK(setresgid(G_A, G_B, G_A));
        CHECK(setresuid(U_A, U_A, U_A));
        setgid_rules_body();
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    with_ids(U_A, U_A, U_A, G_A, G_B, G_Y, setgid_saved_body);
}

static void setfsuid_unprivileged_body(void)
{
    /* uids (A, B, C), fsuid B; gids (G_A, G_B, G_Y) */
    EXPECT_EQ(setfsuid(U_C), U_B);
    EXPECT_EQ(setfsuid((uid_t)-1), U_C);
    EXPECT_EQ(setfsuid(U_D), U_C); /* not allowed: silently unchanged */
    EXPECT_EQ(setfsuid((uid_t)-1), U_C);
    EXPECT_EQ(setfsuid(U_A), U_C);
    EXPECT_EQ(setfsuid((uid_t)-1), U_A);
    unsigned ids[4];
    status_ids("/proc/self/status", "Uid", ids);
    EXPECT_EQ(ids[0], U_A);
    EXPECT_EQ(ids[1], U_B);
    EXPECT_EQ(ids[2], U_C);
    EXPECT_EQ(ids[3], U_A);
    EXPECT_EQ(setfsgid(G_Y), G_B);
    EXPECT_EQ(setfsgid(G_X), G_Y);
    EXPECT_EQ(setfsgid((gid_t)-1), G_Y);
    status_ids("/proc/self/status", "Gid", ids);
    EXPECT_EQ(ids[3], G_Y);
    /* Any change of euid resets fsuid to it. */
    EXPECT_OK(setresuid((uid_t)-1, U_C, (uid_t)-1));
    EXPECT_EQ(setfsuid((uid_t)-1), U_C);
    EXPECT_OK(setresgid((gid_t)-1, G_A, (gid_t)-1));
    EXPECT_EQ(setfsgid((gid_t)-1), G_A);
}

TEST(setfsuid_rules)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID), "CAP_SETUID and CAP_SETGID");
    /* With CAP_SETUID any fsuid is allowed, and euid does not move. */
    uid_t e = geteuid();
    EXPECT_EQ(setfsuid(U_D), e);
    EXPECT_EQ(setfsuid((uid_t)-1), U_D);
    EXPECT_EQ(geteuid(), e);
    unsigned ids[4];
    status_ids("/proc/self/status", "Uid", ids);
    EXPECT_EQ(ids[1], e);
    EXPECT_EQ(ids[3], U_D);
    EXPECT_EQ(setfsuid(e), U_D);
    with_ids(U_A, U_B, U_C, G_A, G_B, G_Y, setfsuid_unprivileged_body);
}

TEST(ids_do_not_leak_to_parent)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID), "CAP_SETUID");
    uid_t r, e, s;
    CHECK(getresuid(&r, &e, &s));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        CHECK(setresuid(U_A, U_B, U_C));
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_UIDS(r, e, s);
}
