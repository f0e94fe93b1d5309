// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for sched_getaffinity/sched_setaffinity, sched_yield, getcpu and the basic
 * scheduler queries, with their EINVAL/ESRCH/EFAULT errors. */
#include <sched.h>
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
