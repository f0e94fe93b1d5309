// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for sysinfo: plausible memory, uptime, process count and load values that
 * agree with /proc, and EFAULT. */
#include <signal.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(plausible_values)
{
    struct sysinfo si;
    memset(&si, 0, sizeof(si));
    EXPECT_OK(sysinfo(&si));
    EXPECT_TRUE(si.uptime > 0);
    EXPECT_TRUE(si.totalram > 0);
    EXPECT_TRUE(si.freeram <= si.totalram);
    EXPECT_TRUE(si.mem_unit >= 1);
    EXPECT_TRUE(si.procs >= 1);
    EXPECT_TRUE((unsigned long long)si.totalram * si.mem_unit >= 16ULL << 20);
}

TEST(uptime_agrees_with_proc)
{
    struct sysinfo si;
    CHECK(sysinfo(&si));
    char buf[128];
    read_file("/proc/uptime", buf, sizeof(buf));
    double up = 0;
    EXPECT_EQ(sscanf(buf, "%lf", &up), 1);
    EXPECT_TRUE(up + 2 >= (double)si.uptime && (double)si.uptime + 2 >= up);
}

TEST(totalram_agrees_with_meminfo)
{
    struct sysinfo si;
    CHECK(sysinfo(&si));
    char buf[4096];
    read_file("/proc/meminfo", buf, sizeof(buf));
    unsigned long kb = 0;
    EXPECT_EQ(sscanf(buf, "MemTotal: %lu kB", &kb), 1);
    EXPECT_EQ((unsigned long long)si.totalram * si.mem_unit / 1024, kb);
}

TEST(procs_counts_children)
{
    struct sysinfo a, b;
    CHECK(sysinfo(&a));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK(sysinfo(&b));
    EXPECT_TRUE(b.procs >= 2);
    kill(pid, SIGKILL);
    wait_status(pid);
}

TEST(efault)
{
    EXPECT_ERRNO(syscall(SYS_sysinfo, (void *)1), EFAULT);
}
