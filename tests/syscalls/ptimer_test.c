// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for POSIX per-process timers (timer_create, timer_settime, timer_gettime,
 * timer_getoverrun, timer_delete), called raw so that the kernel's timer ids are seen: signals
 * with SI_TIMER info, periodic timers, overruns, absolute times, SIGEV_THREAD_ID, SIGEV_NONE,
 * CPU-time clocks, fork and exec, and the errors. Timing is checked only as lower bounds or
 * generous windows. */
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define MS 1000000LL

static long tcreate(clockid_t clk, struct sigevent *ev, int *id)
{
    return syscall(SYS_timer_create, clk, ev, id);
}

static long tset(int id, int flags, long long value_ns, long long interval_ns,
                 struct itimerspec *old)
{
    struct itimerspec its = {{interval_ns / 1000000000LL, interval_ns % 1000000000LL},
                             {value_ns / 1000000000LL, value_ns % 1000000000LL}};
    return syscall(SYS_timer_settime, id, flags, &its, old);
}

static long tget(int id, struct itimerspec *cur)
{
    return syscall(SYS_timer_gettime, id, cur);
}

static long long ts_ns(const struct timespec *ts)
{
    return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static long long now_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return ts_ns(&ts);
}

/* A SIGEV_SIGNAL event for @sig carrying @value. */
static struct sigevent sig_event(int sig, int value)
{
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = sig;
    ev.sigev_value.sival_int = value;
    return ev;
}

static void block(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_BLOCK, &s, NULL);
}

/* Wait up to @ms for blocked @sig; returns the signal (or -1) with its info. */
static int wait_sig(int sig, int ms, siginfo_t *info)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    struct timespec to = {ms / 1000, (ms % 1000) * MS};
    return sigtimedwait(&s, info, &to);
}

static volatile int g_count;
static volatile int g_tid;
static siginfo_t g_info;

static void counter(int sig, siginfo_t *info, void *uc)
{
    (void)sig;
    (void)uc;
    g_info = *info;
    g_tid = (int)syscall(SYS_gettid);
    g_count++;
}

static void install_counter(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = counter;
    sa.sa_flags = SA_SIGINFO;
    sigaction(sig, &sa, NULL);
    g_count = 0;
}

TEST(null_sevp_sends_sigalrm_with_the_id)
{
    int id = -1;
    block(SIGALRM);
    CHECK(tcreate(CLOCK_MONOTONIC, NULL, &id));
    EXPECT_TRUE(id >= 0);
    CHECK(tset(id, 0, 20 * MS, 0, NULL));
    siginfo_t si;
    EXPECT_EQ(wait_sig(SIGALRM, 5000, &si), SIGALRM);
    EXPECT_EQ(si.si_code, SI_TIMER);
    EXPECT_EQ(si.si_timerid, id);
    EXPECT_EQ(si.si_value.sival_int, id);
    EXPECT_EQ(si.si_overrun, 0);
    EXPECT_OK(syscall(SYS_timer_delete, id));
}

TEST(one_shot_signal_fires_once)
{
    int id;
    install_counter(SIGUSR1);
    struct sigevent ev = sig_event(SIGUSR1, 0x5eed);
    CHECK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    long long t0 = now_ns(CLOCK_MONOTONIC);
    CHECK(tset(id, 0, 30 * MS, 0, NULL));
    while (!g_count)
        pause();
    EXPECT_TRUE(now_ns(CLOCK_MONOTONIC) - t0 >= 30 * MS);
    usleep(60000);
    EXPECT_EQ(g_count, 1);
    EXPECT_EQ(g_info.si_signo, SIGUSR1);
    EXPECT_EQ(g_info.si_code, SI_TIMER);
    EXPECT_EQ(g_info.si_value.sival_int, 0x5eed);
    EXPECT_EQ(g_info.si_timerid, id);
    struct itimerspec cur;
    EXPECT_OK(tget(id, &cur));
    EXPECT_EQ(ts_ns(&cur.it_value), 0);
    EXPECT_EQ(ts_ns(&cur.it_interval), 0);
    EXPECT_EQ(syscall(SYS_timer_getoverrun, id), 0);
}

TEST(periodic_fires_repeatedly_until_disarmed)
{
    int id;
    install_counter(SIGUSR2);
    struct sigevent ev = sig_event(SIGUSR2, 7);
    CHECK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    long long t0 = now_ns(CLOCK_MONOTONIC);
    CHECK(tset(id, 0, 10 * MS, 10 * MS, NULL));
    while (g_count < 3)
        pause();
    EXPECT_TRUE(now_ns(CLOCK_MONOTONIC) - t0 >= 30 * MS);
    struct itimerspec cur, old;
    CHECK(tget(id, &cur));
    EXPECT_EQ(ts_ns(&cur.it_interval), 10 * MS);
    EXPECT_TRUE(ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 10 * MS);
    CHECK(tset(id, 0, 0, 0, &old));
    EXPECT_EQ(ts_ns(&old.it_interval), 10 * MS);
    int seen = g_count;
    usleep(50000);
    EXPECT_EQ(g_count, seen);
    CHECK(tget(id, &cur));
    EXPECT_EQ(ts_ns(&cur.it_value), 0);
    EXPECT_EQ(ts_ns(&cur.it_interval), 0);
}

TEST(overruns_while_blocked)
{
    int id;
    block(SIGRTMIN);
    struct sigevent ev = sig_event(SIGRTMIN, 1);
    CHECK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    CHECK(tset(id, 0, 5 * MS, 5 * MS, NULL));
    usleep(100000); /* at least 20 expiries: one signal, the rest overruns */
    siginfo_t si;
    EXPECT_EQ(wait_sig(SIGRTMIN, 5000, &si), SIGRTMIN);
    EXPECT_EQ(si.si_code, SI_TIMER);
    EXPECT_TRUE(si.si_overrun >= 10);
    EXPECT_EQ(syscall(SYS_timer_getoverrun, id), si.si_overrun);
    /* The timer goes on after the signal is taken. */
    EXPECT_EQ(wait_sig(SIGRTMIN, 5000, &si), SIGRTMIN);
    EXPECT_TRUE(si.si_overrun >= 0);
    /* A timer has one signal queued at most, whatever the expiries and however late this
     * thread runs: after disarming, at most one is left (a queue per expiry would hold the
     * ~20 of the first sleep here). */
    CHECK(tset(id, 0, 0, 0, NULL));
    int left = 0;
    while (wait_sig(SIGRTMIN, 0, &si) == SIGRTMIN)
        left++;
    EXPECT_TRUE(left <= 1);
    EXPECT_OK(syscall(SYS_timer_delete, id));
}

TEST(gettime_counts_down)
{
    int id;
    struct sigevent ev = sig_event(SIGUSR1, 0);
    install_counter(SIGUSR1);
    CHECK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    CHECK(tset(id, 0, 5000 * MS, 0, NULL));
    usleep(20000);
    struct itimerspec cur, old;
    CHECK(tget(id, &cur));
    EXPECT_EQ(cur.it_value.tv_sec, 4);
    EXPECT_TRUE(cur.it_value.tv_nsec > 0);
    EXPECT_EQ(ts_ns(&cur.it_interval), 0);
    CHECK(tset(id, 0, 0, 0, &old)); /* disarm with a zero it_value */
    EXPECT_EQ(old.it_value.tv_sec, 4);
    CHECK(tget(id, &cur));
    EXPECT_EQ(ts_ns(&cur.it_value), 0);
    EXPECT_EQ(g_count, 0);
}

TEST(disarm_before_expiry_sends_nothing)
{
    int id;
    struct sigevent ev = sig_event(SIGUSR1, 0);
    install_counter(SIGUSR1);
    CHECK(tcreate(CLOCK_REALTIME, &ev, &id));
    CHECK(tset(id, 0, 30 * MS, 30 * MS, NULL));
    struct itimerspec old;
    CHECK(tset(id, 0, 0, 30 * MS, &old));
    EXPECT_TRUE(ts_ns(&old.it_value) > 0 && ts_ns(&old.it_value) <= 30 * MS);
    usleep(80000);
    EXPECT_EQ(g_count, 0);
    /* Re-arm works after a disarm. */
    CHECK(tset(id, 0, 10 * MS, 0, NULL));
    while (!g_count)
        pause();
    EXPECT_EQ(g_count, 1);
}

TEST(absolute_times)
{
    int id;
    block(SIGUSR1);
    struct sigevent ev = sig_event(SIGUSR1, 0);
    siginfo_t si;
    CHECK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    long long t0 = now_ns(CLOCK_MONOTONIC);
    CHECK(tset(id, TIMER_ABSTIME, t0 + 40 * MS, 0, NULL));
    EXPECT_EQ(wait_sig(SIGUSR1, 5000, &si), SIGUSR1);
    EXPECT_TRUE(now_ns(CLOCK_MONOTONIC) >= t0 + 40 * MS);

    int rid;
    CHECK(tcreate(CLOCK_REALTIME, &ev, &rid));
    long long r0 = now_ns(CLOCK_REALTIME);
    CHECK(tset(rid, TIMER_ABSTIME, r0 + 40 * MS, 0, NULL));
    struct itimerspec cur;
    CHECK(tget(rid, &cur));
    EXPECT_TRUE(ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 40 * MS);
    EXPECT_EQ(wait_sig(SIGUSR1, 5000, &si), SIGUSR1);
    EXPECT_EQ(si.si_timerid, rid);
    EXPECT_TRUE(now_ns(CLOCK_REALTIME) >= r0 + 40 * MS);
    /* A time in the past expires at once. */
    CHECK(tset(rid, TIMER_ABSTIME, r0 - 1000 * MS, 0, NULL));
    EXPECT_EQ(wait_sig(SIGUSR1, 1000, &si), SIGUSR1);
}

TEST(delete_then_einval)
{
    int id;
    struct sigevent ev = sig_event(SIGUSR1, 0);
    struct itimerspec cur;
    CHECK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    CHECK(tset(id, 0, 1000 * MS, 0, NULL));
    EXPECT_OK(syscall(SYS_timer_delete, id));
    EXPECT_ERRNO(syscall(SYS_timer_delete, id), EINVAL);
    EXPECT_ERRNO(tget(id, &cur), EINVAL);
    EXPECT_ERRNO(tset(id, 0, 10 * MS, 0, NULL), EINVAL);
    EXPECT_ERRNO(syscall(SYS_timer_getoverrun, id), EINVAL);
}

TEST(ids_are_distinct)
{
    int a, b;
    CHECK(tcreate(CLOCK_MONOTONIC, NULL, &a));
    CHECK(tcreate(CLOCK_MONOTONIC, NULL, &b));
    EXPECT_NE(a, b);
    EXPECT_OK(syscall(SYS_timer_delete, a));
    EXPECT_OK(syscall(SYS_timer_delete, b));
}

static volatile int g_stop;

static void *sig_thread(void *arg)
{
    *(volatile int *)arg = (int)syscall(SYS_gettid);
    while (!g_stop)
        usleep(1000);
    return NULL;
}

TEST(sigev_thread_id_targets_the_thread)
{
    pthread_t th;
    volatile int tid = 0;
    install_counter(SIGUSR1);
    g_tid = 0;
    CHECK(pthread_create(&th, NULL, sig_thread, (void *)&tid) == 0 ? 0 : -1);
    while (!tid)
        usleep(1000);
    struct sigevent ev = sig_event(SIGUSR1, 3);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev._sigev_un._tid = tid;
    int id;
    CHECK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    CHECK(tset(id, 0, 10 * MS, 0, NULL));
    for (int i = 0; i < 5000 && !g_count; i++)
        usleep(1000);
    EXPECT_EQ(g_count, 1);
    EXPECT_EQ(g_tid, tid);
    EXPECT_EQ(g_info.si_code, SI_TIMER);
    EXPECT_EQ(g_info.si_value.sival_int, 3);
    g_stop = 1;
    pthread_join(th, NULL);
}

TEST(sigev_none_is_polled)
{
    int id;
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_NONE;
    install_counter(SIGALRM);
    CHECK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    CHECK(tset(id, 0, 50 * MS, 0, NULL));
    struct itimerspec cur;
    CHECK(tget(id, &cur));
    EXPECT_TRUE(ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 50 * MS);
    usleep(80000);
    CHECK(tget(id, &cur));
    EXPECT_EQ(ts_ns(&cur.it_value), 0); /* expired */
    EXPECT_EQ(g_count, 0);
    /* A periodic one keeps counting down. */
    CHECK(tset(id, 0, 20 * MS, 20 * MS, NULL));
    usleep(50000);
    CHECK(tget(id, &cur));
    EXPECT_TRUE(ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 20 * MS);
    EXPECT_EQ(ts_ns(&cur.it_interval), 20 * MS);
    EXPECT_EQ(g_count, 0);
}

TEST(cpu_time_clocks)
{
    int id;
    block(SIGUSR1);
    struct sigevent ev = sig_event(SIGUSR1, 0);
    siginfo_t si;
    int clocks[] = {CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
    for (int i = 0; i < 2; i++) {
        CHECK(tcreate(clocks[i], &ev, &id));
        long long c0 = now_ns(clocks[i]);
        long long w0 = now_ns(CLOCK_MONOTONIC);
        CHECK(tset(id, 0, 30 * MS, 0, NULL));
        sigset_t pend;
        do { /* spin: only CPU time moves the timer */
            sigpending(&pend);
        } while (!sigismember(&pend, SIGUSR1) && now_ns(CLOCK_MONOTONIC) - w0 < 10000 * MS);
        EXPECT_EQ(wait_sig(SIGUSR1, 0, &si), SIGUSR1);
        EXPECT_EQ(si.si_code, SI_TIMER);
        EXPECT_TRUE(now_ns(clocks[i]) - c0 >= 30 * MS);
        EXPECT_OK(syscall(SYS_timer_delete, id));
    }
}

TEST(child_after_fork_has_no_timers)
{
    int id;
    struct itimerspec cur;
    CHECK(tcreate(CLOCK_MONOTONIC, NULL, &id));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (tget(id, &cur) != -1 || errno != EINVAL)
            _exit(1);
        if (syscall(SYS_timer_delete, id) != -1 || errno != EINVAL)
            _exit(2);
        _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0));
    EXPECT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0);
    EXPECT_OK(tget(id, &cur));
}

/* Exits 0 iff timer argv[1] does not exist. */
SUBPROG(no_timer)
{
    struct itimerspec cur;
    if (argc != 2)
        return 3;
    return tget(atoi(argv[1]), &cur) == -1 && errno == EINVAL ? 0 : 1;
}

TEST(exec_deletes_timers)
{
    int id;
    CHECK(tcreate(CLOCK_MONOTONIC, NULL, &id));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char buf[16];
        snprintf(buf, sizeof(buf), "%d", id);
        execl(harness_self(), harness_self(), "--sub", "no_timer", buf, (char *)NULL);
        _exit(127);
    }
    int st;
    CHECK(waitpid(pid, &st, 0));
    EXPECT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0);
}

TEST(bad_arguments)
{
    int id;
    struct sigevent ev = sig_event(SIGUSR1, 0);
    EXPECT_ERRNO(tcreate(100, &ev, &id), EINVAL);
    EXPECT_ERRNO(tcreate(CLOCK_MONOTONIC_RAW, &ev, &id), EOPNOTSUPP);
    EXPECT_ERRNO(tcreate(CLOCK_MONOTONIC_COARSE, &ev, &id), EOPNOTSUPP);
    EXPECT_ERRNO(tcreate(CLOCK_MONOTONIC, (void *)1, &id), EFAULT);
    ev.sigev_signo = 0;
    EXPECT_ERRNO(tcreate(CLOCK_MONOTONIC, &ev, &id), EINVAL);
    ev.sigev_signo = 65;
    EXPECT_ERRNO(tcreate(CLOCK_MONOTONIC, &ev, &id), EINVAL);
    ev.sigev_signo = SIGUSR1;
    ev.sigev_notify = 99;
    EXPECT_ERRNO(tcreate(CLOCK_MONOTONIC, &ev, &id), EINVAL);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev._sigev_un._tid = getppid(); /* a thread of another process */
    EXPECT_ERRNO(tcreate(CLOCK_MONOTONIC, &ev, &id), EINVAL);
    ev._sigev_un._tid = 0;
    EXPECT_ERRNO(tcreate(CLOCK_MONOTONIC, &ev, &id), EINVAL);

    CHECK(tcreate(CLOCK_MONOTONIC, NULL, &id));
    EXPECT_ERRNO(syscall(SYS_timer_settime, id, 0, NULL, NULL), EINVAL);
    EXPECT_ERRNO(syscall(SYS_timer_settime, id, 0, (void *)1, NULL), EFAULT);
    EXPECT_ERRNO(tset(id, 0, -1, 0, NULL), EINVAL);
    struct itimerspec bad = {{0, 1000000000}, {1, 0}};
    EXPECT_ERRNO(syscall(SYS_timer_settime, id, 0, &bad, NULL), EINVAL);
    EXPECT_ERRNO(tset(id + 1000, 0, 10 * MS, 0, NULL), EINVAL);
    EXPECT_ERRNO(syscall(SYS_timer_gettime, id, (void *)1), EFAULT);
    EXPECT_ERRNO(syscall(SYS_timer_gettime, -1, NULL), EINVAL);
    EXPECT_ERRNO(syscall(SYS_timer_delete, -1), EINVAL);
    EXPECT_OK(syscall(SYS_timer_delete, id));
}
