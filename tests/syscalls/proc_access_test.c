// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for who may look into /proc/<pid>: the ptrace-class check (same thread
 * group, or all of the target's uids and gids equal to the caller's fs ids and the target
 * dumpable, or CAP_SYS_PTRACE) on environ, maps, io, fdinfo, the exe/cwd/root/fd links, and
 * the fields of stat it hides; the files everybody may read; the ownership of a process's
 * files (its effective ids, root when it is not dumpable); and comm written by another
 * process. Run as root: children take other ids. */
#include <dirent.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "tests/syscalls/harness.h"

#define OTHER_UID 4321
#define OTHER_GID 4321

/* A process kept alive until release_target(): its pid and the pipe end that ends it. */
struct target {
    pid_t pid;
    int release_fd;
};

/* Take uid and gid @id (all four of each, no supplementary groups), in a child of a root
 * test. The change makes the process non-dumpable; @dumpable makes it dumpable again. */
static void become(unsigned id, int dumpable)
{
    if (setgroups(0, NULL) != 0 || setresgid(id, id, id) != 0 || setresuid(id, id, id) != 0)
        FATAL("cannot become %u: %s", id, strerror(errno));
    if (dumpable && prctl(PR_SET_DUMPABLE, 1) != 0)
        FATAL("PR_SET_DUMPABLE: %s", strerror(errno));
}

/* Fork a process that runs as @id (0: stays root) and waits; its cwd is /tmp and it holds
 * a pipe on fd 0. Returns when it is ready. */
static struct target start_target(unsigned id, int dumpable)
{
    int ready[2], hold[2];
    CHECK(pipe(ready));
    CHECK(pipe(hold));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        close(ready[0]);
        close(hold[1]);
        dup2(hold[0], 0);
        if (chdir("/tmp") != 0)
            _exit(3);
        if (id != 0)
            become(id, dumpable);
        else if (!dumpable)
            prctl(PR_SET_DUMPABLE, 0);
        char c = 'r';
        if (write(ready[1], &c, 1) != 1)
            _exit(4);
        (void)!read(0, &c, 1); /* until the test releases us */
        _exit(0);
    }
    close(ready[1]);
    close(hold[0]);
    char c;
    if (read(ready[0], &c, 1) != 1)
        FATAL("target did not start");
    close(ready[0]);
    return (struct target){pid, hold[1]};
}

static void release_target(struct target *t)
{
    close(t->release_fd);
    EXPECT_EXIT(t->pid, 0);
}

static const char *ppath(pid_t pid, const char *name)
{
    static char bufs[4][128];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof(bufs[0]), "/proc/%d/%s", (int)pid, name);
    return b;
}

static int open_errno(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno;
}

static int readlink_errno(const char *path)
{
    char buf[PATH_MAX];
    return readlink(path, buf, sizeof(buf)) >= 0 ? 0 : errno;
}

/* Open and read the whole of @path; 0 or the errno of the first call that failed. */
static int read_errno(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return errno;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        ;
    int e = n < 0 ? errno : 0;
    close(fd);
    return e;
}

static int opendir_errno(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return errno;
    closedir(d);
    return 0;
}

/* Field @k (1-based, as proc(5) numbers them) of /proc/<pid>/stat. */
static unsigned long long stat_field(pid_t pid, int k)
{
    char buf[2048];
    read_file(ppath(pid, "stat"), buf, sizeof(buf));
    char *p = strrchr(buf, ')');
    if (!p)
        FATAL("bad stat line");
    p += 2; /* field 3 */
    for (int i = 3; i < k; i++) {
        p = strchr(p, ' ');
        if (!p)
            FATAL("stat has no field %d", k);
        p++;
    }
    return strtoull(p, NULL, 10);
}

static void need_root(void)
{
    if (geteuid() != 0)
        SKIP("needs uid 0 to take other ids");
}

/* What another user may not see of a root process, and what it still may. */
static void check_denied(pid_t pid)
{
    EXPECT_EQ(open_errno(ppath(pid, "environ")), EACCES);
    EXPECT_EQ(open_errno(ppath(pid, "maps")), EACCES);
    EXPECT_EQ(open_errno(ppath(pid, "io")), EACCES);
    EXPECT_EQ(readlink_errno(ppath(pid, "exe")), EACCES);
    EXPECT_EQ(readlink_errno(ppath(pid, "cwd")), EACCES);
    EXPECT_EQ(readlink_errno(ppath(pid, "root")), EACCES);
    EXPECT_EQ(opendir_errno(ppath(pid, "fd")), EACCES);
    EXPECT_EQ(readlink_errno(ppath(pid, "fd/0")), EACCES);
    EXPECT_EQ(opendir_errno(ppath(pid, "fdinfo")), EACCES);
    EXPECT_EQ(open_errno(ppath(pid, "fdinfo/0")), EACCES);
    EXPECT_EQ(opendir_errno(ppath(pid, "cwd/")), EACCES);
    char tpath_[64];
    snprintf(tpath_, sizeof(tpath_), "task/%d/environ", (int)pid);
    EXPECT_EQ(open_errno(ppath(pid, tpath_)), EACCES);
    snprintf(tpath_, sizeof(tpath_), "task/%d/exe", (int)pid);
    EXPECT_EQ(readlink_errno(ppath(pid, tpath_)), EACCES);
    /* What everybody may read. */
    EXPECT_EQ(read_errno(ppath(pid, "status")), 0);
    EXPECT_EQ(read_errno(ppath(pid, "cmdline")), 0);
    EXPECT_EQ(read_errno(ppath(pid, "stat")), 0);
    EXPECT_EQ(read_errno(ppath(pid, "statm")), 0);
    EXPECT_EQ(read_errno(ppath(pid, "comm")), 0);
    EXPECT_EQ(read_errno(ppath(pid, "limits")), 0);
    EXPECT_EQ(opendir_errno(ppath(pid, "task")), 0);
    /* stat hides the addresses: startstack (28) and arg_start (48) read 0. */
    EXPECT_EQ(stat_field(pid, 28), 0);
    EXPECT_EQ(stat_field(pid, 48), 0);
}

/* What a permitted reader sees of process @pid. */
static void check_allowed(pid_t pid)
{
    EXPECT_EQ(read_errno(ppath(pid, "environ")), 0);
    EXPECT_EQ(read_errno(ppath(pid, "maps")), 0);
    EXPECT_EQ(read_errno(ppath(pid, "io")), 0);
    EXPECT_EQ(readlink_errno(ppath(pid, "exe")), 0);
    EXPECT_EQ(readlink_errno(ppath(pid, "root")), 0);
    EXPECT_EQ(opendir_errno(ppath(pid, "fd")), 0);
    EXPECT_EQ(readlink_errno(ppath(pid, "fd/0")), 0);
    EXPECT_EQ(read_errno(ppath(pid, "fdinfo/0")), 0);
    char buf[PATH_MAX];
    ssize_t n = readlink(ppath(pid, "cwd"), buf, sizeof(buf) - 1);
    EXPECT_TRUE(n > 0);
    buf[n > 0 ? n : 0] = '\0';
    EXPECT_STREQ(buf, "/tmp");
    EXPECT_NE(stat_field(pid, 28), 0);
    EXPECT_NE(stat_field(pid, 48), 0);
}

TEST(other_user_is_denied_root_process)
{
    need_root();
    struct target t = start_target(0, 1);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become(OTHER_UID, 1);
        check_denied(t.pid);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    release_target(&t);
}

TEST(same_user_may_look_at_dumpable_process)
{
    need_root();
    struct target t = start_target(OTHER_UID, 1);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become(OTHER_UID, 0); /* the reader's own dumpability does not matter */
        check_allowed(t.pid);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    release_target(&t);
}

TEST(root_may_look_at_other_users)
{
    need_root();
    struct target t = start_target(OTHER_UID, 0);
    check_allowed(t.pid);
    release_target(&t);
}

TEST(same_user_is_denied_non_dumpable_process)
{
    need_root();
    struct target t = start_target(OTHER_UID, 0);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become(OTHER_UID, 1);
        /* maps is mode 0444: only the ptrace check stops it. */
        EXPECT_EQ(open_errno(ppath(t.pid, "maps")), EACCES);
        EXPECT_EQ(open_errno(ppath(t.pid, "environ")), EACCES);
        EXPECT_EQ(readlink_errno(ppath(t.pid, "exe")), EACCES);
        EXPECT_EQ(readlink_errno(ppath(t.pid, "cwd")), EACCES);
        EXPECT_EQ(read_errno(ppath(t.pid, "status")), 0);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    release_target(&t);
}

/* A uid mismatch in any of real, effective or saved denies: the reader's fsuid must equal
 * all three. */
TEST(saved_uid_mismatch_denies)
{
    need_root();
    struct target t = start_target(0, 1);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        /* The target is 0/0/0; the reader keeps saved uid 0 but runs as OTHER_UID. */
        if (setgroups(0, NULL) != 0 || setresgid(OTHER_GID, OTHER_GID, 0) != 0 ||
            setresuid(OTHER_UID, OTHER_UID, 0) != 0)
            FATAL("setresuid: %s", strerror(errno));
        EXPECT_EQ(open_errno(ppath(t.pid, "environ")), EACCES);
        EXPECT_EQ(readlink_errno(ppath(t.pid, "exe")), EACCES);
        /* Back to root through the saved uid: allowed again. */
        CHECK(setresuid(0, 0, 0));
        CHECK(setresgid(0, 0, 0));
        EXPECT_EQ(read_errno(ppath(t.pid, "environ")), 0);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    release_target(&t);
}

/* The check uses the fs ids: a root process with fsuid OTHER_UID is another user. */
TEST(fsuid_is_what_counts)
{
    need_root();
    struct target t = start_target(0, 1);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        /* fsuid != 0 also clears the filesystem capabilities, not CAP_SYS_PTRACE. */
        setfsuid(OTHER_UID);
        setfsgid(OTHER_GID);
        EXPECT_EQ(setfsuid(-1), OTHER_UID);
        /* Still CAP_SYS_PTRACE: allowed. */
        EXPECT_EQ(readlink_errno(ppath(t.pid, "exe")), 0);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    release_target(&t);
}

/* Clear capabilities @caps (a mask) from the effective set. */
static int drop_effective_caps(unsigned long long caps)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0)
        return -1;
    d[0].effective &= ~(unsigned)caps;
    d[1].effective &= ~(unsigned)(caps >> 32);
    return (int)syscall(SYS_capset, &h, d);
}

#define CAPBIT(c) (1ull << (c))
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif

/* Without CAP_SYS_PTRACE a root process may not look at one whose permitted set is larger
 * than its effective one (the capability module's rule), even with the same ids. The files
 * of a process's memory (environ, maps) are also open to CAP_PERFMON and CAP_SYS_ADMIN
 * (recent Linux), the others are not. */
TEST(root_without_cap_sys_ptrace)
{
    need_root();
    struct target t = start_target(0, 1);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        CHECK(drop_effective_caps(CAPBIT(CAP_SYS_PTRACE)));
        EXPECT_EQ(readlink_errno(ppath(t.pid, "exe")), EACCES);
        EXPECT_EQ(readlink_errno(ppath(t.pid, "fd/0")), EACCES);
        EXPECT_EQ(open_errno(ppath(t.pid, "fdinfo/0")), EACCES);
        EXPECT_EQ(read_errno(ppath(t.pid, "environ")), 0);
        EXPECT_EQ(read_errno(ppath(t.pid, "maps")), 0);
        /* io is 0400 and ours by owner: the open works, the read is refused. */
        int fd = open(ppath(t.pid, "io"), O_RDONLY);
        EXPECT_TRUE(fd >= 0);
        char buf[256];
        if (fd >= 0) {
            EXPECT_ERRNO(read(fd, buf, sizeof(buf)), EACCES);
            close(fd);
        }
        EXPECT_EQ(stat_field(t.pid, 28), 0);
        CHECK(drop_effective_caps(CAPBIT(CAP_SYS_ADMIN) | CAPBIT(CAP_PERFMON)));
        EXPECT_EQ(open_errno(ppath(t.pid, "environ")), EACCES);
        EXPECT_EQ(open_errno(ppath(t.pid, "maps")), EACCES);
        /* Our own process is always allowed. */
        EXPECT_EQ(read_errno("/proc/self/environ"), 0);
        EXPECT_EQ(read_errno("/proc/self/io"), 0);
        EXPECT_EQ(readlink_errno("/proc/self/exe"), 0);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    release_target(&t);
}

/* A root process whose permitted set is no larger than the caller's is open to it without
 * CAP_SYS_PTRACE. */
TEST(root_target_without_capabilities)
{
    need_root();
    int ready[2], hold[2];
    CHECK(pipe(ready));
    CHECK(pipe(hold));
    pid_t target = CHECK(fork());
    if (target == 0) {
        char c;
        close(hold[1]);
        struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct d[2] = {{0}};
        CHECK(syscall(SYS_capset, &h, d));
        CHECK(write(ready[1], "r", 1));
        (void)!read(hold[0], &c, 1);
        _exit(0);
    }
    close(hold[0]);
    char c;
    CHECK(read(ready[0], &c, 1));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        CHECK(drop_effective_caps(CAPBIT(CAP_SYS_PTRACE) | CAPBIT(CAP_SYS_ADMIN) |
                                  CAPBIT(CAP_PERFMON)));
        EXPECT_EQ(readlink_errno(ppath(target, "exe")), 0);
        EXPECT_EQ(read_errno(ppath(target, "environ")), 0);
        EXPECT_EQ(read_errno(ppath(target, "io")), 0);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    close(hold[1]);
    EXPECT_EXIT(target, 0);
}

/* A process that is not dumpable still sees its own files: fd/ (root-owned 0500) and maps,
 * exe, cwd. */
TEST(non_dumpable_process_sees_itself)
{
    need_root();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become(OTHER_UID, 0);
        EXPECT_EQ(prctl(PR_GET_DUMPABLE), 0);
        struct stat st;
        CHECK(stat("/proc/self/fd", &st));
        EXPECT_EQ(st.st_uid, 0);
        EXPECT_EQ(opendir_errno("/proc/self/fd"), 0);
        EXPECT_EQ(readlink_errno("/proc/self/fd/0"), 0);
        EXPECT_EQ(read_errno("/proc/self/maps"), 0);
        EXPECT_EQ(readlink_errno("/proc/self/exe"), 0);
        EXPECT_EQ(readlink_errno("/proc/self/cwd"), 0);
        /* environ is 0400 and now root's: the mode stops even the process itself. */
        EXPECT_EQ(open_errno("/proc/self/environ"), EACCES);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
}

/* The files of a process belong to its effective ids, to root once it is not dumpable;
 * the world-readable directories (the process's own, task/, fdinfo/) keep its ids. */
TEST(owner_follows_dumpable)
{
    need_root();
    int go[2], ack[2];
    CHECK(pipe(go));
    CHECK(pipe(ack));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char c;
        become(OTHER_UID, 0); /* not dumpable */
        CHECK(write(ack[1], "a", 1));
        CHECK(read(go[0], &c, 1));
        CHECK(prctl(PR_SET_DUMPABLE, 1));
        CHECK(write(ack[1], "b", 1));
        CHECK(read(go[0], &c, 1));
        _exit(0);
    }
    static const char *const files[] = {"status", "environ", "fd", "maps", "exe", "io"};
    static const char *const dirs[] = {"", "task", "fdinfo"};
    char c;
    struct stat st;
    CHECK(read(ack[0], &c, 1));
    for (int round = 0; round < 2; round++) {
        unsigned want = round == 0 ? 0 : OTHER_UID; /* not dumpable, then dumpable */
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
            CHECK(lstat(ppath(pid, files[i]), &st));
            if (st.st_uid != want || st.st_gid != want)
                FAIL("%s: owner %u:%u, want %u", files[i], st.st_uid, st.st_gid, want);
        }
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
            CHECK(lstat(ppath(pid, dirs[i]), &st));
            if (st.st_uid != OTHER_UID || st.st_gid != OTHER_GID)
                FAIL("%s/: owner %u:%u, want %u", dirs[i], st.st_uid, st.st_gid, OTHER_UID);
        }
        CHECK(write(go[1], "g", 1));
        if (round == 0)
            CHECK(read(ack[0], &c, 1));
    }
    EXPECT_EXIT(pid, 0);
}

/* Only a thread of the process may rename it through comm; others get EINVAL (after an
 * open that the mode allows). */
TEST(comm_write_by_other_process)
{
    struct target t = start_target(0, 1);
    int fd = CHECK(open(ppath(t.pid, "comm"), O_WRONLY));
    EXPECT_ERRNO(write(fd, "renamed", 7), EINVAL);
    close(fd);
    char buf[64];
    read_file(ppath(t.pid, "comm"), buf, sizeof(buf));
    EXPECT_TRUE(strncmp(buf, "renamed", 7) != 0);
    fd = CHECK(open("/proc/self/comm", O_WRONLY));
    EXPECT_EQ(write(fd, "mine", 4), 4);
    close(fd);
    read_file("/proc/self/comm", buf, sizeof(buf));
    EXPECT_STREQ(buf, "mine\n");
    release_target(&t);
}

/* /proc/sys follows the mode for euid 0 (owner bits) and everyone else (other bits), and
 * capabilities do not count. Nothing here writes a sysctl. */
TEST(sysctl_write_needs_root)
{
    need_root();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become(OTHER_UID, 0);
        EXPECT_EQ(read_errno("/proc/sys/kernel/hostname"), 0);
        EXPECT_ERRNO(open("/proc/sys/kernel/hostname", O_WRONLY), EACCES);
        EXPECT_ERRNO(open("/proc/sys/kernel/pid_max", O_WRONLY), EACCES);
        EXPECT_ERRNO(open("/proc/sys/vm/overcommit_memory", O_RDWR), EACCES);
        EXPECT_ERRNO(open("/proc/sys/kernel/ostype", O_WRONLY), EACCES);
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    /* Read-only sysctls are read-only for root too, whatever its capabilities. */
    EXPECT_ERRNO(open("/proc/sys/kernel/ostype", O_WRONLY), EACCES);
    EXPECT_ERRNO(open("/proc/sys/kernel/osrelease", O_WRONLY), EACCES);
    struct stat st;
    CHECK(stat("/proc/sys/kernel/hostname", &st));
    EXPECT_EQ(st.st_mode, S_IFREG | 0644);
    EXPECT_EQ(st.st_uid, 0);
    CHECK(stat("/proc/sys/kernel/ostype", &st));
    EXPECT_EQ(st.st_mode, S_IFREG | 0444);
}

/* A process's own files that have no write method: the open (allowed by the mode for
 * root) works and the write fails. */
TEST(write_to_read_only_proc_file)
{
    need_root();
    int fd = CHECK(open("/proc/self/status", O_WRONLY));
    EXPECT_ERRNO(write(fd, "x", 1), EINVAL);
    close(fd);
    fd = CHECK(open("/proc/meminfo", O_WRONLY));
    EXPECT_ERRNO(write(fd, "x", 1), EIO);
    close(fd);
}

/* Writing kernel.hostname as root. Natively only in a UTS namespace of its own (this test
 * runs in a process of its own); the sandbox, which has no namespaces, has a hostname of
 * its own anyway. */
TEST(sysctl_hostname_write)
{
    need_root();
    struct utsname u;
    CHECK(uname(&u));
    if (syscall(SYS_unshare, 0x04000000 /* CLONE_NEWUTS */) != 0 && !strstr(u.version, "cvisor"))
        SKIP("no UTS namespace to write the hostname in");
    int fd = CHECK(open("/proc/sys/kernel/hostname", O_WRONLY));
    EXPECT_EQ(write(fd, "cv-test\nignored", 15), 15);
    close(fd);
    char buf[128];
    EXPECT_OK(gethostname(buf, sizeof(buf)));
    EXPECT_STREQ(buf, "cv-test");
    read_file("/proc/sys/kernel/hostname", buf, sizeof(buf));
    EXPECT_STREQ(buf, "cv-test\n");
}

/* fd/N shows the descriptor's access mode: r-x for reading, -wx for writing. */
TEST(fd_link_mode)
{
    int p[2];
    CHECK(pipe(p));
    struct stat st;
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
    CHECK(lstat(path, &st));
    EXPECT_EQ(st.st_mode, S_IFLNK | 0500);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
    CHECK(lstat(path, &st));
    EXPECT_EQ(st.st_mode, S_IFLNK | 0300);
    CHECK(stat("/proc/self/fdinfo", &st));
    EXPECT_EQ(st.st_mode, S_IFDIR | 0555);
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", p[0]);
    CHECK(stat(path, &st));
    EXPECT_EQ(st.st_mode, S_IFREG | 0444);
}
