// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for set_robust_list/get_robust_list and the kernel's robust-futex cleanup: a
 * lock word held by a thread that dies gets FUTEX_OWNER_DIED and a waiter is woken. */
#include <linux/futex.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

struct lock {
    struct robust_list list; /* must be at the offset the head's futex_offset points from */
    uint32_t word;
};

TEST(get_robust_list_returns_what_was_set)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        static struct robust_list_head head;
        head.list.next = &head.list;
        head.futex_offset = 8;
        if (syscall(SYS_set_robust_list, &head, sizeof(head)) != 0)
            _exit(1);
        struct robust_list_head *got = NULL;
        size_t len = 0;
        if (syscall(SYS_get_robust_list, 0, &got, &len) != 0)
            _exit(2);
        _exit(got == &head && len == sizeof(head) ? 0 : 3);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(glibc_registers_a_list)
{
    struct robust_list_head *got = NULL;
    size_t len = 0;
    EXPECT_OK(syscall(SYS_get_robust_list, 0, &got, &len));
    EXPECT_TRUE(got != NULL);
    EXPECT_EQ(len, sizeof(struct robust_list_head));
}

TEST(errors)
{
    struct robust_list_head head;
    EXPECT_ERRNO(syscall(SYS_set_robust_list, &head, sizeof(head) + 1), EINVAL);
    EXPECT_ERRNO(syscall(SYS_set_robust_list, &head, 0), EINVAL);
    struct robust_list_head *got;
    size_t len;
    EXPECT_ERRNO(syscall(SYS_get_robust_list, 999999999, &got, &len), ESRCH);
    EXPECT_ERRNO(syscall(SYS_get_robust_list, 0, (void *)1, &len), EFAULT);
}

TEST(owner_death_sets_owner_died)
{
    struct lock *lk =
        CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    int p[2];
    CHECK(pipe(p));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        static struct robust_list_head head;
        head.futex_offset = offsetof(struct lock, word) - offsetof(struct lock, list);
        head.list_op_pending = NULL;
        /* Take the lock: word = our tid, and link the lock into our robust list. */
        lk->word = (uint32_t)syscall(SYS_gettid);
        lk->list.next = &head.list;
        head.list.next = &lk->list;
        if (syscall(SYS_set_robust_list, &head, sizeof(head)) != 0)
            _exit(1);
        (void)!write(p[1], "x", 1);
        for (;;)
            pause();
    }
    char c;
    CHECK(read(p[0], &c, 1));
    uint32_t tid = (uint32_t)pid;
    EXPECT_EQ(lk->word, tid);
    CHECK(kill(pid, SIGKILL));
    EXPECT_SIGNALED(pid, SIGKILL);
    EXPECT_EQ(lk->word & FUTEX_OWNER_DIED, FUTEX_OWNER_DIED);
    EXPECT_EQ(lk->word & FUTEX_TID_MASK, 0);
    munmap(lk, 4096);
    close(p[0]);
    close(p[1]);
}

TEST(owner_death_wakes_waiter)
{
    struct lock *lk =
        CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    int p[2], go[2];
    CHECK(pipe(p));
    CHECK(pipe(go));
    pid_t owner = CHECK(fork());
    if (owner == 0) {
        static struct robust_list_head head;
        head.futex_offset = offsetof(struct lock, word) - offsetof(struct lock, list);
        lk->word = (uint32_t)syscall(SYS_gettid) | FUTEX_WAITERS;
        lk->list.next = &head.list;
        head.list.next = &lk->list;
        syscall(SYS_set_robust_list, &head, sizeof(head));
        (void)!write(p[1], "x", 1);
        char g;
        (void)!read(go[0], &g, 1); /* until the waiter sleeps in its futex wait */
        _exit(0);                  /* dies holding the lock */
    }
    char c;
    CHECK(read(p[0], &c, 1));
    pid_t waiter = CHECK(fork());
    if (waiter == 0) {
        uint32_t v = __atomic_load_n(&lk->word, __ATOMIC_SEQ_CST);
        while (!(v & FUTEX_OWNER_DIED)) {
            syscall(SYS_futex, &lk->word, FUTEX_WAIT, v, NULL, NULL, 0);
            v = __atomic_load_n(&lk->word, __ATOMIC_SEQ_CST);
        }
        _exit(0);
    }
    CHECK(harness_wait_process_sleeping(waiter));
    CHECK(write(go[1], "g", 1));
    EXPECT_EXIT(owner, 0);
    EXPECT_EXIT(waiter, 0);
    munmap(lk, 4096);
    close(p[0]);
    close(p[1]);
    close(go[0]);
    close(go[1]);
}

TEST(pthread_robust_mutex_eownerdead)
{
    pthread_mutex_t *m =
        CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(m, &a);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        pthread_mutex_lock(m);
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_EQ(pthread_mutex_lock(m), EOWNERDEAD);
    EXPECT_EQ(pthread_mutex_consistent(m), 0);
    EXPECT_EQ(pthread_mutex_unlock(m), 0);
    munmap(m, 4096);
}
