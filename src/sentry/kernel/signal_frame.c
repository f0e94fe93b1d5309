// SPDX-License-Identifier: Apache-2.0
/*
 * Linux x86-64 rt signal frames: where they go (red zone, alternate stack, alignment),
 * what they hold (ucontext with the registers and mask, siginfo, the FPU state: the XSAVE
 * image of the platform with Linux's magic words, or a 512-byte FXSAVE area) and how
 * rt_sigreturn reads them back. The layout is the kernel's, so debuggers, libgcc's
 * unwinder and programs that edit uc_mcontext in a handler all work.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sentry/kernel/signal.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/platform/platform.h"

#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define RED_ZONE_SIZE 128
#define FXSAVE_SIZE 512
#define EFLAGS_TF 0x100ULL
#define EFLAGS_DF 0x400ULL
#define EFLAGS_RF 0x10000ULL
#define USER_ADDR_LIMIT 0x0000800000000000ULL
#define MXCSR_DEFAULT 0x1f80u
#define MXCSR_MASK_DEFAULT 0xffbfu
#define FCW_DEFAULT 0x37fu
/* XSAVE state in a frame (Linux's sigcontext.h): the FXSAVE area's software-reserved bytes
 * describe it (magic1), and a second magic word follows the image. */
#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#define FP_XSTATE_MAGIC2_SIZE 4
#define FPX_SW_OFFSET 464
#define XSAVE_HDR_OFFSET 512
#define XSAVE_HDR_SIZE 64
#define XFEATURE_MASK_FPSSE 0x3ull

struct fpx_sw_bytes {
    uint32_t magic1;        /* FP_XSTATE_MAGIC1 */
    uint32_t extended_size; /* the image and FP_XSTATE_MAGIC2 */
    uint64_t xfeatures;     /* the features in the image */
    uint32_t xstate_size;   /* the image, without FP_XSTATE_MAGIC2 */
    uint32_t padding[7];
};
_Static_assert(sizeof(struct fpx_sw_bytes) == 48, "the FXSAVE area's last 48 bytes");

_Static_assert(sizeof(struct linux_sigcontext) == 256, "sigcontext is 256 bytes");
_Static_assert(sizeof(struct linux_ucontext) == 304, "ucontext is 304 bytes");
_Static_assert(sizeof(struct linux_rt_sigframe) == 440, "rt_sigframe is 440 bytes");
_Static_assert(sizeof(struct linux_fpstate) == FXSAVE_SIZE, "FXSAVE area is 512 bytes");

/* On the alternate stack, ignoring SS_AUTODISARM (Linux __on_sig_stack). */
static bool sigaltstack_contains(const struct linux_stack *ss, uint64_t sp)
{
    return ss->ss_size && sp > ss->ss_sp && sp - ss->ss_sp <= ss->ss_size;
}

bool sigaltstack_on(const struct linux_stack *ss, uint64_t sp)
{
    if ((uint32_t)ss->ss_flags & LINUX_SS_AUTODISARM)
        return false;
    return sigaltstack_contains(ss, sp);
}

int sigaltstack_flags(const struct linux_stack *ss, uint64_t sp)
{
    int flags;

    if (!ss->ss_size)
        flags = LINUX_SS_DISABLE;
    else
        flags = sigaltstack_on(ss, sp) ? LINUX_SS_ONSTACK : 0;
    return flags | (int)((uint32_t)ss->ss_flags & LINUX_SS_AUTODISARM);
}

int sigaltstack_set(struct linux_stack *cur, const struct linux_stack *ss, uint64_t sp)
{
    if (sigaltstack_on(cur, sp))
        return -EPERM;
    uint32_t mode = (uint32_t)ss->ss_flags & ~LINUX_SS_AUTODISARM;
    if (mode != LINUX_SS_DISABLE && mode != LINUX_SS_ONSTACK && mode != 0)
        return -EINVAL;
    if (mode == LINUX_SS_DISABLE) {
        memset(cur, 0, sizeof(*cur));
        cur->ss_flags = ss->ss_flags;
        return 0;
    }
    if (ss->ss_size < LINUX_MINSIGSTKSZ)
        return -ENOMEM;
    cur->ss_sp = ss->ss_sp;
    cur->ss_size = ss->ss_size;
    cur->ss_flags = ss->ss_flags;
    cur->pad = 0;
    return 0;
}

/* Bytes of FPU state in a frame: the platform's XSAVE image and FP_XSTATE_MAGIC2, or the
 * FXSAVE area. Sets *@size and *@xfeatures to the platform's format. */
static uint32_t frame_fp_size(uint32_t *size, uint64_t *xfeatures)
{
    plat_fpstate_format(size, xfeatures);
    return *xfeatures ? *size + FP_XSTATE_MAGIC2_SIZE : FXSAVE_SIZE;
}

int sigframe_compute(uint64_t rsp, uint64_t sa_flags, const struct linux_stack *ss,
                     struct sigframe_layout *out)
{
    uint32_t size;
    uint64_t xfeatures;
    bool nested = sigaltstack_on(ss, rsp);
    bool entering = false;
    uint64_t sp = rsp - RED_ZONE_SIZE;

    if ((sa_flags & LINUX_SA_ONSTACK) && ss->ss_size && !sigaltstack_on(ss, sp)) {
        sp = ss->ss_sp + ss->ss_size;
        entering = true;
    }
    sp = (sp - frame_fp_size(&size, &xfeatures)) & ~63ULL;
    out->fpstate = sp;
    sp -= sizeof(struct linux_rt_sigframe);
    sp = (sp & ~15ULL) - 8; /* (rsp + 8) % 16 == 0 at handler entry, as after a call */
    out->frame = sp;
    out->on_altstack = nested || entering;
    if (out->on_altstack && !sigaltstack_contains(ss, sp))
        return -EFAULT; /* would overflow the alternate stack */
    return 0;
}

void signal_fpstate_init(struct linux_fpstate *fp)
{
    uint32_t mask = fp->mxcsr_mask;
    uint32_t size;
    uint64_t xfeatures;

    plat_fpstate_format(&size, &xfeatures);
    memset(fp, 0, xfeatures ? size : sizeof(*fp));
    fp->cwd = FCW_DEFAULT;
    fp->mxcsr = MXCSR_DEFAULT;
    fp->mxcsr_mask = mask;
    if (xfeatures) {
        /* Only FP and SSE given (at their initial values): every other component starts in
         * its initial state (zero), as Linux's fpu__clear_user_states. */
        uint64_t hdr = XFEATURE_MASK_FPSSE;
        memcpy((char *)fp + XSAVE_HDR_OFFSET, &hdr, sizeof(hdr));
    }
}

void signal_fpstate_reset(struct task *t)
{
    signal_fpstate_init(t->fpstate);
    task_fpstate_set_dirty(t);
}

static void sigcontext_from_regs(struct linux_sigcontext *sc, const struct linux_regs *r)
{
    sc->r8 = r->r8;
    sc->r9 = r->r9;
    sc->r10 = r->r10;
    sc->r11 = r->r11;
    sc->r12 = r->r12;
    sc->r13 = r->r13;
    sc->r14 = r->r14;
    sc->r15 = r->r15;
    sc->rdi = r->rdi;
    sc->rsi = r->rsi;
    sc->rbp = r->rbp;
    sc->rbx = r->rbx;
    sc->rdx = r->rdx;
    sc->rax = r->rax;
    sc->rcx = r->rcx;
    sc->rsp = r->rsp;
    sc->rip = r->rip;
    sc->eflags = r->eflags;
    sc->cs = LINUX_USER_CS;
    sc->ss = LINUX_USER_DS;
    sc->fs = (uint16_t)r->fs;
    sc->gs = (uint16_t)r->gs;
}

static void sigcontext_to_regs(struct linux_regs *r, const struct linux_sigcontext *sc)
{
    r->r8 = sc->r8;
    r->r9 = sc->r9;
    r->r10 = sc->r10;
    r->r11 = sc->r11;
    r->r12 = sc->r12;
    r->r13 = sc->r13;
    r->r14 = sc->r14;
    r->r15 = sc->r15;
    r->rdi = sc->rdi;
    r->rsi = sc->rsi;
    r->rbp = sc->rbp;
    r->rbx = sc->rbx;
    r->rdx = sc->rdx;
    r->rax = sc->rax;
    r->rcx = sc->rcx;
    r->rsp = sc->rsp;
    r->rip = sc->rip;
    r->eflags = (r->eflags & ~SIGNAL_FIX_EFLAGS) | (sc->eflags & SIGNAL_FIX_EFLAGS);
    r->cs = LINUX_USER_CS;
    r->ss = LINUX_USER_DS;
    r->orig_rax = (uint64_t)-1; /* no syscall restart after sigreturn */
}

/* Fill the frame @f for delivering @sig from the task's current state. */
static void sigframe_fill(struct task *t, struct linux_rt_sigframe *f,
                          const struct linux_siginfo *info, const struct linux_sigaction *act,
                          gaddr_t fpstate)
{
    memset(f, 0, sizeof(*f));
    f->pretcode = act->restorer;
    f->uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
    f->uc.uc_stack.ss_sp = t->altstack.ss_sp;
    f->uc.uc_stack.ss_size = t->altstack.ss_size;
    f->uc.uc_stack.ss_flags = t->altstack.ss_size ? t->altstack.ss_flags : LINUX_SS_DISABLE;
    sigcontext_from_regs(&f->uc.uc_mcontext, &t->regs);
    f->uc.uc_mcontext.fpstate = fpstate;
    linux_sigset_t old = t->has_saved_mask ? t->saved_mask : t->blocked;
    f->uc.uc_mcontext.oldmask = old;
    f->uc.uc_sigmask = old;
    if (info->signo == LINUX_SIGSEGV || info->signo == LINUX_SIGBUS) {
        /* COMPAT: trapno/err are not known; cr2 is the fault address. */
        f->uc.uc_mcontext.cr2 = info->fault.addr;
    }
    f->info = *info;
}

/* Write the FPU image @fp (@size bytes, XSAVE @xfeatures or 0 for FXSAVE) to the frame's
 * area at @addr, as Linux: an XSAVE image carries its description in the FXSAVE area's
 * software-reserved bytes and FP_XSTATE_MAGIC2 after it. Returns 0 or -EFAULT. */
static int signal_fpstate_save(struct task *t, struct linux_fpstate *fp, gaddr_t addr,
                               uint32_t size, uint64_t xfeatures)
{
    if (!xfeatures)
        return copy_out(t, addr, fp, FXSAVE_SIZE);
    struct fpx_sw_bytes sw = {
        .magic1 = FP_XSTATE_MAGIC1,
        .extended_size = size + FP_XSTATE_MAGIC2_SIZE,
        .xfeatures = xfeatures,
        .xstate_size = size,
    };
    memcpy((char *)fp + FPX_SW_OFFSET, &sw, sizeof(sw));
    /* FP and SSE are always marked present, as Linux does, so that a handler's edits of the
     * FXSAVE part are taken back even if those components were in their initial state. */
    uint64_t hdr;
    memcpy(&hdr, (char *)fp + XSAVE_HDR_OFFSET, sizeof(hdr));
    hdr |= XFEATURE_MASK_FPSSE;
    memcpy((char *)fp + XSAVE_HDR_OFFSET, &hdr, sizeof(hdr));
    uint32_t magic2 = FP_XSTATE_MAGIC2;
    if (copy_out(t, addr, fp, size) < 0 || copy_out(t, addr + size, &magic2, sizeof(magic2)) < 0)
        return -EFAULT;
    return 0;
}

int signal_frame_setup(struct task *t, int sig, const struct linux_siginfo *info,
                       const struct linux_sigaction *act)
{
    struct sigframe_layout lay;
    struct linux_fpstate *fp;
    struct linux_rt_sigframe f;

    /* x86-64 has no default restorer: without SA_RESTORER the frame is bad (Linux). */
    if (!(act->flags & LINUX_SA_RESTORER))
        return -EFAULT;
    if (sigframe_compute(t->regs.rsp, act->flags, &t->altstack, &lay) < 0)
        return -EFAULT;
    int ret = task_fpstate_get(t, &fp);
    if (ret < 0)
        return ret;

    sigframe_fill(t, &f, info, act, lay.fpstate);
    uint32_t size;
    uint64_t xfeatures;
    plat_fpstate_format(&size, &xfeatures);
    if (xfeatures)
        f.uc.uc_flags |= UC_FP_XSTATE;
    if (signal_fpstate_save(t, fp, lay.fpstate, size, xfeatures) < 0 ||
        copy_out(t, lay.frame, &f, sizeof(f)) < 0)
        return -EFAULT;

    t->regs.rdi = (uint64_t)sig;
    t->regs.rsi = lay.frame + offsetof(struct linux_rt_sigframe, info);
    t->regs.rdx = lay.frame + offsetof(struct linux_rt_sigframe, uc);
    t->regs.rax = 0;
    t->regs.rip = act->handler;
    t->regs.rsp = lay.frame;
    t->regs.cs = LINUX_USER_CS;
    t->regs.ss = LINUX_USER_DS;
    t->regs.eflags &= ~(EFLAGS_DF | EFLAGS_RF | EFLAGS_TF);
    if ((uint32_t)t->altstack.ss_flags & LINUX_SS_AUTODISARM)
        memset(&t->altstack, 0, sizeof(t->altstack));

    /* The handler starts with a clean FPU (Linux fpu__clear_user_states). */
    signal_fpstate_init(fp);
    task_fpstate_set_dirty(t);
    return 0;
}

/* Whether the frame's FPU area at @addr, whose FXSAVE part is @img, holds a whole XSAVE
 * image of @size bytes (Linux's check_xstate_in_sigframe); *@sw_features gets the features
 * it describes. A program may have built or edited the frame: anything else is FXSAVE only. */
static bool frame_has_xstate(struct task *t, gaddr_t addr, const struct linux_fpstate *img,
                             uint32_t size, uint64_t *sw_features)
{
    struct fpx_sw_bytes sw;
    uint32_t magic2;

    memcpy(&sw, (const char *)img + FPX_SW_OFFSET, sizeof(sw));
    /* COMPAT: Linux also takes a smaller image (a prefix of the features); we want ours. */
    if (sw.magic1 != FP_XSTATE_MAGIC1 || sw.xstate_size != size ||
        sw.extended_size < size + FP_XSTATE_MAGIC2_SIZE)
        return false;
    if (copy_in(t, addr + size, &magic2, sizeof(magic2)) < 0 || magic2 != FP_XSTATE_MAGIC2)
        return false;
    *sw_features = sw.xfeatures;
    return true;
}

/* Check the XSAVE header of the image @fp as XRSTOR (and Linux's restore from a frame) would:
 * only supported features, the standard (non-compacted) format, reserved bytes zero. Keeps
 * only the features the frame described (@sw_features). Returns 0 or -EINVAL. */
static int xsave_header_check(struct linux_fpstate *fp, uint64_t xfeatures, uint64_t sw_features)
{
    uint64_t hdr[XSAVE_HDR_SIZE / 8];

    memcpy(hdr, (char *)fp + XSAVE_HDR_OFFSET, sizeof(hdr));
    if ((hdr[0] & ~xfeatures) || hdr[1] != 0)
        return -EINVAL;
    for (size_t i = 2; i < XSAVE_HDR_SIZE / 8; i++)
        if (hdr[i])
            return -EINVAL;
    hdr[0] &= sw_features | XFEATURE_MASK_FPSSE;
    memcpy((char *)fp + XSAVE_HDR_OFFSET, hdr, sizeof(hdr[0]));
    return 0;
}

/* Read and validate the FPU state at @addr into the task's: the whole XSAVE image if the
 * frame holds one, else the FXSAVE area, with every other component reset (Linux's
 * "fx_only" restore). */
static int signal_fpstate_restore(struct task *t, gaddr_t addr)
{
    struct linux_fpstate *fp;
    struct linux_fpstate img;
    uint32_t size;
    uint64_t xfeatures, sw_features;

    int ret = task_fpstate_get(t, &fp);
    if (ret < 0)
        return ret;
    if (!addr) {
        signal_fpstate_init(fp);
        task_fpstate_set_dirty(t);
        return 0;
    }
    if (copy_in(t, addr, &img, sizeof(img)) < 0)
        return -EFAULT;
    uint32_t mask = fp->mxcsr_mask ? fp->mxcsr_mask : MXCSR_MASK_DEFAULT;
    if (img.mxcsr & ~mask)
        return -EINVAL; /* FXRSTOR would fault on reserved MXCSR bits */
    uint32_t own_mask = fp->mxcsr_mask;
    plat_fpstate_format(&size, &xfeatures);
    if (xfeatures && frame_has_xstate(t, addr, &img, size, &sw_features)) {
        if (copy_in(t, addr, fp, size) < 0)
            return -EFAULT;
        fp->mxcsr = img.mxcsr; /* checked above; the frame cannot change it meanwhile */
        ret = xsave_header_check(fp, xfeatures, sw_features);
        if (ret < 0) {
            fp->mxcsr_mask = own_mask;
            signal_fpstate_init(fp);
            task_fpstate_set_dirty(t);
            return ret;
        }
    } else {
        signal_fpstate_init(fp); /* the extended components start afresh */
        *fp = img;
    }
    fp->mxcsr_mask = own_mask;
    task_fpstate_set_dirty(t);
    return 0;
}

int signal_frame_restore(struct task *t)
{
    struct linux_rt_sigframe f;
    gaddr_t addr = t->regs.rsp - 8; /* the handler's ret popped pretcode */

    if (copy_in(t, addr, &f, sizeof(f)) < 0)
        return -EFAULT;
    if (f.uc.uc_mcontext.rip >= USER_ADDR_LIMIT)
        return -EFAULT; /* returning there would fault at once */
    int ret = signal_fpstate_restore(t, f.uc.uc_mcontext.fpstate);
    if (ret < 0)
        return ret;

    sigcontext_to_regs(&t->regs, &f.uc.uc_mcontext);
    t->blocked = f.uc.uc_sigmask & ~SIGNAL_UNBLOCKABLE;
    /* Errors other than a fault are ignored here, as Linux's restore_altstack. */
    (void)sigaltstack_set(&t->altstack, &f.uc.uc_stack, t->regs.rsp);
    return 0;
}
