// SPDX-License-Identifier: Apache-2.0
/*
 * Conformance tests for memory under I/O and truncation with files on a host directory (a
 * volume in the sandbox): a pipe read blocked into a mapping of such a file while another
 * thread forks and the parent breaks copy-on-write, a blocked write from one, and ftruncate
 * of a mapped file seen at once by every mapping (SIGBUS past the new end, in this process,
 * in a blocked one and in one running app code; zeros when the file grows back).
 *
 * The files live in "--dir=DIR" (a volume in the sandbox, a host directory natively).
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"
#include "tests/syscalls/mem_util.h"

#define PG 4096
#define NPAGES 4

/* The value of the option "--@name=VALUE", or ends the test. */
static const char *option(const char *name)
{
    size_t len = strlen(name);
    for (int i = 1; harness_argv[i]; i++)
        if (strncmp(harness_argv[i], name, len) == 0 && harness_argv[i][len] == '=')
            return harness_argv[i] + len + 1;
    FATAL("missing option %s=DIR", name);
}

/* A new file @name of NPAGES pages in the test directory, page i filled with 'a' + i. */
static int make_file(const char *name)
{
    const char *dir = option("--dir");
    mkdir(dir, 0755); /* natively the directory may not exist yet */
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = CHECK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
    char page[PG];
    for (int i = 0; i < NPAGES; i++) {
        memset(page, 'a' + i, PG);
        if (CHECK(write(fd, page, PG)) != PG)
            FATAL("short write");
    }
    return fd;
}

static char *map_all(int fd, int type)
{
    char *p = CHECK(mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, type, fd, 0));
    for (int i = 0; i < NPAGES; i++)
        if (p[i * PG] != 'a' + i)
            FATAL("page %d reads %d", i, p[i * PG]);
    return p;
}

/* ---- a pipe read blocked into a file mapping, fork in another thread ----------------------- */

struct blocked_read {
    char *buf;
    int wr;
    pid_t reader;
    pid_t child;
};

static void *fork_and_send(void *arg)
{
    struct blocked_read *b = arg;
    if (harness_wait_thread_sleeping(b->reader) < 0)
        FATAL("the reader never blocked");
    int go[2];
    CHECK(pipe(go));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char c;
        if (read(go[0], &c, 1) != 1 || write(b->wr, "OK", 2) != 2)
            _exit(3);
        _exit(0);
    }
    b->buf[100] = 'x'; /* the parent's write to the page while the read waits */
    CHECK(write(go[1], "g", 1));
    b->child = pid;
    return NULL;
}

static void read_fork_in_thread(int type)
{
    int fd = make_file(type == MAP_SHARED ? "rd-shared" : "rd-private");
    char *p = map_all(fd, type);
    int pp[2];
    CHECK(pipe(pp));
    struct blocked_read b = {.buf = p + PG, .wr = pp[1], .reader = (pid_t)syscall(SYS_gettid)};
    pthread_t th;
    if (pthread_create(&th, NULL, fork_and_send, &b) != 0)
        FATAL("pthread_create");
    EXPECT_EQ(read(pp[0], b.buf, 2), 2);
    pthread_join(th, NULL);
    EXPECT_EXIT(b.child, 0);
    EXPECT_TRUE(memcmp(b.buf, "OK", 2) == 0);
    EXPECT_EQ(b.buf[100], 'x');
    EXPECT_EQ(b.buf[2], 'b');
    char file[3] = {0};
    CHECK(pread(fd, file, 2, PG));
    /* A shared mapping writes the file; a private one does not. */
    EXPECT_TRUE(memcmp(file, type == MAP_SHARED ? "OK" : "bb", 2) == 0);
    munmap(p, NPAGES * PG);
    close(fd);
}

TEST(read_fork_in_thread_private_file_buffer)
{
    read_fork_in_thread(MAP_PRIVATE);
}

TEST(read_fork_in_thread_shared_file_buffer)
{
    read_fork_in_thread(MAP_SHARED);
}

/* A write from a private file mapping blocked on a full pipe; the parent forks and rewrites
 * the page: the data sent is what the writer's page holds when it moves. */
struct blocked_write {
    char *buf;
    int wr;
    volatile pid_t tid;
    ssize_t result;
};

static void *write_page(void *arg)
{
    struct blocked_write *w = arg;
    w->tid = (pid_t)syscall(SYS_gettid);
    w->result = write(w->wr, w->buf, PG);
    return NULL;
}

TEST(write_fork_cow_break_private_file_buffer)
{
    int fd = make_file("wr-private");
    char *p = map_all(fd, MAP_PRIVATE);
    int pp[2];
    CHECK(pipe(pp));
    CHECK(fcntl(pp[1], F_SETFL, O_NONBLOCK));
    char fill[PG];
    memset(fill, '.', PG);
    size_t filled = 0;
    for (ssize_t n; (n = write(pp[1], fill, PG)) > 0;)
        filled += (size_t)n;
    CHECK(fcntl(pp[1], F_SETFL, 0));
    struct blocked_write w = {.buf = p + 2 * PG, .wr = pp[1]};
    pthread_t th;
    if (pthread_create(&th, NULL, write_page, &w) != 0)
        FATAL("pthread_create");
    while (w.tid == 0)
        sched_yield();
    if (harness_wait_thread_sleeping(w.tid) < 0)
        FATAL("the writer never blocked");
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(0);
    memset(w.buf, 'B', PG);
    EXPECT_EXIT(pid, 0);
    char out[PG];
    while (filled > 0)
        filled -= (size_t)CHECK(read(pp[0], out, filled < PG ? filled : PG));
    for (size_t got = 0; got < PG;)
        got += (size_t)CHECK(read(pp[0], out + got, PG - got));
    pthread_join(th, NULL);
    EXPECT_EQ(w.result, PG);
    EXPECT_TRUE(all_bytes(out, PG, 'B'));
    munmap(p, NPAGES * PG);
    close(fd);
}

/* ---- truncation under mappings -------------------------------------------------------------- */

TEST(truncate_shared_same_process)
{
    catch_sigbus();
    int fd = make_file("tr-shared");
    char *p = map_all(fd, MAP_SHARED);
    CHECK(ftruncate(fd, PG + 100));
    EXPECT_EQ(probe(p + PG + 50), 'b');
    EXPECT_EQ(probe(p + PG + 100), 0);
    EXPECT_EQ(probe(p + 2 * PG), -1);
    EXPECT_EQ(probe(p + 3 * PG), -1);
    CHECK(ftruncate(fd, NPAGES * PG));
    EXPECT_EQ(probe(p + 2 * PG), 0);
    EXPECT_EQ(probe(p + 3 * PG + 9), 0);
    EXPECT_EQ(probe(p), 'a');
    munmap(p, NPAGES * PG);
    close(fd);
}

TEST(truncate_private_written_or_not)
{
    catch_sigbus();
    int fd = make_file("tr-private");
    char *p = map_all(fd, MAP_PRIVATE);
    p[3 * PG] = 'X';
    CHECK(ftruncate(fd, PG + 100));
    EXPECT_EQ(probe(p + PG + 50), 'b');
    EXPECT_EQ(probe(p + PG + 100), 0); /* not written: the file's zeroed tail */
    EXPECT_EQ(probe(p + 2 * PG), -1);
    EXPECT_EQ(probe(p + 3 * PG), -1); /* written, but past the end */
    CHECK(ftruncate(fd, NPAGES * PG));
    EXPECT_EQ(probe(p + 3 * PG), 0);
    munmap(p, NPAGES * PG);
    close(fd);
}

TEST(truncate_shared_other_process_blocked)
{
    int fd = make_file("tr-blocked");
    char *p = map_all(fd, MAP_SHARED);
    int ready[2], go[2];
    CHECK(pipe(ready));
    CHECK(pipe(go));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        catch_sigbus();
        char c;
        if (probe(p + 3 * PG) != 'd' || write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(2);
        if (probe(p + 3 * PG) != -1)
            _exit(1);
        _exit(probe(p + PG) == 'b' ? 0 : 3);
    }
    char c;
    CHECK(read(ready[0], &c, 1));
    CHECK(ftruncate(fd, 2 * PG));
    CHECK(write(go[1], "g", 1));
    EXPECT_EXIT(pid, 0);
    munmap(p, NPAGES * PG);
    close(fd);
}

TEST(truncate_shared_other_process_running)
{
    int fd = make_file("tr-running");
    char *p = map_all(fd, MAP_SHARED);
    volatile int *flags =
        CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        catch_sigbus();
        volatile char *v = p + 3 * PG;
        if (sigsetjmp(g_bus_jmp, 1))
            _exit(0);
        flags[0] = 1;
        for (;;) {
            (void)*v;
            if (flags[1]) {
                (void)*v; /* after ftruncate returned: must raise SIGBUS */
                _exit(1);
            }
        }
    }
    while (!flags[0])
        sched_yield();
    CHECK(ftruncate(fd, PG));
    flags[1] = 1;
    EXPECT_EXIT(pid, 0);
    munmap(p, NPAGES * PG);
    close(fd);
}
