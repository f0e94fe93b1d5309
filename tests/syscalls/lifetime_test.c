// SPDX-License-Identifier: Apache-2.0
/* Conformance tests of task and process lifetimes: a vfork child that outlives its parent
 * (killed and reaped while suspended in vfork), a vfork parent whose process is ended by
 * another of its threads, and two threads of one process calling execve at once. The kernel
 * must not touch what it freed: "witness" processes suspended in vfork() of their own would
 * be woken early by a write through a stale pointer to a freed task. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

extern char **environ;

#define NWITNESS 4

/* Processes suspended in vfork() until finish; each exits 0 unless its vfork() returned
 * before its child exited. */
struct witnesses {
    pid_t pid[NWITNESS];
    int go[2];
};

static volatile int witness_child_done;

/* Read until end of file into @buf (NUL-terminated). Returns the length. */
static ssize_t read_to_eof(int fd, char *buf, size_t cap)
{
    size_t off = 0;
    for (;;) {
        ssize_t n = read(fd, buf + off, cap - 1 - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
        if (off == cap - 1)
            break;
    }
    buf[off] = '\0';
    return (ssize_t)off;
}

static void witness_main(int ready_fd, int go_fd)
{
    witness_child_done = 0;
    pid_t c = vfork();
    if (c == 0) {
        char b;
        syscall(SYS_write, ready_fd, "w", 1);
        syscall(SYS_read, go_fd, &b, 1);
        witness_child_done = 1;
        syscall(SYS_exit, 0);
    }
    if (c < 0)
        _exit(2);
    int early = !witness_child_done;
    int st;
    waitpid(c, &st, 0);
    _exit(early ? 3 : 0);
}

/* Start the witnesses and wait until each is suspended in vfork(). */
static void witnesses_start(struct witnesses *w)
{
    int ready[2];
    CHECK(pipe2(ready, O_CLOEXEC));
    CHECK(pipe2(w->go, O_CLOEXEC));
    for (int i = 0; i < NWITNESS; i++) {
        pid_t q = CHECK(fork());
        if (q == 0) {
            close(ready[0]);
            close(w->go[1]);
            witness_main(ready[1], w->go[0]);
        }
        w->pid[i] = q;
    }
    close(ready[1]);
    close(w->go[0]);
    for (int i = 0; i < NWITNESS; i++) {
        char b;
        if (read(ready[0], &b, 1) != 1)
            FATAL("witness %d did not start", i);
    }
    close(ready[0]);
}

/* Release the witnesses' vfork children and check that no witness returned early. */
static void witnesses_finish(struct witnesses *w)
{
    char buf[NWITNESS] = {0};
    CHECK(write(w->go[1], buf, sizeof(buf)));
    close(w->go[1]);
    for (int i = 0; i < NWITNESS; i++)
        EXPECT_EXIT(w->pid[i], 0);
}

/* Run by the orphaned vfork child's execve: report through fd argv[1]. */
SUBPROG(orphan_exec)
{
    if (argc != 2)
        return 1;
    return write(atoi(argv[1]), "E", 1) == 1 ? 0 : 2;
}

static char *g_exec_argv[5];
static char g_exec_fd[16];

enum orphan_end { ORPHAN_EXIT, ORPHAN_EXEC };

/* The vfork child of a dead parent: signal @ready_fd, wait for @go_fd, then exit or exec. */
static void orphan_child(int ready_fd, int go_fd, enum orphan_end end)
{
    char b;
    syscall(SYS_write, ready_fd, "c", 1);
    syscall(SYS_read, go_fd, &b, 1);
    if (end == ORPHAN_EXEC)
        syscall(SYS_execve, g_exec_argv[0], g_exec_argv, environ);
    syscall(SYS_exit, 42);
}

/* P forks, P vforks C; the test kills and reaps P while it is suspended in vfork(); then C
 * exits or execs. @end decides which. */
static void vfork_orphan(enum orphan_end end)
{
    int ready[2], go[2], done[2];
    CHECK(pipe2(ready, O_CLOEXEC));
    CHECK(pipe2(go, O_CLOEXEC));
    CHECK(pipe(done));
    snprintf(g_exec_fd, sizeof(g_exec_fd), "%d", done[1]);
    g_exec_argv[0] = (char *)harness_self();
    g_exec_argv[1] = "--sub";
    g_exec_argv[2] = "orphan_exec";
    g_exec_argv[3] = g_exec_fd;
    g_exec_argv[4] = NULL;
    pid_t p = CHECK(fork());
    if (p == 0) {
        close(done[0]);
        pid_t c = vfork();
        if (c == 0)
            orphan_child(ready[1], go[0], end);
        _exit(1); /* not reached: killed while suspended in vfork() */
    }
    close(ready[1]);
    close(go[0]);
    close(done[1]);
    char b;
    if (read(ready[0], &b, 1) != 1)
        FATAL("the vfork child did not start");
    /* The parent is suspended in vfork(): SIGKILL must end it, and the test reaps it. */
    CHECK(kill(p, SIGKILL));
    EXPECT_SIGNALED(p, SIGKILL);
    struct witnesses w;
    witnesses_start(&w);
    CHECK(write(go[1], "g", 1));
    char out[8];
    read_to_eof(done[0], out, sizeof(out));
    EXPECT_STREQ(out, end == ORPHAN_EXEC ? "E" : "");
    witnesses_finish(&w);
    close(ready[0]);
    close(go[1]);
    close(done[0]);
    /* The kernel still works: a fork and a wait. */
    pid_t k = CHECK(fork());
    if (k == 0)
        _exit(9);
    EXPECT_EXIT(k, 9);
}

TEST(vfork_child_exits_after_parent_killed_and_reaped)
{
    vfork_orphan(ORPHAN_EXIT);
}

TEST(vfork_child_execs_after_parent_killed_and_reaped)
{
    vfork_orphan(ORPHAN_EXEC);
}

static int g_trigger_fd;

static void *exit_group_when_triggered(void *arg)
{
    char b;
    (void)arg;
    if (read(g_trigger_fd, &b, 1) == 1)
        syscall(SYS_exit_group, 5);
    return NULL;
}

/* Another thread of the vfork parent's process calls exit_group while the parent is
 * suspended: the process exits with that status, and the vfork child exits later. */
TEST(vfork_parent_ended_by_exit_group_of_another_thread)
{
    int trigger[2], go[2], done[2];
    CHECK(pipe2(trigger, O_CLOEXEC));
    CHECK(pipe2(go, O_CLOEXEC));
    CHECK(pipe(done));
    pid_t p = CHECK(fork());
    if (p == 0) {
        close(done[0]);
        g_trigger_fd = trigger[0];
        pthread_t th;
        if (pthread_create(&th, NULL, exit_group_when_triggered, NULL) != 0)
            _exit(2);
        pid_t c = vfork();
        if (c == 0)
            orphan_child(trigger[1], go[0], ORPHAN_EXIT);
        _exit(1); /* not reached: the other thread's exit_group ends the process */
    }
    close(trigger[0]);
    close(trigger[1]);
    close(go[0]);
    close(done[1]);
    EXPECT_EXIT(p, 5);
    struct witnesses w;
    witnesses_start(&w);
    CHECK(write(go[1], "g", 1));
    char out[8];
    read_to_eof(done[0], out, sizeof(out));
    EXPECT_STREQ(out, "");
    witnesses_finish(&w);
    close(go[1]);
    close(done[0]);
}

/* Run by the execve of one of two racing threads: report which one through fd argv[2]. */
SUBPROG(exec_winner)
{
    if (argc != 3 || syscall(SYS_gettid) != getpid())
        return 1;
    return write(atoi(argv[2]), argv[1], 1) == 1 ? 0 : 2;
}

static pthread_barrier_t g_exec_barrier;
static char *g_racer_argv[2][6];

static void *exec_racer(void *arg)
{
    char **argv = arg;
    pthread_barrier_wait(&g_exec_barrier);
    execve(argv[0], argv, environ);
    return NULL;
}

/* Two threads of one process call execve at the same moment: one wins, the other is gone,
 * and the process runs the new program exactly once (Linux's de_thread). */
TEST(two_threads_exec_at_once)
{
    for (int round = 0; round < 20; round++) {
        int out[2];
        CHECK(pipe(out));
        char fd[16];
        snprintf(fd, sizeof(fd), "%d", out[1]);
        for (int i = 0; i < 2; i++) {
            g_racer_argv[i][0] = (char *)harness_self();
            g_racer_argv[i][1] = "--sub";
            g_racer_argv[i][2] = "exec_winner";
            g_racer_argv[i][3] = i == 0 ? "L" : "T";
            g_racer_argv[i][4] = fd;
            g_racer_argv[i][5] = NULL;
        }
        pid_t p = CHECK(fork());
        if (p == 0) {
            close(out[0]);
            pthread_barrier_init(&g_exec_barrier, NULL, 2);
            pthread_t th;
            if (pthread_create(&th, NULL, exec_racer, g_racer_argv[1]) != 0)
                _exit(3);
            exec_racer(g_racer_argv[0]);
            _exit(4);
        }
        close(out[1]);
        char buf[8];
        ssize_t n = read_to_eof(out[0], buf, sizeof(buf));
        close(out[0]);
        EXPECT_EQ(n, 1);
        EXPECT_EXIT(p, 0);
        if (harness_failed)
            break;
    }
}
