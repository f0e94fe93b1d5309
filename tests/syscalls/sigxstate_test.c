// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for the extended register state (AVX, AVX-512) across signal handlers: a
 * handler starts with that state reset, may clobber every vector and mask register, and the
 * interrupted code gets its own values back, whether the signal came from a system call of its
 * own or from another thread while it was computing. Only the features that CPUID and XCR0
 * say are present and enabled are used. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static int have_avx, have_avx512;

static void detect(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (!((c >> 27) & 1) || !((c >> 28) & 1))
        SKIP("no AVX (or XSAVE not enabled by the OS)");
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6)
        SKIP("AVX state not enabled in XCR0");
    have_avx = 1;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    have_avx512 = ((b >> 16) & 1) && (lo & 0xe0) == 0xe0;
}

/* Register images: ymm0-15 (32 bytes each), or zmm0-31 (64 bytes each) and k0-7. */
struct vregs {
    uint8_t z[32][64];
    uint64_t k[8];
};

static struct vregs pattern, pattern2, after, after2, at_entry;
static volatile int handled;

static void fill_pattern(void)
{
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 64; j++) {
            pattern.z[i][j] = (uint8_t)(i * 7 + j * 3 + 1);
            pattern2.z[i][j] = (uint8_t)(0xa5 ^ (i * 11 + j));
        }
    for (int i = 0; i < 8; i++) {
        pattern.k[i] = 0x0101010101010101ULL * (uint64_t)(i + 1) ^ 0x8000000000000001ULL;
        pattern2.k[i] = 0x1234567800000000ULL | (uint64_t)i;
    }
}

#define YMM_LOAD(n) "vmovdqu " #n "*64(%%rbx), %%ymm" #n "\n\t"
#define YMM_STORE(n) "vmovdqu %%ymm" #n ", " #n "*64(%%r12)\n\t"
#define YMM_ALL(m)                                                                                 \
    m(0) m(1) m(2) m(3) m(4) m(5) m(6) m(7) m(8) m(9) m(10) m(11) m(12) m(13) m(14) m(15)
#define ZMM_HI(m)                                                                                  \
    m(16) m(17) m(18) m(19) m(20) m(21) m(22) m(23) m(24) m(25) m(26) m(27) m(28) m(29) m(30) m(31)
#define ZMM_LOAD(n) "vmovdqu64 " #n "*64(%%rbx), %%zmm" #n "\n\t"
#define ZMM_STORE(n) "vmovdqu64 %%zmm" #n ", " #n "*64(%%r12)\n\t"
#define K_LOAD(n) "kmovq 2048+" #n "*8(%%rbx), %%k" #n "\n\t"
#define K_STORE(n) "kmovq %%k" #n ", 2048+" #n "*8(%%r12)\n\t"
#define K_ALL(m) m(0) m(1) m(2) m(3) m(4) m(5) m(6) m(7)

#define VCLOBBERS                                                                                  \
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",       \
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

/* Loads @in into ymm0-15, makes the system call tgkill(pid, tid, sig) with nothing in
 * between, and stores ymm0-15 into @out right after it returns. */
static void ymm_around_tgkill(const struct vregs *in, struct vregs *out, int sig)
{
    long pid = getpid(), tid = syscall(SYS_gettid);
    register struct vregs *out_r __asm__("r12") = out;
    __asm__ volatile(YMM_ALL(YMM_LOAD) "syscall\n\t" YMM_ALL(YMM_STORE)
                     : "+a"((long){SYS_tgkill}), "+D"(pid), "+S"(tid)
                     : "d"((long)sig), "b"(in), "r"(out_r)
                     : "rcx", "r11", "memory", VCLOBBERS);
}

/* The same with zmm0-31 and k0-7. */
static void zmm_around_tgkill(const struct vregs *in, struct vregs *out, int sig)
{
    long pid = getpid(), tid = syscall(SYS_gettid);
    register struct vregs *out_r __asm__("r12") = out;
    __asm__ volatile(YMM_ALL(ZMM_LOAD) ZMM_HI(ZMM_LOAD)
                         K_ALL(K_LOAD) "syscall\n\t" YMM_ALL(ZMM_STORE) ZMM_HI(ZMM_STORE)
                             K_ALL(K_STORE)
                     : "+a"((long){SYS_tgkill}), "+D"(pid), "+S"(tid)
                     : "d"((long)sig), "b"(in), "r"(out_r)
                     : "rcx", "r11", "memory", VCLOBBERS);
}

/* In a handler: records the vector state it started with in at_entry, then sets every
 * vector register to all ones and every mask register to ~0. */
static void record_and_clobber(void)
{
    if (have_avx512) {
        __asm__ volatile("mov %0, %%r12\n\t" YMM_ALL(ZMM_STORE) ZMM_HI(ZMM_STORE)
                             K_ALL(K_STORE) "vpternlogd $0xff, %%zmm0, %%zmm0, %%zmm0\n\t"
                         :
                         : "r"(&at_entry)
                         : "r12", "memory", VCLOBBERS);
#define ZMM_ONES(n) "vmovdqa64 %%zmm0, %%zmm" #n "\n\t"
#define K_ONES(n) "kxnorq %%k" #n ", %%k" #n ", %%k" #n "\n\t"
        __asm__ volatile(YMM_ALL(ZMM_ONES) ZMM_HI(ZMM_ONES) K_ALL(K_ONES)::: "memory", VCLOBBERS);
    } else {
        __asm__ volatile(
            "mov %0, %%r12\n\t" YMM_ALL(YMM_STORE) "vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n\t"
            :
            : "r"(&at_entry)
            : "r12", "memory", VCLOBBERS);
#define YMM_ONES(n) "vmovdqa %%ymm0, %%ymm" #n "\n\t"
        __asm__ volatile(YMM_ALL(YMM_ONES)::: "memory", VCLOBBERS);
    }
}

static void clobber_handler(int sig)
{
    (void)sig;
    record_and_clobber();
    handled++;
}

/* Compares the registers of @got with @want: 32-byte ymm0-15, or all of zmm and k. */
static void expect_regs(const struct vregs *got, const struct vregs *want, const char *what)
{
    int nregs = have_avx512 ? 32 : 16, width = have_avx512 ? 64 : 32;
    for (int i = 0; i < nregs; i++)
        for (int j = 0; j < width; j++)
            if (got->z[i][j] != want->z[i][j]) {
                FAIL("%s: %smm%d byte %d is 0x%02x, want 0x%02x", what, have_avx512 ? "z" : "y", i,
                     j, got->z[i][j], want->z[i][j]);
                return;
            }
    for (int i = 0; have_avx512 && i < 8; i++)
        if (got->k[i] != want->k[i])
            FAIL("%s: k%d is 0x%llx", what, i, (unsigned long long)got->k[i]);
}

static void expect_pattern(const struct vregs *got, const char *what)
{
    expect_regs(got, &pattern, what);
}

/* Sends @sig to this thread with @in in the vector registers; their values after it into @out. */
static void signal_around(const struct vregs *in, struct vregs *out, int sig)
{
    memset(out, 0, sizeof(*out));
    if (have_avx512)
        zmm_around_tgkill(in, out, sig);
    else
        ymm_around_tgkill(in, out, sig);
}

static void signal_around_registers(int sig)
{
    signal_around(&pattern, &after, sig);
}

TEST(vector_registers_survive_a_clobbering_handler)
{
    detect();
    fill_pattern();
    struct sigaction sa = {.sa_handler = clobber_handler};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    handled = 0;
    signal_around_registers(SIGUSR1);
    EXPECT_EQ(handled, 1);
    expect_pattern(&after, "after the handler");
}

TEST(handler_starts_with_the_extended_state_reset)
{
    detect();
    fill_pattern();
    struct sigaction sa = {.sa_handler = clobber_handler};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    memset(&at_entry, 0x5a, sizeof(at_entry));
    signal_around_registers(SIGUSR1);
    /* Linux gives a handler the initial state: the upper halves of ymm0-15 (the handler's C
     * code only uses the legacy SSE forms, which leave them alone), zmm16-31 and k0-7 zero. */
    for (int i = 0; i < 16; i++)
        for (int j = 16; j < (have_avx512 ? 64 : 32); j++)
            if (at_entry.z[i][j] != 0) {
                FAIL("ymm%d byte %d is 0x%02x at handler entry", i, j, at_entry.z[i][j]);
                return;
            }
    for (int i = 16; have_avx512 && i < 32; i++)
        for (int j = 0; j < 64; j++)
            if (at_entry.z[i][j] != 0) {
                FAIL("zmm%d byte %d is 0x%02x at handler entry", i, j, at_entry.z[i][j]);
                return;
            }
    for (int i = 0; have_avx512 && i < 8; i++)
        EXPECT_EQ(at_entry.k[i], 0);
}

/* SIGUSR1's handler sends SIGUSR2 (whose handler clobbers everything) around a second
 * pattern of its own, then returns. */
static void outer_handler(int sig)
{
    (void)sig;
    signal_around(&pattern2, &after2, SIGUSR2);
    handled++;
}

TEST(nested_handlers_each_restore_their_state)
{
    detect();
    fill_pattern();
    struct sigaction inner = {.sa_handler = clobber_handler};
    struct sigaction outer = {.sa_handler = outer_handler};
    CHECK(sigaction(SIGUSR2, &inner, NULL));
    CHECK(sigaction(SIGUSR1, &outer, NULL));
    handled = 0;
    signal_around_registers(SIGUSR1);
    EXPECT_EQ(handled, 2);
    expect_regs(&after2, &pattern2, "in the outer handler after the inner one");
    expect_pattern(&after, "after both handlers");
}

static volatile int async_hit;
static uintptr_t loop_start, loop_end;

static void async_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    record_and_clobber();
    if (rip >= loop_start && rip < loop_end)
        async_hit = 1; /* it interrupted the loop, not the set-up around it */
}

struct kicker {
    pid_t tid;
    volatile int stop;
};

static void *kick(void *arg)
{
    struct kicker *k = arg;
    while (!k->stop && !__atomic_load_n(&async_hit, __ATOMIC_SEQ_CST)) {
        syscall(SYS_tgkill, getpid(), k->tid, SIGUSR1);
        usleep(2000);
    }
    return NULL;
}

/* Loads the pattern into ymm0-15 (or zmm0-31 and k0-7), spins until async_hit, stores. */
static void spin_with_registers(void)
{
    register struct vregs *out_r __asm__("r12") = &after;
    if (have_avx512)
        __asm__ volatile(YMM_ALL(ZMM_LOAD) ZMM_HI(ZMM_LOAD) K_ALL(K_LOAD) //
                         "lea 1f(%%rip), %%rax\n\t"
                         "mov %%rax, %[ls]\n\t"
                         "lea 2f(%%rip), %%rax\n\t"
                         "mov %%rax, %[le]\n\t"
                         "1: pause\n\t"
                         "cmpl $0, %[hit]\n\t"
                         "je 1b\n\t"
                         "2:\n\t" YMM_ALL(ZMM_STORE) ZMM_HI(ZMM_STORE) K_ALL(K_STORE)
                         : [ls] "=m"(loop_start), [le] "=m"(loop_end)
                         : "b"(&pattern), "r"(out_r), [hit] "m"(async_hit)
                         : "rax", "memory", VCLOBBERS);
    else
        __asm__ volatile(YMM_ALL(YMM_LOAD) //
                         "lea 1f(%%rip), %%rax\n\t"
                         "mov %%rax, %[ls]\n\t"
                         "lea 2f(%%rip), %%rax\n\t"
                         "mov %%rax, %[le]\n\t"
                         "1: pause\n\t"
                         "cmpl $0, %[hit]\n\t"
                         "je 1b\n\t"
                         "2:\n\t" YMM_ALL(YMM_STORE)
                         : [ls] "=m"(loop_start), [le] "=m"(loop_end)
                         : "b"(&pattern), "r"(out_r), [hit] "m"(async_hit)
                         : "rax", "memory", VCLOBBERS);
}

TEST(asynchronous_signal_while_computing)
{
    detect();
    fill_pattern();
    struct sigaction sa = {.sa_sigaction = async_handler, .sa_flags = SA_SIGINFO};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    struct kicker k = {.tid = (pid_t)syscall(SYS_gettid)};
    async_hit = 0;
    pthread_t t;
    if (pthread_create(&t, NULL, kick, &k) != 0)
        FATAL("pthread_create");
    memset(&after, 0, sizeof(after));
    spin_with_registers();
    k.stop = 1;
    pthread_join(t, NULL);
    EXPECT_EQ(async_hit, 1);
    expect_pattern(&after, "after an asynchronous handler");
}

TEST(state_survives_in_a_forked_child)
{
    detect();
    fill_pattern();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct sigaction sa = {.sa_handler = clobber_handler};
        sigaction(SIGUSR1, &sa, NULL);
        signal_around_registers(SIGUSR1);
        expect_pattern(&after, "in the child");
        child_done();
    }
    EXPECT_EXIT(pid, 0);
}

/* The frame's FPU area as Linux lays it out (asm/sigcontext.h): the FXSAVE area, whose last
 * 48 bytes describe the XSAVE image that follows, then FP_XSTATE_MAGIC2. */
#ifndef UC_FP_XSTATE
#define UC_FP_XSTATE 0x1
#endif

struct sw_bytes {
    uint32_t magic1, extended_size;
    uint64_t xfeatures;
    uint32_t xstate_size, padding[7];
};

static struct {
    unsigned long uc_flags;
    struct sw_bytes sw;
    uint32_t magic2;
    uint64_t xstate_bv;
} seen;

enum frame_action { LOOK, EDIT_YMM0_HIGH, DROP_MAGIC };
static enum frame_action action;
static uint32_t ymm_offset; /* CPUID leaf 0xd, component 2: where the YMM upper halves are */

static void frame_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    char *fp = (char *)uc->uc_mcontext.fpregs;
    seen.uc_flags = uc->uc_flags;
    memcpy(&seen.sw, fp + 464, sizeof(seen.sw));
    if (seen.sw.magic1 == FP_XSTATE_MAGIC1 && seen.sw.xstate_size < 65536)
        memcpy(&seen.magic2, fp + seen.sw.xstate_size, 4);
    memcpy(&seen.xstate_bv, fp + 512, 8);
    if (action == EDIT_YMM0_HIGH) {
        memset(fp + ymm_offset, 0xc3, 16); /* ymm0 bits 128..255 */
        uint64_t bv = seen.xstate_bv | 4;
        memcpy(fp + 512, &bv, 8);
    } else if (action == DROP_MAGIC) {
        memset(fp + 464, 0, 4); /* an FXSAVE-only frame: the rest starts afresh */
    }
    record_and_clobber();
}

static void frame_setup(enum frame_action a)
{
    detect();
    fill_pattern();
    uint32_t eax, ebx, ecx, edx;
    __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0xd), "c"(2));
    ymm_offset = ebx;
    action = a;
    memset(&seen, 0, sizeof(seen));
    struct sigaction sa = {.sa_sigaction = frame_handler, .sa_flags = SA_SIGINFO};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
}

TEST(frame_describes_the_xsave_image)
{
    frame_setup(LOOK);
    signal_around_registers(SIGUSR1);
    uint32_t eax, ebx, ecx, edx, lo, hi;
    __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0xd), "c"(0));
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    EXPECT_TRUE(seen.uc_flags & UC_FP_XSTATE);
    EXPECT_EQ(seen.sw.magic1, FP_XSTATE_MAGIC1);
    EXPECT_EQ(seen.sw.xstate_size, ebx);
    EXPECT_EQ(seen.sw.extended_size, ebx + 4);
    EXPECT_EQ(seen.sw.xfeatures, ((uint64_t)hi << 32) | lo);
    EXPECT_EQ(seen.magic2, FP_XSTATE_MAGIC2);
    EXPECT_TRUE((seen.xstate_bv & 7) == 7); /* x87, SSE and AVX state in use when it came */
    expect_pattern(&after, "after the handler");
}

TEST(handler_edit_of_the_xsave_image_takes_effect)
{
    frame_setup(EDIT_YMM0_HIGH);
    signal_around_registers(SIGUSR1);
    struct vregs want = pattern;
    memset(&want.z[0][16], 0xc3, 16);
    expect_regs(&after, &want, "after editing ymm0's upper half in the frame");
}

TEST(fxsave_only_frame_resets_the_extended_state)
{
    frame_setup(DROP_MAGIC);
    signal_around_registers(SIGUSR1);
    /* xmm0-15 come back from the FXSAVE area; everything above starts afresh (zero). */
    struct vregs want;
    memset(&want, 0, sizeof(want));
    for (int i = 0; i < 16; i++)
        memcpy(want.z[i], pattern.z[i], 16);
    expect_regs(&after, &want, "after an FXSAVE-only sigreturn");
}
