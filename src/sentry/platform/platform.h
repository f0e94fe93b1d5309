// SPDX-License-Identifier: Apache-2.0
/*
 * The platform interface: the only code that knows how app instructions are run and trapped
 * (DESIGN.md 1). An address space (plat_as) holds app memory; a context (plat_context) runs
 * one app thread in it and is used only by the host thread that created it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/linux/types.h"

struct plat_as;
struct plat_context;

enum plat_switch {
    SWITCH_SYSCALL,   /* the app made a syscall: regs.orig_rax/rax = nr, args in regs */
    SWITCH_FAULT,     /* a page fault: info.addr, info.write when known */
    SWITCH_SIGNAL,    /* a host-raised synchronous signal: info.signo/code/addr */
    SWITCH_INTERRUPT, /* plat_interrupt() was called */
    SWITCH_DEAD,      /* the stub died (killed from outside) */
};

struct plat_switch_info {
    int signo;
    int code;
    gaddr_t addr;
    bool write;
    bool exec;
};

struct platform_ops {
    const char *name;
    /* Once at boot, with the memory-file descriptor. */
    int (*init)(int memfd);
    /* A new address space. */
    int (*as_new)(struct plat_as **out);
    void (*as_release)(struct plat_as *as);
    /* Prepare a stub thread in @as for a context another host thread will adopt: with
     * @parent NULL, the first thread of a fresh @as; otherwise a new thread cloned through
     * @parent (a context in @as owned by the calling host thread). Returns a token. */
    int (*thread_prepare)(struct plat_as *as, struct plat_context *parent, long *token);
    /* On the host thread that will own it: a context adopting the prepared thread. */
    int (*context_new)(struct plat_as *as, long token, struct plat_context **out);
    /* Release a context (the stub thread exits). Called on the owning host thread. */
    void (*context_release)(struct plat_context *ctx);
    /* Run app code with @regs until it needs the kernel; @regs are updated. Fp state is
     * preserved across calls unless set_fpstate is used. */
    enum plat_switch (*run)(struct plat_context *ctx, struct linux_regs *regs,
                            struct plat_switch_info *info);
    /* The FPU and extended register state of @ctx, as an image of the format fpstate_format
     * gives (@fp: that many bytes, 64-byte aligned). */
    int (*get_fpstate)(struct plat_context *ctx, struct linux_fpstate *fp);
    int (*set_fpstate)(struct plat_context *ctx, const struct linux_fpstate *fp);
    /* Optional: the format of those images. @size bytes in the XSAVE standard format (the
     * first 512 are the FXSAVE area, then the XSAVE header and the components), holding the
     * user state components @xfeatures (XCR0). Without it: a 512-byte FXSAVE image, and
     * @xfeatures 0. Fixed after init. */
    void (*fpstate_format)(uint32_t *size, uint64_t *xfeatures);
    /* Make run() return SWITCH_INTERRUPT soon. May be called from any host thread. */
    void (*interrupt)(struct plat_context *ctx);
    /* Memory of the address space, executed through @ctx (which must be in @ctx's as):
     * map memory-file range [@file_off, +@len) at @addr with @prot; unmap; change prot. */
    int (*map)(struct plat_context *ctx, gaddr_t addr, uint64_t len, int prot, uint64_t file_off);
    int (*unmap)(struct plat_context *ctx, gaddr_t addr, uint64_t len);
    int (*protect)(struct plat_context *ctx, gaddr_t addr, uint64_t len, int prot);
    /* CPU time the app code of @as has used so far, in ns (all its threads). */
    uint64_t (*as_cpu_ns)(struct plat_as *as);
    /* Address range the app may not use (the stub's own code), [start, end). */
    void (*reserved)(gaddr_t *start, gaddr_t *end);
    /* Optional: the stub address of a signal-free syscall entry that patched syscall sites
     * may jump to (kernel/syscall_patch.c), or 0 when patching is off. */
    uint64_t (*patch_entry)(void);
    /* Optional: the calling task thread stops running app code for a while (it blocks in the
     * Sentry, or exits); the platform may release per-thread CPU placement. */
    void (*thread_idle)(void);
};

extern const struct platform_ops *g_platform;

#define PLAT_FXSAVE_SIZE 512

/* The platform's FPU state image: size in bytes and XSAVE features (see fpstate_format). */
static inline void plat_fpstate_format(uint32_t *size, uint64_t *xfeatures)
{
    if (g_platform->fpstate_format) {
        g_platform->fpstate_format(size, xfeatures);
        return;
    }
    *size = PLAT_FXSAVE_SIZE;
    *xfeatures = 0;
}

/* Select the platform by name ("ptrace", "systrap"; "systrap:nopatch" is systrap without
 * syscall-site patching, from --systrap-patching=false). Returns 0 or -EINVAL. */
int platform_select(const char *name);

extern const struct platform_ops g_platform_ptrace;
extern const struct platform_ops g_platform_systrap;
/* Whether systrap offers patched syscall sites (set by platform_select). */
extern bool g_systrap_patching;
