// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for default signal actions observed through waitpid: terminate, core (with
 * RLIMIT_CORE 0), ignore, stop and continue, and SIGKILL/SIGSTOP overriding everything. */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

/* Forks a child that disables core dumps and sleeps; returns its pid once it is running. */
static pid_t sleeper(void)
{
    int p[2];
    CHECK(pipe(p));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct rlimit rl = {0, 0};
        setrlimit(RLIMIT_CORE, &rl);
        (void)!write(p[1], "r", 1);
        for (;;)
            pause();
    }
    char c;
    CHECK(read(p[0], &c, 1));
    close(p[0]);
    close(p[1]);
    return pid;
}

TEST(terminate_actions)
{
    int sigs[] = {SIGHUP, SIGINT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGRTMIN};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        pid_t pid = sleeper();
        CHECK(kill(pid, sigs[i]));
        int st = wait_status(pid);
        EXPECT_TRUE(WIFSIGNALED(st));
        EXPECT_EQ(WTERMSIG(st), sigs[i]);
        EXPECT_TRUE(!WCOREDUMP(st));
    }
}

TEST(core_actions_terminate)
{
    int sigs[] = {SIGQUIT, SIGABRT, SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGSYS, SIGTRAP};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        pid_t pid = sleeper();
        CHECK(kill(pid, sigs[i]));
        int st = wait_status(pid);
        EXPECT_TRUE(WIFSIGNALED(st));
        EXPECT_EQ(WTERMSIG(st), sigs[i]);
        EXPECT_TRUE(!WCOREDUMP(st)); /* RLIMIT_CORE is 0 */
    }
}

TEST(ignore_actions)
{
    int sigs[] = {SIGCHLD, SIGURG, SIGWINCH, SIGCONT};
    pid_t pid = sleeper();
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        CHECK(kill(pid, sigs[i]));
    usleep(20000);
    int st;
    EXPECT_EQ(waitpid(pid, &st, WNOHANG), 0); /* still alive */
    kill(pid, SIGKILL);
    EXPECT_SIGNALED(pid, SIGKILL);
}

TEST(stop_actions_and_continue)
{
    int sigs[] = {SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        pid_t pid = CHECK(fork());
        if (pid == 0) {
            setpgid(0, 0); /* not orphaned: our parent is in the same session */
            for (;;)
                pause();
        }
        setpgid(pid, pid);
        CHECK(kill(pid, sigs[i]));
        int st;
        EXPECT_EQ(waitpid(pid, &st, WUNTRACED), pid);
        EXPECT_TRUE(WIFSTOPPED(st));
        EXPECT_EQ(WSTOPSIG(st), sigs[i]);
        CHECK(kill(pid, SIGCONT));
        EXPECT_EQ(waitpid(pid, &st, WCONTINUED), pid);
        EXPECT_TRUE(WIFCONTINUED(st));
        kill(pid, SIGKILL);
        EXPECT_SIGNALED(pid, SIGKILL);
    }
}

TEST(stopped_process_queues_then_dies_on_cont)
{
    pid_t pid = sleeper();
    CHECK(kill(pid, SIGSTOP));
    int st;
    EXPECT_EQ(waitpid(pid, &st, WUNTRACED), pid);
    CHECK(kill(pid, SIGTERM)); /* stays pending while stopped */
    usleep(20000);
    EXPECT_EQ(waitpid(pid, &st, WNOHANG), 0);
    CHECK(kill(pid, SIGCONT));
    EXPECT_SIGNALED(pid, SIGTERM);
}

TEST(sigkill_kills_stopped_process)
{
    pid_t pid = sleeper();
    CHECK(kill(pid, SIGSTOP));
    int st;
    EXPECT_EQ(waitpid(pid, &st, WUNTRACED), pid);
    CHECK(kill(pid, SIGKILL));
    EXPECT_SIGNALED(pid, SIGKILL);
}

TEST(handled_then_exec_resets_to_default)
{
    /* Ignored signals stay ignored across exec; caught ones revert to default. Observed from a
     * sleeping SUBPROG. */
    int ready[2];
    CHECK(pipe(ready));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        signal(SIGUSR1, SIG_IGN);
        close(ready[0]);
        char fd[16];
        snprintf(fd, sizeof(fd), "%d", ready[1]);
        execl(harness_self(), harness_self(), "--sub", "sleep", fd, (char *)NULL);
        _exit(127);
    }
    close(ready[1]);
    char c;
    EXPECT_EQ(read(ready[0], &c, 1), 1); /* the exec is done: the SUBPROG runs */
    close(ready[0]);
    CHECK(kill(pid, SIGUSR1)); /* ignored */
    usleep(20000);             /* time in which a wrong delivery would end it */
    int st;
    EXPECT_EQ(waitpid(pid, &st, WNOHANG), 0);
    CHECK(kill(pid, SIGUSR2)); /* default: terminate */
    EXPECT_SIGNALED(pid, SIGUSR2);
}

/* argv[1], if given: a descriptor to which it writes one byte once it runs. */
SUBPROG(sleep)
{
    if (argc > 1)
        (void)!write(atoi(argv[1]), "r", 1);
    for (;;)
        pause();
    return 0;
}
