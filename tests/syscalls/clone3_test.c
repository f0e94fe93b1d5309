// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for clone3 and CLONE_PIDFD: struct clone_args of every size Linux accepts
 * (CLONE_ARGS_SIZE_VER0..2, larger with a zero tail; E2BIG for a non-zero tail or more than a
 * page, EINVAL below VER0), the flag rules (exit-signal bits and CLONE_DETACHED are not flags,
 * unknown flags, CLONE_THREAD/CLONE_PARENT with an exit signal, CLONE_SIGHAND with
 * CLONE_CLEAR_SIGHAND, stack without a size), exit_signal (a non-SIGCHLD child is a __WCLONE
 * child), stack/stack_size (the child starts at stack + stack_size), CLONE_CLEAR_SIGHAND,
 * CLONE_PIDFD (clone3 and clone), set_tid's EINVAL/EPERM/EEXIST rules and CLONE_INTO_CGROUP
 * with a descriptor that is no cgroup. */
#include <linux/sched.h>
#include <poll.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "tests/syscalls/harness.h"

#ifndef CLONE_ARGS_SIZE_VER2
#define CLONE_ARGS_SIZE_VER2 88
#endif

struct args_big {
    struct clone_args a;
    uint64_t extra[4];
};

static long clone3_(void *args, size_t size)
{
    return syscall(SYS_clone3, args, size);
}

/* clone3 as fork: the child exits at once with @code. Returns the child's pid or -1. */
static pid_t fork3(void *args, size_t size, int code)
{
    fflush(stdout);
    long r = clone3_(args, size);
    if (r == 0)
        _exit(code);
    return (pid_t)r;
}

TEST(sizes)
{
    struct args_big b;
    memset(&b, 0, sizeof(b));
    b.a.exit_signal = SIGCHLD;
    size_t sizes[] = {CLONE_ARGS_SIZE_VER0, CLONE_ARGS_SIZE_VER1, CLONE_ARGS_SIZE_VER2, sizeof(b)};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        pid_t pid = fork3(&b, sizes[i], (int)i);
        if (pid < 0) {
            FAIL("clone3 size %zu: %s", sizes[i], harness_errname(errno));
            continue;
        }
        EXPECT_EXIT(pid, (int)i);
    }
    EXPECT_ERRNO(clone3_(&b, CLONE_ARGS_SIZE_VER0 - 8), EINVAL);
    EXPECT_ERRNO(clone3_(&b, 0), EINVAL);
    EXPECT_ERRNO(clone3_(NULL, CLONE_ARGS_SIZE_VER0), EFAULT);
    b.extra[3] = 1;
    EXPECT_ERRNO(clone3_(&b, sizeof(b)), E2BIG);
    b.extra[3] = 0;
    static char page[8192];
    EXPECT_ERRNO(clone3_(page, 4097), E2BIG);
}

TEST(flag_rules)
{
    struct clone_args a;
    memset(&a, 0, sizeof(a));
    a.flags = SIGCHLD; /* the exit signal is not a flag */
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.flags = CLONE_DETACHED;
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.flags = 1ull << 40;
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.flags = 0;
    a.exit_signal = 65;
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.exit_signal = 0x100 | SIGCHLD;
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.exit_signal = SIGCHLD;
    a.flags = CLONE_PARENT; /* with an exit signal */
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.flags = CLONE_SIGHAND | CLONE_VM | CLONE_CLEAR_SIGHAND;
    a.exit_signal = 0;
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.flags = CLONE_THREAD; /* without CLONE_SIGHAND, as clone */
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.flags = 0;
    a.exit_signal = SIGCHLD;
    static char stack[4096];
    a.stack = (uintptr_t)stack; /* without a size */
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.stack = 0;
    a.stack_size = sizeof(stack); /* a size without a stack */
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
}

TEST(exit_signal)
{
    struct clone_args a;
    memset(&a, 0, sizeof(a));
    a.exit_signal = SIGUSR1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL));
    pid_t pid = CHECK(fork3(&a, sizeof(a), 5));
    siginfo_t si;
    EXPECT_EQ(sigwaitinfo(&set, &si), SIGUSR1);
    EXPECT_EQ(si.si_pid, pid);
    EXPECT_EQ(si.si_code, CLD_EXITED);
    /* Not a SIGCHLD child: only __WCLONE or __WALL see it. */
    EXPECT_ERRNO(waitpid(pid, NULL, WNOHANG), ECHILD);
    int st;
    EXPECT_EQ(waitpid(pid, &st, __WCLONE), pid);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 5);
}

/* The child, on its new stack, writes its first stack pointer to @fd and exits: in assembly,
 * as it has no C frame to return to. */
static long clone3_report_sp(struct clone_args *a, int fd)
{
    long ret;
    register long r_fd __asm__("r12") = fd;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "push %%rsp\n\t" /* stores the value before the push */
                     "mov %%r12, %%rdi\n\t"
                     "mov %%rsp, %%rsi\n\t"
                     "mov $8, %%edx\n\t"
                     "mov $1, %%eax\n\t" /* write */
                     "syscall\n\t"
                     "xor %%edi, %%edi\n\t"
                     "mov $231, %%eax\n\t" /* exit_group */
                     "syscall\n\t"
                     "1:\n\t"
                     : "=a"(ret)
                     : "a"((long)SYS_clone3), "D"(a), "S"(sizeof(*a)), "r"(r_fd)
                     : "rcx", "r11", "rdx", "memory");
    return ret;
}

TEST(stack)
{
    static char stack[16384] __attribute__((aligned(16)));
    int p[2];
    CHECK(pipe(p));
    struct clone_args a;
    memset(&a, 0, sizeof(a));
    a.exit_signal = SIGCHLD;
    a.stack = (uintptr_t)stack;
    a.stack_size = sizeof(stack);
    fflush(stdout);
    long pid = clone3_report_sp(&a, p[1]);
    if (pid < 0)
        FATAL("clone3: %s", harness_errname((int)-pid));
    uint64_t sp = 0;
    EXPECT_EQ(read(p[0], &sp, sizeof(sp)), (ssize_t)sizeof(sp));
    EXPECT_EQ(sp, (uint64_t)(uintptr_t)(stack + sizeof(stack)));
    EXPECT_EXIT((pid_t)pid, 0);
}

static void on_usr1(int sig)
{
    (void)sig;
}

TEST(clear_sighand)
{
    struct sigaction sa = {.sa_handler = on_usr1};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    CHECK(signal(SIGUSR2, SIG_IGN) == SIG_ERR ? -1 : 0);
    struct clone_args a;
    memset(&a, 0, sizeof(a));
    a.exit_signal = SIGCHLD;
    a.flags = CLONE_CLEAR_SIGHAND;
    fflush(stdout);
    long pid = CHECK(clone3_(&a, sizeof(a)));
    if (pid == 0) {
        struct sigaction o1, o2;
        sigaction(SIGUSR1, NULL, &o1);
        sigaction(SIGUSR2, NULL, &o2);
        _exit(o1.sa_handler == SIG_DFL && o2.sa_handler == SIG_IGN ? 0 : 1);
    }
    EXPECT_EXIT((pid_t)pid, 0);
    /* The parent keeps its own. */
    struct sigaction o;
    CHECK(sigaction(SIGUSR1, NULL, &o));
    EXPECT_TRUE(o.sa_handler == on_usr1);
}

TEST(pidfd_clone3)
{
    int pidfd = -1;
    struct clone_args a;
    memset(&a, 0, sizeof(a));
    a.exit_signal = SIGCHLD;
    a.flags = CLONE_PIDFD;
    a.pidfd = (uintptr_t)&pidfd;
    int go[2];
    CHECK(pipe(go));
    fflush(stdout);
    long pid = CHECK(clone3_(&a, sizeof(a)));
    if (pid == 0) {
        char c;
        (void)!read(go[0], &c, 1);
        /* The new pidfd was the parent's alone. */
        _exit(fcntl(pidfd, F_GETFD) < 0 && errno == EBADF ? 0 : 1);
    }
    EXPECT_TRUE(pidfd >= 0);
    EXPECT_EQ(fcntl(pidfd, F_GETFD), FD_CLOEXEC);
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    EXPECT_EQ(poll(&p, 1, 0), 0);
    CHECK(write(go[1], "x", 1));
    EXPECT_EQ(poll(&p, 1, 10000), 1);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    EXPECT_OK(waitid(P_PIDFD, pidfd, &si, WEXITED));
    EXPECT_EQ(si.si_pid, pid);
    EXPECT_EQ(si.si_status, 0);
    close(pidfd);
    /* pidfd == parent_tid with CLONE_PARENT_SETTID too. */
    a.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
    a.parent_tid = a.pidfd;
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    /* An unwritable pidfd pointer: EFAULT and no child. */
    a.flags = CLONE_PIDFD;
    a.pidfd = 8;
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EFAULT);
    EXPECT_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
}

TEST(pidfd_clone)
{
    int pidfd = -1;
    fflush(stdout);
    long pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, NULL);
    if (pid == 0)
        _exit(9);
    CHECK(pid);
    EXPECT_TRUE(pidfd >= 0);
    EXPECT_EQ(fcntl(pidfd, F_GETFD), FD_CLOEXEC);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    EXPECT_OK(waitid(P_PIDFD, pidfd, &si, WEXITED));
    EXPECT_EQ(si.si_pid, pid);
    EXPECT_EQ(si.si_status, 9);
    close(pidfd);
    /* clone(2) stores the pidfd where the parent's tid would go. */
    EXPECT_ERRNO(
        syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, NULL, &pidfd, NULL, NULL),
        EINVAL);
    EXPECT_ERRNO(
        syscall(SYS_clone, CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, NULL, &pidfd, NULL, NULL),
        EINVAL);
}

TEST(set_tid)
{
    pid_t tid = getpid();
    struct clone_args a;
    memset(&a, 0, sizeof(a));
    a.exit_signal = SIGCHLD;
    a.set_tid_size = 1; /* without an array */
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.set_tid = (uintptr_t)&tid;
    a.set_tid_size = 0; /* an array without a size */
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.set_tid_size = 33; /* more than MAX_PID_NS_LEVEL */
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.set_tid_size = 1;
    pid_t zero = 0;
    a.set_tid = (uintptr_t)&zero;
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.set_tid = (uintptr_t)&tid; /* our own pid: taken */
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), harness_is_root() ? EEXIST : EPERM);
}

TEST(into_cgroup)
{
    int dir = CHECK(open("/tmp", O_RDONLY | O_DIRECTORY));
    struct clone_args a;
    memset(&a, 0, sizeof(a));
    a.exit_signal = SIGCHLD;
    a.flags = CLONE_INTO_CGROUP;
    a.cgroup = (uint64_t)dir;
    EXPECT_ERRNO(clone3_(&a, CLONE_ARGS_SIZE_VER1), EINVAL); /* too small for the field */
    a.cgroup = 1ull << 32;
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EINVAL);
    a.cgroup = (uint64_t)dir; /* a directory that is not a cgroup */
    EXPECT_ERRNO(clone3_(&a, sizeof(a)), EBADF);
    close(dir);
}
