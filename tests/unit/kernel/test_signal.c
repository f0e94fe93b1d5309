// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for kernel/signal*.c: pending queues, the rt frame layout and contents (FXSAVE
 * and XSAVE images), rt_sigreturn, restart fix-ups, default actions, job control side effects
 * and sigaltstack.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/linux/errno.h"
#include "abi/linux/syscall_nr_x86_64.h"
#include "sentry/context/klock.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/platform/platform.h"
#include "tests/unit/kernel/fakes/fake_kernel.h"

#define STACK_TOP (FAKE_MEM_BASE + 0x20000)
#define HANDLER 0x401000ULL
#define RESTORER 0x402000ULL
#define APP_RIP 0x400500ULL

static struct fake_proc g_p;

static int setup(void **state)
{
    fake_reset(&g_p);
    g_p.task.regs.rsp = STACK_TOP;
    g_p.task.regs.rip = APP_RIP;
    g_p.task.regs.eflags = 0x246;
    return 0;
}

static int teardown(void **state)
{
    fake_release(&g_p);
    return 0;
}

static void set_handler(int sig, uint64_t flags, linux_sigset_t mask)
{
    struct linux_sigaction *a = &g_p.tg.sighand->action[sig - 1];
    a->handler = HANDLER;
    a->flags = flags | LINUX_SA_RESTORER;
    a->restorer = RESTORER;
    a->mask = mask;
}

static void send(int sig)
{
    struct linux_siginfo info;
    signal_info_kill(&info, sig, LINUX_SI_USER, NULL);
    assert_int_equal(signal_send_task(&g_p.task, &info), 0);
}

static struct linux_rt_sigframe *frame_at(gaddr_t a)
{
    return fake_mem(a);
}

/* --- queues --- */

static void test_standard_signal_queued_once(void **state)
{
    struct sigpending p;
    struct linux_siginfo info = {.signo = LINUX_SIGUSR1};
    sigpending_init(&p);
    assert_int_equal(sigpending_enqueue(&p, &info), 0);
    assert_int_equal(sigpending_enqueue(&p, &info), 0);
    assert_int_equal(sigpending_dequeue(&p, ~0ULL, &info), LINUX_SIGUSR1);
    assert_int_equal(sigpending_dequeue(&p, ~0ULL, &info), 0);
    assert_int_equal(p.set, 0);
}

static void test_rt_signals_queue_in_order(void **state)
{
    struct sigpending p;
    struct linux_siginfo info = {.signo = 40};
    sigpending_init(&p);
    for (int i = 0; i < 3; i++) {
        info.kill.value = (uint64_t)i;
        assert_int_equal(sigpending_enqueue(&p, &info), 0);
    }
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sigpending_dequeue(&p, ~0ULL, &info), 40);
        assert_int_equal(info.kill.value, (uint64_t)i);
        assert_int_equal(p.set != 0, i < 2);
    }
}

static void test_sync_signals_first_and_mask(void **state)
{
    struct sigpending p;
    struct linux_siginfo info;
    sigpending_init(&p);
    int sigs[] = {LINUX_SIGHUP, LINUX_SIGSEGV, LINUX_SIGUSR1};
    for (size_t i = 0; i < 3; i++) {
        memset(&info, 0, sizeof(info));
        info.signo = sigs[i];
        sigpending_enqueue(&p, &info);
    }
    assert_int_equal(sigpending_dequeue(&p, ~LINUX_SIGBIT(LINUX_SIGHUP), &info), LINUX_SIGSEGV);
    assert_int_equal(sigpending_dequeue(&p, ~LINUX_SIGBIT(LINUX_SIGHUP), &info), LINUX_SIGUSR1);
    assert_int_equal(sigpending_dequeue(&p, ~LINUX_SIGBIT(LINUX_SIGHUP), &info), 0);
    assert_int_equal(sigpending_dequeue(&p, ~0ULL, &info), LINUX_SIGHUP);
    signal_flush_pending(&p);
}

static void test_ignored_signal_dropped_unless_blocked(void **state)
{
    send(LINUX_SIGCHLD); /* default: ignore */
    assert_int_equal(g_p.task.pending.set, 0);
    g_p.task.blocked = LINUX_SIGBIT(LINUX_SIGCHLD);
    send(LINUX_SIGCHLD);
    assert_true(g_p.task.pending.set & LINUX_SIGBIT(LINUX_SIGCHLD));
}

static void test_cont_and_stop_discard_each_other(void **state)
{
    g_p.task.blocked = LINUX_SIGBIT(LINUX_SIGTSTP) | LINUX_SIGBIT(LINUX_SIGCONT);
    send(LINUX_SIGTSTP);
    assert_true(g_p.task.pending.set & LINUX_SIGBIT(LINUX_SIGTSTP));
    send(LINUX_SIGCONT);
    assert_false(g_p.task.pending.set & LINUX_SIGBIT(LINUX_SIGTSTP));
    assert_true(g_p.task.pending.set & LINUX_SIGBIT(LINUX_SIGCONT));
    send(LINUX_SIGSTOP);
    assert_false(g_p.task.pending.set & LINUX_SIGBIT(LINUX_SIGCONT));
}

static void test_sigkill_exits_group_at_send(void **state)
{
    send(LINUX_SIGKILL);
    assert_true(g_p.tg.exiting);
    assert_int_equal(g_p.tg.exit_status, LINUX_SIGKILL);
}

/* --- signals owned by a kernel object (POSIX timers) --- */

struct test_owner {
    struct signal_owner o;
    int dequeued, discarded;
};

static void test_owner_dequeued(struct signal_owner *o, struct linux_siginfo *info)
{
    struct test_owner *to = (struct test_owner *)o;
    if (info) {
        to->dequeued++;
        info->timer.overrun = 42; /* the owner completes the info */
    } else {
        to->discarded++;
    }
}

static void owned_send(struct test_owner *to, int sig)
{
    struct linux_siginfo info = {.signo = sig, .code = LINUX_SI_TIMER};
    assert_int_equal(signal_send_task_owned(&g_p.task, &info, &to->o), 0);
    assert_non_null(to->o.entry);
}

static void test_owned_signal_hooks(void **state)
{
    struct test_owner to = {.o = {.dequeued = test_owner_dequeued}};
    struct linux_siginfo info;

    g_p.task.blocked = LINUX_SIGBIT(LINUX_SIGUSR1);
    send(LINUX_SIGUSR1);
    owned_send(&to, LINUX_SIGUSR1); /* queued although SIGUSR1 is already pending */
    assert_int_equal(sigpending_dequeue(&g_p.task.pending, ~0ULL, &info), LINUX_SIGUSR1);
    assert_int_equal(info.code, LINUX_SI_USER);
    assert_int_equal(sigpending_dequeue(&g_p.task.pending, ~0ULL, &info), LINUX_SIGUSR1);
    assert_int_equal(info.code, LINUX_SI_TIMER);
    assert_int_equal(info.timer.overrun, 42);
    assert_int_equal(to.dequeued, 1);
    assert_null(to.o.entry);

    owned_send(&to, LINUX_SIGUSR1);
    sigpending_discard(&g_p.task.pending, LINUX_SIGBIT(LINUX_SIGUSR1));
    assert_int_equal(to.discarded, 1);
    assert_null(to.o.entry);

    owned_send(&to, LINUX_SIGUSR1);
    signal_owner_detach(&to.o); /* the owner goes away; its signal stays queued */
    assert_null(to.o.entry);
    assert_int_equal(sigpending_dequeue(&g_p.task.pending, ~0ULL, &info), LINUX_SIGUSR1);
    assert_int_equal(to.dequeued, 1);

    /* An ignored signal is not queued: the owner hears 1. */
    struct linux_siginfo chld = {.signo = LINUX_SIGCHLD, .code = LINUX_SI_TIMER};
    g_p.task.blocked = 0;
    assert_int_equal(signal_send_task_owned(&g_p.task, &chld, &to.o), 1);
    assert_null(to.o.entry);
}

/* --- frame layout --- */

static void test_frame_layout_alignment(void **state)
{
    struct linux_stack ss = {0};
    struct sigframe_layout l;
    for (uint64_t rsp = STACK_TOP; rsp < STACK_TOP + 64; rsp += 3) {
        assert_int_equal(sigframe_compute(rsp, 0, &ss, &l), 0);
        assert_int_equal((l.frame + 8) % 16, 0);
        assert_int_equal(l.fpstate % 64, 0);
        assert_true(l.frame + sizeof(struct linux_rt_sigframe) <= l.fpstate);
        assert_true(l.fpstate + 512 <= rsp - 128); /* red zone untouched */
        assert_false(l.on_altstack);
    }
}

static void test_frame_on_altstack(void **state)
{
    struct linux_stack ss = {.ss_sp = FAKE_MEM_BASE + 0x30000, .ss_size = 8192};
    struct sigframe_layout l;

    assert_int_equal(sigframe_compute(STACK_TOP, LINUX_SA_ONSTACK, &ss, &l), 0);
    assert_true(l.on_altstack);
    assert_true(l.frame > ss.ss_sp && l.fpstate + 512 <= ss.ss_sp + ss.ss_size);
    /* Without SA_ONSTACK the normal stack is used. */
    assert_int_equal(sigframe_compute(STACK_TOP, 0, &ss, &l), 0);
    assert_false(l.on_altstack);
    /* Nested delivery near the bottom of the alternate stack overflows it. */
    assert_int_equal(sigframe_compute(ss.ss_sp + 600, LINUX_SA_ONSTACK, &ss, &l), -EFAULT);
}

static void test_sigaltstack_rules(void **state)
{
    struct linux_stack cur = {0};
    struct linux_stack ss = {.ss_sp = 0x50000, .ss_size = 1024};
    assert_int_equal(sigaltstack_set(&cur, &ss, STACK_TOP), -ENOMEM);
    ss.ss_size = 8192;
    ss.ss_flags = 4;
    assert_int_equal(sigaltstack_set(&cur, &ss, STACK_TOP), -EINVAL);
    ss.ss_flags = 0;
    assert_int_equal(sigaltstack_set(&cur, &ss, STACK_TOP), 0);
    assert_int_equal(sigaltstack_flags(&cur, STACK_TOP), 0);
    assert_int_equal(sigaltstack_flags(&cur, 0x50000 + 100), LINUX_SS_ONSTACK);
    assert_int_equal(sigaltstack_set(&cur, &ss, 0x50000 + 100), -EPERM);
    /* SS_AUTODISARM: never considered "on" the stack. */
    ss.ss_flags = (int32_t)LINUX_SS_AUTODISARM;
    assert_int_equal(sigaltstack_set(&cur, &ss, STACK_TOP), 0);
    assert_int_equal(sigaltstack_set(&cur, &ss, 0x50000 + 100), 0);
    ss.ss_flags = LINUX_SS_DISABLE;
    assert_int_equal(sigaltstack_set(&cur, &ss, STACK_TOP), 0);
    assert_int_equal(cur.ss_size, 0);
    assert_int_equal(sigaltstack_flags(&cur, STACK_TOP), LINUX_SS_DISABLE);
}

/* --- delivery --- */

static void test_deliver_builds_frame(void **state)
{
    struct task *t = &g_p.task;
    set_handler(LINUX_SIGUSR1, LINUX_SA_SIGINFO, LINUX_SIGBIT(LINUX_SIGUSR2));
    t->blocked = LINUX_SIGBIT(LINUX_SIGHUP);
    t->regs.rax = (uint64_t)-LINUX_ERESTARTSYS;
    t->regs.orig_rax = LINUX_NR_read;
    t->regs.rbx = 0x1234;
    t->in_syscall = true;
    send(LINUX_SIGUSR1);

    signal_deliver(t);

    gaddr_t fa = t->regs.rsp;
    struct linux_rt_sigframe *f = frame_at(fa);
    assert_int_equal(t->regs.rip, HANDLER);
    assert_int_equal(t->regs.rdi, LINUX_SIGUSR1);
    assert_int_equal(t->regs.rsi, fa + offsetof(struct linux_rt_sigframe, info));
    assert_int_equal(t->regs.rdx, fa + offsetof(struct linux_rt_sigframe, uc));
    assert_int_equal(t->regs.rax, 0);
    assert_int_equal((t->regs.rsp + 8) % 16, 0);
    assert_int_equal(f->pretcode, RESTORER);
    assert_int_equal(f->info.signo, LINUX_SIGUSR1);
    assert_int_equal(f->uc.uc_sigmask, LINUX_SIGBIT(LINUX_SIGHUP));
    assert_int_equal(f->uc.uc_mcontext.rip, APP_RIP);
    assert_int_equal(f->uc.uc_mcontext.rsp, STACK_TOP);
    assert_int_equal(f->uc.uc_mcontext.rbx, 0x1234);
    assert_int_equal((int64_t)f->uc.uc_mcontext.rax, -EINTR); /* no SA_RESTART */
    assert_int_equal(f->uc.uc_mcontext.fpstate % 64, 0);
    struct linux_fpstate *fp = fake_mem(f->uc.uc_mcontext.fpstate);
    assert_int_equal(fp->mxcsr, 0x1f80);
    assert_int_equal(t->blocked, LINUX_SIGBIT(LINUX_SIGHUP) | LINUX_SIGBIT(LINUX_SIGUSR1) |
                                     LINUX_SIGBIT(LINUX_SIGUSR2));
    assert_false(t->in_syscall);
}

static void test_deliver_sa_restart_and_nodefer(void **state)
{
    struct task *t = &g_p.task;
    set_handler(LINUX_SIGUSR1, LINUX_SA_RESTART | LINUX_SA_NODEFER, 0);
    t->regs.rax = (uint64_t)-LINUX_ERESTARTSYS;
    t->regs.orig_rax = LINUX_NR_read;
    t->in_syscall = true;
    send(LINUX_SIGUSR1);

    signal_deliver(t);

    struct linux_rt_sigframe *f = frame_at(t->regs.rsp);
    assert_int_equal(f->uc.uc_mcontext.rip, APP_RIP - 2);
    assert_int_equal(f->uc.uc_mcontext.rax, LINUX_NR_read);
    assert_int_equal(t->blocked, 0);
}

static void test_restart_without_handler(void **state)
{
    struct task *t = &g_p.task;
    static const struct {
        long ret;
        uint64_t rax;
        uint64_t rip;
    } cases[] = {
        {-LINUX_ERESTARTSYS, LINUX_NR_read, APP_RIP - 2},
        {-LINUX_ERESTARTNOHAND, LINUX_NR_read, APP_RIP - 2},
        {-LINUX_ERESTARTNOINTR, LINUX_NR_read, APP_RIP - 2},
        {-LINUX_ERESTART_RESTARTBLOCK, LINUX_NR_restart_syscall, APP_RIP - 2},
        {-EINTR, (uint64_t)-EINTR, APP_RIP},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t->regs.rip = APP_RIP;
        t->regs.rax = (uint64_t)cases[i].ret;
        t->regs.orig_rax = LINUX_NR_read;
        t->in_syscall = true;
        signal_deliver(t);
        assert_int_equal(t->regs.rax, cases[i].rax);
        assert_int_equal(t->regs.rip, cases[i].rip);
    }
}

static void test_handler_turns_nohand_into_eintr(void **state)
{
    struct task *t = &g_p.task;
    set_handler(LINUX_SIGUSR1, LINUX_SA_RESTART, 0);
    t->regs.rax = (uint64_t)-LINUX_ERESTARTNOHAND;
    t->regs.orig_rax = LINUX_NR_pause;
    t->in_syscall = true;
    t->saved_mask = LINUX_SIGBIT(LINUX_SIGUSR2);
    t->has_saved_mask = true;
    t->blocked = 0;
    send(LINUX_SIGUSR1);

    signal_deliver(t);

    struct linux_rt_sigframe *f = frame_at(t->regs.rsp);
    assert_int_equal((int64_t)f->uc.uc_mcontext.rax, -EINTR);
    assert_int_equal(f->uc.uc_sigmask, LINUX_SIGBIT(LINUX_SIGUSR2)); /* the sigsuspend mask */
    assert_false(t->has_saved_mask);
}

static void test_saved_mask_restored_without_handler(void **state)
{
    struct task *t = &g_p.task;
    t->saved_mask = LINUX_SIGBIT(LINUX_SIGUSR2);
    t->has_saved_mask = true;
    t->blocked = 0;
    signal_deliver(t);
    assert_int_equal(t->blocked, LINUX_SIGBIT(LINUX_SIGUSR2));
    assert_false(t->has_saved_mask);
}

static void test_sigreturn_roundtrip(void **state)
{
    struct task *t = &g_p.task;
    set_handler(LINUX_SIGUSR1, LINUX_SA_SIGINFO, 0);
    t->regs.r12 = 0xabcdef;
    t->blocked = LINUX_SIGBIT(LINUX_SIGHUP);
    send(LINUX_SIGUSR1);
    signal_deliver(t);

    /* The handler edits its context and returns through the restorer. */
    gaddr_t fa = t->regs.rsp;
    struct linux_rt_sigframe *f = frame_at(fa);
    f->uc.uc_mcontext.r12 = 0x777;
    f->uc.uc_mcontext.eflags = 0x3000 | 0x200 | 0x1; /* IOPL and IF must not stick; CF may */
    f->uc.uc_sigmask |= LINUX_SIGBIT(LINUX_SIGKILL);
    t->regs.rsp = fa + 8;
    t->regs.rip = RESTORER + 7;

    assert_int_equal(signal_frame_restore(t), 0);
    assert_int_equal(t->regs.rip, APP_RIP);
    assert_int_equal(t->regs.rsp, STACK_TOP);
    assert_int_equal(t->regs.r12, 0x777);
    assert_int_equal(t->regs.eflags & 0x3000, 0);
    assert_int_equal(t->regs.eflags & 1, 1);
    assert_int_equal(t->regs.cs, LINUX_USER_CS);
    assert_int_equal((int64_t)t->regs.orig_rax, -1);
    assert_int_equal(t->blocked, LINUX_SIGBIT(LINUX_SIGHUP)); /* SIGKILL never blocked */
}

static void test_sigreturn_rejects_bad_mxcsr(void **state)
{
    struct task *t = &g_p.task;
    set_handler(LINUX_SIGUSR1, 0, 0);
    send(LINUX_SIGUSR1);
    signal_deliver(t);
    struct linux_rt_sigframe *f = frame_at(t->regs.rsp);
    struct linux_fpstate *fp = fake_mem(f->uc.uc_mcontext.fpstate);
    fp->mxcsr = 0xffff0000u;
    t->regs.rsp += 8;
    assert_int_equal(signal_frame_restore(t), -EINVAL);
    t->regs.rsp = FAKE_MEM_BASE - 0x1000;
    assert_int_equal(signal_frame_restore(t), -EFAULT);
}

/* --- XSAVE images in frames (a platform whose FPU format is XSAVE with x87, SSE and AVX) --- */

#define XS_SIZE 832 /* legacy area 512, header 64, AVX upper halves 256 at 576 */
#define XS_AVX 576

static void xsave_format(uint32_t *size, uint64_t *xfeatures)
{
    *size = XS_SIZE;
    *xfeatures = 7;
}

static const struct platform_ops g_xsave_platform = {.name = "fake-xsave",
                                                     .fpstate_format = xsave_format};
static const struct platform_ops *g_saved_platform;

static int setup_xsave(void **state)
{
    g_saved_platform = g_platform;
    g_platform = &g_xsave_platform;
    return setup(state);
}

static int teardown_xsave(void **state)
{
    g_platform = g_saved_platform;
    return teardown(state);
}

static uint64_t u64_at(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint32_t u32_at(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* Delivers SIGUSR1 with the task's AVX upper halves set to 0xab (only AVX marked in use);
 * returns the frame's FPU area. */
static uint8_t *deliver_with_avx(void)
{
    struct task *t = &g_p.task;
    uint8_t *img = g_p.fpstate.bytes;
    t->fpstate->mxcsr = 0x1f80;
    memset(img + XS_AVX, 0xab, 256);
    uint64_t hdr = 4;
    memcpy(img + 512, &hdr, sizeof(hdr));
    set_handler(LINUX_SIGUSR1, LINUX_SA_SIGINFO, 0);
    send(LINUX_SIGUSR1);
    signal_deliver(t);
    return fake_mem(frame_at(t->regs.rsp)->uc.uc_mcontext.fpstate);
}

static void test_xsave_frame_layout(void **state)
{
    struct task *t = &g_p.task;
    uint8_t *fp = deliver_with_avx();
    struct linux_rt_sigframe *f = frame_at(t->regs.rsp);
    gaddr_t fa = f->uc.uc_mcontext.fpstate;
    assert_int_equal(fa % 64, 0);
    assert_true(t->regs.rsp + sizeof(*f) <= fa);
    assert_true(fa + XS_SIZE + 4 <= STACK_TOP - 128); /* image, magic2, red zone */
    assert_int_equal(f->uc.uc_flags & 1, 1);          /* UC_FP_XSTATE */
    assert_int_equal(u32_at(fp + 464), 0x46505853u);  /* magic1 */
    assert_int_equal(u32_at(fp + 468), XS_SIZE + 4);  /* extended_size */
    assert_int_equal(u64_at(fp + 472), 7);            /* xfeatures */
    assert_int_equal(u32_at(fp + 480), XS_SIZE);      /* xstate_size */
    assert_int_equal(u32_at(fp + XS_SIZE), 0x46505845u);
    assert_int_equal(u64_at(fp + 512), 7); /* FP and SSE always marked, AVX in use */
    assert_int_equal(fp[XS_AVX], 0xab);
    assert_int_equal(fp[XS_AVX + 255], 0xab);
    /* The handler starts with every component initial. */
    uint8_t *img = g_p.fpstate.bytes;
    assert_int_equal(u64_at(img + 512), 3);
    assert_int_equal(img[XS_AVX], 0);
    assert_int_equal(t->fpstate->mxcsr, 0x1f80);
    assert_int_equal(t->fpstate->cwd, 0x37f);
}

static void test_xsave_sigreturn_takes_the_edited_image(void **state)
{
    struct task *t = &g_p.task;
    uint8_t *fp = deliver_with_avx();
    memset(fp + XS_AVX, 0xcd, 16);
    t->regs.rsp += 8;
    assert_int_equal(signal_frame_restore(t), 0);
    uint8_t *img = g_p.fpstate.bytes;
    assert_int_equal(img[XS_AVX], 0xcd);
    assert_int_equal(img[XS_AVX + 16], 0xab);
    assert_int_equal(u64_at(img + 512), 7);
    assert_true(t->fpstate_dirty);
}

static void test_xsave_sigreturn_without_magic_keeps_only_fxsave(void **state)
{
    struct task *t = &g_p.task;
    uint8_t *fp = deliver_with_avx();
    memset(fp + 464, 0, 4); /* no magic1: an FXSAVE-only frame */
    ((struct linux_fpstate *)fp)->xmm_space[0] = 0x1234;
    t->regs.rsp += 8;
    assert_int_equal(signal_frame_restore(t), 0);
    uint8_t *img = g_p.fpstate.bytes;
    assert_int_equal(t->fpstate->xmm_space[0], 0x1234);
    assert_int_equal(img[XS_AVX], 0);
    assert_int_equal(u64_at(img + 512), 3);
    /* A wrong magic2 is the same. */
    fp = deliver_with_avx();
    memset(fp + XS_SIZE, 0, 4);
    t->regs.rsp += 8;
    assert_int_equal(signal_frame_restore(t), 0);
    assert_int_equal(img[XS_AVX], 0);
}

static void test_xsave_sigreturn_rejects_bad_header(void **state)
{
    struct task *t = &g_p.task;
    uint64_t bad[] = {7 | (1ull << 9), 0, 0};
    int where[] = {512, 520, 560}; /* xfeatures beyond XCR0, xcomp_bv, a reserved word */
    for (int i = 0; i < 3; i++) {
        t->blocked = 0; /* the failed sigreturns left SIGUSR1 blocked */
        t->regs.rsp = STACK_TOP;
        uint8_t *fp = deliver_with_avx();
        uint64_t v = i == 0 ? bad[0] : (1ull << 63);
        memcpy(fp + where[i], &v, sizeof(v));
        t->regs.rsp += 8;
        assert_int_equal(signal_frame_restore(t), -EINVAL);
    }
}

static void test_fatal_default_action(void **state)
{
    jmp_buf jb;
    g_fake_exit_jmp = &jb;
    if (setjmp(jb) == 0) {
        send(LINUX_SIGTERM);
        signal_deliver(&g_p.task);
        fail();
    }
    g_fake_exit_jmp = NULL;
    assert_true(g_fake_exit_called);
    assert_int_equal(g_fake_exit_status, LINUX_SIGTERM);
}

static void test_forced_segv_resets_blocked_handler(void **state)
{
    jmp_buf jb;
    set_handler(LINUX_SIGSEGV, 0, 0);
    g_p.tg.rlimits[RLIMIT_CORE].rlim_cur = RLIM_INFINITY;
    g_p.task.blocked = LINUX_SIGBIT(LINUX_SIGSEGV);
    signal_force(&g_p.task, LINUX_SIGSEGV, LINUX_SEGV_MAPERR, 0xdead);
    assert_int_equal(g_p.tg.sighand->action[LINUX_SIGSEGV - 1].handler, LINUX_SIG_DFL);
    assert_int_equal(g_p.task.blocked, 0);
    g_fake_exit_jmp = &jb;
    if (setjmp(jb) == 0) {
        signal_deliver(&g_p.task);
        fail();
    }
    g_fake_exit_jmp = NULL;
    assert_int_equal(g_fake_exit_status, LINUX_SIGSEGV | 0x80);
}

static void test_bad_stack_forces_segv(void **state)
{
    jmp_buf jb;
    set_handler(LINUX_SIGUSR1, 0, 0);
    g_p.task.regs.rsp = 0x1000; /* unmapped */
    send(LINUX_SIGUSR1);
    /* RLIMIT_CORE is 0: killed by SIGSEGV without the core bit. */
    g_fake_exit_jmp = &jb;
    if (setjmp(jb) == 0) {
        signal_deliver(&g_p.task);
        fail();
    }
    g_fake_exit_jmp = NULL;
    assert_int_equal(g_fake_exit_status, LINUX_SIGSEGV);
}

static void test_resethand(void **state)
{
    set_handler(LINUX_SIGUSR1, LINUX_SA_RESETHAND, 0);
    send(LINUX_SIGUSR1);
    signal_deliver(&g_p.task);
    assert_int_equal(g_p.task.regs.rip, HANDLER);
    assert_int_equal(g_p.tg.sighand->action[LINUX_SIGUSR1 - 1].handler, LINUX_SIG_DFL);
}

static void test_autodisarm_altstack(void **state)
{
    struct task *t = &g_p.task;
    set_handler(LINUX_SIGUSR1, LINUX_SA_ONSTACK, 0);
    t->altstack.ss_sp = FAKE_MEM_BASE + 0x30000;
    t->altstack.ss_size = 16384;
    t->altstack.ss_flags = (int32_t)(LINUX_SS_AUTODISARM);
    send(LINUX_SIGUSR1);
    signal_deliver(t);
    assert_true(t->regs.rsp > FAKE_MEM_BASE + 0x30000 &&
                t->regs.rsp < FAKE_MEM_BASE + 0x30000 + 16384);
    assert_int_equal(t->altstack.ss_size, 0); /* disarmed while the handler runs */
    struct linux_rt_sigframe *f = frame_at(t->regs.rsp);
    assert_int_equal(f->uc.uc_stack.ss_size, 16384);
    t->regs.rsp += 8;
    assert_int_equal(signal_frame_restore(t), 0);
    assert_int_equal(t->altstack.ss_size, 16384); /* re-armed by sigreturn */
}

/* --- job control --- */

static void test_group_stop_reports_to_parent(void **state)
{
    struct fake_proc *parent = calloc(1, sizeof(*parent));
    assert_non_null(parent);
    fake_reset(parent);
    parent->tg.sighand->action[LINUX_SIGCHLD - 1].handler = HANDLER;
    parent->tg.sighand->action[LINUX_SIGCHLD - 1].flags = LINUX_SA_RESTORER;

    struct fake_proc *kid = calloc(1, sizeof(*kid));
    assert_non_null(kid);
    memset(kid, 0, sizeof(*kid));
    kid->tg.pid = 200;
    list_init(&kid->tg.tasks);
    kid->tg.sighand = sighand_new();
    sigpending_init(&kid->tg.shared_pending);
    kid->tg.leader = &kid->task;
    kid->tg.parent = &parent->tg;
    kid->task.tid = 200;
    kid->task.ctx.cred = cred_kernel();
    kid->task.tg = &kid->tg;
    kid->task.state = TASK_IN_KERNEL;
    sigpending_init(&kid->task.pending);
    list_add_tail(&kid->task.tg_link, &kid->tg.tasks);

    struct linux_siginfo info;
    signal_info_kill(&info, LINUX_SIGSTOP, LINUX_SI_USER, NULL);
    assert_int_equal(signal_send_tg(&kid->tg, &info), 0);
    signal_deliver(&kid->task); /* parks; the fake releases at once */
    assert_true(kid->tg.stop_report);
    assert_int_equal(kid->tg.stop_signal, LINUX_SIGSTOP);
    assert_false(kid->task.group_stop_parked);

    struct linux_siginfo got;
    assert_int_equal(sigpending_dequeue(&parent->tg.shared_pending, ~0ULL, &got), LINUX_SIGCHLD);
    assert_int_equal(got.code, LINUX_CLD_STOPPED);
    assert_int_equal(got.chld.pid, 200);
    assert_int_equal(got.chld.status, LINUX_SIGSTOP);

    /* SIGCONT on a stopped group reports CLD_CONTINUED. */
    kid->tg.stop_state = TG_STOPPED;
    signal_info_kill(&info, LINUX_SIGCONT, LINUX_SI_USER, NULL);
    assert_int_equal(signal_send_tg(&kid->tg, &info), 0);
    assert_int_equal(kid->tg.stop_state, TG_RUNNING);
    assert_true(kid->tg.cont_report);
    assert_int_equal(sigpending_dequeue(&parent->tg.shared_pending, ~0ULL, &got), LINUX_SIGCHLD);
    assert_int_equal(got.code, LINUX_CLD_CONTINUED);

    signal_flush_pending(&kid->task.pending);
    signal_flush_pending(&kid->tg.shared_pending);
    sighand_unref(kid->tg.sighand);
    fake_release(parent);
    free(kid);
    free(parent);
}

static void test_exec_reset(void **state)
{
    set_handler(LINUX_SIGUSR1, LINUX_SA_RESTART, 0);
    g_p.tg.sighand->action[LINUX_SIGUSR2 - 1].handler = LINUX_SIG_IGN;
    g_p.task.altstack.ss_size = 8192;
    signal_exec_reset(&g_p.task);
    assert_int_equal(g_p.tg.sighand->action[LINUX_SIGUSR1 - 1].handler, LINUX_SIG_DFL);
    assert_int_equal(g_p.tg.sighand->action[LINUX_SIGUSR1 - 1].flags, 0);
    assert_int_equal(g_p.tg.sighand->action[LINUX_SIGUSR2 - 1].handler, LINUX_SIG_IGN);
    assert_int_equal(g_p.task.altstack.ss_size, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TX(f) cmocka_unit_test_setup_teardown(f, setup_xsave, teardown_xsave)
    const struct CMUnitTest tests[] = {
        T(test_standard_signal_queued_once),
        T(test_rt_signals_queue_in_order),
        T(test_sync_signals_first_and_mask),
        T(test_ignored_signal_dropped_unless_blocked),
        T(test_cont_and_stop_discard_each_other),
        T(test_sigkill_exits_group_at_send),
        T(test_owned_signal_hooks),
        T(test_frame_layout_alignment),
        T(test_frame_on_altstack),
        T(test_sigaltstack_rules),
        T(test_deliver_builds_frame),
        T(test_deliver_sa_restart_and_nodefer),
        T(test_restart_without_handler),
        T(test_handler_turns_nohand_into_eintr),
        T(test_saved_mask_restored_without_handler),
        T(test_sigreturn_roundtrip),
        T(test_sigreturn_rejects_bad_mxcsr),
        TX(test_xsave_frame_layout),
        TX(test_xsave_sigreturn_takes_the_edited_image),
        TX(test_xsave_sigreturn_without_magic_keeps_only_fxsave),
        TX(test_xsave_sigreturn_rejects_bad_header),
        T(test_fatal_default_action),
        T(test_forced_segv_resets_blocked_handler),
        T(test_bad_stack_forces_segv),
        T(test_resethand),
        T(test_autodisarm_altstack),
        T(test_group_stop_reports_to_parent),
        T(test_exec_reset),
    };
    kernel_lock(); /* what the code under test expects of its callers */
    return cmocka_run_group_tests_name("signal", tests, NULL, NULL);
}
