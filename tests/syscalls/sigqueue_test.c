// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for rt_sigqueueinfo and rt_tgsigqueueinfo: si_value and si_code delivery,
 * queueing of real-time signals in order, and EPERM for spoofed si_code to another process. */
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static volatile int n_got;
static volatile int got_value[8];
static volatile int got_code[8];
static volatile int got_sig[8];

static void queue_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (n_got < 8) {
        got_sig[n_got] = sig;
        got_value[n_got] = si->si_value.sival_int;
        got_code[n_got] = si->si_code;
        n_got++;
    }
}

static void install(int sig)
{
    /* Block everything in the handler: otherwise Linux stacks a frame for each pending signal
     * before any handler runs, and the handlers execute in reverse dequeue order. */
    struct sigaction sa = {.sa_sigaction = queue_handler, .sa_flags = SA_SIGINFO};
    sigfillset(&sa.sa_mask);
    CHECK(sigaction(sig, &sa, NULL));
}

static long queue(pid_t pid, int sig, int value, int code)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    si.si_code = code;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_int = value;
    return syscall(SYS_rt_sigqueueinfo, pid, sig, &si);
}

TEST(sigqueue_self_delivers_value)
{
    install(SIGUSR1);
    n_got = 0;
    EXPECT_OK(queue(getpid(), SIGUSR1, 1234, SI_QUEUE));
    EXPECT_EQ(n_got, 1);
    EXPECT_EQ(got_value[0], 1234);
    EXPECT_EQ(got_code[0], SI_QUEUE);
}

TEST(rt_signals_queue_in_order_standard_coalesce)
{
    install(SIGRTMIN);
    install(SIGUSR1);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL));
    n_got = 0;
    for (int i = 0; i < 3; i++)
        CHECK(queue(getpid(), SIGRTMIN, 10 + i, SI_QUEUE));
    CHECK(queue(getpid(), SIGUSR1, 1, SI_QUEUE));
    CHECK(queue(getpid(), SIGUSR1, 2, SI_QUEUE));
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL));
    EXPECT_EQ(n_got, 4); /* three RT instances, one SIGUSR1 */
    /* Standard signals are delivered before real-time ones. */
    EXPECT_EQ(got_sig[0], SIGUSR1);
    EXPECT_EQ(got_value[0], 1);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(got_sig[i + 1], SIGRTMIN);
        EXPECT_EQ(got_value[i + 1], 10 + i);
    }
}

TEST(lower_rt_signal_first)
{
    install(SIGRTMIN + 1);
    install(SIGRTMIN + 3);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 1);
    sigaddset(&set, SIGRTMIN + 3);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL));
    n_got = 0;
    CHECK(queue(getpid(), SIGRTMIN + 3, 3, SI_QUEUE));
    CHECK(queue(getpid(), SIGRTMIN + 1, 1, SI_QUEUE));
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL));
    EXPECT_EQ(n_got, 2);
    EXPECT_EQ(got_sig[0], SIGRTMIN + 1);
    EXPECT_EQ(got_sig[1], SIGRTMIN + 3);
}

TEST(spoofed_code_to_other_process_eperm)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        for (;;)
            pause();
    }
    EXPECT_ERRNO(queue(pid, SIGUSR1, 0, SI_USER), EPERM);
    EXPECT_ERRNO(queue(pid, SIGUSR1, 0, SI_KERNEL), EPERM);
    EXPECT_ERRNO(queue(pid, SIGUSR1, 0, SI_TKILL), EPERM);
    EXPECT_OK(queue(pid, SIGTERM, 0, SI_QUEUE));
    EXPECT_SIGNALED(pid, SIGTERM);
}

TEST(child_receives_value)
{
    int p[2];
    CHECK(pipe(p));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        install(SIGUSR2);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR2);
        sigprocmask(SIG_BLOCK, &set, NULL);
        (void)!write(p[1], "r", 1);
        siginfo_t si;
        if (sigwaitinfo(&set, &si) != SIGUSR2)
            _exit(1);
        _exit(si.si_value.sival_int == 77 && si.si_code == SI_QUEUE && si.si_pid == getppid() ? 0
                                                                                              : 2);
    }
    char c;
    CHECK(read(p[0], &c, 1));
    EXPECT_OK(queue(pid, SIGUSR2, 77, SI_QUEUE));
    EXPECT_EXIT(pid, 0);
    close(p[0]);
    close(p[1]);
}

TEST(tgsigqueueinfo_to_thread)
{
    install(SIGUSR1);
    n_got = 0;
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGUSR1;
    si.si_code = SI_QUEUE;
    si.si_value.sival_int = 55;
    EXPECT_OK(syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), SIGUSR1, &si));
    EXPECT_EQ(n_got, 1);
    EXPECT_EQ(got_value[0], 55);
    EXPECT_ERRNO(syscall(SYS_rt_tgsigqueueinfo, getpid(), 999999999, SIGUSR1, &si), ESRCH);
}

TEST(errors)
{
    EXPECT_ERRNO(queue(999999999, SIGUSR1, 0, SI_QUEUE), ESRCH);
    EXPECT_ERRNO(queue(getpid(), 65, 0, SI_QUEUE), EINVAL);
    EXPECT_ERRNO(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, (void *)1), EFAULT);
}
