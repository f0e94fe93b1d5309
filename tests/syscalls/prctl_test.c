// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for prctl: PR_SET_NAME/PR_GET_NAME with truncation and per-thread names,
 * PR_SET_PDEATHSIG delivery when the parent dies, PR_GET_DUMPABLE, and EINVAL. */
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(set_and_get_name)
{
    char name[17] = {0};
    EXPECT_OK(prctl(PR_SET_NAME, "cvtname"));
    EXPECT_OK(prctl(PR_GET_NAME, name));
    EXPECT_STREQ(name, "cvtname");
    char comm[32];
    read_file("/proc/self/comm", comm, sizeof(comm));
    EXPECT_STREQ(comm, "cvtname\n");
}

TEST(name_truncated_to_15)
{
    char name[32];
    memset(name, 0, sizeof(name));
    EXPECT_OK(prctl(PR_SET_NAME, "0123456789abcdefghij"));
    EXPECT_OK(prctl(PR_GET_NAME, name));
    EXPECT_STREQ(name, "0123456789abcde");
}

static void *thread_name(void *arg)
{
    prctl(PR_SET_NAME, "worker");
    char buf[17] = {0};
    prctl(PR_GET_NAME, buf);
    memcpy(arg, buf, 17);
    return NULL;
}

TEST(name_is_per_thread)
{
    CHECK(prctl(PR_SET_NAME, "mainthr"));
    char tname[17] = {0};
    pthread_t t;
    pthread_create(&t, NULL, thread_name, tname);
    pthread_join(t, NULL);
    EXPECT_STREQ(tname, "worker");
    char name[17] = {0};
    CHECK(prctl(PR_GET_NAME, name));
    EXPECT_STREQ(name, "mainthr");
}

TEST(pdeathsig_roundtrip)
{
    int sig = -1;
    EXPECT_OK(prctl(PR_GET_PDEATHSIG, &sig));
    EXPECT_EQ(sig, 0);
    EXPECT_OK(prctl(PR_SET_PDEATHSIG, SIGUSR1));
    EXPECT_OK(prctl(PR_GET_PDEATHSIG, &sig));
    EXPECT_EQ(sig, SIGUSR1);
    EXPECT_ERRNO(prctl(PR_SET_PDEATHSIG, 99), EINVAL);
    CHECK(prctl(PR_SET_PDEATHSIG, 0));
}

TEST(pdeathsig_delivered_when_parent_exits)
{
    int p[2];
    CHECK(pipe(p));
    pid_t mid = CHECK(fork());
    if (mid == 0) {
        pid_t g = fork();
        if (g == 0) {
            close(p[0]);
            prctl(PR_SET_PDEATHSIG, SIGUSR1);
            signal(SIGUSR1, SIG_DFL);
            (void)!write(p[1], "r", 1);
            for (;;)
                pause(); /* killed by SIGUSR1 when mid exits */
        }
        char c;
        close(p[1]);
        (void)!read(p[0], &c, 1);
        _exit(0);
    }
    close(p[1]);
    EXPECT_EXIT(mid, 0);
    /* The grandchild dies of SIGUSR1; its pipe write end closes, giving EOF. */
    char c;
    ssize_t n;
    while ((n = read(p[0], &c, 1)) > 0)
        ;
    EXPECT_EQ(n, 0);
    close(p[0]);
}

TEST(pdeathsig_cleared_in_fork_child)
{
    CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR1));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int s = -1;
        prctl(PR_GET_PDEATHSIG, &s);
        _exit(s == 0 ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(dumpable_and_bad_option)
{
    EXPECT_EQ(prctl(PR_GET_DUMPABLE), 1);
    EXPECT_ERRNO(prctl(0x7fffffff), EINVAL);
    EXPECT_ERRNO(prctl(PR_SET_DUMPABLE, 5), EINVAL);
}
