// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for socket inodes made with mknod(S_IFSOCK): stat shows a socket, open
 * gives ENXIO, connect gives ECONNREFUSED (nothing is bound to the inode) and bind to the
 * path EADDRINUSE; on a tmpfs (/tmp) and on the root file system (the sandbox's overlay). */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static struct sockaddr_un unix_addr(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    return sa;
}

static void check_socket_node(const char *path)
{
    umask(022);
    EXPECT_OK(mknod(path, S_IFSOCK | 0666, 0));
    struct stat st;
    CHECK(stat(path, &st));
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0644);
    EXPECT_EQ(st.st_size, 0);
    EXPECT_EQ(st.st_nlink, 1);
    EXPECT_ERRNO(open(path, O_RDWR), ENXIO);
    EXPECT_ERRNO(mknod(path, S_IFSOCK | 0600, 0), EEXIST);

    struct sockaddr_un sa = unix_addr(path);
    int c = CHECK(socket(AF_UNIX, SOCK_STREAM, 0));
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&sa, sizeof(sa)), ECONNREFUSED);
    EXPECT_ERRNO(bind(c, (struct sockaddr *)&sa, sizeof(sa)), EADDRINUSE);
    close(c);
    int d = CHECK(socket(AF_UNIX, SOCK_DGRAM, 0));
    EXPECT_ERRNO(sendto(d, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)), ECONNREFUSED);
    close(d);

    /* Once unlinked the name is free again. */
    EXPECT_OK(unlink(path));
    c = CHECK(socket(AF_UNIX, SOCK_STREAM, 0));
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&sa, sizeof(sa)), ENOENT);
    close(c);
}

TEST(mknod_socket_on_tmpfs)
{
    check_socket_node(tpath("sock")); /* /tmp: a tmpfs in the sandbox */
}

TEST(mknod_socket_on_root_fs)
{
    /* /var/tmp: on the root file system, the overlay's upper layer in the sandbox. */
    char path[64];
    snprintf(path, sizeof(path), "/var/tmp/cvt-sock-%d", (int)getpid());
    unlink(path);
    check_socket_node(path);
}

TEST(mknodat_socket)
{
    int dir = CHECK(open(tpath(""), O_RDONLY | O_DIRECTORY));
    EXPECT_OK(mknodat(dir, "s", S_IFSOCK | 0600, makedev(1, 3))); /* the number is ignored */
    struct stat st;
    CHECK(fstatat(dir, "s", &st, 0));
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_rdev, 0);
    close(dir);
}

TEST(connect_to_non_socket_file_refused)
{
    const char *path = tpath("plain");
    write_file(path, "", 0644);
    struct sockaddr_un sa = unix_addr(path);
    int c = CHECK(socket(AF_UNIX, SOCK_STREAM, 0));
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&sa, sizeof(sa)), ECONNREFUSED);
    close(c);
}
