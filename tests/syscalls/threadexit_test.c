// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for ending a multi-threaded process from any thread: exit_group from a
 * thread that is not the leader, while the other threads block in read, a futex wait,
 * nanosleep and poll, or spin in user code, ends the process at once with that status; so does
 * exit_group after the leader itself has exited; a fatal signal sent to one blocked thread, or
 * to a process whose threads spin, kills them all; two threads racing to exit_group end the
 * process with one of their codes. */
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define NBLOCKERS 4

static int block_pipe[2];
static uint32_t futex_word;
static pid_t blocker_tid[NBLOCKERS];

static void *blocker(void *arg)
{
    int kind = (int)(intptr_t)arg;
    __atomic_store_n(&blocker_tid[kind], (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
    char c;
    struct timespec long_time = {100, 0};
    struct pollfd pfd = {.fd = block_pipe[0], .events = POLLIN};
    switch (kind) {
    case 0:
        (void)!read(block_pipe[0], &c, 1);
        break;
    case 1:
        syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
        break;
    case 2:
        nanosleep(&long_time, NULL);
        break;
    case 3:
        poll(&pfd, 1, 100000);
        break;
    }
    _exit(90 + kind); /* none of them may come back */
    return NULL;
}

/* In the child: starts the blockers and returns once each sleeps in its call. */
static void start_blockers(void)
{
    if (pipe(block_pipe) != 0)
        _exit(80);
    for (int i = 0; i < NBLOCKERS; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, blocker, (void *)(intptr_t)i) != 0)
            _exit(81);
    }
    for (int i = 0; i < NBLOCKERS; i++) {
        while (!__atomic_load_n(&blocker_tid[i], __ATOMIC_SEQ_CST))
            sched_yield();
        if (harness_wait_thread_sleeping(blocker_tid[i]) != 0)
            _exit(82);
    }
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Waits for @pid, which announces on @ready when it is about to end itself; fails if it takes
 * more than 5 s after that (the blockers would have held it 100 s). Returns the status. */
static int wait_prompt(pid_t pid, int ready)
{
    char c;
    if (read(ready, &c, 1) != 1)
        FAIL("child never got ready");
    long t0 = now_ms();
    int st = wait_status(pid);
    long el = now_ms() - t0;
    if (el > 5000)
        FAIL("process took %ld ms to end", el);
    return st;
}

static int ready_pipe[2];

static void announce(void)
{
    (void)!write(ready_pipe[1], "r", 1);
}

static void *exit_group_thread(void *arg)
{
    announce();
    syscall(SYS_exit_group, (int)(intptr_t)arg);
    return NULL;
}

TEST(exit_group_from_a_thread_while_others_block)
{
    CHECK(pipe(ready_pipe));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        start_blockers();
        pthread_t t;
        pthread_create(&t, NULL, exit_group_thread, (void *)(intptr_t)42);
        char c;
        (void)!read(block_pipe[0], &c, 1); /* the leader blocks too */
        _exit(99);
    }
    int st = wait_prompt(pid, ready_pipe[0]);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 42)
        FAIL("status 0x%x, want exit 42", st);
}

TEST(exit_group_after_the_leader_exited)
{
    CHECK(pipe(ready_pipe));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        start_blockers();
        pthread_t t;
        pthread_create(&t, NULL, exit_group_thread, (void *)(intptr_t)43);
        /* The leader leaves as a thread; the process lives on in the others. */
        syscall(SYS_exit, 0);
        _exit(99);
    }
    int st = wait_prompt(pid, ready_pipe[0]);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 43)
        FAIL("status 0x%x, want exit 43", st);
}

TEST(fatal_signal_to_one_blocked_thread_kills_all)
{
    CHECK(pipe(ready_pipe));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        start_blockers();
        announce();
        /* SIGUSR1's default action terminates: sent to the thread in futex wait. */
        syscall(SYS_tgkill, getpid(), blocker_tid[1], SIGUSR1);
        char c;
        (void)!read(block_pipe[0], &c, 1);
        _exit(99);
    }
    int st = wait_prompt(pid, ready_pipe[0]);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGUSR1)
        FAIL("status 0x%x, want killed by SIGUSR1", st);
}

TEST(fatal_signal_from_outside_to_a_thread)
{
    CHECK(pipe(ready_pipe));
    int tid_pipe[2];
    CHECK(pipe(tid_pipe));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        start_blockers();
        (void)!write(tid_pipe[1], &blocker_tid[2], sizeof(pid_t));
        char c;
        (void)!read(block_pipe[0], &c, 1);
        _exit(99);
    }
    pid_t tid;
    CHECK(read(tid_pipe[0], &tid, sizeof(tid)));
    long t0 = now_ms();
    CHECK(syscall(SYS_tgkill, pid, tid, SIGTERM)); /* the thread in nanosleep */
    int st = wait_status(pid);
    EXPECT_TRUE(now_ms() - t0 < 5000);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM)
        FAIL("status 0x%x, want killed by SIGTERM", st);
}

static pthread_barrier_t race_barrier;

static void *racer(void *arg)
{
    pthread_barrier_wait(&race_barrier);
    syscall(SYS_exit_group, (int)(intptr_t)arg);
    return NULL;
}

TEST(racing_exit_groups_end_with_one_code)
{
    for (int round = 0; round < 20; round++) {
        pid_t pid = CHECK(fork());
        if (pid == 0) {
            pthread_barrier_init(&race_barrier, NULL, 3);
            pthread_t a, b;
            pthread_create(&a, NULL, racer, (void *)(intptr_t)11);
            pthread_create(&b, NULL, racer, (void *)(intptr_t)12);
            racer((void *)(intptr_t)13);
            _exit(99);
        }
        int st = wait_status(pid);
        if (!WIFEXITED(st) || WEXITSTATUS(st) < 11 || WEXITSTATUS(st) > 13) {
            FAIL("round %d: status 0x%x", round, st);
            return;
        }
    }
}

static volatile unsigned long spin_count[2];

/* Spins in user code, never entering the kernel. */
static void *user_spinner(void *arg)
{
    int i = (int)(intptr_t)arg;
    for (;;)
        spin_count[i]++;
    return NULL;
}

/* In the child: starts two spinners and returns once both have run. */
static void start_spinners(void)
{
    for (int i = 0; i < 2; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, user_spinner, (void *)(intptr_t)i) != 0)
            _exit(81);
    }
    while (spin_count[0] < 1000 || spin_count[1] < 1000)
        sched_yield();
}

TEST(exit_group_while_others_spin_in_user_code)
{
    CHECK(pipe(ready_pipe));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        start_spinners();
        pthread_t t;
        pthread_create(&t, NULL, exit_group_thread, (void *)(intptr_t)44);
        for (;;)
            spin_count[0]++; /* the leader spins too */
    }
    int st = wait_prompt(pid, ready_pipe[0]);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 44)
        FAIL("status 0x%x, want exit 44", st);
}

TEST(fatal_signal_to_a_spinning_process)
{
    CHECK(pipe(ready_pipe));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        start_spinners();
        announce();
        for (;;)
            spin_count[1]++;
    }
    char c;
    CHECK(read(ready_pipe[0], &c, 1));
    long t0 = now_ms();
    CHECK(kill(pid, SIGTERM));
    int st = wait_status(pid);
    EXPECT_TRUE(now_ms() - t0 < 5000);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM)
        FAIL("status 0x%x, want killed by SIGTERM", st);
}
