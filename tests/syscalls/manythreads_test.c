// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for a process with many threads (300, above the 256 that fixed-size
 * tables tend to assume): all live at once, each makes system calls and takes a page fault of
 * its own, /proc/self/status and /proc/self/task count them, all are joined, and then the
 * process forks and the child execs. Also: many short-lived threads one after another in
 * waves, so thread slots are reused. */
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define NTHREADS 300
#define PAGE 4096

static char *pages;
static pthread_barrier_t all_up, may_leave;
static pid_t tids[NTHREADS];

static void *worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    tids[i] = tid;
    intptr_t bad = 0;
    /* System calls: ids, and a read of our own stat file. */
    if (getpid() == tid || syscall(SYS_getpid) != getpid())
        bad |= 1;
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
    int fd = open(path, O_RDONLY);
    if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0 || atoi(buf) != tid)
        bad |= 2;
    if (fd >= 0)
        close(fd);
    /* A page fault on a page nobody touched yet, then a read back. */
    volatile char *p = pages + (size_t)i * PAGE;
    p[100] = (char)(i & 0x7f);
    p[PAGE - 1] = 'x';
    if (p[100] != (char)(i & 0x7f) || p[0] != 0)
        bad |= 4;
    pthread_barrier_wait(&all_up);
    pthread_barrier_wait(&may_leave);
    return (void *)bad;
}

static int status_threads(void)
{
    char buf[4096];
    read_file("/proc/self/status", buf, sizeof(buf));
    const char *t = strstr(buf, "\nThreads:");
    return t ? atoi(t + 9) : -1;
}

static int task_dir_entries(void)
{
    int fd = CHECK(open("/proc/self/task", O_RDONLY | O_DIRECTORY));
    char buf[16384];
    int n = 0;
    for (;;) {
        long got = syscall(SYS_getdents64, fd, buf, sizeof(buf));
        if (got <= 0)
            break;
        for (long off = 0; off < got;) {
            unsigned short reclen = *(unsigned short *)(buf + off + 16);
            const char *name = buf + off + 19;
            if (name[0] != '.')
                n++;
            off += reclen;
        }
    }
    close(fd);
    return n;
}

SUBPROG(alone)
{
    (void)argc;
    (void)argv;
    return status_threads() == 1 ? 0 : 1;
}

TEST(three_hundred_threads_then_fork_and_exec)
{
    pages = CHECK(mmap(NULL, (size_t)NTHREADS * PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    pthread_barrier_init(&all_up, NULL, NTHREADS + 1);
    pthread_barrier_init(&may_leave, NULL, NTHREADS + 1);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 128 * 1024);
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        int err = pthread_create(&th[i], &attr, worker, (void *)(intptr_t)i);
        if (err)
            FATAL("pthread_create #%d: %s", i, strerror(err));
    }
    pthread_barrier_wait(&all_up);
    EXPECT_EQ(status_threads(), NTHREADS + 1);
    EXPECT_EQ(task_dir_entries(), NTHREADS + 1);
    for (int i = 0; i < NTHREADS; i++)
        for (int j = i + 1; j < NTHREADS && j < i + 8; j++)
            if (tids[i] == tids[j])
                FAIL("threads %d and %d share tid %d", i, j, tids[i]);
    pthread_barrier_wait(&may_leave);
    int bad = 0;
    for (int i = 0; i < NTHREADS; i++) {
        void *r;
        pthread_join(th[i], &r);
        if (r) {
            harness_diag("thread %d: failures %#lx", i, (unsigned long)(intptr_t)r);
            bad++;
        }
    }
    EXPECT_EQ(bad, 0);
    for (int i = 0; i < NTHREADS; i++)
        if (pages[(size_t)i * PAGE + 100] != (char)(i & 0x7f)) {
            FAIL("page %d lost its byte", i);
            break;
        }
    EXPECT_EQ(status_threads(), 1);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (pages[(size_t)(NTHREADS - 1) * PAGE + PAGE - 1] != 'x')
            _exit(3);
        execl(harness_self(), harness_self(), "--sub", "alone", (char *)NULL);
        _exit(127);
    }
    EXPECT_EXIT(pid, 0);
}

static void *short_lived(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)(syscall(SYS_gettid) == getpid());
}

TEST(waves_of_threads_reuse_slots)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    for (int wave = 0; wave < 4; wave++) {
        pthread_t th[NTHREADS];
        for (int i = 0; i < NTHREADS; i++) {
            int err = pthread_create(&th[i], &attr, short_lived, NULL);
            if (err)
                FATAL("wave %d: pthread_create #%d: %s", wave, i, strerror(err));
        }
        for (int i = 0; i < NTHREADS; i++) {
            void *r;
            pthread_join(th[i], &r);
            if (r)
                FAIL("wave %d thread %d has the process's id", wave, i);
        }
    }
    EXPECT_EQ(status_threads(), 1);
}
