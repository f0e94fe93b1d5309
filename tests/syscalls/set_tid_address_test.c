// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for set_tid_address: the return value, and the kernel clearing the registered
 * word and waking a futex waiter when the thread exits. */
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(returns_caller_tid)
{
    static int slot;
    EXPECT_EQ(syscall(SYS_set_tid_address, &slot), getpid());
}

static uint32_t thread_slot = 0xdeadbeef;

static void *register_then_exit(void *arg)
{
    long tid = syscall(SYS_set_tid_address, &thread_slot);
    __atomic_store_n(&thread_slot, (uint32_t)tid, __ATOMIC_SEQ_CST);
    syscall(SYS_exit, 0); /* raw exit: the kernel clears and wakes thread_slot */
    return arg;
}

TEST(thread_exit_clears_and_wakes)
{
    pthread_t t;
    thread_slot = 0;
    /* The thread never returns through pthread, so it is never joined; detach it. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    CHECK(pthread_create(&t, &attr, register_then_exit, NULL) ? -1 : 0);
    for (int i = 0; i < 1000 && __atomic_load_n(&thread_slot, __ATOMIC_SEQ_CST) == 0; i++)
        usleep(1000);
    for (;;) {
        uint32_t v = __atomic_load_n(&thread_slot, __ATOMIC_SEQ_CST);
        if (v == 0)
            break;
        syscall(SYS_futex, &thread_slot, FUTEX_WAIT, v, NULL, NULL, 0);
    }
    EXPECT_EQ(thread_slot, 0);
}

static uint32_t *shared_word;

static void *register_shared_then_exit(void *arg)
{
    syscall(SYS_set_tid_address, shared_word);
    __atomic_store_n(shared_word, (uint32_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&shared_word[1], __ATOMIC_SEQ_CST) == 0)
        usleep(1000); /* exit only after the parent has seen the tid */
    syscall(SYS_exit, 0);
    return arg;
}

TEST(thread_exit_wakes_waiter_in_other_process)
{
    /* COMPAT: Linux clears the word only while other users of the mm remain (mm_users > 1), so
     * the thread exits while its process's main thread is still alive. */
    shared_word =
        CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    shared_word[0] = shared_word[1] = 0;
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_t t;
        pthread_create(&t, &attr, register_shared_then_exit, NULL);
        for (;;)
            pause();
    }
    while (__atomic_load_n(shared_word, __ATOMIC_SEQ_CST) == 0)
        usleep(1000);
    __atomic_store_n(&shared_word[1], 1, __ATOMIC_SEQ_CST);
    for (;;) {
        uint32_t v = __atomic_load_n(shared_word, __ATOMIC_SEQ_CST);
        if (v == 0)
            break;
        syscall(SYS_futex, shared_word, FUTEX_WAIT, v, NULL, NULL, 0); /* shared futex */
    }
    EXPECT_EQ(*shared_word, 0);
    kill(pid, SIGKILL);
    wait_status(pid);
    munmap(shared_word, 4096);
}

TEST(null_address_disables)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        _exit(syscall(SYS_set_tid_address, NULL) == getpid() ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
}
