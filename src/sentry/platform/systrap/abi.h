/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The systrap platform's layout, shared by the Sentry (systrap.c) and the stub code (stub.S).
 * docs/platform.md draws it. Everything here is included by assembly too: numbers only,
 * structures behind !__ASSEMBLER__.
 *
 * The stub region sits at the same fixed address in every stub process:
 *   [0, CODE_SIZE)                 code and parameters, read+exec, sealed (one copy for all)
 *   [CTL_OFF, +CTL_SIZE)           per address space, read-only for the stub: memory-op
 *                                  requests, the syscall-user-dispatch selector, one
 *                                  sigaltstack description per thread slot
 *   [REPLY_OFF, +PAGE)             per address space, read-write: the syscall thread's replies
 *   [areas_off, +MAX_THREADS*area) per thread slot, read-write: control block, trampoline
 *                                  stack, signal alternate stack (signal frames land here)
 * The per-address-space part is one slice of a memfd that the Sentry maps as well.
 */
#pragma once

#define ST_PAGE 0x1000

#define ST_CODE_SIZE 0x4000
#define ST_CTL_OFF 0x4000
#define ST_CTL_SIZE 0x8000
#define ST_REPLY_OFF 0xc000
#define ST_MAX_THREADS 1024
/* sizeof(stack_t): one per slot, from ST_CTL_ALT_OFF in the control pages. */
#define ST_STACK_T_SIZE 24
#define ST_CTL_ALT_OFF 0x1000

/* Control page (read-only for the stub, written by the Sentry). */
#define CTL_SEQ 0x00 /* u32: request sequence; odd while the Sentry writes it */
#define CTL_OP 0x08  /* u64 */
#define CTL_A0 0x10  /* u64 arguments */
#define CTL_A1 0x18
#define CTL_A2 0x20
#define CTL_A3 0x28
#define CTL_SPIN 0x30     /* u64: TSC ticks the syscall thread spins before it sleeps */
#define CTL_SELECTOR 0x40 /* u8: syscall user dispatch selector, always BLOCK */

#define OP_MAP 1
#define OP_UNMAP 2
#define OP_PROTECT 3
#define OP_CLONE 4

/* Reply page (read-write for the stub: hostile to the Sentry). */
#define RP_SEQ 0x00     /* u32: last request done */
#define RP_RESULT 0x08  /* u64: raw result of the last request */
#define RP_WAITING 0x10 /* u32: the syscall thread sleeps on CTL_SEQ */

/* Per-thread control block, at the start of each area (hostile to the Sentry). */
#define AC_STATE 0x00          /* u32 futex word */
#define AC_STUB_WAITING 0x04   /* u32: the stub thread sleeps on AC_STATE */
#define AC_SENTRY_WAITING 0x08 /* u32: the Sentry thread sleeps on AC_STATE */
#define AC_SPIN 0x10           /* u64: TSC ticks the stub spins before it sleeps */
#define AC_FS_BASE 0x18
#define AC_GS_BASE 0x20
#define AC_UC 0x28    /* u64: address of the signal frame's ucontext */
#define AC_SIGNO 0x30 /* u32 */
/* Registers of a patched-site entry (no signal frame): saved by the trampoline. */
#define AC_KIND 0x34  /* u32: ENTRY_SIGNAL or ENTRY_PATCHED */
#define AC_REPLY 0x38 /* u32, Sentry to stub after a patched entry: REPLY_FAST or REPLY_FULL */
#define AC_REGS 0x40  /* struct linux_regs (27 u64) of a patched entry */
#define AC_REGS_SIZE (27 * 8)

#define ENTRY_SIGNAL 0
#define ENTRY_PATCHED 1
#define REPLY_FAST 0 /* load AC_REGS back (rcx = rip, r11 = rflags, as after a syscall) */
#define REPLY_FULL 1 /* trap at cv_st_full_site: the Sentry rewrites the signal frame */

/* Offsets in struct linux_regs. */
#define R_R15 0
#define R_R14 8
#define R_R13 16
#define R_R12 24
#define R_RBP 32
#define R_RBX 40
#define R_R11 48
#define R_R10 56
#define R_R9 64
#define R_R8 72
#define R_RAX 80
#define R_RCX 88
#define R_RDX 96
#define R_RSI 104
#define R_RDI 112
#define R_ORIG_RAX 120
#define R_RIP 128
#define R_EFLAGS 144
#define R_RSP 152
#define R_FS_BASE 168
#define R_GS_BASE 176
#define UC_RIP 168 /* offset of the interrupted rip in the kernel's ucontext */

/* States of AC_STATE. 0 is written by the kernel when the stub thread exits (its
 * clear-child-tid address). */
#define ST_GONE 0
#define ST_APP 1     /* running app code (or not started) */
#define ST_TRAPPED 2 /* stopped in the handler; the Sentry owns the thread */
#define ST_RESUME 3  /* the Sentry has answered: go back to app code */
#define ST_EXIT 4    /* the Sentry releases the thread: exit */

/* Offsets inside an area. */
#define AREA_TRAMP_STACK_TOP 0x3000 /* the patched-site handler's stack: [0x1000, 0x3000) */
#define AREA_ALT_OFF 0x3000         /* the signal alternate stack: [0x3000, area end) */

/* Parameters of the code page (struct stub_params), filled in by the Sentry. */
#define P_AREA_MASK 0x00
#define P_AREA_SIZE 0x08
#define P_AREAS_BASE 0x10
#define P_CTL 0x18
#define P_REPLY 0x20
#define P_MEMFD 0x28
#define P_AREASFD 0x30
#define P_SOCKFD 0x38
#define P_EVFD 0x40
#define P_AREAS_LEN 0x48
#define P_REGION 0x50
#define P_REGION_SIZE 0x58
#define P_ONE 0x60
#define P_TWO 0x68
#define P_SPIN_MAX 0x70
#define P_CLOSE 0x78   /* 4 x {lo, hi} descriptor ranges the template closes */
#define P_ACT 0xb8     /* struct kernel_sigaction of the handler (32 bytes) */
#define P_ACT_IGN 0xd8 /* SIGCHLD ignored in the template (32 bytes) */
#define P_PROG_T 0xf8  /* struct sock_fprog (16 bytes) of each filter */
#define P_PROG_BASE 0x108
#define P_PROG_APP 0x118
#define P_ZERO_MASK 0x128
#define P_SIGNALS 0x130      /* 8 u32 signal numbers the handler takes, 0-terminated */
#define P_AREA_LOWMASK 0x168 /* area size - 1 */
#define P_RSEQ 0x150         /* the forking thread's rseq registration: area, length, signature */
#define P_FILTERS 0x200      /* BPF instructions of the three filters */
#define P_FILTERS_MAX 256    /* instructions */
#define P_SIZE (P_FILTERS + 8 * P_FILTERS_MAX)

/* The template's scratch page: ST_CTL_OFF in the template (private, overlaid in stubs). */
#define TS_SLICE 0x00 /* u64 read from the socket */
#define TS_PID 0x08   /* u64 written back */
#define TS_IOV 0x10   /* struct iovec */
#define TS_MSG 0x20   /* struct msghdr (56 bytes) */
#define TS_CMSG 0x60  /* struct cmsghdr + int (20 bytes, 24 with padding) */
#define TS_CMSG_FD 0x70

#define ST_INTERRUPT_SIGNAL 23 /* SIGURG */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct st_kernel_sigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};
#endif
