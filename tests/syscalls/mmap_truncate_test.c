// SPDX-License-Identifier: Apache-2.0
/*
 * Conformance tests for holes and truncation under live mappings of tmpfs files (/dev/shm)
 * and memfds: fallocate(PUNCH_HOLE|KEEP_SIZE), madvise(MADV_REMOVE) and ftruncate are seen at
 * once through every mapping — zeros in a hole, SIGBUS past the end, zeros again after the
 * file grows back — in the calling process and in another one (blocked, or running app code
 * in a loop). MAP_PRIVATE pages not yet written show the new contents; written ones keep
 * their copy through a hole but not past a truncation.
 */
#include <fcntl.h>
#include <linux/falloc.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"
#include "tests/syscalls/mem_util.h"

#define PG 4096
#define NPAGES 4

/* A tmpfs file (or a memfd when @memfd) of NPAGES pages, page i filled with 'a' + i. */
static int make_file(bool memfd)
{
    int fd;
    if (memfd) {
        fd = CHECK(memfd_create("cvt-trunc", 0));
    } else {
        char path[64];
        snprintf(path, sizeof(path), "/dev/shm/cvt-trunc-%d", (int)getpid());
        fd = CHECK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
        unlink(path);
    }
    char page[PG];
    for (int i = 0; i < NPAGES; i++) {
        memset(page, 'a' + i, PG);
        if (CHECK(write(fd, page, PG)) != PG)
            FATAL("short write");
    }
    return fd;
}

/* Map the whole file and read every page, so that all are mapped before the change. */
static char *map_all(int fd, int type)
{
    char *p = CHECK(mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, type, fd, 0));
    for (int i = 0; i < NPAGES; i++)
        if (p[i * PG] != 'a' + i)
            FATAL("page %d reads %d", i, p[i * PG]);
    return p;
}

static void punch(int fd, off_t off, off_t len)
{
    CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len));
}

static void shared_hole(bool memfd)
{
    int fd = make_file(memfd);
    char *p = map_all(fd, MAP_SHARED);
    punch(fd, PG, PG);
    EXPECT_EQ(p[PG], 0);
    EXPECT_EQ(p[2 * PG - 1], 0);
    EXPECT_EQ(p[0], 'a');
    EXPECT_EQ(p[2 * PG], 'c');
    punch(fd, 100, 100); /* part of a page: zeroed in place */
    EXPECT_EQ(p[99], 'a');
    EXPECT_EQ(p[100], 0);
    EXPECT_EQ(p[199], 0);
    EXPECT_EQ(p[200], 'a');
    /* The page is a hole of the file: what the mapping writes there is the file's again. */
    p[PG + 5] = 'W';
    char c = 0;
    EXPECT_EQ(pread(fd, &c, 1, PG + 5), 1);
    EXPECT_EQ(c, 'W');
    munmap(p, NPAGES * PG);
    close(fd);
}

TEST(shared_hole_tmpfs)
{
    shared_hole(false);
}

TEST(shared_hole_memfd)
{
    shared_hole(true);
}

static void shared_truncate(bool memfd)
{
    catch_sigbus();
    int fd = make_file(memfd);
    char *p = map_all(fd, MAP_SHARED);
    CHECK(ftruncate(fd, PG + 100));
    EXPECT_EQ(probe(p + PG + 50), 'b');
    EXPECT_EQ(probe(p + PG + 100), 0); /* the rest of the last page reads zero */
    EXPECT_EQ(probe(p + 2 * PG), -1);
    EXPECT_EQ(probe(p + 3 * PG + 7), -1);
    EXPECT_EQ(probe(p), 'a');
    CHECK(ftruncate(fd, NPAGES * PG)); /* grows again: zeros, not the old data */
    EXPECT_EQ(probe(p + 2 * PG), 0);
    EXPECT_EQ(probe(p + 3 * PG + 7), 0);
    EXPECT_EQ(probe(p + PG + 200), 0);
    EXPECT_EQ(probe(p + PG + 50), 'b');
    munmap(p, NPAGES * PG);
    close(fd);
}

TEST(shared_truncate_sigbus_then_regrow_tmpfs)
{
    shared_truncate(false);
}

TEST(shared_truncate_sigbus_then_regrow_memfd)
{
    shared_truncate(true);
}

TEST(private_unwritten_sees_hole_written_keeps_copy)
{
    int fd = make_file(false);
    char *p = map_all(fd, MAP_PRIVATE);
    p[2 * PG] = 'X'; /* page 2 is the process's own copy now */
    punch(fd, PG, 2 * PG);
    EXPECT_EQ(p[PG], 0);       /* not written: the file's new contents */
    EXPECT_EQ(p[2 * PG], 'X'); /* written: the copy stays */
    EXPECT_EQ(p[2 * PG + 1], 'c');
    EXPECT_EQ(p[3 * PG], 'd');
    munmap(p, NPAGES * PG);
    close(fd);
}

TEST(private_truncate_sigbus_written_or_not)
{
    catch_sigbus();
    int fd = make_file(true);
    char *p = map_all(fd, MAP_PRIVATE);
    p[2 * PG] = 'X';
    CHECK(ftruncate(fd, PG));
    EXPECT_EQ(probe(p + PG), -1);
    EXPECT_EQ(probe(p + 2 * PG), -1); /* a written private page goes too */
    EXPECT_EQ(probe(p), 'a');
    CHECK(ftruncate(fd, NPAGES * PG));
    EXPECT_EQ(probe(p + 2 * PG), 0);
    munmap(p, NPAGES * PG);
    close(fd);
}

/* A child that mapped the file (inherited, and read) waits on @go; then it checks what it sees
 * and exits 0 if it is the expected: page 1 a hole, page 3 past the end (SIGBUS). */
static pid_t blocked_checker(char *p, int ready_w, int go_r)
{
    pid_t pid = CHECK(fork());
    if (pid != 0)
        return pid;
    catch_sigbus();
    if (probe(p + PG) != 'b' || probe(p + 3 * PG) != 'd')
        _exit(2);
    char c;
    if (write(ready_w, "r", 1) != 1 || read(go_r, &c, 1) != 1)
        _exit(3);
    if (probe(p + PG) != 0)
        _exit(4);
    if (probe(p + 3 * PG) != -1)
        _exit(5);
    _exit(probe(p) == 'a' ? 0 : 6);
}

static void other_process_blocked(int type)
{
    int fd = make_file(false);
    char *p = map_all(fd, type);
    int ready[2], go[2];
    CHECK(pipe(ready));
    CHECK(pipe(go));
    pid_t pid = blocked_checker(p, ready[1], go[0]);
    char c;
    CHECK(read(ready[0], &c, 1));
    punch(fd, PG, PG);
    CHECK(ftruncate(fd, 3 * PG));
    CHECK(write(go[1], "g", 1));
    EXPECT_EXIT(pid, 0);
    munmap(p, NPAGES * PG);
    close(fd);
}

TEST(shared_other_process_blocked)
{
    other_process_blocked(MAP_SHARED);
}

TEST(private_unwritten_other_process_blocked)
{
    other_process_blocked(MAP_PRIVATE);
}

/* Flags shared with a child that runs app code in a loop. */
struct spin {
    volatile int running; /* the child is in its loop */
    volatile int changed; /* the parent's change has returned */
};

static struct spin *spin_page(void)
{
    return CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
}

TEST(shared_other_process_running_sees_hole_at_once)
{
    int fd = make_file(false);
    char *p = map_all(fd, MAP_SHARED);
    struct spin *s = spin_page();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        volatile char *v = p + PG;
        s->running = 1;
        for (;;) {
            char c = *v;
            if (c != 'b' && c != 0)
                _exit(2);
            if (s->changed)
                _exit(*v == 0 ? 0 : 1); /* read after the punch returned: must be the hole */
        }
    }
    while (!s->running)
        sched_yield();
    punch(fd, PG, PG);
    s->changed = 1;
    EXPECT_EXIT(pid, 0);
    munmap(p, NPAGES * PG);
    close(fd);
}

TEST(shared_other_process_running_sigbus_at_once)
{
    int fd = make_file(true);
    char *p = map_all(fd, MAP_SHARED);
    struct spin *s = spin_page();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        catch_sigbus();
        volatile char *v = p + 3 * PG;
        if (sigsetjmp(g_bus_jmp, 1))
            _exit(0); /* SIGBUS: before or right after the parent's ftruncate returned */
        s->running = 1;
        for (;;) {
            (void)*v;
            if (s->changed) {
                (void)*v; /* after ftruncate returned: must raise SIGBUS */
                _exit(1);
            }
        }
    }
    while (!s->running)
        sched_yield();
    CHECK(ftruncate(fd, PG));
    s->changed = 1;
    EXPECT_EXIT(pid, 0);
    munmap(p, NPAGES * PG);
    close(fd);
}

TEST(madvise_remove_punches_the_file)
{
    int fd = make_file(false);
    char *p = map_all(fd, MAP_SHARED);
    char *q = map_all(fd, MAP_SHARED); /* a second mapping of the same pages */
    EXPECT_OK(madvise(p + PG, PG, MADV_REMOVE));
    EXPECT_EQ(p[PG], 0);
    EXPECT_EQ(q[PG], 0);
    EXPECT_EQ(q[2 * PG], 'c');
    char c = 1;
    EXPECT_EQ(pread(fd, &c, 1, PG + 10), 1);
    EXPECT_EQ(c, 0);
    munmap(p, NPAGES * PG);
    munmap(q, NPAGES * PG);
    close(fd);
}

TEST(madvise_remove_errors)
{
    int fd = make_file(false);
    char *priv = map_all(fd, MAP_PRIVATE);
    EXPECT_ERRNO(madvise(priv, PG, MADV_REMOVE), EACCES);
    /* Shared, but of a descriptor without write access: the mapping may never write. */
    char self[64];
    snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
    int rofd = CHECK(open(self, O_RDONLY));
    char *ro = CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, rofd, 0));
    EXPECT_ERRNO(madvise(ro, PG, MADV_REMOVE), EACCES);
    /* Read-only now, but of a writable descriptor: allowed. */
    char *rw = CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0));
    EXPECT_OK(madvise(rw, PG, MADV_REMOVE));
    EXPECT_EQ(rw[0], 0);
    munmap(rw, PG);
    close(rofd);
    char *anon = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_ERRNO(madvise(anon, PG, MADV_REMOVE), EINVAL);
    munmap(priv, NPAGES * PG);
    munmap(ro, PG);
    munmap(anon, PG);
    close(fd);
}

TEST(madvise_remove_shared_anonymous_across_fork)
{
    char *p = CHECK(mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    memset(p, 's', 2 * PG);
    int ready[2], go[2];
    CHECK(pipe(ready));
    CHECK(pipe(go));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char c;
        if (p[0] != 's' || write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(2);
        _exit(p[0] == 0 && p[PG] == 's' ? 0 : 1);
    }
    char c;
    CHECK(read(ready[0], &c, 1));
    EXPECT_OK(madvise(p, PG, MADV_REMOVE));
    EXPECT_EQ(p[0], 0);
    CHECK(write(go[1], "g", 1));
    EXPECT_EXIT(pid, 0);
    munmap(p, 2 * PG);
}
