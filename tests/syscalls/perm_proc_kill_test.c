// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for permission checks between processes of different users: kill (the
 * sender's real or effective uid must match the target's real or saved uid, or CAP_KILL;
 * SIGCONT within one session is always allowed), /proc/PID files of another user's process
 * (environ, mem, maps, fd/, cwd/root/exe: EACCES without CAP_SYS_PTRACE; status, stat and
 * cmdline stay readable; a non-dumpable process's files belong to root), setpriority on another
 * user's process (EPERM) and below the target's RLIMIT_NICE allowance (EACCES), and prlimit on
 * another process (all ids must match, or CAP_SYS_RESOURCE). The targets are children that
 * switch to other users, so these parts need root; without it the checks against pid 1 (when
 * it belongs to another user) still run. */
#include <poll.h>
#include <sys/resource.h>

#include "tests/syscalls/cred_util.h"

struct target {
    pid_t pid;
    int go_w; /* a byte here lets the target exit */
    int ev_r; /* the target writes 'C' here when SIGCONT arrives */
};

static int target_ev_fd = -1;

static void on_sigcont(int sig)
{
    (void)sig;
    (void)!write(target_ev_fd, "C", 1);
}

/* Starts a child with uids (@r, @e, @s) and gids @g, in a new session if @newsession, with the
 * dumpable flag @dumpable, that waits for end_target(). Returns once it is ready. Needs
 * CAP_SETUID and CAP_SETGID. */
static struct target spawn_target(uid_t r, uid_t e, uid_t s, gid_t g, int newsession, int dumpable)
{
    int ready[2], go[2], ev[2];
    CHECK(pipe(ready));
    CHECK(pipe(go));
    CHECK(pipe(ev));
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        close(ready[0]);
        close(go[1]);
        close(ev[0]);
        target_ev_fd = ev[1];
        struct sigaction sa = {.sa_handler = on_sigcont, .sa_flags = SA_RESTART};
        CHECK(sigaction(SIGCONT, &sa, NULL));
        if (newsession)
            CHECK(setsid());
        CHECK(setgroups(0, NULL));
        CHECK(setresgid(g, g, g));
        CHECK(setresuid(r, e, s));
        CHECK(prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0));
        send_byte(ready[1]);
        char c;
        while (read(go[0], &c, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    close(ev[1]);
    wait_byte(ready[0]);
    close(ready[0]);
    return (struct target){pid, go[1], ev[0]};
}

/* Lets the target exit and checks that nothing killed it. */
static void end_target(struct target *t)
{
    send_byte(t->go_w);
    close(t->go_w);
    close(t->ev_r);
    EXPECT_EXIT(t->pid, 0);
}

/* Waits (up to 10 s) for the target's SIGCONT handler to report; returns 1 if it did. */
static int target_saw_sigcont(struct target *t)
{
    struct pollfd p = {.fd = t->ev_r, .events = POLLIN};
    int r;
    do {
        r = poll(&p, 1, 10000);
    } while (r < 0 && errno == EINTR);
    char c;
    return r == 1 && read(t->ev_r, &c, 1) == 1 && c == 'C';
}

/* Forks a child with uids (@r, @e, @s) and gid @g that runs @fn(@pid). */
static void observer(uid_t r, uid_t e, uid_t s, gid_t g, void (*fn)(pid_t), pid_t pid)
{
    fflush(stdout);
    pid_t o = CHECK(fork());
    if (o == 0) {
        CHECK(setgroups(0, NULL));
        CHECK(setresgid(g, g, g));
        CHECK(setresuid(r, e, s));
        fn(pid);
        child_done();
    }
    EXPECT_EXIT(o, 0);
}

static void require_targets(void)
{
    REQUIRE_CAPS(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID),
                 "CAP_SETUID and CAP_SETGID to run processes of other users");
}

/* ---- kill ---- */

static void kill_denied(pid_t pid)
{
    EXPECT_ERRNO(kill(pid, 0), EPERM);
    EXPECT_ERRNO(kill(pid, SIGTERM), EPERM);
    EXPECT_ERRNO(kill(pid, SIGKILL), EPERM);
    EXPECT_ERRNO(syscall(SYS_tgkill, pid, pid, SIGTERM), EPERM);
    EXPECT_ERRNO(sigqueue(pid, SIGUSR1, (union sigval){0}), EPERM);
}

static void kill_allowed(pid_t pid)
{
    EXPECT_OK(kill(pid, 0));
}

TEST(kill_needs_matching_uid_or_cap_kill)
{
    require_targets();
    struct target t = spawn_target(U_A, U_A, U_A, G_A, 0, 1);
    observer(U_B, U_B, U_B, G_B, kill_denied, t.pid);
    observer(U_A, U_A, U_A, G_B, kill_allowed, t.pid); /* the gid plays no part */
    end_target(&t);
    /* Target uids: real A, effective C, saved D. */
    t = spawn_target(U_A, U_C, U_D, G_A, 0, 1);
    observer(U_C, U_C, U_C, G_A, kill_denied, t.pid);  /* matches only its effective uid */
    observer(U_D, U_D, U_D, G_A, kill_allowed, t.pid); /* sender euid == target saved */
    observer(U_B, U_A, U_A, G_A, kill_allowed, t.pid); /* sender euid == target real */
    observer(U_A, U_B, U_B, G_A, kill_allowed, t.pid); /* sender real == target real */
    observer(U_D, U_B, U_B, G_A, kill_allowed, t.pid); /* sender real == target saved */
    end_target(&t);
    /* CAP_KILL. */
    t = spawn_target(U_A, U_A, U_A, G_A, 0, 1);
    if (have_caps(CAPBIT(CAP_KILL)))
        EXPECT_OK(kill(t.pid, 0));
    if (geteuid() == 0 && getuid() == 0) {
        pid_t pid = CHECK(fork());
        if (pid == 0) {
            drop_eff(CAPBIT(CAP_KILL));
            kill_denied(t.pid);
            child_done();
        }
        EXPECT_EXIT(pid, 0);
    }
    end_target(&t);
}

static void sigcont_allowed(pid_t pid)
{
    EXPECT_OK(kill(pid, SIGCONT));
    EXPECT_ERRNO(kill(pid, SIGTERM), EPERM);
    EXPECT_ERRNO(kill(pid, 0), EPERM);
}

static void sigcont_denied(pid_t pid)
{
    EXPECT_ERRNO(kill(pid, SIGCONT), EPERM);
}

TEST(sigcont_allowed_within_session)
{
    require_targets();
    struct target t = spawn_target(U_A, U_A, U_A, G_A, 0, 1);
    observer(U_B, U_B, U_B, G_B, sigcont_allowed, t.pid);
    EXPECT_TRUE(target_saw_sigcont(&t));
    end_target(&t);
    /* A target in another session. */
    t = spawn_target(U_A, U_A, U_A, G_A, 1, 1);
    observer(U_B, U_B, U_B, G_B, sigcont_denied, t.pid);
    end_target(&t);
}

/* Checks against pid 1 when it is another user's process (as it is for an unprivileged
 * caller, natively and in the sandbox). */
TEST(unprivileged_against_init)
{
    become_unprivileged();
    unsigned ids[4];
    status_ids("/proc/1/status", "Uid", ids);
    uid_t me = getuid();
    if (ids[0] == me || ids[2] == me)
        SKIP("pid 1 runs as this user");
    EXPECT_ERRNO(kill(1, 0), EPERM); /* (no real signal: pid 1 must survive a bug here) */
    EXPECT_ERRNO(open("/proc/1/environ", O_RDONLY), EACCES);
    EXPECT_ERRNO(open("/proc/1/mem", O_RDONLY), EACCES);
    char buf[PATH_MAX];
    EXPECT_ERRNO(readlink("/proc/1/cwd", buf, sizeof(buf)), EACCES);
    EXPECT_ERRNO(readlink("/proc/1/exe", buf, sizeof(buf)), EACCES);
    EXPECT_OK(try_open("/proc/1/status", O_RDONLY));
    EXPECT_OK(try_open("/proc/1/cmdline", O_RDONLY));
    EXPECT_OK(try_open("/proc/1/stat", O_RDONLY));
    struct rlimit rl;
    EXPECT_ERRNO(prlimit(1, RLIMIT_NOFILE, NULL, &rl), EPERM);
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, 1); /* reading is allowed */
    EXPECT_EQ(errno, 0);
    /* Its current value: the ownership check comes first, and a wrong success changes
     * nothing. */
    EXPECT_ERRNO(setpriority(PRIO_PROCESS, 1, prio), EPERM);
}

/* ---- /proc/PID of another user ---- */

static void proc_denied(pid_t pid)
{
    char p[64], buf[PATH_MAX];
    const char *denied_open[] = {"environ", "mem", "maps", "fd", "auxv"};
    for (size_t i = 0; i < sizeof(denied_open) / sizeof(denied_open[0]); i++) {
        snprintf(p, sizeof(p), "/proc/%d/%s", pid, denied_open[i]);
        errno = 0;
        int fd = open(p, O_RDONLY);
        if (fd >= 0 || errno != EACCES)
            FAIL("open %s: %d, %s; want EACCES", p, fd, harness_errname(errno));
        if (fd >= 0)
            close(fd);
    }
    const char *denied_link[] = {"cwd", "root", "exe", "fd/0"};
    for (size_t i = 0; i < sizeof(denied_link) / sizeof(denied_link[0]); i++) {
        snprintf(p, sizeof(p), "/proc/%d/%s", pid, denied_link[i]);
        errno = 0;
        ssize_t n = readlink(p, buf, sizeof(buf));
        if (n >= 0 || errno != EACCES)
            FAIL("readlink %s: %zd, %s; want EACCES", p, n, harness_errname(errno));
    }
    const char *readable[] = {"status", "stat", "cmdline", "comm"};
    for (size_t i = 0; i < sizeof(readable) / sizeof(readable[0]); i++) {
        snprintf(p, sizeof(p), "/proc/%d/%s", pid, readable[i]);
        int fd = open(p, O_RDONLY);
        if (fd < 0)
            FAIL("open %s: %s; want success", p, harness_errname(errno));
        else if (read(fd, buf, sizeof(buf)) <= 0)
            FAIL("read %s: nothing", p);
        if (fd >= 0)
            close(fd);
    }
    unsigned ids[4];
    snprintf(p, sizeof(p), "/proc/%d/status", pid);
    status_ids(p, "Uid", ids);
    EXPECT_EQ(ids[0], U_A);
    /* A dumpable process's entries belong to its effective uid. */
    struct stat st;
    snprintf(p, sizeof(p), "/proc/%d/environ", pid);
    CHECK(stat(p, &st));
    EXPECT_EQ(st.st_uid, U_A);
    EXPECT_EQ(st.st_mode & 07777, 0400);
}

static int yama_restricts_attach(void)
{
    int v = sysctl_int("/proc/sys/kernel/yama/ptrace_scope");
    return v > 0;
}

static void proc_allowed(pid_t pid)
{
    char p[64], buf[PATH_MAX];
    snprintf(p, sizeof(p), "/proc/%d/environ", pid);
    EXPECT_OK(try_open(p, O_RDONLY));
    snprintf(p, sizeof(p), "/proc/%d/maps", pid);
    EXPECT_OK(try_open(p, O_RDONLY));
    snprintf(p, sizeof(p), "/proc/%d/fd", pid);
    EXPECT_OK(try_open(p, O_RDONLY | O_DIRECTORY));
    snprintf(p, sizeof(p), "/proc/%d/cwd", pid);
    EXPECT_TRUE(readlink(p, buf, sizeof(buf)) > 0);
    snprintf(p, sizeof(p), "/proc/%d/exe", pid);
    EXPECT_TRUE(readlink(p, buf, sizeof(buf)) > 0);
    if (!yama_restricts_attach()) {
        snprintf(p, sizeof(p), "/proc/%d/mem", pid);
        EXPECT_OK(try_open(p, O_RDONLY));
    }
}

TEST(proc_pid_files_of_another_user)
{
    require_targets();
    CHECK(chdir(harness_tmp)); /* the target's cwd must be readable as a link */
    struct target t = spawn_target(U_A, U_A, U_A, G_A, 0, 1);
    observer(U_B, U_B, U_B, G_B, proc_denied, t.pid);
    observer(U_A, U_A, U_A, G_A, proc_allowed, t.pid);
    if (have_caps(CAPBIT(CAP_SYS_PTRACE) | CAPBIT(CAP_DAC_OVERRIDE)))
        proc_allowed(t.pid);
    if (geteuid() == 0) {
        /* Without CAP_SYS_PTRACE, root passes the mode bits (CAP_DAC_OVERRIDE) but not the
         * ptrace-attach check of mem, nor the one of the cwd/root/exe links. */
        pid_t pid = CHECK(fork());
        if (pid == 0) {
            drop_eff(CAPBIT(CAP_SYS_PTRACE));
            char p[64], buf[PATH_MAX];
            snprintf(p, sizeof(p), "/proc/%d/mem", t.pid);
            EXPECT_ERRNO(open(p, O_RDONLY), EACCES);
            snprintf(p, sizeof(p), "/proc/%d/cwd", t.pid);
            EXPECT_ERRNO(readlink(p, buf, sizeof(buf)), EACCES);
            snprintf(p, sizeof(p), "/proc/%d/exe", t.pid);
            EXPECT_ERRNO(readlink(p, buf, sizeof(buf)), EACCES);
            snprintf(p, sizeof(p), "/proc/%d/status", t.pid);
            EXPECT_OK(try_open(p, O_RDONLY));
            child_done();
        }
        EXPECT_EXIT(pid, 0);
    }
    end_target(&t);
}

static void proc_nondumpable_same_user(pid_t pid)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/%d/environ", pid);
    struct stat st;
    CHECK(stat(p, &st));
    EXPECT_EQ(st.st_uid, 0);
    EXPECT_ERRNO(open(p, O_RDONLY), EACCES);
    snprintf(p, sizeof(p), "/proc/%d/fd", pid);
    EXPECT_ERRNO(open(p, O_RDONLY | O_DIRECTORY), EACCES);
    /* World-readable entries stay readable, though root's now. */
    snprintf(p, sizeof(p), "/proc/%d/status", pid);
    CHECK(stat(p, &st));
    EXPECT_EQ(st.st_uid, 0);
    EXPECT_OK(try_open(p, O_RDONLY));
    /* The directory itself keeps the task's owner. */
    snprintf(p, sizeof(p), "/proc/%d", pid);
    CHECK(stat(p, &st));
    EXPECT_EQ(st.st_uid, U_A);
}

TEST(proc_files_of_non_dumpable_process_belong_to_root)
{
    require_targets();
    struct target t = spawn_target(U_A, U_A, U_A, G_A, 0, 0);
    observer(U_A, U_A, U_A, G_A, proc_nondumpable_same_user, t.pid);
    end_target(&t);
}

/* ---- setpriority and prlimit ---- */

static void prio_other_user(pid_t pid)
{
    int mine = getpriority(PRIO_PROCESS, 0); /* the target inherited it */
    EXPECT_ERRNO(setpriority(PRIO_PROCESS, (id_t)pid, 10), EPERM);
    errno = 0;
    EXPECT_EQ(getpriority(PRIO_PROCESS, (id_t)pid), mine); /* reading is allowed */
    EXPECT_EQ(errno, 0);
}

static void prio_same_user(pid_t pid)
{
    EXPECT_OK(setpriority(PRIO_PROCESS, (id_t)pid, 10)); /* raising nice: allowed */
    EXPECT_EQ(getpriority(PRIO_PROCESS, (id_t)pid), 10);
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NICE, &rl)); /* the target inherited the same limit */
    /* Lowering below 20 - RLIMIT_NICE (the target's) needs CAP_SYS_NICE. */
    if (rl.rlim_cur < 11)
        EXPECT_ERRNO(setpriority(PRIO_PROCESS, (id_t)pid, 9), EACCES);
    EXPECT_EQ(getpriority(PRIO_PROCESS, (id_t)pid), rl.rlim_cur < 11 ? 10 : 9);
}

TEST(setpriority_on_another_users_process)
{
    require_targets();
    struct target t = spawn_target(U_A, U_A, U_A, G_A, 0, 1);
    observer(U_B, U_B, U_B, G_B, prio_other_user, t.pid);
    /* A matching effective uid is enough (the sender's euid vs the target's real or
     * effective uid). */
    observer(U_B, U_A, U_B, G_B, prio_same_user, t.pid);
    if (have_caps(CAPBIT(CAP_SYS_NICE)))
        EXPECT_OK(setpriority(PRIO_PROCESS, (id_t)t.pid, 0));
    end_target(&t);
}

static void prlimit_denied(pid_t pid)
{
    struct rlimit rl;
    EXPECT_ERRNO(prlimit(pid, RLIMIT_NOFILE, NULL, &rl), EPERM);
    CHECK(getrlimit(RLIMIT_NOFILE, &rl));
    EXPECT_ERRNO(prlimit(pid, RLIMIT_NOFILE, &rl, NULL), EPERM);
}

static void prlimit_allowed(pid_t pid)
{
    struct rlimit rl;
    EXPECT_OK(prlimit(pid, RLIMIT_NOFILE, NULL, &rl));
    struct rlimit lower = {rl.rlim_cur > 64 ? 64 : rl.rlim_cur, rl.rlim_max};
    EXPECT_OK(prlimit(pid, RLIMIT_NOFILE, &lower, NULL));
    struct rlimit now;
    EXPECT_OK(prlimit(pid, RLIMIT_NOFILE, NULL, &now));
    EXPECT_EQ(now.rlim_cur, lower.rlim_cur);
}

TEST(prlimit_on_another_process)
{
    require_targets();
    struct target t = spawn_target(U_A, U_A, U_A, G_A, 0, 1);
    observer(U_B, U_B, U_B, G_B, prlimit_denied, t.pid);
    observer(U_A, U_A, U_A, G_B, prlimit_denied, t.pid); /* the gids must match too */
    observer(U_A, U_A, U_A, G_A, prlimit_allowed, t.pid);
    end_target(&t);
    /* Root needs CAP_SYS_RESOURCE for another user's process (this machine's root may
     * lack it). */
    t = spawn_target(U_A, U_A, U_A, G_A, 0, 1);
    struct rlimit rl;
    if (have_caps(CAPBIT(CAP_SYS_RESOURCE)))
        EXPECT_OK(prlimit(t.pid, RLIMIT_NOFILE, NULL, &rl));
    else
        EXPECT_ERRNO(prlimit(t.pid, RLIMIT_NOFILE, NULL, &rl), EPERM);
    end_target(&t);
}
