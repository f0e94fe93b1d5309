// SPDX-License-Identifier: Apache-2.0
/* Conformance tests of RLIMIT_NPROC: fork and thread creation fail with EAGAIN once the tasks
 * of the caller's real uid (threads included, zombies until reaped) reach the limit; root
 * and a caller with effective uid 0 are not limited. Each test runs as a uid of its own, so
 * that natively (where the count is the host's) nothing else is counted. */
#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

/* A uid that no other process uses: from this test's pid. */
static uid_t fresh_uid(void)
{
    return (uid_t)(200000 + getpid() % 100000);
}

static void set_nproc(rlim_t n)
{
    struct rlimit rl = {n, n};
    CHECK(setrlimit(RLIMIT_NPROC, &rl));
}

/* A child that waits for end of file on @hold_fd, then exits 0. */
static pid_t held_child(int hold[2])
{
    pid_t p = fork();
    if (p == 0) {
        char b;
        close(hold[1]);
        (void)!read(hold[0], &b, 1);
        _exit(0);
    }
    return p;
}

/* fork() must fail with EAGAIN (a child it makes anyway exits at once). */
static void expect_fork_refused(void)
{
    errno = 0;
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    if (p > 0) {
        FAIL("fork succeeded, want EAGAIN");
        waitpid(p, NULL, 0);
    } else if (errno != EAGAIN) {
        FAIL("fork: %s, want EAGAIN", harness_errname(errno));
    }
}

static void *idle_thread(void *arg)
{
    (void)arg;
    return NULL;
}

TEST(nproc_counts_processes_threads_and_zombies_of_the_real_uid)
{
    int hold[2];
    CHECK(pipe(hold));
    set_nproc(3);
    CHECK(setresuid(fresh_uid(), fresh_uid(), fresh_uid()));
    pid_t a = CHECK(held_child(hold)); /* 2 tasks */
    pid_t b = CHECK(held_child(hold)); /* 3 tasks: at the limit */
    expect_fork_refused();
    pthread_t th;
    EXPECT_EQ(pthread_create(&th, NULL, idle_thread, NULL), EAGAIN);
    /* a and b exit; until they are reaped their zombies still count. */
    close(hold[1]);
    siginfo_t si;
    CHECK(waitid(P_PID, a, &si, WEXITED | WNOWAIT));
    CHECK(waitid(P_PID, b, &si, WEXITED | WNOWAIT));
    expect_fork_refused();
    EXPECT_EXIT(a, 0);
    /* One reaped: one more task fits, a thread as well as a process. */
    EXPECT_EQ(pthread_create(&th, NULL, idle_thread, NULL), 0);
    EXPECT_EQ(pthread_join(th, NULL), 0);
    pid_t c = CHECK(fork());
    if (c == 0)
        _exit(4);
    EXPECT_EXIT(c, 4);
    EXPECT_EXIT(b, 0);
    close(hold[0]);
}

TEST(nproc_does_not_limit_root)
{
    set_nproc(1);
    pid_t c = CHECK(fork());
    if (c == 0)
        _exit(5);
    EXPECT_EXIT(c, 5);
}

TEST(nproc_does_not_limit_effective_root)
{
    set_nproc(1);
    CHECK(setresuid(fresh_uid(), 0, 0)); /* capabilities stay with euid 0 */
    pid_t c = CHECK(fork());
    if (c == 0)
        _exit(6);
    EXPECT_EXIT(c, 6);
}

TEST(nproc_limit_of_zero_refuses_every_fork)
{
    set_nproc(0);
    CHECK(setresuid(fresh_uid(), fresh_uid(), fresh_uid()));
    expect_fork_refused();
}
