// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for signals in multi-threaded processes: process-directed signals go to a
 * thread that does not block them, thread-directed ones to their target, and fatal signals end
 * every thread. */
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static volatile pid_t handler_tid;
static volatile int hits;
static volatile pid_t worker_tid;
static volatile int stop_worker;

static void handler(int sig)
{
    (void)sig;
    handler_tid = (pid_t)syscall(SYS_gettid);
    hits++;
}

static void *worker(void *arg)
{
    (void)arg;
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    worker_tid = (pid_t)syscall(SYS_gettid);
    while (!stop_worker)
        usleep(1000);
    return NULL;
}

TEST(process_signal_goes_to_unblocking_thread)
{
    signal(SIGUSR1, handler);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL)); /* main thread blocks it */
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    while (!worker_tid)
        usleep(1000);
    hits = 0;
    CHECK(kill(getpid(), SIGUSR1));
    for (int i = 0; i < 2000 && !hits; i++)
        usleep(1000);
    EXPECT_EQ(hits, 1);
    EXPECT_EQ(handler_tid, worker_tid);
    stop_worker = 1;
    pthread_join(t, NULL);
}

TEST(pending_process_signal_taken_on_unblock)
{
    signal(SIGUSR1, handler);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL));
    hits = 0;
    CHECK(kill(getpid(), SIGUSR1));
    EXPECT_EQ(hits, 0);
    CHECK(sigprocmask(SIG_UNBLOCK, &s, NULL));
    EXPECT_EQ(hits, 1);
    EXPECT_EQ(handler_tid, getpid());
}

static volatile pid_t blocker_tid;

static void *blocker(void *arg)
{
    blocker_tid = (pid_t)syscall(SYS_gettid);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    int sig = 0;
    sigwait(&s, &sig); /* collects a signal sent to this thread */
    *(int *)arg = sig;
    return NULL;
}

TEST(sigwait_in_thread_gets_directed_signal)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL));
    int got = 0;
    pthread_t t;
    blocker_tid = 0;
    pthread_create(&t, NULL, blocker, &got);
    while (!blocker_tid)
        usleep(1000);
    CHECK(harness_wait_thread_sleeping(blocker_tid)); /* in sigwait */
    EXPECT_EQ(pthread_kill(t, SIGUSR2), 0);
    pthread_join(t, NULL);
    EXPECT_EQ(got, SIGUSR2);
}

/* Publishes its tid in *@arg, then waits for signals for ever. */
static void *spin(void *arg)
{
    __atomic_store_n((pid_t *)arg, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
    for (;;)
        pause();
    return arg;
}

TEST(fatal_signal_kills_all_threads)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        pthread_t t[3];
        static pid_t tids[3];
        for (int i = 0; i < 3; i++)
            pthread_create(&t[i], NULL, spin, &tids[i]);
        for (int i = 0; i < 3; i++) { /* every thread waits in pause */
            while (!__atomic_load_n(&tids[i], __ATOMIC_SEQ_CST))
                usleep(1000);
            if (harness_wait_thread_sleeping(tids[i]) != 0)
                _exit(2);
        }
        pthread_kill(t[1], SIGTERM); /* directed at one thread, fatal to the process */
        for (;;)
            pause();
    }
    EXPECT_SIGNALED(pid, SIGTERM);
}

/* Faults once the main thread (tid = the pid) waits in pause. */
static void *crash(void *arg)
{
    harness_wait_thread_sleeping(getpid());
    *(volatile int *)arg = 1;
    return NULL;
}

TEST(fault_in_thread_kills_process)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, crash, NULL);
        for (;;)
            pause();
    }
    EXPECT_SIGNALED(pid, SIGSEGV);
}

TEST(pthread_kill_bad_signal)
{
    EXPECT_EQ(pthread_kill(pthread_self(), 99), EINVAL);
    EXPECT_EQ(pthread_kill(pthread_self(), 0), 0);
}
