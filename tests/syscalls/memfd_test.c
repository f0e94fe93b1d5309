// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for memfd_create(2): flags, the /proc/self/fd name, I/O and shared
 * mappings, and file seals (F_ADD_SEALS/F_GET_SEALS with SEAL_SHRINK/GROW/WRITE/SEAL). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(create_and_name)
{
    int fd = CHECK(memfd_create("hello", 0));
    char path[64], link[256];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ssize_t n = CHECK(readlink(path, link, sizeof(link) - 1));
    link[n] = '\0';
    EXPECT_STREQ(link, "/memfd:hello (deleted)");
    EXPECT_EQ(fcntl(fd, F_GETFD), 0);
    EXPECT_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
    struct stat st;
    CHECK(fstat(fd, &st));
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_size, 0);
    close(fd);
    fd = CHECK(memfd_create("c", MFD_CLOEXEC));
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    close(fd);
}

TEST(io_and_shared_map)
{
    int fd = CHECK(memfd_create("io", 0));
    EXPECT_EQ(write(fd, "abcdef", 6), 6);
    char buf[8] = {0};
    EXPECT_EQ(pread(fd, buf, 6, 0), 6);
    EXPECT_STREQ(buf, "abcdef");
    CHECK(ftruncate(fd, 8192));
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    EXPECT_TRUE(m != MAP_FAILED);
    EXPECT_EQ(m[0], 'a');
    m[4096] = 'Z';
    EXPECT_EQ(pread(fd, buf, 1, 4096), 1);
    EXPECT_EQ(buf[0], 'Z');
    munmap(m, 8192);
    close(fd);
}

TEST(errors)
{
    EXPECT_ERRNO(memfd_create("x", 0x100), EINVAL);
    char longname[300];
    memset(longname, 'n', sizeof(longname));
    longname[299] = '\0';
    EXPECT_ERRNO(memfd_create(longname, 0), EINVAL);
    EXPECT_ERRNO(memfd_create((const char *)8, 0), EFAULT);
}

TEST(no_sealing_by_default)
{
    int fd = CHECK(memfd_create("s", 0));
    EXPECT_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
    EXPECT_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
    close(fd);
}

TEST(seals)
{
    int fd = CHECK(memfd_create("s", MFD_ALLOW_SEALING));
    EXPECT_EQ(fcntl(fd, F_GET_SEALS), 0);
    CHECK(write(fd, "0123456789", 10));
    EXPECT_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
    EXPECT_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK);
    EXPECT_ERRNO(ftruncate(fd, 5), EPERM);
    EXPECT_OK(ftruncate(fd, 20)); /* growing is still allowed */
    EXPECT_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
    EXPECT_ERRNO(ftruncate(fd, 30), EPERM);
    EXPECT_ERRNO(pwrite(fd, "x", 1, 20), EPERM);
    EXPECT_EQ(pwrite(fd, "x", 1, 0), 1); /* in place is fine */
    EXPECT_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    EXPECT_ERRNO(pwrite(fd, "x", 1, 0), EPERM);
    EXPECT_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
    EXPECT_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), EPERM);
    EXPECT_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
    char c;
    EXPECT_EQ(pread(fd, &c, 1, 0), 1); /* reads still work */
    close(fd);
}

TEST(seal_errors)
{
    int fd = CHECK(memfd_create("s", MFD_ALLOW_SEALING));
    EXPECT_ERRNO(fcntl(fd, F_ADD_SEALS, 0x1000), EINVAL);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    int ro = CHECK(open(path, O_RDONLY));
    EXPECT_ERRNO(fcntl(ro, F_ADD_SEALS, F_SEAL_GROW), EPERM);
    close(ro);
    int p[2];
    CHECK(pipe(p));
    EXPECT_ERRNO(fcntl(p[0], F_GET_SEALS), EINVAL);
    close(fd);
}

TEST(tmpfs_files_are_sealed)
{
    /* Ordinary tmpfs files answer F_GET_SEALS with F_SEAL_SEAL (/dev/shm is tmpfs both
     * natively and in the sandbox). */
    char path[64];
    snprintf(path, sizeof(path), "/dev/shm/cvisor-seal-%d", getpid());
    int fd = CHECK(open(path, O_RDWR | O_CREAT | O_EXCL, 0600));
    unlink(path);
    EXPECT_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
    EXPECT_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), EPERM);
    close(fd);
}
