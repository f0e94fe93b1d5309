// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for rt_sigreturn: after a handler that clobbers caller-saved general registers,
 * all sixteen xmm registers and MXCSR, the interrupted code sees its own values again; changes a
 * handler makes to its ucontext are applied on return. */
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

struct regs {
    uint64_t r8, r9, r10, rdx;
    unsigned char xmm[16][16];
};

static volatile int handled;
static volatile unsigned handler_mxcsr;

/* Loads known values into r8-r10, rdx and xmm0-15, sends sig to this thread with a raw tkill
 * (delivered on the way back from the syscall), and stores the registers as seen afterwards. */
static void signal_with_live_registers(int sig, struct regs *out)
{
    unsigned char xin[16][16];
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
            xin[i][j] = (unsigned char)(i * 16 + j + 1);
    long rax = SYS_tkill;
    long tid = syscall(SYS_gettid);
    __asm__ volatile("movdqu 0(%[xi]), %%xmm0\n\t"
                     "movdqu 16(%[xi]), %%xmm1\n\t"
                     "movdqu 32(%[xi]), %%xmm2\n\t"
                     "movdqu 48(%[xi]), %%xmm3\n\t"
                     "movdqu 64(%[xi]), %%xmm4\n\t"
                     "movdqu 80(%[xi]), %%xmm5\n\t"
                     "movdqu 96(%[xi]), %%xmm6\n\t"
                     "movdqu 112(%[xi]), %%xmm7\n\t"
                     "movdqu 128(%[xi]), %%xmm8\n\t"
                     "movdqu 144(%[xi]), %%xmm9\n\t"
                     "movdqu 160(%[xi]), %%xmm10\n\t"
                     "movdqu 176(%[xi]), %%xmm11\n\t"
                     "movdqu 192(%[xi]), %%xmm12\n\t"
                     "movdqu 208(%[xi]), %%xmm13\n\t"
                     "movdqu 224(%[xi]), %%xmm14\n\t"
                     "movdqu 240(%[xi]), %%xmm15\n\t"
                     "movabs $0x1111111111111111, %%r8\n\t"
                     "movabs $0x2222222222222222, %%r9\n\t"
                     "movabs $0x3333333333333333, %%r10\n\t"
                     "movabs $0x4444444444444444, %%rdx\n\t"
                     "syscall\n\t"
                     "movdqu %%xmm0, 0(%[xo])\n\t"
                     "movdqu %%xmm1, 16(%[xo])\n\t"
                     "movdqu %%xmm2, 32(%[xo])\n\t"
                     "movdqu %%xmm3, 48(%[xo])\n\t"
                     "movdqu %%xmm4, 64(%[xo])\n\t"
                     "movdqu %%xmm5, 80(%[xo])\n\t"
                     "movdqu %%xmm6, 96(%[xo])\n\t"
                     "movdqu %%xmm7, 112(%[xo])\n\t"
                     "movdqu %%xmm8, 128(%[xo])\n\t"
                     "movdqu %%xmm9, 144(%[xo])\n\t"
                     "movdqu %%xmm10, 160(%[xo])\n\t"
                     "movdqu %%xmm11, 176(%[xo])\n\t"
                     "movdqu %%xmm12, 192(%[xo])\n\t"
                     "movdqu %%xmm13, 208(%[xo])\n\t"
                     "movdqu %%xmm14, 224(%[xo])\n\t"
                     "movdqu %%xmm15, 240(%[xo])\n\t"
                     "mov %%r8, 0(%[ro])\n\t"
                     "mov %%r9, 8(%[ro])\n\t"
                     "mov %%r10, 16(%[ro])\n\t"
                     "mov %%rdx, 24(%[ro])\n\t"
                     : "+a"(rax)
                     : "D"(tid), "S"((long)sig), [xi] "r"(xin), [xo] "r"(out->xmm), [ro] "r"(out)
                     : "rcx", "r11", "r8", "r9", "r10", "rdx", "memory", "xmm0", "xmm1", "xmm2",
                       "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
                       "xmm12", "xmm13", "xmm14", "xmm15");
    if (rax != 0)
        FATAL("tkill returned %ld", rax);
}

static void clobber_handler(int sig)
{
    (void)sig;
    unsigned m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    handler_mxcsr = m;
    unsigned junk_mxcsr = 0x7f80 | 0x6000; /* all exceptions masked, round toward zero */
    __asm__ volatile(
        "pcmpeqd %%xmm0, %%xmm0\n\t"
        "movdqa %%xmm0, %%xmm1\n\tmovdqa %%xmm0, %%xmm2\n\tmovdqa %%xmm0, %%xmm3\n\t"
        "movdqa %%xmm0, %%xmm4\n\tmovdqa %%xmm0, %%xmm5\n\tmovdqa %%xmm0, %%xmm6\n\t"
        "movdqa %%xmm0, %%xmm7\n\tmovdqa %%xmm0, %%xmm8\n\tmovdqa %%xmm0, %%xmm9\n\t"
        "movdqa %%xmm0, %%xmm10\n\tmovdqa %%xmm0, %%xmm11\n\tmovdqa %%xmm0, %%xmm12\n\t"
        "movdqa %%xmm0, %%xmm13\n\tmovdqa %%xmm0, %%xmm14\n\tmovdqa %%xmm0, %%xmm15\n\t"
        "xor %%r8, %%r8\n\txor %%r9, %%r9\n\txor %%r10, %%r10\n\txor %%rdx, %%rdx\n\t"
        "ldmxcsr %0\n\t"
        :
        : "m"(junk_mxcsr)
        : "r8", "r9", "r10", "rdx", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
          "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    handled++;
}

TEST(registers_restored_after_clobbering_handler)
{
    struct sigaction sa = {.sa_handler = clobber_handler};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    struct regs r;
    memset(&r, 0, sizeof(r));
    handled = 0;
    signal_with_live_registers(SIGUSR1, &r);
    EXPECT_EQ(handled, 1);
    EXPECT_EQ(r.r8, 0x1111111111111111ULL);
    EXPECT_EQ(r.r9, 0x2222222222222222ULL);
    EXPECT_EQ(r.r10, 0x3333333333333333ULL);
    EXPECT_EQ(r.rdx, 0x4444444444444444ULL);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
            if (r.xmm[i][j] != (unsigned char)(i * 16 + j + 1)) {
                FAIL("xmm%d byte %d = 0x%02x after sigreturn", i, j, r.xmm[i][j]);
                return;
            }
}

TEST(mxcsr_restored_and_reset_in_handler)
{
    struct sigaction sa = {.sa_handler = clobber_handler};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    unsigned mine = 0x1f80 | 0x2000, after; /* default masks, round down */
    __asm__ volatile("ldmxcsr %0" : : "m"(mine));
    CHECK(raise(SIGUSR1));
    __asm__ volatile("stmxcsr %0" : "=m"(after));
    EXPECT_EQ(after, mine);
    EXPECT_EQ(handler_mxcsr & 0xffbf, 0x1f80); /* handler starts with the default FPU state */
    unsigned dflt = 0x1f80;
    __asm__ volatile("ldmxcsr %0" : : "m"(dflt));
}

static void edit_context_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    uc->uc_mcontext.gregs[REG_R9] = 0x5a5a5a5a5a5a5a5aLL;
    uc->uc_mcontext.fpregs->_xmm[3].element[0] = 0xcafef00d;
    sigaddset(&uc->uc_sigmask, SIGUSR2); /* becomes the mask after return */
    handled++;
}

TEST(handler_edits_to_ucontext_take_effect)
{
    struct sigaction sa = {.sa_sigaction = edit_context_handler, .sa_flags = SA_SIGINFO};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    struct regs r;
    handled = 0;
    signal_with_live_registers(SIGUSR1, &r);
    EXPECT_EQ(handled, 1);
    EXPECT_EQ(r.r9, 0x5a5a5a5a5a5a5a5aULL);
    EXPECT_EQ(r.r8, 0x1111111111111111ULL);
    uint32_t x3;
    memcpy(&x3, r.xmm[3], 4);
    EXPECT_EQ(x3, 0xcafef00d);
    EXPECT_EQ(r.xmm[4][0], 4 * 16 + 1);
    sigset_t cur;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur));
    EXPECT_TRUE(sigismember(&cur, SIGUSR2));
    EXPECT_TRUE(!sigismember(&cur, SIGUSR1));
}

static volatile uint64_t seen_rip_delta;

static void skip_insn_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    uc->uc_mcontext.gregs[REG_RIP] += 2; /* skip the two-byte ud2 */
    seen_rip_delta++;
}

TEST(handler_can_redirect_rip)
{
    struct sigaction sa = {.sa_sigaction = skip_insn_handler, .sa_flags = SA_SIGINFO};
    CHECK(sigaction(SIGILL, &sa, NULL));
    __asm__ volatile("ud2" ::: "memory");
    EXPECT_EQ(seen_rip_delta, 1);
}

static int nested_inner;

static void inner_handler(int sig)
{
    (void)sig;
    nested_inner++;
}

static void outer_handler(int sig)
{
    (void)sig;
    struct regs r;
    signal_with_live_registers(SIGUSR2, &r); /* a nested signal inside a handler */
    if (r.r8 != 0x1111111111111111ULL || r.xmm[15][14] != 0xff || r.xmm[0][0] != 1)
        handled = -100;
    handled++;
}

TEST(nested_signal_frames)
{
    struct sigaction sa = {.sa_handler = outer_handler};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    struct sigaction sb = {.sa_handler = inner_handler};
    CHECK(sigaction(SIGUSR2, &sb, NULL));
    handled = 0;
    CHECK(raise(SIGUSR1));
    EXPECT_EQ(handled, 1);
    EXPECT_EQ(nested_inner, 1);
}
