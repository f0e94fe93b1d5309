// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for the register state a new program starts with. Linux starts an
 * execve'd image with every general register but rsp zero, the flags 0x202, and the FPU in its
 * initial state: x87 control word 0x37f, MXCSR 0x1f80, every vector and mask register zero,
 * whatever the process had before (no state of the old image, or of anyone else, leaks into
 * the new one). This program's ELF entry point (cvt_entry, linked with -e) records that state
 * before glibc's _start runs. */
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

/* The state at entry, written by cvt_entry. */
uint64_t cvt_entry_gpr[16]; /* rax rbx rcx rdx rsi rdi rbp r8..r15 (15 used) */
uint64_t cvt_entry_flags;
uint32_t cvt_entry_mxcsr;
uint16_t cvt_entry_fcw;
uint8_t cvt_entry_zmm[32][64] __attribute__((aligned(64)));
uint64_t cvt_entry_k[8];
uint32_t cvt_entry_avx, cvt_entry_avx512; /* what was recorded */

#define GPR(r, n) "mov %" #r ", cvt_entry_gpr+" #n "*8(%rip)\n"
#define YMM(n) "vmovdqu %ymm" #n ", cvt_entry_zmm+" #n "*64(%rip)\n"
#define ZMM(n) "vmovdqu64 %zmm" #n ", cvt_entry_zmm+" #n "*64(%rip)\n"
#define KREG(n) "kmovq %k" #n ", cvt_entry_k+" #n "*8(%rip)\n"

/* Stores the general registers first (nothing has touched them), then the flags, the x87 and
 * SSE control words, and the vector registers CPUID and XCR0 say exist, and jumps to _start
 * with rsp as the kernel left it and rdx 0 (glibc takes a non-zero rdx for a function to
 * register with atexit; what the kernel left there is checked from the record). */
__asm__(".text\n"
        ".globl cvt_entry\n"
        "cvt_entry:\n" GPR(rax, 0) GPR(rbx, 1) GPR(rcx, 2) GPR(rdx, 3) GPR(rsi, 4) GPR(rdi, 5)
            GPR(rbp, 6) GPR(r8, 7) GPR(r9, 8) GPR(r10, 9) GPR(r11, 10) GPR(r12, 11) GPR(r13, 12)
                GPR(r14, 13) GPR(r15, 14) //
        "pushfq\n"
        "popq cvt_entry_flags(%rip)\n"
        "stmxcsr cvt_entry_mxcsr(%rip)\n"
        "fnstcw cvt_entry_fcw(%rip)\n"
        /* The vector registers are still those of the kernel: read them before cpuid and
         * xgetbv change rax..rdx (only GPRs). */
        "mov $1, %eax\n"
        "xor %ecx, %ecx\n"
        "cpuid\n"
        "bt $27, %ecx\n" /* OSXSAVE */
        "jnc 9f\n"
        "bt $28, %ecx\n" /* AVX */
        "jnc 9f\n"
        "xor %ecx, %ecx\n"
        "xgetbv\n"
        "and $6, %eax\n"
        "cmp $6, %eax\n"
        "jne 9f\n"
        "mov $7, %eax\n"
        "xor %ecx, %ecx\n"
        "cpuid\n"
        "bt $16, %ebx\n" /* AVX-512F */
        "jnc 8f\n"
        "xor %ecx, %ecx\n"
        "xgetbv\n"
        "and $0xe0, %eax\n"
        "cmp $0xe0, %eax\n"
        "jne 8f\n" //
        ZMM(0) ZMM(1) ZMM(2) ZMM(3) ZMM(4) ZMM(5) ZMM(6) ZMM(7) ZMM(8) ZMM(9) ZMM(10) ZMM(11)
            ZMM(12) ZMM(13) ZMM(14) ZMM(15) ZMM(16) ZMM(17) ZMM(18) ZMM(19) ZMM(20) ZMM(21) ZMM(22)
                ZMM(23) ZMM(24) ZMM(25) ZMM(26) ZMM(27) ZMM(28) ZMM(29) ZMM(30) ZMM(31) KREG(0)
                    KREG(1) KREG(2) KREG(3) KREG(4) KREG(5) KREG(6) KREG(7) //
        "movl $1, cvt_entry_avx512(%rip)\n"
        "8:\n" //
        YMM(0) YMM(1) YMM(2) YMM(3) YMM(4) YMM(5) YMM(6) YMM(7) YMM(8) YMM(9) YMM(10) YMM(11)
            YMM(12) YMM(13) YMM(14) YMM(15) //
        "movl $1, cvt_entry_avx(%rip)\n"
        "9:\n"
        "xor %edx, %edx\n"
        "jmp _start\n");

static const char *const gpr_names[15] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
                                          "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

/* Checks the recorded entry state; returns the number of differences from Linux's. */
static int check_entry_state(void)
{
    int bad = 0;
    for (int i = 0; i < 15; i++)
        if (cvt_entry_gpr[i]) {
            harness_diag("%s = %#lx at entry", gpr_names[i], (unsigned long)cvt_entry_gpr[i]);
            bad++;
        }
    if (cvt_entry_flags != 0x202) {
        harness_diag("rflags = %#lx at entry", (unsigned long)cvt_entry_flags);
        bad++;
    }
    if (cvt_entry_mxcsr != 0x1f80 || cvt_entry_fcw != 0x37f) {
        harness_diag("mxcsr %#x fcw %#x at entry", cvt_entry_mxcsr, cvt_entry_fcw);
        bad++;
    }
    int width = cvt_entry_avx512 ? 64 : 32, nregs = cvt_entry_avx512 ? 32 : 16;
    for (int i = 0; cvt_entry_avx && i < nregs; i++)
        for (int j = 0; j < width; j++)
            if (cvt_entry_zmm[i][j]) {
                harness_diag("vector register %d byte %d = %#x at entry", i, j,
                             cvt_entry_zmm[i][j]);
                bad++;
                break;
            }
    for (int i = 0; cvt_entry_avx512 && i < 8; i++)
        if (cvt_entry_k[i]) {
            harness_diag("k%d = %#lx at entry", i, (unsigned long)cvt_entry_k[i]);
            bad++;
        }
    return bad;
}

SUBPROG(check)
{
    (void)argc;
    (void)argv;
    return check_entry_state() == 0 ? 0 : 1;
}

TEST(this_program_started_clean)
{
    EXPECT_EQ(check_entry_state(), 0);
}

static uint8_t dirt[32][64] __attribute__((aligned(64)));

/* execve(path, argv, envp) straight from asm, with every vector register, MXCSR and the x87
 * control word set to something else than the initial state. Returns only on failure. */
static long execve_dirty(const char *path, char *const argv[], char *const envp[])
{
    for (int i = 0; i < 32; i++)
        memset(dirt[i], 0x11 * (i % 15 + 1), 64);
    uint32_t mxcsr = 0x1f80 | 0x6000; /* round toward zero */
    uint16_t fcw = 0x27f;             /* 53-bit precision */
    long r = SYS_execve;
    __asm__ volatile("ldmxcsr %[mx]\n\t"
                     "fldcw %[cw]\n\t"
                     "vmovdqu 0(%[d]), %%ymm0\n\t"
                     "vmovdqu 64(%[d]), %%ymm1\n\t"
                     "vmovdqu 128(%[d]), %%ymm2\n\t"
                     "vmovdqu 192(%[d]), %%ymm7\n\t"
                     "vmovdqu 256(%[d]), %%ymm15\n\t"
                     "syscall"
                     : "+a"(r)
                     : "D"(path), "S"(argv),
                       "d"(envp), [d] "r"(dirt), [mx] "m"(mxcsr), [cw] "m"(fcw)
                     : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm7", "xmm15");
    return r;
}

static int have_avx(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return ((c >> 27) & 1) && ((c >> 28) & 1);
}

TEST(execve_starts_the_new_image_clean)
{
    if (!have_avx())
        SKIP("no AVX");
    char *argv[] = {(char *)harness_self(), "--sub", "check", NULL};
    char *envp[] = {NULL};
    for (int round = 0; round < 3; round++) {
        pid_t pid = CHECK(fork());
        if (pid == 0) {
            execve_dirty(harness_self(), argv, envp);
            _exit(127);
        }
        EXPECT_EXIT(pid, 0);
    }
}

static void *exec_from_thread(void *arg)
{
    char *argv[] = {(char *)harness_self(), "--sub", "check", NULL};
    char *envp[] = {NULL};
    execve_dirty(harness_self(), argv, envp);
    _exit(127);
    return arg;
}

TEST(execve_from_a_thread_starts_clean)
{
    if (!have_avx())
        SKIP("no AVX");
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, exec_from_thread, NULL);
        for (;;)
            pause();
    }
    EXPECT_EXIT(pid, 0);
}
