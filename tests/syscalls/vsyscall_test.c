// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for the legacy vsyscall page (0xffffffffff600000): calls to its three
 * entries (gettimeofday, time, getcpu) work and agree with the real system calls, as with
 * Linux's default vsyscall=xonly; reading the page, or calling it anywhere but at an entry,
 * raises SIGSEGV. Old static binaries (and some language runtimes) still call it. */
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define VSYSCALL_BASE 0xffffffffff600000UL

typedef long (*vgettimeofday_fn)(struct timeval *tv, struct timezone *tz);
typedef long (*vtime_fn)(long *t);
typedef long (*vgetcpu_fn)(unsigned *cpu, unsigned *node, void *cache);

static long usec_of(const struct timeval *tv)
{
    return (long)tv->tv_sec * 1000000L + (long)tv->tv_usec;
}

/* The vsyscall page is listed only when the kernel offers it (vsyscall=none hides it). With
 * --host-vsyscall (meson.build passes it when the host lists the page) a missing page is a
 * failure, so that an environment that hides it cannot pass by skipping. */
static void require_vsyscall_page(void)
{
    char maps[65536];
    read_file("/proc/self/maps", maps, sizeof(maps));
    if (strstr(maps, "[vsyscall]"))
        return;
    if (harness_has_option("--host-vsyscall"))
        FATAL("the host offers the vsyscall page; /proc/self/maps here does not list it");
    SKIP("no [vsyscall] mapping here (vsyscall=none)");
}

TEST(maps_lists_execute_only_page)
{
    require_vsyscall_page();
    char maps[65536];
    read_file("/proc/self/maps", maps, sizeof(maps));
    const char *line = strstr(maps, "ffffffffff600000-ffffffffff601000 ");
    if (!line) {
        FAIL("no vsyscall line at the fixed address");
        return;
    }
    /* xonly (the default since Linux 5.3): execute, no read. */
    EXPECT_TRUE(strncmp(line + 34, "--xp", 4) == 0);
}

TEST(gettimeofday_entry_agrees_with_syscall)
{
    require_vsyscall_page();
    vgettimeofday_fn vgtod = (vgettimeofday_fn)VSYSCALL_BASE;
    for (int i = 0; i < 100; i++) {
        struct timeval before, mid = {-1, -1}, after;
        struct timezone tz = {-12345, -12345};
        CHECK(syscall(SYS_gettimeofday, &before, NULL));
        long r = vgtod(&mid, &tz);
        CHECK(syscall(SYS_gettimeofday, &after, NULL));
        EXPECT_EQ(r, 0);
        EXPECT_TRUE(mid.tv_usec >= 0 && mid.tv_usec < 1000000);
        EXPECT_TRUE(usec_of(&before) <= usec_of(&mid));
        EXPECT_TRUE(usec_of(&mid) <= usec_of(&after));
        EXPECT_TRUE(tz.tz_minuteswest != -12345); /* the timezone was written too */
        if (harness_failed)
            return;
    }
    /* A NULL pointer is allowed for either argument. */
    EXPECT_EQ(vgtod(NULL, NULL), 0);
}

TEST(time_entry_agrees_with_syscall)
{
    require_vsyscall_page();
    vtime_fn vtime = (vtime_fn)(VSYSCALL_BASE + 0x400);
    long before = (long)syscall(SYS_time, NULL);
    long stored = -1;
    long r = vtime(&stored);
    long after = (long)syscall(SYS_time, NULL);
    EXPECT_EQ(r, stored);
    EXPECT_TRUE(before <= r && r <= after);
    long r2 = vtime(NULL);
    EXPECT_TRUE(r <= r2 && r2 <= (long)syscall(SYS_time, NULL));
}

TEST(getcpu_entry_agrees_with_syscall)
{
    require_vsyscall_page();
    vgetcpu_fn vgetcpu = (vgetcpu_fn)(VSYSCALL_BASE + 0x800);
    unsigned cpu = 0xffff, node = 0xffff, scpu = 0xffff, snode = 0xffff;
    EXPECT_EQ(vgetcpu(&cpu, &node, NULL), 0);
    CHECK(syscall(SYS_getcpu, &scpu, &snode, NULL));
    long ncpu = sysconf(_SC_NPROCESSORS_CONF);
    EXPECT_TRUE(cpu < (unsigned)ncpu);
    EXPECT_EQ(node, snode); /* the CPU may change between the calls; the node does not here */
    unsigned only_node = 0x5555;
    EXPECT_EQ(vgetcpu(NULL, &only_node, NULL), 0);
    EXPECT_EQ(only_node, snode);
}

TEST(entries_work_in_a_forked_child)
{
    require_vsyscall_page();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        vtime_fn vtime = (vtime_fn)(VSYSCALL_BASE + 0x400);
        long t = vtime(NULL);
        _exit(t > 0 && t <= (long)syscall(SYS_time, NULL) ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
}

static sigjmp_buf fault_jmp;
static volatile int fault_sig, fault_code;
static volatile uintptr_t fault_addr;

static void fault_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    fault_sig = sig;
    fault_code = si->si_code;
    fault_addr = (uintptr_t)si->si_addr;
    siglongjmp(fault_jmp, 1);
}

TEST(reading_the_page_faults)
{
    require_vsyscall_page();
    struct sigaction sa = {.sa_sigaction = fault_handler, .sa_flags = SA_SIGINFO};
    CHECK(sigaction(SIGSEGV, &sa, NULL));
    fault_sig = 0;
    if (sigsetjmp(fault_jmp, 1) == 0) {
        volatile unsigned char b = *(volatile unsigned char *)(VSYSCALL_BASE + 0x10);
        (void)b;
        FAIL("read of the execute-only vsyscall page succeeded");
        return;
    }
    EXPECT_EQ(fault_sig, SIGSEGV);
    EXPECT_EQ(fault_code, SEGV_MAPERR);
    EXPECT_EQ(fault_addr, VSYSCALL_BASE + 0x10);
}

TEST(calling_between_entries_kills_with_sigsegv)
{
    require_vsyscall_page();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        /* Only the three 1024-byte-aligned entries are calls; anything else is a fault. */
        vtime_fn bad = (vtime_fn)(VSYSCALL_BASE + 0x100);
        bad(NULL);
        _exit(3);
    }
    int st = wait_status(pid);
    EXPECT_TRUE(WIFSIGNALED(st));
    EXPECT_EQ(WTERMSIG(st), SIGSEGV);
}
