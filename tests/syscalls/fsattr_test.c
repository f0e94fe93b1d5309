// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for file attributes and node types on /tmp: utimensat with UTIME_NOW and
 * UTIME_OMIT, chmod, chown (set-id bits cleared), hard links, symlinks, FIFOs made by mknod,
 * statfs/fstatfs, a MAP_SHARED file mapping shared across fork, and which descriptors
 * ftruncate accepts. */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "tests/syscalls/harness.h"

#define TMPFS_MAGIC_NR 0x01021994

static int ts_eq(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

TEST(utimensat_explicit_and_omit)
{
    write_file(tpath("f"), "", 0644);
    struct timespec ts[2] = {{1000, 1}, {2000, 2}};
    EXPECT_OK(utimensat(AT_FDCWD, tpath("f"), ts, 0));
    struct stat st;
    CHECK(stat(tpath("f"), &st));
    EXPECT_TRUE(ts_eq(st.st_atim, ts[0]));
    EXPECT_TRUE(ts_eq(st.st_mtim, ts[1]));
    struct timespec omit_a[2] = {{0, UTIME_OMIT}, {3000, 3}};
    EXPECT_OK(utimensat(AT_FDCWD, tpath("f"), omit_a, 0));
    CHECK(stat(tpath("f"), &st));
    EXPECT_EQ(st.st_atim.tv_sec, 1000);
    EXPECT_EQ(st.st_mtim.tv_sec, 3000);
    struct stat before = st;
    struct timespec omit_both[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    EXPECT_OK(utimensat(AT_FDCWD, tpath("f"), omit_both, 0));
    CHECK(stat(tpath("f"), &st));
    EXPECT_TRUE(ts_eq(st.st_ctim, before.st_ctim)); /* nothing changed, not even ctime */
}

TEST(utimensat_now)
{
    write_file(tpath("f"), "", 0644);
    struct timespec old[2] = {{1000, 0}, {1000, 0}};
    CHECK(utimensat(AT_FDCWD, tpath("f"), old, 0));
    struct timespec now_m[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    EXPECT_OK(utimensat(AT_FDCWD, tpath("f"), now_m, 0));
    struct stat st;
    CHECK(stat(tpath("f"), &st));
    EXPECT_EQ(st.st_atim.tv_sec, 1000);
    EXPECT_TRUE(st.st_mtim.tv_sec > 1000000000);
    CHECK(utimensat(AT_FDCWD, tpath("f"), old, 0));
    EXPECT_OK(utimensat(AT_FDCWD, tpath("f"), NULL, 0)); /* both now */
    CHECK(stat(tpath("f"), &st));
    EXPECT_TRUE(st.st_atim.tv_sec > 1000000000);
    EXPECT_TRUE(st.st_mtim.tv_sec > 1000000000);
    /* futimens through a descriptor. */
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_OK(futimens(fd, old));
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_mtim.tv_sec, 1000);
    close(fd);
}

TEST(utimensat_errors_and_nofollow)
{
    write_file(tpath("f"), "", 0644);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    EXPECT_ERRNO(utimensat(AT_FDCWD, tpath("f"), bad, 0), EINVAL);
    struct timespec neg[2] = {{0, -5}, {0, 0}};
    EXPECT_ERRNO(utimensat(AT_FDCWD, tpath("f"), neg, 0), EINVAL);
    EXPECT_ERRNO(utimensat(AT_FDCWD, tpath("f"), NULL, 0x8000), EINVAL);
    EXPECT_ERRNO(utimensat(AT_FDCWD, tpath("missing"), NULL, 0), ENOENT);
    CHECK(symlink(tpath("f"), tpath("l")));
    struct timespec ts[2] = {{5000, 0}, {6000, 0}};
    EXPECT_OK(utimensat(AT_FDCWD, tpath("l"), ts, AT_SYMLINK_NOFOLLOW));
    struct stat st;
    CHECK(lstat(tpath("l"), &st));
    EXPECT_EQ(st.st_mtim.tv_sec, 6000);
    CHECK(stat(tpath("f"), &st));
    EXPECT_NE(st.st_mtim.tv_sec, 6000);
}

TEST(chmod_and_ctime)
{
    write_file(tpath("f"), "", 0644);
    struct stat st;
    struct timespec old[2] = {{1000, 0}, {1000, 0}};
    CHECK(utimensat(AT_FDCWD, tpath("f"), old, 0));
    EXPECT_OK(chmod(tpath("f"), 04750));
    CHECK(stat(tpath("f"), &st));
    EXPECT_EQ(st.st_mode & 07777, 04750);
    EXPECT_EQ(st.st_mtim.tv_sec, 1000); /* chmod touches ctime only */
    EXPECT_TRUE(st.st_ctim.tv_sec > 1000000000);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_OK(fchmod(fd, 0600));
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_mode & 07777, 0600);
    close(fd);
    EXPECT_ERRNO(chmod(tpath("missing"), 0644), ENOENT);
}

TEST(chown_clears_setid)
{
    if (geteuid() != 0)
        SKIP("needs root");
    write_file(tpath("f"), "", 0644);
    EXPECT_OK(chown(tpath("f"), 1234, 5678));
    struct stat st;
    CHECK(stat(tpath("f"), &st));
    EXPECT_EQ(st.st_uid, 1234);
    EXPECT_EQ(st.st_gid, 5678);
    EXPECT_OK(chown(tpath("f"), -1, 42)); /* -1 keeps the owner */
    CHECK(stat(tpath("f"), &st));
    EXPECT_EQ(st.st_uid, 1234);
    EXPECT_EQ(st.st_gid, 42);
    CHECK(chmod(tpath("f"), 06755));
    EXPECT_OK(chown(tpath("f"), 0, 0));
    CHECK(stat(tpath("f"), &st));
    EXPECT_EQ(st.st_mode & 07777, 0755);
    CHECK(symlink(tpath("f"), tpath("l")));
    EXPECT_OK(lchown(tpath("l"), 77, 77));
    CHECK(lstat(tpath("l"), &st));
    EXPECT_EQ(st.st_uid, 77);
    CHECK(stat(tpath("f"), &st));
    EXPECT_EQ(st.st_uid, 0);
}

TEST(hard_links)
{
    write_file(tpath("a"), "data", 0644);
    EXPECT_OK(link(tpath("a"), tpath("b")));
    struct stat sa, sb;
    CHECK(stat(tpath("a"), &sa));
    CHECK(stat(tpath("b"), &sb));
    EXPECT_EQ(sa.st_ino, sb.st_ino);
    EXPECT_EQ(sa.st_nlink, 2);
    EXPECT_ERRNO(link(tpath("a"), tpath("b")), EEXIST);
    CHECK(mkdir(tpath("d"), 0755));
    EXPECT_ERRNO(link(tpath("d"), tpath("d2")), EPERM);
    EXPECT_ERRNO(link(tpath("missing"), tpath("c")), ENOENT);
    CHECK(unlink(tpath("a")));
    CHECK(stat(tpath("b"), &sb));
    EXPECT_EQ(sb.st_nlink, 1);
    char buf[8];
    read_file(tpath("b"), buf, sizeof(buf));
    EXPECT_STREQ(buf, "data");
}

TEST(symlinks)
{
    EXPECT_OK(symlink("target-name", tpath("l")));
    struct stat st;
    CHECK(lstat(tpath("l"), &st));
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_EQ(st.st_size, 11);
    char buf[64];
    EXPECT_EQ(readlink(tpath("l"), buf, sizeof(buf)), 11);
    EXPECT_ERRNO(stat(tpath("l"), &st), ENOENT); /* dangling */
    CHECK(symlink(tpath("loop2"), tpath("loop1")));
    CHECK(symlink(tpath("loop1"), tpath("loop2")));
    EXPECT_ERRNO(open(tpath("loop1"), O_RDONLY), ELOOP);
    EXPECT_ERRNO(symlink("x", tpath("l")), EEXIST);
    EXPECT_ERRNO(symlink("", tpath("e")), ENOENT);
}

TEST(fifo_nodes)
{
    EXPECT_OK(mknod(tpath("p"), S_IFIFO | 0644, 0));
    struct stat st;
    CHECK(stat(tpath("p"), &st));
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
    EXPECT_ERRNO(open(tpath("p"), O_WRONLY | O_NONBLOCK), ENXIO); /* no reader */
    int r = CHECK(open(tpath("p"), O_RDONLY | O_NONBLOCK));
    int w = CHECK(open(tpath("p"), O_WRONLY | O_NONBLOCK));
    EXPECT_EQ(write(w, "hi", 2), 2);
    char buf[4];
    EXPECT_EQ(read(r, buf, sizeof(buf)), 2);
    EXPECT_OK(mkfifo(tpath("q"), 0600));
    EXPECT_ERRNO(mkfifo(tpath("q"), 0600), EEXIST);
    EXPECT_ERRNO(mknod(tpath("x"), 0170000 | 0644, 0), EINVAL);
}

TEST(statfs_counts)
{
    struct statfs a, b;
    EXPECT_OK(statfs("/dev/shm", &a));
    EXPECT_EQ(a.f_type, TMPFS_MAGIC_NR);
    EXPECT_TRUE(a.f_bsize > 0);
    EXPECT_TRUE(a.f_blocks >= a.f_bfree);
    EXPECT_TRUE(a.f_bfree >= a.f_bavail);
    EXPECT_EQ(a.f_namelen, 255);
    write_file(tpath("f"), "", 0644);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_OK(fstatfs(fd, &b));
    struct statfs c;
    CHECK(statfs(tpath("f"), &c));
    EXPECT_EQ(b.f_type, c.f_type);
    EXPECT_EQ(b.f_bsize, c.f_bsize);
    close(fd);
    EXPECT_ERRNO(statfs(tpath("missing"), &a), ENOENT);
    EXPECT_ERRNO(fstatfs(999, &a), EBADF);
}

TEST(shared_mapping_across_fork)
{
    int fd = CHECK(open(tpath("f"), O_RDWR | O_CREAT, 0644));
    CHECK(ftruncate(fd, 8192));
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        FATAL("mmap failed");
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        memcpy(m + 4096, "child", 5);
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_TRUE(memcmp(m + 4096, "child", 5) == 0);
    char buf[8] = {0};
    CHECK(pread(fd, buf, 5, 4096));
    EXPECT_STREQ(buf, "child");
    CHECK(pwrite(fd, "PARENT", 6, 0));
    EXPECT_TRUE(memcmp(m, "PARENT", 6) == 0);
    munmap(m, 8192);
    close(fd);
}

TEST(ftruncate_needs_a_regular_file_open_for_writing)
{
    int fd = CHECK(open(tpath("f"), O_WRONLY | O_CREAT | O_APPEND, 0644));
    CHECK(write(fd, "abcdef", 6));
    EXPECT_OK(ftruncate(fd, 2)); /* O_APPEND does not forbid it */
    struct stat st;
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 2);
    EXPECT_ERRNO(ftruncate(fd, -1), EINVAL);
    int r = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_ERRNO(ftruncate(r, 0), EINVAL);
    int o = CHECK(open(tpath("f"), O_PATH));
    EXPECT_ERRNO(ftruncate(o, 0), EBADF);
    int d = CHECK(open(tpath(""), O_RDONLY | O_DIRECTORY));
    EXPECT_ERRNO(ftruncate(d, 0), EINVAL);
    int p[2];
    CHECK(pipe(p));
    EXPECT_ERRNO(ftruncate(p[1], 0), EINVAL);
    int s = CHECK(socket(AF_UNIX, SOCK_STREAM, 0));
    EXPECT_ERRNO(ftruncate(s, 0), EINVAL);
    EXPECT_ERRNO(ftruncate(999, 0), EBADF);
    close(s);
    close(p[0]);
    close(p[1]);
    close(d);
    close(o);
    close(r);
    close(fd);
}
