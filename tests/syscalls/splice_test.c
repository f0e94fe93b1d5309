// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for splice, tee and vmsplice: file to pipe and pipe to file with and
 * without offsets (the offset is updated, the file position not), pipe to pipe, sockets on
 * either side, SPLICE_F_NONBLOCK (EAGAIN on an empty or full pipe), the end of input (0 once
 * the writers are gone), EPIPE without readers, tee copying without consuming, vmsplice in
 * both directions, and the EINVAL/ESPIPE/EBADF rules. */
#include <sys/socket.h>
#include <sys/uio.h>

#include "tests/syscalls/harness.h"

static int data_file(const char *name, const char *text)
{
    write_file(tpath(name), text, 0644);
    return CHECK(open(tpath(name), O_RDWR));
}

static ssize_t drain(int fd, char *buf, size_t cap)
{
    ssize_t n = read(fd, buf, cap - 1);
    buf[n > 0 ? n : 0] = '\0';
    return n;
}

TEST(file_to_pipe)
{
    int fd = data_file("f", "0123456789");
    int p[2];
    CHECK(pipe(p));
    loff_t off = 2;
    EXPECT_EQ(splice(fd, &off, p[1], NULL, 5, SPLICE_F_MORE), 5);
    EXPECT_EQ(off, 7);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 0); /* with an offset the position stays */
    char buf[32];
    EXPECT_EQ(drain(p[0], buf, sizeof(buf)), 5);
    EXPECT_STREQ(buf, "23456");
    EXPECT_EQ(splice(fd, NULL, p[1], NULL, 4, 0), 4); /* without: from and moving the position */
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 4);
    EXPECT_EQ(drain(p[0], buf, sizeof(buf)), 4);
    EXPECT_STREQ(buf, "0123");
    off = 8;
    EXPECT_EQ(splice(fd, &off, p[1], NULL, 100, 0), 2); /* stops at the end of the file */
    off = 10;
    EXPECT_EQ(splice(fd, &off, p[1], NULL, 100, 0), 0);
    close(fd);
}

TEST(pipe_to_file)
{
    int fd = data_file("f", "..........");
    int p[2];
    CHECK(pipe(p));
    CHECK(write(p[1], "hello", 5));
    loff_t off = 3;
    EXPECT_EQ(splice(p[0], NULL, fd, &off, 100, 0), 5); /* what is queued */
    EXPECT_EQ(off, 8);
    char buf[32];
    CHECK(pread(fd, buf, 10, 0));
    buf[10] = '\0';
    EXPECT_STREQ(buf, "...hello..");
    EXPECT_ERRNO(splice(p[0], NULL, fd, &off, 100, SPLICE_F_NONBLOCK), EAGAIN);
    close(p[1]);
    EXPECT_EQ(splice(p[0], NULL, fd, &off, 100, 0), 0); /* no writers: the end */
    close(p[0]);
    close(fd);
}

TEST(pipe_to_pipe)
{
    int a[2], b[2];
    CHECK(pipe(a));
    CHECK(pipe(b));
    CHECK(write(a[1], "abcdef", 6));
    EXPECT_EQ(splice(a[0], NULL, b[1], NULL, 4, 0), 4);
    char buf[32];
    EXPECT_EQ(drain(b[0], buf, sizeof(buf)), 4);
    EXPECT_STREQ(buf, "abcd");
    EXPECT_EQ(drain(a[0], buf, sizeof(buf)), 2); /* moved, not copied */
    EXPECT_ERRNO(splice(a[0], NULL, b[1], NULL, 4, SPLICE_F_NONBLOCK), EAGAIN);
    CHECK(fcntl(a[0], F_SETFL, O_NONBLOCK)); /* a non-blocking pipe end counts too */
    EXPECT_ERRNO(splice(a[0], NULL, b[1], NULL, 4, 0), EAGAIN);
    /* A full output pipe. */
    CHECK(fcntl(b[1], F_SETFL, O_NONBLOCK));
    while (write(b[1], buf, sizeof(buf)) > 0)
        ;
    CHECK(write(a[1], "x", 1));
    EXPECT_ERRNO(splice(a[0], NULL, b[1], NULL, 1, SPLICE_F_NONBLOCK), EAGAIN);
    /* No reader: EPIPE (SIGPIPE ignored here). */
    signal(SIGPIPE, SIG_IGN);
    close(b[0]);
    EXPECT_ERRNO(splice(a[0], NULL, b[1], NULL, 1, 0), EPIPE);
}

TEST(errors)
{
    int fd = data_file("f", "0123456789");
    int g = data_file("g", "");
    int p[2];
    CHECK(pipe(p));
    loff_t off = 0;
    EXPECT_ERRNO(splice(fd, NULL, g, NULL, 5, 0), EINVAL); /* no pipe */
    EXPECT_ERRNO(splice(fd, NULL, p[1], NULL, 5, 0x10), EINVAL);
    EXPECT_ERRNO(splice(fd, NULL, p[1], &off, 5, 0), ESPIPE); /* an offset for a pipe */
    EXPECT_ERRNO(splice(p[0], &off, g, NULL, 5, 0), ESPIPE);
    EXPECT_ERRNO(splice(999, NULL, p[1], NULL, 5, 0), EBADF);
    EXPECT_ERRNO(splice(p[1], NULL, g, NULL, 5, 0), EBADF);     /* a write end as input */
    EXPECT_ERRNO(splice(fd, NULL, p[0], NULL, 5, 0), EBADF);    /* a read end as output */
    EXPECT_ERRNO(splice(p[0], NULL, p[1], NULL, 5, 0), EINVAL); /* one pipe */
    off = -1;
    EXPECT_ERRNO(splice(fd, &off, p[1], NULL, 5, 0), EINVAL);
    EXPECT_EQ(splice(fd, NULL, p[1], NULL, 0, 0), 0);
    int ap = CHECK(open(tpath("g"), O_WRONLY | O_APPEND));
    CHECK(write(p[1], "x", 1));
    EXPECT_ERRNO(splice(p[0], NULL, ap, NULL, 1, 0), EINVAL); /* O_APPEND output */
    int dir = CHECK(open("/tmp", O_RDONLY | O_DIRECTORY));
    EXPECT_ERRNO(splice(dir, NULL, p[1], NULL, 1, 0), EINVAL);
    close(dir);
    close(ap);
    close(fd);
    close(g);
}

TEST(sockets)
{
    int sv[2], p[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK(pipe(p));
    EXPECT_ERRNO(splice(sv[1], NULL, p[1], NULL, 100, SPLICE_F_NONBLOCK), EAGAIN);
    CHECK(write(sv[0], "socket", 6));
    EXPECT_EQ(splice(sv[1], NULL, p[1], NULL, 100, 0), 6);
    EXPECT_EQ(splice(p[0], NULL, sv[1], NULL, 100, 0), 6); /* and back out */
    char buf[32];
    EXPECT_EQ(drain(sv[0], buf, sizeof(buf)), 6);
    EXPECT_STREQ(buf, "socket");
    loff_t off = 0;
    CHECK(write(sv[0], "x", 1));
    EXPECT_ERRNO(splice(sv[1], &off, p[1], NULL, 1, 0), EINVAL); /* not seekable */
}

TEST(tee)
{
    int a[2], b[2];
    CHECK(pipe(a));
    CHECK(pipe(b));
    EXPECT_ERRNO(tee(a[0], b[1], 10, SPLICE_F_NONBLOCK), EAGAIN);
    CHECK(write(a[1], "tee me", 6));
    EXPECT_EQ(tee(a[0], b[1], 3, 0), 3);
    char buf[32];
    EXPECT_EQ(drain(b[0], buf, sizeof(buf)), 3);
    EXPECT_STREQ(buf, "tee");
    EXPECT_EQ(drain(a[0], buf, sizeof(buf)), 6); /* the input still has it all */
    EXPECT_STREQ(buf, "tee me");
    int fd = data_file("f", "x");
    EXPECT_ERRNO(tee(fd, b[1], 1, 0), EINVAL);
    EXPECT_ERRNO(tee(a[0], a[1], 1, 0), EINVAL);
    EXPECT_ERRNO(tee(a[0], b[1], 1, 0x10), EINVAL);
    EXPECT_ERRNO(tee(999, b[1], 1, 0), EBADF);
    EXPECT_EQ(tee(a[0], b[1], 0, 0), 0);
    close(a[1]);
    EXPECT_EQ(tee(a[0], b[1], 1, 0), 0); /* empty, no writers */
    close(fd);
}

TEST(vmsplice)
{
    int p[2];
    CHECK(pipe(p));
    char x[] = "vm", y[] = "splice";
    struct iovec in[2] = {{x, 2}, {y, 6}};
    EXPECT_EQ(vmsplice(p[1], in, 2, 0), 8);
    char o1[3] = {0}, o2[8] = {0};
    struct iovec out[2] = {{o1, 2}, {o2, 7}};
    EXPECT_EQ(vmsplice(p[0], out, 2, 0), 8);
    EXPECT_STREQ(o1, "vm");
    EXPECT_STREQ(o2, "splice");
    EXPECT_ERRNO(vmsplice(p[0], out, 2, SPLICE_F_NONBLOCK), EAGAIN);
    EXPECT_ERRNO(vmsplice(p[1], in, 2, 0x10), EINVAL);
    EXPECT_ERRNO(vmsplice(p[1], in, 1025, 0), EINVAL);
    EXPECT_EQ(vmsplice(p[1], in, 0, 0), 0);
    int fd = data_file("f", "x");
    EXPECT_ERRNO(vmsplice(fd, in, 1, 0), EBADF);
    EXPECT_ERRNO(vmsplice(999, in, 1, 0), EBADF);
    /* A full pipe: non-blocking is EAGAIN. */
    CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK));
    char big[4096];
    memset(big, 'z', sizeof(big));
    while (write(p[1], big, sizeof(big)) > 0)
        ;
    CHECK(fcntl(p[1], F_SETFL, 0));
    struct iovec one = {big, 1};
    EXPECT_ERRNO(vmsplice(p[1], &one, 1, SPLICE_F_NONBLOCK), EAGAIN);
    close(fd);
}

TEST(blocks_until_data)
{
    /* splice from an empty pipe waits for a writer's data. */
    int p[2], q[2];
    CHECK(pipe(p));
    CHECK(pipe(q));
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        close(p[1]);
        ssize_t n = splice(p[0], NULL, q[1], NULL, 10, 0);
        _exit(n == 3 ? 0 : 1);
    }
    EXPECT_OK(harness_wait_process_sleeping(pid));
    CHECK(write(p[1], "abc", 3));
    EXPECT_EXIT(pid, 0);
    char buf[8];
    EXPECT_EQ(drain(q[0], buf, sizeof(buf)), 3);
}
