// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for signal handlers on the alternate stack beyond sigaltstack_test: nested
 * SA_ONSTACK signals stack their frames on it, the ucontext describes it and the interrupted
 * stack, SS_AUTODISARM disarms it while a handler runs, a stack overflow of the main thread
 * and of another thread (into its guard page) is handled there with the fault's code and
 * address, again after a siglongjmp out, and without an alternate stack the overflow kills; a
 * frame larger than the alternate stack (AT_MINSIGSTKSZ says how large) kills too. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <ucontext.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define ALT_SIZE (256 * 1024)
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static __thread char *alt_base;

static void setup_alt(int flags)
{
    alt_base =
        CHECK(mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    stack_t ss = {.ss_sp = alt_base, .ss_size = ALT_SIZE, .ss_flags = flags};
    CHECK(sigaltstack(&ss, NULL));
}

static int on_alt(uintptr_t sp)
{
    return sp >= (uintptr_t)alt_base && sp < (uintptr_t)alt_base + ALT_SIZE;
}

static volatile uintptr_t sp1, sp2, int_rsp1, int_rsp2;
static volatile int flags1, flags2, disarmed_flags;
static stack_t uc_stack1;

static void inner(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    int local;
    sp2 = (uintptr_t)&local;
    int_rsp2 = (uintptr_t)((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RSP];
    stack_t cur;
    sigaltstack(NULL, &cur);
    flags2 = cur.ss_flags;
}

static void outer(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    int local;
    ucontext_t *uc = ctx;
    sp1 = (uintptr_t)&local;
    int_rsp1 = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
    uc_stack1 = uc->uc_stack;
    stack_t cur;
    sigaltstack(NULL, &cur);
    flags1 = cur.ss_flags;
    raise(SIGUSR2);
}

TEST(nested_signals_stack_up_on_the_alternate_stack)
{
    setup_alt(0);
    struct sigaction a = {.sa_sigaction = outer, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    struct sigaction b = {.sa_sigaction = inner, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    CHECK(sigaction(SIGUSR1, &a, NULL));
    CHECK(sigaction(SIGUSR2, &b, NULL));
    int here;
    CHECK(raise(SIGUSR1));
    EXPECT_TRUE(on_alt(sp1));
    EXPECT_TRUE(on_alt(sp2));
    EXPECT_TRUE(sp2 < sp1); /* the inner frame below the outer one, on the same stack */
    EXPECT_EQ(flags1, SS_ONSTACK);
    EXPECT_EQ(flags2, SS_ONSTACK);
    /* The outer handler interrupted the main stack; the inner one the alternate stack. */
    EXPECT_TRUE(!on_alt(int_rsp1) && int_rsp1 > (uintptr_t)&here - 65536 &&
                int_rsp1 < (uintptr_t)&here + 65536);
    EXPECT_TRUE(on_alt(int_rsp2));
    EXPECT_EQ((uintptr_t)uc_stack1.ss_sp, (uintptr_t)alt_base);
    EXPECT_EQ(uc_stack1.ss_size, ALT_SIZE);
    EXPECT_EQ(uc_stack1.ss_flags & SS_DISABLE, 0);
    stack_t cur;
    CHECK(sigaltstack(NULL, &cur));
    EXPECT_EQ(cur.ss_flags, 0);
}

static void disarm_probe(int sig)
{
    (void)sig;
    int local;
    sp1 = (uintptr_t)&local;
    stack_t cur;
    sigaltstack(NULL, &cur);
    disarmed_flags = cur.ss_flags;
}

TEST(ss_autodisarm_disarms_while_the_handler_runs)
{
    setup_alt((int)SS_AUTODISARM);
    struct sigaction sa = {.sa_handler = disarm_probe, .sa_flags = SA_ONSTACK};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    for (int i = 0; i < 3; i++) {
        disarmed_flags = -1;
        CHECK(raise(SIGUSR1));
        EXPECT_TRUE(on_alt(sp1));
        EXPECT_EQ(disarmed_flags, SS_DISABLE);
        stack_t cur;
        CHECK(sigaltstack(NULL, &cur)); /* re-armed by sigreturn */
        EXPECT_EQ((unsigned)cur.ss_flags, SS_AUTODISARM);
        EXPECT_EQ((uintptr_t)cur.ss_sp, (uintptr_t)alt_base);
    }
}

static sigjmp_buf overflow_jmp;
static volatile uintptr_t fault_addr, fault_rsp, handler_sp;
static volatile int fault_code, handler_onstack;

static void overflow_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    int local;
    handler_sp = (uintptr_t)&local;
    fault_code = si->si_code;
    fault_addr = (uintptr_t)si->si_addr;
    fault_rsp = (uintptr_t)((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RSP];
    stack_t cur;
    sigaltstack(NULL, &cur);
    handler_onstack = cur.ss_flags == SS_ONSTACK;
    siglongjmp(overflow_jmp, 1);
}

static volatile int depth_limit = 1 << 30;

static int recurse(int n)
{
    volatile char pad[2048];
    pad[0] = (char)n;
    if (n >= depth_limit)
        return 0;
    return recurse(n + 1) + pad[0];
}

/* Overflows this thread's stack three times under overflow_handler; checks each. */
static void overflow_three_times(int want_code)
{
    struct sigaction sa = {.sa_sigaction = overflow_handler,
                           .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER};
    CHECK(sigaction(SIGSEGV, &sa, NULL));
    for (int round = 0; round < 3; round++) {
        handler_sp = 0;
        if (sigsetjmp(overflow_jmp, 1) == 0) {
            recurse(0);
            FATAL("recursion returned");
        }
        EXPECT_TRUE(on_alt(handler_sp));
        EXPECT_TRUE(handler_onstack);
        EXPECT_EQ(fault_code, want_code);
        /* The fault is right below the interrupted stack pointer (a frame's first push or
         * store), within one frame. */
        if (!(fault_addr < fault_rsp + 4096 && fault_addr + 8192 > fault_rsp))
            FAIL("round %d: fault address %#lx, rsp %#lx", round, (unsigned long)fault_addr,
                 (unsigned long)fault_rsp);
        stack_t cur;
        CHECK(sigaltstack(NULL, &cur));
        EXPECT_EQ(cur.ss_flags, 0); /* siglongjmp left the alternate stack */
    }
}

TEST(main_stack_overflow_handled_on_the_alternate_stack)
{
    /* A small limit keeps the overflow quick; the fault below the stack is SEGV_MAPERR. */
    struct rlimit rl = {256 * 1024, 256 * 1024};
    CHECK(setrlimit(RLIMIT_STACK, &rl));
    setup_alt(0);
    overflow_three_times(SEGV_MAPERR);
}

static void *thread_overflow(void *arg)
{
    (void)arg;
    setup_alt(0);
    overflow_three_times(SEGV_ACCERR); /* glibc's guard page is PROT_NONE */
    return NULL;
}

TEST(thread_stack_overflow_handled_on_its_alternate_stack)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 128 * 1024);
    pthread_attr_setguardsize(&attr, 64 * 1024);
    pthread_t t;
    CHECK(pthread_create(&t, &attr, thread_overflow, NULL) == 0 ? 0 : -1);
    pthread_join(t, NULL);
}

static void plain_handler(int sig)
{
    (void)sig;
    _exit(50);
}

TEST(overflow_without_alternate_stack_kills)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct rlimit rl = {256 * 1024, 256 * 1024};
        setrlimit(RLIMIT_STACK, &rl);
        setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
        /* A handler, but no alternate stack: its frame cannot be written. */
        struct sigaction sa = {.sa_handler = plain_handler, .sa_flags = SA_ONSTACK};
        sigaction(SIGSEGV, &sa, NULL);
        recurse(0);
        _exit(1);
    }
    EXPECT_SIGNALED(pid, SIGSEGV);
}

static void small_handler(int sig)
{
    (void)sig;
    _exit(60);
}

TEST(frame_larger_than_the_alternate_stack_kills)
{
    /* AT_MINSIGSTKSZ is the kernel's size of a signal frame with this CPU's register state.
     * An alternate stack of MINSIGSTKSZ (2048) bytes, which sigaltstack accepts, holds a frame
     * only if that is smaller; otherwise delivery on it forces SIGSEGV. */
    unsigned long need = getauxval(AT_MINSIGSTKSZ);
    if (!need)
        SKIP("no AT_MINSIGSTKSZ");
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
        static char small[2048] __attribute__((aligned(64)));
        stack_t ss = {.ss_sp = small, .ss_size = sizeof(small)};
        if (sigaltstack(&ss, NULL) != 0)
            _exit(61);
        struct sigaction sa = {.sa_handler = small_handler, .sa_flags = SA_ONSTACK};
        sigaction(SIGUSR1, &sa, NULL);
        raise(SIGUSR1);
        _exit(62);
    }
    int st = wait_status(pid);
    if (need > 2048) {
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV)
            FAIL("frame of about %lu bytes on a 2048-byte stack: status 0x%x, want SIGSEGV", need,
                 st);
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 60) {
        FAIL("frame of about %lu bytes on a 2048-byte stack: status 0x%x, want the handler", need,
             st);
    }
}
