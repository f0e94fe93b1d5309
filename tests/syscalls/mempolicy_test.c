// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for set_mempolicy, get_mempolicy and mbind on a machine of one NUMA node
 * (this machine class, and what the sandbox presents): the default policy, binding to node 0
 * and reading it back (also in a forked child), the errors for nodes that do not exist, bad
 * modes, flags and addresses, MPOL_F_MEMS_ALLOWED and MPOL_F_NODE. */
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_LOCAL 4
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_NODE 1
#define MPOL_F_ADDR 2
#define MPOL_F_MEMS_ALLOWED 4

static long get_pol(int *mode, unsigned long *mask, unsigned long maxnode, void *addr,
                    unsigned long flags)
{
    return syscall(SYS_get_mempolicy, mode, mask, maxnode, addr, flags);
}

static void need_one_node(void)
{
    unsigned long mask[16] = {0};
    int mode;
    if (get_pol(&mode, mask, 1024, NULL, MPOL_F_MEMS_ALLOWED) != 0)
        SKIP("get_mempolicy: no NUMA support in this kernel");
    if (mask[0] != 1)
        SKIP("more than one NUMA node here (mems allowed %#lx)", mask[0]);
}

TEST(default_policy)
{
    need_one_node();
    int mode = -1;
    unsigned long mask[2] = {~0UL, ~0UL};
    EXPECT_EQ(get_pol(&mode, mask, 128, NULL, 0), 0);
    EXPECT_EQ(mode, MPOL_DEFAULT);
    EXPECT_EQ(mask[0], 0);
    EXPECT_EQ(mask[1], 0);
    mask[0] = 0;
    EXPECT_EQ(get_pol(&mode, mask, 128, NULL, MPOL_F_MEMS_ALLOWED), 0);
    EXPECT_EQ(mask[0], 1);
    EXPECT_ERRNO(get_pol(&mode, mask, 0, NULL, 0), EINVAL);
    EXPECT_ERRNO(get_pol(&mode, NULL, 0, NULL, 8), EINVAL);
    EXPECT_ERRNO(get_pol(&mode, NULL, 0, NULL, MPOL_F_NODE), EINVAL); /* not interleaving */
    EXPECT_ERRNO(get_pol(&mode, NULL, 0, NULL, MPOL_F_MEMS_ALLOWED | MPOL_F_ADDR), EINVAL);
}

TEST(bind_to_node_zero_and_back)
{
    need_one_node();
    unsigned long one = 1, two = 2, none = 0;
    EXPECT_EQ(syscall(SYS_set_mempolicy, MPOL_BIND, &one, 64), 0);
    int mode = -1;
    unsigned long mask[2] = {0, ~0UL};
    EXPECT_EQ(get_pol(&mode, mask, 128, NULL, 0), 0);
    EXPECT_EQ(mode, MPOL_BIND);
    EXPECT_EQ(mask[0], 1);
    EXPECT_EQ(mask[1], 0);
    pid_t pid = CHECK(fork());
    if (pid == 0) { /* the policy is inherited */
        int m = -1;
        _exit(get_pol(&m, NULL, 0, NULL, 0) == 0 && m == MPOL_BIND ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_ERRNO(syscall(SYS_set_mempolicy, MPOL_BIND, &two, 64), EINVAL); /* no node 1 */
    EXPECT_ERRNO(syscall(SYS_set_mempolicy, MPOL_BIND, &none, 64), EINVAL);
    EXPECT_ERRNO(syscall(SYS_set_mempolicy, MPOL_DEFAULT, &one, 64), EINVAL);
    EXPECT_ERRNO(syscall(SYS_set_mempolicy, 99, &one, 64), EINVAL);
    EXPECT_ERRNO(syscall(SYS_set_mempolicy, MPOL_BIND | MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES,
                         &one, 64), EINVAL);
    EXPECT_EQ(syscall(SYS_set_mempolicy, MPOL_INTERLEAVE, &one, 64), 0);
    mode = -1;
    EXPECT_EQ(get_pol(&mode, NULL, 0, NULL, MPOL_F_NODE), 0); /* the next interleave node */
    EXPECT_EQ(mode, 0);
    EXPECT_EQ(syscall(SYS_set_mempolicy, MPOL_PREFERRED, NULL, 0), 0); /* local allocation */
    EXPECT_EQ(get_pol(&mode, NULL, 0, NULL, 0), 0);
    EXPECT_EQ(mode, MPOL_LOCAL);
    EXPECT_EQ(syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0), 0);
    EXPECT_EQ(get_pol(&mode, NULL, 0, NULL, 0), 0);
    EXPECT_EQ(mode, MPOL_DEFAULT);
}

TEST(mbind_checks_its_range)
{
    need_one_node();
    char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p == MAP_FAILED ? -1 : 0);
    unsigned long one = 1, two = 2;
    EXPECT_EQ(syscall(SYS_mbind, p, 2 * 4096, MPOL_BIND, &one, 64, 0), 0);
    EXPECT_EQ(syscall(SYS_mbind, p, 4096, MPOL_DEFAULT, NULL, 0, 0), 0);
    EXPECT_ERRNO(syscall(SYS_mbind, p + 1, 4096, MPOL_BIND, &one, 64, 0), EINVAL);
    EXPECT_ERRNO(syscall(SYS_mbind, p, 4096, MPOL_BIND, &two, 64, 0), EINVAL);
    EXPECT_ERRNO(syscall(SYS_mbind, p, 4096, MPOL_BIND, &one, 64, 0x100), EINVAL);
    CHECK(munmap(p + 4096, 4096));
    EXPECT_ERRNO(syscall(SYS_mbind, p, 3 * 4096, MPOL_BIND, &one, 64, 0), EFAULT); /* a hole */
    int mode = -1;
    EXPECT_EQ(get_pol(&mode, NULL, 0, p, MPOL_F_ADDR | MPOL_F_NODE), 0); /* the page's node */
    EXPECT_EQ(mode, 0);
    EXPECT_ERRNO(get_pol(&mode, NULL, 0, p + 4096, MPOL_F_ADDR), EFAULT);
    munmap(p, 3 * 4096);
}

/* The one node also shows in sysfs, where numactl and libnuma look. */
TEST(sysfs_lists_node_zero)
{
    need_one_node();
    char buf[256] = {0};
    int fd = CHECK(open("/sys/devices/system/node/online", O_RDONLY));
    EXPECT_EQ(read(fd, buf, sizeof(buf)), 2);
    EXPECT_STREQ(buf, "0\n");
    close(fd);
    memset(buf, 0, sizeof(buf));
    fd = CHECK(open("/sys/devices/system/node/node0/distance", O_RDONLY));
    EXPECT_TRUE(read(fd, buf, sizeof(buf)) > 0);
    EXPECT_STREQ(buf, "10\n");
    close(fd);
    memset(buf, 0, sizeof(buf));
    fd = CHECK(open("/sys/devices/system/node/node0/cpulist", O_RDONLY));
    EXPECT_TRUE(read(fd, buf, sizeof(buf)) > 0);
    close(fd);
    char cpus[256] = {0};
    fd = CHECK(open("/sys/devices/system/cpu/online", O_RDONLY));
    EXPECT_TRUE(read(fd, cpus, sizeof(cpus)) > 0);
    close(fd);
    EXPECT_STREQ(buf, cpus); /* every CPU is on node 0 */
    FILE *f = fopen("/sys/devices/system/node/node0/meminfo", "r");
    CHECK(f ? 0 : -1);
    unsigned long total = 0, freemem = 0;
    char line[256];
    while (fgets(line, sizeof(line), f)) {
        sscanf(line, "Node 0 MemTotal: %lu kB", &total);
        sscanf(line, "Node 0 MemFree: %lu kB", &freemem);
    }
    fclose(f);
    EXPECT_TRUE(total > 0);
    EXPECT_TRUE(freemem > 0 && freemem <= total);
}
