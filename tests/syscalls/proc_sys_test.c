// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for the system-wide /proc files: cpuinfo, meminfo, stat, uptime, loadavg,
 * version and the pid directories. */
#include <fcntl.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static char buf[1 << 17];

TEST(cpuinfo_has_processor)
{
    read_file("/proc/cpuinfo", buf, sizeof(buf));
    EXPECT_TRUE(strncmp(buf, "processor", 9) == 0);
    EXPECT_TRUE(strstr(buf, "flags") != NULL);
}

TEST(meminfo_has_memtotal)
{
    read_file("/proc/meminfo", buf, sizeof(buf));
    unsigned long kb = 0;
    EXPECT_EQ(sscanf(buf, "MemTotal: %lu kB", &kb), 1);
    EXPECT_TRUE(kb > 0);
    EXPECT_TRUE(strstr(buf, "\nMemFree:") != NULL);
}

TEST(stat_has_cpu_line)
{
    read_file("/proc/stat", buf, sizeof(buf));
    EXPECT_TRUE(strncmp(buf, "cpu ", 4) == 0);
    unsigned long user, nice_, sys_;
    EXPECT_EQ(sscanf(buf, "cpu %lu %lu %lu", &user, &nice_, &sys_), 3);
    EXPECT_TRUE(strstr(buf, "\nbtime ") != NULL);
}

TEST(uptime_parses_two_numbers)
{
    read_file("/proc/uptime", buf, sizeof(buf));
    double up = -1, idle = -1;
    EXPECT_EQ(sscanf(buf, "%lf %lf", &up, &idle), 2);
    EXPECT_TRUE(up > 0);
    EXPECT_TRUE(idle >= 0);
}

TEST(loadavg_and_version)
{
    read_file("/proc/loadavg", buf, sizeof(buf));
    double a, b, c;
    EXPECT_EQ(sscanf(buf, "%lf %lf %lf", &a, &b, &c), 3);
    read_file("/proc/version", buf, sizeof(buf));
    EXPECT_TRUE(strncmp(buf, "Linux version ", 14) == 0);
}

TEST(pid_directory_exists)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/status", getpid());
    EXPECT_OK(access(path, R_OK));
    snprintf(path, sizeof(path), "/proc/%d/task/%d", getpid(), getpid());
    EXPECT_OK(access(path, F_OK));
    EXPECT_ERRNO(access("/proc/999999999", F_OK), ENOENT);
}
