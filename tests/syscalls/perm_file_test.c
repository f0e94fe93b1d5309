// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for file permission checks: search permission on every directory of a path
 * walk (and CAP_DAC_READ_SEARCH), open modes against the owner, group and other classes (the
 * first matching class decides, even when it grants less), supplementary groups, O_TRUNC and
 * O_CREAT needing write permission, what root bypasses (not execute without any x bit), sticky
 * directories, protected_regular/protected_fifos, access()/faccessat() with the real ids and
 * faccessat2(AT_EACCESS) with the effective ones, protected_hardlinks and protected_symlinks
 * (following what the running system's sysctls say), and set-group-ID directories. Files of
 * other users need root to set up; those parts are skipped with a reason otherwise, and the
 * checks an unprivileged caller can make on its own files run in every mode. */
#include <dirent.h>

#include "tests/syscalls/cred_util.h"

#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif

SUBPROG(ok)
{
    (void)argc;
    (void)argv;
    return 0;
}

static int faccessat2_raw(int dirfd, const char *path, int mode, int flags)
{
    return (int)syscall(SYS_faccessat2, dirfd, path, mode, flags);
}

/* Forks, execs @path ("--sub ok") and returns 0 if it ran, else the errno of execve. */
static int try_exec(const char *path)
{
    int p[2];
    CHECK(pipe2(p, O_CLOEXEC));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char *argv[] = {(char *)path, "--sub", "ok", NULL};
        char *envp[] = {NULL};
        execve(path, argv, envp);
        int e = errno;
        (void)!write(p[1], &e, sizeof(e));
        _exit(127);
    }
    close(p[1]);
    int e = 0;
    if (read(p[0], &e, sizeof(e)) != sizeof(e))
        e = 0;
    close(p[0]);
    int st = wait_status(pid);
    if (e == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        FAIL("%s ran but exited with status 0x%x", path, st);
    return e;
}

/* ---- search permission ---- */

static void walk_as_other(void *arg)
{
    (void)arg;
    EXPECT_ERRNO(open(tpath("d/f"), O_RDONLY), EACCES);
    struct stat st;
    EXPECT_ERRNO(stat(tpath("d/f"), &st), EACCES);
    EXPECT_ERRNO(access(tpath("d/f"), F_OK), EACCES);
    EXPECT_ERRNO(chdir(tpath("d")), EACCES);
    EXPECT_ERRNO(open(tpath("d"), O_RDONLY | O_DIRECTORY), EACCES);
    EXPECT_OK(stat(tpath("d"), &st));                         /* the directory itself is visible */
    EXPECT_ERRNO(open(tpath("d/missing"), O_RDONLY), EACCES); /* not ENOENT */
}

static void walk_as_owner(void *arg)
{
    (void)arg;
    EXPECT_OK(try_open(tpath("d/f"), O_RDONLY));
}

static void walk_dac_read_search_only(void *arg)
{
    (void)arg;
    /* Reading and searching, yes; writing, no. */
    EXPECT_OK(try_open(tpath("d/f"), O_RDONLY));
    EXPECT_OK(try_open(tpath("d"), O_RDONLY | O_DIRECTORY));
    EXPECT_ERRNO(open(tpath("d/f"), O_WRONLY), EACCES);
    EXPECT_ERRNO(open(tpath("d/new"), O_WRONLY | O_CREAT, 0644), EACCES);
}

static void walk_no_dac_caps(void *arg)
{
    (void)arg;
    EXPECT_ERRNO(open(tpath("d/f"), O_RDONLY), EACCES);
}

TEST(search_permission_on_path_walk)
{
    require_root_setup();
    mkdir_owned(tpath("d"), U_A, G_A, 0700);
    mkfile_owned(tpath("d/f"), U_A, G_A, 0644, "data");
    run_as(U_B, G_B, walk_as_other, NULL);
    run_as(U_A, G_A, walk_as_owner, NULL);
    if (geteuid() != 0)
        SKIP_REST("the capability part needs fsuid 0");
    EXPECT_OK(try_open(tpath("d/f"), O_RDWR));
    if (!have_caps(CAPBIT(CAP_DAC_READ_SEARCH)))
        SKIP_REST("no CAP_DAC_READ_SEARCH");
    run_without_caps(CAPBIT(CAP_DAC_OVERRIDE), walk_dac_read_search_only, NULL);
    run_without_caps(CAPBIT(CAP_DAC_OVERRIDE) | CAPBIT(CAP_DAC_READ_SEARCH), walk_no_dac_caps,
                     NULL);
}

TEST(search_and_read_bits_of_own_directory)
{
    become_unprivileged();
    CHECK(mkdir(tpath("d"), 0700));
    write_file(tpath("d/f"), "data", 0644);
    /* Read without search: the names can be listed but not followed. */
    CHECK(chmod(tpath("d"), 0600));
    EXPECT_ERRNO(open(tpath("d/f"), O_RDONLY), EACCES);
    struct stat st;
    EXPECT_ERRNO(stat(tpath("d/f"), &st), EACCES);
    DIR *dir = opendir(tpath("d"));
    EXPECT_TRUE(dir != NULL);
    if (dir) {
        int found = 0;
        struct dirent *de;
        while ((de = readdir(dir)))
            found |= strcmp(de->d_name, "f") == 0;
        EXPECT_TRUE(found);
        closedir(dir);
    }
    /* Search without read: names can be followed but not listed. */
    CHECK(chmod(tpath("d"), 0100));
    EXPECT_OK(try_open(tpath("d/f"), O_RDONLY));
    EXPECT_ERRNO(open(tpath("d"), O_RDONLY | O_DIRECTORY), EACCES);
    EXPECT_OK(chdir(tpath("d")));
    EXPECT_OK(chdir("/"));
    /* Neither. */
    CHECK(chmod(tpath("d"), 0000));
    EXPECT_ERRNO(stat(tpath("d/f"), &st), EACCES);
    EXPECT_OK(stat(tpath("d"), &st));
    EXPECT_ERRNO(chdir(tpath("d")), EACCES);
    CHECK(chmod(tpath("d"), 0700));
}

/* ---- open modes ---- */

TEST(open_modes_owner_class)
{
    become_unprivileged();
    const char *f = tpath_keep("f");
    write_file(f, "data", 0600);
    CHECK(chmod(f, 0400));
    EXPECT_OK(try_open(f, O_RDONLY));
    EXPECT_ERRNO(open(f, O_WRONLY), EACCES);
    EXPECT_ERRNO(open(f, O_RDWR), EACCES);
    EXPECT_ERRNO(open(f, O_WRONLY | O_APPEND), EACCES);
    EXPECT_ERRNO(open(f, O_RDONLY | O_TRUNC), EACCES); /* O_TRUNC needs write */
    struct stat st;
    CHECK(stat(f, &st));
    EXPECT_EQ(st.st_size, 4);
    CHECK(chmod(f, 0200));
    EXPECT_OK(try_open(f, O_WRONLY));
    EXPECT_ERRNO(open(f, O_RDONLY), EACCES);
    EXPECT_ERRNO(open(f, O_RDWR), EACCES);
    CHECK(chmod(f, 0000));
    EXPECT_ERRNO(open(f, O_RDONLY), EACCES);
    EXPECT_OK(try_open(f, O_PATH)); /* O_PATH checks no permission of the file */
    /* The owner class decides for the owner, though group and other grant everything. */
    CHECK(chmod(f, 0077));
    EXPECT_ERRNO(open(f, O_RDONLY), EACCES);
    EXPECT_ERRNO(open(f, O_WRONLY), EACCES);
    CHECK(chmod(f, 0644));
    EXPECT_OK(try_open(f, O_WRONLY | O_TRUNC));
    CHECK(stat(f, &st));
    EXPECT_EQ(st.st_size, 0);
}

struct open_case {
    const char *path;
    int rd, wr; /* expected: 0 or the errno */
};

static void open_expect(void *arg)
{
    const struct open_case *c = arg;
    if (c->rd)
        EXPECT_ERRNO(open(c->path, O_RDONLY), c->rd);
    else
        EXPECT_OK(try_open(c->path, O_RDONLY));
    if (c->wr)
        EXPECT_ERRNO(open(c->path, O_WRONLY), c->wr);
    else
        EXPECT_OK(try_open(c->path, O_WRONLY));
}

TEST(open_modes_group_and_other_classes)
{
    require_root_setup();
    const char *f640 = tpath_keep("f640"), *f604 = tpath_keep("f604"), *f420 = tpath_keep("f420");
    mkfile_owned(f640, U_A, G_X, 0640, "x");
    mkfile_owned(f604, U_A, G_X, 0604, "x");
    mkfile_owned(f420, U_A, G_X, 0420, "x");
    gid_t gx = G_X;
    /* A supplementary group grants group access; without it, "other" applies. */
    struct open_case c1 = {f640, 0, EACCES};
    run_as_groups(U_B, G_B, 1, &gx, open_expect, &c1);
    struct open_case c2 = {f640, EACCES, EACCES};
    run_as(U_B, G_B, open_expect, &c2);
    /* The primary group counts the same. */
    run_as(U_B, G_X, open_expect, &c1);
    /* The group class is used even when it grants less than "other". */
    struct open_case c3 = {f604, EACCES, EACCES};
    run_as_groups(U_B, G_B, 1, &gx, open_expect, &c3);
    struct open_case c4 = {f604, 0, EACCES};
    run_as(U_B, G_B, open_expect, &c4);
    /* And the owner class for the owner, even when the group grants more. */
    struct open_case c5 = {f420, 0, EACCES};
    run_as_groups(U_A, G_A, 1, &gx, open_expect, &c5);
    struct open_case c6 = {f420, EACCES, 0};
    run_as_groups(U_B, G_B, 1, &gx, open_expect, &c6);
}

TEST(root_bypasses_read_write_but_not_exec_without_x)
{
    if (geteuid() != 0 || !have_caps(CAPBIT(CAP_DAC_OVERRIDE)))
        SKIP("needs euid 0 with CAP_DAC_OVERRIDE");
    const char *f = tpath_keep("f");
    copy_self(f, 0000);
    EXPECT_OK(try_open(f, O_RDWR));
    EXPECT_OK(access(f, R_OK | W_OK));
    EXPECT_ERRNO(access(f, X_OK), EACCES);
    EXPECT_EQ(try_exec(f), EACCES);
    CHECK(chmod(f, 0644));
    EXPECT_ERRNO(access(f, X_OK), EACCES);
    EXPECT_EQ(try_exec(f), EACCES);
    /* Any one x bit is enough for root. */
    CHECK(chmod(f, 0010));
    EXPECT_OK(access(f, X_OK));
    EXPECT_EQ(try_exec(f), 0);
    CHECK(chmod(f, 0001));
    EXPECT_OK(access(f, X_OK));
    /* Directories are always searchable for root. */
    CHECK(mkdir(tpath("d"), 0000));
    EXPECT_OK(access(tpath("d"), X_OK | R_OK | W_OK));
    EXPECT_OK(chdir(tpath("d")));
    CHECK(chdir("/"));
}

TEST(exec_needs_x_for_unprivileged)
{
    become_unprivileged();
    const char *f = tpath_keep("f");
    copy_self(f, 0644);
    EXPECT_ERRNO(access(f, X_OK), EACCES);
    EXPECT_EQ(try_exec(f), EACCES);
    /* The owner's own x bit is the one that counts for it. */
    CHECK(chmod(f, 0455));
    EXPECT_ERRNO(access(f, X_OK), EACCES);
    EXPECT_EQ(try_exec(f), EACCES);
    CHECK(chmod(f, 0500));
    EXPECT_OK(access(f, X_OK));
    EXPECT_EQ(try_exec(f), 0);
    /* A directory is never executable. */
    CHECK(mkdir(tpath("d"), 0755));
    EXPECT_EQ(try_exec(tpath("d")), EACCES);
}

/* ---- creating and removing in directories ---- */

TEST(create_and_remove_need_write_on_directory)
{
    become_unprivileged();
    const char *d = tpath_keep("d");
    CHECK(mkdir(d, 0755));
    write_file(tpath("d/f"), "x", 0644);
    CHECK(mkdir(tpath("d/sub"), 0755));
    CHECK(chmod(d, 0555));
    EXPECT_ERRNO(open(tpath("d/new"), O_WRONLY | O_CREAT, 0644), EACCES);
    EXPECT_ERRNO(mkdir(tpath("d/new"), 0755), EACCES);
    EXPECT_ERRNO(mknod(tpath("d/new"), S_IFIFO | 0644, 0), EACCES);
    EXPECT_ERRNO(symlink("f", tpath("d/new")), EACCES);
    EXPECT_ERRNO(unlink(tpath("d/f")), EACCES);
    EXPECT_ERRNO(rmdir(tpath("d/sub")), EACCES);
    EXPECT_ERRNO(rename(tpath("d/f"), tpath("d/g")), EACCES);
    EXPECT_ERRNO(link(tpath("d/f"), tpath("d/g")), EACCES);
    /* An existing name needs no write permission on the directory. */
    EXPECT_OK(try_open(tpath("d/f"), O_WRONLY | O_CREAT));
    EXPECT_ERRNO(open(tpath("d/f"), O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    /* Write without search is not enough either. */
    CHECK(chmod(d, 0666));
    EXPECT_ERRNO(open(tpath("d/new"), O_WRONLY | O_CREAT, 0644), EACCES);
    EXPECT_ERRNO(unlink(tpath("d/f")), EACCES);
    CHECK(chmod(d, 0755));
}

TEST(root_creates_in_unwritable_directory)
{
    require_root_setup();
    if (geteuid() != 0)
        SKIP_REST("needs fsuid 0");
    const char *d = tpath_keep("d");
    mkdir_owned(d, U_A, G_A, 0555);
    EXPECT_OK(try_open(tpath("d/new"), O_WRONLY | O_CREAT));
    EXPECT_OK(unlink(tpath("d/new")));
}

/* ---- sticky directories ---- */

static void sticky_as_b(void *arg)
{
    (void)arg;
    EXPECT_ERRNO(unlink(tpath("s/a")), EPERM);
    EXPECT_ERRNO(rename(tpath("s/a"), tpath("s/x")), EPERM);
    EXPECT_ERRNO(rename(tpath("s/b"), tpath("s/a")), EPERM); /* replacing another's file */
    EXPECT_ERRNO(rmdir(tpath("s/sub")), EPERM);
    EXPECT_OK(link(tpath("s/b"), tpath("s/b2")));
    EXPECT_OK(rename(tpath("s/b2"), tpath("s/b3"))); /* one's own: fine */
    EXPECT_OK(unlink(tpath("s/b3")));
    EXPECT_EQ(access(tpath("s/a"), F_OK), 0);
}

static void sticky_as_a(void *arg)
{
    (void)arg;
    EXPECT_OK(rename(tpath("s/a"), tpath("s/a2")));
    EXPECT_OK(unlink(tpath("s/a2")));
}

static void sticky_as_dir_owner(void *arg)
{
    (void)arg;
    EXPECT_OK(unlink(tpath("s/b")));
    EXPECT_OK(rmdir(tpath("s/sub")));
}

static void sticky_no_fowner(void *arg)
{
    (void)arg;
    EXPECT_ERRNO(unlink(tpath("s/c")), EPERM);
}

static void nonsticky_as_b(void *arg)
{
    (void)arg;
    EXPECT_OK(unlink(tpath("n/a")));
}

TEST(sticky_directory_protects_other_users_entries)
{
    require_root_setup();
    mkdir_owned(tpath("s"), U_C, G_A, 01777);
    mkfile_owned(tpath("s/a"), U_A, G_A, 0666, "a");
    mkfile_owned(tpath("s/b"), U_B, G_B, 0666, "b");
    mkfile_owned(tpath("s/c"), U_B, G_B, 0666, "c");
    mkdir_owned(tpath("s/sub"), U_A, G_A, 0777);
    run_as(U_B, G_B, sticky_as_b, NULL);
    run_as(U_A, G_A, sticky_as_a, NULL);
    run_as(U_C, G_A, sticky_as_dir_owner, NULL);
    /* Without CAP_FOWNER, root is just another user here (CAP_DAC_OVERRIDE does not help). */
    if (geteuid() == 0)
        run_without_caps(CAPBIT(CAP_FOWNER), sticky_no_fowner, NULL);
    EXPECT_OK(unlink(tpath("s/c")));
    /* The same directory without the sticky bit. */
    mkdir_owned(tpath("n"), U_C, G_A, 0777);
    mkfile_owned(tpath("n/a"), U_A, G_A, 0644, "a");
    run_as(U_B, G_B, nonsticky_as_b, NULL);
}

struct protected_case {
    int regular, fifos;
};

static void protected_open_as_b(void *arg)
{
    const struct protected_case *c = arg;
    /* O_CREAT on an existing file of another user, in a sticky world-writable directory
     * whose owner is neither. */
    if (c->regular >= 1)
        EXPECT_ERRNO(open(tpath("s/a"), O_WRONLY | O_CREAT, 0644), EACCES);
    else
        EXPECT_OK(try_open(tpath("s/a"), O_WRONLY | O_CREAT));
    EXPECT_OK(try_open(tpath("s/a"), O_WRONLY)); /* without O_CREAT: no restriction */
    if (c->fifos >= 1)
        EXPECT_ERRNO(open(tpath("s/p"), O_RDONLY | O_NONBLOCK | O_CREAT, 0644), EACCES);
    else
        EXPECT_OK(try_open(tpath("s/p"), O_RDONLY | O_NONBLOCK | O_CREAT));
    EXPECT_OK(try_open(tpath("s/p"), O_RDONLY | O_NONBLOCK));
    /* Only group-writable sticky: level 2 restricts too. */
    if (c->regular >= 2)
        EXPECT_ERRNO(open(tpath("g/a"), O_WRONLY | O_CREAT, 0644), EACCES);
    else
        EXPECT_OK(try_open(tpath("g/a"), O_WRONLY | O_CREAT));
}

TEST(protected_regular_and_fifos)
{
    struct protected_case c = {sysctl_required("/proc/sys/fs/protected_regular"),
                               sysctl_required("/proc/sys/fs/protected_fifos")};
    require_root_setup();
    harness_diag("protected_regular=%d protected_fifos=%d", c.regular, c.fifos);
    mkdir_owned(tpath("s"), 0, 0, 01777);
    mkfile_owned(tpath("s/a"), U_A, G_A, 0666, "a");
    CHECK(mknod(tpath("s/p"), S_IFIFO | 0666, 0));
    CHECK(chown(tpath("s/p"), U_A, G_A));
    mkdir_owned(tpath("g"), 0, G_X, 01770);
    mkfile_owned(tpath("g/a"), U_A, G_A, 0666, "a");
    gid_t gx = G_X;
    run_as_groups(U_B, G_B, 1, &gx, protected_open_as_b, &c);
}

/* ---- access with real ids, faccessat2 with effective ids ---- */

static void access_real_unpriv_eff_root(void *arg)
{
    (void)arg;
    /* real U_A, effective 0: open as root, access as U_A. */
    EXPECT_OK(try_open(tpath("root600"), O_RDONLY));
    EXPECT_ERRNO(access(tpath("root600"), R_OK), EACCES);
    EXPECT_ERRNO(faccessat(AT_FDCWD, tpath("root600"), R_OK, 0), EACCES);
    EXPECT_OK(faccessat2_raw(AT_FDCWD, tpath("root600"), R_OK, AT_EACCESS));
    EXPECT_OK(access(tpath("a600"), R_OK | W_OK));
}

static void access_real_root_eff_unpriv(void *arg)
{
    (void)arg;
    /* real 0, effective U_A: access() uses root's real identity and permitted set. */
    EXPECT_ERRNO(open(tpath("root600"), O_RDONLY), EACCES);
    EXPECT_OK(access(tpath("root600"), R_OK | W_OK));
    EXPECT_ERRNO(faccessat2_raw(AT_FDCWD, tpath("root600"), R_OK, AT_EACCESS), EACCES);
    EXPECT_OK(faccessat2_raw(AT_FDCWD, tpath("a600"), R_OK | W_OK, AT_EACCESS));
}

static void access_users(void *arg)
{
    (void)arg;
    /* uids real U_B, effective U_A; gids real G_X, effective G_B. */
    EXPECT_OK(try_open(tpath("a600"), O_RDONLY));
    EXPECT_ERRNO(access(tpath("a600"), R_OK), EACCES);
    EXPECT_OK(faccessat2_raw(AT_FDCWD, tpath("a600"), R_OK, AT_EACCESS));
    EXPECT_OK(access(tpath("gx040"), R_OK));
    EXPECT_ERRNO(faccessat2_raw(AT_FDCWD, tpath("gx040"), R_OK, AT_EACCESS), EACCES);
    EXPECT_ERRNO(open(tpath("gx040"), O_RDONLY), EACCES);
}

TEST(access_uses_real_ids_faccessat2_effective)
{
    require_root_setup();
    if (getuid() != 0 || geteuid() != 0)
        SKIP_REST("needs uid 0");
    mkfile_owned(tpath("root600"), 0, 0, 0600, "r");
    mkfile_owned(tpath("a600"), U_A, G_A, 0600, "a");
    mkfile_owned(tpath("gx040"), 0, G_X, 0040, "g");
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        CHECK(setresuid(U_A, 0, 0));
        access_real_unpriv_eff_root(NULL);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    pid = CHECK(fork());
    if (pid == 0) {
        CHECK(setresuid(0, U_A, 0));
        access_real_root_eff_unpriv(NULL);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    pid = CHECK(fork());
    if (pid == 0) {
        CHECK(setgroups(0, NULL));
        CHECK(setresgid(G_X, G_B, G_B));
        CHECK(setresuid(U_B, U_A, U_A));
        access_users(NULL);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
}

TEST(faccessat2_argument_checks)
{
    become_unprivileged();
    const char *f = tpath_keep("f");
    write_file(f, "x", 0600);
    CHECK(symlink("f", tpath("l")));
    EXPECT_OK(faccessat2_raw(AT_FDCWD, f, R_OK | W_OK, 0));
    EXPECT_ERRNO(faccessat2_raw(AT_FDCWD, f, X_OK, AT_EACCESS), EACCES);
    EXPECT_ERRNO(faccessat2_raw(AT_FDCWD, f, 8, 0), EINVAL);
    EXPECT_ERRNO(faccessat2_raw(AT_FDCWD, f, R_OK, 0x10000), EINVAL);
    EXPECT_OK(faccessat2_raw(AT_FDCWD, tpath("l"), R_OK, AT_SYMLINK_NOFOLLOW));
    EXPECT_OK(faccessat2_raw(AT_FDCWD, f, F_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW));
    int dfd = CHECK(open(harness_tmp, O_RDONLY | O_DIRECTORY));
    EXPECT_OK(faccessat2_raw(dfd, "f", R_OK, AT_EACCESS));
    EXPECT_OK(faccessat2_raw(dfd, "", F_OK, AT_EMPTY_PATH));
    close(dfd);
    CHECK(chmod(f, 0000));
    EXPECT_ERRNO(access(f, R_OK), EACCES);
    EXPECT_OK(access(f, F_OK));
}

/* ---- protected_hardlinks and protected_symlinks ---- */

struct link_case {
    int protect;
};

static void hardlink_as_b(void *arg)
{
    const struct link_case *c = arg;
    /* Not readable and writable, not owned: refused when protected. */
    if (c->protect)
        EXPECT_ERRNO(link(tpath("a600"), tpath("w/l1")), EPERM);
    else
        EXPECT_OK(link(tpath("a600"), tpath("w/l1")));
    /* Readable and writable: allowed. */
    EXPECT_OK(link(tpath("a666"), tpath("w/l2")));
    /* Set-user-ID, or set-group-ID with group execute: never a safe source. */
    if (c->protect) {
        EXPECT_ERRNO(link(tpath("a4666"), tpath("w/l3")), EPERM);
        EXPECT_ERRNO(link(tpath("a2676"), tpath("w/l4")), EPERM);
    } else {
        EXPECT_OK(link(tpath("a4666"), tpath("w/l3")));
        EXPECT_OK(link(tpath("a2676"), tpath("w/l4")));
    }
    EXPECT_OK(link(tpath("a2666"), tpath("w/l5"))); /* no group execute: safe */
}

static void hardlink_as_owner(void *arg)
{
    (void)arg;
    EXPECT_OK(link(tpath("a600"), tpath("w/o1")));
    EXPECT_OK(link(tpath("a4666"), tpath("w/o2")));
}

TEST(protected_hardlinks)
{
    struct link_case c = {sysctl_required("/proc/sys/fs/protected_hardlinks")};
    require_root_setup();
    harness_diag("protected_hardlinks=%d", c.protect);
    CHECK(mkdir(tpath("w"), 0777));
    CHECK(chmod(tpath("w"), 0777));
    mkfile_owned(tpath("a600"), U_A, G_A, 0600, "x");
    mkfile_owned(tpath("a666"), U_A, G_A, 0666, "x");
    mkfile_owned(tpath("a4666"), U_A, G_A, 04666, "x");
    mkfile_owned(tpath("a2676"), U_A, G_A, 02676, "x");
    mkfile_owned(tpath("a2666"), U_A, G_A, 02666, "x");
    run_as(U_B, G_B, hardlink_as_b, &c);
    run_as(U_A, G_A, hardlink_as_owner, NULL);
    /* CAP_FOWNER makes root count as the owner. */
    if (have_caps(CAPBIT(CAP_FOWNER)))
        EXPECT_OK(link(tpath("a600"), tpath("w/r1")));
}

static void symlink_as_b(void *arg)
{
    const struct link_case *c = arg;
    struct stat st;
    if (c->protect) {
        EXPECT_ERRNO(open(tpath("s/la"), O_RDONLY), EACCES);
        EXPECT_ERRNO(stat(tpath("s/la"), &st), EACCES);
    } else {
        EXPECT_OK(try_open(tpath("s/la"), O_RDONLY));
        EXPECT_OK(stat(tpath("s/la"), &st));
    }
    /* Not following is always fine. */
    EXPECT_OK(lstat(tpath("s/la"), &st));
    char buf[PATH_MAX];
    EXPECT_TRUE(readlink(tpath("s/la"), buf, sizeof(buf)) > 0);
    /* A link owned by the directory's owner may be followed. */
    EXPECT_OK(try_open(tpath("s/lroot"), O_RDONLY));
    /* So may a link in a directory that is not sticky and world-writable. */
    EXPECT_OK(try_open(tpath("w/la"), O_RDONLY));
}

static void symlink_as_owner(void *arg)
{
    (void)arg;
    EXPECT_OK(try_open(tpath("s/la"), O_RDONLY));
}

TEST(protected_symlinks)
{
    struct link_case c = {sysctl_required("/proc/sys/fs/protected_symlinks")};
    require_root_setup();
    harness_diag("protected_symlinks=%d", c.protect);
    write_file(tpath("target"), "t", 0644);
    mkdir_owned(tpath("s"), 0, 0, 01777);
    mkdir_owned(tpath("w"), 0, 0, 0777);
    CHECK(symlink(tpath("target"), tpath("s/la")));
    CHECK(lchown(tpath("s/la"), U_A, G_A));
    CHECK(symlink(tpath("target"), tpath("s/lroot")));
    CHECK(symlink(tpath("target"), tpath("w/la")));
    CHECK(lchown(tpath("w/la"), U_A, G_A));
    run_as(U_B, G_B, symlink_as_b, &c);
    run_as(U_A, G_A, symlink_as_owner, NULL);
    /* No capability overrides it: root is refused too. */
    if (geteuid() == 0) {
        if (c.protect)
            EXPECT_ERRNO(open(tpath("s/la"), O_RDONLY), EACCES);
        else
            EXPECT_OK(try_open(tpath("s/la"), O_RDONLY));
    }
}

/* ---- set-group-ID directories ---- */

static void sgid_dir_as_nonmember(void *arg)
{
    (void)arg;
    struct stat st;
    write_file(tpath("g/f"), "x", 0644);
    CHECK(stat(tpath("g/f"), &st));
    EXPECT_EQ(st.st_gid, G_X);
    CHECK(mkdir(tpath("g/sub"), 0755));
    CHECK(stat(tpath("g/sub"), &st));
    EXPECT_EQ(st.st_gid, G_X);
    EXPECT_EQ(st.st_mode & 07777, 02755);
    /* A non-member asking for S_ISGID on a group-executable file does not get it. */
    int fd = CHECK(open(tpath("g/x"), O_WRONLY | O_CREAT | O_EXCL, 02755));
    close(fd);
    CHECK(stat(tpath("g/x"), &st));
    EXPECT_EQ(st.st_mode & 07777, 0755);
    EXPECT_EQ(st.st_gid, G_X);
    /* Outside the set-group-ID directory: the creator's gid. */
    CHECK(mkdir(tpath("w/sub"), 0755));
    CHECK(stat(tpath("w/sub"), &st));
    EXPECT_EQ(st.st_gid, G_A);
    EXPECT_EQ(st.st_mode & 07777, 0755);
}

static void sgid_dir_as_member(void *arg)
{
    (void)arg;
    struct stat st;
    int fd = CHECK(open(tpath("g/y"), O_WRONLY | O_CREAT | O_EXCL, 02755));
    close(fd);
    CHECK(stat(tpath("g/y"), &st));
    EXPECT_EQ(st.st_mode & 07777, 02755);
}

TEST(setgid_directory_inheritance)
{
    require_root_setup();
    mkdir_owned(tpath("g"), 0, G_X, 02777);
    mkdir_owned(tpath("w"), 0, 0, 0777);
    umask(022);
    run_as(U_A, G_A, sgid_dir_as_nonmember, NULL);
    gid_t gx = G_X;
    run_as_groups(U_B, G_B, 1, &gx, sgid_dir_as_member, NULL);
}

TEST(setgid_own_directory_inheritance)
{
    become_unprivileged();
    umask(022);
    CHECK(mkdir(tpath("g"), 0755));
    CHECK(chmod(tpath("g"), 02755));
    EXPECT_EQ(mode_of(tpath("g")), 02755);
    CHECK(mkdir(tpath("g/sub"), 0700));
    EXPECT_EQ(mode_of(tpath("g/sub")), 02700);
    struct stat st;
    CHECK(stat(tpath("g/sub"), &st));
    EXPECT_EQ(st.st_gid, getegid());
    int fd = CHECK(open(tpath("g/f"), O_WRONLY | O_CREAT | O_EXCL, 02750));
    close(fd);
    EXPECT_EQ(mode_of(tpath("g/f")), 02750); /* own group: kept */
}
