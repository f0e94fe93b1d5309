// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for operations gated by a capability: lowering nice below the RLIMIT_NICE
 * allowance (EACCES without CAP_SYS_NICE) and real-time scheduling without RLIMIT_RTPRIO
 * (EPERM), raising a hard rlimit (EPERM without CAP_SYS_RESOURCE), chroot (EPERM without
 * CAP_SYS_CHROOT, after the EACCES/ENOTDIR/ENOENT of the path), sethostname/setdomainname and
 * mount/umount2 (EPERM without CAP_SYS_ADMIN). Every check is made both ways where the caller
 * can: as an unprivileged user (root drops to nobody first), and with the capability (root,
 * where the host's root may lack some: each part asks capget). Changing the host name or
 * mounting is done only in new UTS/mount namespaces, and skipped where they cannot be made. */
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "tests/syscalls/cred_util.h"

/* ---- nice and real-time priorities ---- */

TEST(nice_below_rlimit_allowance_needs_cap_sys_nice)
{
    become_unprivileged();
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NICE, &rl));
    /* The lowest nice allowed is 20 - RLIMIT_NICE. */
    long floor = 20 - (long)rl.rlim_cur;
    if (rl.rlim_cur == RLIM_INFINITY || floor <= -20)
        SKIP("RLIMIT_NICE %llu allows every nice value", (unsigned long long)rl.rlim_cur);
    CHECK(setpriority(PRIO_PROCESS, 0, 19)); /* raising nice is always allowed */
    EXPECT_EQ(getpriority(PRIO_PROCESS, 0), 19);
    if (floor <= 18) {
        EXPECT_OK(setpriority(PRIO_PROCESS, 0, (int)floor));
        EXPECT_EQ(getpriority(PRIO_PROCESS, 0), floor);
    }
    long below = (floor > 19 ? 19 : floor) - 1;
    EXPECT_ERRNO(setpriority(PRIO_PROCESS, 0, (int)below), EACCES);
    EXPECT_ERRNO(setpriority(PRIO_PROCESS, 0, -20), EACCES);
    /* Raising the soft RLIMIT_NICE up to the hard limit is allowed, and widens the range. */
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max > rl.rlim_cur && rl.rlim_max < 40) {
        struct rlimit up = {rl.rlim_max, rl.rlim_max};
        CHECK(setrlimit(RLIMIT_NICE, &up));
        EXPECT_OK(setpriority(PRIO_PROCESS, 0, 20 - (int)rl.rlim_max));
    }
    struct sched_param sp = {.sched_priority = 1};
    CHECK(getrlimit(RLIMIT_RTPRIO, &rl));
    if (rl.rlim_cur == 0)
        EXPECT_ERRNO(sched_setscheduler(0, SCHED_FIFO, &sp), EPERM);
}

TEST(nice_with_cap_sys_nice)
{
    REQUIRE_CAPS(CAPBIT(CAP_SYS_NICE), "CAP_SYS_NICE");
    CHECK(setpriority(PRIO_PROCESS, 0, 19));
    EXPECT_OK(setpriority(PRIO_PROCESS, 0, -5));
    EXPECT_EQ(getpriority(PRIO_PROCESS, 0), -5);
    CHECK(setpriority(PRIO_PROCESS, 0, 19));
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NICE, &rl));
    drop_eff(CAPBIT(CAP_SYS_NICE));
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 30)
        EXPECT_ERRNO(setpriority(PRIO_PROCESS, 0, -10), EACCES);
}

/* ---- rlimits ---- */

static void hard_limit_checks(int may_raise)
{
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NOFILE, &rl));
    if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max < 16)
        SKIP_REST("RLIMIT_NOFILE hard limit %llu", (unsigned long long)rl.rlim_max);
    struct rlimit low = {rl.rlim_max - 1, rl.rlim_max - 1};
    EXPECT_OK(setrlimit(RLIMIT_NOFILE, &low)); /* lowering is always allowed */
    struct rlimit bad = {rl.rlim_max, rl.rlim_max - 1};
    EXPECT_ERRNO(setrlimit(RLIMIT_NOFILE, &bad), EINVAL); /* soft above hard */
    if (may_raise)
        EXPECT_OK(setrlimit(RLIMIT_NOFILE, &rl));
    else
        EXPECT_ERRNO(setrlimit(RLIMIT_NOFILE, &rl), EPERM);
    struct rlimit now;
    CHECK(getrlimit(RLIMIT_NOFILE, &now));
    EXPECT_EQ(now.rlim_max, may_raise ? rl.rlim_max : rl.rlim_max - 1);
    /* prlimit on oneself follows the same rule. */
    if (!may_raise)
        EXPECT_ERRNO(prlimit(0, RLIMIT_NOFILE, &rl, NULL), EPERM);
}

TEST(raising_hard_rlimit_needs_cap_sys_resource)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become_unprivileged();
        hard_limit_checks(0);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    /* This machine's root may lack CAP_SYS_RESOURCE: follow what capget says. */
    int has = have_caps(CAPBIT(CAP_SYS_RESOURCE));
    harness_diag("CAP_SYS_RESOURCE is %s", has ? "effective" : "absent");
    hard_limit_checks(has);
}

/* ---- chroot ---- */

static void chroot_unprivileged(void)
{
    CHECK(mkdir(tpath("d"), 0755));
    write_file(tpath("f"), "x", 0644);
    EXPECT_ERRNO(chroot(tpath("d")), EPERM);
    EXPECT_ERRNO(chroot(tpath("missing")), ENOENT);
    EXPECT_ERRNO(chroot(tpath("f")), ENOTDIR);
    /* The path checks (search permission on the directory) come before the capability. */
    CHECK(mkdir(tpath("nox"), 0644));
    EXPECT_ERRNO(chroot(tpath("nox")), EACCES);
    CHECK(chmod(tpath("nox"), 0755));
}

TEST(chroot_needs_cap_sys_chroot)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become_unprivileged();
        chroot_unprivileged();
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    REQUIRE_CAPS(CAPBIT(CAP_SYS_CHROOT), "CAP_SYS_CHROOT");
    const char *root = tpath_keep("root");
    CHECK(mkdir(root, 0755));
    write_file(tpath("root/marker"), "m", 0644);
    pid = CHECK(fork());
    if (pid == 0) {
        drop_eff(CAPBIT(CAP_SYS_CHROOT));
        EXPECT_ERRNO(chroot(root), EPERM);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    pid = CHECK(fork());
    if (pid == 0) {
        CHECK(chdir(root));
        EXPECT_OK(chroot(root));
        struct stat st;
        EXPECT_OK(stat("/marker", &st));
        child_done();
    }
    EXPECT_EXIT(pid, 0);
}

/* ---- host and domain names ---- */

TEST(sethostname_needs_cap_sys_admin)
{
    struct utsname u;
    CHECK(uname(&u));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become_unprivileged();
        /* The current names, so nothing could change even if this wrongly succeeded. */
        EXPECT_ERRNO(sethostname(u.nodename, strlen(u.nodename)), EPERM);
        EXPECT_ERRNO(setdomainname(u.domainname, strlen(u.domainname)), EPERM);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    REQUIRE_CAPS(CAPBIT(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
    if (unshare(CLONE_NEWUTS) != 0)
        SKIP_REST("unshare(CLONE_NEWUTS): %s; will not rename the host", harness_errname(errno));
    EXPECT_OK(sethostname("cvt-perm", 8));
    EXPECT_OK(setdomainname("cvt-domain", 10));
    CHECK(uname(&u));
    EXPECT_STREQ(u.nodename, "cvt-perm");
    EXPECT_STREQ(u.domainname, "cvt-domain");
    char long_name[80];
    memset(long_name, 'x', sizeof(long_name));
    EXPECT_ERRNO(sethostname(long_name, 65), EINVAL);
    EXPECT_OK(sethostname(long_name, 64));
    drop_eff(CAPBIT(CAP_SYS_ADMIN));
    EXPECT_ERRNO(sethostname("cvt-other", 9), EPERM);
}

/* ---- mount and umount2 ---- */

TEST(mount_and_umount_need_cap_sys_admin)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become_unprivileged();
        CHECK(mkdir(tpath("m"), 0755));
        EXPECT_ERRNO(mount("none", tpath("m"), "tmpfs", 0, NULL), EPERM);
        EXPECT_ERRNO(mount(tpath("m"), tpath("m"), NULL, MS_BIND, NULL), EPERM);
        EXPECT_ERRNO(umount2(tpath("m"), 0), EPERM);
        EXPECT_ERRNO(umount2(tpath("missing"), 0), ENOENT);    /* the path is resolved first */
        EXPECT_ERRNO(umount2(tpath("m"), 0x80000000), EINVAL); /* and the flags before that */
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    REQUIRE_CAPS(CAPBIT(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
    if (unshare(CLONE_NEWNS) != 0)
        SKIP_REST("unshare(CLONE_NEWNS): %s; will not mount in the caller's namespace",
                  harness_errname(errno));
    CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
    const char *m = tpath_keep("rootm");
    CHECK(mkdir(m, 0755));
    CHECK(chmod(m, 0755));
    EXPECT_ERRNO(umount2(m, 0), EINVAL); /* not a mount point */
    EXPECT_OK(mount("none", m, "tmpfs", 0, "mode=0700"));
    struct stat st;
    CHECK(stat(m, &st));
    EXPECT_EQ(st.st_mode & 07777, 0700);
    pid = CHECK(fork());
    if (pid == 0) {
        drop_eff(CAPBIT(CAP_SYS_ADMIN));
        EXPECT_ERRNO(umount2(m, 0), EPERM);
        EXPECT_ERRNO(mount("none", m, "tmpfs", 0, NULL), EPERM);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_OK(umount2(m, 0));
    CHECK(stat(m, &st));
    EXPECT_EQ(st.st_mode & 07777, 0755);
}
