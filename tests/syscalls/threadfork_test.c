// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for fork, vfork and execve made by a thread that is not the leader: a fork
 * child has exactly one thread (whose tid is its pid) and works normally while the parent's
 * threads go on; a vfork child shares memory and may watch the parent's other threads run
 * while the vforking thread waits, then execs; an execve from a thread keeps the process id,
 * leaves exactly one thread, and takes the leader's place. */
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

/* The "Threads:" count of /proc/self/status, or -1. */
static int thread_count(void)
{
    char buf[4096];
    read_file("/proc/self/status", buf, sizeof(buf));
    const char *t = strstr(buf, "\nThreads:");
    return t ? atoi(t + 9) : -1;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static volatile unsigned long spins;
static volatile int stop_spinning;

static void *spinner(void *arg)
{
    while (!stop_spinning)
        spins++;
    return arg;
}

/* Waits (up to 5 s) until spins moved @by from its value now. Returns 0 or -1. */
static int wait_spins(unsigned long by)
{
    unsigned long from = spins;
    long t0 = now_ms();
    while (spins - from < by)
        if (now_ms() - t0 > 5000)
            return -1;
    return 0;
}

static void *thread_ret;

static void *child_thread(void *arg)
{
    return (void *)((intptr_t)arg + 1);
}

/* In a fork child made by a thread: one thread, tid == pid, a new thread works. */
static int fork_child_checks(pid_t parent_pid)
{
    if (getpid() == parent_pid || syscall(SYS_gettid) != getpid())
        return 1;
    if (getppid() != parent_pid)
        return 2;
    if (thread_count() != 1)
        return 3;
    pthread_t t;
    if (pthread_create(&t, NULL, child_thread, (void *)(intptr_t)4) != 0)
        return 4;
    pthread_join(t, &thread_ret);
    if ((intptr_t)thread_ret != 5 || thread_count() != 1)
        return 5;
    return 0;
}

static void *forker(void *arg)
{
    (void)arg;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        _exit(fork_child_checks(parent));
    if (pid < 0)
        return (void *)(intptr_t)-1;
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return (void *)(intptr_t)-2;
    return (void *)(intptr_t)st;
}

TEST(fork_from_a_thread)
{
    pthread_t s, f;
    stop_spinning = 0;
    CHECK(pthread_create(&s, NULL, spinner, NULL) == 0 ? 0 : -1);
    for (int round = 0; round < 5; round++) {
        void *st;
        CHECK(pthread_create(&f, NULL, forker, NULL) == 0 ? 0 : -1);
        pthread_join(f, &st);
        int status = (int)(intptr_t)st;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            FAIL("round %d: child status 0x%x", round, status);
            break;
        }
    }
    EXPECT_EQ(wait_spins(1000), 0); /* the parent's spinner lives on */
    stop_spinning = 1;
    pthread_join(s, NULL);
    EXPECT_EQ(thread_count(), 1);
}

SUBPROG(exit_code)
{
    (void)argc;
    return atoi(argv[1]);
}

static void *vforker(void *arg)
{
    (void)arg;
    char code[] = "7";
    pid_t pid = vfork();
    if (pid == 0) {
        /* Still in the parent's memory, with the vforking thread suspended: the spinner,
         * another thread of the parent, must keep running. */
        if (wait_spins(1000) != 0)
            _exit(9);
        execl(harness_self(), harness_self(), "--sub", "exit_code", code, (char *)NULL);
        _exit(127);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return (void *)(intptr_t)-1;
    return (void *)(intptr_t)st;
}

TEST(vfork_from_a_thread_while_others_run)
{
    pthread_t s, v;
    stop_spinning = 0;
    CHECK(pthread_create(&s, NULL, spinner, NULL) == 0 ? 0 : -1);
    for (int round = 0; round < 5; round++) {
        void *st;
        CHECK(pthread_create(&v, NULL, vforker, NULL) == 0 ? 0 : -1);
        pthread_join(v, &st);
        int status = (int)(intptr_t)st;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 7) {
            FAIL("round %d: vfork child status 0x%x", round, status);
            break;
        }
    }
    stop_spinning = 1;
    pthread_join(s, NULL);
}

SUBPROG(single)
{
    (void)argc;
    pid_t want = (pid_t)atoi(argv[1]);
    if (getpid() != want)
        return 1;
    if (syscall(SYS_gettid) != getpid())
        return 2;
    if (thread_count() != 1)
        return 3;
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d", (int)want);
    if (access(path, F_OK) != 0)
        return 4;
    return 0;
}

static void *blocked_reader(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char c;
    (void)!read(fd, &c, 1);
    return NULL;
}

static void *execer(void *arg)
{
    (void)arg;
    char pid[16];
    snprintf(pid, sizeof(pid), "%d", getpid());
    execl(harness_self(), harness_self(), "--sub", "single", pid, (char *)NULL);
    _exit(127);
    return NULL;
}

TEST(execve_from_a_thread_leaves_one_thread_with_the_pid)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int p[2];
        if (pipe(p) != 0)
            _exit(100);
        pthread_t a, b, c;
        pthread_create(&a, NULL, spinner, NULL);                          /* in user code */
        pthread_create(&b, NULL, blocked_reader, (void *)(intptr_t)p[0]); /* in a syscall */
        if (wait_spins(1000) != 0)
            _exit(101);
        pthread_create(&c, NULL, execer, NULL);
        char ch;
        (void)!read(p[0], &ch, 1); /* the leader blocks as well */
        _exit(102);
    }
    EXPECT_EXIT(pid, 0);
}
