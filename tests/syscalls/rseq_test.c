// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for restartable sequences as a C library sees them. glibc registers an
 * rseq area for every thread when the kernel lets it (__rseq_size then says so); a kernel
 * without rseq (ENOSYS) is fine too. Whichever happened, the state must be consistent: a
 * registered area holds the CPU the thread runs on and refuses a second registration (EBUSY,
 * EINVAL, EPERM as Linux decides), an unregistered thread can still ask for its CPU, and
 * both hold in new threads, forked children and after execve. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#ifndef RSEQ_SIG
#define RSEQ_SIG 0x53053053
#endif

static long sys_rseq(void *area, uint32_t len, int flags, uint32_t sig)
{
    return syscall(SYS_rseq, area, len, flags, sig);
}

static struct rseq *glibc_area(void)
{
    return (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
}

static long ncpus(void)
{
    return sysconf(_SC_NPROCESSORS_CONF);
}

/* Checks this thread's rseq state against what glibc recorded. Returns a failure count. */
static int check_thread_state(void)
{
    int bad = 0;
    int cpu = sched_getcpu();
    if (cpu < 0 || cpu >= ncpus()) {
        harness_diag("sched_getcpu() = %d", cpu);
        bad++;
    }
    static struct rseq other __attribute__((aligned(32)));
    if (__rseq_size > 0) {
        struct rseq *a = glibc_area();
        uint32_t c = __atomic_load_n(&a->cpu_id, __ATOMIC_RELAXED);
        if (c >= (uint32_t)ncpus() || a->cpu_id_start >= (uint32_t)ncpus()) {
            harness_diag("registered area: cpu_id %u cpu_id_start %u", c, a->cpu_id_start);
            bad++;
        }
        /* The same area again is EBUSY, another area EINVAL, another signature EPERM. */
        errno = 0;
        if (sys_rseq(a, 32, 0, RSEQ_SIG) != -1 || errno != EBUSY) {
            harness_diag("re-registering the area: %s", harness_errname(errno));
            bad++;
        }
        errno = 0;
        if (sys_rseq(&other, 32, 0, RSEQ_SIG) != -1 || errno != EINVAL) {
            harness_diag("registering a second area: %s", harness_errname(errno));
            bad++;
        }
        errno = 0;
        if (sys_rseq(a, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG ^ 1) != -1 || errno != EPERM) {
            harness_diag("unregistering with another signature: %s", harness_errname(errno));
            bad++;
        }
    } else {
        /* glibc could not register (or was told not to): a registration of our own either
         * works (then undo it) or the kernel has no rseq at all. */
        long r = sys_rseq(&other, 32, 0, RSEQ_SIG);
        if (r == 0) {
            if (sys_rseq(&other, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) != 0) {
                harness_diag("unregister: %s", harness_errname(errno));
                bad++;
            }
        } else if (errno != ENOSYS) {
            harness_diag("rseq with glibc unregistered: %s", harness_errname(errno));
            bad++;
        }
    }
    return bad;
}

TEST(glibc_state_is_consistent)
{
    EXPECT_TRUE(__rseq_size == 0 || __rseq_size >= 20); /* 20 in the original ABI, or more */
    EXPECT_EQ(check_thread_state(), 0);
}

TEST(registered_area_follows_the_cpu)
{
    if (__rseq_size == 0)
        SKIP("glibc has no rseq registration here");
    /* Pinned to one CPU, the area and getcpu(2) must name it. */
    int cpu = sched_getcpu();
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    CHECK(sched_setaffinity(0, sizeof(set), &set));
    unsigned sc = 0;
    CHECK(syscall(SYS_getcpu, &sc, NULL, NULL));
    EXPECT_EQ(sc, (unsigned)cpu);
    EXPECT_EQ(__atomic_load_n(&glibc_area()->cpu_id, __ATOMIC_RELAXED), (uint32_t)cpu);
}

static void *thread_check(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)check_thread_state();
}

TEST(every_thread_has_the_same_state)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, thread_check, NULL) == 0 ? 0 : -1);
    for (int i = 0; i < 4; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        EXPECT_EQ((intptr_t)bad, 0);
    }
}

TEST(forked_child_keeps_the_state)
{
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(check_thread_state() == 0 ? 0 : 1);
    EXPECT_EXIT(pid, 0);
}

SUBPROG(check)
{
    (void)argc;
    unsigned want = (unsigned)strtoul(argv[1], NULL, 10);
    if (want != __rseq_size) {
        fprintf(stderr, "__rseq_size %u after execve, %u before\n", __rseq_size, want);
        return 1;
    }
    return check_thread_state() == 0 ? 0 : 1;
}

TEST(execve_gives_the_same_state)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char size[16];
        snprintf(size, sizeof(size), "%u", __rseq_size);
        execl(harness_self(), harness_self(), "--sub", "check", size, (char *)NULL);
        _exit(127);
    }
    EXPECT_EXIT(pid, 0);
}
