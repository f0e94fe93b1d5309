// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for capabilities as capabilities(7) describes them: capget/capset (header
 * versions, other pids, the subset rules of the permitted, effective and inheritable sets), the
 * effect of uid changes on the sets (all root uids gone, euid 0 <-> nonzero, fsuid 0 <->
 * nonzero), PR_SET_KEEPCAPS, PR_SET_SECUREBITS and its locks, the bounding set
 * (PR_CAPBSET_READ/DROP, not regained through execve as root), the ambient set (raise rules,
 * automatic lowering, survival across execve), PR_SET_NO_NEW_PRIVS, per-thread credentials, and
 * /proc/PID[/task/TID]/status agreeing with the system calls. Parts that need privileges the
 * caller lacks are skipped with a reason; what an unprivileged caller must see is checked in
 * every run (as root after dropping to nobody). */
#include <pthread.h>

#include "tests/syscalls/cred_util.h"

SUBPROG(report)
{
    return credreport_sub(argc, argv);
}

/* A copy of this program in the per-test directory, runnable by any user. */
static const char *prog_copy(void)
{
    CHECK(chmod(harness_tmp, 0755));
    const char *p = tpath_keep("prog");
    copy_self(p, 0755);
    return p;
}

TEST(capget_version_negotiation)
{
    struct __user_cap_header_struct h = {0, 0};
    struct __user_cap_data_struct d[2];
    EXPECT_ERRNO(syscall(SYS_capget, &h, d), EINVAL);
    EXPECT_EQ(h.version, _LINUX_CAPABILITY_VERSION_3);
    /* A NULL data pointer probes the preferred version and succeeds. */
    h.version = 0x12345678;
    EXPECT_EQ(syscall(SYS_capget, &h, NULL), 0);
    EXPECT_EQ(h.version, _LINUX_CAPABILITY_VERSION_3);
    EXPECT_EQ(syscall(SYS_capget, &h, NULL), 0);
    /* Version 1 is 32 bits wide and still accepted. */
    struct capsets c = caps_now();
    h = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_1, 0};
    memset(d, 0xff, sizeof(d));
    EXPECT_OK(syscall(SYS_capget, &h, d));
    EXPECT_EQ(d[0].effective, (uint32_t)c.eff);
    EXPECT_EQ(d[0].permitted, (uint32_t)c.prm);
    EXPECT_EQ(d[0].inheritable, (uint32_t)c.inh);
    EXPECT_EQ(d[1].effective, 0xffffffffu); /* only one element written */
    /* capset with an unknown version fails the same way. */
    h = (struct __user_cap_header_struct){0x0badcafe, 0};
    EXPECT_ERRNO(syscall(SYS_capset, &h, d), EINVAL);
    EXPECT_EQ(h.version, _LINUX_CAPABILITY_VERSION_3);
}

TEST(capget_pids)
{
    struct capsets c;
    EXPECT_ERRNO(cap_get(-1, &c), EINVAL);
    EXPECT_ERRNO(cap_get(0x7ffffff0, &c), ESRCH);
    struct capsets self = caps_now();
    EXPECT_OK(cap_get(getpid(), &c));
    EXPECT_EQ(c.eff, self.eff);
    /* Anyone may read another process's sets: a child that dropped CAP_KILL from effective. */
    int go[2], done[2];
    CHECK(pipe(go));
    CHECK(pipe(done));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct capsets k = caps_now();
        k.eff &= ~CAPBIT(CAP_KILL);
        k.inh = 0;
        CHECK(cap_set(&k));
        send_byte(done[1]);
        wait_byte(go[0]);
        _exit(0);
    }
    wait_byte(done[0]);
    EXPECT_OK(cap_get(pid, &c));
    EXPECT_EQ(c.eff, self.eff & ~CAPBIT(CAP_KILL));
    EXPECT_EQ(c.prm, self.prm);
    send_byte(go[1]);
    EXPECT_EXIT(pid, 0);
}

TEST(capset_unprivileged_rules)
{
    become_unprivileged();
    struct capsets c = {0, 0, 0};
    EXPECT_OK(cap_set(&c)); /* the current (empty) sets */
    c.prm = CAPBIT(CAP_KILL);
    EXPECT_ERRNO(cap_set(&c), EPERM);
    c = (struct capsets){.eff = CAPBIT(CAP_KILL)};
    EXPECT_ERRNO(cap_set(&c), EPERM);
    c = (struct capsets){.inh = CAPBIT(CAP_KILL)};
    EXPECT_ERRNO(cap_set(&c), EPERM);
    /* Another process's sets can never be set. */
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, getppid()};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof(d));
    EXPECT_ERRNO(syscall(SYS_capset, &h, d), EPERM);
    h = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, getpid()};
    EXPECT_OK(syscall(SYS_capset, &h, d)); /* its own pid is fine */
    c = caps_now();
    EXPECT_EQ(c.prm | c.eff | c.inh, 0);
    EXPECT_EQ(status_hex("/proc/self/status", "CapEff"), 0);
}

TEST(capset_privileged_rules)
{
    REQUIRE_CAPS(CAPBIT(CAP_KILL) | CAPBIT(CAP_CHOWN), "CAP_KILL and CAP_CHOWN");
    struct capsets c = caps_now();
    /* Another process's sets, even with every capability. */
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, getppid()};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof(d));
    EXPECT_ERRNO(syscall(SYS_capset, &h, d), EPERM);
    /* Dropping from permitted is final. */
    c.prm &= ~CAPBIT(CAP_KILL);
    c.eff &= ~CAPBIT(CAP_KILL);
    CHECK(cap_set(&c));
    struct capsets up = c;
    up.prm |= CAPBIT(CAP_KILL);
    EXPECT_ERRNO(cap_set(&up), EPERM);
    up = c;
    up.eff |= CAPBIT(CAP_KILL); /* effective must stay within permitted */
    EXPECT_ERRNO(cap_set(&up), EPERM);
    EXPECT_EQ(caps_now().prm, c.prm);
    /* Without CAP_SETPCAP in effective, inheritable may grow only from permitted. */
    c.eff &= ~CAPBIT(CAP_SETPCAP);
    CHECK(cap_set(&c));
    up = c;
    up.inh |= CAPBIT(CAP_CHOWN);
    EXPECT_OK(cap_set(&up));
    up.inh |= CAPBIT(CAP_KILL);
    EXPECT_ERRNO(cap_set(&up), EPERM);
    EXPECT_EQ(caps_now().inh, CAPBIT(CAP_CHOWN) | c.inh);
    if (!(c.prm & CAPBIT(CAP_SETPCAP)))
        SKIP_REST("no CAP_SETPCAP in permitted: the bounding-set part needs it");
    /* With CAP_SETPCAP in effective (checked before the call), inheritable may take anything
     * from the bounding set ... */
    c.eff |= CAPBIT(CAP_SETPCAP);
    CHECK(cap_set(&c));
    up = c;
    up.inh |= CAPBIT(CAP_KILL);
    EXPECT_OK(cap_set(&up));
    EXPECT_EQ(caps_now().inh & CAPBIT(CAP_KILL), CAPBIT(CAP_KILL));
    /* ... and nothing outside it. */
    if (!(capbset_now() & CAPBIT(CAP_NET_RAW)))
        SKIP_REST("CAP_NET_RAW is not in the bounding set");
    CHECK(prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0));
    struct capsets out = caps_now();
    out.inh &= ~CAPBIT(CAP_NET_RAW);
    CHECK(cap_set(&out));
    out.inh |= CAPBIT(CAP_NET_RAW);
    EXPECT_ERRNO(cap_set(&out), EPERM);
}

TEST(all_root_uids_gone_clears_permitted_and_effective)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_CHOWN), "CAP_SETUID and CAP_CHOWN");
    if (getuid() != 0 || geteuid() != 0)
        SKIP("needs uid 0 (the rule is about root uids)");
    struct capsets c = caps_now();
    c.inh = CAPBIT(CAP_CHOWN);
    CHECK(cap_set(&c));
    /* The saved uid is still 0: permitted stays, effective goes (euid nonzero). */
    CHECK(setresuid(U_A, U_A, 0));
    struct capsets k = caps_now();
    EXPECT_EQ(k.prm, c.prm);
    EXPECT_EQ(k.eff, 0);
    EXPECT_EQ(k.inh, CAPBIT(CAP_CHOWN));
    /* Now none is 0: permitted goes too; inheritable stays. */
    CHECK(setresuid(U_A, U_A, U_A));
    k = caps_now();
    EXPECT_EQ(k.prm, 0);
    EXPECT_EQ(k.eff, 0);
    EXPECT_EQ(k.inh, CAPBIT(CAP_CHOWN));
    EXPECT_EQ(status_hex("/proc/self/status", "CapPrm"), 0);
    EXPECT_EQ(status_hex("/proc/self/status", "CapEff"), 0);
    EXPECT_EQ(status_hex("/proc/self/status", "CapInh"), CAPBIT(CAP_CHOWN));
    EXPECT_ERRNO(setresuid(0, 0, 0), EPERM);
}

TEST(euid_zero_round_trip_restores_effective_from_permitted)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_KILL), "CAP_SETUID and CAP_KILL");
    if (getuid() != 0 || geteuid() != 0)
        SKIP("needs uid 0");
    struct capsets c = caps_now();
    c.eff &= ~CAPBIT(CAP_KILL); /* lowered before: the round trip raises it again */
    CHECK(cap_set(&c));
    CHECK(setresuid((uid_t)-1, U_A, (uid_t)-1));
    struct capsets k = caps_now();
    EXPECT_EQ(k.eff, 0);
    EXPECT_EQ(k.prm, c.prm);
    EXPECT_ERRNO(chown(harness_tmp, U_B, (gid_t)-1), EPERM); /* no CAP_CHOWN now */
    CHECK(setresuid((uid_t)-1, 0, (uid_t)-1));
    k = caps_now();
    EXPECT_EQ(k.eff, c.prm);
    EXPECT_EQ(k.prm, c.prm);
}

TEST(fsuid_change_toggles_fs_capabilities)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_DAC_OVERRIDE) | CAPBIT(CAP_DAC_READ_SEARCH) |
                     CAPBIT(CAP_CHOWN),
                 "CAP_SETUID, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_CHOWN");
    if (geteuid() != 0)
        SKIP("needs fsuid 0");
    CHECK(chmod(harness_tmp, 0755));
    const char *f = tpath_keep("f");
    write_file(f, "x", 0600);
    CHECK(chown(f, U_B, G_B));
    struct capsets c = caps_now();
    EXPECT_EQ(setfsuid(U_A), 0);
    struct capsets k = caps_now();
    EXPECT_EQ(k.eff, c.eff & ~(uint64_t)CAP_FS_BITS);
    EXPECT_EQ(k.prm, c.prm);
    EXPECT_EQ(geteuid(), 0);
    EXPECT_EQ(status_hex("/proc/self/status", "CapEff"), k.eff);
    /* File access now uses fsuid U_A without the override capabilities. */
    EXPECT_ERRNO(open(f, O_RDONLY), EACCES);
    /* Back to fsuid 0: the fs capabilities return from permitted. */
    EXPECT_EQ(setfsuid(0), U_A);
    k = caps_now();
    EXPECT_EQ(k.eff, c.eff | (c.prm & CAP_FS_BITS));
    int fd = EXPECT_OK(open(f, O_RDONLY));
    if (fd >= 0)
        close(fd);
    /* A capability lowered by hand before the change comes back too (from permitted). */
    drop_eff(CAPBIT(CAP_CHOWN));
    setfsuid(U_A);
    setfsuid(0);
    EXPECT_TRUE(caps_now().eff & CAPBIT(CAP_CHOWN));
}

TEST(keepcaps_keeps_permitted_across_setuid_not_exec)
{
    EXPECT_EQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
    EXPECT_ERRNO(prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL);
    /* Anyone may set the flag. */
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become_unprivileged();
        EXPECT_OK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
        EXPECT_EQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
        EXPECT_OK(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
        EXPECT_EQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID) | CAPBIT(CAP_DAC_OVERRIDE),
                 "CAP_SETUID, CAP_SETGID and CAP_DAC_OVERRIDE");
    if (getuid() != 0 || geteuid() != 0)
        SKIP("needs uid 0");
    const char *prog = prog_copy();
    const char *f = tpath_keep("f");
    write_file(f, "x", 0600); /* root's: only CAP_DAC_OVERRIDE lets U_A read it */
    struct capsets c = caps_now();
    CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    CHECK(setresgid(G_A, G_A, G_A));
    CHECK(setresuid(U_A, U_A, U_A));
    struct capsets k = caps_now();
    EXPECT_EQ(k.prm, c.prm);
    EXPECT_EQ(k.eff, 0);
    EXPECT_EQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
    EXPECT_ERRNO(open(f, O_RDONLY), EACCES);
    /* Effective may be raised again from the kept permitted set. */
    k.eff = CAPBIT(CAP_DAC_OVERRIDE);
    EXPECT_OK(cap_set(&k));
    int fd = EXPECT_OK(open(f, O_RDONLY));
    if (fd >= 0)
        close(fd);
    /* execve clears the flag and, for a non-root user, the sets. */
    struct credreport r;
    int e = exec_report(prog, NULL, NULL, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        EXPECT_EQ(r.euid, U_A);
        EXPECT_EQ(r.keepcaps, 0);
        EXPECT_EQ(r.prm, 0);
        EXPECT_EQ(r.eff, 0);
        EXPECT_EQ(r.secure, 0);
    }
}

static void securebits_exec_prepare(void *arg)
{
    CHECK(prctl(PR_SET_SECUREBITS, *(int *)arg, 0, 0, 0));
}

TEST(securebits_rules)
{
    int initial = CHECK(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become_unprivileged();
        int bits = CHECK(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
        EXPECT_ERRNO(prctl(PR_SET_SECUREBITS, bits, 0, 0, 0), EPERM);
        EXPECT_ERRNO(prctl(PR_SET_SECUREBITS, bits | SECBIT_KEEP_CAPS, 0, 0, 0), EPERM);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    REQUIRE_CAPS(CAPBIT(CAP_SETPCAP) | CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID),
                 "CAP_SETPCAP, CAP_SETUID and CAP_SETGID");
    if (initial != 0)
        SKIP_REST("securebits already 0x%x", initial);
    EXPECT_ERRNO(prctl(PR_SET_SECUREBITS, 1 << 30, 0, 0, 0), EPERM); /* unknown bit */
    /* SECBIT_KEEP_CAPS is what PR_SET_KEEPCAPS sets; execve clears it, not the others. */
    CHECK(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0));
    EXPECT_EQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
    CHECK(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
    EXPECT_EQ(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), 0);
    int bits = SECBIT_KEEP_CAPS | SECBIT_NO_SETUID_FIXUP;
    struct credreport r;
    int e = exec_report(prog_copy(), securebits_exec_prepare, &bits, &r);
    EXPECT_EQ(e, 0);
    if (e == 0)
        EXPECT_EQ(r.securebits, SECBIT_NO_SETUID_FIXUP);
    /* Locks: a locked bit can change no more, nor can the lock be removed. */
    CHECK(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0));
    EXPECT_ERRNO(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), EPERM);
    EXPECT_ERRNO(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0), EPERM);
    EXPECT_ERRNO(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0), EPERM);
    EXPECT_OK(prctl(PR_SET_SECUREBITS,
                    SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_SETUID_FIXUP, 0, 0, 0));
    EXPECT_EQ(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0),
              SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_SETUID_FIXUP);
    /* SECBIT_NO_SETUID_FIXUP: uid changes leave every set alone. */
    struct capsets c = caps_now();
    CHECK(setresuid(U_A, U_A, U_A));
    struct capsets k = caps_now();
    EXPECT_EQ(k.prm, c.prm);
    EXPECT_EQ(k.eff, c.eff);
    EXPECT_OK(setresuid(0, 0, 0)); /* CAP_SETUID is still effective */
}

TEST(capbset_read_matches_proc)
{
    uint64_t b = capbset_now();
    EXPECT_EQ(status_hex("/proc/self/status", "CapBnd"), b);
    int last = sysctl_int("/proc/sys/kernel/cap_last_cap");
    if (last < 0)
        FATAL("cannot read /proc/sys/kernel/cap_last_cap");
    EXPECT_TRUE(last >= CAP_AUDIT_READ && last < 63);
    EXPECT_EQ(b >> (last + 1), 0);
    EXPECT_TRUE(prctl(PR_CAPBSET_READ, last, 0, 0, 0) >= 0);
    EXPECT_ERRNO(prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0), EINVAL);
    EXPECT_ERRNO(prctl(PR_CAPBSET_READ, -1UL, 0, 0, 0), EINVAL);
    /* CAP_SETPCAP is checked before the capability number. */
    if (have_caps(CAPBIT(CAP_SETPCAP)))
        EXPECT_ERRNO(prctl(PR_CAPBSET_DROP, last + 1, 0, 0, 0), EINVAL);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become_unprivileged();
        EXPECT_ERRNO(prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0), EPERM);
        EXPECT_ERRNO(prctl(PR_CAPBSET_DROP, last + 1, 0, 0, 0), EPERM);
        EXPECT_EQ(capbset_now(), b);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
}

TEST(capbset_drop_not_regained_by_root_exec)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETPCAP) | CAPBIT(CAP_NET_RAW), "CAP_SETPCAP and CAP_NET_RAW");
    if (getuid() != 0 || geteuid() != 0)
        SKIP("needs uid 0");
    uint64_t b = capbset_now();
    CHECK(prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0));
    EXPECT_EQ(prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0), 0);
    EXPECT_EQ(status_hex("/proc/self/status", "CapBnd"), b & ~CAPBIT(CAP_NET_RAW));
    EXPECT_OK(prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0)); /* again: no-op */
    /* The current permitted set keeps it; an exec as root gets permitted = bounding. */
    EXPECT_TRUE(caps_now().prm & CAPBIT(CAP_NET_RAW));
    struct capsets c = caps_now();
    c.inh = 0;
    CHECK(cap_set(&c));
    struct credreport r;
    int e = exec_report(prog_copy(), NULL, NULL, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        EXPECT_EQ(r.bnd, b & ~CAPBIT(CAP_NET_RAW));
        EXPECT_EQ(r.prm, r.bnd);
        EXPECT_EQ(r.eff, r.bnd);
        EXPECT_EQ(r.secure, 0);
    }
}

TEST(ambient_unprivileged_rules)
{
    become_unprivileged();
    EXPECT_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0), EPERM);
    EXPECT_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_BIND_SERVICE, 0, 0), 0);
    EXPECT_OK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_NET_BIND_SERVICE, 0, 0));
    EXPECT_OK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
    EXPECT_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 64, 0, 0), EINVAL);
    EXPECT_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 1, 0), EINVAL);
    EXPECT_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0), EINVAL);
    EXPECT_ERRNO(prctl(PR_CAP_AMBIENT, 99, CAP_CHOWN, 0, 0), EINVAL);
    EXPECT_EQ(status_hex("/proc/self/status", "CapAmb"), 0);
}

TEST(ambient_raise_needs_permitted_and_inheritable)
{
    REQUIRE_CAPS(CAPBIT(CAP_NET_BIND_SERVICE) | CAPBIT(CAP_SETPCAP),
                 "CAP_NET_BIND_SERVICE and CAP_SETPCAP");
    const long nbs = CAP_NET_BIND_SERVICE;
    struct capsets c = caps_now();
    c.inh = 0;
    CHECK(cap_set(&c));
    EXPECT_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, nbs, 0, 0), EPERM);
    c.inh = CAPBIT(nbs);
    CHECK(cap_set(&c));
    EXPECT_OK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, nbs, 0, 0));
    EXPECT_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, nbs, 0, 0), 1);
    EXPECT_EQ(status_hex("/proc/self/status", "CapAmb"), CAPBIT(nbs));
    /* Leaving inheritable lowers it. */
    c.inh = 0;
    CHECK(cap_set(&c));
    EXPECT_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, nbs, 0, 0), 0);
    /* CLEAR_ALL and LOWER. */
    c.inh = CAPBIT(nbs);
    CHECK(cap_set(&c));
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, nbs, 0, 0));
    EXPECT_OK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, nbs, 0, 0));
    EXPECT_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, nbs, 0, 0), 0);
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, nbs, 0, 0));
    EXPECT_OK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
    EXPECT_EQ(ambient_now(), 0);
    /* SECBIT_NO_CAP_AMBIENT_RAISE forbids raising. */
    int bits = CHECK(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
    CHECK(prctl(PR_SET_SECUREBITS, bits | SECBIT_NO_CAP_AMBIENT_RAISE, 0, 0, 0));
    EXPECT_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, nbs, 0, 0), EPERM);
    CHECK(prctl(PR_SET_SECUREBITS, bits, 0, 0, 0));
    /* Leaving permitted lowers it too. */
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, nbs, 0, 0));
    c.prm &= ~CAPBIT(nbs);
    c.eff &= ~CAPBIT(nbs);
    CHECK(cap_set(&c));
    EXPECT_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, nbs, 0, 0), 0);
    EXPECT_EQ(status_hex("/proc/self/status", "CapAmb"), 0);
}

static void ambient_exec_prepare(void *arg)
{
    (void)arg;
    CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    drop_to(U_A, G_A);
    struct capsets c = caps_now(); /* permitted kept, effective empty */
    c.inh = CAPBIT(CAP_NET_BIND_SERVICE);
    CHECK(cap_set(&c));
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0));
}

TEST(ambient_survives_exec_into_permitted_and_effective)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID) | CAPBIT(CAP_NET_BIND_SERVICE),
                 "CAP_SETUID, CAP_SETGID and CAP_NET_BIND_SERVICE");
    if (getuid() != 0 || geteuid() != 0)
        SKIP("needs uid 0");
    struct credreport r;
    int e = exec_report(prog_copy(), ambient_exec_prepare, NULL, &r);
    EXPECT_EQ(e, 0);
    if (e == 0) {
        EXPECT_EQ(r.euid, U_A);
        EXPECT_EQ(r.amb, CAPBIT(CAP_NET_BIND_SERVICE));
        EXPECT_EQ(r.inh, CAPBIT(CAP_NET_BIND_SERVICE));
        EXPECT_EQ(r.prm, CAPBIT(CAP_NET_BIND_SERVICE));
        EXPECT_EQ(r.eff, CAPBIT(CAP_NET_BIND_SERVICE));
        EXPECT_EQ(r.secure, 0);
    }
}

static void nnp_exec_prepare(void *arg)
{
    (void)arg;
}

TEST(no_new_privs_one_way_and_inherited)
{
    int initial = CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    EXPECT_EQ(status_long("/proc/self/status", "NoNewPrivs"), initial);
    EXPECT_ERRNO(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
    EXPECT_ERRNO(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL);
    EXPECT_ERRNO(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL);
    EXPECT_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), initial);
    /* Any user may set it. */
    become_unprivileged();
    EXPECT_OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    EXPECT_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
    EXPECT_OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    EXPECT_ERRNO(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
    EXPECT_EQ(status_long("/proc/self/status", "NoNewPrivs"), 1);
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
    EXPECT_EXIT(pid, 0);
    /* execve keeps it. The copy is made by the (maybe dropped) caller in its own dir. */
    const char *prog = tpath_keep("prog");
    copy_self(prog, 0755);
    struct credreport r;
    int e = exec_report(prog, nnp_exec_prepare, NULL, &r);
    EXPECT_EQ(e, 0);
    if (e == 0)
        EXPECT_EQ(r.nnp, 1);
}

struct thread_job {
    int (*fn)(struct thread_job *);
    pid_t tid;
    int go[2], done[2];
    int result;
};

static void *thread_main(void *arg)
{
    struct thread_job *j = arg;
    j->tid = (pid_t)syscall(SYS_gettid);
    j->result = j->fn(j);
    (void)!write(j->done[1], "d", 1);
    char c;
    (void)!read(j->go[0], &c, 1); /* stay alive until the main thread has looked */
    return NULL;
}

/* Runs @fn in a new thread and returns once it has, leaving the thread alive; finish with
 * thread_finish(). */
static pthread_t thread_run(struct thread_job *j)
{
    CHECK(pipe(j->go));
    CHECK(pipe(j->done));
    pthread_t t;
    if (pthread_create(&t, NULL, thread_main, j) != 0)
        FATAL("pthread_create");
    wait_byte(j->done[0]);
    return t;
}

static void thread_finish(pthread_t t, struct thread_job *j)
{
    send_byte(j->go[1]);
    pthread_join(t, NULL);
}

static int raw_seteuid_job(struct thread_job *j)
{
    (void)j;
    return (int)syscall(SYS_setresuid, (uid_t)-1, U_A, (uid_t)-1);
}

static int raw_nnp_job(struct thread_job *j)
{
    (void)j;
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static int glibc_seteuid_job(struct thread_job *j)
{
    (void)j;
    return setresuid((uid_t)-1, U_B, (uid_t)-1);
}

TEST(credentials_are_per_thread)
{
    char path[64];
    unsigned ids[4];
    /* no_new_privs is a per-thread flag: any user can see that. */
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become_unprivileged();
        if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
            SKIP("no_new_privs already set");
        struct thread_job j = {.fn = raw_nnp_job};
        pthread_t t = thread_run(&j);
        EXPECT_EQ(j.result, 0);
        snprintf(path, sizeof(path), "/proc/self/task/%d/status", j.tid);
        EXPECT_EQ(status_long(path, "NoNewPrivs"), 1);
        EXPECT_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
        EXPECT_EQ(status_long("/proc/self/status", "NoNewPrivs"), 0);
        thread_finish(t, &j);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    REQUIRE_CAPS(CAPBIT(CAP_SETUID), "CAP_SETUID");
    if (geteuid() != 0)
        SKIP("needs euid 0");
    /* A raw setresuid changes the calling thread only. */
    struct thread_job j = {.fn = raw_seteuid_job};
    pthread_t t = thread_run(&j);
    EXPECT_EQ(j.result, 0);
    snprintf(path, sizeof(path), "/proc/self/task/%d/status", j.tid);
    status_ids(path, "Uid", ids);
    EXPECT_EQ(ids[1], U_A);
    EXPECT_EQ(status_hex(path, "CapEff"), 0);
    EXPECT_EQ(syscall(SYS_geteuid), 0);
    snprintf(path, sizeof(path), "/proc/self/task/%d/status", getpid());
    status_ids(path, "Uid", ids);
    EXPECT_EQ(ids[1], 0);
    struct capsets tc;
    EXPECT_OK(cap_get(j.tid, &tc));
    EXPECT_EQ(tc.eff, 0);
    EXPECT_NE(caps_now().eff, 0);
    thread_finish(t, &j);
    /* glibc's setresuid applies to every thread of the process. */
    struct thread_job g = {.fn = glibc_seteuid_job};
    t = thread_run(&g);
    EXPECT_EQ(g.result, 0);
    EXPECT_EQ(syscall(SYS_geteuid), U_B);
    snprintf(path, sizeof(path), "/proc/self/task/%d/status", g.tid);
    status_ids(path, "Uid", ids);
    EXPECT_EQ(ids[1], U_B);
    thread_finish(t, &g);
}

/* Compares one status file with what the system calls of the calling thread report. */
static void expect_status_matches(const char *path)
{
    uid_t u[3];
    gid_t g[3];
    unsigned ids[4];
    CHECK(getresuid(&u[0], &u[1], &u[2]));
    CHECK(getresgid(&g[0], &g[1], &g[2]));
    status_ids(path, "Uid", ids);
    EXPECT_EQ(ids[0], u[0]);
    EXPECT_EQ(ids[1], u[1]);
    EXPECT_EQ(ids[2], u[2]);
    EXPECT_EQ(ids[3], setfsuid((uid_t)-1));
    status_ids(path, "Gid", ids);
    EXPECT_EQ(ids[0], g[0]);
    EXPECT_EQ(ids[1], g[1]);
    EXPECT_EQ(ids[2], g[2]);
    EXPECT_EQ(ids[3], setfsgid((gid_t)-1));
    struct capsets c = caps_now();
    EXPECT_EQ(status_hex(path, "CapInh"), c.inh);
    EXPECT_EQ(status_hex(path, "CapPrm"), c.prm);
    EXPECT_EQ(status_hex(path, "CapEff"), c.eff);
    EXPECT_EQ(status_hex(path, "CapBnd"), capbset_now());
    EXPECT_EQ(status_hex(path, "CapAmb"), ambient_now());
    EXPECT_EQ(status_long(path, "NoNewPrivs"), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    gid_t list[64];
    int n = CHECK(getgroups(64, list));
    char buf[8192];
    buf[0] = '\n';
    read_file(path, buf + 1, sizeof(buf) - 1);
    const char *v = status_field(buf, "Groups");
    if (!v)
        FATAL("%s: no Groups field", path);
    int seen = 0;
    for (;;) {
        char *end;
        unsigned long x = strtoul(v, &end, 10);
        if (end == v)
            break;
        int found = 0;
        for (int i = 0; i < n; i++)
            found |= list[i] == x;
        if (!found)
            FAIL("%s lists group %lu that getgroups does not", path, x);
        seen++;
        v = end;
    }
    EXPECT_EQ(seen, n);
}

static void expect_all_status_match(void)
{
    char path[64];
    expect_status_matches("/proc/self/status");
    snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)syscall(SYS_gettid));
    expect_status_matches(path);
    snprintf(path, sizeof(path), "/proc/%d/status", getpid());
    expect_status_matches(path);
    snprintf(path, sizeof(path), "/proc/thread-self/status");
    expect_status_matches(path);
}

TEST(proc_status_matches_system_calls)
{
    expect_all_status_match();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become_unprivileged();
        expect_all_status_match();
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID) | CAPBIT(CAP_CHOWN),
                 "CAP_SETUID, CAP_SETGID and CAP_CHOWN");
    /* Every id different, a few groups, odd capability sets. */
    gid_t groups[] = {G_X, G_Y, 7};
    CHECK(setgroups(3, groups));
    CHECK(setresgid(G_A, G_B, G_Y));
    EXPECT_EQ(setfsgid(G_X), G_B);
    CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    CHECK(setresuid(U_A, U_B, U_C));
    struct capsets c = caps_now();
    c.eff = CAPBIT(CAP_SETUID);
    c.inh = CAPBIT(CAP_CHOWN);
    CHECK(cap_set(&c));
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
    EXPECT_EQ(setfsuid(U_D), U_B);
    CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    expect_all_status_match();
    unsigned ids[4];
    status_ids("/proc/self/status", "Uid", ids);
    EXPECT_EQ(ids[3], U_D);
    EXPECT_EQ(status_hex("/proc/self/status", "CapAmb"), CAPBIT(CAP_CHOWN));
}
