// SPDX-License-Identifier: Apache-2.0
/* Fakes of kernel.c/task.c/mm for the kernel unit tests (see fake_kernel.h). */
#include "tests/unit/kernel/fakes/fake_kernel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/syscall_patch.h"
#include "sentry/mm/mm.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/platform/platform.h"
#include "sentry/waiter/waitq.h"

struct kernel g_kernel = {
    .tasks = LIST_HEAD_INIT(g_kernel.tasks),
    .hostname = "cvisor",
};
__thread struct task *g_current;
const struct ctx_ops g_task_ctx_ops; /* the tests make no blocking calls through contexts */

static uint8_t g_mem[FAKE_MEM_SIZE];
int g_fake_kicks, g_fake_wakes, g_fake_exit_status, g_fake_notifies;
bool g_fake_exit_called;
struct task *g_fake_last_woken;
jmp_buf *g_fake_exit_jmp;

void fake_reset(struct fake_proc *p)
{
    memset(g_mem, 0, sizeof(g_mem));
    g_fake_kicks = g_fake_wakes = g_fake_exit_status = g_fake_notifies = 0;
    g_fake_exit_called = false;
    g_fake_last_woken = NULL;
    list_init(&g_kernel.tasks);
    g_kernel.init_tg = NULL;
    if (!p)
        return;
    memset(p, 0, sizeof(*p));
    struct thread_group *tg = &p->tg;
    struct task *t = &p->task;
    tg->pid = 100;
    tg->pgid = tg->sid = 100;
    list_init(&tg->tasks);
    list_init(&tg->children);
    list_init(&tg->sibling);
    waitq_init(&tg->child_wait);
    tg->sighand = sighand_new();
    sigpending_init(&tg->shared_pending);
    tg->exit_signal = 17;
    tg->nr_live = 1;
    tg->leader = t;
    t->tid = 100;
    t->tg = tg;
    t->ctx.cred = cred_kernel(); /* root with every capability; never freed */
    t->thread = pthread_self();
    t->state = TASK_IN_KERNEL;
    t->fpstate = &p->fpstate.fx;
    t->fpstate->mxcsr = 0x1f80;
    t->fpstate->mxcsr_mask = 0xffff;
    t->fpstate->cwd = 0x37f;
    sigpending_init(&t->pending);
    list_add_tail(&t->tg_link, &tg->tasks);
    list_add_tail(&t->klink, &g_kernel.tasks);
}

/* FPU images of added threads (tests add a few at most). */
static struct linux_fpstate g_thread_fpstate[8];

void fake_add_thread(struct fake_proc *p, struct task *t, int tid)
{
    memset(t, 0, sizeof(*t));
    t->fpstate = &g_thread_fpstate[(unsigned)tid % 8];
    memset(t->fpstate, 0, sizeof(*t->fpstate));
    t->tid = tid;
    t->tg = &p->tg;
    t->ctx.cred = cred_kernel();
    t->thread = pthread_self();
    t->state = TASK_IN_KERNEL;
    sigpending_init(&t->pending);
    list_add_tail(&t->tg_link, &p->tg.tasks);
    list_add_tail(&t->klink, &g_kernel.tasks);
    p->tg.nr_live++;
}

void fake_release(struct fake_proc *p)
{
    struct task *t;
    list_for_each_entry(t, &p->tg.tasks, tg_link)
    {
        signal_flush_pending(&t->pending);
    }
    signal_flush_pending(&p->tg.shared_pending);
    sighand_unref(p->tg.sighand);
    p->tg.sighand = NULL;
}

void *fake_mem(gaddr_t addr)
{
    return &g_mem[addr - FAKE_MEM_BASE];
}

static bool in_mem(gaddr_t addr, size_t size)
{
    return addr >= FAKE_MEM_BASE && size <= FAKE_MEM_SIZE &&
           addr - FAKE_MEM_BASE <= FAKE_MEM_SIZE - size;
}

int mm_copy_in(struct mm_thread *t, gaddr_t addr, void *buf, size_t size)
{
    if (!in_mem(addr, size))
        return -EFAULT;
    memcpy(buf, fake_mem(addr), size);
    return 0;
}

int mm_copy_out(struct mm_thread *t, gaddr_t addr, const void *buf, size_t size)
{
    if (!in_mem(addr, size))
        return -EFAULT;
    memcpy(fake_mem(addr), buf, size);
    return 0;
}

int mm_futex_key(struct mm_thread *t, gaddr_t addr, bool shared, struct futex_key *key)
{
    if (addr & 3)
        return -EINVAL;
    if (!in_mem(addr, 4))
        return -EFAULT;
    key->a = shared ? 0 : (uint64_t)(uintptr_t)t->mm;
    key->b = addr;
    return 0;
}

int mm_atomic_load_u32(struct mm_thread *t, gaddr_t addr, uint32_t *val)
{
    return mm_copy_in(t, addr, val, sizeof(*val));
}

int mm_atomic_cmpxchg_u32(struct mm_thread *t, gaddr_t addr, uint32_t expect, uint32_t desired,
                          uint32_t *old)
{
    if (!in_mem(addr, 4))
        return -EFAULT;
    uint32_t *p = fake_mem(addr);
    *old = *p;
    if (*p == expect)
        *p = desired;
    return 0;
}

void mm_usage(struct mm *mm, uint64_t *vm_pages, uint64_t *rss_pages)
{
    *vm_pages = *rss_pages = 0;
}

/* The timekeeper, as the host's clocks. */
uint64_t timekeeper_update(void)
{
    return 1000000000ULL;
}

uint64_t timekeeper_start(void)
{
    return 1000000000ULL;
}

uint64_t timekeeper_now_ns(int id)
{
    struct timespec ts;
    clock_gettime(id == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct timespec timekeeper_host_deadline(uint64_t guest_ns)
{
    struct timespec ts = {(time_t)(guest_ns / 1000000000ULL), (long)(guest_ns % 1000000000ULL)};
    return ts;
}

uint64_t kernel_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void waitq_init(struct waitq *q)
{
    list_init(&q->waiters);
}

void waitq_remove(struct waiter *w)
{
    if (w->q) {
        list_del(&w->link);
        w->q = NULL;
    }
}

void waitq_notify(struct waitq *q, uint32_t events)
{
    g_fake_notifies++;
}

void task_wake(struct task *t)
{
    g_fake_wakes++;
    g_fake_last_woken = t;
    t->woken = true;
}

void task_kick(struct task *t)
{
    g_fake_kicks++;
    t->interrupt_pending = true;
}

bool task_signal_pending(struct task *t)
{
    return t->exiting || t->tg->exiting || signal_pending_unblocked(t);
}

int task_wait(struct task *t, uint64_t deadline_ns)
{
    if (task_signal_pending(t))
        return -EINTR;
    if (t->woken) {
        t->woken = false;
        return 0;
    }
    return -ETIMEDOUT; /* nobody else runs in the unit tests */
}

int task_wait_killable(struct task *t, uint64_t deadline_ns)
{
    if (t->woken) {
        t->woken = false;
        return 0;
    }
    /* A test parks a thread only after arranging its release. */
    t->tg->stop_state = TG_RUNNING;
    return 0;
}

int task_fpstate_get(struct task *t, struct linux_fpstate **fp)
{
    *fp = t->fpstate;
    return 0;
}

void task_fpstate_set_dirty(struct task *t)
{
    t->fpstate_dirty = true;
}

struct task *task_find(int tid)
{
    struct task *t;
    list_for_each_entry(t, &g_kernel.tasks, klink)
    {
        if (t->tid == tid)
            return t;
    }
    return NULL;
}

struct thread_group *tg_find(int pid)
{
    struct task *t = task_find(pid);
    return t ? t->tg : NULL;
}

void tg_exit(struct thread_group *tg, int status)
{
    if (!tg->exiting) {
        tg->exiting = true;
        tg->exit_status = status;
    }
    g_fake_exit_status = status;
}

_Noreturn void task_exit_now(struct task *t)
{
    g_fake_exit_called = true;
    if (g_fake_exit_jmp)
        longjmp(*g_fake_exit_jmp, 1);
    abort();
}

/* The platform and mm pieces timer.c reads CPU time through: the fake address space has
 * used no CPU time. */
static uint64_t fake_as_cpu_ns(struct plat_as *as)
{
    (void)as;
    return 0;
}

static const struct platform_ops fake_platform = {.name = "fake", .as_cpu_ns = fake_as_cpu_ns};
const struct platform_ops *g_platform = &fake_platform;

struct plat_as *mm_plat_as(struct mm *mm)
{
    (void)mm;
    return NULL;
}

/* Address-space bookkeeping of the task loop (mm/inval.c): these tests run no app code. */
void mm_app_enter(struct mm_thread *t)
{
}

void mm_app_leave(struct mm_thread *t)
{
}

void mm_shootdown_wait(struct mm_thread *t)
{
}

void mm_thread_bind(struct mm_thread *mt)
{
}

/* No platform here, so no syscall-site patching (kernel/syscall_patch.c). */
void syscall_patch_site(struct task *t)
{
    (void)t;
}

bool syscall_patch_wanted(struct task *t)
{
    (void)t;
    return false;
}

int syscall_patch_fault(struct task *t)
{
    (void)t;
    return 0;
}
