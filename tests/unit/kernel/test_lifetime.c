// SPDX-License-Identifier: Apache-2.0
/* Unit tests of task and thread-group lifetimes (kernel/task.c) under ASan: who holds which
 * reference, what reaping frees, and that an underflow stops the sandbox. A use after free
 * or a leak fails the test through the sanitizer. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sentry/context/klock.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/task_internal.h"
#include "tests/unit/kernel/fakes/fake_kernel.h"

/* task.c's loop is not run here; these satisfy the linker. */
int mm_handle_fault(struct task *t, gaddr_t addr, bool write, bool exec)
{
    return -EFAULT;
}

/* A process: a new group whose leader is linked, as clone leaves it. */
static struct task *new_process(void)
{
    struct task *t;
    struct thread_group *tg;
    assert_int_equal(task_alloc(&t), 0);
    assert_int_equal(tg_alloc(t, &tg), 0);
    task_set_tg(t, tg);
    tg->sighand = sighand_new();
    task_link(t);
    return t;
}

/* A thread of @p's group, linked. */
static struct task *new_thread(struct task *p)
{
    struct task *t;
    assert_int_equal(task_alloc(&t), 0);
    task_set_tg(t, p->tg);
    task_link(t);
    return t;
}

/* What task_exit_now does to the lists and counts for a task that leaves. */
static void fake_exit(struct task *t)
{
    t->state = TASK_DEAD;
    list_del(&t->klink);
    g_kernel.nr_tasks--;
    t->tg->nr_live--;
    if (t != t->tg->leader)
        task_release(t);
}

static int setup(void **state)
{
    fake_reset(NULL);
    list_init(&g_kernel.tgs);
    g_kernel.nr_tasks = 0;
    g_kernel.next_pid = 1;
    return 0;
}

static void test_reap_frees_group_and_leader(void **state)
{
    struct task *t = new_process();
    struct thread_group *tg = t->tg;
    assert_int_equal(t->refs, 1);  /* the group's list */
    assert_int_equal(tg->refs, 2); /* linked, and the leader's */
    fake_exit(t);
    assert_ptr_equal(tg->leader, t); /* a zombie leader stays until reaped */
    tg_reap(tg);                     /* frees both: ASan reports a leak otherwise */
    assert_true(list_empty(&g_kernel.tgs));
}

static void test_thread_released_at_exit(void **state)
{
    struct task *p = new_process();
    struct task *t = new_thread(p);
    struct thread_group *tg = p->tg;
    assert_int_equal(tg->refs, 3);
    task_ref(t); /* someone keeps it across a sleep */
    fake_exit(t);
    assert_int_equal(tg->nr_live, 1);
    assert_true(list_empty(&t->tg_link)); /* off the group's list at once */
    assert_int_equal(t->refs, 1);
    assert_int_equal(t->state, TASK_DEAD);
    task_unref(t); /* the last reference frees it and drops its group reference */
    assert_int_equal(tg->refs, 2);
    fake_exit(p);
    tg_reap(tg);
}

static void test_task_outlives_reaped_group(void **state)
{
    struct task *t = new_process();
    struct thread_group *tg = task_ref(t)->tg;
    fake_exit(t);
    tg_reap(tg);
    /* Still valid: the reference keeps the task and, through it, the group. */
    assert_int_equal(t->refs, 1);
    assert_int_equal(tg->refs, 1);
    assert_true(list_empty(&tg->klink));
    task_unref(t);
}

static void test_vfork_parent_reaped_before_child(void **state)
{
    struct task *parent = new_process();
    struct task *child = new_process();
    child->vfork_parent = task_ref(parent);
    parent->vfork_done = false;
    /* The parent is killed in vfork() and reaped by its own parent. */
    fake_exit(parent);
    tg_reap(parent->tg);
    /* The child exits later: it wakes a dead task and drops the last reference. */
    int wakes = g_fake_wakes;
    task_vfork_release(child);
    assert_int_equal(g_fake_wakes, wakes + 1);
    assert_null(child->vfork_parent);
    task_vfork_release(child); /* a second release is nothing */
    assert_int_equal(g_fake_wakes, wakes + 1);
    fake_exit(child);
    tg_reap(child->tg);
}

static sigjmp_buf g_abort_jmp;

static void on_abort(int sig)
{
    siglongjmp(g_abort_jmp, 1);
}

/* Run @fn(@arg) and tell whether it aborted (CV_BUG). */
static bool aborts(void (*fn)(void *), void *arg)
{
    struct sigaction sa = {.sa_handler = on_abort}, old;
    sigaction(SIGABRT, &sa, &old);
    bool aborted = true;
    if (sigsetjmp(g_abort_jmp, 1) == 0) {
        fn(arg);
        aborted = false;
    }
    sigaction(SIGABRT, &old, NULL);
    return aborted;
}

static void unref_task(void *arg)
{
    task_unref(arg);
}

static void unref_tg(void *arg)
{
    tg_unref(arg);
}

static void test_underflow_is_a_bug(void **state)
{
    /* Objects whose counts are already 0 (not heap objects: nothing is freed). */
    struct task t;
    struct thread_group tg;
    memset(&t, 0, sizeof(t));
    memset(&tg, 0, sizeof(tg));
    assert_true(aborts(unref_task, &t));
    assert_true(aborts(unref_tg, &tg));
    /* A held reference is dropped without complaint. */
    struct task *p = new_process();
    task_ref(p);
    assert_false(aborts(unref_task, p));
    fake_exit(p);
    tg_reap(p->tg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reap_frees_group_and_leader, setup),
        cmocka_unit_test_setup(test_thread_released_at_exit, setup),
        cmocka_unit_test_setup(test_task_outlives_reaped_group, setup),
        cmocka_unit_test_setup(test_vfork_parent_reaped_before_child, setup),
        cmocka_unit_test_setup(test_underflow_is_a_bug, setup),
    };
    kernel_lock(); /* what the code under test expects of its callers */
    return cmocka_run_group_tests_name("kernel_lifetime", tests, NULL, NULL);
}
