// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for pidfds: pidfd_open (flags, errors, always close-on-exec,
 * PIDFD_NONBLOCK), poll on a pidfd (readable once the process exits, POLLHUP too once it is
 * reaped), waitid(P_PIDFD), /proc/self/fdinfo of a pidfd (Pid:), pidfd_send_signal (siginfo
 * rules, ESRCH after reaping, kill's permission check) and pidfd_getfd (the same open file
 * description, O_CLOEXEC, EBADF, the ptrace-attach permission check). Permission parts need
 * root to make a process of another user. */
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <pthread.h>

#include "tests/syscalls/cred_util.h"

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

static int pidfd_open_(pid_t pid, unsigned flags)
{
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int pidfd_send_signal_(int pidfd, int sig, siginfo_t *info, unsigned flags)
{
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

static int pidfd_getfd_(int pidfd, int fd, unsigned flags)
{
    return (int)syscall(SYS_pidfd_getfd, pidfd, fd, flags);
}

/* A child that waits for a byte on the returned descriptor, then exits with @code. */
static pid_t spawn_waiter(int code, int *go_w)
{
    int go[2];
    CHECK(pipe(go));
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        close(go[1]);
        char c;
        while (read(go[0], &c, 1) < 0 && errno == EINTR)
            ;
        _exit(code);
    }
    close(go[0]);
    *go_w = go[1];
    return pid;
}

static short poll_now(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = CHECK(poll(&p, 1, timeout_ms));
    return n ? p.revents : 0;
}

TEST(open_poll_waitid)
{
    int go;
    pid_t pid = spawn_waiter(7, &go);
    int pfd = CHECK(pidfd_open_(pid, 0));
    EXPECT_EQ(fcntl(pfd, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(fcntl(pfd, F_GETFL) & O_ACCMODE, O_RDWR);
    char link[64], want[] = "anon_inode:[pidfd]";
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", pfd);
    ssize_t n = CHECK(readlink(path, link, sizeof(link) - 1));
    link[n] = '\0';
    EXPECT_STREQ(link, want);
    EXPECT_EQ(poll_now(pfd, 0), 0); /* running: not readable */
    char buf[8];
    EXPECT_ERRNO(read(pfd, buf, sizeof(buf)), EINVAL);
    CHECK(write(go, "x", 1));
    EXPECT_EQ(poll_now(pfd, 10000), POLLIN); /* exited, not yet reaped */
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    EXPECT_OK(waitid(P_PIDFD, pfd, &si, WEXITED));
    EXPECT_EQ(si.si_pid, pid);
    EXPECT_EQ(si.si_code, CLD_EXITED);
    EXPECT_EQ(si.si_status, 7);
    EXPECT_EQ(poll_now(pfd, 0), POLLIN | POLLHUP); /* reaped */
    EXPECT_ERRNO(waitid(P_PIDFD, pfd, &si, WEXITED), ECHILD);
    EXPECT_ERRNO(pidfd_open_(pid, 0), ESRCH);
    close(pfd);
    close(go);
}

static void *thread_park(void *arg)
{
    int *fds = arg;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    CHECK(write(fds[1], &tid, sizeof(tid)));
    char c;
    (void)!read(fds[2], &c, 1);
    return NULL;
}

TEST(open_errors)
{
    EXPECT_ERRNO(pidfd_open_(getpid(), 1), EINVAL);
    EXPECT_ERRNO(pidfd_open_(getpid(), O_CLOEXEC), EINVAL);
    EXPECT_ERRNO(pidfd_open_(0, 0), EINVAL);
    EXPECT_ERRNO(pidfd_open_(-1, 0), EINVAL);
    EXPECT_ERRNO(pidfd_open_(4000000, 0), ESRCH);
    /* A thread that is not its group's leader names no process (Linux 6.9 and later: ENOENT,
     * as it would be with PIDFD_THREAD for a tid that is no thread; EINVAL before). */
    int p[2], q[2];
    CHECK(pipe(p));
    CHECK(pipe(q));
    int fds[3] = {p[0], p[1], q[0]};
    pthread_t th;
    if (pthread_create(&th, NULL, thread_park, fds) != 0)
        FATAL("pthread_create");
    pid_t tid;
    CHECK(read(p[0], &tid, sizeof(tid)));
    EXPECT_ERRNO(pidfd_open_(tid, 0), ENOENT);
    CHECK(write(q[1], "x", 1));
    pthread_join(th, NULL);
    int self = CHECK(pidfd_open_(getpid(), 0));
    EXPECT_EQ(poll_now(self, 0), 0);
    close(self);
}

TEST(nonblock_waitid)
{
    int go;
    pid_t pid = spawn_waiter(3, &go);
    int pfd = CHECK(pidfd_open_(pid, PIDFD_NONBLOCK));
    EXPECT_EQ(fcntl(pfd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    siginfo_t si;
    EXPECT_ERRNO(waitid(P_PIDFD, pfd, &si, WEXITED), EAGAIN);
    memset(&si, 0xff, sizeof(si));
    EXPECT_OK(waitid(P_PIDFD, pfd, &si, WEXITED | WNOHANG)); /* nothing yet: si_pid 0 */
    EXPECT_EQ(si.si_pid, 0);
    CHECK(write(go, "x", 1));
    EXPECT_EQ(poll_now(pfd, 10000), POLLIN);
    EXPECT_OK(waitid(P_PIDFD, pfd, &si, WEXITED));
    EXPECT_EQ(si.si_pid, pid);
    EXPECT_EQ(si.si_status, 3);
    close(pfd);
    close(go);
}

TEST(waitid_errors)
{
    siginfo_t si;
    int p[2];
    CHECK(pipe(p));
    EXPECT_ERRNO(waitid(P_PIDFD, p[0], &si, WEXITED), EBADF);
    EXPECT_ERRNO(waitid(P_PIDFD, 999, &si, WEXITED), EBADF);
    EXPECT_ERRNO(waitid(P_PIDFD, -1, &si, WEXITED), EINVAL);
    /* A pidfd of a process that is not our child. */
    int self = CHECK(pidfd_open_(getpid(), 0));
    EXPECT_ERRNO(waitid(P_PIDFD, self, &si, WEXITED | WNOHANG), ECHILD);
    close(self);
}

/* The "Pid:" line of /proc/self/fdinfo/@fd, or -2 if none. */
static int fdinfo_pid(int fd)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    read_file(path, buf, sizeof(buf));
    const char *l = strstr(buf, "\nPid:\t");
    return l ? atoi(l + 6) : -2;
}

TEST(fdinfo)
{
    int go;
    pid_t pid = spawn_waiter(0, &go);
    int pfd = CHECK(pidfd_open_(pid, 0));
    EXPECT_EQ(fdinfo_pid(pfd), pid);
    CHECK(write(go, "x", 1));
    EXPECT_EXIT(pid, 0);
    EXPECT_EQ(fdinfo_pid(pfd), -1);
    close(pfd);
    close(go);
}

TEST(send_signal)
{
    int go;
    pid_t pid = spawn_waiter(0, &go);
    int pfd = CHECK(pidfd_open_(pid, 0));
    EXPECT_ERRNO(pidfd_send_signal_(pfd, SIGTERM, NULL, 8), EINVAL);
    EXPECT_ERRNO(pidfd_send_signal_(pfd, SIGTERM, NULL, 3), EINVAL); /* two scopes */
    int p[2];
    CHECK(pipe(p));
    EXPECT_ERRNO(pidfd_send_signal_(p[0], SIGTERM, NULL, 0), EBADF);
    EXPECT_ERRNO(pidfd_send_signal_(999, SIGTERM, NULL, 0), EBADF);
    EXPECT_ERRNO(pidfd_send_signal_(pfd, 65, NULL, 0), EINVAL);
    EXPECT_OK(pidfd_send_signal_(pfd, 0, NULL, 0));
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    info.si_signo = SIGUSR1; /* does not match the signal */
    info.si_code = SI_QUEUE;
    EXPECT_ERRNO(pidfd_send_signal_(pfd, SIGTERM, &info, 0), EINVAL);
    info.si_signo = SIGTERM;
    info.si_code = SI_USER; /* a kill() code may not be forged for another process */
    EXPECT_ERRNO(pidfd_send_signal_(pfd, SIGTERM, &info, 0), EPERM);
    EXPECT_ERRNO(pidfd_send_signal_(pfd, SIGTERM, (siginfo_t *)1, 0), EFAULT);
    EXPECT_OK(pidfd_send_signal_(pfd, SIGTERM, NULL, 2)); /* PIDFD_SIGNAL_THREAD_GROUP */
    EXPECT_EQ(poll_now(pfd, 10000), POLLIN);
    EXPECT_OK(pidfd_send_signal_(pfd, SIGTERM, NULL, 0)); /* a zombie still exists */
    EXPECT_SIGNALED(pid, SIGTERM);
    EXPECT_ERRNO(pidfd_send_signal_(pfd, SIGTERM, NULL, 0), ESRCH);
    close(pfd);
    close(go);
}

static volatile sig_atomic_t got_code, got_value;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    got_code = si->si_code;
    got_value = si->si_value.sival_int;
}

TEST(send_signal_self_info)
{
    struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    int self = CHECK(pidfd_open_(getpid(), 0));
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    info.si_signo = SIGUSR1;
    info.si_code = SI_QUEUE;
    info.si_value.sival_int = 42;
    EXPECT_OK(pidfd_send_signal_(self, SIGUSR1, &info, 0));
    EXPECT_EQ(got_code, SI_QUEUE);
    EXPECT_EQ(got_value, 42);
    info.si_code = SI_USER; /* to itself, even a kill() code */
    info.si_value.sival_int = 43;
    EXPECT_OK(pidfd_send_signal_(self, SIGUSR1, &info, 0));
    EXPECT_EQ(got_code, SI_USER);
    EXPECT_OK(pidfd_send_signal_(self, SIGUSR1, NULL, 1)); /* PIDFD_SIGNAL_THREAD: a tkill */
    EXPECT_EQ(got_code, SI_TKILL);
    close(self);
}

/* A child with real/effective/saved uid @uid (and gid @uid), dumpable or not, waiting. */
static pid_t spawn_as(uid_t uid, int dumpable, int *go_w)
{
    int ready[2], go[2];
    CHECK(pipe(ready));
    CHECK(pipe(go));
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        close(ready[0]);
        close(go[1]);
        CHECK(setgroups(0, NULL));
        CHECK(setresgid(uid, uid, uid));
        CHECK(setresuid(uid, uid, uid));
        CHECK(prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0));
        CHECK(write(ready[1], "r", 1));
        char c;
        while (read(go[0], &c, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    char c;
    CHECK(read(ready[0], &c, 1));
    close(ready[0]);
    *go_w = go[1];
    return pid;
}

/* Runs @fn(pfd) in a child that switched to uid @uid; returns its exit code. */
static int run_as_uid(uid_t uid, int pfd, int (*fn)(int))
{
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        CHECK(setgroups(0, NULL));
        CHECK(setresgid(uid, uid, uid));
        CHECK(setresuid(uid, uid, uid));
        _exit(fn(pfd));
    }
    int st = wait_status(pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

static int try_kill(int pfd)
{
    return pidfd_send_signal_(pfd, SIGUSR2, NULL, 0) == 0 ? 0 : errno;
}

static int try_getfd(int pfd)
{
    int fd = pidfd_getfd_(pfd, 0, 0);
    return fd >= 0 ? 0 : errno;
}

TEST(permissions)
{
    if (!harness_is_root())
        SKIP("needs root to make processes of other users");
    int go_a, go_n;
    pid_t a = spawn_as(U_A, 1, &go_a);
    pid_t nd = spawn_as(U_B, 0, &go_n);
    int pa = CHECK(pidfd_open_(a, 0));
    int pn = CHECK(pidfd_open_(nd, 0));
    EXPECT_EQ(run_as_uid(U_B, pa, try_kill), EPERM); /* kill's rule: another user */
    EXPECT_EQ(run_as_uid(U_B, pa, try_getfd), EPERM);
    EXPECT_EQ(run_as_uid(U_A, pa, try_getfd), 0);     /* same ids, dumpable */
    EXPECT_EQ(run_as_uid(U_B, pn, try_getfd), EPERM); /* same ids, not dumpable */
    EXPECT_EQ(try_getfd(pn), 0);                      /* root: CAP_SYS_PTRACE */
    EXPECT_EQ(run_as_uid(U_B, pn, try_kill), 0);      /* kill only asks for the uids */
    CHECK(write(go_a, "x", 1));
    EXPECT_EXIT(a, 0);
    EXPECT_SIGNALED(nd, SIGUSR2);
    close(go_a);
    close(go_n);
    close(pa);
    close(pn);
}

TEST(getfd)
{
    const char *path = tpath("f");
    write_file(path, "hello", 0600);
    int ready[2], go[2];
    CHECK(pipe(ready));
    CHECK(pipe(go));
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int fd = CHECK(open(path, O_RDWR | O_APPEND));
        CHECK(lseek(fd, 2, SEEK_SET));
        CHECK(write(ready[1], &fd, sizeof(fd)));
        char c;
        while (read(go[0], &c, 1) < 0 && errno == EINTR)
            ;
        /* The parent moved the shared offset. */
        _exit(lseek(fd, 0, SEEK_CUR) == 4 ? 0 : 1);
    }
    int cfd;
    CHECK(read(ready[0], &cfd, sizeof(cfd)));
    int pfd = CHECK(pidfd_open_(pid, 0));
    EXPECT_ERRNO(pidfd_getfd_(pfd, cfd, 1), EINVAL);
    EXPECT_ERRNO(pidfd_getfd_(pfd, 777, 0), EBADF);
    EXPECT_ERRNO(pidfd_getfd_(pfd, -1, 0), EBADF);
    EXPECT_ERRNO(pidfd_getfd_(ready[0], cfd, 0), EBADF);
    int fd = CHECK(pidfd_getfd_(pfd, cfd, 0));
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND), O_RDWR | O_APPEND);
    struct stat a, b;
    CHECK(fstat(fd, &a));
    CHECK(stat(path, &b));
    EXPECT_EQ(a.st_ino, b.st_ino);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 2);
    CHECK(lseek(fd, 4, SEEK_SET));
    CHECK(write(go[1], "x", 1));
    EXPECT_EQ(poll_now(pfd, 10000), POLLIN);
    EXPECT_ERRNO(pidfd_getfd_(pfd, cfd, 0), ESRCH); /* an exited process has none */
    EXPECT_EXIT(pid, 0);
    EXPECT_ERRNO(pidfd_getfd_(pfd, cfd, 0), ESRCH);
    close(fd);
    close(pfd);
}

TEST(inherit_fork)
{
    /* A pidfd survives fork: the child may wait for its sibling's exit by poll. */
    int go;
    pid_t pid = spawn_waiter(0, &go);
    int pfd = CHECK(pidfd_open_(pid, 0));
    fflush(stdout);
    pid_t watcher = CHECK(fork());
    if (watcher == 0) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        _exit(poll(&p, 1, 10000) == 1 && p.revents == POLLIN ? 0 : 1);
    }
    CHECK(write(go, "x", 1));
    EXPECT_EXIT(watcher, 0);
    EXPECT_EXIT(pid, 0);
    close(pfd);
    close(go);
}
