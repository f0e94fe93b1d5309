// SPDX-License-Identifier: Apache-2.0
/* Mechanism bound (native only): one in-process SIGSYS round trip through syscall user dispatch
 * (PR_SET_SYSCALL_USER_DISPATCH) instead of seccomp. With the selector byte set to BLOCK a
 * syscall raises SIGSYS without running; the handler writes a result, sets the selector to ALLOW
 * so that its own sigreturn goes through, and the loop sets BLOCK again (a plain store) before
 * the next call.
 *   sud [SECONDS]        Output: "sud <N> traps <ns> ns/trap". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "../micro/timeloop.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif
#ifndef PR_SYS_DISPATCH_ON
#define PR_SYS_DISPATCH_ON 1
#define PR_SYS_DISPATCH_OFF 0
#endif
#ifndef SYSCALL_DISPATCH_FILTER_ALLOW
#define SYSCALL_DISPATCH_FILTER_ALLOW 0
#define SYSCALL_DISPATCH_FILTER_BLOCK 1
#endif
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2
#endif

#define TRAP_RESULT 4242

static volatile char g_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
static volatile long g_traps;

static void on_sigsys(int sig, siginfo_t *si, void *uc_void)
{
    (void)sig;
    ucontext_t *uc = uc_void;
    if (si->si_code == SYS_USER_DISPATCH && si->si_syscall == SYS_getppid) {
        uc->uc_mcontext.gregs[REG_RAX] = TRAP_RESULT;
        g_traps++;
    }
    g_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
}

static long raw_getppid(void)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "0"((long)SYS_getppid) : "rcx", "r11", "memory");
    return ret;
}

static int op_trap(long n, void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        g_selector = SYSCALL_DISPATCH_FILTER_BLOCK;
        long ret = raw_getppid();
        if (ret != TRAP_RESULT) {
            g_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
            fprintf(stderr, "sud: getppid was not trapped\n");
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    double secs = tl_seconds(argc, argv, 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSYS, &sa, NULL) < 0) {
        perror("sud: sigaction");
        return 1;
    }
    if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0, &g_selector) < 0) {
        perror("sud: PR_SET_SYSCALL_USER_DISPATCH");
        return 1;
    }
    struct tl_result r;
    int rc = tl_run(secs, op_trap, NULL, &r);
    g_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
    prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0);
    if (rc < 0)
        return 1;
    if (g_traps < r.ops) {
        fprintf(stderr, "sud: %ld traps for %ld calls\n", g_traps, r.ops);
        return 1;
    }
    printf("sud %ld traps %.1f ns/trap\n", r.ops, r.ns_per_op);
    return 0;
}
