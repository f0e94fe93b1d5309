// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for memory across fork: private memory is copy-on-write in both directions,
 * MAP_SHARED anonymous memory is visible across processes, and heap/stack/data are copied. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define PG 4096

static int data_var = 100;

TEST(child_writes_do_not_affect_parent)
{
    char *p = CHECK(mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    memset(p, 'P', 4 * PG);
    char *heap = malloc(100000);
    memset(heap, 'H', 100000);
    int stack_var = 5;
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        memset(p, 'C', 4 * PG);
        memset(heap, 'c', 100000);
        data_var = 200;
        stack_var = 6;
        _exit(p[0] == 'C' && data_var == 200 && stack_var == 6 ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_EQ(p[0], 'P');
    EXPECT_EQ(p[4 * PG - 1], 'P');
    EXPECT_EQ(heap[99999], 'H');
    EXPECT_EQ(data_var, 100);
    EXPECT_EQ(stack_var, 5);
    free(heap);
    munmap(p, 4 * PG);
}

TEST(parent_writes_after_fork_not_seen_by_child)
{
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    p[0] = 'A';
    int go[2];
    CHECK(pipe(go));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char c;
        (void)!read(go[0], &c, 1);
        _exit(p[0] == 'A' ? 0 : 1);
    }
    p[0] = 'B';
    CHECK(write(go[1], "g", 1));
    EXPECT_EXIT(pid, 0);
    close(go[0]);
    close(go[1]);
    munmap(p, PG);
}

TEST(shared_anon_visible_both_ways)
{
    volatile int *p =
        CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    p[0] = 1;
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        p[1] = 42;
        while (p[0] != 2)
            usleep(1000);
        _exit(0);
    }
    while (p[1] != 42)
        usleep(1000);
    p[0] = 2;
    EXPECT_EXIT(pid, 0);
    munmap((void *)p, PG);
}

TEST(untouched_pages_remain_zero_in_both)
{
    char *p = CHECK(mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        p[PG] = 1;
        _exit(p[0] == 0 ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_EQ(p[PG], 0);
    munmap(p, 2 * PG);
}

TEST(grandchild_cow_chain)
{
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    p[0] = 1;
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        p[0] = 2;
        pid_t g = fork();
        if (g == 0) {
            int ok = p[0] == 2;
            p[0] = 3;
            _exit(ok ? 0 : 1);
        }
        int st;
        waitpid(g, &st, 0);
        _exit(WIFEXITED(st) && WEXITSTATUS(st) == 0 && p[0] == 2 ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_EQ(p[0], 1);
    munmap(p, PG);
}

struct blocked_read {
    int fd;
    char *buf;
    ssize_t got;
    pid_t tid; /* the reader's, set before it reads */
};

static void *read_into(void *arg)
{
    struct blocked_read *r = arg;
    __atomic_store_n(&r->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
    r->got = read(r->fd, r->buf, 8);
    return NULL;
}

/* A read that blocks into a copy-on-write page while another thread of the process writes
 * to the same page: the data must land in the page the process sees afterwards. */
TEST(blocked_read_into_cow_page_written_meanwhile)
{
    char *page = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    page[100] = 'x';
    pid_t pid = CHECK(fork()); /* the page is now shared copy-on-write with the child */
    if (pid == 0) {
        pause();
        _exit(0);
    }
    int p[2];
    CHECK(pipe(p));
    struct blocked_read r = {.fd = p[0], .buf = page};
    pthread_t th;
    EXPECT_EQ(pthread_create(&th, NULL, read_into, &r), 0);
    while (!__atomic_load_n(&r.tid, __ATOMIC_SEQ_CST))
        usleep(1000);
    CHECK(harness_wait_thread_sleeping(r.tid)); /* the reader blocks in read */
    page[200] = 'y';                            /* another write to the same page */
    EXPECT_EQ(write(p[1], "payload!", 8), 8);
    pthread_join(th, NULL);
    EXPECT_EQ(r.got, 8);
    EXPECT_TRUE(memcmp(page, "payload!", 8) == 0);
    EXPECT_EQ(page[200], 'y');
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(p[0]);
    close(p[1]);
    munmap(page, PG);
}
