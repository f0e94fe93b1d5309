// SPDX-License-Identifier: Apache-2.0
/*
 * Conformance tests for memory under I/O: a read or write blocked on a pipe while another
 * thread changes the address space under its buffer. Linux copies a pipe's data through the
 * page tables at the moment the data moves, so the data of a read that completes is in the
 * reader's memory as it is then: after a fork by another thread and a copy-on-write break in
 * the parent (CPython's test_forkinthread; also with vfork, and with the reader a vfork child
 * sharing its parent's memory), after MADV_DONTNEED (a fresh page), after a new
 * mapping at the same address; a buffer unmapped or made read-only meanwhile gives EFAULT and
 * leaves the data in the pipe. A blocked write sends what the writer's page holds when the
 * data moves. Events are ordered by waiting for the blocked thread's /proc state, never by
 * sleeping.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"
#include "tests/syscalls/mem_util.h"

#define PG 4096

static pid_t my_tid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

/* A fresh private anonymous page, present and zero. */
static char *anon_page(void)
{
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    memset(p, 0, PG);
    return p;
}

/* What a helper thread does to the address space while the main thread is blocked. */
enum action {
    ACT_FORK,        /* fork; the parent writes a byte of the page, then the child sends */
    ACT_VFORK,       /* vfork + exec of a sender; then the parent writes a byte */
    ACT_DONTNEED,    /* madvise(MADV_DONTNEED) of the buffer */
    ACT_MUNMAP,      /* munmap of the buffer, then the first touch of another page */
    ACT_REMAP,       /* munmap and a new page at the same address */
    ACT_MPROTECT,    /* mprotect(PROT_READ) of the buffer */
    ACT_MREMAP,      /* mremap of the buffer to another address */
    ACT_MADV_REMOVE, /* madvise(MADV_REMOVE) of a shared tmpfs buffer */
};

struct blocked_read {
    enum action act;
    char *buf;
    int rd, wr;
    pid_t reader;
    char *other; /* ACT_MUNMAP: the new page; ACT_MREMAP: where the buffer went */
    pid_t child; /* ACT_FORK/ACT_VFORK: the sender */
    int done_w;  /* ACT_FORK: tells the child the parent's read has returned */
};

/* The sender after vfork: waits for a byte on fd @argv[1], then writes "OK" to fd @argv[2]. */
SUBPROG(send_ok)
{
    if (argc < 3)
        return 2;
    char c;
    if (read(atoi(argv[1]), &c, 1) != 1)
        return 3;
    return write(atoi(argv[2]), "OK", 2) == 2 ? 0 : 4;
}

/* Fork in this (non-main) thread while the main thread is blocked in read(); the parent
 * breaks copy-on-write on the buffer's page before the child sends "OK". The child checks that
 * its copy of the page never receives the parent's data. */
static void fork_and_send(struct blocked_read *b)
{
    int go[2], done[2];
    CHECK(pipe(go));
    CHECK(pipe(done));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char c;
        if (read(go[0], &c, 1) != 1 || write(b->wr, "OK", 2) != 2)
            _exit(3);
        if (read(done[0], &c, 1) != 1)
            _exit(4);
        /* The child's page is what the parent's held at the fork: zeros. */
        _exit(b->buf[0] == 0 && b->buf[1] == 0 && b->buf[100] == 0 ? 0 : 2);
    }
    b->buf[100] = 'x'; /* the parent's write: a copy-on-write break */
    CHECK(write(go[1], "g", 1));
    close(go[0]);
    close(go[1]);
    close(done[0]);
    b->child = pid;
    b->done_w = done[1];
}

static void vfork_and_send(struct blocked_read *b)
{
    int go[2];
    CHECK(pipe(go));
    char go_s[16], wr_s[16];
    snprintf(go_s, sizeof(go_s), "%d", go[0]);
    snprintf(wr_s, sizeof(wr_s), "%d", b->wr);
    pid_t pid = vfork();
    if (pid == 0) {
        execl(harness_self(), harness_self(), "--sub", "send_ok", go_s, wr_s, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        FATAL("vfork: %s", harness_errname(errno));
    b->buf[100] = 'x';
    CHECK(write(go[1], "g", 1));
    close(go[0]);
    close(go[1]);
    b->child = pid;
}

static void *change_while_blocked(void *arg)
{
    struct blocked_read *b = arg;
    if (harness_wait_thread_sleeping(b->reader) < 0)
        FATAL("the reader never blocked");
    switch (b->act) {
    case ACT_FORK:
        fork_and_send(b);
        return NULL;
    case ACT_VFORK:
        vfork_and_send(b);
        return NULL;
    case ACT_DONTNEED:
        CHECK(madvise(b->buf, PG, MADV_DONTNEED));
        break;
    case ACT_MUNMAP:
        CHECK(munmap(b->buf, PG));
        memset(b->other, 'Z', PG); /* its first touch: it may get the buffer's old frame */
        break;
    case ACT_REMAP: {
        CHECK(munmap(b->buf, PG));
        char *p = CHECK(mmap(b->buf, PG, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
        memset(p, 'Z', PG);
        break;
    }
    case ACT_MPROTECT:
        CHECK(mprotect(b->buf, PG, PROT_READ));
        break;
    case ACT_MREMAP:
        b->other = CHECK(mremap(b->buf, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, b->other));
        break;
    case ACT_MADV_REMOVE:
        CHECK(madvise(b->buf, PG, MADV_REMOVE));
        break;
    }
    CHECK(write(b->wr, "OK", 2));
    return NULL;
}

/* Block the main thread in read(@b->rd, @b->buf, 2) while a thread does @b->act. Returns
 * what read returned (-errno on failure). */
static ssize_t read_while(struct blocked_read *b)
{
    int p[2];
    CHECK(pipe(p));
    b->rd = p[0];
    b->wr = p[1];
    b->reader = my_tid();
    pthread_t th;
    if (pthread_create(&th, NULL, change_while_blocked, b) != 0)
        FATAL("pthread_create");
    ssize_t n = read(b->rd, b->buf, 2);
    if (n < 0)
        n = -errno;
    pthread_join(th, NULL);
    return n;
}

/* The bytes still in the pipe after a failed read (without blocking). */
static ssize_t left_in_pipe(struct blocked_read *b, char *out, size_t size)
{
    CHECK(fcntl(b->rd, F_SETFL, O_NONBLOCK));
    ssize_t n = read(b->rd, out, size);
    return n < 0 ? -errno : n;
}

TEST(read_fork_in_thread_cow_break)
{
    struct blocked_read b = {.act = ACT_FORK, .buf = anon_page()};
    EXPECT_EQ(read_while(&b), 2);
    EXPECT_TRUE(memcmp(b.buf, "OK", 2) == 0);
    EXPECT_EQ(b.buf[100], 'x');
    CHECK(write(b.done_w, "d", 1));
    EXPECT_EXIT(b.child, 0);
}

/* The same with the data already in the heap page that malloc hands out (CPython's case:
 * the bytes object being read into sits beside other objects the parent writes). */
TEST(read_fork_in_thread_heap_buffer)
{
    char *heap = malloc(2 * PG);
    uintptr_t page = ((uintptr_t)heap + PG - 1) & ~(uintptr_t)(PG - 1);
    struct blocked_read b = {.act = ACT_FORK, .buf = (char *)page};
    memset(b.buf, 0, PG);
    EXPECT_EQ(read_while(&b), 2);
    EXPECT_TRUE(memcmp(b.buf, "OK", 2) == 0);
    CHECK(write(b.done_w, "d", 1));
    EXPECT_EXIT(b.child, 0);
    free(heap);
}

TEST(read_vfork_in_thread)
{
    struct blocked_read b = {.act = ACT_VFORK, .buf = anon_page()};
    EXPECT_EQ(read_while(&b), 2);
    EXPECT_TRUE(memcmp(b.buf, "OK", 2) == 0);
    EXPECT_EQ(b.buf[100], 'x');
    EXPECT_EXIT(b.child, 0);
}

/* The reader is a vfork child, blocked in read() on memory it shares with its parent, while
 * another thread of the parent forks and breaks copy-on-write on the page. */
struct vfork_read {
    char *buf;
    int wr;
    _Atomic pid_t reader;
    pid_t grandchild;
};

static void *fork_while_vfork_child_reads(void *arg)
{
    struct vfork_read *v = arg;
    while (v->reader == 0)
        sched_yield();
    if (harness_wait_process_sleeping(v->reader) < 0)
        FATAL("the vfork child never blocked");
    int go[2];
    CHECK(pipe(go));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char c;
        if (read(go[0], &c, 1) != 1 || write(v->wr, "OK", 2) != 2)
            _exit(3);
        _exit(0);
    }
    v->buf[100] = 'x';
    CHECK(write(go[1], "g", 1));
    v->grandchild = pid;
    return NULL;
}

TEST(read_in_vfork_child_fork_in_thread)
{
    struct vfork_read v = {.buf = anon_page()};
    int p[2];
    CHECK(pipe(p));
    v.wr = p[1];
    pthread_t th;
    if (pthread_create(&th, NULL, fork_while_vfork_child_reads, &v) != 0)
        FATAL("pthread_create");
    pid_t pid = vfork();
    if (pid == 0) {
        v.reader = (pid_t)syscall(SYS_getpid);
        ssize_t n = read(p[0], v.buf, 2);
        _exit(n == 2 && v.buf[0] == 'O' && v.buf[1] == 'K' ? 0 : 1);
    }
    if (pid < 0)
        FATAL("vfork: %s", harness_errname(errno));
    pthread_join(th, NULL);
    EXPECT_EXIT(pid, 0);
    EXPECT_TRUE(memcmp(v.buf, "OK", 2) == 0);
    EXPECT_EQ(v.buf[100], 'x');
    EXPECT_EXIT(v.grandchild, 0);
}

TEST(read_then_dontneed_fills_new_page)
{
    struct blocked_read b = {.act = ACT_DONTNEED, .buf = anon_page()};
    b.buf[100] = 'm';
    EXPECT_EQ(read_while(&b), 2);
    EXPECT_TRUE(memcmp(b.buf, "OK", 2) == 0);
    EXPECT_EQ(b.buf[100], 0); /* the page is a new zero page */
}

TEST(read_then_munmap_efault_data_stays)
{
    /* Placed before the buffer goes, so that it is not placed at the buffer's address. */
    char *other = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    struct blocked_read b = {.act = ACT_MUNMAP, .buf = anon_page(), .other = other};
    EXPECT_EQ(read_while(&b), -EFAULT);
    char got[4] = {0};
    EXPECT_EQ(left_in_pipe(&b, got, sizeof(got)), 2);
    EXPECT_TRUE(memcmp(got, "OK", 2) == 0);
    /* Nothing went into memory someone else owns now. */
    EXPECT_TRUE(all_bytes(b.other, PG, 'Z'));
}

TEST(read_then_new_mapping_at_same_address)
{
    struct blocked_read b = {.act = ACT_REMAP, .buf = anon_page()};
    EXPECT_EQ(read_while(&b), 2);
    EXPECT_TRUE(memcmp(b.buf, "OK", 2) == 0);
    EXPECT_TRUE(all_bytes(b.buf + 2, PG - 2, 'Z'));
}

TEST(read_then_mprotect_readonly_efault)
{
    struct blocked_read b = {.act = ACT_MPROTECT, .buf = anon_page()};
    EXPECT_EQ(read_while(&b), -EFAULT);
    char got[4] = {0};
    EXPECT_EQ(left_in_pipe(&b, got, sizeof(got)), 2);
    EXPECT_TRUE(memcmp(got, "OK", 2) == 0);
    EXPECT_TRUE(all_bytes(b.buf, PG, 0));
}

TEST(read_then_mremap_away_efault)
{
    char *area = CHECK(mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK(munmap(area + PG, 3 * PG));
    struct blocked_read b = {.act = ACT_MREMAP, .buf = anon_page(), .other = area + 2 * PG};
    b.buf[100] = 'm';
    EXPECT_EQ(read_while(&b), -EFAULT);
    char got[4] = {0};
    EXPECT_EQ(left_in_pipe(&b, got, sizeof(got)), 2);
    /* The page moved with its contents and got none of the data. */
    EXPECT_EQ(b.other[0], 0);
    EXPECT_EQ(b.other[100], 'm');
}

TEST(read_then_madv_remove_shared_file)
{
    const char *path = "/dev/shm/cvt-mem-io-remove";
    int fd = CHECK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    unlink(path);
    CHECK(ftruncate(fd, PG));
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    memset(p, 'q', PG);
    struct blocked_read b = {.act = ACT_MADV_REMOVE, .buf = p};
    EXPECT_EQ(read_while(&b), 2);
    /* The hole reads as zeros; the data went into the file's new page. */
    EXPECT_TRUE(memcmp(p, "OK", 2) == 0);
    EXPECT_TRUE(all_bytes(p + 2, PG - 2, 0));
    char file[4] = {0};
    EXPECT_EQ(pread(fd, file, 3, 0), 3);
    EXPECT_TRUE(memcmp(file, "OK\0", 3) == 0);
    munmap(p, PG);
    close(fd);
}

/* ---- a blocked write -------------------------------------------------------------------- */

/* Fill the pipe @wr until a non-blocking write of a page fails; returns the bytes written. */
static size_t fill_pipe(int wr)
{
    char page[PG];
    memset(page, '.', PG);
    CHECK(fcntl(wr, F_SETFL, O_NONBLOCK));
    size_t total = 0;
    for (;;) {
        ssize_t n = write(wr, page, PG);
        if (n < 0) {
            if (errno != EAGAIN)
                FATAL("fill: %s", harness_errname(errno));
            break;
        }
        total += (size_t)n;
    }
    CHECK(fcntl(wr, F_SETFL, 0));
    return total;
}

struct blocked_write {
    char *buf;
    int wr;
    _Atomic pid_t tid;
    ssize_t result;
};

static void *write_page(void *arg)
{
    struct blocked_write *w = arg;
    w->tid = my_tid();
    w->result = write(w->wr, w->buf, PG);
    return NULL;
}

/* Start a thread whose write of @buf blocks on the full pipe @p; returns when it sleeps. */
static void start_blocked_write(struct blocked_write *w, pthread_t *th)
{
    if (pthread_create(th, NULL, write_page, w) != 0)
        FATAL("pthread_create");
    while (w->tid == 0)
        sched_yield();
    if (harness_wait_thread_sleeping(w->tid) < 0)
        FATAL("the writer never blocked");
}

/* Drain @filled bytes, then read the writer's page into @out. */
static void drain_then_read(int rd, size_t filled, char *out)
{
    char tmp[PG];
    while (filled > 0) {
        ssize_t n = CHECK(read(rd, tmp, filled < PG ? filled : PG));
        filled -= (size_t)n;
    }
    for (size_t got = 0; got < PG;)
        got += (size_t)CHECK(read(rd, out + got, PG - got));
}

TEST(write_fork_cow_break_sends_parent_page)
{
    int p[2];
    CHECK(pipe(p));
    size_t filled = fill_pipe(p[1]);
    struct blocked_write w = {.buf = anon_page(), .wr = p[1]};
    memset(w.buf, 'A', PG);
    pthread_t th;
    start_blocked_write(&w, &th);
    int go[2], ack[2];
    CHECK(pipe(go));
    CHECK(pipe(ack));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(3);
        memset(w.buf, 'C', PG); /* the child's own copy */
        _exit(write(ack[1], "a", 1) == 1 ? 0 : 4);
    }
    memset(w.buf, 'B', PG); /* the parent's copy-on-write break, while the write waits */
    CHECK(write(go[1], "g", 1));
    char c;
    CHECK(read(ack[0], &c, 1));
    EXPECT_EXIT(pid, 0);
    char out[PG];
    drain_then_read(p[0], filled, out);
    pthread_join(th, NULL);
    EXPECT_EQ(w.result, PG);
    EXPECT_TRUE(all_bytes(out, PG, 'B'));
}

TEST(write_then_dontneed_sends_zeros)
{
    int p[2];
    CHECK(pipe(p));
    size_t filled = fill_pipe(p[1]);
    struct blocked_write w = {.buf = anon_page(), .wr = p[1]};
    memset(w.buf, 'A', PG);
    pthread_t th;
    start_blocked_write(&w, &th);
    CHECK(madvise(w.buf, PG, MADV_DONTNEED));
    char out[PG];
    drain_then_read(p[0], filled, out);
    pthread_join(th, NULL);
    EXPECT_EQ(w.result, PG);
    EXPECT_TRUE(all_bytes(out, PG, 0));
}
