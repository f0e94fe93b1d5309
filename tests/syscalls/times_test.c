// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for times and getrusage: the tick count advances, CPU time is charged to the
 * caller, and children's time appears only after they are waited for. */
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static void burn_ms(int ms)
{
    struct timespec t;
    do
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    while (t.tv_sec * 1000 + t.tv_nsec / 1000000 < ms);
}

TEST(ticks_advance)
{
    struct tms a;
    clock_t c0 = times(&a);
    usleep(50000);
    clock_t c1 = times(&a);
    EXPECT_TRUE(c1 > c0);
    EXPECT_TRUE(sysconf(_SC_CLK_TCK) == 100);
    EXPECT_OK(syscall(SYS_times, NULL));
}

TEST(cpu_time_charged)
{
    struct tms t;
    burn_ms(100);
    times(&t);
    EXPECT_TRUE(t.tms_utime + t.tms_stime >= 5);
}

TEST(children_time_after_wait)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        burn_ms(100);
        _exit(0);
    }
    struct tms t;
    times(&t);
    EXPECT_EQ(t.tms_cutime + t.tms_cstime, 0);
    EXPECT_EXIT(pid, 0);
    times(&t);
    EXPECT_TRUE(t.tms_cutime + t.tms_cstime >= 5);
}

TEST(getrusage_self_and_children)
{
    burn_ms(30);
    struct rusage ru;
    EXPECT_OK(getrusage(RUSAGE_SELF, &ru));
    EXPECT_TRUE(ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000 +
                    ru.ru_stime.tv_usec >=
                10000);
    EXPECT_TRUE(ru.ru_maxrss > 0);
    EXPECT_OK(getrusage(RUSAGE_CHILDREN, &ru));
    EXPECT_OK(getrusage(RUSAGE_THREAD, &ru));
    EXPECT_ERRNO(getrusage((__rusage_who_t)5, &ru), EINVAL);
    EXPECT_ERRNO(syscall(SYS_times, (void *)1), EFAULT);
}
