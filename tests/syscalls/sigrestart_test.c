// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for SA_RESTART: a blocking pipe read interrupted by a handled signal restarts
 * with SA_RESTART and fails with EINTR without it; nanosleep is never restarted. */
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static volatile int hits;
/* hits again, in memory shared with forked children (share_hits()), which watch it. */
static int *hits_shared;

static void handler(int sig)
{
    (void)sig;
    hits++;
    if (hits_shared)
        __atomic_add_fetch(hits_shared, 1, __ATOMIC_SEQ_CST);
}

/* Maps hits_shared, zeroed; call before forking the child that watches it. */
static void share_hits(void)
{
    hits_shared =
        CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
}

/* In a forked child: waits until the parent's handler ran and the parent sleeps again, in its
 * restarted call. Returns 0, or -1 if that did not happen within 10 s. */
static int wait_parent_handled(pid_t parent)
{
    for (int i = 0; i < 10000 && !__atomic_load_n(hits_shared, __ATOMIC_SEQ_CST); i++)
        usleep(1000);
    if (!__atomic_load_n(hits_shared, __ATOMIC_SEQ_CST))
        return -1;
    return harness_wait_process_sleeping(parent);
}

static void arm_timer_ms(int ms)
{
    struct itimerval it = {{0, 0}, {0, ms * 1000}};
    CHECK(setitimer(ITIMER_REAL, &it, NULL));
}

static void install(int flags)
{
    struct sigaction sa = {.sa_handler = handler, .sa_flags = flags};
    CHECK(sigaction(SIGALRM, &sa, NULL));
}

TEST(read_without_restart_eintr)
{
    install(0);
    int p[2];
    CHECK(pipe(p));
    hits = 0;
    arm_timer_ms(30);
    char c;
    EXPECT_ERRNO(read(p[0], &c, 1), EINTR);
    EXPECT_EQ(hits, 1);
    close(p[0]);
    close(p[1]);
}

TEST(read_with_restart_continues)
{
    install(SA_RESTART);
    share_hits();
    int p[2];
    CHECK(pipe(p));
    pid_t parent = getpid();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int late = wait_parent_handled(parent); /* the timer fired, the read restarted */
        (void)!write(p[1], "z", 1);
        _exit(late ? 9 : 0);
    }
    hits = 0;
    arm_timer_ms(30);
    char c = 0;
    EXPECT_EQ(read(p[0], &c, 1), 1);
    EXPECT_EQ(c, 'z');
    EXPECT_EQ(hits, 1);
    EXPECT_EXIT(pid, 0);
    close(p[0]);
    close(p[1]);
}

TEST(wait_with_restart_continues)
{
    install(SA_RESTART);
    share_hits();
    pid_t parent = getpid();
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(wait_parent_handled(parent) ? 9 : 4); /* once the wait restarted */
    hits = 0;
    arm_timer_ms(30);
    int st;
    EXPECT_EQ(waitpid(pid, &st, 0), pid);
    EXPECT_EQ(hits, 1);
    EXPECT_EQ(WEXITSTATUS(st), 4);
}

TEST(nanosleep_eintr_even_with_restart)
{
    install(SA_RESTART);
    hits = 0;
    arm_timer_ms(30);
    struct timespec ts = {5, 0}, rem = {0, 0};
    EXPECT_ERRNO(nanosleep(&ts, &rem), EINTR);
    EXPECT_TRUE(rem.tv_sec >= 3 && rem.tv_sec <= 5);
    EXPECT_EQ(hits, 1);
}

TEST(ignored_signal_does_not_interrupt)
{
    signal(SIGALRM, SIG_IGN);
    int p[2];
    CHECK(pipe(p));
    pid_t parent = getpid();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        /* The ignored signal surely comes while the parent is blocked: sent from here too. */
        int late = harness_wait_process_sleeping(parent);
        kill(parent, SIGALRM);
        (void)!write(p[1], "q", 1);
        _exit(late ? 9 : 0);
    }
    arm_timer_ms(20);
    char c = 0;
    EXPECT_EQ(read(p[0], &c, 1), 1);
    EXPECT_EXIT(pid, 0);
    close(p[0]);
    close(p[1]);
}
