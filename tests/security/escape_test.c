// SPDX-License-Identifier: Apache-2.0
/*
 * Escape attempts, run by security.sh once natively (where each attempt must SUCCEED, which
 * proves the attempt is a real one) and once inside the sandbox (where each must FAIL).
 *   escape_test EXPECT MODE ARGS...   EXPECT: "escape" (native) or "confined" (sandbox)
 * Modes: read, file, race, create, unimplemented, pids (see each function).
 * Prints TAP; exits 0 when every attempt met the expectation.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SECRET "HOST-SECRET"

static bool g_expect_escape;
static int g_n, g_failed;

/* Report one attempt: @escaped says whether it reached the host. */
static void report(const char *what, bool escaped, int err)
{
    bool ok = escaped == g_expect_escape;
    g_n++;
    if (!ok)
        g_failed++;
    printf("%sok %d - %s: %s (%s)\n", ok ? "" : "not ", g_n, what,
           escaped ? "reached the host" : "refused", escaped ? "-" : strerror(err));
}

static void skip(const char *what, const char *why)
{
    printf("ok %d - %s # SKIP %s\n", ++g_n, what, why);
}

/* Open @path and check that it is the host's secret. Returns true if it is. */
static bool read_secret(int dirfd, const char *path, int *err)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *err = errno;
        return false;
    }
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    *err = ENODATA;
    return n > 0 && strncmp(buf, SECRET, strlen(SECRET)) == 0;
}

static void try_read(const char *what, int dirfd, const char *path)
{
    int err = 0;
    bool got = read_secret(dirfd, path, &err);
    report(what, got, err);
}

/*
 * read SECRET_ABS ROOT: the host file SECRET_ABS (outside the sandbox root ROOT; ROOT is the
 * path of the sandbox root as the program sees it: the host path natively, "/" inside).
 */
static void mode_read(const char *secret, const char *root)
{
    char path[4096];
    try_read("absolute path", AT_FDCWD, secret);

    snprintf(path, sizeof(path), "../../../../../../../../../..%s", secret);
    if (chdir(root) == 0)
        try_read("../ from the root", AT_FDCWD, path);
    int rootfd = open(root, O_PATH | O_DIRECTORY);
    try_read("../ relative to a root descriptor", rootfd, path);

    snprintf(path, sizeof(path), "%s/escape_link", root);
    try_read("symlink planted in the root", AT_FDCWD, path);
    snprintf(path, sizeof(path), "%s/escape_dirlink/host_secret.txt", root);
    try_read("directory symlink planted in the root", AT_FDCWD, path);

    snprintf(path, sizeof(path), "/proc/self/root%s", secret);
    try_read("/proc/self/root", AT_FDCWD, path);
    snprintf(path, sizeof(path), "/proc/1/root%s", secret);
    int err = 0;
    bool got = read_secret(AT_FDCWD, path, &err);
    if (g_expect_escape && !got && (err == EACCES || err == EPERM))
        skip("/proc/1/root", "the host's init is not ours to look into");
    else
        report("/proc/1/root", got, err);
    snprintf(path, sizeof(path), "/proc/%d/cwd/../../../../../../..%s", getpid(), secret);
    try_read("/proc/PID/cwd/..", AT_FDCWD, path);

    /* The classic chroot escape: chroot into a subdirectory keeping the cwd outside it. */
    if (geteuid() != 0) {
        skip("chroot escape", "not root");
    } else {
        snprintf(path, sizeof(path), "%s/jail", root);
        if (chdir(root) < 0 || chroot(path) < 0) {
            report("chroot escape", false, errno);
        } else {
            snprintf(path, sizeof(path), "../../../../../../../../..%s", secret);
            try_read("chroot escape", AT_FDCWD, path);
        }
    }
    if (rootfd >= 0)
        close(rootfd);
}

/*
 * race PATH SECONDS: security.sh swaps a directory on PATH's way with a symlink pointing out
 * of the root, over and over, from the host; open PATH until the host's secret is read or
 * SECONDS have passed.
 */
static void mode_race(const char *path, int seconds)
{
    time_t end = time(NULL) + seconds;
    long tries = 0;
    int err = ENOENT;
    bool got = false;
    while (!got && time(NULL) < end) {
        for (int i = 0; i < 100 && !got; i++, tries++)
            got = read_secret(AT_FDCWD, path, &err);
    }
    printf("# %ld opens\n", tries);
    report("a directory swapped with a symlink during the walk", got, err);
}

/*
 * create ROOT: create files in the root with raw system calls; security.sh checks from the
 * host side whether they appeared. Prints what each call returned.
 */
static void mode_create(const char *root)
{
    char path[4096];
    struct {
        const char *name;
        long ret;
    } r[4];
    snprintf(path, sizeof(path), "%s/probe_fifo", root);
    r[0].name = "mknodat";
    r[0].ret = syscall(SYS_mknodat, AT_FDCWD, path, S_IFIFO | 0644, 0);
    snprintf(path, sizeof(path), "%s/probe_dir", root);
    r[1].name = "mkdirat";
    r[1].ret = syscall(SYS_mkdirat, AT_FDCWD, path, 0755);
    snprintf(path, sizeof(path), "%s/probe_link", root);
    r[2].name = "symlinkat";
    r[2].ret = syscall(SYS_symlinkat, "/etc/passwd", AT_FDCWD, path);
    snprintf(path, sizeof(path), "%s/probe_file", root);
    r[3].name = "openat(O_CREAT)";
    r[3].ret = syscall(SYS_openat, AT_FDCWD, path, O_CREAT | O_WRONLY, 0644);
    for (int i = 0; i < 4; i++)
        printf("# %s: %ld (%s)\n", r[i].name, r[i].ret, r[i].ret < 0 ? strerror(errno) : "ok");
    printf("1..0 # SKIP the host side checks the result\n");
}

/* unimplemented: raw calls the Sentry does not implement must fail without reaching the host. */
static void mode_unimplemented(void)
{
    static const struct {
        long nr;
        const char *name;
    } calls[] = {
        {SYS_open_by_handle_at, "open_by_handle_at"},
        {SYS_name_to_handle_at, "name_to_handle_at"},
        {SYS_mount, "mount"},
        {SYS_umount2, "umount2"},
        {SYS_pivot_root, "pivot_root"},
        {SYS_unshare, "unshare"},
        {SYS_setns, "setns"},
        {SYS_ptrace, "ptrace"},
        {SYS_process_vm_readv, "process_vm_readv"},
        {SYS_bpf, "bpf"},
        {SYS_perf_event_open, "perf_event_open"},
        {SYS_userfaultfd, "userfaultfd"},
        {SYS_io_uring_setup, "io_uring_setup"},
        {SYS_init_module, "init_module"},
        {SYS_kexec_load, "kexec_load"},
        {SYS_reboot, "reboot"},
    };
    if (g_expect_escape) {
        printf("1..0 # SKIP natively these calls would act on the host\n");
        exit(0);
    }
    static char handle[128];
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        /* Arguments that would do something if the call reached the host as root. */
        errno = 0;
        long ret;
        if (calls[i].nr == SYS_reboot)
            ret = syscall(SYS_reboot, 0xfee1deadL, 672274793L, 0L, NULL); /* CAD_OFF */
        else if (calls[i].nr == SYS_unshare)
            ret = syscall(SYS_unshare, 0x10000000L); /* CLONE_NEWUSER */
        else if (calls[i].nr == SYS_mount)
            ret = syscall(SYS_mount, "none", "/", "tmpfs", 0L, NULL);
        else
            ret = syscall(calls[i].nr, 1L, (long)handle, 0L, 0L, 0L, 0L);
        int err = errno;
        /* ENOSYS: the Sentry refused it; anything but success is a refusal. */
        report(calls[i].name, ret >= 0, err);
    }
}

/* pids PID...: host processes (the runtime, the gofer, the Sentry) must be invisible. */
static void mode_pids(int n, char **pids)
{
    for (int i = 0; i < n; i++) {
        pid_t pid = (pid_t)atoi(pids[i]);
        char what[64];
        if (!g_expect_escape && pid < 1000) {
            snprintf(what, sizeof(what), "host pid %d", pid);
            skip(what, "too small: might be a sandbox pid");
            continue;
        }
        snprintf(what, sizeof(what), "kill(%d, 0)", pid);
        int r = kill(pid, 0);
        report(what, r == 0, errno);
        snprintf(what, sizeof(what), "kill(%d, SIGSTOP)", pid);
        if (g_expect_escape) {
            skip(what, "natively this would stop the process");
        } else {
            r = kill(pid, SIGSTOP);
            report(what, r == 0, errno);
        }
        snprintf(what, sizeof(what), "ptrace(PTRACE_SEIZE, %d)", pid);
        if (g_expect_escape) {
            skip(what, "natively this would trace the process");
        } else {
            r = (int)ptrace(PTRACE_SEIZE, pid, 0, 0);
            report(what, r == 0, errno);
        }
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) {
        fprintf(stderr, "usage: escape_test escape|confined MODE ARGS...\n");
        return 2;
    }
    g_expect_escape = strcmp(argv[1], "escape") == 0;
    const char *mode = argv[2];
    printf("# expecting every attempt to %s\n",
           g_expect_escape ? "reach the host (native run)" : "fail (sandbox run)");
    if (strcmp(mode, "read") == 0 && argc == 5)
        mode_read(argv[3], argv[4]);
    else if (strcmp(mode, "file") == 0 && argc == 4)
        try_read(argv[3], AT_FDCWD, argv[3]);
    else if (strcmp(mode, "race") == 0 && argc == 5)
        mode_race(argv[3], atoi(argv[4]));
    else if (strcmp(mode, "create") == 0 && argc == 4)
        mode_create(argv[3]);
    else if (strcmp(mode, "unimplemented") == 0)
        mode_unimplemented();
    else if (strcmp(mode, "pids") == 0)
        mode_pids(argc - 3, argv + 3);
    else
        return 2;
    if (g_n)
        printf("1..%d\n", g_n);
    return g_failed ? 1 : 0;
}
