// SPDX-License-Identifier: Apache-2.0
/*
 * Fakes of the kernel services the signal, futex and timer code uses, for
 * tests/unit/kernel: guest memory is one flat buffer at FAKE_MEM_BASE, futex keys are the
 * address, and the task primitives record what they were asked to do.
 */
#pragma once

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "abi/linux/types.h"
#include "sentry/kernel/task.h"

#define FAKE_MEM_BASE 0x10000000ULL
#define FAKE_MEM_SIZE (256 * 1024)

/* A task of a fresh thread group, with its sighand, pending queues and fpstate. */
struct fake_proc {
    struct thread_group tg;
    struct task task;
    /* The task's FPU image: FXSAVE for the fake platform, room for a test's XSAVE format. */
    union {
        struct linux_fpstate fx;
        uint8_t bytes[4096];
    } fpstate __attribute__((aligned(64)));
};

/* Reset fake memory and counters; @p (may be NULL) is initialised as pid/tid 100. */
void fake_reset(struct fake_proc *p);
/* Add a second thread @t (tid @tid) to @p's group. */
void fake_add_thread(struct fake_proc *p, struct task *t, int tid);
/* Release queued signals and the sighand of @p. */
void fake_release(struct fake_proc *p);

/* Host pointer to guest @addr (must be inside fake memory). */
void *fake_mem(gaddr_t addr);

/* What the fakes saw. */
extern int g_fake_kicks, g_fake_wakes, g_fake_exit_status, g_fake_notifies;
extern bool g_fake_exit_called;
extern struct task *g_fake_last_woken;
/* task_exit_now() longjmps here when set. */
extern jmp_buf *g_fake_exit_jmp;
