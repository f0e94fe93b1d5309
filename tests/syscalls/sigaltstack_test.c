// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for sigaltstack: SA_ONSTACK handlers run on the alternate stack, SS_ONSTACK is
 * reported inside them, changing an in-use stack gives EPERM, and ENOMEM/EINVAL are returned. */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define ALT_SIZE (64 * 1024)

static char *alt_base;
static volatile uintptr_t handler_sp;
static volatile int handler_flags;
static volatile int change_errno;

static void onstack_handler(int sig)
{
    (void)sig;
    int local;
    handler_sp = (uintptr_t)&local;
    stack_t cur;
    sigaltstack(NULL, &cur);
    handler_flags = cur.ss_flags;
    stack_t other = {.ss_sp = alt_base, .ss_size = ALT_SIZE};
    change_errno = sigaltstack(&other, NULL) == -1 ? errno : 0;
}

static void setup_alt(void)
{
    alt_base =
        CHECK(mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    stack_t ss = {.ss_sp = alt_base, .ss_size = ALT_SIZE, .ss_flags = 0};
    CHECK(sigaltstack(&ss, NULL));
}

TEST(initially_disabled)
{
    stack_t cur;
    CHECK(sigaltstack(NULL, &cur));
    EXPECT_EQ(cur.ss_flags, SS_DISABLE);
}

TEST(handler_runs_on_alt_stack)
{
    setup_alt();
    struct sigaction sa = {.sa_handler = onstack_handler, .sa_flags = SA_ONSTACK};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    CHECK(raise(SIGUSR1));
    EXPECT_TRUE(handler_sp >= (uintptr_t)alt_base);
    EXPECT_TRUE(handler_sp < (uintptr_t)alt_base + ALT_SIZE);
    EXPECT_EQ(handler_flags, SS_ONSTACK);
    EXPECT_EQ(change_errno, EPERM);
    stack_t cur;
    CHECK(sigaltstack(NULL, &cur));
    EXPECT_EQ(cur.ss_flags, 0);
    EXPECT_EQ(cur.ss_sp, alt_base);
    EXPECT_EQ(cur.ss_size, ALT_SIZE);
}

TEST(handler_without_sa_onstack_uses_normal_stack)
{
    setup_alt();
    struct sigaction sa = {.sa_handler = onstack_handler};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    CHECK(raise(SIGUSR1));
    EXPECT_TRUE(handler_sp < (uintptr_t)alt_base || handler_sp >= (uintptr_t)alt_base + ALT_SIZE);
    EXPECT_EQ(handler_flags, 0);
    EXPECT_EQ(change_errno, 0);
}

static void overflow_handler(int sig)
{
    (void)sig;
    _exit(42);
}

static volatile int depth_limit = 1 << 30;

static int recurse(int n)
{
    volatile char pad[4096];
    pad[0] = (char)n;
    if (n >= depth_limit)
        return 0;
    return recurse(n + 1) + pad[0];
}

TEST(stack_overflow_caught_on_alt_stack)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        setup_alt();
        struct sigaction sa = {.sa_handler = overflow_handler, .sa_flags = SA_ONSTACK};
        sigaction(SIGSEGV, &sa, NULL);
        recurse(0);
        _exit(1);
    }
    EXPECT_EXIT(pid, 42);
}

TEST(errors)
{
    char buf[64];
    stack_t ss = {.ss_sp = buf, .ss_size = 64};
    EXPECT_ERRNO(sigaltstack(&ss, NULL), ENOMEM);
    static char big[64 * 1024];
    ss.ss_sp = big;
    ss.ss_size = sizeof(big);
    ss.ss_flags = 0x1234;
    EXPECT_ERRNO(sigaltstack(&ss, NULL), EINVAL);
    ss.ss_flags = SS_ONSTACK; /* accepted as a legacy spelling of 0 */
    EXPECT_OK(sigaltstack(&ss, NULL));
    ss.ss_flags = SS_DISABLE;
    EXPECT_OK(sigaltstack(&ss, NULL));
    stack_t cur;
    CHECK(sigaltstack(NULL, &cur));
    EXPECT_EQ(cur.ss_flags, SS_DISABLE);
}

TEST(child_inherits_alt_stack)
{
    setup_alt();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        stack_t cur;
        sigaltstack(NULL, &cur);
        _exit(cur.ss_sp == alt_base && cur.ss_flags == 0 ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
}
