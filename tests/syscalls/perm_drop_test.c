// SPDX-License-Identifier: Apache-2.0
/* The privilege-drop scenario of a daemon, end to end: as root, create a root-only file and a
 * sticky directory holding another user's file; a child then does setgroups([]), setgid(65534),
 * setuid(65534) and must be refused what root could do: reading the root-only file, reading
 * /etc/shadow, opening /etc/passwd for append (the real files: nothing is ever written, every
 * open is expected to fail), regaining root, and removing the other user's file; its
 * /proc/self/status must show no capability. Without root, the same checks run as the caller
 * (the setup parts that need root are skipped with a reason). */
#include "tests/syscalls/cred_util.h"

/* What the dropped process must see; @root_setup says whether the files below exist. */
static void dropped_checks(int root_setup)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    CHECK(getresuid(&r, &e, &s));
    CHECK(getresgid(&gr, &ge, &gs));
    if (root_setup) {
        EXPECT_TRUE(r == U_NOBODY && e == U_NOBODY && s == U_NOBODY);
        EXPECT_TRUE(gr == U_NOBODY && ge == U_NOBODY && gs == U_NOBODY);
        EXPECT_EQ(getgroups(0, NULL), 0);
    }
    EXPECT_TRUE(r != 0 && e != 0 && s != 0);
    /* No capability is left anywhere. */
    EXPECT_EQ(status_hex("/proc/self/status", "CapEff"), 0);
    EXPECT_EQ(status_hex("/proc/self/status", "CapPrm"), 0);
    EXPECT_EQ(status_hex("/proc/self/status", "CapAmb"), 0);
    struct capsets c = caps_now();
    EXPECT_EQ(c.eff | c.prm, 0);
    /* No way back. */
    EXPECT_ERRNO(setuid(0), EPERM);
    EXPECT_ERRNO(setgid(0), EPERM);
    EXPECT_ERRNO(setresuid((uid_t)-1, 0, (uid_t)-1), EPERM);
    EXPECT_ERRNO(setgroups(0, NULL), EPERM);
    c.eff = c.prm = CAPBIT(CAP_DAC_OVERRIDE);
    EXPECT_ERRNO(cap_set(&c), EPERM);
    /* The system's own files. */
    struct stat st;
    if (stat("/etc/shadow", &st) == 0 && !(st.st_mode & S_IROTH))
        EXPECT_ERRNO(open("/etc/shadow", O_RDONLY), EACCES);
    else
        harness_diag("/etc/shadow missing or world-readable: not checked");
    if (stat("/etc/passwd", &st) == 0 && st.st_uid != e && !(st.st_mode & S_IWOTH)) {
        EXPECT_ERRNO(open("/etc/passwd", O_WRONLY | O_APPEND), EACCES);
        EXPECT_ERRNO(open("/etc/passwd", O_RDWR), EACCES);
        EXPECT_OK(try_open("/etc/passwd", O_RDONLY));
    } else {
        harness_diag("/etc/passwd missing or writable: not checked");
    }
    if (!root_setup)
        return;
    EXPECT_ERRNO(open(tpath("secret"), O_RDONLY), EACCES);
    EXPECT_ERRNO(open(tpath("secret"), O_WRONLY | O_TRUNC), EACCES);
    EXPECT_ERRNO(chmod(tpath("secret"), 0644), EPERM);
    EXPECT_ERRNO(chown(tpath("secret"), U_NOBODY, U_NOBODY), EPERM);
    EXPECT_ERRNO(unlink(tpath("secret")), EACCES); /* the directory is root's, 0755 */
    /* The sticky directory: its own file may go, another user's may not. */
    EXPECT_ERRNO(unlink(tpath("sticky/theirs")), EPERM);
    EXPECT_ERRNO(rename(tpath("sticky/theirs"), tpath("sticky/taken")), EPERM);
    EXPECT_OK(unlink(tpath("sticky/mine")));
}

TEST(privilege_drop_scenario)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID) | CAPBIT(CAP_CHOWN),
                 "CAP_SETUID, CAP_SETGID and CAP_CHOWN to set up and drop");
    if (getuid() != 0 || geteuid() != 0)
        SKIP("needs uid 0");
    CHECK(chmod(harness_tmp, 0755));
    write_file(tpath("secret"), "root only", 0600);
    CHECK(mkdir(tpath("sticky"), 0700));
    CHECK(chmod(tpath("sticky"), 01777));
    mkfile_owned(tpath("sticky/theirs"), U_A, G_A, 0666, "theirs");
    mkfile_owned(tpath("sticky/mine"), U_NOBODY, U_NOBODY, 0644, "mine");
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        CHECK(setgroups(0, NULL));
        CHECK(setgid(U_NOBODY));
        CHECK(setuid(U_NOBODY));
        dropped_checks(1);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    /* Root could do all of that (with the capabilities this machine's root has). */
    if (have_caps(CAPBIT(CAP_DAC_OVERRIDE)))
        EXPECT_OK(try_open(tpath("secret"), O_RDWR));
    if (have_caps(CAPBIT(CAP_FOWNER)))
        EXPECT_OK(unlink(tpath("sticky/theirs")));
}

TEST(unprivileged_caller_sees_the_same)
{
    become_unprivileged(); /* as root: drops to nobody with setresuid/setresgid */
    dropped_checks(0);
}
