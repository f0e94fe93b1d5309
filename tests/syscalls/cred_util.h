// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by the credential and permission conformance programs (cred_*_test.c,
 * perm_*_test.c): raw capget/capset with the v3 header, reading /proc status fields and
 * sysctls, dropping to another user, copying this program for exec tests, and the "report"
 * line a re-executed subprogram sends back. Every program runs four ways (native root, native
 * unprivileged, sandbox root, sandbox unprivileged): a test asks have_caps() for what its setup
 * needs and skips the privileged part with a reason when it is absent. Includes harness.h. */
#pragma once

#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include "tests/syscalls/harness.h"

/* tpath() in a buffer of its own (tpath's eight rotate), for a path a test keeps while it
 * builds others. Never freed: the test process is short-lived. */
__attribute__((unused)) static const char *tpath_keep(const char *name)
{
    char *p = strdup(tpath(name));
    if (!p)
        FATAL("strdup: out of memory");
    return p;
}

/* Users and groups the tests switch to. They need not exist in /etc/passwd. */
#define U_NOBODY 65534
#define U_A 1000
#define U_B 1001
#define U_C 1002
#define U_D 1003
#define G_A 1000
#define G_B 1001
#define G_X 1005 /* a group used only as a supplementary group */
#define G_Y 1006

#define CAPBIT(c) (1ULL << (c))

/* The capabilities that a change of the fs uid away from 0 removes from the effective set. */
#define CAP_FS_BITS                                                                                \
    (CAPBIT(CAP_CHOWN) | CAPBIT(CAP_DAC_OVERRIDE) | CAPBIT(CAP_DAC_READ_SEARCH) |                  \
     CAPBIT(CAP_FOWNER) | CAPBIT(CAP_FSETID) | CAPBIT(CAP_MKNOD) | CAPBIT(CAP_LINUX_IMMUTABLE) |   \
     CAPBIT(CAP_MAC_OVERRIDE))

struct capsets {
    uint64_t inh, prm, eff;
};

/* Ends the test as skipped, unless a check already failed (then it fails). */
#define SKIP_REST(...)                                                                             \
    do {                                                                                           \
        if (harness_failed)                                                                        \
            child_done();                                                                          \
        SKIP(__VA_ARGS__);                                                                         \
    } while (0)

/* capget(2) with the v3 header for @pid (0: the calling thread). Returns 0 or -1 with errno. */
__attribute__((unused)) static int cap_get(pid_t pid, struct capsets *c)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, pid};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof(d));
    if (syscall(SYS_capget, &h, d) != 0)
        return -1;
    c->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
    c->prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
    c->eff = d[0].effective | (uint64_t)d[1].effective << 32;
    return 0;
}

/* capset(2) with the v3 header on the calling thread. Returns 0 or -1 with errno. */
__attribute__((unused)) static int cap_set(const struct capsets *c)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2] = {
        {(uint32_t)c->eff, (uint32_t)c->prm, (uint32_t)c->inh},
        {(uint32_t)(c->eff >> 32), (uint32_t)(c->prm >> 32), (uint32_t)(c->inh >> 32)},
    };
    return (int)syscall(SYS_capset, &h, d);
}

/* The calling thread's capability sets; ends the test if capget fails. */
__attribute__((unused)) static struct capsets caps_now(void)
{
    struct capsets c;
    if (cap_get(0, &c) != 0)
        FATAL("capget: %s", harness_errname(errno));
    return c;
}

/* True if every capability in @mask is in the effective set. */
__attribute__((unused)) static int have_caps(uint64_t mask)
{
    struct capsets c;
    return cap_get(0, &c) == 0 && (c.eff & mask) == mask;
}

/* Removes @mask from the effective set only (the permitted set keeps it). */
__attribute__((unused)) static void drop_eff(uint64_t mask)
{
    struct capsets c = caps_now();
    c.eff &= ~mask;
    CHECK(cap_set(&c));
}

/* The bounding set, read with PR_CAPBSET_READ for every valid capability. */
__attribute__((unused)) static uint64_t capbset_now(void)
{
    uint64_t b = 0;
    for (int i = 0; i < 64; i++) {
        int r = prctl(PR_CAPBSET_READ, i, 0, 0, 0);
        if (r < 0)
            break;
        if (r)
            b |= CAPBIT(i);
    }
    return b;
}

/* The ambient set, read with PR_CAP_AMBIENT_IS_SET for every valid capability. */
__attribute__((unused)) static uint64_t ambient_now(void)
{
    uint64_t a = 0;
    for (int i = 0; i < 64; i++) {
        int r = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, i, 0, 0);
        if (r < 0)
            break;
        if (r)
            a |= CAPBIT(i);
    }
    return a;
}

/* Finds "\nKEY:" in the text of a /proc status file and returns what follows the tab, or
 * NULL. The caller puts a '\n' before the text so that the first line matches too. */
__attribute__((unused)) static const char *status_field(const char *text, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\n%s:", key);
    const char *p = strstr(text, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    while (*p == '\t' || *p == ' ')
        p++;
    return p;
}

/* Reads the status file @path and parses the hex field KEY (CapEff...). Ends the test when the
 * file or field is missing. */
__attribute__((unused)) static uint64_t status_hex(const char *path, const char *key)
{
    char buf[8192];
    buf[0] = '\n';
    read_file(path, buf + 1, sizeof(buf) - 1);
    const char *v = status_field(buf, key);
    if (!v)
        FATAL("%s has no %s field", path, key);
    return strtoull(v, NULL, 16);
}

/* Reads the status file @path and parses the decimal field KEY (NoNewPrivs...). */
__attribute__((unused)) static long status_long(const char *path, const char *key)
{
    char buf[8192];
    buf[0] = '\n';
    read_file(path, buf + 1, sizeof(buf) - 1);
    const char *v = status_field(buf, key);
    if (!v)
        FATAL("%s has no %s field", path, key);
    return strtol(v, NULL, 10);
}

/* Parses the four ids of the Uid: or Gid: field of the status file @path. */
__attribute__((unused)) static void status_ids(const char *path, const char *key, unsigned ids[4])
{
    char buf[8192];
    buf[0] = '\n';
    read_file(path, buf + 1, sizeof(buf) - 1);
    const char *v = status_field(buf, key);
    if (!v || sscanf(v, "%u %u %u %u", &ids[0], &ids[1], &ids[2], &ids[3]) != 4)
        FATAL("%s: bad %s field", path, key);
}

/* Reads an integer sysctl such as /proc/sys/fs/protected_hardlinks; -1 if it cannot be read. */
__attribute__((unused)) static int sysctl_int(const char *path)
{
    char buf[32] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n > 0 ? atoi(buf) : -1;
}

/* As sysctl_int, but a missing file fails the test: every Linux since 3.6 has the protected_*
 * sysctls, and the answer decides what the test expects. */
__attribute__((unused)) static int sysctl_required(const char *path)
{
    int v = sysctl_int(path);
    if (v < 0)
        FATAL("cannot read %s", path);
    return v;
}

/* Switches the calling thread group to uid/gid with the given supplementary groups, the way a
 * daemon drops root: setgroups, setresgid, setresuid. Ends the test on failure. */
__attribute__((unused)) static void drop_to_groups(uid_t uid, gid_t gid, int ngroups,
                                                   const gid_t *groups)
{
    if (setgroups((size_t)ngroups, groups) != 0)
        FATAL("setgroups: %s", harness_errname(errno));
    if (setresgid(gid, gid, gid) != 0)
        FATAL("setresgid(%d): %s", (int)gid, harness_errname(errno));
    if (setresuid(uid, uid, uid) != 0)
        FATAL("setresuid(%d): %s", (int)uid, harness_errname(errno));
}

/* drop_to_groups() without supplementary groups. */
__attribute__((unused)) static void drop_to(uid_t uid, gid_t gid)
{
    drop_to_groups(uid, gid, 0, NULL);
}

/* True if this process may switch to any uid and gid (CAP_SETUID and CAP_SETGID). */
__attribute__((unused)) static int can_switch_ids(void)
{
    return have_caps(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID));
}

/* Makes the calling process an unprivileged one: as root it opens the per-test directory to
 * everyone and drops to nobody; an unprivileged caller keeps its ids. Either way it ends with
 * empty effective and permitted sets, or ends the test. */
__attribute__((unused)) static void become_unprivileged(void)
{
    if (can_switch_ids()) {
        CHECK(chmod(harness_tmp, 0777));
        drop_to(U_NOBODY, U_NOBODY);
    }
    struct capsets c = caps_now();
    if (c.eff || c.prm) {
        c.eff = c.prm = 0;
        CHECK(cap_set(&c));
    }
    if (geteuid() == 0)
        SKIP("euid 0 without CAP_SETUID/CAP_SETGID: cannot become unprivileged");
}

/* Skips the test unless the caller has every capability in @mask; @what says why it is needed. */
#define REQUIRE_CAPS(mask, what)                                                                   \
    do {                                                                                           \
        if (!have_caps(mask))                                                                      \
            SKIP_REST("needs %s (absent for uid %d)", what, (int)geteuid());                       \
    } while (0)

/* Copies this program to @dst with @mode (before umask: fchmod), for exec tests that need an
 * executable they may chown and chmod. Ends the test on error. */
__attribute__((unused)) static void copy_self(const char *dst, mode_t mode)
{
    int in = CHECK(open(harness_self(), O_RDONLY | O_CLOEXEC));
    int out = CHECK(open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700));
    char buf[65536];
    for (;;) {
        ssize_t n = CHECK(read(in, buf, sizeof(buf)));
        if (n == 0)
            break;
        if (CHECK(write(out, buf, (size_t)n)) != n)
            FATAL("short write copying to %s", dst);
    }
    CHECK(fchmod(out, mode));
    CHECK(close(out));
    close(in);
}

/* What a re-executed "report" subprogram saw, sent back over a pipe. */
struct credreport {
    unsigned ruid, euid, suid, fsuid, rgid, egid, sgid, fsgid;
    unsigned long secure; /* getauxval(AT_SECURE) */
    int nnp, keepcaps, securebits;
    unsigned long long inh, prm, eff, amb, bnd;
};

/* Fills @r from the calling process (used by the subprogram after exec). */
__attribute__((unused)) static void credreport_fill(struct credreport *r)
{
    uid_t a, b, c;
    gid_t x, y, z;
    struct capsets cs = {0, 0, 0};
    getresuid(&a, &b, &c);
    getresgid(&x, &y, &z);
    cap_get(0, &cs);
    *r = (struct credreport){
        .ruid = a,
        .euid = b,
        .suid = c,
        .fsuid = (unsigned)setfsuid((uid_t)-1),
        .rgid = x,
        .egid = y,
        .sgid = z,
        .fsgid = (unsigned)setfsgid((gid_t)-1),
        .secure = getauxval(AT_SECURE),
        .nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
        .keepcaps = prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0),
        .securebits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0),
        .inh = cs.inh,
        .prm = cs.prm,
        .eff = cs.eff,
        .amb = ambient_now(),
        .bnd = capbset_now(),
    };
}

/* Body of a "report" SUBPROG: argv[1] is the descriptor to write a struct credreport to. */
__attribute__((unused)) static int credreport_sub(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    struct credreport r;
    credreport_fill(&r);
    return write(atoi(argv[1]), &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 3;
}

/* Forks; the child runs @prepare (may be NULL; it may change credentials), then execs @prog
 * "--sub report FD". Returns 0 and fills @r when the report arrived, else the child's errno
 * from execve (or -1 for another failure). */
__attribute__((unused)) static int exec_report(const char *prog, void (*prepare)(void *), void *arg,
                                               struct credreport *r)
{
    int p[2];
    CHECK(pipe(p));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        close(p[0]);
        if (prepare)
            prepare(arg);
        char fd[16];
        snprintf(fd, sizeof(fd), "%d", p[1]);
        char *argv[] = {(char *)prog, "--sub", "report", fd, NULL};
        char *envp[] = {NULL};
        execve(prog, argv, envp);
        int e = errno;
        (void)!write(p[1], &e, sizeof(e));
        _exit(harness_failed ? 1 : 0);
    }
    close(p[1]);
    char buf[sizeof(*r)];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(p[0], buf + got, sizeof(buf) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(p[0]);
    int st = wait_status(pid);
    if (got == sizeof(*r) && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        memcpy(r, buf, sizeof(*r));
        return 0;
    }
    if (got == sizeof(int)) {
        int e;
        memcpy(&e, buf, sizeof(e));
        return e;
    }
    harness_diag("report child: %zu bytes, status 0x%x", got, st);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
        harness_failed = 1; /* the prepare step failed and said why */
    return -1;
}

/* Blocks until one byte arrives on @fd (a pipe handshake); ends the test if the pipe closes. */
__attribute__((unused)) static void wait_byte(int fd)
{
    char c;
    ssize_t n;
    do {
        n = read(fd, &c, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1)
        FATAL("handshake pipe closed");
}

/* Sends one byte on @fd. */
__attribute__((unused)) static void send_byte(int fd)
{
    if (write(fd, "x", 1) != 1)
        FATAL("handshake write: %s", harness_errname(errno));
}

/* Creates the file @path with @data, owned by @uid:@gid with @mode (set after the chown).
 * Needs CAP_CHOWN (and CAP_FSETID for set-id bits) unless the ids are the caller's. */
__attribute__((unused)) static void mkfile_owned(const char *path, uid_t uid, gid_t gid,
                                                 mode_t mode, const char *data)
{
    write_file(path, data, 0600);
    CHECK(chown(path, uid, gid));
    CHECK(chmod(path, mode));
}

/* Creates the directory @path owned by @uid:@gid with @mode (set after the chown). */
__attribute__((unused)) static void mkdir_owned(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
    CHECK(mkdir(path, 0700));
    CHECK(chown(path, uid, gid));
    CHECK(chmod(path, mode));
}

/* The capabilities a test needs to set up files of other users and switch to them. */
#define ROOT_SETUP_CAPS                                                                            \
    (CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID) | CAPBIT(CAP_CHOWN) | CAPBIT(CAP_FSETID) |            \
     CAPBIT(CAP_FOWNER) | CAPBIT(CAP_DAC_OVERRIDE))

/* Skips the rest of the test unless the caller may set up files of other users and switch to
 * them; then opens the per-test directory to everyone (search only). */
__attribute__((unused)) static void require_root_setup(void)
{
    REQUIRE_CAPS(ROOT_SETUP_CAPS,
                 "CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_FSETID, CAP_FOWNER and CAP_DAC_OVERRIDE "
                 "to set up files of other users");
    CHECK(chmod(harness_tmp, 0755));
}

/* Forks a child that becomes @uid:@gid with the supplementary groups @groups (@ngroups of
 * them), runs @fn(@arg) and exits; fails the test if the child failed. */
__attribute__((unused)) static void
run_as_groups(uid_t uid, gid_t gid, int ngroups, const gid_t *groups, void (*fn)(void *), void *arg)
{
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        drop_to_groups(uid, gid, ngroups, groups);
        fn(arg);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
}

/* run_as_groups() without supplementary groups. */
__attribute__((unused)) static void run_as(uid_t uid, gid_t gid, void (*fn)(void *), void *arg)
{
    run_as_groups(uid, gid, 0, NULL, fn, arg);
}

/* Forks a child that runs @fn(@arg) with its effective set lowered by @mask. */
__attribute__((unused)) static void run_without_caps(uint64_t mask, void (*fn)(void *), void *arg)
{
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        drop_eff(mask);
        fn(arg);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
}

/* The permission bits and set-id bits of @path. */
__attribute__((unused)) static mode_t mode_of(const char *path)
{
    struct stat st;
    CHECK(lstat(path, &st));
    return st.st_mode & 07777;
}

/* Opens @path with @flags and closes it again; returns 0 or -1 with errno (for EXPECT_*). */
__attribute__((unused)) static int try_open(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}
