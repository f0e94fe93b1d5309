// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for the terminal requests that need CAP_SYS_ADMIN: taking a terminal
 * that is another session's controlling terminal (TIOCSCTTY with 1), making one the
 * controlling terminal through a descriptor not open for reading, and reopening a slave
 * in exclusive mode (TIOCEXCL). The unprivileged side is root without CAP_SYS_ADMIN, so
 * the device's mode still lets it open the slave. */
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>

#include "tests/syscalls/harness.h"

#ifndef TIOCGEXCL
#define TIOCGEXCL _IOR('T', 0x40, int)
#endif

static void need_root(void)
{
    if (geteuid() != 0)
        SKIP("needs root, with and without CAP_SYS_ADMIN");
}

static void drop_sys_admin(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0)
        FATAL("capget");
    d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
    if (syscall(SYS_capset, &h, d) != 0)
        FATAL("capset: %s", strerror(errno));
}

/* A new pty; its master fd and the slave's path. */
static int open_pty(char *slave, size_t size)
{
    int m = CHECK(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK(grantpt(m));
    CHECK(unlockpt(m));
    if (ptsname_r(m, slave, size) != 0)
        FATAL("ptsname_r");
    return m;
}

/* In a new session: open @slave without acquiring it and ask TIOCSCTTY(@arg). Exits with
 * the errno (0 on success); @admin false drops CAP_SYS_ADMIN first. Keeps the terminal
 * until @hold closes when it got it. */
static pid_t try_sctty(const char *slave, int flags, int arg, int admin, int *result_fd)
{
    int res[2];
    CHECK(pipe(res));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        close(res[0]);
        CHECK(setsid());
        if (!admin)
            drop_sys_admin();
        int fd = CHECK(open(slave, flags | O_NOCTTY));
        int e = ioctl(fd, TIOCSCTTY, arg) == 0 ? 0 : errno;
        if (e == 0) {
            pid_t sid = 0;
            if (ioctl(fd, TIOCGSID, &sid) != 0 || sid != getsid(0))
                e = -1;
        }
        CHECK(write(res[1], &e, sizeof(e)));
        _exit(0);
    }
    close(res[1]);
    *result_fd = res[0];
    return pid;
}

static int result_of(pid_t pid, int fd)
{
    int e = -2;
    if (read(fd, &e, sizeof(e)) != (ssize_t)sizeof(e))
        FAIL("no result from %d", (int)pid);
    close(fd);
    EXPECT_EXIT(pid, 0);
    return e;
}

/* A session leader that holds @slave as its controlling terminal until told to go. */
static pid_t start_owner(const char *slave, int *go_fd)
{
    int go[2], ready[2];
    CHECK(pipe(go));
    CHECK(pipe(ready));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        close(go[1]);
        CHECK(setsid());
        int fd = CHECK(open(slave, O_RDWR)); /* acquires it */
        pid_t sid = 0;
        CHECK(ioctl(fd, TIOCGSID, &sid));
        char c = sid == getpid() ? 'y' : 'n';
        CHECK(write(ready[1], &c, 1));
        (void)!read(go[0], &c, 1);
        _exit(0);
    }
    close(go[0]);
    close(ready[1]);
    char c = 0;
    CHECK(read(ready[0], &c, 1));
    close(ready[0]);
    if (c != 'y')
        FATAL("the owner did not get the terminal");
    *go_fd = go[1];
    return pid;
}

TEST(steal_ctty_needs_cap_sys_admin)
{
    need_root();
    char slave[64];
    int m = open_pty(slave, sizeof(slave));
    int go, r;
    pid_t owner = start_owner(slave, &go);
    pid_t pid = try_sctty(slave, O_RDWR, 1, 0, &r);
    EXPECT_EQ(result_of(pid, r), EPERM);
    pid = try_sctty(slave, O_RDWR, 0, 1, &r);
    EXPECT_EQ(result_of(pid, r), EPERM); /* root too, without asking to steal */
    pid = try_sctty(slave, O_RDWR, 1, 1, &r);
    EXPECT_EQ(result_of(pid, r), 0); /* root steals it */
    close(go);
    EXPECT_EXIT(owner, 0);
    close(m);
}

TEST(ctty_through_write_only_fd_needs_cap_sys_admin)
{
    need_root();
    char slave[64];
    int m = open_pty(slave, sizeof(slave));
    int r;
    pid_t pid = try_sctty(slave, O_WRONLY, 0, 0, &r);
    EXPECT_EQ(result_of(pid, r), EPERM);
    pid = try_sctty(slave, O_RDONLY, 0, 0, &r);
    EXPECT_EQ(result_of(pid, r), 0);
    pid = try_sctty(slave, O_WRONLY, 0, 1, &r);
    EXPECT_EQ(result_of(pid, r), 0);
    close(m);
}

/* A session leader that opens a terminal only for writing does not acquire it. */
TEST(write_only_open_does_not_acquire)
{
    char slave[64];
    int m = open_pty(slave, sizeof(slave));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        CHECK(setsid());
        int w = CHECK(open(slave, O_WRONLY));
        pid_t sid;
        EXPECT_ERRNO(ioctl(w, TIOCGSID, &sid), ENOTTY);
        int r = CHECK(open(slave, O_RDONLY));
        EXPECT_OK(ioctl(r, TIOCGSID, &sid));
        EXPECT_EQ(sid, getpid());
        child_done();
    }
    EXPECT_EXIT(pid, 0);
    close(m);
}

/* Open @slave in a child (@admin false: without CAP_SYS_ADMIN). Returns the errno. */
static int reopen_errno(const char *slave, int admin)
{
    int res[2];
    CHECK(pipe(res));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (!admin)
            drop_sys_admin();
        int fd = open(slave, O_RDWR | O_NOCTTY);
        int e = fd >= 0 ? 0 : errno;
        CHECK(write(res[1], &e, sizeof(e)));
        _exit(0);
    }
    close(res[1]);
    return result_of(pid, res[0]);
}

TEST(exclusive_slave_reopen_needs_cap_sys_admin)
{
    need_root();
    char slave[64];
    int m = open_pty(slave, sizeof(slave));
    int s = CHECK(open(slave, O_RDWR | O_NOCTTY));
    int excl = -1;
    CHECK(ioctl(s, TIOCGEXCL, &excl));
    EXPECT_EQ(excl, 0);
    CHECK(ioctl(s, TIOCEXCL));
    CHECK(ioctl(s, TIOCGEXCL, &excl));
    EXPECT_EQ(excl, 1);
    CHECK(ioctl(m, TIOCGEXCL, &excl)); /* the master's own flag */
    EXPECT_EQ(excl, 0);
    EXPECT_EQ(reopen_errno(slave, 0), EBUSY);
    EXPECT_EQ(reopen_errno(slave, 1), 0);
    CHECK(ioctl(s, TIOCNXCL));
    EXPECT_EQ(reopen_errno(slave, 0), 0);
    close(s);
    close(m);
}
