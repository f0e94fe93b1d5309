// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for clone: pthread threads (CLONE_VM/THREAD/SETTLS), thread-local storage per
 * thread, raw clone with CLONE_CHILD_SETTID/CHILD_CLEARTID/PARENT_SETTID, and EINVAL flag checks.
 */
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static __thread int tls_value = 1;
static int shared_counter;
static pthread_barrier_t all_running;

static void *thread_fn(void *arg)
{
    tls_value = (int)(intptr_t)arg; /* each thread has its own copy via its TLS block */
    __atomic_add_fetch(&shared_counter, 1, __ATOMIC_SEQ_CST);
    pthread_barrier_wait(&all_running); /* the four TLS blocks exist at the same time */
    return (void *)(intptr_t)(tls_value * 10 + (syscall(SYS_gettid) != getpid()));
}

TEST(pthreads_share_memory_not_tls)
{
    pthread_t t[4];
    CHECK(pthread_barrier_init(&all_running, NULL, 4) ? -1 : 0);
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(pthread_create(&t[i], NULL, thread_fn, (void *)(intptr_t)(i + 2)), 0);
    for (int i = 0; i < 4; i++) {
        void *ret;
        EXPECT_EQ(pthread_join(t[i], &ret), 0);
        EXPECT_EQ((intptr_t)ret, (i + 2) * 10 + 1);
    }
    EXPECT_EQ(shared_counter, 4);
    EXPECT_EQ(tls_value, 1);
}

static void *fs_fn(void *arg)
{
    uintptr_t fs;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(fs));
    *(uintptr_t *)arg = fs;
    return NULL;
}

TEST(settls_gives_each_thread_own_fs)
{
    uintptr_t main_fs, thr_fs = 0;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(main_fs));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, fs_fn, &thr_fs) == 0 ? 0 : -1);
    pthread_join(t, NULL);
    EXPECT_TRUE(thr_fs != 0);
    EXPECT_NE(thr_fs, main_fs);
}

#define STACK_SIZE (64 * 1024)

static pid_t child_tid_slot;
static pid_t parent_tid_slot;
static volatile int child_ran;

static int raw_clone(unsigned long flags, void *stack, pid_t *ptid, pid_t *ctid)
{
    long r;
    register long r10 __asm__("r10") = (long)ctid;
    register long r8 __asm__("r8") = 0;
    /* The child returns on the new stack with no frame: it runs a tiny body and exits here. */
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "movl $1, child_ran(%%rip)\n\t"
                     "mov $60, %%eax\n\t"
                     "xor %%edi, %%edi\n\t"
                     "syscall\n\t"
                     "1:\n\t"
                     : "=a"(r)
                     : "0"(SYS_clone), "D"(flags), "S"(stack), "d"(ptid), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return (int)r;
}

TEST(raw_clone_settid_cleartid)
{
    char *stack =
        CHECK(mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                          CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID |
                          CLONE_CHILD_CLEARTID;
    child_tid_slot = -1;
    int tid = CHECK(raw_clone(flags, stack + STACK_SIZE, &parent_tid_slot, &child_tid_slot));
    EXPECT_TRUE(tid > 0);
    EXPECT_EQ(parent_tid_slot, tid);
    /* Wait for the kernel to clear the tid and wake the futex at thread exit. */
    for (;;) {
        pid_t v = __atomic_load_n(&child_tid_slot, __ATOMIC_SEQ_CST);
        if (v == 0)
            break;
        long r = syscall(SYS_futex, &child_tid_slot, FUTEX_WAIT, v, NULL, NULL, 0);
        if (r == -1 && errno != EAGAIN && errno != EINTR)
            FATAL("futex wait: %s", harness_errname(errno));
    }
    EXPECT_EQ(child_ran, 1);
    EXPECT_EQ(child_tid_slot, 0);
    munmap(stack, STACK_SIZE);
}

TEST(raw_clone_process_child_settid)
{
    /* Without CLONE_VM the child writes its tid into its own copy only. */
    child_tid_slot = -1;
    int pid = CHECK(raw_clone(SIGCHLD | CLONE_CHILD_SETTID, NULL, NULL, &child_tid_slot));
    EXPECT_EQ(child_tid_slot, -1);
    EXPECT_EXIT(pid, 0);
}

TEST(invalid_flag_combinations)
{
    /* CLONE_THREAD requires CLONE_SIGHAND, which requires CLONE_VM. */
    EXPECT_ERRNO(syscall(SYS_clone, CLONE_THREAD, NULL, NULL, NULL, 0), EINVAL);
    EXPECT_ERRNO(syscall(SYS_clone, CLONE_SIGHAND, NULL, NULL, NULL, 0), EINVAL);
    EXPECT_ERRNO(syscall(SYS_clone, CLONE_FS | CLONE_NEWNS, NULL, NULL, NULL, 0), EINVAL);
}

static void *exit_code_thread(void *arg)
{
    return arg;
}

TEST(many_threads_sequentially)
{
    for (int i = 0; i < 50; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, exit_code_thread, (void *)(intptr_t)i) != 0)
            FATAL("pthread_create %d", i);
        void *r;
        pthread_join(t, &r);
        EXPECT_EQ((intptr_t)r, i);
    }
}
