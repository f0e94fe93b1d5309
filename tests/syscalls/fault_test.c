// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for faults of app code: a NULL dereference, a write to a read-only page, a
 * jump to unmapped or non-executable memory, a division by zero, ud2, int3 and a privileged
 * instruction each raise the signal Linux raises, with its si_code and si_addr (and cr2) in a
 * handler, which may resume elsewhere by editing its ucontext; without a handler (or with the
 * signal blocked or ignored) the process dies by that signal, with the core flag of its wait
 * status as Linux decides: never with RLIMIT_CORE 0, and set with the limit raised when the
 * core pattern is a plain file name. */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <ucontext.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

enum fault {
    F_NULL_READ,
    F_RO_WRITE,
    F_JUMP_UNMAPPED,
    F_JUMP_NOEXEC,
    F_DIV_ZERO,
    F_DIV_OVERFLOW,
    F_UD2,
    F_INT3,
    F_HLT,
};

/* Set by each fault before it happens: the faulting instruction and where to resume. */
static uintptr_t fault_ip, resume_ip, data_page;

static struct {
    int sig, code;
    uintptr_t addr, rip, cr2;
    int count;
} got;

/* Raises @f; returns normally only if a handler resumed at resume_ip. */
static void __attribute__((noinline)) cause(enum fault f)
{
    switch (f) {
    case F_NULL_READ:
        __asm__ volatile("lea 1f(%%rip), %%rax\n\tmov %%rax, %0\n\t"
                         "lea 2f(%%rip), %%rax\n\tmov %%rax, %1\n\t"
                         "1: mov 0x10, %%rax\n\t2:"
                         : "=m"(fault_ip), "=m"(resume_ip)::"rax", "memory");
        break;
    case F_RO_WRITE:
        __asm__ volatile("lea 1f(%%rip), %%rax\n\tmov %%rax, %0\n\t"
                         "lea 2f(%%rip), %%rax\n\tmov %%rax, %1\n\t"
                         "1: movb $1, 8(%2)\n\t2:"
                         : "=m"(fault_ip), "=m"(resume_ip)
                         : "r"(data_page)
                         : "rax", "memory");
        break;
    case F_JUMP_UNMAPPED:
    case F_JUMP_NOEXEC:
        /* A call, so the faulting "instruction" is the target and the return address on the
         * stack is where a handler resumes. */
        fault_ip = f == F_JUMP_NOEXEC ? data_page : data_page + 0x10000;
        __asm__ volatile("lea 2f(%%rip), %%rax\n\tmov %%rax, %0\n\t"
                         "call *%1\n\t2:"
                         : "=m"(resume_ip)
                         : "r"(fault_ip)
                         : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
        break;
    case F_DIV_ZERO:
    case F_DIV_OVERFLOW:
        __asm__ volatile("lea 1f(%%rip), %%rax\n\tmov %%rax, %0\n\t"
                         "lea 2f(%%rip), %%rax\n\tmov %%rax, %1\n\t"
                         "mov $0x80000000, %%eax\n\tcltd\n\t"
                         "1: idivl %2\n\t2:"
                         : "=m"(fault_ip), "=m"(resume_ip)
                         : "r"(f == F_DIV_ZERO ? 0 : -1)
                         : "rax", "rdx", "memory");
        break;
    case F_UD2:
        __asm__ volatile("lea 1f(%%rip), %%rax\n\tmov %%rax, %0\n\t"
                         "lea 2f(%%rip), %%rax\n\tmov %%rax, %1\n\t"
                         "1: ud2\n\t2:"
                         : "=m"(fault_ip), "=m"(resume_ip)::"rax", "memory");
        break;
    case F_INT3:
        /* A trap: the saved rip is already past the instruction. */
        __asm__ volatile("lea 1f(%%rip), %%rax\n\tmov %%rax, %0\n\t"
                         "lea 2f(%%rip), %%rax\n\tmov %%rax, %1\n\t"
                         "1: int3\n\t2:"
                         : "=m"(fault_ip), "=m"(resume_ip)::"rax", "memory");
        break;
    case F_HLT:
        __asm__ volatile("lea 1f(%%rip), %%rax\n\tmov %%rax, %0\n\t"
                         "lea 2f(%%rip), %%rax\n\tmov %%rax, %1\n\t"
                         "1: hlt\n\t2:"
                         : "=m"(fault_ip), "=m"(resume_ip)::"rax", "memory");
        break;
    }
}

static void record_handler(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    got.sig = sig;
    got.code = si->si_code;
    got.addr = (uintptr_t)si->si_addr;
    got.rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    got.cr2 = (uintptr_t)uc->uc_mcontext.gregs[REG_CR2];
    got.count++;
    if (got.rip == data_page || got.rip == data_page + 0x10000) {
        /* A bad call target: return to the caller as the target's ret would. */
        uintptr_t *sp = (uintptr_t *)uc->uc_mcontext.gregs[REG_RSP];
        uc->uc_mcontext.gregs[REG_RSP] += 8;
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)*sp;
    } else {
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)resume_ip;
    }
}

static void setup_pages(void)
{
    /* A readable, not writable, not executable page, with an unmapped page 64 KiB above. */
    char *p = CHECK(mmap(NULL, 0x11000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK(munmap(p + 0x10000, 0x1000));
    data_page = (uintptr_t)p;
}

static void handle_all(void)
{
    setup_pages();
    struct sigaction sa = {.sa_sigaction = record_handler, .sa_flags = SA_SIGINFO};
    int sigs[] = {SIGSEGV, SIGFPE, SIGILL, SIGTRAP};
    for (int i = 0; i < 4; i++)
        CHECK(sigaction(sigs[i], &sa, NULL));
    memset(&got, 0, sizeof(got));
}

/* For expect_fault(): the address of the faulting instruction, known only once it ran. */
#define AT_INSN UINTPTR_MAX

/* Causes @f under record_handler; checks signal, code and address. */
static void expect_fault(enum fault f, int sig, int code, uintptr_t addr, const char *what)
{
    memset(&got, 0, sizeof(got));
    cause(f);
    if (addr == AT_INSN)
        addr = fault_ip;
    if (got.count != 1 || got.sig != sig || got.code != code || got.addr != addr)
        FAIL("%s: %d signals, last %d code %d addr %#lx; want %d code %d addr %#lx", what,
             got.count, got.sig, got.code, (unsigned long)got.addr, sig, code, (unsigned long)addr);
}

TEST(page_faults_give_segv_with_code_and_address)
{
    handle_all();
    expect_fault(F_NULL_READ, SIGSEGV, SEGV_MAPERR, 0x10, "NULL read");
    EXPECT_EQ(got.rip, fault_ip);
    EXPECT_EQ(got.cr2, 0x10);
    expect_fault(F_RO_WRITE, SIGSEGV, SEGV_ACCERR, data_page + 8, "write to read-only");
    EXPECT_EQ(got.rip, fault_ip);
    EXPECT_EQ(got.cr2, data_page + 8);
    expect_fault(F_JUMP_UNMAPPED, SIGSEGV, SEGV_MAPERR, data_page + 0x10000, "jump unmapped");
    EXPECT_EQ(got.rip, data_page + 0x10000);
    expect_fault(F_JUMP_NOEXEC, SIGSEGV, SEGV_ACCERR, data_page, "jump to non-exec page");
    EXPECT_EQ(got.rip, data_page);
}

TEST(divide_error_is_fpe_intdiv_at_the_instruction)
{
    handle_all();
    expect_fault(F_DIV_ZERO, SIGFPE, FPE_INTDIV, AT_INSN, "division by zero");
    EXPECT_EQ(got.rip, fault_ip);
    /* INT_MIN / -1 overflows: the same #DE, the same code. */
    expect_fault(F_DIV_OVERFLOW, SIGFPE, FPE_INTDIV, AT_INSN, "division overflow");
}

TEST(ud2_is_ill_illopn_at_the_instruction)
{
    handle_all();
    expect_fault(F_UD2, SIGILL, ILL_ILLOPN, AT_INSN, "ud2");
    EXPECT_EQ(got.rip, fault_ip);
}

TEST(int3_is_sigtrap_si_kernel_after_the_instruction)
{
    handle_all();
    /* Linux sends int3's SIGTRAP as a kernel signal with no address; rip is past it. */
    expect_fault(F_INT3, SIGTRAP, SI_KERNEL, 0, "int3");
    EXPECT_EQ(got.rip, resume_ip);
}

TEST(privileged_instruction_is_segv_si_kernel)
{
    handle_all();
    expect_fault(F_HLT, SIGSEGV, SI_KERNEL, 0, "hlt");
    EXPECT_EQ(got.rip, fault_ip);
}

TEST(handler_resumes_repeatedly)
{
    handle_all();
    for (int i = 0; i < 200; i++) {
        expect_fault(i % 2 ? F_UD2 : F_NULL_READ, i % 2 ? SIGILL : SIGSEGV,
                     i % 2 ? ILL_ILLOPN : SEGV_MAPERR, i % 2 ? AT_INSN : 0x10, "loop");
        if (harness_failed)
            return;
    }
}

struct death {
    enum fault f;
    int sig;
    const char *name;
};

static const struct death deaths[] = {
    {F_NULL_READ, SIGSEGV, "NULL read"},
    {F_RO_WRITE, SIGSEGV, "read-only write"},
    {F_JUMP_NOEXEC, SIGSEGV, "exec no-x"},
    {F_DIV_ZERO, SIGFPE, "division by zero"},
    {F_UD2, SIGILL, "ud2"},
    {F_INT3, SIGTRAP, "int3"},
    {F_HLT, SIGSEGV, "hlt"},
};

/* Forks a child that sets RLIMIT_CORE to @core, prepares the disposition (@how: 0 default,
 * 1 handler but signal blocked, 2 ignored) and causes @d. Returns its wait status. */
static int die_by(const struct death *d, rlim_t core, int how)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct rlimit rl = {core, core};
        if (setrlimit(RLIMIT_CORE, &rl) != 0)
            _exit(100);
        setup_pages();
        if (how == 1) {
            struct sigaction sa = {.sa_sigaction = record_handler, .sa_flags = SA_SIGINFO};
            sigaction(d->sig, &sa, NULL);
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, d->sig);
            sigprocmask(SIG_BLOCK, &set, NULL);
        } else if (how == 2) {
            signal(d->sig, SIG_IGN);
        }
        cause(d->f);
        _exit(101);
    }
    return wait_status(pid);
}

static void expect_deaths(rlim_t core, int how, int want_core)
{
    for (size_t i = 0; i < sizeof(deaths) / sizeof(deaths[0]); i++) {
        int st = die_by(&deaths[i], core, how);
        if (!WIFSIGNALED(st) || WTERMSIG(st) != deaths[i].sig || (WCOREDUMP(st) != 0) != want_core)
            FAIL("%s (limit %s, disposition %d): status 0x%x, want signal %d%s", deaths[i].name,
                 core ? "raised" : "0", how, st, deaths[i].sig, want_core ? " with core" : "");
    }
}

TEST(default_action_kills_without_core_flag_at_rlimit_core_0)
{
    expect_deaths(0, 0, 0);
}

TEST(blocked_or_ignored_fault_signal_still_kills)
{
    expect_deaths(0, 1, 0);
    expect_deaths(0, 2, 0);
}

TEST(core_flag_with_rlimit_core_raised)
{
    /* A pipe pattern hands the dump to a helper, which decides; a file name (Linux's default,
     * "core") is written in the working directory: ours is the scratch directory, so it
     * succeeds. */
    char pattern[256] = "core";
    int fd = open("/proc/sys/kernel/core_pattern", O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, pattern, sizeof(pattern) - 1);
        pattern[n > 0 ? n : 0] = '\0';
        close(fd);
    }
    if (pattern[0] == '|')
        SKIP("core_pattern hands dumps to a helper: %s", pattern);
    struct rlimit cur;
    CHECK(getrlimit(RLIMIT_CORE, &cur));
    if (cur.rlim_max != RLIM_INFINITY)
        SKIP("RLIMIT_CORE hard limit is %llu", (unsigned long long)cur.rlim_max);
    CHECK(chdir(tpath(".")));
    expect_deaths(RLIM_INFINITY, 0, 1);
}
