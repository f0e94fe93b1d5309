// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for what a program learns about the CPU without a system call: the CPUID
 * instruction works and agrees with /proc/cpuinfo of the same environment and with AT_HWCAP /
 * AT_HWCAP2; xgetbv(0) enables exactly the register state CPUID and cpuinfo promise; the
 * FSGSBASE instructions (when AT_HWCAP2 offers them) agree with arch_prctl; ARCH_GET_CPUID
 * says CPUID is not faulting, and ARCH_SET_CPUID makes it fault exactly where cpuinfo lists
 * cpuid_fault. */
#include <pthread.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012
#define HWCAP2_FSGSBASE (1UL << 1)

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

static struct cpuid_regs cpuid(uint32_t leaf, uint32_t sub)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(sub));
    return r;
}

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static char cpuinfo[1 << 20];

/* The first "flags" line of /proc/cpuinfo, with a space at each end for word matching. */
static const char *cpuinfo_flags(void)
{
    static char flags[8192];
    read_file("/proc/cpuinfo", cpuinfo, sizeof(cpuinfo));
    const char *f = strstr(cpuinfo, "\nflags");
    if (!f)
        FATAL("no flags line in /proc/cpuinfo");
    f = strchr(f, ':');
    const char *end = strchr(f, '\n');
    snprintf(flags, sizeof(flags), " %.*s ", (int)(end - f - 1), f + 1);
    return flags;
}

static int has_flag(const char *flags, const char *name)
{
    char word[64];
    snprintf(word, sizeof(word), " %s ", name);
    return strstr(flags, word) != NULL;
}

static void vendor_of(char out[13])
{
    struct cpuid_regs r = cpuid(0, 0);
    memcpy(out, &r.ebx, 4);
    memcpy(out + 4, &r.edx, 4);
    memcpy(out + 8, &r.ecx, 4);
    out[12] = '\0';
}

TEST(vendor_string_matches_cpuinfo)
{
    char vendor[13];
    vendor_of(vendor);
    EXPECT_TRUE(cpuid(0, 0).eax >= 7); /* every x86-64 CPU with AVX has leaf 7 */
    cpuinfo_flags();
    char want[64];
    snprintf(want, sizeof(want), "vendor_id\t: %s\n", vendor);
    if (!strstr(cpuinfo, want))
        FAIL("cpuid vendor %s not in /proc/cpuinfo", vendor);
}

struct feature {
    const char *flag;
    uint32_t leaf, sub;
    int reg; /* 1 ebx, 2 ecx, 3 edx */
    int bit;
};

/* Features Linux reports as CPUID reports them (it clears none of these on its own). */
static const struct feature features[] = {
    {"sse", 1, 0, 3, 25},      {"sse2", 1, 0, 3, 26},     {"pni", 1, 0, 2, 0},
    {"ssse3", 1, 0, 2, 9},     {"sse4_1", 1, 0, 2, 19},   {"sse4_2", 1, 0, 2, 20},
    {"popcnt", 1, 0, 2, 23},   {"aes", 1, 0, 2, 25},      {"pclmulqdq", 1, 0, 2, 1},
    {"xsave", 1, 0, 2, 26},    {"fxsr", 1, 0, 3, 24},     {"cx16", 1, 0, 2, 13},
    {"avx", 1, 0, 2, 28},      {"fma", 1, 0, 2, 12},      {"avx2", 7, 0, 1, 5},
    {"bmi1", 7, 0, 1, 3},      {"bmi2", 7, 0, 1, 8},      {"avx512f", 7, 0, 1, 16},
    {"avx512bw", 7, 0, 1, 30}, {"avx512vl", 7, 0, 1, 31}, {"sha_ni", 7, 0, 1, 29},
    {"fsgsbase", 7, 0, 1, 0},  {"rdseed", 7, 0, 1, 18},   {"adx", 7, 0, 1, 19},
};

static int cpuid_bit(const struct feature *f)
{
    struct cpuid_regs r = cpuid(f->leaf, f->sub);
    uint32_t v = f->reg == 1 ? r.ebx : f->reg == 2 ? r.ecx : r.edx;
    return (v >> f->bit) & 1;
}

TEST(feature_bits_match_cpuinfo_flags)
{
    const char *flags = cpuinfo_flags();
    for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
        int bit = cpuid_bit(&features[i]);
        int flag = has_flag(flags, features[i].flag);
        if (bit != flag)
            FAIL("%s: cpuid bit %d, cpuinfo flag %d", features[i].flag, bit, flag);
    }
}

/* The raw auxiliary vector entry @type (glibc's getauxval(AT_HWCAP) answers its own value on
 * x86), from /proc/self/auxv; 0 if absent. */
static unsigned long raw_auxv(unsigned long type)
{
    unsigned long v[512] = {0};
    int fd = CHECK(open("/proc/self/auxv", O_RDONLY));
    ssize_t n = CHECK(read(fd, v, sizeof(v) - 2 * sizeof(v[0])));
    close(fd);
    for (ssize_t i = 0; i + 1 < n / (ssize_t)sizeof(v[0]) && v[i]; i += 2)
        if (v[i] == type)
            return v[i + 1];
    return 0;
}

TEST(hwcap_is_cpuid_leaf1_edx)
{
    EXPECT_EQ(raw_auxv(AT_HWCAP), cpuid(1, 0).edx);
    unsigned long hwcap2 = raw_auxv(AT_HWCAP2);
    EXPECT_EQ(hwcap2, getauxval(AT_HWCAP2));
    if (hwcap2 & HWCAP2_FSGSBASE)
        EXPECT_TRUE(cpuid(7, 0).ebx & 1);
    EXPECT_EQ(hwcap2 & ~3UL, 0); /* only RING3MWAIT and FSGSBASE are defined on x86 */
}

TEST(xgetbv_enables_what_cpuid_and_cpuinfo_promise)
{
    struct cpuid_regs l1 = cpuid(1, 0);
    if (!((l1.ecx >> 27) & 1)) /* OSXSAVE */
        SKIP("the OS has not enabled XSAVE");
    const char *flags = cpuinfo_flags();
    uint64_t xcr0 = xgetbv0();
    EXPECT_EQ(xcr0 & 3, 3); /* x87 and SSE always */
    int avx_on = (xcr0 & 4) != 0;
    EXPECT_EQ(avx_on, has_flag(flags, "avx"));
    int avx512_on = (xcr0 & 0xe0) == 0xe0;
    EXPECT_EQ(avx512_on, has_flag(flags, "avx512f"));
    if (!avx512_on)
        EXPECT_EQ(xcr0 & 0xe0, 0); /* opmask and the ZMM parts come as a set */
    /* Leaf 0xd: the features the hardware can save include the enabled ones, and the size for
     * the enabled set covers the legacy area, the header and each enabled component. */
    struct cpuid_regs d0 = cpuid(0xd, 0);
    uint64_t supported = ((uint64_t)d0.edx << 32) | d0.eax;
    EXPECT_EQ(xcr0 & ~supported, 0);
    EXPECT_TRUE(d0.ebx >= 576 && d0.ebx <= d0.ecx);
    for (int c = 2; c < 10; c++) {
        if (!((xcr0 >> c) & 1))
            continue;
        struct cpuid_regs dc = cpuid(0xd, (uint32_t)c);
        if (dc.eax == 0 || dc.ebx + dc.eax > d0.ebx)
            FAIL("component %d: size %u at %u outside the %u-byte area", c, dc.eax, dc.ebx, d0.ebx);
    }
    /* AT_MINSIGSTKSZ, when given, leaves room for a frame with that much state. */
    unsigned long minsig = getauxval(AT_MINSIGSTKSZ);
    if (minsig)
        EXPECT_TRUE(minsig >= d0.ebx);
}

static void *thread_cpuid(void *arg)
{
    struct cpuid_regs *out = arg;
    out[0] = cpuid(0, 0);
    out[1] = cpuid(1, 0);
    out[2] = cpuid(7, 0);
    return NULL;
}

TEST(same_answers_in_a_thread_and_a_child)
{
    struct cpuid_regs mine[3], theirs[3];
    thread_cpuid(mine);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, thread_cpuid, theirs) == 0 ? 0 : -1);
    pthread_join(t, NULL);
    /* Leaf 1 ebx bits 31..24 hold the APIC id of the CPU that ran the instruction. */
    mine[1].ebx &= 0x00ffffff;
    theirs[1].ebx &= 0x00ffffff;
    EXPECT_TRUE(memcmp(mine, theirs, sizeof(mine)) == 0);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct cpuid_regs child[3];
        thread_cpuid(child);
        child[1].ebx &= 0x00ffffff;
        _exit(memcmp(mine, child, sizeof(mine)) == 0 ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(arch_get_cpuid_reports_cpuid_enabled)
{
    EXPECT_EQ(syscall(SYS_arch_prctl, ARCH_GET_CPUID, 0), 1);
}

static volatile int cpuid_faults;

static void skip_cpuid(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    cpuid_faults++;
    uc->uc_mcontext.gregs[REG_RIP] += 2; /* past the 2-byte cpuid */
}

TEST(cpuid_faulting_as_cpuinfo_says)
{
    /* Linux offers ARCH_SET_CPUID exactly when the CPU can make CPUID fault (cpuinfo flag
     * cpuid_fault); then CPUID raises SIGSEGV until it is allowed again. */
    int offered = has_flag(cpuinfo_flags(), "cpuid_fault");
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct sigaction sa = {.sa_sigaction = skip_cpuid, .sa_flags = SA_SIGINFO};
        sigaction(SIGSEGV, &sa, NULL);
        long r = syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0);
        if (!offered)
            _exit(r == -1 && errno == ENODEV ? 0 : 1);
        if (r != 0)
            _exit(2);
        if (syscall(SYS_arch_prctl, ARCH_GET_CPUID, 0) != 0)
            _exit(3);
        cpuid(0, 0);
        if (cpuid_faults != 1)
            _exit(4);
        if (syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1) != 0)
            _exit(5);
        cpuid(0, 0);
        _exit(cpuid_faults == 1 ? 0 : 6);
    }
    EXPECT_EXIT(pid, 0);
}

/* Reads the fs base with rdfsbase and with arch_prctl, sets it with wrfsbase and reads it
 * back with arch_prctl, all without touching TLS (fs) in between. */
static void fsgsbase_roundtrip(uint64_t *rd, uint64_t *via_prctl, uint64_t *after_wr, uint64_t want)
{
    uint64_t orig, got = 0, got2 = 0;
    long r;
    __asm__ volatile("rdfsbase %0" : "=r"(orig));
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "a"(SYS_arch_prctl), "D"(ARCH_GET_FS), "S"(&got)
                     : "rcx", "r11", "memory");
    __asm__ volatile("wrfsbase %0" : : "r"(want) : "memory");
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "a"(SYS_arch_prctl), "D"(ARCH_GET_FS), "S"(&got2)
                     : "rcx", "r11", "memory");
    __asm__ volatile("wrfsbase %0" : : "r"(orig) : "memory");
    (void)r;
    *rd = orig;
    *via_prctl = got;
    *after_wr = got2;
}

TEST(fsgsbase_instructions_agree_with_arch_prctl)
{
    if (!(getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE))
        SKIP("AT_HWCAP2 does not offer FSGSBASE");
    uint64_t rd, via_prctl, after_wr;
    uint64_t want = 0x7f0012345000;
    fsgsbase_roundtrip(&rd, &via_prctl, &after_wr, want);
    EXPECT_EQ(rd, via_prctl);
    EXPECT_EQ(after_wr, want); /* the kernel sees a base the program set itself */
    uint64_t now;
    CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &now));
    EXPECT_EQ(now, rd);
}
