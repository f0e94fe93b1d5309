// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for exit and exit_group: a thread's exit leaves the process running,
 * exit_group from any thread ends the whole process, and the status byte is masked. */
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static void *thread_exit_group(void *arg)
{
    syscall(SYS_exit_group, (int)(intptr_t)arg);
    return NULL;
}

static void *sleeper(void *arg)
{
    for (;;)
        pause();
    return arg;
}

TEST(exit_group_from_thread_ends_process)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        pthread_t a, b;
        pthread_create(&a, NULL, sleeper, NULL);
        pthread_create(&b, NULL, thread_exit_group, (void *)(intptr_t)33);
        for (;;)
            pause();
    }
    EXPECT_EXIT(pid, 33);
}

static void *raw_thread_exit(void *arg)
{
    syscall(SYS_exit, 0); /* ends only this thread */
    return arg;
}

TEST(exit_of_thread_keeps_process)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, raw_thread_exit, NULL);
        pthread_join(t, NULL); /* the kernel clears its tid when it is gone */
        _exit(5);
    }
    EXPECT_EXIT(pid, 5);
}

/* The main thread's clear-child-tid word (set_tid_address): the kernel zeroes it and wakes it
 * when the main thread has exited. */
static uint32_t leader_word;

/* Ends the process once its main thread has exited. */
static void *late_exit(void *arg)
{
    for (int i = 0; i < 1000; i++) {
        uint32_t v = __atomic_load_n(&leader_word, __ATOMIC_SEQ_CST);
        if (v == 0)
            syscall(SYS_exit_group, 21);
        struct timespec ts = {0, 10 * 1000 * 1000}; /* bounded: 10 s in all */
        syscall(SYS_futex, &leader_word, FUTEX_WAIT, v, &ts, NULL, 0);
    }
    syscall(SYS_exit_group, 22); /* the main thread's exit was never seen */
    return arg;
}

TEST(leader_exit_waits_for_other_threads)
{
    /* The main thread exits with SYS_exit; the process lives on until the last thread ends. */
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        pthread_t t;
        leader_word = (uint32_t)syscall(SYS_set_tid_address, &leader_word);
        pthread_create(&t, NULL, late_exit, NULL);
        syscall(SYS_exit, 3);
        _exit(99);
    }
    EXPECT_EXIT(pid, 21);
}

TEST(status_is_masked_to_8_bits)
{
    pid_t pid = CHECK(fork());
    if (pid == 0)
        syscall(SYS_exit_group, 0x1234);
    EXPECT_EXIT(pid, 0x34);
    pid = CHECK(fork());
    if (pid == 0)
        syscall(SYS_exit, -1);
    EXPECT_EXIT(pid, 255);
}

static int atexit_pipe = -1;
static void at_exit_handler(void)
{
    (void)!write(atexit_pipe, "A", 1);
}

TEST(libc_exit_runs_handlers_raw_exit_does_not)
{
    int p[2];
    CHECK(pipe(p));
    atexit_pipe = p[1];
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        atexit(at_exit_handler);
        exit(4);
    }
    EXPECT_EXIT(pid, 4);
    pid = CHECK(fork());
    if (pid == 0) {
        atexit(at_exit_handler);
        syscall(SYS_exit_group, 6);
    }
    EXPECT_EXIT(pid, 6);
    close(p[1]);
    char buf[4];
    EXPECT_EQ(read(p[0], buf, sizeof(buf)), 1);
    close(p[0]);
}
