// SPDX-License-Identifier: Apache-2.0
/* Mechanism bound (native only): one in-process SIGSYS round trip. A seccomp filter answers
 * getppid with SECCOMP_RET_TRAP; each call raises SIGSYS, the handler writes a result into the
 * saved registers, and sigreturn resumes after the syscall. This is the floor of a trapped
 * syscall on the systrap platform (a bare trap, no hand-off to another thread).
 *   sigsys [SECONDS]     Output: "sigsys <N> traps <ns> ns/trap". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "../micro/timeloop.h"

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a seccomp SIGSYS */
#endif

#define TRAP_RESULT 4242

static volatile long g_traps;

static void on_sigsys(int sig, siginfo_t *si, void *uc_void)
{
    (void)sig;
    ucontext_t *uc = uc_void;
    if (si->si_code == SYS_SECCOMP && si->si_syscall == SYS_getppid) {
        uc->uc_mcontext.gregs[REG_RAX] = TRAP_RESULT;
        g_traps++;
    }
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
        if (raw_getppid() != TRAP_RESULT) {
            fprintf(stderr, "sigsys: getppid was not trapped\n");
            return -1;
        }
    }
    return 0;
}

static int install_filter(void)
{
    struct sock_filter insns[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof(insns) / sizeof(insns[0]), .filter = insns};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
        perror("sigsys: seccomp");
        return -1;
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
    if (sigaction(SIGSYS, &sa, NULL) < 0 || install_filter() < 0)
        return 1;
    struct tl_result r;
    if (tl_run(secs, op_trap, NULL, &r) < 0)
        return 1;
    if (g_traps < r.ops) {
        fprintf(stderr, "sigsys: %ld traps for %ld calls\n", g_traps, r.ops);
        return 1;
    }
    printf("sigsys %ld traps %.1f ns/trap\n", r.ops, r.ns_per_op);
    return 0;
}
