// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for rt_sigaction: installing and reading back handlers, SA_SIGINFO fields,
 * SA_RESETHAND, SA_NODEFER, sa_mask during the handler, and EINVAL cases. */
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

/* The kernel's struct sigaction layout for x86-64. */
#define KSA_RESTORER 0x04000000

struct ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static volatile int hits;
static volatile int depth, max_depth;
static volatile siginfo_t last_info;
static volatile uint64_t mask_in_handler;

static void count_handler(int sig)
{
    (void)sig;
    hits++;
}

TEST(raw_sigaction_roundtrip)
{
    struct sigaction sa = {.sa_handler = count_handler, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    struct ksigaction old;
    memset(&old, 0, sizeof(old));
    EXPECT_OK(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 8));
    EXPECT_EQ(old.handler, (void *)count_handler);
    EXPECT_TRUE(old.flags & SA_RESTART);
    EXPECT_TRUE(old.flags & KSA_RESTORER); /* glibc always supplies a restorer */
    EXPECT_EQ(old.mask, 1ULL << (SIGUSR2 - 1));
}

TEST(default_disposition_initially)
{
    struct sigaction old;
    CHECK(sigaction(SIGUSR2, NULL, &old));
    EXPECT_EQ(old.sa_handler, SIG_DFL);
    CHECK(sigaction(SIGTERM, NULL, &old));
    EXPECT_EQ(old.sa_handler, SIG_DFL);
}

TEST(einval_cases)
{
    struct ksigaction ksa = {.handler = SIG_IGN};
    EXPECT_ERRNO(syscall(SYS_rt_sigaction, SIGKILL, &ksa, NULL, 8), EINVAL);
    EXPECT_ERRNO(syscall(SYS_rt_sigaction, SIGSTOP, &ksa, NULL, 8), EINVAL);
    EXPECT_ERRNO(syscall(SYS_rt_sigaction, 0, &ksa, NULL, 8), EINVAL);
    EXPECT_ERRNO(syscall(SYS_rt_sigaction, 65, &ksa, NULL, 8), EINVAL);
    EXPECT_ERRNO(syscall(SYS_rt_sigaction, SIGUSR1, &ksa, NULL, 4), EINVAL);
    EXPECT_ERRNO(syscall(SYS_rt_sigaction, SIGUSR1, (void *)1, NULL, 8), EFAULT);
    /* Reading SIGKILL's disposition is allowed. */
    struct ksigaction old;
    EXPECT_OK(syscall(SYS_rt_sigaction, SIGKILL, NULL, &old, 8));
}

static void info_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    last_info.si_signo = sig;
    last_info.si_code = si->si_code;
    last_info.si_pid = si->si_pid;
    last_info.si_uid = si->si_uid;
}

TEST(sa_siginfo_fields_from_kill)
{
    struct sigaction sa = {.sa_sigaction = info_handler, .sa_flags = SA_SIGINFO};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    CHECK(kill(getpid(), SIGUSR1));
    EXPECT_EQ(last_info.si_signo, SIGUSR1);
    EXPECT_EQ(last_info.si_code, SI_USER);
    EXPECT_EQ(last_info.si_pid, getpid());
    EXPECT_EQ(last_info.si_uid, getuid());
    CHECK(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1));
    EXPECT_EQ(last_info.si_code, SI_TKILL);
}

TEST(sa_resethand_restores_default)
{
    struct sigaction sa = {.sa_handler = count_handler, .sa_flags = SA_RESETHAND};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    hits = 0;
    CHECK(raise(SIGUSR1));
    EXPECT_EQ(hits, 1);
    struct sigaction old;
    CHECK(sigaction(SIGUSR1, NULL, &old));
    EXPECT_EQ(old.sa_handler, SIG_DFL);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        CHECK(sigaction(SIGUSR1, &sa, NULL));
        raise(SIGUSR1);
        raise(SIGUSR1); /* second one kills */
        _exit(0);
    }
    EXPECT_SIGNALED(pid, SIGUSR1);
}

static void nested_handler(int sig)
{
    depth++;
    hits++;
    if (depth > max_depth)
        max_depth = depth;
    if (hits < 3)
        raise(sig);
    depth--;
}

TEST(sa_nodefer_allows_nesting)
{
    struct sigaction sa = {.sa_handler = nested_handler, .sa_flags = SA_NODEFER};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    max_depth = depth = hits = 0;
    CHECK(raise(SIGUSR1));
    EXPECT_EQ(max_depth, 3);
    /* Without SA_NODEFER the signal is blocked in its handler and runs after it returns. */
    sa.sa_flags = 0;
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    max_depth = depth = hits = 0;
    CHECK(raise(SIGUSR1));
    EXPECT_EQ(max_depth, 1);
    EXPECT_EQ(hits, 3);
}

static void mask_handler(int sig)
{
    (void)sig;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    uint64_t m = 0;
    for (int s = 1; s < 64; s++)
        if (sigismember(&cur, s))
            m |= 1ULL << (s - 1);
    mask_in_handler = m;
}

TEST(sa_mask_applied_during_handler)
{
    struct sigaction sa = {.sa_handler = mask_handler};
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaddset(&sa.sa_mask, SIGKILL); /* silently ignored */
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    CHECK(raise(SIGUSR1));
    EXPECT_EQ(mask_in_handler, (1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGUSR2 - 1)));
    sigset_t after;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &after));
    EXPECT_TRUE(!sigismember(&after, SIGUSR1)); /* restored on return */
}

TEST(sig_ign_discards)
{
    signal(SIGUSR1, SIG_IGN);
    CHECK(raise(SIGUSR1));
    sigset_t p;
    CHECK(sigpending(&p));
    EXPECT_TRUE(!sigismember(&p, SIGUSR1));
}
