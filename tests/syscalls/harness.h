// SPDX-License-Identifier: Apache-2.0
/* Header-only TAP harness for the syscall conformance programs. Each TEST() runs in a forked
 * child with a timeout; main() prints the TAP plan and one ok/not ok line per test. A test file
 * may also define SUBPROG()s, entry points run when the program re-executes itself with
 * "--sub NAME ARGS..." (used by execve tests). */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HARNESS_MAX_TESTS 128
#define HARNESS_TIMEOUT_SEC 20
#define HARNESS_SKIP_EXIT 77
#define HARNESS_SKIP_FD_MIN 900

typedef void (*harness_test_fn)(void);
typedef int (*harness_sub_fn)(int argc, char **argv);

struct harness_test {
    const char *name;
    harness_test_fn fn;
    int line; /* Definition order; constructors may run in any order. */
};

struct harness_sub {
    const char *name;
    harness_sub_fn fn;
};

static struct harness_test harness_tests[HARNESS_MAX_TESTS];
static int harness_ntests;
static struct harness_sub harness_subs[16];
static int harness_nsubs;
static int harness_failed;         /* Set in the test child when an EXPECT fails. */
static int harness_skip_fd = -1;   /* Write end of the per-test skip-reason pipe. */
static char harness_tmp[256];      /* Per-test scratch directory under /tmp. */
static char harness_exe[PATH_MAX]; /* Absolute path of this program, for self-exec. */
static int harness_argc;           /* main's arguments, for programs that take options */
static char **harness_argv;

__attribute__((unused)) static void harness_register(const char *name, harness_test_fn fn, int line)
{
    if (harness_ntests >= HARNESS_MAX_TESTS)
        abort();
    harness_tests[harness_ntests++] = (struct harness_test){name, fn, line};
}

__attribute__((unused)) static void harness_register_sub(const char *name, harness_sub_fn fn)
{
    if (harness_nsubs >= (int)(sizeof(harness_subs) / sizeof(harness_subs[0])))
        abort();
    harness_subs[harness_nsubs++] = (struct harness_sub){name, fn};
}

#define TEST(name)                                                                                 \
    static void harness_test_##name(void);                                                         \
    __attribute__((constructor)) static void harness_ctor_##name(void)                             \
    {                                                                                              \
        harness_register(#name, harness_test_##name, __LINE__);                                    \
    }                                                                                              \
    static void harness_test_##name(void)

#define SUBPROG(name)                                                                              \
    static int harness_sub_##name(int argc, char **argv);                                          \
    __attribute__((constructor)) static void harness_subctor_##name(void)                          \
    {                                                                                              \
        harness_register_sub(#name, harness_sub_##name);                                           \
    }                                                                                              \
    static int harness_sub_##name(int argc, char **argv)

/* Prints one "# ..." diagnostic line and flushes, so forked children never duplicate output. */
__attribute__((unused, format(printf, 1, 2))) static void harness_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", stdout);
    vprintf(fmt, ap);
    fputs("\n", stdout);
    fflush(stdout);
    va_end(ap);
}

__attribute__((unused)) static const char *harness_errname(int e)
{
    const char *n = strerrorname_np(e);
    return n ? n : "E?";
}

/* Marks the current test failed without stopping it. */
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        harness_diag("%s:%d: failure", __FILE__, __LINE__);                                        \
        harness_diag(__VA_ARGS__);                                                                 \
        harness_failed = 1;                                                                        \
    } while (0)

/* Stops the current process (test child or its own child) with a failure. */
#define FATAL(...)                                                                                 \
    do {                                                                                           \
        FAIL(__VA_ARGS__);                                                                         \
        _exit(1);                                                                                  \
    } while (0)

/* Ends the current test as skipped; only for what the machine truly lacks. */
#define SKIP(...)                                                                                  \
    do {                                                                                           \
        char harness_reason_[256];                                                                 \
        int harness_len_ = snprintf(harness_reason_, sizeof(harness_reason_), __VA_ARGS__);        \
        if (harness_skip_fd >= 0 && harness_len_ > 0)                                              \
            (void)!write(harness_skip_fd, harness_reason_, strlen(harness_reason_));               \
        fflush(stdout);                                                                            \
        _exit(HARNESS_SKIP_EXIT);                                                                  \
    } while (0)

/* Evaluates a syscall-like expression; -1 ends the test, otherwise the value is returned. */
#define CHECK(expr)                                                                                \
    ({                                                                                             \
        errno = 0;                                                                                 \
        __typeof__(expr) harness_r_ = (expr);                                                      \
        if ((long)harness_r_ == -1L) {                                                             \
            int harness_e_ = errno;                                                                \
            FATAL("CHECK(%s) failed: %s (%s)", #expr, harness_errname(harness_e_),                 \
                  strerror(harness_e_));                                                           \
        }                                                                                          \
        harness_r_;                                                                                \
    })

/* As CHECK, but a -1 only marks the test failed and the test continues. */
#define EXPECT_OK(expr)                                                                            \
    ({                                                                                             \
        errno = 0;                                                                                 \
        __typeof__(expr) harness_r_ = (expr);                                                      \
        if ((long)harness_r_ == -1L) {                                                             \
            int harness_e_ = errno;                                                                \
            FAIL("EXPECT_OK(%s) failed: %s (%s)", #expr, harness_errname(harness_e_),              \
                 strerror(harness_e_));                                                            \
        }                                                                                          \
        harness_r_;                                                                                \
    })

#define EXPECT_ERRNO(expr, E)                                                                      \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long harness_r_ = (long)(expr);                                                            \
        int harness_e_ = errno;                                                                    \
        if (harness_r_ != -1L || harness_e_ != (E))                                                \
            FAIL("EXPECT_ERRNO(%s, %s): got %ld, errno %s", #expr, #E, harness_r_,                 \
                 harness_r_ == -1L ? harness_errname(harness_e_) : "-");                           \
    } while (0)

#define EXPECT_EQ(a, b)                                                                            \
    do {                                                                                           \
        long long harness_a_ = (long long)(a), harness_b_ = (long long)(b);                        \
        if (harness_a_ != harness_b_)                                                              \
            FAIL("EXPECT_EQ(%s, %s): %lld != %lld", #a, #b, harness_a_, harness_b_);               \
    } while (0)

#define EXPECT_NE(a, b)                                                                            \
    do {                                                                                           \
        long long harness_a_ = (long long)(a), harness_b_ = (long long)(b);                        \
        if (harness_a_ == harness_b_)                                                              \
            FAIL("EXPECT_NE(%s, %s): both %lld", #a, #b, harness_a_);                              \
    } while (0)

#define EXPECT_TRUE(x)                                                                             \
    do {                                                                                           \
        if (!(x))                                                                                  \
            FAIL("EXPECT_TRUE(%s)", #x);                                                           \
    } while (0)

#define EXPECT_STREQ(a, b)                                                                         \
    do {                                                                                           \
        const char *harness_a_ = (a), *harness_b_ = (b);                                           \
        if (!harness_a_ || !harness_b_ || strcmp(harness_a_, harness_b_) != 0)                     \
            FAIL("EXPECT_STREQ(%s, %s): \"%s\" != \"%s\"", #a, #b,                                 \
                 harness_a_ ? harness_a_ : "(null)", harness_b_ ? harness_b_ : "(null)");          \
    } while (0)

/* Returns "<per-test tmp dir>/<name>" in one of eight rotating static buffers. */
__attribute__((unused)) static const char *tpath(const char *name)
{
    static char bufs[8][PATH_MAX];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, PATH_MAX, "%s/%s", harness_tmp, name);
    return b;
}

/* Waits (up to 10 s) until the process or thread whose /proc stat file is @stat_path is in
 * one of the @states (letters of the stat file's third field: "S" sleeping, e.g. blocked in a
 * futex wait or a read; "T" stopped; "Z" a zombie). Tests use this instead of a fixed sleep,
 * which a loaded machine can outrun, wherever they assume that another task has reached such
 * a state. Returns 0, or -1 on timeout. */
__attribute__((unused)) static int harness_wait_state_path(const char *stat_path,
                                                           const char *states)
{
    for (int i = 0; i < 2000; i++) {
        char buf[512] = {0};
        int fd = open(stat_path, O_RDONLY);
        if (fd >= 0) {
            ssize_t n = read(fd, buf, sizeof(buf) - 1);
            close(fd);
            const char *paren = n > 0 ? strrchr(buf, ')') : NULL;
            if (paren && paren[1] == ' ' && paren[2] && strchr(states, paren[2]))
                return 0;
        }
        usleep(5000);
    }
    return -1;
}

/* harness_wait_state_path() for process @pid (its main thread). */
__attribute__((unused)) static int harness_wait_process_state(pid_t pid, const char *states)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    return harness_wait_state_path(path, states);
}

/* Waits until the process or thread whose /proc stat file is @stat_path sleeps (state S). */
__attribute__((unused)) static int harness_wait_sleeping_path(const char *stat_path)
{
    return harness_wait_state_path(stat_path, "S");
}

/* harness_wait_sleeping_path() for thread @tid of this process. */
__attribute__((unused)) static int harness_wait_thread_sleeping(pid_t tid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
    return harness_wait_sleeping_path(path);
}

/* harness_wait_sleeping_path() for process @pid. */
__attribute__((unused)) static int harness_wait_process_sleeping(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    return harness_wait_sleeping_path(path);
}

/* Privilege of this run. Programs in user_tests (meson.build) run four times: natively and in
 * the sandbox, each as root and as the unprivileged test user, to which tests/lib/asuser.c
 * drops before it executes the program, setting CVISOR_ASUSER="UID GID". Returns 1 in such a
 * dropped run and stores the ids asuser set in @uid and @gid (either may be NULL); 0 else. */
__attribute__((unused)) static int harness_asuser(uid_t *uid, gid_t *gid)
{
    const char *v = getenv("CVISOR_ASUSER");
    unsigned u, g;
    if (!v || sscanf(v, "%u %u", &u, &g) != 2)
        return 0;
    if (uid)
        *uid = (uid_t)u;
    if (gid)
        *gid = (gid_t)g;
    return 1;
}

/* True when the test has root's privileges (effective uid 0). Tests whose expectations depend
 * on privilege (permission checks, limits only root may raise) branch on this, not on
 * harness_asuser(): a developer may run the whole suite unprivileged. */
__attribute__((unused)) static int harness_is_root(void)
{
    return geteuid() == 0;
}

/* Writes a whole file, creating it with mode; ends the test on error. */
__attribute__((unused)) static void write_file(const char *path, const char *data, mode_t mode)
{
    int fd = CHECK(open(path, O_WRONLY | O_CREAT | O_TRUNC, mode));
    size_t len = strlen(data);
    if (CHECK(write(fd, data, len)) != (ssize_t)len)
        FATAL("short write to %s", path);
    CHECK(close(fd));
}

/* Reads up to cap-1 bytes of a file into buf, NUL-terminated. Returns the length. */
__attribute__((unused)) static ssize_t read_file(const char *path, char *buf, size_t cap)
{
    int fd = CHECK(open(path, O_RDONLY));
    size_t off = 0;
    for (;;) {
        ssize_t n = CHECK(read(fd, buf + off, cap - 1 - off));
        if (n == 0 || off + (size_t)n >= cap - 1) {
            off += (size_t)n;
            break;
        }
        off += (size_t)n;
    }
    buf[off] = '\0';
    close(fd);
    return (ssize_t)off;
}

/* Waits for pid and returns its wait status; ends the test on error. */
__attribute__((unused)) static int wait_status(pid_t pid)
{
    int status;
    pid_t r;
    do {
        r = waitpid(pid, &status, 0);
    } while (r == -1 && errno == EINTR);
    if (r != pid)
        FATAL("waitpid(%d) = %d: %s", pid, r, harness_errname(errno));
    return status;
}

/* Fails unless the child exited normally with code. */
#define EXPECT_EXIT(pid, code)                                                                     \
    do {                                                                                           \
        int harness_st_ = wait_status(pid);                                                        \
        if (!WIFEXITED(harness_st_) || WEXITSTATUS(harness_st_) != (code))                         \
            FAIL("child %d: status 0x%x, want exit %d", (int)(pid), harness_st_, (code));          \
    } while (0)

/* Fails unless the child was killed by sig. */
#define EXPECT_SIGNALED(pid, sig)                                                                  \
    do {                                                                                           \
        int harness_st_ = wait_status(pid);                                                        \
        if (!WIFSIGNALED(harness_st_) || WTERMSIG(harness_st_) != (sig))                           \
            FAIL("child %d: status 0x%x, want signal %d", (int)(pid), harness_st_, (sig));         \
    } while (0)

/* In a forked child: exits 0 if no EXPECT failed there, else 1. */
__attribute__((unused)) static void child_done(void)
{
    fflush(stdout);
    _exit(harness_failed ? 1 : 0);
}

/* True if the program was started with the option @opt (tests that take options). */
__attribute__((unused)) static int harness_has_option(const char *opt)
{
    for (int i = 1; i < harness_argc; i++)
        if (strcmp(harness_argv[i], opt) == 0)
            return 1;
    return 0;
}

/* Returns the path of this executable for re-executing a SUBPROG. */
__attribute__((unused)) static const char *harness_self(void)
{
    return harness_exe;
}

static void harness_alarm(int sig)
{
    (void)sig;
}

static int harness_rm(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    remove(path);
    return 0;
}

/* Runs test i in a forked child. Returns 0 pass, 1 fail, 2 skip; fills reason for skips. */
static int harness_run_one(int i, char *reason, size_t reason_cap)
{
    int p[2];
    reason[0] = '\0';
    snprintf(harness_tmp, sizeof(harness_tmp), "/tmp/cvt-%d-XXXXXX", (int)getpid());
    if (!mkdtemp(harness_tmp)) {
        harness_diag("mkdtemp: %s", strerror(errno));
        return 1;
    }
    if (pipe2(p, O_CLOEXEC) != 0) {
        harness_diag("pipe2: %s", strerror(errno));
        return 1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* Own process group, so leftover descendants can be killed as a group afterwards. */
        setpgid(0, 0);
        signal(SIGALRM, SIG_DFL);
        close(p[0]);
        harness_skip_fd = fcntl(p[1], F_DUPFD_CLOEXEC, HARNESS_SKIP_FD_MIN);
        close(p[1]);
        harness_tests[i].fn();
        fflush(stdout);
        _exit(harness_failed ? 1 : 0);
    }
    close(p[1]);
    if (pid < 0) {
        harness_diag("fork: %s", strerror(errno));
        close(p[0]);
        return 1;
    }
    setpgid(pid, pid);
    alarm(HARNESS_TIMEOUT_SEC);
    int status = 0;
    pid_t r = waitpid(pid, &status, 0);
    int timed_out = r == -1 && errno == EINTR;
    alarm(0);
    if (timed_out) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    kill(-pid, SIGKILL); /* descendants the test left behind in its group */
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    ssize_t n = read(p[0], reason, reason_cap - 1);
    reason[n > 0 ? n : 0] = '\0';
    close(p[0]);
    nftw(harness_tmp, harness_rm, 16, FTW_DEPTH | FTW_PHYS);
    if (timed_out) {
        harness_diag("timed out after %d s", HARNESS_TIMEOUT_SEC);
        return 1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == HARNESS_SKIP_EXIT)
        return 2;
    if (WIFSIGNALED(status))
        harness_diag("test process killed by signal %d (%s)", WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
    else if (WEXITSTATUS(status) != 1)
        harness_diag("test process exited with %d", WEXITSTATUS(status));
    return 1;
}

static int harness_run_sub(const char *name, int argc, char **argv)
{
    for (int i = 0; i < harness_nsubs; i++)
        if (strcmp(harness_subs[i].name, name) == 0)
            return harness_subs[i].fn(argc, argv);
    fprintf(stderr, "unknown subprogram %s\n", name);
    return 127;
}

static int harness_cmp(const void *a, const void *b)
{
    return ((const struct harness_test *)a)->line - ((const struct harness_test *)b)->line;
}

/* Tests assume the default action for every signal and an empty signal mask, but a program
 * inherits ignored signals and the mask from whoever started it: a shell ignores SIGINT and
 * SIGQUIT in background jobs, nohup ignores SIGHUP. Not for SUBPROGs, which tests start with
 * dispositions of their own. */
static void harness_reset_signals(void)
{
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL); /* glibc's own real-time signals refuse: harmless */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

int main(int argc, char **argv)
{
    if (argv[0] && !realpath(argv[0], harness_exe))
        snprintf(harness_exe, sizeof(harness_exe), "%s", argv[0]);
    /* "--sub NAME ARGS" runs a subprogram with argv NAME ARGS; "--sub=NAME ARGS" (the form a
     * "#!" line can carry) runs it with argv "--sub=NAME" ARGS. */
    if (argc >= 3 && strcmp(argv[1], "--sub") == 0)
        return harness_run_sub(argv[2], argc - 2, argv + 2);
    if (argc >= 2 && strncmp(argv[1], "--sub=", 6) == 0)
        return harness_run_sub(argv[1] + 6, argc - 1, argv + 1);
    harness_reset_signals();
    harness_argc = argc;
    harness_argv = argv;
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa = {.sa_handler = harness_alarm};
    sigaction(SIGALRM, &sa, NULL);
    qsort(harness_tests, (size_t)harness_ntests, sizeof(harness_tests[0]), harness_cmp);
    printf("1..%d\n", harness_ntests);
    int failed = 0;
    for (int i = 0; i < harness_ntests; i++) {
        char reason[256];
        int r = harness_run_one(i, reason, sizeof(reason));
        if (r == 2)
            printf("ok %d - %s # SKIP %s\n", i + 1, harness_tests[i].name, reason);
        else
            printf("%sok %d - %s\n", r == 0 ? "" : "not ", i + 1, harness_tests[i].name);
        fflush(stdout);
        failed += r == 1;
    }
    return failed ? 1 : 0;
}
