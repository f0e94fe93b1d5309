// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for getdents64: listing a fresh directory in /tmp (with "." and ".." and
 * d_type), listing "/" for well-known names, resuming after a small buffer, and errors. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Reads the whole directory; records whether each of names[] was seen and its d_type. */
static int list_dir(int fd, const char **names, int *seen, int *types, int n, size_t bufsz)
{
    char buf[8192];
    int total = 0;
    for (;;) {
        long r = syscall(SYS_getdents64, fd, buf, bufsz);
        if (r < 0)
            FATAL("getdents64: %s", harness_errname(errno));
        if (r == 0)
            break;
        for (long off = 0; off < r;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            total++;
            for (int i = 0; i < n; i++)
                if (strcmp(d->d_name, names[i]) == 0) {
                    seen[i]++;
                    types[i] = d->d_type;
                }
            if (d->d_reclen == 0)
                FATAL("zero d_reclen");
            off += d->d_reclen;
        }
    }
    return total;
}

TEST(list_created_directory)
{
    CHECK(mkdir(tpath("d"), 0755));
    CHECK(mkdir(tpath("d/sub"), 0755));
    write_file(tpath("d/file"), "x", 0644);
    CHECK(symlink("file", tpath("d/link")));
    int fd = CHECK(open(tpath("d"), O_RDONLY | O_DIRECTORY));
    const char *names[] = {".", "..", "sub", "file", "link"};
    int seen[5] = {0}, types[5] = {0};
    int total = list_dir(fd, names, seen, types, 5, 8192);
    EXPECT_EQ(total, 5);
    for (int i = 0; i < 5; i++)
        EXPECT_EQ(seen[i], 1);
    EXPECT_EQ(types[2], DT_DIR);
    EXPECT_EQ(types[3], DT_REG);
    EXPECT_EQ(types[4], DT_LNK);
    close(fd);
}

TEST(small_buffer_resumes)
{
    CHECK(mkdir(tpath("d"), 0755));
    char name[32];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "d/entry_%02d", i);
        write_file(tpath(name), "", 0644);
    }
    int fd = CHECK(open(tpath("d"), O_RDONLY | O_DIRECTORY));
    const char *names[] = {"entry_00", "entry_39"};
    int seen[2] = {0}, types[2];
    int total = list_dir(fd, names, seen, types, 2, 64); /* about one entry per call */
    EXPECT_EQ(total, 42);
    EXPECT_EQ(seen[0], 1);
    EXPECT_EQ(seen[1], 1);
    /* Rewinding lists everything again. */
    CHECK(lseek(fd, 0, SEEK_SET));
    seen[0] = seen[1] = 0;
    EXPECT_EQ(list_dir(fd, names, seen, types, 2, 8192), 42);
    close(fd);
}

TEST(list_root_has_bin_and_etc)
{
    int fd = CHECK(open("/", O_RDONLY | O_DIRECTORY));
    const char *names[] = {"bin", "etc", ".", ".."};
    int seen[4] = {0}, types[4] = {0};
    list_dir(fd, names, seen, types, 4, 8192);
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(seen[i], 1);
    EXPECT_EQ(types[1], DT_DIR);
    close(fd);
}

TEST(removed_entry_not_listed)
{
    CHECK(mkdir(tpath("d"), 0755));
    write_file(tpath("d/a"), "", 0644);
    write_file(tpath("d/b"), "", 0644);
    CHECK(unlink(tpath("d/a")));
    int fd = CHECK(open(tpath("d"), O_RDONLY | O_DIRECTORY));
    const char *names[] = {"a", "b"};
    int seen[2] = {0}, types[2];
    EXPECT_EQ(list_dir(fd, names, seen, types, 2, 8192), 3);
    EXPECT_EQ(seen[0], 0);
    EXPECT_EQ(seen[1], 1);
    close(fd);
}

TEST(errors)
{
    char buf[256];
    write_file(tpath("f"), "x", 0644);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_ERRNO(syscall(SYS_getdents64, fd, buf, sizeof(buf)), ENOTDIR);
    close(fd);
    EXPECT_ERRNO(syscall(SYS_getdents64, -1, buf, sizeof(buf)), EBADF);
    fd = CHECK(open(harness_tmp, O_RDONLY | O_DIRECTORY));
    EXPECT_ERRNO(syscall(SYS_getdents64, fd, buf, 4), EINVAL);
    close(fd);
}
