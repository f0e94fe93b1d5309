// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for umask: the previous mask is returned, only 0777 bits are kept, the mask
 * applies to open/mkdir/mknod-like creation, and it is inherited across fork. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(returns_previous_mask)
{
    umask(022);
    EXPECT_EQ(umask(077), 022);
    EXPECT_EQ(umask(0), 077);
    EXPECT_EQ(umask(07777), 0);
    EXPECT_EQ(umask(022), 0777); /* only permission bits are stored */
}

TEST(applies_to_files_and_dirs)
{
    umask(027);
    int fd = CHECK(open(tpath("f"), O_WRONLY | O_CREAT, 0777));
    close(fd);
    CHECK(mkdir(tpath("d"), 0777));
    struct stat st;
    CHECK(stat(tpath("f"), &st));
    EXPECT_EQ(st.st_mode & 0777, 0750);
    CHECK(stat(tpath("d"), &st));
    EXPECT_EQ(st.st_mode & 0777, 0750);
}

TEST(not_applied_to_chmod_or_symlink_target)
{
    umask(077);
    write_file(tpath("f"), "", 0600);
    CHECK(chmod(tpath("f"), 0755));
    struct stat st;
    CHECK(stat(tpath("f"), &st));
    EXPECT_EQ(st.st_mode & 0777, 0755);
}

TEST(inherited_by_child)
{
    umask(0123);
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(umask(0) == 0123 ? 0 : 1);
    EXPECT_EXIT(pid, 0);
}

TEST(proc_status_reports_umask)
{
    umask(0037);
    char buf[4096];
    read_file("/proc/self/status", buf, sizeof(buf));
    EXPECT_TRUE(strstr(buf, "\nUmask:\t0037\n") != NULL);
}
