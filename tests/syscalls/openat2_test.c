// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for openat2: struct open_how's size rules (EINVAL below VER0, E2BIG for a
 * non-zero tail or more than a page), its stricter flag checks (unknown flags, a mode without
 * O_CREAT, O_PATH with other flags, BENEATH with IN_ROOT: EINVAL) and the RESOLVE_* flags:
 * NO_SYMLINKS and NO_MAGICLINKS (ELOOP), BENEATH (EXDEV for "..", absolute paths and
 * symlinks that leave the directory), IN_ROOT (the directory is the root), NO_XDEV (EXDEV
 * across mounts), CACHED (EAGAIN for creation, and allowed to fail so otherwise). */
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "tests/syscalls/harness.h"

struct how_big {
    struct open_how h;
    uint64_t extra[2];
};

static int openat2_(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
    struct open_how h = {.flags = flags, .mode = mode, .resolve = resolve};
    return (int)syscall(SYS_openat2, dirfd, path, &h, sizeof(h));
}

/* d/ holding f, s/ (with g), rel -> s, abs -> /etc, up -> ../.., dotf -> ../d/f. */
static int make_tree(void)
{
    char p[512];
    CHECK(mkdir(tpath("d"), 0755));
    snprintf(p, sizeof(p), "%s/f", tpath("d"));
    write_file(p, "f", 0644);
    snprintf(p, sizeof(p), "%s/s", tpath("d"));
    CHECK(mkdir(p, 0755));
    snprintf(p, sizeof(p), "%s/s/g", tpath("d"));
    write_file(p, "g", 0644);
    int d = CHECK(open(tpath("d"), O_RDONLY | O_DIRECTORY));
    CHECK(symlinkat("s", d, "rel"));
    CHECK(symlinkat("/etc", d, "abs"));
    CHECK(symlinkat("../..", d, "up"));
    CHECK(symlinkat("../d/f", d, "dotf"));
    return d;
}

TEST(how_size_rules)
{
    int d = make_tree();
    struct how_big b;
    memset(&b, 0, sizeof(b));
    b.h.flags = O_RDONLY;
    int fd = CHECK((int)syscall(SYS_openat2, d, "f", &b, sizeof(b)));
    close(fd);
    EXPECT_ERRNO(syscall(SYS_openat2, d, "f", &b, 24 - 1 /* OPEN_HOW_SIZE_VER0 */), EINVAL);
    EXPECT_ERRNO(syscall(SYS_openat2, d, "f", &b, 0), EINVAL);
    b.extra[1] = 1;
    EXPECT_ERRNO(syscall(SYS_openat2, d, "f", &b, sizeof(b)), E2BIG);
    static char page[8192];
    EXPECT_ERRNO(syscall(SYS_openat2, d, "f", page, 4097), E2BIG);
    EXPECT_ERRNO(syscall(SYS_openat2, d, "f", NULL, sizeof(struct open_how)), EFAULT);
    close(d);
}

TEST(how_flag_rules)
{
    int d = make_tree();
    EXPECT_ERRNO(openat2_(d, "f", 1ull << 40, 0, 0), EINVAL);
    EXPECT_ERRNO(openat2_(d, "f", O_RDONLY, 0, 1ull << 10), EINVAL);
    EXPECT_ERRNO(openat2_(d, "f", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT), EINVAL);
    EXPECT_ERRNO(openat2_(d, "f", O_RDONLY, 0644, 0), EINVAL); /* a mode without O_CREAT */
    EXPECT_ERRNO(openat2_(d, "n", O_CREAT | O_WRONLY, 010000, 0), EINVAL);
    EXPECT_ERRNO(openat2_(d, "f", O_PATH | O_RDWR, 0, 0), EINVAL);
    int fd = CHECK(openat2_(d, "n", O_CREAT | O_WRONLY | O_CLOEXEC, 0600, 0));
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    struct stat st;
    CHECK(fstat(fd, &st));
    EXPECT_EQ(st.st_mode & 07777, 0600u & ~(unsigned)umask(022));
    close(fd);
    close(d);
}

TEST(no_symlinks)
{
    int d = make_tree();
    EXPECT_ERRNO(openat2_(d, "rel", O_RDONLY | O_DIRECTORY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
    EXPECT_ERRNO(openat2_(d, "rel/g", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
    /* A trailing link that is not followed is fine. */
    int fd = CHECK(openat2_(d, "rel", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS));
    close(fd);
    fd = CHECK(openat2_(d, "s/g", O_RDONLY, 0, RESOLVE_NO_SYMLINKS));
    close(fd);
    close(d);
}

TEST(no_magiclinks)
{
    int f = CHECK(open("/dev/null", O_RDONLY));
    char p[64];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", f);
    EXPECT_ERRNO(openat2_(AT_FDCWD, p, O_RDONLY, 0, RESOLVE_NO_MAGICLINKS), ELOOP);
    EXPECT_ERRNO(openat2_(AT_FDCWD, p, O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
    int fd = CHECK(openat2_(AT_FDCWD, p, O_RDONLY, 0, 0));
    close(fd);
    /* /proc/self is an ordinary symlink. */
    fd = CHECK(openat2_(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS));
    close(fd);
    close(f);
}

TEST(beneath)
{
    int d = make_tree();
    int fd = CHECK(openat2_(d, "s/../f", O_RDONLY, 0, RESOLVE_BENEATH));
    close(fd);
    fd = CHECK(openat2_(d, "rel/g", O_RDONLY, 0, RESOLVE_BENEATH));
    close(fd);
    EXPECT_ERRNO(openat2_(d, "../d/f", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
    EXPECT_ERRNO(openat2_(d, "..", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
    EXPECT_ERRNO(openat2_(d, "/etc/passwd", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
    EXPECT_ERRNO(openat2_(d, "abs/passwd", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
    EXPECT_ERRNO(openat2_(d, "up", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
    EXPECT_ERRNO(openat2_(d, "dotf", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
    int f = CHECK(open("/dev/null", O_RDONLY));
    char p[64];
    snprintf(p, sizeof(p), "self/fd/%d", f);
    int proc = CHECK(open("/proc", O_RDONLY | O_DIRECTORY));
    EXPECT_ERRNO(openat2_(proc, p, O_RDONLY, 0, RESOLVE_BENEATH), EXDEV); /* a magic link */
    close(proc);
    close(f);
    close(d);
}

TEST(in_root)
{
    int d = make_tree();
    char buf[4] = {0};
    int fd = CHECK(openat2_(d, "/f", O_RDONLY, 0, RESOLVE_IN_ROOT));
    EXPECT_EQ(read(fd, buf, 3), 1);
    EXPECT_STREQ(buf, "f");
    close(fd);
    fd = CHECK(openat2_(d, "../../../f", O_RDONLY, 0, RESOLVE_IN_ROOT));
    close(fd);
    fd = CHECK(openat2_(d, "up/f", O_RDONLY, 0, RESOLVE_IN_ROOT)); /* "../.." stops at d */
    close(fd);
    EXPECT_ERRNO(openat2_(d, "abs/passwd", O_RDONLY, 0, RESOLVE_IN_ROOT), ENOENT); /* d/etc */
    close(d);
}

TEST(no_xdev)
{
    int d = make_tree();
    int fd = CHECK(openat2_(d, "s/../f", O_RDONLY, 0, RESOLVE_NO_XDEV));
    close(fd);
    EXPECT_ERRNO(openat2_(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, RESOLVE_NO_XDEV), EXDEV);
    int proc = CHECK(open("/proc", O_RDONLY | O_DIRECTORY));
    EXPECT_ERRNO(openat2_(proc, "..", O_RDONLY, 0, RESOLVE_NO_XDEV), EXDEV);
    fd = CHECK(openat2_(proc, "self/status", O_RDONLY, 0, RESOLVE_NO_XDEV));
    close(fd);
    close(proc);
    close(d);
}

TEST(cached)
{
    int d = make_tree();
    EXPECT_ERRNO(openat2_(d, "new", O_CREAT | O_WRONLY, 0600, RESOLVE_CACHED), EAGAIN);
    EXPECT_ERRNO(openat2_(d, "f", O_WRONLY | O_TRUNC, 0, RESOLVE_CACHED), EAGAIN);
    /* Otherwise it may be served from the cache, or fail with EAGAIN: retry without it. */
    int fd = openat2_(d, "f", O_RDONLY, 0, RESOLVE_CACHED);
    if (fd < 0 && errno != EAGAIN)
        FAIL("RESOLVE_CACHED: %s", harness_errname(errno));
    if (fd >= 0)
        close(fd);
    close(d);
}
