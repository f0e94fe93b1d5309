// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for name_to_handle_at and open_by_handle_at where Linux has no export
 * support: /proc (procfs encodes no file handles) gives EOPNOTSUPP after the flags (EINVAL)
 * and the path (ENOENT, ENOTDIR) are checked; open_by_handle_at rejects a bad mount
 * descriptor (EBADF) and a handle of size 0 or above MAX_HANDLE_SZ (EINVAL), then needs
 * CAP_DAC_READ_SEARCH (EPERM). */
#include <fcntl.h>

#include "tests/syscalls/harness.h"

static struct {
    struct file_handle fh;
    unsigned char bytes[MAX_HANDLE_SZ];
} h;

TEST(name_to_handle_proc)
{
    int mnt;
    h.fh.handle_bytes = MAX_HANDLE_SZ;
    EXPECT_ERRNO(name_to_handle_at(AT_FDCWD, "/proc/self/status", &h.fh, &mnt, 0), EOPNOTSUPP);
    EXPECT_ERRNO(name_to_handle_at(AT_FDCWD, "/proc/self", &h.fh, &mnt, AT_SYMLINK_FOLLOW),
                 EOPNOTSUPP);
    int fd = CHECK(open("/proc/self/status", O_RDONLY));
    EXPECT_ERRNO(name_to_handle_at(fd, "", &h.fh, &mnt, AT_EMPTY_PATH), EOPNOTSUPP);
    EXPECT_ERRNO(name_to_handle_at(fd, "", &h.fh, &mnt, 0), ENOENT);
    close(fd);
    EXPECT_ERRNO(name_to_handle_at(AT_FDCWD, "/proc/self/nonexistent", &h.fh, &mnt, 0), ENOENT);
    EXPECT_ERRNO(name_to_handle_at(AT_FDCWD, "/proc/self/status/x", &h.fh, &mnt, 0), ENOTDIR);
    EXPECT_ERRNO(name_to_handle_at(AT_FDCWD, "/proc/self/status", &h.fh, &mnt, 0x4), EINVAL);
    EXPECT_ERRNO(name_to_handle_at(999, "status", &h.fh, &mnt, 0), EBADF);
}

TEST(open_by_handle)
{
    /* The descriptor and the handle's size are checked first, then the privilege. */
    h.fh.handle_bytes = 0;
    h.fh.handle_type = 1;
    EXPECT_ERRNO(open_by_handle_at(AT_FDCWD, &h.fh, O_RDONLY), EINVAL);
    h.fh.handle_bytes = MAX_HANDLE_SZ + 1;
    EXPECT_ERRNO(open_by_handle_at(AT_FDCWD, &h.fh, O_RDONLY), EINVAL);
    h.fh.handle_bytes = 8;
    EXPECT_ERRNO(open_by_handle_at(999, &h.fh, O_RDONLY), EBADF);
    if (!harness_is_root())
        EXPECT_ERRNO(open_by_handle_at(AT_FDCWD, &h.fh, O_RDONLY), EPERM);
}
