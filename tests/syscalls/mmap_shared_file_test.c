// SPDX-License-Identifier: Apache-2.0
/*
 * Conformance tests for MAP_SHARED mappings of files on a host directory: mappings of one file
 * (in one process and across fork) share their pages, write()/read() through descriptors and
 * the mappings see each other, msync/fsync/munmap/exit put what was written on the host file,
 * SIGBUS past the end of the file (also after ftruncate shrinks it), and EACCES for a
 * writable shared mapping of a read-only descriptor.
 *
 * The files live in "--dir=DIR". In the sandbox DIR is a volume (a gofer mount) and
 * "--host-view=DIR2" is a second volume of the same host directory: its inodes are other ones,
 * with no cached pages, so reading through DIR2 reads the host file as it is. Natively both
 * name the same directory.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define PG 4096

/* The value of the option "--@name=VALUE", or ends the test. */
static const char *option(const char *name)
{
    size_t len = strlen(name);
    for (int i = 1; harness_argv[i]; i++)
        if (strncmp(harness_argv[i], name, len) == 0 && harness_argv[i][len] == '=')
            return harness_argv[i] + len + 1;
    FATAL("missing option %s=DIR", name);
}

/* @name in the test directory (the mapped side). */
static const char *vpath(const char *name)
{
    static char bufs[4][PATH_MAX];
    static int next;
    char *b = bufs[next++ % 4];
    const char *dir = option("--dir");
    mkdir(dir, 0755); /* natively the directory may not exist yet */
    snprintf(b, PATH_MAX, "%s/%s", dir, name);
    return b;
}

/* @name as the host has it (another mount of the same directory in the sandbox). */
static const char *hpath(const char *name)
{
    static char buf[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s/%s", option("--host-view"), name);
    return buf;
}

/* A new file @name of @size bytes, page i filled with 'a' + i; returns an O_RDWR fd. */
static int make_file(const char *name, size_t size)
{
    int fd = CHECK(open(vpath(name), O_RDWR | O_CREAT | O_TRUNC, 0644));
    char buf[PG];
    for (size_t off = 0; off < size; off += PG) {
        memset(buf, 'a' + (int)(off / PG), PG);
        size_t n = size - off < PG ? size - off : PG;
        if (CHECK(write(fd, buf, n)) != (ssize_t)n)
            FATAL("short write");
    }
    return fd;
}

/* The byte at @off of the host file @name, read through a fresh descriptor. */
static int host_byte(const char *name, off_t off)
{
    int fd = CHECK(open(hpath(name), O_RDONLY));
    char c = 0;
    ssize_t n = CHECK(pread(fd, &c, 1, off));
    close(fd);
    return n == 1 ? c : -1;
}

/* Forks a child that reads the byte at @p; returns its pid (it dies of SIGBUS or exits 0). */
static pid_t touch_in_child(volatile char *p)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        (void)*p;
        _exit(0);
    }
    return pid;
}

TEST(two_mappings_share_pages)
{
    int fd = make_file("two", 2 * PG);
    char *a = CHECK(mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    char *b = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG));
    EXPECT_EQ(b[0], 'b');
    a[PG + 10] = 'X';
    EXPECT_EQ(b[10], 'X');
    b[20] = 'Y';
    EXPECT_EQ(a[PG + 20], 'Y');
    munmap(a, 2 * PG);
    munmap(b, PG);
    close(fd);
}

TEST(fork_shares_pages_both_ways)
{
    int fd = make_file("fork", PG);
    volatile char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        p[1] = 'C';
        while (p[2] != 'P')
            usleep(1000);
        _exit(0);
    }
    while (p[1] != 'C')
        usleep(1000);
    p[2] = 'P';
    EXPECT_EXIT(pid, 0);
    /* A mapping made in the child of its own is the same page too. */
    pid = CHECK(fork());
    if (pid == 0) {
        char *q = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (q == MAP_FAILED || q[1] != 'C')
            _exit(1);
        q[3] = 'Q';
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_EQ(p[3], 'Q');
    munmap((void *)p, PG);
    close(fd);
}

TEST(write_through_fd_seen_by_mapping)
{
    int fd = make_file("wfd", 2 * PG);
    char *p = CHECK(mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    EXPECT_EQ(p[PG - 1], 'a'); /* pages are in use before the write */
    int fd2 = CHECK(open(vpath("wfd"), O_RDWR));
    EXPECT_EQ(CHECK(pwrite(fd2, "hello", 5, PG - 2)), 5);
    EXPECT_EQ(memcmp(p + PG - 2, "hello", 5), 0);
    /* A read-only shared mapping of a read-only descriptor follows writes too. */
    int rd = CHECK(open(vpath("wfd"), O_RDONLY));
    char *r = CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, rd, PG));
    EXPECT_EQ(r[0], 'l');
    EXPECT_EQ(CHECK(pwrite(fd2, "Z", 1, PG + 100)), 1);
    EXPECT_EQ(r[100], 'Z');
    munmap(r, PG);
    munmap(p, 2 * PG);
    close(rd);
    close(fd2);
    close(fd);
}

TEST(mapped_writes_seen_by_read)
{
    int fd = make_file("rd", 2 * PG);
    char *p = CHECK(mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    memcpy(p + PG - 3, "mapped", 6);
    int fd2 = CHECK(open(vpath("rd"), O_RDONLY));
    char buf[8] = {0};
    EXPECT_EQ(CHECK(pread(fd2, buf, 6, PG - 3)), 6);
    EXPECT_STREQ(buf, "mapped");
    /* A private mapping made now copies the newest bytes as well. */
    char *q = CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd2, PG));
    EXPECT_EQ(memcmp(q, "ped", 3), 0);
    munmap(q, PG);
    munmap(p, 2 * PG);
    close(fd2);
    close(fd);
}

TEST(msync_puts_data_on_host)
{
    int fd = make_file("msync", 2 * PG);
    char *p = CHECK(mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    p[5] = 'S';
    EXPECT_OK(msync(p, 2 * PG, MS_SYNC));
    EXPECT_EQ(host_byte("msync", 5), 'S');
    p[PG + 6] = 'A';
    EXPECT_OK(msync(p + PG, PG, MS_ASYNC));
    EXPECT_EQ(host_byte("msync", PG + 6), 'A');
    munmap(p, 2 * PG);
    close(fd);
}

TEST(fsync_puts_data_on_host)
{
    int fd = make_file("fsync", PG);
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    p[7] = 'F';
    int fd2 = CHECK(open(vpath("fsync"), O_RDONLY));
    EXPECT_OK(fdatasync(fd2)); /* any descriptor of the file will do */
    EXPECT_EQ(host_byte("fsync", 7), 'F');
    p[8] = 'G';
    EXPECT_OK(fsync(fd));
    EXPECT_EQ(host_byte("fsync", 8), 'G');
    munmap(p, PG);
    close(fd2);
    close(fd);
}

TEST(munmap_then_reopen_sees_data)
{
    int fd = make_file("unmap", 2 * PG);
    char *p = CHECK(mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    CHECK(close(fd));
    memcpy(p + PG + 1, "kept", 4);
    CHECK(munmap(p, 2 * PG));
    fd = CHECK(open(vpath("unmap"), O_RDONLY));
    char buf[5] = {0};
    EXPECT_EQ(CHECK(pread(fd, buf, 4, PG + 1)), 4);
    EXPECT_STREQ(buf, "kept");
    close(fd);
    EXPECT_EQ(host_byte("unmap", PG + 4), 't');
}

TEST(exit_puts_data_on_host)
{
    int fd = make_file("exit", PG);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            _exit(1);
        p[9] = 'E';
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_EQ(host_byte("exit", 9), 'E');
    close(fd);
}

TEST(writes_past_end_do_not_grow_file)
{
    int fd = make_file("tail", 100);
    char *p = CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    EXPECT_EQ(p[200], 0); /* the rest of the last page reads as zeros */
    p[99] = 'L';
    p[300] = 'T'; /* in the page, past the end: not part of the file */
    CHECK(munmap(p, PG));
    struct stat st;
    CHECK(stat(hpath("tail"), &st));
    EXPECT_EQ(st.st_size, 100);
    EXPECT_EQ(host_byte("tail", 99), 'L');
    /* Growing the file shows zeros there, not the byte written past the old end. */
    CHECK(ftruncate(fd, 400));
    p = CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0));
    EXPECT_EQ(p[300], 0);
    munmap(p, PG);
    close(fd);
}

TEST(mapping_past_end_sigbus)
{
    int fd = make_file("past", 100);
    char *p = CHECK(mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    EXPECT_EXIT(touch_in_child(p + 50), 0);
    EXPECT_SIGNALED(touch_in_child(p + PG), SIGBUS);
    EXPECT_SIGNALED(touch_in_child(p + 2 * PG + 5), SIGBUS);
    munmap(p, 3 * PG);
    close(fd);
}

TEST(ftruncate_shrink_then_sigbus)
{
    enum { PAGES = 256 };
    int fd = make_file("shrink", PAGES * PG);
    char *p = CHECK(mmap(NULL, PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    EXPECT_EQ(p[200], 'a');
    CHECK(ftruncate(fd, 100));
    EXPECT_EQ(p[50], 'a');
    EXPECT_EQ(p[200], 0); /* the cut part of the last page is zeroed */
    EXPECT_SIGNALED(touch_in_child(p + (PAGES - 6) * PG), SIGBUS);
    munmap(p, PAGES * PG);
    close(fd);
}

TEST(shared_writable_on_rdonly_fd_eacces)
{
    int fd = make_file("ro", PG);
    close(fd);
    fd = CHECK(open(vpath("ro"), O_RDONLY));
    EXPECT_ERRNO(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
    char *p = CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0));
    EXPECT_ERRNO(mprotect(p, PG, PROT_READ | PROT_WRITE), EACCES);
    munmap(p, PG);
    close(fd);
}
