// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for sched_getaffinity/sched_setaffinity, sched_yield, getcpu and the basic
 * scheduler queries, with their EINVAL/ESRCH/EFAULT errors. */
#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(getaffinity_has_a_cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    long n = syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
    EXPECT_TRUE(n > 0 && n <= (long)sizeof(set) && n % 8 == 0); /* raw call returns bytes */
    EXPECT_TRUE(CPU_COUNT(&set) >= 1);
    EXPECT_TRUE(CPU_COUNT(&set) <= sysconf(_SC_NPROCESSORS_CONF));
}

TEST(getaffinity_errors)
{
    cpu_set_t set;
    EXPECT_ERRNO(syscall(SYS_sched_getaffinity, 0, 1, &set), EINVAL);
    EXPECT_ERRNO(syscall(SYS_sched_getaffinity, 0, 12, &set), EINVAL); /* not a multiple of 8 */
    EXPECT_ERRNO(syscall(SYS_sched_getaffinity, 999999999, sizeof(set), &set), ESRCH);
    EXPECT_ERRNO(syscall(SYS_sched_getaffinity, 0, sizeof(set), (void *)1), EFAULT);
}

TEST(setaffinity_to_current_cpu)
{
    cpu_set_t set, one, back;
    CHECK(sched_getaffinity(0, sizeof(set), &set));
    int cpu = -1;
    for (int i = 0; i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &set)) {
            cpu = i;
            break;
        }
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    EXPECT_OK(sched_setaffinity(0, sizeof(one), &one));
    CHECK(sched_getaffinity(0, sizeof(back), &back));
    EXPECT_EQ(CPU_COUNT(&back), 1);
    EXPECT_TRUE(CPU_ISSET(cpu, &back));
    unsigned got = 99;
    CHECK(syscall(SYS_getcpu, &got, NULL, NULL));
    EXPECT_EQ(got, cpu);
    cpu_set_t empty;
    CPU_ZERO(&empty);
    EXPECT_ERRNO(sched_setaffinity(0, sizeof(empty), &empty), EINVAL);
}

TEST(yield_succeeds)
{
    for (int i = 0; i < 100; i++)
        EXPECT_OK(sched_yield());
}

TEST(getcpu_in_range)
{
    unsigned cpu = 9999, node = 9999;
    EXPECT_OK(syscall(SYS_getcpu, &cpu, &node, NULL));
    EXPECT_TRUE(cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF));
    EXPECT_TRUE(node < 1024);
    EXPECT_OK(syscall(SYS_getcpu, NULL, NULL, NULL));
    EXPECT_EQ(sched_getcpu() >= 0, 1);
}

TEST(scheduler_policy_queries)
{
    EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
    struct sched_param sp;
    EXPECT_OK(sched_getparam(0, &sp));
    EXPECT_EQ(sp.sched_priority, 0);
    EXPECT_EQ(sched_get_priority_max(SCHED_FIFO), 99);
    EXPECT_EQ(sched_get_priority_min(SCHED_FIFO), 1);
    EXPECT_ERRNO(sched_get_priority_max(12345), EINVAL);
    EXPECT_ERRNO(sched_getscheduler(-1), EINVAL);
}

TEST(rr_get_interval)
{
    struct timespec ts = {-1, -1};
    EXPECT_OK(sched_rr_get_interval(0, &ts));
    EXPECT_TRUE(ts.tv_sec == 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
    EXPECT_OK(sched_rr_get_interval(getpid(), &ts));
    EXPECT_ERRNO(sched_rr_get_interval(-1, &ts), EINVAL);
    EXPECT_ERRNO(sched_rr_get_interval(4000000, &ts), ESRCH);
    EXPECT_ERRNO(sched_rr_get_interval(0, (struct timespec *)8), EFAULT);
}

/* struct sched_attr, as the kernel's uapi defines it (glibc 2.36 has none). */
struct sched_attr_ {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
    uint64_t tail;
};

TEST(policies_read_back)
{
    /* In a child: the policy and SCHED_RESET_ON_FORK stay with the process that set them. */
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct sched_param sp = {0};
        if (sched_setscheduler(0, SCHED_BATCH, &sp) != 0 || sched_getscheduler(0) != SCHED_BATCH)
            _exit(1);
        if (sched_setparam(0, &sp) != 0 || sched_getscheduler(0) != SCHED_BATCH)
            _exit(2); /* setparam keeps the policy */
        if (sched_setscheduler(0, SCHED_BATCH | SCHED_RESET_ON_FORK, &sp) != 0 ||
            sched_getscheduler(0) != (SCHED_BATCH | SCHED_RESET_ON_FORK))
            _exit(3);
        pid_t c = fork();
        if (c == 0) /* the child keeps BATCH but not the flag */
            _exit(sched_getscheduler(0) == SCHED_BATCH ? 0 : 1);
        int st;
        waitpid(c, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            _exit(4);
        struct sched_attr_ at;
        memset(&at, 0, sizeof(at));
        if (syscall(SYS_sched_getattr, 0, &at, 56, 0) != 0 || at.size != 56 ||
            at.sched_policy != SCHED_BATCH || at.sched_flags != 1)
            _exit(5);
        /* Unprivileged, SCHED_RESET_ON_FORK cannot be dropped and SCHED_IDLE not left. */
        if (geteuid() != 0) {
            if (sched_setscheduler(0, SCHED_OTHER, &sp) != -1 || errno != EPERM)
                _exit(6);
            if (sched_setscheduler(0, SCHED_IDLE | SCHED_RESET_ON_FORK, &sp) != 0)
                _exit(7);
            if (sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &sp) != -1 ||
                errno != EPERM)
                _exit(8);
        } else if (sched_setscheduler(0, SCHED_OTHER, &sp) != 0 ||
                   sched_getscheduler(0) != SCHED_OTHER) {
            _exit(9);
        }
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
}

TEST(getattr_setattr)
{
    struct sched_attr_ at;
    memset(&at, 0xff, sizeof(at));
    EXPECT_OK(syscall(SYS_sched_getattr, 0, &at, 48, 0));
    EXPECT_EQ(at.size, 48u);
    EXPECT_EQ(at.sched_policy, (uint32_t)SCHED_OTHER);
    EXPECT_EQ(at.sched_priority, 0u);
    EXPECT_EQ(at.sched_util_min, 0xffffffffu); /* past the 48 bytes asked for: untouched */
    memset(&at, 0, sizeof(at));
    EXPECT_OK(syscall(SYS_sched_getattr, 0, &at, sizeof(at), 0));
    EXPECT_EQ(at.size, 56u); /* what the kernel knows */
    EXPECT_ERRNO(syscall(SYS_sched_getattr, 0, &at, 40, 0), EINVAL);
    EXPECT_ERRNO(syscall(SYS_sched_getattr, 0, &at, 48, 1), EINVAL);
    EXPECT_ERRNO(syscall(SYS_sched_getattr, -1, &at, 48, 0), EINVAL);
    EXPECT_ERRNO(syscall(SYS_sched_getattr, 4000000, &at, 48, 0), ESRCH);
    EXPECT_ERRNO(syscall(SYS_sched_getattr, 0, NULL, 48, 0), EINVAL);
    /* setattr: a nice value goes to the process (getpriority sees it). */
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct sched_attr_ s;
        memset(&s, 0, sizeof(s));
        s.size = 48;
        s.sched_policy = SCHED_OTHER;
        s.sched_nice = 7;
        if (syscall(SYS_sched_setattr, 0, &s, 0) != 0)
            _exit(1);
        errno = 0;
        if (getpriority(PRIO_PROCESS, 0) != 7 || errno)
            _exit(2);
        struct sched_attr_ g;
        if (syscall(SYS_sched_getattr, 0, &g, 48, 0) != 0 || g.sched_nice != 7)
            _exit(3);
        s.sched_nice = 3; /* raising the priority needs RLIMIT_NICE or CAP_SYS_NICE */
        long r = syscall(SYS_sched_setattr, 0, &s, 0);
        if (geteuid() != 0 ? (r != -1 || errno != EPERM) : r != 0)
            _exit(4);
        s.size = 1; /* a bad size: E2BIG and the kernel's size written back */
        if (syscall(SYS_sched_setattr, 0, &s, 0) != -1 || errno != E2BIG || s.size != 56)
            _exit(5);
        s.size = sizeof(s);
        s.tail = 1; /* a larger struct must have a zero tail */
        if (syscall(SYS_sched_setattr, 0, &s, 0) != -1 || errno != E2BIG)
            _exit(6);
        s.tail = 0;
        s.sched_flags = 1ull << 20;
        if (syscall(SYS_sched_setattr, 0, &s, 0) != -1 || errno != EINVAL)
            _exit(7);
        if (syscall(SYS_sched_setattr, 0, &s, 1) != -1 || errno != EINVAL)
            _exit(8);
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
}
