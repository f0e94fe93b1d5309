// SPDX-License-Identifier: Apache-2.0
/* Guest signal ABI for x86-64: the kernel's sigset, sigaction, siginfo and frame layouts. */
#pragma once

#include <stdint.h>

#include "abi/linux/types.h"

#define LINUX_NSIG 64

typedef uint64_t linux_sigset_t; /* the kernel's 8-byte mask, not glibc's 128 bytes */

#define LINUX_SIGBIT(sig) (1ULL << ((sig)-1))

#define LINUX_SIG_DFL 0ULL
#define LINUX_SIG_IGN 1ULL

#define LINUX_SA_NOCLDSTOP 0x00000001u
#define LINUX_SA_NOCLDWAIT 0x00000002u
#define LINUX_SA_SIGINFO 0x00000004u
#define LINUX_SA_RESTORER 0x04000000u
#define LINUX_SA_ONSTACK 0x08000000u
#define LINUX_SA_RESTART 0x10000000u
#define LINUX_SA_NODEFER 0x40000000u
#define LINUX_SA_RESETHAND 0x80000000u

#define LINUX_SIG_BLOCK 0
#define LINUX_SIG_UNBLOCK 1
#define LINUX_SIG_SETMASK 2

#define LINUX_SS_ONSTACK 1
#define LINUX_SS_DISABLE 2
#define LINUX_SS_AUTODISARM (1u << 31)
#define LINUX_MINSIGSTKSZ 2048

/* rt_sigaction's struct as the x86-64 kernel lays it out. */
struct linux_sigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    linux_sigset_t mask;
};

struct linux_stack {
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t pad;
    uint64_t ss_size;
};

/* siginfo_t: 128 bytes; the union members used by the Sentry. */
struct linux_siginfo {
    int32_t signo;
    int32_t errno_;
    int32_t code;
    int32_t pad0;
    union {
        struct { /* kill, tkill, sigqueue */
            int32_t pid;
            uint32_t uid;
            uint64_t value;
        } kill;
        struct { /* SIGCHLD */
            int32_t pid;
            uint32_t uid;
            int32_t status;
            int32_t pad;
            int64_t utime;
            int64_t stime;
        } chld;
        struct { /* SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP */
            uint64_t addr;
        } fault;
        struct { /* POSIX timers */
            int32_t tid;
            int32_t overrun;
            uint64_t value;
        } timer;
        struct { /* SIGPOLL */
            int64_t band;
            int32_t fd;
        } poll;
        struct { /* SIGSYS */
            uint64_t call_addr;
            int32_t syscall;
            uint32_t arch;
        } sys;
        uint8_t raw[112];
    };
};
_Static_assert(sizeof(struct linux_siginfo) == 128, "siginfo is 128 bytes");

/* si_code values */
#define LINUX_SI_USER 0
#define LINUX_SI_KERNEL 0x80
#define LINUX_SI_QUEUE (-1)
#define LINUX_SI_TIMER (-2)
#define LINUX_SI_TKILL (-6)
#define LINUX_CLD_EXITED 1
#define LINUX_CLD_KILLED 2
#define LINUX_CLD_DUMPED 3
#define LINUX_CLD_TRAPPED 4
#define LINUX_CLD_STOPPED 5
#define LINUX_CLD_CONTINUED 6
#define LINUX_SEGV_MAPERR 1
#define LINUX_SEGV_ACCERR 2
#define LINUX_BUS_ADRERR 2

/* The signal context x86-64 pushes (struct sigcontext), then ucontext and the rt frame. */
struct linux_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate; /* guest address of the FXSAVE area */
    uint64_t reserved1[8];
};

struct linux_ucontext {
    uint64_t uc_flags;
    uint64_t uc_link;
    struct linux_stack uc_stack;
    struct linux_sigcontext uc_mcontext;
    linux_sigset_t uc_sigmask;
};

/* What the Sentry pushes on the app stack: return address (restorer), ucontext, siginfo;
 * the FXSAVE area follows at a 64-byte aligned address below. */
struct linux_rt_sigframe {
    uint64_t pretcode;
    struct linux_ucontext uc;
    struct linux_siginfo info;
};
