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

static void *blocker(void *arg)
{
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
    pthread_create(&t, NULL, blocker, &got);
    usleep(20000);
    EXPECT_EQ(pthread_kill(t, SIGUSR2), 0);
    pthread_join(t, NULL);
    EXPECT_EQ(got, SIGUSR2);
}

static void *spin(void *arg)
{
    for (;;)
        pause();
    return arg;
}

TEST(fatal_signal_kills_all_threads)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        pthread_t t[3];
        for (int i = 0; i < 3; i++)
            pthread_create(&t[i], NULL, spin, NULL);
        usleep(10000);
        pthread_kill(t[1], SIGTERM); /* directed at one thread, fatal to the process */
        for (;;)
            pause();
    }
    EXPECT_SIGNALED(pid, SIGTERM);
}

static void *crash(void *arg)
{
    usleep(10000);
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
