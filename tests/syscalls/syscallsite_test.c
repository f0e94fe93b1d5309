// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for inline system call sites, the code a syscall-site patcher rewrites:
 * a `mov $SYS_getpid,%eax; syscall` site (b8 27 00 00 00 0f 05) run by 8 threads at once many
 * thousand times gives the right result and preserves every register but rax, rcx and r11,
 * which hold the return address and the flags as the syscall instruction defines; the site
 * works in a forked child and its parent; a `mov $39,%r8d; syscall` (41 b8 27 00 00 00 0f 05),
 * whose last seven bytes look like a getpid site, keeps its meaning; a jump straight to the
 * syscall instruction of a site that has run many times makes the system call in eax; and the
 * executable file read through /proc/self/exe still holds the original bytes of both. */
#include <elf.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

/* The state one run of a site starts from and ends with (offsets used by the asm below). */
struct site_regs {
    uint64_t rbx, r12, r13, r14, r15, rdi_unused; /* 0..40 */
    uint64_t rsi, rdx, r8, r9, r10;               /* 48..80 */
    uint64_t rax, rcx, r11, flags;                /* 88..112: results */
    uint64_t jump_nr;                             /* 120: 0, or the nr for a jump-in */
    uint64_t rdi_after;                           /* 128 */
};

/* cvt_site(struct site_regs *): loads the marker registers, then either runs the getpid site
 * from its mov, or (jump_nr != 0) loads jump_nr into eax and jumps to the site's syscall
 * instruction; stores every register and the flags afterwards. */
__asm__(".text\n"
        ".globl cvt_site\n"
        ".type cvt_site, @function\n"
        "cvt_site:\n"
        "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
        "  mov %rdi, %rbp\n"
        "  mov 0(%rbp), %rbx\n  mov 8(%rbp), %r12\n  mov 16(%rbp), %r13\n"
        "  mov 24(%rbp), %r14\n  mov 32(%rbp), %r15\n"
        "  mov 48(%rbp), %rsi\n  mov 56(%rbp), %rdx\n  mov 64(%rbp), %r8\n"
        "  mov 72(%rbp), %r9\n  mov 80(%rbp), %r10\n"
        "  mov 120(%rbp), %rax\n"
        "  test %rax, %rax\n"
        "  jnz cvt_site_syscall\n"
        ".globl cvt_site_mov\n"
        "cvt_site_mov:\n"
        "  .byte 0xb8, 0x27, 0x00, 0x00, 0x00\n" /* mov $39 (getpid), %eax */
        ".globl cvt_site_syscall\n"
        "cvt_site_syscall:\n"
        "  .byte 0x0f, 0x05\n" /* syscall */
        ".globl cvt_site_ret\n"
        "cvt_site_ret:\n"
        "  mov %rax, 88(%rbp)\n  mov %rcx, 96(%rbp)\n  mov %r11, 104(%rbp)\n"
        "  pushfq\n  pop %rax\n  mov %rax, 112(%rbp)\n"
        "  mov %rdi, 128(%rbp)\n"
        "  mov %rbx, 0(%rbp)\n  mov %r12, 8(%rbp)\n  mov %r13, 16(%rbp)\n"
        "  mov %r14, 24(%rbp)\n  mov %r15, 32(%rbp)\n"
        "  mov %rsi, 48(%rbp)\n  mov %rdx, 56(%rbp)\n  mov %r8, 64(%rbp)\n"
        "  mov %r9, 72(%rbp)\n  mov %r10, 80(%rbp)\n"
        "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
        "  ret\n"
        ".size cvt_site, . - cvt_site\n"
        /* cvt_prefix_site(uint64_t out[2]): eax = gettid, then `mov $39,%r8d; syscall`;
         * out[0] = rax, out[1] = r8. */
        ".globl cvt_prefix_site\n"
        ".type cvt_prefix_site, @function\n"
        "cvt_prefix_site:\n"
        "  mov $186, %eax\n" /* SYS_gettid */
        "  xor %r8d, %r8d\n"
        ".globl cvt_prefix_insn\n"
        "cvt_prefix_insn:\n"
        "  .byte 0x41, 0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05\n"
        "  mov %rax, 0(%rdi)\n  mov %r8, 8(%rdi)\n"
        "  ret\n"
        ".size cvt_prefix_site, . - cvt_prefix_site\n");

void cvt_site(struct site_regs *r);
void cvt_prefix_site(uint64_t out[2]);
extern const unsigned char cvt_site_mov[], cvt_site_syscall[], cvt_site_ret[], cvt_prefix_insn[];

static const unsigned char site_bytes[7] = {0xb8, 0x27, 0, 0, 0, 0x0f, 0x05};
static const unsigned char prefix_bytes[8] = {0x41, 0xb8, 0x27, 0, 0, 0, 0x0f, 0x05};

#define EFLAGS_RF 0x10000ULL

/* Runs the site once with markers derived from @seed (jump-in with @jump_nr if not 0) and
 * checks the registers. Returns 0, or a bit mask of what was wrong. */
static int run_site(uint64_t seed, uint64_t jump_nr, long want_rax)
{
    struct site_regs r = {0};
    uint64_t *m = &r.rbx;
    for (int i = 0; i < 11; i++)
        m[i] = seed * 0x9e3779b97f4a7c15ULL + (uint64_t)i * 0x0101010101010101ULL;
    struct site_regs in = r;
    r.jump_nr = jump_nr;
    cvt_site(&r);
    int bad = 0;
    if ((long)r.rax != want_rax)
        bad |= 1;
    for (int i = 0; i < 11; i++)
        if (i != 5 && m[i] != (&in.rbx)[i])
            bad |= 2; /* a register the syscall must preserve changed */
    if (r.rcx != (uint64_t)(uintptr_t)cvt_site_ret)
        bad |= 4; /* rcx: the address after the syscall instruction */
    if ((r.r11 & ~EFLAGS_RF) != r.flags)
        bad |= 8; /* r11: the flags at the syscall */
    if (r.rdi_after != (uint64_t)(uintptr_t)&r)
        bad |= 16;
    return bad;
}

struct worker {
    int iters;
    pid_t pid;
    int bad, first_bad;
};

static void *hammer(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < w->iters; i++) {
        int bad = run_site((uint64_t)i ^ (uint64_t)(uintptr_t)w, 0, w->pid);
        if (bad) {
            w->bad++;
            w->first_bad = w->first_bad ? w->first_bad : bad;
        }
    }
    return NULL;
}

static void run_threads(int nthreads, int iters)
{
    pthread_t th[8];
    struct worker w[8];
    for (int i = 0; i < nthreads; i++) {
        w[i] = (struct worker){.iters = iters, .pid = getpid()};
        if (pthread_create(&th[i], NULL, hammer, &w[i]) != 0)
            FATAL("pthread_create");
    }
    for (int i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        if (w[i].bad)
            FAIL("thread %d: %d bad runs, first wrong in %#x", i, w[i].bad, w[i].first_bad);
    }
}

TEST(site_in_eight_threads_keeps_results_and_registers)
{
    EXPECT_TRUE(memcmp(cvt_site_mov, site_bytes, 7) == 0); /* as assembled, before any run */
    run_threads(8, 3000);
}

TEST(site_works_in_forked_child_and_parent)
{
    for (int i = 0; i < 2000; i++)
        if (run_site((uint64_t)i, 0, getpid()) != 0) {
            FAIL("before fork, run %d", i);
            return;
        }
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        for (int i = 0; i < 2000; i++)
            if (run_site((uint64_t)i + 7, 0, getpid()) != 0)
                _exit(1);
        _exit(0);
    }
    for (int i = 0; i < 2000; i++)
        if (run_site((uint64_t)i + 11, 0, getpid()) != 0) {
            FAIL("parent after fork, run %d", i);
            break;
        }
    EXPECT_EXIT(pid, 0);
    /* A grandchild made after the child is gone still gets its own pid. */
    pid = CHECK(fork());
    if (pid == 0)
        _exit(run_site(3, 0, getpid()) == 0 ? 0 : 1);
    EXPECT_EXIT(pid, 0);
}

TEST(prefixed_false_match_keeps_its_meaning)
{
    long tid = syscall(SYS_gettid);
    for (int i = 0; i < 5000; i++) {
        uint64_t out[2] = {0, 0};
        cvt_prefix_site(out);
        if ((long)out[0] != tid || out[1] != 39) {
            FAIL("run %d: rax %ld (want gettid %ld), r8 %lu (want 39)", i, (long)out[0], tid,
                 (unsigned long)out[1]);
            return;
        }
    }
}

TEST(jump_to_the_syscall_instruction_of_a_hot_site)
{
    for (int i = 0; i < 5000; i++)
        if (run_site((uint64_t)i, 0, getpid()) != 0) {
            FAIL("warm-up run %d", i);
            return;
        }
    long tid = syscall(SYS_gettid);
    for (int i = 0; i < 1000; i++) {
        int bad = run_site((uint64_t)i, SYS_gettid, tid);
        if (bad) {
            FAIL("jump-in run %d: wrong in %#x", i, bad);
            return;
        }
        /* Interleaved with normal runs of the same site. */
        if (run_site((uint64_t)i, 0, getpid()) != 0) {
            FAIL("normal run %d after a jump-in", i);
            return;
        }
    }
}

/* The file offset of virtual address @addr in the executable @fd, or -1. */
static long file_offset_of(int fd, uintptr_t addr)
{
    Elf64_Ehdr eh;
    if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, 4))
        return -1;
    for (int i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) !=
            (ssize_t)sizeof(ph))
            return -1;
        if (ph.p_type == PT_LOAD && addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_filesz)
            return (long)(ph.p_offset + (addr - ph.p_vaddr));
    }
    return -1;
}

TEST(executable_file_keeps_the_original_bytes)
{
    run_threads(4, 2000);
    for (int i = 0; i < 2000; i++) {
        uint64_t out[2];
        cvt_prefix_site(out);
    }
    int fd = CHECK(open("/proc/self/exe", O_RDONLY));
    long off = file_offset_of(fd, (uintptr_t)cvt_site_mov);
    long poff = file_offset_of(fd, (uintptr_t)cvt_prefix_insn);
    if (off < 0 || poff < 0)
        FATAL("cannot find the sites in /proc/self/exe");
    unsigned char got[8];
    CHECK(pread(fd, got, 7, off));
    EXPECT_TRUE(memcmp(got, site_bytes, 7) == 0);
    CHECK(pread(fd, got, 8, poff));
    EXPECT_TRUE(memcmp(got, prefix_bytes, 8) == 0);
    /* Also through read(), as a program copying itself would. */
    CHECK(lseek(fd, off, SEEK_SET));
    CHECK(read(fd, got, 7));
    EXPECT_TRUE(memcmp(got, site_bytes, 7) == 0);
    close(fd);
}
