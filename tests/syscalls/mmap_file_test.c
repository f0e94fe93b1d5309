// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for file-backed mmap of a file in /tmp: contents, offsets, MAP_PRIVATE copy
 * semantics, MAP_SHARED write-through, SIGBUS past EOF, and EACCES for mismatched open modes. */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define PG 4096

static int make_file(size_t size)
{
    int fd = CHECK(open(tpath("f"), O_RDWR | O_CREAT | O_TRUNC, 0644));
    char buf[PG];
    for (size_t off = 0; off < size; off += PG) {
        memset(buf, 'a' + (int)(off / PG), PG);
        size_t n = size - off < PG ? size - off : PG;
        if (CHECK(write(fd, buf, n)) != (ssize_t)n)
            FATAL("short write");
    }
    return fd;
}

TEST(private_mapping_reads_file)
{
    int fd = make_file(3 * PG);
    char *p = CHECK(mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE, fd, 0));
    EXPECT_EQ(p[0], 'a');
    EXPECT_EQ(p[PG], 'b');
    EXPECT_EQ(p[3 * PG - 1], 'c');
    munmap(p, 3 * PG);
    p = CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 2 * PG));
    EXPECT_EQ(p[0], 'c');
    munmap(p, PG);
    close(fd);
}

TEST(private_writes_not_in_file)
{
    int fd = make_file(PG);
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
    p[0] = 'Z';
    char c;
    EXPECT_EQ(pread(fd, &c, 1, 0), 1);
    EXPECT_EQ(c, 'a');
    munmap(p, PG);
    close(fd);
}

TEST(shared_writes_reach_file)
{
    int fd = make_file(PG);
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    p[5] = 'Q';
    char c;
    EXPECT_EQ(pread(fd, &c, 1, 5), 1);
    EXPECT_EQ(c, 'Q');
    EXPECT_EQ(pwrite(fd, "W", 1, 6), 1); /* and file writes reach the mapping */
    EXPECT_EQ(p[6], 'W');
    munmap(p, PG);
    close(fd);
}

TEST(partial_last_page_zero_filled)
{
    int fd = make_file(100);
    char *p = CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0));
    EXPECT_EQ(p[99], 'a');
    EXPECT_EQ(p[100], 0);
    EXPECT_EQ(p[PG - 1], 0);
    munmap(p, PG);
    close(fd);
}

TEST(beyond_eof_sigbus)
{
    int fd = make_file(PG);
    char *p = CHECK(mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE, fd, 0));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        (void)*(volatile char *)(p + 2 * PG);
        _exit(0);
    }
    EXPECT_SIGNALED(pid, SIGBUS);
    munmap(p, 3 * PG);
    close(fd);
}

TEST(access_mode_errors)
{
    int fd = make_file(PG);
    close(fd);
    int ro = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_ERRNO(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
    void *p = EXPECT_OK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0));
    munmap(p, PG);
    p = CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0));
    EXPECT_ERRNO(mprotect(p, PG, PROT_READ | PROT_WRITE), EACCES);
    munmap(p, PG);
    int wo = CHECK(open(tpath("f"), O_WRONLY));
    EXPECT_ERRNO(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, wo, 0), EACCES);
    close(wo);
    close(ro);
    int d = CHECK(open(harness_tmp, O_RDONLY | O_DIRECTORY));
    EXPECT_ERRNO(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, d, 0), ENODEV);
    close(d);
    int p2[2];
    CHECK(pipe(p2));
    EXPECT_ERRNO(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, p2[0], 0), ENODEV);
    close(p2[0]);
    close(p2[1]);
}

TEST(mapping_survives_close_and_unlink)
{
    int fd = make_file(PG);
    char *p = CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0));
    close(fd);
    CHECK(unlink(tpath("f")));
    EXPECT_EQ(p[0], 'a');
    munmap(p, PG);
}

TEST(shared_file_mapping_across_fork)
{
    int fd = make_file(PG);
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        p[0] = 'C';
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_EQ(p[0], 'C');
    munmap(p, PG);
    close(fd);
}
