// SPDX-License-Identifier: Apache-2.0
/*
 * Conformance tests for a descriptor opened read-only before the file changes through
 * another descriptor or by path: read/pread/readv, lseek (SEEK_END, SEEK_DATA, SEEK_HOLE),
 * fstat, mmap made afterwards, fchmod/fchown/fsetxattr through the read-only descriptor,
 * ftruncate of it (EINVAL), chmod by path, and getdents of a directory after rewinddir.
 *
 * On any ordinary filesystem these are plain POSIX expectations. They matter on the
 * sandbox's overlay root, where the first change copies a file of the read-only lower layer
 * up into memory: since Linux 4.19 an overlayfs descriptor opened before the copy-up follows
 * it. So the sandbox run is given "--in-place" and works on the files of a directory of the
 * host root (its writes stay in the overlay's upper layer); natively the test works on
 * private copies of them and never writes the host's files. Each test takes a file of its
 * own, since the copy-ups of one test stay visible to the next in the same sandbox.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/xattr.h>

#include "tests/syscalls/harness.h"

/* Debian's base-files: regular files of several pages, present on every Debian system. */
#define SRC_DIR "/usr/share/common-licenses"
#define MAX_DATA 65536

/* The directory whose files the tests change: SRC_DIR itself in the sandbox (--in-place),
 * the per-test scratch directory natively. */
static const char *subject_dir(void)
{
    return harness_has_option("--in-place") ? SRC_DIR : tpath("");
}

/* The file @name of SRC_DIR to work on: itself in the sandbox, natively a copy with the
 * same mode and times. */
static const char *subject(const char *name)
{
    static char bufs[2][PATH_MAX];
    static int next;
    char *src = bufs[next++ % 2];
    snprintf(src, PATH_MAX, "%s/%s", SRC_DIR, name);
    struct stat st;
    if (stat(src, &st) != 0 || !S_ISREG(st.st_mode))
        SKIP("%s is missing (Debian's base-files)", src);
    if (harness_has_option("--in-place"))
        return src;
    static char data[MAX_DATA];
    ssize_t n = read_file(src, data, sizeof(data));
    const char *dst = tpath(name);
    int fd = CHECK(open(dst, O_WRONLY | O_CREAT | O_EXCL, st.st_mode & 07777));
    if (CHECK(write(fd, data, (size_t)n)) != n)
        FATAL("short write to %s", dst);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    CHECK(futimens(fd, times));
    CHECK(close(fd));
    return dst;
}

/* The whole current content of the file open as @fd (read with pread), NUL-terminated. */
static ssize_t pread_all(int fd, char *buf, size_t cap)
{
    ssize_t total = 0, n;
    while ((n = CHECK(pread(fd, buf + total, cap - 1 - (size_t)total, total))) > 0)
        total += n;
    buf[total] = '\0';
    return total;
}

static int64_t ts_ns(struct timespec ts)
{
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

TEST(read_follows_a_write_through_another_fd)
{
    const char *p = subject("GPL-3");
    static char orig[MAX_DATA], buf[MAX_DATA];
    int r = CHECK(open(p, O_RDONLY));
    ssize_t size = pread_all(r, orig, sizeof(orig));
    EXPECT_TRUE(size > 8192);
    char head[16];
    EXPECT_EQ(read(r, head, sizeof(head)), (ssize_t)sizeof(head));
    EXPECT_TRUE(memcmp(head, orig, sizeof(head)) == 0);

    int w = CHECK(open(p, O_WRONLY));
    EXPECT_EQ(pwrite(w, "NEW-HEAD", 8, 0), 8);
    EXPECT_EQ(pwrite(w, "NEW-MIDDLE", 10, 5000), 10);
    /* read: the file position stays, the data is the new one. */
    EXPECT_EQ(read(r, buf, 16), 16);
    EXPECT_TRUE(memcmp(buf, orig + 16, 16) == 0);
    EXPECT_EQ(pread(r, buf, 8, 0), 8);
    EXPECT_TRUE(memcmp(buf, "NEW-HEAD", 8) == 0);
    /* readv across both changes. */
    char a[4000], b[2000];
    struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
    CHECK(lseek(r, 1000, SEEK_SET));
    EXPECT_EQ(readv(r, iov, 2), 6000);
    EXPECT_TRUE(memcmp(b + 0, "NEW-MIDDLE", 10) == 0);
    EXPECT_TRUE(memcmp(a, orig + 1000, sizeof(a)) == 0);
    /* Growing the file: the read-only fd reads the new tail and sees the new end. */
    int ap = CHECK(open(p, O_WRONLY | O_APPEND));
    EXPECT_EQ(write(ap, "NEW-TAIL\n", 9), 9);
    EXPECT_EQ(pread(r, buf, 100, size), 9);
    EXPECT_TRUE(memcmp(buf, "NEW-TAIL\n", 9) == 0);
    EXPECT_EQ(lseek(r, 0, SEEK_END), size + 9);
    EXPECT_EQ(read(r, buf, 10), 0);
    close(ap);
    close(w);
    close(r);
}

TEST(truncation_through_another_fd_is_seen)
{
    const char *p = subject("GPL-1");
    int r = CHECK(open(p, O_RDONLY));
    char buf[64];
    EXPECT_EQ(read(r, buf, sizeof(buf)), (ssize_t)sizeof(buf));
    int w = CHECK(open(p, O_WRONLY | O_TRUNC));
    EXPECT_EQ(read(r, buf, sizeof(buf)), 0);
    struct stat st;
    CHECK(fstat(r, &st));
    EXPECT_EQ(st.st_size, 0);
    EXPECT_EQ(write(w, "short\n", 6), 6);
    EXPECT_EQ(pread(r, buf, sizeof(buf), 0), 6);
    EXPECT_TRUE(memcmp(buf, "short\n", 6) == 0);
    close(w);
    close(r);
}

TEST(lseek_end_data_and_hole_follow_the_file)
{
    const char *p = subject("GPL-2");
    int r = CHECK(open(p, O_RDONLY));
    off_t size = CHECK(lseek(r, 0, SEEK_END));
    const off_t big = 1 << 20, mid = 512 << 10;
    int w = CHECK(open(p, O_WRONLY));
    CHECK(ftruncate(w, big)); /* a hole from the end of the data to 1 MiB */
    EXPECT_EQ(pwrite(w, "X", 1, mid), 1);
    EXPECT_EQ(lseek(r, 0, SEEK_END), big);
    EXPECT_EQ(lseek(r, 0, SEEK_DATA), 0);
    off_t hole = lseek(r, 0, SEEK_HOLE);
    EXPECT_TRUE(hole >= size && hole < mid);
    EXPECT_EQ(lseek(r, size + 8192, SEEK_DATA), mid);
    EXPECT_EQ(lseek(r, mid, SEEK_HOLE), mid + 4096);
    EXPECT_ERRNO(lseek(r, mid + 8192, SEEK_DATA), ENXIO);
    EXPECT_ERRNO(lseek(r, big, SEEK_HOLE), ENXIO);
    close(w);
    close(r);
}

TEST(fstat_follows_the_file)
{
    const char *p = subject("LGPL-2.1");
    int r = CHECK(open(p, O_RDONLY));
    struct stat before, after, by_path;
    CHECK(fstat(r, &before));
    int w = CHECK(open(p, O_WRONLY | O_APPEND));
    EXPECT_EQ(write(w, "more\n", 5), 5);
    CHECK(fstat(r, &after));
    CHECK(stat(p, &by_path));
    EXPECT_EQ(after.st_size, before.st_size + 5);
    EXPECT_EQ(after.st_ino, before.st_ino);
    EXPECT_EQ(after.st_dev, before.st_dev);
    EXPECT_TRUE(ts_ns(after.st_mtim) > ts_ns(before.st_mtim));
    EXPECT_EQ(by_path.st_ino, after.st_ino);
    EXPECT_EQ(by_path.st_dev, after.st_dev);
    EXPECT_EQ(by_path.st_size, after.st_size);
    EXPECT_EQ(ts_ns(by_path.st_mtim), ts_ns(after.st_mtim));
    close(w);
    close(r);
}

TEST(mmap_after_a_write_maps_the_new_data)
{
    const char *p = subject("Apache-2.0");
    int r = CHECK(open(p, O_RDONLY));
    struct stat st;
    CHECK(fstat(r, &st));
    int w = CHECK(open(p, O_WRONLY));
    EXPECT_EQ(pwrite(w, "MAPPED", 6, 0), 6);
    EXPECT_EQ(pwrite(w, "PAGE-2", 6, 8192), 6);
    char *shared = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, r, 0);
    char *private = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, r, 0);
    if (shared == MAP_FAILED || private == MAP_FAILED)
        FATAL("mmap: %s", harness_errname(errno));
    EXPECT_TRUE(memcmp(shared, "MAPPED", 6) == 0);
    EXPECT_TRUE(memcmp(shared + 8192, "PAGE-2", 6) == 0);
    EXPECT_TRUE(memcmp(private, "MAPPED", 6) == 0);
    EXPECT_TRUE(memcmp(private + 8192, "PAGE-2", 6) == 0);
    /* A shared mapping keeps following the file. */
    EXPECT_EQ(pwrite(w, "AGAIN!", 6, 0), 6);
    EXPECT_TRUE(memcmp(shared, "AGAIN!", 6) == 0);
    munmap(shared, (size_t)st.st_size);
    munmap(private, (size_t)st.st_size);
    close(w);
    close(r);
}

TEST(fchmod_and_fchown_through_a_read_only_fd)
{
    const char *p = subject("BSD");
    static char orig[MAX_DATA], buf[MAX_DATA];
    int r = CHECK(open(p, O_RDONLY));
    ssize_t size = pread_all(r, orig, sizeof(orig));
    EXPECT_OK(fchmod(r, 0600));
    EXPECT_OK(fchown(r, 1234, 5678));
    struct stat st, fst;
    CHECK(stat(p, &st));
    CHECK(fstat(r, &fst));
    EXPECT_EQ(st.st_mode & 07777, 0600);
    EXPECT_EQ(st.st_uid, 1234);
    EXPECT_EQ(st.st_gid, 5678);
    EXPECT_EQ(fst.st_mode, st.st_mode);
    EXPECT_EQ(fst.st_ino, st.st_ino);
    EXPECT_EQ(pread_all(r, buf, sizeof(buf)), size);
    EXPECT_TRUE(memcmp(buf, orig, (size_t)size) == 0);
    /* The changed file is the one both descriptors see. */
    int w = CHECK(open(p, O_WRONLY));
    EXPECT_EQ(pwrite(w, "CHANGED", 7, 0), 7);
    EXPECT_EQ(pread(r, buf, 7, 0), 7);
    EXPECT_TRUE(memcmp(buf, "CHANGED", 7) == 0);
    CHECK(fstat(w, &st));
    EXPECT_EQ(st.st_mode & 07777, 0600);
    close(w);
    close(r);
}

TEST(fsetxattr_through_a_read_only_fd)
{
    const char *p = subject("Artistic");
    int r = CHECK(open(p, O_RDONLY));
    char buf[64] = {0};
    EXPECT_ERRNO(fgetxattr(r, "user.cvt", buf, sizeof(buf)), ENODATA);
    EXPECT_OK(fsetxattr(r, "user.cvt", "value", 5, 0));
    EXPECT_EQ(fgetxattr(r, "user.cvt", buf, sizeof(buf)), 5);
    EXPECT_STREQ(buf, "value");
    memset(buf, 0, sizeof(buf));
    EXPECT_EQ(getxattr(p, "user.cvt", buf, sizeof(buf)), 5);
    EXPECT_STREQ(buf, "value");
    char list[256];
    ssize_t len = flistxattr(r, list, sizeof(list));
    int found = 0;
    for (ssize_t i = 0; i < len; i += (ssize_t)strlen(list + i) + 1)
        found |= strcmp(list + i, "user.cvt") == 0;
    EXPECT_TRUE(found);
    /* A later write keeps the attribute and is seen by the read-only fd. */
    int w = CHECK(open(p, O_WRONLY));
    EXPECT_EQ(pwrite(w, "XATTR", 5, 0), 5);
    EXPECT_EQ(pread(r, buf, 5, 0), 5);
    EXPECT_TRUE(memcmp(buf, "XATTR", 5) == 0);
    EXPECT_EQ(fgetxattr(w, "user.cvt", buf, sizeof(buf)), 5);
    EXPECT_OK(fremovexattr(r, "user.cvt"));
    EXPECT_ERRNO(getxattr(p, "user.cvt", buf, sizeof(buf)), ENODATA);
    close(w);
    close(r);
}

TEST(ftruncate_of_a_read_only_fd_is_einval)
{
    const char *p = subject("CC0-1.0");
    int r = CHECK(open(p, O_RDONLY));
    struct stat before, after;
    CHECK(fstat(r, &before));
    EXPECT_ERRNO(ftruncate(r, 0), EINVAL);
    EXPECT_ERRNO(ftruncate(r, -1), EINVAL);
    CHECK(fstat(r, &after));
    EXPECT_EQ(after.st_size, before.st_size);
    EXPECT_EQ(ts_ns(after.st_mtim), ts_ns(before.st_mtim));
    int o = CHECK(open(p, O_PATH));
    EXPECT_ERRNO(ftruncate(o, 0), EBADF);
    close(o);
    close(r);
}

TEST(chmod_by_path_then_read)
{
    const char *p = subject("GFDL-1.3");
    static char orig[MAX_DATA], buf[MAX_DATA];
    ssize_t size = read_file(p, orig, sizeof(orig));
    int r = CHECK(open(p, O_RDONLY));
    char head[100];
    EXPECT_EQ(read(r, head, sizeof(head)), (ssize_t)sizeof(head));
    CHECK(chmod(p, 0640));
    struct stat st;
    CHECK(fstat(r, &st));
    EXPECT_EQ(st.st_mode & 07777, 0640);
    EXPECT_EQ(st.st_size, size);
    /* The rest of the data, from where the read stopped. */
    ssize_t total = sizeof(head), n;
    memcpy(buf, head, sizeof(head));
    while ((n = CHECK(read(r, buf + total, sizeof(buf) - (size_t)total))) > 0)
        total += n;
    EXPECT_EQ(total, size);
    EXPECT_TRUE(memcmp(buf, orig, (size_t)size) == 0);
    int w = CHECK(open(p, O_WRONLY));
    EXPECT_EQ(pwrite(w, "AFTER-CHMOD", 11, 0), 11);
    EXPECT_EQ(pread(r, buf, 11, 0), 11);
    EXPECT_TRUE(memcmp(buf, "AFTER-CHMOD", 11) == 0);
    close(w);
    close(r);
}

struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Lists the directory open as @fd from its current offset: how often @a and @b appear. */
static void count_names(int fd, const char *a, const char *b, int *na, int *nb)
{
    char buf[4096];
    long r;
    *na = *nb = 0;
    while ((r = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
        for (long off = 0; off < r;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            *na += strcmp(d->d_name, a) == 0;
            *nb += strcmp(d->d_name, b) == 0;
            off += d->d_reclen;
        }
    }
    if (r < 0)
        FATAL("getdents64: %s", harness_errname(errno));
}

TEST(getdents_after_rewind_sees_added_and_removed_names)
{
    const char *victim = subject("MPL-1.1");
    const char *dir = subject_dir();
    char added[PATH_MAX];
    snprintf(added, sizeof(added), "%s/cvt-added", dir);
    int d = CHECK(open(dir, O_RDONLY | O_DIRECTORY));
    int nv, na;
    count_names(d, "MPL-1.1", "cvt-added", &nv, &na);
    EXPECT_EQ(nv, 1);
    EXPECT_EQ(na, 0);
    write_file(added, "new\n", 0644);
    CHECK(unlink(victim));
    CHECK(lseek(d, 0, SEEK_SET)); /* rewinddir */
    count_names(d, "MPL-1.1", "cvt-added", &nv, &na);
    EXPECT_EQ(nv, 0);
    EXPECT_EQ(na, 1);
    CHECK(unlink(added));
    close(d);
}

TEST(read_only_open_with_o_trunc_truncates)
{
    const char *p = subject("LGPL-3");
    int r = CHECK(open(p, O_RDONLY));
    int t = CHECK(open(p, O_RDONLY | O_TRUNC));
    struct stat st;
    CHECK(stat(p, &st));
    EXPECT_EQ(st.st_size, 0);
    char buf[16];
    EXPECT_EQ(read(t, buf, sizeof(buf)), 0);
    EXPECT_EQ(read(r, buf, sizeof(buf)), 0);
    close(t);
    close(r);
}
