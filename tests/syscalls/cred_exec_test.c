// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for credentials across execve: set-user-ID and set-group-ID programs (the
 * new effective and saved ids, the capabilities root gains, AT_SECURE), the set-group-ID bit
 * without group execute, the bits ignored under no_new_privs and on a nosuid mount, a set-user-ID
 * program owned by the caller itself, and file capabilities (a security.capability xattr, v2 and
 * v3, with and without the effective flag; the ambient set cleared by such a file). The
 * programs are copies of this one, chowned and chmodded; the copy is re-executed as "--sub
 * report" and sends back what it sees. Setups that need root are skipped with a reason when the
 * caller lacks the capabilities; whether a mount honours set-user-ID bits is taken from
 * statvfs, so the test follows the system it runs on. */
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>

#include "tests/syscalls/cred_util.h"

SUBPROG(report)
{
    return credreport_sub(argc, argv);
}

struct as_user {
    uid_t uid;
    gid_t gid;
    int nnp;
    int ambient; /* keep capabilities and raise CAP_NET_BIND_SERVICE as ambient */
};

/* prepare hook for exec_report: become @arg's user (if not -1), then set no_new_privs. */
static void become(void *arg)
{
    struct as_user *u = arg;
    if (u->ambient)
        CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    if (u->uid != (uid_t)-1)
        drop_to(u->uid, u->gid);
    if (u->ambient) {
        struct capsets c = caps_now();
        c.inh = CAPBIT(CAP_NET_BIND_SERVICE);
        CHECK(cap_set(&c));
        CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0));
    }
    if (u->nnp)
        CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
}

/* True if the file system holding @path ignores set-user-ID bits (nosuid). */
static int on_nosuid(const char *path)
{
    struct statvfs s;
    CHECK(statvfs(path, &s));
    return (s.f_flag & ST_NOSUID) != 0;
}

/* Copies this program to <tmp>/@name, owned by @uid:@gid with @mode (set after the chown, which
 * would clear the set-id bits). Returns the path. Needs CAP_CHOWN and CAP_FSETID. */
static const char *setid_prog(const char *dir, const char *name, uid_t uid, gid_t gid, mode_t mode)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    copy_self(path, 0755);
    CHECK(chown(path, uid, gid));
    CHECK(chmod(path, mode));
    struct stat st;
    CHECK(stat(path, &st));
    if ((st.st_mode & 07777) != mode)
        FATAL("%s: mode %o, wanted %o", path, st.st_mode & 07777, mode);
    return path;
}

TEST(setuid_root_program_run_by_nobody)
{
    require_root_setup();
    const char *prog = setid_prog(harness_tmp, "suid", 0, 0, 04755);
    int honoured = !on_nosuid(prog);
    if (!honoured)
        harness_diag("%s is on a nosuid mount: expecting the bit to be ignored", harness_tmp);
    struct as_user u = {U_NOBODY, U_NOBODY, 0, 0};
    struct credreport r;
    int e = exec_report(prog, become, &u, &r);
    EXPECT_EQ(e, 0);
    if (e != 0)
        return;
    EXPECT_EQ(r.ruid, U_NOBODY);
    EXPECT_EQ(r.euid, honoured ? 0 : U_NOBODY);
    EXPECT_EQ(r.suid, honoured ? 0 : U_NOBODY);
    EXPECT_EQ(r.fsuid, honoured ? 0 : U_NOBODY);
    EXPECT_EQ(r.rgid, U_NOBODY);
    EXPECT_EQ(r.egid, U_NOBODY);
    EXPECT_EQ(r.sgid, U_NOBODY);
    /* euid 0 after exec: permitted = bounding, effective = permitted. */
    EXPECT_EQ(r.prm, honoured ? r.bnd : 0);
    EXPECT_EQ(r.eff, r.prm);
    EXPECT_EQ(r.secure, honoured);
}

TEST(setuid_user_program_run_by_nobody_and_by_root)
{
    require_root_setup();
    const char *prog = setid_prog(harness_tmp, "suid", U_A, G_A, 04755);
    int honoured = !on_nosuid(prog);
    struct as_user u = {U_NOBODY, U_NOBODY, 0, 0};
    struct credreport r;
    int e = exec_report(prog, become, &u, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        EXPECT_EQ(r.ruid, U_NOBODY);
        EXPECT_EQ(r.euid, honoured ? U_A : U_NOBODY);
        EXPECT_EQ(r.suid, honoured ? U_A : U_NOBODY);
        EXPECT_EQ(r.egid, U_NOBODY); /* the file's group does not matter without S_ISGID */
        EXPECT_EQ(r.prm, 0);
        EXPECT_EQ(r.eff, 0);
        EXPECT_EQ(r.secure, honoured);
    }
    /* Run by root: real uid 0 still gives a full permitted set, but euid U_A an empty
     * effective one. */
    if (getuid() != 0 || geteuid() != 0)
        SKIP_REST("the part run by root needs uid 0");
    struct capsets c = caps_now();
    c.inh = 0;
    CHECK(cap_set(&c));
    e = exec_report(prog, NULL, NULL, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        EXPECT_EQ(r.ruid, 0);
        EXPECT_EQ(r.euid, honoured ? U_A : 0);
        EXPECT_EQ(r.suid, honoured ? U_A : 0);
        EXPECT_EQ(r.prm, r.bnd);
        EXPECT_EQ(r.eff, honoured ? 0 : r.bnd);
        EXPECT_EQ(r.secure, honoured);
    }
}

TEST(setgid_program_needs_group_execute)
{
    require_root_setup();
    const char *prog = setid_prog(harness_tmp, "sgid", 0, G_X, 02755);
    int honoured = !on_nosuid(prog);
    struct as_user u = {U_NOBODY, U_NOBODY, 0, 0};
    struct credreport r;
    int e = exec_report(prog, become, &u, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        EXPECT_EQ(r.ruid, U_NOBODY);
        EXPECT_EQ(r.euid, U_NOBODY);
        EXPECT_EQ(r.suid, U_NOBODY);
        EXPECT_EQ(r.rgid, U_NOBODY);
        EXPECT_EQ(r.egid, honoured ? G_X : U_NOBODY);
        EXPECT_EQ(r.sgid, honoured ? G_X : U_NOBODY);
        EXPECT_EQ(r.fsgid, honoured ? G_X : U_NOBODY);
        EXPECT_EQ(r.prm, 0);
        EXPECT_EQ(r.secure, honoured);
    }
    /* S_ISGID without S_IXGRP marks mandatory locking, not a set-group-ID program. */
    prog = setid_prog(harness_tmp, "sgid-nox", 0, G_X, 02745);
    e = exec_report(prog, become, &u, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        EXPECT_EQ(r.egid, U_NOBODY);
        EXPECT_EQ(r.sgid, U_NOBODY);
        EXPECT_EQ(r.secure, 0);
    }
}

TEST(setuid_bits_ignored_with_no_new_privs)
{
    require_root_setup();
    const char *suid = setid_prog(harness_tmp, "suid", 0, G_X, 06755);
    struct as_user u = {U_NOBODY, U_NOBODY, 1, 0};
    struct credreport r;
    int e = exec_report(suid, become, &u, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        EXPECT_EQ(r.nnp, 1);
        EXPECT_EQ(r.ruid, U_NOBODY);
        EXPECT_EQ(r.euid, U_NOBODY);
        EXPECT_EQ(r.suid, U_NOBODY);
        EXPECT_EQ(r.egid, U_NOBODY);
        EXPECT_EQ(r.sgid, U_NOBODY);
        EXPECT_EQ(r.prm, 0);
        EXPECT_EQ(r.eff, 0);
        EXPECT_EQ(r.secure, 0);
    }
}

TEST(setuid_own_program_changes_nothing)
{
    /* Any user may make its own program set-user-ID; running it changes no id. */
    become_unprivileged();
    uid_t u = getuid();
    gid_t g = getgid();
    const char *prog = tpath_keep("own");
    copy_self(prog, 0755);
    CHECK(chmod(prog, 06755));
    struct stat st;
    CHECK(stat(prog, &st));
    EXPECT_EQ(st.st_mode & 07777, 06755);
    struct credreport r;
    int e = exec_report(prog, NULL, NULL, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        EXPECT_EQ(r.ruid, u);
        EXPECT_EQ(r.euid, u);
        EXPECT_EQ(r.suid, u);
        EXPECT_EQ(r.egid, g);
        EXPECT_EQ(r.prm, 0);
        EXPECT_EQ(r.secure, 0);
    }
}

/* Finds a directory on a nosuid (but not noexec) mount this process may use: a private tmpfs
 * in a new mount namespace when it may mount, else a writable nosuid mount listed in
 * /proc/self/mountinfo. Fills @dir and returns 0, or returns -1 with @why filled. */
static int nosuid_dir(char *dir, size_t cap, char *why, size_t whycap)
{
    if (have_caps(CAPBIT(CAP_SYS_ADMIN)) && unshare(CLONE_NEWNS) == 0) {
        CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
        snprintf(dir, cap, "%s", tpath("nosuid"));
        CHECK(mkdir(dir, 0755));
        CHECK(mount("tmpfs", dir, "tmpfs", MS_NOSUID, "mode=0755"));
        return 0;
    }
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f) {
        snprintf(why, whycap, "no mount namespace and no /proc/self/mountinfo");
        return -1;
    }
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        char mnt[1024], opts[512];
        if (sscanf(line, "%*s %*s %*s %*s %1023s %511s", mnt, opts) != 2)
            continue;
        char o[520];
        snprintf(o, sizeof(o), ",%s,", opts);
        if (!strstr(o, ",nosuid,") || strstr(o, ",noexec,") || strstr(o, ",ro,"))
            continue;
        snprintf(dir, cap, "%s/cvt-nosuid-XXXXXX", strcmp(mnt, "/") ? mnt : "");
        if (mkdtemp(dir) && on_nosuid(dir)) {
            CHECK(chmod(dir, 0755));
            fclose(f);
            return 0;
        }
    }
    fclose(f);
    snprintf(why, whycap, "cannot mount, and no writable nosuid+exec mount in mountinfo");
    return -1;
}

TEST(setuid_bits_ignored_on_nosuid_mount)
{
    require_root_setup();
    char dir[PATH_MAX], why[128];
    if (nosuid_dir(dir, sizeof(dir), why, sizeof(why)) != 0)
        SKIP_REST("%s", why);
    int foreign = strncmp(dir, harness_tmp, strlen(harness_tmp)) != 0;
    const char *prog = setid_prog(dir, "suid", 0, G_X, 06755);
    struct as_user u = {U_NOBODY, U_NOBODY, 0, 0};
    struct credreport r;
    int e = exec_report(prog, become, &u, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        EXPECT_EQ(r.euid, U_NOBODY);
        EXPECT_EQ(r.suid, U_NOBODY);
        EXPECT_EQ(r.egid, U_NOBODY);
        EXPECT_EQ(r.prm, 0);
        EXPECT_EQ(r.secure, 0);
    }
    if (foreign) {
        unlink(prog);
        rmdir(dir);
    }
}

/* Writes a security.capability blob granting @caps as file-permitted. Returns 0, or -1 with
 * errno when the file system or the caller refuses. */
static int set_file_caps(const char *path, int rev3, uint64_t caps, int effective)
{
    uint32_t v[6] = {0};
    v[0] = (rev3 ? VFS_CAP_REVISION_3 : VFS_CAP_REVISION_2) |
           (effective ? VFS_CAP_FLAGS_EFFECTIVE : 0);
    v[1] = (uint32_t)caps; /* permitted, low word */
    v[2] = 0;              /* inheritable, low word */
    v[3] = (uint32_t)(caps >> 32);
    v[4] = 0;
    v[5] = 0; /* v3: the root uid of the namespace (0: the initial one) */
    size_t len = rev3 ? XATTR_CAPS_SZ_3 : XATTR_CAPS_SZ_2;
    return setxattr(path, "security.capability", v, len, 0);
}

/* Copies this program to <tmp>/@name with the given file capabilities, or skips the test. */
static const char *fcap_prog(const char *name, int rev3, int effective)
{
    const char *p = tpath_keep(name);
    copy_self(p, 0755);
    if (set_file_caps(p, rev3, CAPBIT(CAP_NET_BIND_SERVICE), effective) != 0)
        SKIP_REST("setxattr security.capability refused: %s", harness_errname(errno));
    return p;
}

static void expect_fcap_result(const char *prog, int effective, int nosuid)
{
    struct as_user u = {U_NOBODY, U_NOBODY, 0, 0};
    struct credreport r;
    int e = exec_report(prog, become, &u, &r);
    EXPECT_EQ(e, 0);
    if (e != 0)
        return;
    uint64_t want = nosuid ? 0 : CAPBIT(CAP_NET_BIND_SERVICE);
    EXPECT_EQ(r.euid, U_NOBODY);
    EXPECT_EQ(r.prm, want);
    EXPECT_EQ(r.eff, effective ? want : 0);
    EXPECT_EQ(r.inh, 0);
    EXPECT_EQ(r.secure, !nosuid);
}

TEST(file_capabilities_v2)
{
    require_root_setup();
    REQUIRE_CAPS(CAPBIT(CAP_SETFCAP), "CAP_SETFCAP");
    const char *eff = fcap_prog("fcap-eff", 0, 1);
    int nosuid = on_nosuid(eff);
    /* Reading the xattr back gives the same v2 blob. */
    uint32_t v[6];
    EXPECT_EQ(getxattr(eff, "security.capability", v, sizeof(v)), XATTR_CAPS_SZ_2);
    EXPECT_EQ(v[0], VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE);
    EXPECT_EQ(v[1], CAPBIT(CAP_NET_BIND_SERVICE));
    expect_fcap_result(eff, 1, nosuid);
    expect_fcap_result(fcap_prog("fcap-noeff", 0, 0), 0, nosuid);
}

TEST(file_capabilities_v3)
{
    require_root_setup();
    REQUIRE_CAPS(CAPBIT(CAP_SETFCAP), "CAP_SETFCAP");
    const char *eff = fcap_prog("fcap3-eff", 1, 1);
    int nosuid = on_nosuid(eff);
    expect_fcap_result(eff, 1, nosuid);
    expect_fcap_result(fcap_prog("fcap3-noeff", 1, 0), 0, nosuid);
}

TEST(file_capabilities_need_cap_setfcap)
{
    become_unprivileged();
    const char *p = tpath_keep("own");
    copy_self(p, 0755);
    errno = 0;
    int r = set_file_caps(p, 0, CAPBIT(CAP_NET_BIND_SERVICE), 1);
    if (r == -1 && errno == EOPNOTSUPP)
        SKIP("the file system has no security.* xattrs");
    EXPECT_EQ(r, -1);
    EXPECT_EQ(errno, EPERM);
}

TEST(file_capabilities_ignored_with_no_new_privs_and_clear_ambient)
{
    require_root_setup();
    REQUIRE_CAPS(CAPBIT(CAP_SETFCAP) | CAPBIT(CAP_NET_BIND_SERVICE),
                 "CAP_SETFCAP and CAP_NET_BIND_SERVICE");
    const char *prog = fcap_prog("fcap", 0, 1);
    const char *noeff = fcap_prog("fcap-noeff", 0, 0);
    struct as_user u = {U_NOBODY, U_NOBODY, 1, 0};
    struct credreport r;
    int e = exec_report(prog, become, &u, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        /* (AT_SECURE is not checked here: Linux sets it for a file with the effective flag
         * even when no_new_privs withholds the capabilities.) */
        EXPECT_EQ(r.prm, 0);
        EXPECT_EQ(r.eff, 0);
    }
    e = exec_report(noeff, become, &u, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        EXPECT_EQ(r.prm, 0);
        EXPECT_EQ(r.eff, 0);
        EXPECT_EQ(r.secure, 0);
    }
    /* A privileged file (here: file capabilities) clears the ambient set; a plain one keeps
     * it. */
    u = (struct as_user){U_NOBODY, U_NOBODY, 0, 1};
    e = exec_report(prog, become, &u, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        EXPECT_EQ(r.amb, 0);
        EXPECT_EQ(r.inh, CAPBIT(CAP_NET_BIND_SERVICE));
        EXPECT_EQ(r.prm, on_nosuid(prog) ? 0 : CAPBIT(CAP_NET_BIND_SERVICE));
    }
    const char *plain = tpath_keep("plain");
    copy_self(plain, 0755);
    e = exec_report(plain, become, &u, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        EXPECT_EQ(r.amb, CAPBIT(CAP_NET_BIND_SERVICE));
        EXPECT_EQ(r.prm, CAPBIT(CAP_NET_BIND_SERVICE));
    }
    /* So does a set-user-ID file. */
    const char *suid = setid_prog(harness_tmp, "suid", U_A, G_A, 04755);
    e = exec_report(suid, become, &u, &r);
    EXPECT_EQ(e, 0);
    if (e == 0 && !on_nosuid(suid)) {
        EXPECT_EQ(r.euid, U_A);
        EXPECT_EQ(r.amb, 0);
        EXPECT_EQ(r.prm, 0);
    }
}
