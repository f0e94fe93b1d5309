// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for AF_UNIX path names: bind makes a socket inode (S_IFSOCK, mode 0777
 * less the umask, EADDRINUSE on an existing name), connect needs write permission on it,
 * the binding follows the inode across rename and unlink, and a closed socket's inode
 * stays and refuses. Run as root and unprivileged: the permission parts drop to nobody. */
#include <grp.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static socklen_t addr_of(const char *path, struct sockaddr_un *a)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(a->sun_path))
        FATAL("socket path too long: %s", path);
    memcpy(a->sun_path, path, strlen(path));
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static int bound(const char *path, int type)
{
    struct sockaddr_un a;
    socklen_t len = addr_of(path, &a);
    int s = CHECK(socket(AF_UNIX, type, 0));
    CHECK(bind(s, (struct sockaddr *)&a, len));
    if (type == SOCK_STREAM)
        CHECK(listen(s, 4));
    return s;
}

static int try_connect(const char *path)
{
    struct sockaddr_un a;
    socklen_t len = addr_of(path, &a);
    int c = CHECK(socket(AF_UNIX, SOCK_STREAM, 0));
    int r = connect(c, (struct sockaddr *)&a, len);
    int e = errno;
    close(c);
    errno = e;
    return r;
}

TEST(bind_makes_a_socket_inode)
{
    char p[300];
    snprintf(p, sizeof(p), "%s/s", harness_tmp);
    mode_t old = umask(027);
    int s = bound(p, SOCK_STREAM);
    umask(old);
    struct stat st;
    CHECK(lstat(p, &st));
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0750);
    EXPECT_EQ(st.st_uid, geteuid());
    EXPECT_ERRNO(open(p, O_RDONLY), ENXIO);
    /* A second bind to the name: the inode is there. */
    int s2 = CHECK(socket(AF_UNIX, SOCK_STREAM, 0));
    struct sockaddr_un a;
    socklen_t len = addr_of(p, &a);
    EXPECT_ERRNO(bind(s2, (struct sockaddr *)&a, len), EADDRINUSE);
    /* Any existing file makes bind fail the same way. */
    char f[300];
    snprintf(f, sizeof(f), "%s/file", harness_tmp);
    close(CHECK(open(f, O_CREAT | O_WRONLY, 0600)));
    len = addr_of(f, &a);
    EXPECT_ERRNO(bind(s2, (struct sockaddr *)&a, len), EADDRINUSE);
    EXPECT_ERRNO(try_connect(f), ECONNREFUSED);
    close(s2);
    close(s);
}

TEST(closed_socket_leaves_its_inode)
{
    char p[300];
    snprintf(p, sizeof(p), "%s/s", harness_tmp);
    int s = bound(p, SOCK_STREAM);
    EXPECT_OK(try_connect(p));
    close(s);
    struct stat st;
    EXPECT_OK(lstat(p, &st));
    EXPECT_ERRNO(try_connect(p), ECONNREFUSED);
    EXPECT_OK(unlink(p));
    EXPECT_ERRNO(try_connect(p), ENOENT);
    /* The name is free again. */
    s = bound(p, SOCK_STREAM);
    close(s);
}

TEST(binding_follows_the_inode)
{
    char p[300], q[300];
    snprintf(p, sizeof(p), "%s/a", harness_tmp);
    snprintf(q, sizeof(q), "%s/b", harness_tmp);
    int s = bound(p, SOCK_STREAM);
    CHECK(rename(p, q));
    EXPECT_ERRNO(try_connect(p), ENOENT);
    EXPECT_OK(try_connect(q));
    CHECK(unlink(q));
    EXPECT_ERRNO(try_connect(q), ENOENT);
    /* getsockname still reports the name it was bound to. */
    struct sockaddr_un a;
    socklen_t len = sizeof(a);
    CHECK(getsockname(s, (struct sockaddr *)&a, &len));
    EXPECT_EQ(strcmp(a.sun_path, p), 0);
    close(s);
}

TEST(datagram_sendto_a_path)
{
    char p[300];
    snprintf(p, sizeof(p), "%s/d", harness_tmp);
    int r = bound(p, SOCK_DGRAM);
    int c = CHECK(socket(AF_UNIX, SOCK_DGRAM, 0));
    struct sockaddr_un a;
    socklen_t len = addr_of(p, &a);
    EXPECT_EQ(sendto(c, "hi", 2, 0, (struct sockaddr *)&a, len), 2);
    char buf[4];
    EXPECT_EQ(recv(r, buf, sizeof(buf), 0), 2);
    close(r);
    EXPECT_ERRNO(sendto(c, "hi", 2, 0, (struct sockaddr *)&a, len), ECONNREFUSED);
    close(c);
}

/* In a child that dropped to nobody: connect without write permission on the socket inode,
 * and bind in a directory it cannot write. */
TEST(permissions_of_the_inode_and_the_directory)
{
    if (geteuid() != 0)
        SKIP("needs root to set up files of another user");
    char dir[300], p[320], q[320];
    snprintf(dir, sizeof(dir), "%s/d", harness_tmp);
    CHECK(mkdir(dir, 0755));
    CHECK(chmod(harness_tmp, 0755));
    snprintf(p, sizeof(p), "%s/s", dir);
    snprintf(q, sizeof(q), "%s/mine", dir);
    mode_t old = umask(022);
    int s = bound(p, SOCK_STREAM); /* 0755: nobody may not write it */
    umask(old);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
            _exit(2);
        struct sockaddr_un a;
        socklen_t len = addr_of(q, &a);
        int b = socket(AF_UNIX, SOCK_STREAM, 0);
        int ok = try_connect(p) < 0 && errno == EACCES;
        ok = ok && bind(b, (struct sockaddr *)&a, len) < 0 && errno == EACCES;
        _exit(ok ? 0 : 1);
    }
    int st;
    CHECK(waitpid(pid, &st, 0));
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* Once the inode is world-writable, nobody may connect. */
    CHECK(chmod(p, 0777));
    pid = CHECK(fork());
    if (pid == 0) {
        if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
            _exit(2);
        _exit(try_connect(p) == 0 ? 0 : 1);
    }
    CHECK(waitpid(pid, &st, 0));
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(s);
}
