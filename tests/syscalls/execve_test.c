// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for execve and execveat: argv/envp delivery, "#!" scripts, exec from a
 * multi-threaded process, O_CLOEXEC across exec, and the ENOENT/EACCES/ENOEXEC/ENOTDIR errors. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

/* Exits 0 iff argv[1..] are "one" "two words" "" and CVT_ENV=yes is the only CVT_ variable. */
SUBPROG(argcheck)
{
    if (argc != 4 || strcmp(argv[1], "one") || strcmp(argv[2], "two words") || argv[3][0])
        return 1;
    const char *e = getenv("CVT_ENV");
    if (!e || strcmp(e, "yes") != 0)
        return 2;
    if (getenv("CVT_OTHER"))
        return 3;
    return 0;
}

/* Exits 0 iff getpid() equals argv[1] and this is the only thread. */
SUBPROG(pidcheck)
{
    if (argc != 2 || getpid() != atoi(argv[1]))
        return 1;
    if (syscall(SYS_gettid) != getpid())
        return 2;
    return 0;
}

/* Exits 0 iff fd argv[1] is closed, 1 if it is still open. */
SUBPROG(fdclosed)
{
    return fcntl(atoi(argv[1]), F_GETFD) == -1 && errno == EBADF ? 0 : 1;
}

/* Interpreter for "#!" tests: argv is "--sub=interp" [optional arg] script args... */
SUBPROG(interp)
{
    if (argc != 4 || strstr(argv[1], "script") == NULL || strcmp(argv[2], "a1") ||
        strcmp(argv[3], "a2"))
        return 10 + argc;
    return 0;
}

static pid_t spawn(const char *path, char *const argv[], char *const envp[])
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        execve(path, argv, envp);
        _exit(100 + errno);
    }
    return pid;
}

TEST(argv_and_envp_delivered)
{
    const char *self = harness_self();
    char *argv[] = {(char *)self, "--sub", "argcheck", "one", "two words", "", NULL};
    char *envp[] = {"CVT_ENV=yes", "PATH=/bin", NULL};
    setenv("CVT_OTHER", "1", 1); /* must not leak: envp replaces the environment */
    EXPECT_EXIT(spawn(self, argv, envp), 0);
}

TEST(exec_replaces_image_keeps_pid)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char buf[16];
        snprintf(buf, sizeof(buf), "%d", getpid());
        execl(harness_self(), harness_self(), "--sub", "pidcheck", buf, (char *)NULL);
        _exit(127);
    }
    EXPECT_EXIT(pid, 0);
}

static void *exec_from_thread(void *arg)
{
    char buf[16];
    snprintf(buf, sizeof(buf), "%d", getpid());
    execl(harness_self(), harness_self(), "--sub", "pidcheck", buf, (char *)NULL);
    _exit(127);
    return arg;
}

static void *sleeper(void *arg)
{
    for (;;)
        pause();
    return arg;
}

TEST(exec_from_non_leader_thread)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        pthread_t t1, t2;
        pthread_create(&t1, NULL, sleeper, NULL);
        pthread_create(&t2, NULL, exec_from_thread, NULL);
        for (;;)
            pause();
    }
    EXPECT_EXIT(pid, 0);
}

TEST(cloexec_fd_closed_across_exec)
{
    int keep = CHECK(open("/dev/null", O_RDONLY));
    int gone = CHECK(open("/dev/null", O_RDONLY | O_CLOEXEC));
    char kb[16], gb[16];
    snprintf(kb, sizeof(kb), "%d", keep);
    snprintf(gb, sizeof(gb), "%d", gone);
    char *argv1[] = {(char *)harness_self(), "--sub", "fdclosed", gb, NULL};
    char *argv2[] = {(char *)harness_self(), "--sub", "fdclosed", kb, NULL};
    char *envp[] = {NULL};
    EXPECT_EXIT(spawn(harness_self(), argv1, envp), 0);
    EXPECT_EXIT(spawn(harness_self(), argv2, envp), 1);
    CHECK(fcntl(keep, F_SETFD, FD_CLOEXEC));
    EXPECT_EXIT(spawn(harness_self(), argv2, envp), 0);
    close(keep);
    close(gone);
}

TEST(shebang_script_runs_interpreter)
{
    char script[PATH_MAX + 32];
    snprintf(script, sizeof(script), "#!%s --sub=interp\nignored body\n", harness_self());
    write_file(tpath("script"), script, 0755);
    char *argv[] = {"script-argv0", "a1", "a2", NULL};
    char *envp[] = {NULL};
    EXPECT_EXIT(spawn(tpath("script"), argv, envp), 0);
}

TEST(shebang_missing_interpreter_enoent)
{
    write_file(tpath("script"), "#!/nonexistent/interp\n", 0755);
    char *argv[] = {"s", NULL};
    char *envp[] = {NULL};
    EXPECT_ERRNO(execve(tpath("script"), argv, envp), ENOENT);
}

TEST(error_enoent_enotdir)
{
    char *argv[] = {"x", NULL};
    char *envp[] = {NULL};
    EXPECT_ERRNO(execve(tpath("missing"), argv, envp), ENOENT);
    write_file(tpath("f"), "", 0755);
    EXPECT_ERRNO(execve(tpath("f/x"), argv, envp), ENOTDIR);
}

TEST(error_eacces)
{
    char *argv[] = {"x", NULL};
    char *envp[] = {NULL};
    write_file(tpath("noexec"), "#!/bin/sh\n", 0644);
    EXPECT_ERRNO(execve(tpath("noexec"), argv, envp), EACCES);
    EXPECT_ERRNO(execve(harness_tmp, argv, envp), EACCES);
    EXPECT_ERRNO(execve("/dev/null", argv, envp), EACCES);
}

TEST(error_enoexec)
{
    char *argv[] = {"x", NULL};
    char *envp[] = {NULL};
    write_file(tpath("garbage"), "this is not an executable\n", 0755);
    EXPECT_ERRNO(execve(tpath("garbage"), argv, envp), ENOEXEC);
    write_file(tpath("empty"), "", 0755);
    EXPECT_ERRNO(execve(tpath("empty"), argv, envp), ENOEXEC);
}

TEST(error_efault)
{
    char *envp[] = {NULL};
    EXPECT_ERRNO(syscall(SYS_execve, (char *)1, NULL, envp), EFAULT);
    EXPECT_ERRNO(syscall(SYS_execve, harness_self(), (char **)1, envp), EFAULT);
}

TEST(execveat_empty_path)
{
    int fd = CHECK(open(harness_self(), O_RDONLY));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char *argv[] = {"x", "--sub", "pidcheck", "0", NULL};
        char *envp[] = {NULL};
        syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
        _exit(100 + errno);
    }
    EXPECT_EXIT(pid, 1); /* pidcheck ran and rejected pid "0" */
    close(fd);
}
