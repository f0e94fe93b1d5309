// SPDX-License-Identifier: Apache-2.0
/* Unit tests for common/mutex.c: owner tracking (what "Caller holds" assertions rely on),
 * condition waits, the debug assertion failing closed, and the lock statistics counting a
 * real contention. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/mutex.h"
#include "sentry/context/klock.h"

static struct cv_mutex g_mu = CV_MUTEX_INITIALIZER(NULL);

static void *held_elsewhere(void *arg)
{
    /* Another thread never sees itself as the owner of a lock the test thread holds. */
    return (void *)(long)cv_mutex_held(arg);
}

static void test_owner_tracking(void **state)
{
    assert_false(cv_mutex_held(&g_mu));
    cv_mutex_lock(&g_mu);
    assert_true(cv_mutex_held(&g_mu));
    pthread_t th;
    void *res;
    assert_int_equal(pthread_create(&th, NULL, held_elsewhere, &g_mu), 0);
    assert_int_equal(pthread_join(th, &res), 0);
    assert_null(res);
    cv_mutex_unlock(&g_mu);
    assert_false(cv_mutex_held(&g_mu));
    assert_true(cv_mutex_trylock(&g_mu));
    assert_true(cv_mutex_held(&g_mu));
    cv_mutex_unlock(&g_mu);
}

static void test_cond_wait_keeps_owner(void **state)
{
    pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* already past: returns ETIMEDOUT at once */
    cv_mutex_lock(&g_mu);
    assert_int_equal(cv_cond_timedwait(&cond, &g_mu, &ts), ETIMEDOUT);
    assert_true(cv_mutex_held(&g_mu));
    cv_mutex_unlock(&g_mu);
}

/* Run @fn in a child process and return how it ended (wait status). */
static int run_child(void (*fn)(void))
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2); /* the CV_BUG line is expected */
        fn();
        _exit(0);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

static void assert_unheld_kernel_lock(void)
{
    KERNEL_LOCK_ASSERT();
}

static void unlock_unheld(void)
{
    cv_mutex_unlock(&g_mu);
}

static void assert_held_kernel_lock(void)
{
    kernel_lock();
    KERNEL_LOCK_ASSERT();
    kernel_unlock();
    KERNEL_LOCK_ASSERT_NOT();
}

static void test_assertions_fail_closed(void **state)
{
    int st = run_child(assert_unheld_kernel_lock);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    st = run_child(unlock_unheld);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    st = run_child(assert_held_kernel_lock);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static struct cv_lockstat g_stat = {.name = "test"};
static struct cv_mutex g_smu = CV_MUTEX_INITIALIZER(&g_stat);
static atomic_int g_waiter_tid;

static void *contender(void *arg)
{
    cv_lock_site = 7;
    atomic_store(&g_waiter_tid, (int)syscall(SYS_gettid));
    cv_mutex_lock(&g_smu);
    cv_mutex_unlock(&g_smu);
    return NULL;
}

/* The state letter of thread @tid of this process (/proc/self/task/TID/stat). */
static char thread_state(pid_t tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return '?';
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return '?';
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] && p[2] ? p[2] : '?';
}

static void test_stats_count_contention(void **state)
{
    cv_lockstat_register(&g_stat);
    cv_lockstat_enable();
    cv_lock_site = 3;
    cv_mutex_lock(&g_smu);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, contender, NULL), 0);
    /* Hold the lock until the contender sleeps on it. */
    while (!atomic_load(&g_waiter_tid) || thread_state(atomic_load(&g_waiter_tid)) != 'S')
        sched_yield();
    cv_mutex_unlock(&g_smu);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(g_stat.site[3].acquired, 1);
    assert_int_equal(g_stat.site[3].contended, 0);
    assert_int_equal(g_stat.site[7].acquired, 1);
    assert_int_equal(g_stat.site[7].contended, 1);
    assert_true(g_stat.site[7].wait_ns > 0);
    /* The holder held it at least while the contender was seen asleep on it. */
    assert_true(g_stat.site[3].hold_ns > 0 && g_stat.site[3].hold_max_ns == g_stat.site[3].hold_ns);
    /* The table names the class and both sites. */
    char path[] = "/tmp/lockstat-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    cv_lockstat_print(fd, NULL);
    char buf[4096] = {0};
    assert_true(pread(fd, buf, sizeof(buf) - 1, 0) > 0);
    close(fd);
    assert_non_null(strstr(buf, "lockstat test: 2 acquisitions, 1 contended"));
    assert_non_null(strstr(buf, "#7"));
    assert_non_null(strstr(buf, "#3"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_tracking),
        cmocka_unit_test(test_cond_wait_keeps_owner),
        cmocka_unit_test(test_assertions_fail_closed),
        cmocka_unit_test(test_stats_count_contention),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
