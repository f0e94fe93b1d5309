// SPDX-License-Identifier: Apache-2.0
/* Basic guest ABI types. Guest addresses are integers, never C pointers (STYLE.md 2.3). */
#pragma once

#include <stdint.h>

typedef uint64_t gaddr_t;

#define LINUX_PAGE_SIZE 4096UL
#define LINUX_PAGE_MASK (~(LINUX_PAGE_SIZE - 1))
#define PAGE_ALIGN_DOWN(x) ((x) & LINUX_PAGE_MASK)
#define PAGE_ALIGN_UP(x) (((x) + LINUX_PAGE_SIZE - 1) & LINUX_PAGE_MASK)

/* The x86-64 register file as the kernel's ptrace interface and signal frames lay it out. */
struct linux_regs {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
    uint64_t rax, rcx, rdx, rsi, rdi, orig_rax;
    uint64_t rip, cs, eflags, rsp, ss;
    uint64_t fs_base, gs_base;
    uint64_t ds, es, fs, gs;
};

/* The legacy FXSAVE area (512 bytes), the FPU/SSE state saved in signal frames. */
struct linux_fpstate {
    uint16_t cwd, swd, twd, fop;
    uint64_t rip, rdp;
    uint32_t mxcsr, mxcsr_mask;
    uint32_t st_space[32];
    uint32_t xmm_space[64];
    uint32_t padding[24];
} __attribute__((aligned(16)));
