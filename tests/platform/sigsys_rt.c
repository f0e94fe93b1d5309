// SPDX-License-Identifier: Apache-2.0
/*
 * The bound of a trapped syscall (docs/platform.md): the cost of one bare SIGSYS round trip in
 * one process — a getpid that syscall user dispatch (or a seccomp SECCOMP_RET_TRAP filter)
 * turns into SIGSYS, a handler that sets the return value, and rt_sigreturn. systrap's trapped
 * syscall adds the hand-off to the Sentry to exactly this.
 *   sigsys_rt [N]     prints "sud <ns> ns/call" and "seccomp <ns> ns/call"
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif
#define DISPATCH_ON 1

static volatile char g_selector; /* 0: allow, 1: block */

static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
    (void)sig, (void)si;
    ucontext_t *uc = uc_;
    uc->uc_mcontext.gregs[REG_RAX] = 12345;
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* `mov $SYS_getpid, %eax; syscall; ret` on a page of its own, mapped above the program. */
static long (*g_getpid)(void);

static long getpid_inline(void)
{
    return g_getpid();
}

static double measure(long n)
{
    for (long i = 0; i < n / 10; i++)
        getpid_inline();
    long long t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (getpid_inline() != 12345)
            abort();
    return (double)(now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
    sigaction(SIGSYS, &sa, NULL);
    static const unsigned char code[] = {0xb8, SYS_getpid, 0, 0, 0, 0x0f, 0x05, 0xc3};
    void *page =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return 1;
    memcpy(page, code, sizeof(code));
    g_getpid = (long (*)(void))page;
    /* Syscalls from below the page (the static program, its libc and the handler's
     * sigreturn) are allowed; the one on the page is dispatched. */
    if (prctl(PR_SET_SYSCALL_USER_DISPATCH, DISPATCH_ON, 0UL, (unsigned long)page, &g_selector) ==
        0) {
        g_selector = 1;
        printf("sud %.1f ns/call\n", measure(n));
        g_selector = 0;
        prctl(PR_SET_SYSCALL_USER_DISPATCH, 0, 0, 0, 0);
    }
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
        printf("seccomp %.1f ns/call\n", measure(n));
    return 0;
}
