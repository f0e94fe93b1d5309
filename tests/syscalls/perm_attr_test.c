// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for permission checks on changing file attributes: chmod only by the owner
 * (or CAP_FOWNER), chmod by a non-member of the file's group dropping S_ISGID, chown/chgrp rules
 * (a non-root owner may only pick one of its groups; CAP_CHOWN), chown and write clearing
 * S_ISUID/S_ISGID (even root's chown; a writer without CAP_FSETID; S_ISGID without group execute
 * is kept), utimensat (NULL/UTIME_NOW need write permission or ownership, explicit times need
 * ownership), truncate needing write permission, and mknod of devices needing CAP_MKNOD (FIFOs,
 * sockets, regular files and whiteouts do not). Parts that need files of other users are
 * skipped with a reason without root; the owner-only checks run in every mode. */
#include <sys/sysmacros.h>
#include <sys/time.h>

#include "tests/syscalls/cred_util.h"

/* Fills @st for "/" and returns 1 if the caller neither owns it nor may override ownership,
 * so that attempts on it must fail (and so cannot change the system). */
static int root_dir_is_foreign(struct stat *st)
{
    CHECK(stat("/", st));
    return st->st_uid != geteuid() &&
           !have_caps(CAPBIT(CAP_FOWNER) | CAPBIT(CAP_CHOWN) | CAPBIT(CAP_DAC_OVERRIDE)) &&
           caps_now().eff == 0;
}

/* ---- chmod ---- */

static void chmod_as_other(void *arg)
{
    (void)arg;
    EXPECT_ERRNO(chmod(tpath("f"), 0600), EPERM);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_ERRNO(fchmod(fd, 0600), EPERM);
    EXPECT_ERRNO(fchmodat(AT_FDCWD, tpath("f"), 0600, 0), EPERM);
    close(fd);
    EXPECT_EQ(mode_of(tpath("f")), 0644);
}

static void chmod_as_owner(void *arg)
{
    (void)arg;
    EXPECT_OK(chmod(tpath("f"), 04640)); /* the owner may set S_ISUID */
    EXPECT_EQ(mode_of(tpath("f")), 04640);
}

static void chmod_without_fowner(void *arg)
{
    (void)arg;
    EXPECT_ERRNO(chmod(tpath("f"), 0600), EPERM);
}

TEST(chmod_needs_ownership)
{
    require_root_setup();
    mkfile_owned(tpath("f"), U_A, G_A, 0644, "x");
    run_as(U_B, G_B, chmod_as_other, NULL);
    if (geteuid() == 0)
        run_without_caps(CAPBIT(CAP_FOWNER), chmod_without_fowner, NULL);
    run_as(U_A, G_A, chmod_as_owner, NULL);
    EXPECT_OK(chmod(tpath("f"), 0604)); /* CAP_FOWNER */
    EXPECT_EQ(mode_of(tpath("f")), 0604);
}

TEST(chmod_unprivileged)
{
    become_unprivileged();
    struct stat st;
    if (root_dir_is_foreign(&st))
        EXPECT_ERRNO(chmod("/", st.st_mode & 07777), EPERM); /* unchanged mode: still EPERM */
    const char *f = tpath_keep("f");
    write_file(f, "x", 0644);
    EXPECT_OK(chmod(f, 06755)); /* own file, own group */
    EXPECT_EQ(mode_of(f), 06755);
    EXPECT_OK(chmod(f, 0));
    EXPECT_EQ(mode_of(f), 0);
}

static void chmod_sgid_nonmember(void *arg)
{
    (void)arg;
    /* No error, but S_ISGID is silently dropped for a group the caller is not in. */
    EXPECT_OK(chmod(tpath("f"), 02755));
    EXPECT_EQ(mode_of(tpath("f")), 0755);
    EXPECT_OK(chmod(tpath("f"), 06755));
    EXPECT_EQ(mode_of(tpath("f")), 04755);
    EXPECT_OK(chmod(tpath("d"), 02755));
    EXPECT_EQ(mode_of(tpath("d")), 0755);
}

static void chmod_sgid_member(void *arg)
{
    (void)arg;
    EXPECT_OK(chmod(tpath("f"), 02755));
    EXPECT_EQ(mode_of(tpath("f")), 02755);
}

TEST(chmod_by_non_member_clears_setgid)
{
    require_root_setup();
    mkfile_owned(tpath("f"), U_A, G_X, 0755, "x");
    mkdir_owned(tpath("d"), U_A, G_X, 0755);
    run_as(U_A, G_A, chmod_sgid_nonmember, NULL);
    gid_t gx = G_X;
    run_as_groups(U_A, G_A, 1, &gx, chmod_sgid_member, NULL);
    /* CAP_FSETID keeps it for root. */
    if (have_caps(CAPBIT(CAP_FSETID))) {
        CHECK(chown(tpath("f"), U_A, G_Y));
        EXPECT_OK(chmod(tpath("f"), 02755));
        EXPECT_EQ(mode_of(tpath("f")), 02755);
    }
}

/* ---- chown ---- */

static void chown_as_owner(void *arg)
{
    (void)arg;
    const char *f = tpath_keep("f");
    EXPECT_OK(chown(f, (uid_t)-1, G_X)); /* a supplementary group */
    struct stat st;
    CHECK(stat(f, &st));
    EXPECT_EQ(st.st_gid, G_X);
    EXPECT_OK(chown(f, (uid_t)-1, G_A)); /* the primary group */
    EXPECT_ERRNO(chown(f, (uid_t)-1, G_Y), EPERM);
    EXPECT_ERRNO(chown(f, U_B, (gid_t)-1), EPERM);
    EXPECT_ERRNO(chown(f, 0, (gid_t)-1), EPERM);
    EXPECT_ERRNO(chown(f, U_B, G_A), EPERM);
    EXPECT_OK(chown(f, U_A, (gid_t)-1)); /* to itself */
    EXPECT_OK(chown(f, (uid_t)-1, (gid_t)-1));
    int fd = CHECK(open(f, O_RDONLY));
    EXPECT_OK(fchown(fd, (uid_t)-1, G_X));
    EXPECT_ERRNO(fchown(fd, U_B, (gid_t)-1), EPERM);
    close(fd);
    EXPECT_OK(lchown(tpath("l"), (uid_t)-1, G_X)); /* the link itself */
    CHECK(lstat(tpath("l"), &st));
    EXPECT_EQ(st.st_gid, G_X);
    CHECK(stat(f, &st));
    EXPECT_EQ(st.st_uid, U_A);
}

static void chown_as_other(void *arg)
{
    (void)arg;
    /* Not the owner: even to a group it belongs to, even to the current group. */
    EXPECT_ERRNO(chown(tpath("f"), (uid_t)-1, G_X), EPERM);
    struct stat st;
    CHECK(stat(tpath("f"), &st));
    EXPECT_ERRNO(chown(tpath("f"), (uid_t)-1, st.st_gid), EPERM);
    EXPECT_ERRNO(chown(tpath("f"), U_B, (gid_t)-1), EPERM);
}

static void chown_without_cap_chown(void *arg)
{
    (void)arg;
    EXPECT_ERRNO(chown(tpath("f"), U_B, (gid_t)-1), EPERM);
    EXPECT_ERRNO(chown(tpath("f"), 0, (gid_t)-1), EPERM);
    EXPECT_ERRNO(chown(tpath("r"), U_B, (gid_t)-1), EPERM);
    EXPECT_OK(chown(tpath("r"), 0, (gid_t)-1)); /* own file, same owner */
}

TEST(chown_rules)
{
    require_root_setup();
    mkfile_owned(tpath("f"), U_A, G_A, 0644, "x");
    CHECK(symlink("f", tpath("l")));
    CHECK(lchown(tpath("l"), U_A, G_A));
    gid_t gx = G_X;
    run_as_groups(U_A, G_A, 1, &gx, chown_as_owner, NULL);
    run_as_groups(U_B, G_B, 1, &gx, chown_as_other, NULL);
    if (geteuid() == 0) {
        write_file(tpath("r"), "r", 0644);
        run_without_caps(CAPBIT(CAP_CHOWN), chown_without_cap_chown, NULL);
    }
    EXPECT_OK(chown(tpath("f"), U_B, G_Y)); /* CAP_CHOWN: anything */
    struct stat st;
    CHECK(stat(tpath("f"), &st));
    EXPECT_EQ(st.st_uid, U_B);
    EXPECT_EQ(st.st_gid, G_Y);
}

TEST(chown_unprivileged)
{
    become_unprivileged();
    uid_t u = geteuid();
    gid_t g = getegid();
    struct stat st;
    if (root_dir_is_foreign(&st)) {
        /* Unchanged values, so nothing could change even if this wrongly succeeded. */
        EXPECT_ERRNO(chown("/", st.st_uid, (gid_t)-1), EPERM);
        EXPECT_ERRNO(chown("/", (uid_t)-1, st.st_gid), EPERM);
    }
    const char *f = tpath_keep("f");
    write_file(f, "x", 0644);
    EXPECT_ERRNO(chown(f, u == 0 ? 1 : 0, (gid_t)-1), EPERM);
    EXPECT_ERRNO(chown(f, (uid_t)-1, g == G_Y ? G_X : G_Y), EPERM);
    EXPECT_OK(chown(f, u, g));
    EXPECT_OK(chown(f, (uid_t)-1, (gid_t)-1));
}

static void chgrp_setid_as_owner(void *arg)
{
    (void)arg;
    EXPECT_OK(chown(tpath("o"), (uid_t)-1, G_X));
    EXPECT_EQ(mode_of(tpath("o")), 0755);
    EXPECT_OK(chown(tpath("o2"), (uid_t)-1, (gid_t)-1)); /* even a no-op chown */
    EXPECT_EQ(mode_of(tpath("o2")), 0755);
}

TEST(chown_clears_setid_bits)
{
    require_root_setup();
    /* Root's chown too, for every non-directory. */
    mkfile_owned(tpath("f"), U_A, G_A, 06755, "x");
    EXPECT_OK(chown(tpath("f"), U_B, (gid_t)-1));
    EXPECT_EQ(mode_of(tpath("f")), 0755);
    mkfile_owned(tpath("u"), U_A, G_A, 04644, "x"); /* S_ISUID without x: cleared too */
    EXPECT_OK(chown(tpath("u"), (uid_t)-1, G_B));
    EXPECT_EQ(mode_of(tpath("u")), 0644);
    mkfile_owned(tpath("n"), U_A, G_A, 06755, "x");
    EXPECT_OK(chown(tpath("n"), (uid_t)-1, (gid_t)-1));
    EXPECT_EQ(mode_of(tpath("n")), 0755);
    /* S_ISGID without group execute (mandatory locking) is not a set-group-ID marker. */
    mkfile_owned(tpath("g"), U_A, G_A, 02745, "x");
    EXPECT_OK(chown(tpath("g"), U_B, (gid_t)-1));
    EXPECT_EQ(mode_of(tpath("g")), 02745);
    /* Directories keep both. */
    mkdir_owned(tpath("d"), U_A, G_A, 06755);
    EXPECT_OK(chown(tpath("d"), U_B, G_B));
    EXPECT_EQ(mode_of(tpath("d")), 06755);
    /* The owner's chgrp. */
    mkfile_owned(tpath("o"), U_A, G_A, 06755, "x");
    mkfile_owned(tpath("o2"), U_A, G_A, 06755, "x");
    gid_t gx = G_X;
    run_as_groups(U_A, G_A, 1, &gx, chgrp_setid_as_owner, NULL);
}

/* ---- write and truncate clear set-id bits ---- */

static void write_one(const char *path)
{
    int fd = CHECK(open(path, O_WRONLY | O_APPEND));
    EXPECT_EQ(write(fd, "y", 1), 1);
    close(fd);
}

static void write_clears_body(void *arg)
{
    (void)arg;
    const char *f = tpath_keep("f");
    write_file(f, "x", 0600);
    CHECK(chmod(f, 06755));
    write_one(f);
    EXPECT_EQ(mode_of(f), 0755);
    CHECK(chmod(f, 04600));
    write_one(f);
    EXPECT_EQ(mode_of(f), 0600);
    CHECK(chmod(f, 02745)); /* no group execute: kept */
    write_one(f);
    EXPECT_EQ(mode_of(f), 02745);
    CHECK(chmod(f, 06755));
    int fd = CHECK(open(f, O_WRONLY));
    EXPECT_OK(ftruncate(fd, 0));
    close(fd);
    EXPECT_EQ(mode_of(f), 0755);
    CHECK(chmod(f, 06755));
    EXPECT_OK(truncate(f, 10));
    EXPECT_EQ(mode_of(f), 0755);
    /* A write of nothing changes nothing. */
    CHECK(chmod(f, 06755));
    fd = CHECK(open(f, O_WRONLY));
    EXPECT_EQ(write(fd, "", 0), 0);
    close(fd);
    EXPECT_EQ(mode_of(f), 06755);
}

TEST(write_clears_setid_bits_without_cap_fsetid)
{
    become_unprivileged();
    write_clears_body(NULL);
}

static void write_other_users_file(void *arg)
{
    (void)arg;
    write_one(tpath("o"));
    EXPECT_EQ(mode_of(tpath("o")), 0776);
}

TEST(write_keeps_setid_bits_with_cap_fsetid)
{
    require_root_setup();
    const char *f = tpath_keep("f");
    write_file(f, "x", 0600);
    CHECK(chmod(f, 06755));
    write_one(f);
    EXPECT_EQ(mode_of(f), 06755);
    CHECK(truncate(f, 0));
    EXPECT_EQ(mode_of(f), 06755);
    if (geteuid() == 0)
        run_without_caps(CAPBIT(CAP_FSETID), write_clears_body, NULL);
    /* Any writer without CAP_FSETID clears them, not only the owner. */
    mkfile_owned(tpath("o"), U_A, G_A, 06776, "x");
    run_as(U_B, G_B, write_other_users_file, NULL);
}

/* ---- utimensat ---- */

static const struct timespec T_NOW[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
static const struct timespec T_OMIT[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
static const struct timespec T_SET[2] = {{1000, 0}, {2000, 0}};
static const struct timespec T_MIX[2] = {{0, UTIME_NOW}, {2000, 0}};

TEST(utimensat_unprivileged)
{
    become_unprivileged();
    const char *f = tpath_keep("f");
    write_file(f, "x", 0444);
    /* The owner may do anything, even without write permission. */
    EXPECT_OK(utimensat(AT_FDCWD, f, NULL, 0));
    EXPECT_OK(utimensat(AT_FDCWD, f, T_NOW, 0));
    EXPECT_OK(utimensat(AT_FDCWD, f, T_SET, 0));
    struct stat st;
    CHECK(stat(f, &st));
    EXPECT_EQ(st.st_atime, 1000);
    EXPECT_EQ(st.st_mtime, 2000);
    if (!root_dir_is_foreign(&st))
        SKIP_REST("owns / or has capabilities: no foreign file to try");
    /* Not the owner, no write permission. */
    EXPECT_ERRNO(utimensat(AT_FDCWD, "/", NULL, 0), EACCES);
    EXPECT_ERRNO(utimensat(AT_FDCWD, "/", T_NOW, 0), EACCES);
    EXPECT_ERRNO(utimensat(AT_FDCWD, "/", T_MIX, 0), EPERM);
    EXPECT_OK(utimensat(AT_FDCWD, "/", T_OMIT, 0)); /* nothing to change, nothing checked */
}

static void utimens_as_other(void *arg)
{
    (void)arg;
    /* Write permission is enough for "now"... */
    EXPECT_OK(utimensat(AT_FDCWD, tpath("w"), NULL, 0));
    EXPECT_OK(utimensat(AT_FDCWD, tpath("w"), T_NOW, 0));
    EXPECT_OK(utimes(tpath("w"), NULL));
    /* ...but explicit times need ownership. */
    EXPECT_ERRNO(utimensat(AT_FDCWD, tpath("w"), T_SET, 0), EPERM);
    EXPECT_ERRNO(utimensat(AT_FDCWD, tpath("w"), T_MIX, 0), EPERM);
    /* No write permission: EACCES for "now". */
    EXPECT_ERRNO(utimensat(AT_FDCWD, tpath("r"), NULL, 0), EACCES);
    EXPECT_ERRNO(utimensat(AT_FDCWD, tpath("r"), T_SET, 0), EPERM);
    int fd = CHECK(open(tpath("r"), O_RDONLY));
    EXPECT_ERRNO(futimens(fd, NULL), EACCES);
    close(fd);
}

TEST(utimensat_other_users_file)
{
    require_root_setup();
    mkfile_owned(tpath("w"), U_A, G_A, 0666, "x");
    mkfile_owned(tpath("r"), U_A, G_A, 0644, "x");
    run_as(U_B, G_B, utimens_as_other, NULL);
    EXPECT_OK(utimensat(AT_FDCWD, tpath("r"), T_SET, 0)); /* CAP_FOWNER */
}

/* ---- truncate ---- */

TEST(truncate_needs_write_permission)
{
    become_unprivileged();
    const char *f = tpath_keep("f");
    write_file(f, "data", 0444);
    EXPECT_ERRNO(truncate(f, 0), EACCES);
    int fd = CHECK(open(f, O_RDONLY));
    EXPECT_ERRNO(ftruncate(fd, 0), EINVAL); /* not open for writing */
    close(fd);
    struct stat st;
    CHECK(stat(f, &st));
    EXPECT_EQ(st.st_size, 4);
    EXPECT_ERRNO(truncate(harness_tmp, 0), EISDIR);
    CHECK(chmod(f, 0644));
    EXPECT_OK(truncate(f, 1));
    CHECK(stat(f, &st));
    EXPECT_EQ(st.st_size, 1);
}

static void truncate_as_other(void *arg)
{
    (void)arg;
    EXPECT_ERRNO(truncate(tpath("r"), 0), EACCES);
    EXPECT_OK(truncate(tpath("w"), 0));
}

TEST(truncate_other_users_file)
{
    require_root_setup();
    mkfile_owned(tpath("r"), U_A, G_A, 0644, "data");
    mkfile_owned(tpath("w"), U_A, G_A, 0646, "data");
    run_as(U_B, G_B, truncate_as_other, NULL);
    EXPECT_OK(truncate(tpath("r"), 1)); /* CAP_DAC_OVERRIDE */
}

/* ---- mknod ---- */

static void mknod_unprivileged_body(void *arg)
{
    (void)arg;
    EXPECT_ERRNO(mknod(tpath("c"), S_IFCHR | 0600, makedev(1, 3)), EPERM);
    EXPECT_ERRNO(mknod(tpath("b"), S_IFBLK | 0600, makedev(7, 0)), EPERM);
    EXPECT_OK(mknod(tpath("p"), S_IFIFO | 0600, 0));
    EXPECT_OK(mknod(tpath("s"), S_IFSOCK | 0600, 0));
    EXPECT_OK(mknod(tpath("r"), S_IFREG | 0600, 0));
    EXPECT_OK(mknod(tpath("z"), 0600, 0)); /* type 0 means a regular file */
    struct stat st;
    CHECK(stat(tpath("z"), &st));
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_ERRNO(mknod(tpath("d"), S_IFDIR | 0700, 0), EPERM);
    EXPECT_ERRNO(mknod(tpath("x"), 0160000 | 0600, 0), EINVAL);
    /* A whiteout (character device 0:0) needs no capability. */
    EXPECT_OK(mknod(tpath("w"), S_IFCHR | 0600, makedev(0, 0)));
}

TEST(mknod_device_needs_cap_mknod)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become_unprivileged();
        mknod_unprivileged_body(NULL);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    REQUIRE_CAPS(CAPBIT(CAP_MKNOD), "CAP_MKNOD");
    CHECK(mkdir(tpath("root"), 0755));
    EXPECT_OK(mknod(tpath("root/c"), S_IFCHR | 0600, makedev(1, 3)));
    struct stat st;
    CHECK(stat(tpath("root/c"), &st));
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(major(st.st_rdev), 1);
    EXPECT_EQ(minor(st.st_rdev), 3);
    EXPECT_OK(mknod(tpath("root/b"), S_IFBLK | 0600, makedev(7, 0)));
    pid = CHECK(fork());
    if (pid == 0) {
        drop_eff(CAPBIT(CAP_MKNOD));
        EXPECT_ERRNO(mknod(tpath("root/c2"), S_IFCHR | 0600, makedev(1, 3)), EPERM);
        EXPECT_OK(mknod(tpath("root/p"), S_IFIFO | 0600, 0));
        child_done();
    }
    EXPECT_EXIT(pid, 0);
}
