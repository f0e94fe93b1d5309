// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for advisory locks: flock(2) per open file description, fcntl POSIX
 * record locks (per process, split/merged ranges, released on any close, F_GETLK, EAGAIN,
 * EDEADLK, F_SETLKW interrupted by a signal) and F_OFD_* locks. */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include "tests/syscalls/harness.h"

static int open_file(const char *name)
{
    return CHECK(open(tpath(name), O_RDWR | O_CREAT, 0644));
}

static int setlk(int fd, int cmd, int type, off_t start, off_t len)
{
    struct flock fl = {.l_type = (short)type, .l_whence = SEEK_SET, .l_start = start,
                       .l_len = len};
    return fcntl(fd, cmd, &fl);
}

/* F_GETLK/F_OFD_GETLK for @type over [start, start+len): fills @fl. */
static void getlk(int fd, int cmd, int type, off_t start, off_t len, struct flock *fl)
{
    memset(fl, 0, sizeof(*fl));
    fl->l_type = (short)type;
    fl->l_whence = SEEK_SET;
    fl->l_start = start;
    fl->l_len = len;
    CHECK(fcntl(fd, cmd, fl));
}

TEST(flock_exclusive_and_shared)
{
    int a = open_file("f"), b = open_file("f");
    EXPECT_OK(flock(a, LOCK_EX));
    EXPECT_ERRNO(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    EXPECT_ERRNO(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    EXPECT_OK(flock(a, LOCK_EX)); /* again: no-op */
    EXPECT_OK(flock(a, LOCK_SH)); /* downgrade */
    EXPECT_OK(flock(b, LOCK_SH | LOCK_NB));
    EXPECT_ERRNO(flock(a, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    EXPECT_OK(flock(b, LOCK_UN));
    EXPECT_OK(flock(a, LOCK_EX | LOCK_NB));
    EXPECT_OK(flock(a, LOCK_UN));
    EXPECT_OK(flock(b, LOCK_EX | LOCK_NB));
}

TEST(flock_per_open_file)
{
    int a = open_file("f"), b = open_file("f");
    CHECK(flock(a, LOCK_EX));
    int d = CHECK(dup(a));
    EXPECT_OK(flock(d, LOCK_EX | LOCK_NB)); /* same description */
    close(a);
    EXPECT_ERRNO(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK); /* the dup keeps it */
    close(d);
    EXPECT_OK(flock(b, LOCK_EX | LOCK_NB)); /* last close released it */
    /* A forked child shares the description, so the lock too. */
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        _exit(flock(b, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(flock_blocks_until_unlock)
{
    int a = open_file("f");
    CHECK(flock(a, LOCK_EX));
    int p[2];
    CHECK(pipe(p));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int b = open(tpath("f"), O_RDONLY);
        if (write(p[1], "x", 1) != 1 || flock(b, LOCK_EX) != 0)
            _exit(1);
        _exit(0);
    }
    char c;
    CHECK(read(p[0], &c, 1));
    CHECK(harness_wait_process_sleeping(pid)); /* blocked in flock */
    EXPECT_EQ(waitpid(pid, NULL, WNOHANG), 0); /* still blocked */
    CHECK(flock(a, LOCK_UN));
    EXPECT_EXIT(pid, 0);
}

TEST(flock_errors)
{
    int a = open_file("f");
    EXPECT_ERRNO(flock(a, 0), EINVAL);
    EXPECT_ERRNO(flock(a, LOCK_SH | LOCK_EX), EINVAL);
    EXPECT_ERRNO(flock(-1, LOCK_SH), EBADF);
    EXPECT_ERRNO(flock(999, LOCK_SH), EBADF);
    int r = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_OK(flock(r, LOCK_EX | LOCK_NB)); /* any access mode may lock */
}

TEST(posix_conflicts_between_processes)
{
    int fd = open_file("f");
    CHECK(setlk(fd, F_SETLK, F_WRLCK, 0, 10));
    EXPECT_OK(setlk(fd, F_SETLK, F_WRLCK, 5, 10)); /* own locks never conflict */
    pid_t parent = getpid();
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int c = open(tpath("f"), O_RDWR);
        if (setlk(c, F_SETLK, F_RDLCK, 3, 1) != -1 || errno != EAGAIN)
            _exit(1);
        struct flock fl;
        getlk(c, F_GETLK, F_RDLCK, 0, 100, &fl);
        if (fl.l_type != F_WRLCK || fl.l_start != 0 || fl.l_len != 15 || fl.l_pid != parent ||
            fl.l_whence != SEEK_SET)
            _exit(2);
        getlk(c, F_GETLK, F_WRLCK, 15, 10, &fl);
        if (fl.l_type != F_UNLCK)
            _exit(3);
        if (setlk(c, F_SETLK, F_WRLCK, 15, 0) != 0) /* to EOF */
            _exit(4);
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(posix_split_and_merge)
{
    int fd = open_file("f");
    CHECK(setlk(fd, F_SETLK, F_WRLCK, 0, 100));
    CHECK(setlk(fd, F_SETLK, F_UNLCK, 40, 20)); /* [0,40) and [60,100) remain */
    CHECK(setlk(fd, F_SETLK, F_RDLCK, 200, 10));
    CHECK(setlk(fd, F_SETLK, F_RDLCK, 210, 10)); /* merges into [200,220) */
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int c = open(tpath("f"), O_RDWR);
        if (setlk(c, F_SETLK, F_WRLCK, 40, 20) != 0)
            _exit(1);
        struct flock fl;
        getlk(c, F_GETLK, F_WRLCK, 60, 1, &fl);
        if (fl.l_type != F_WRLCK || fl.l_start != 60 || fl.l_len != 40)
            _exit(2);
        getlk(c, F_GETLK, F_WRLCK, 0, 1, &fl);
        if (fl.l_start != 0 || fl.l_len != 40)
            _exit(3);
        getlk(c, F_GETLK, F_WRLCK, 205, 1, &fl);
        if (fl.l_type != F_RDLCK || fl.l_start != 200 || fl.l_len != 20)
            _exit(4);
        getlk(c, F_GETLK, F_RDLCK, 200, 20, &fl);
        if (fl.l_type != F_UNLCK) /* read locks share */
            _exit(5);
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(posix_released_on_any_close)
{
    int fd = open_file("f");
    CHECK(setlk(fd, F_SETLK, F_WRLCK, 0, 0));
    int other = CHECK(open(tpath("f"), O_RDONLY));
    close(other); /* releases the lock taken through fd */
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int c = open(tpath("f"), O_RDWR);
        _exit(setlk(c, F_SETLK, F_WRLCK, 0, 0) == 0 ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(posix_not_inherited_and_released_at_exit)
{
    int fd = open_file("f");
    int p[2], go[2];
    CHECK(pipe(p));
    CHECK(pipe(go));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int c = open(tpath("f"), O_RDWR);
        if (setlk(c, F_SETLK, F_WRLCK, 0, 1) != 0)
            _exit(1);
        char x;
        if (write(p[1], "x", 1) != 1 || read(go[0], &x, 1) != 1) /* hold it until told */
            _exit(2);
        _exit(0);
    }
    char c;
    CHECK(read(p[0], &c, 1));
    EXPECT_ERRNO(setlk(fd, F_SETLK, F_WRLCK, 0, 1), EAGAIN);
    CHECK(write(go[1], "g", 1));
    EXPECT_EXIT(pid, 0);
    EXPECT_OK(setlk(fd, F_SETLK, F_WRLCK, 0, 1)); /* the exit released it */
}

TEST(posix_setlkw_waits)
{
    int fd = open_file("f");
    CHECK(setlk(fd, F_SETLK, F_WRLCK, 0, 10));
    int p[2];
    CHECK(pipe(p));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int c = open(tpath("f"), O_RDWR);
        if (write(p[1], "x", 1) != 1)
            _exit(1);
        _exit(setlk(c, F_SETLKW, F_WRLCK, 5, 1) == 0 ? 0 : 2);
    }
    char c;
    CHECK(read(p[0], &c, 1));
    CHECK(harness_wait_process_sleeping(pid)); /* blocked in F_SETLKW */
    EXPECT_EQ(waitpid(pid, NULL, WNOHANG), 0);
    CHECK(setlk(fd, F_SETLK, F_UNLCK, 0, 10));
    EXPECT_EXIT(pid, 0);
}

static void on_alarm(int sig)
{
    (void)sig;
}

TEST(posix_setlkw_interrupted)
{
    int fd = open_file("f");
    CHECK(setlk(fd, F_SETLK, F_WRLCK, 0, 10));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
        sigaction(SIGALRM, &sa, NULL);
        int c = open(tpath("f"), O_RDWR);
        alarm(1);
        int r = setlk(c, F_SETLKW, F_WRLCK, 0, 1);
        _exit(r == -1 && errno == EINTR ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(posix_deadlock)
{
    int fd = open_file("f");
    CHECK(setlk(fd, F_SETLK, F_WRLCK, 0, 1));
    int p[2];
    CHECK(pipe(p));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int c = open(tpath("f"), O_RDWR);
        if (setlk(c, F_SETLK, F_WRLCK, 1, 1) != 0 || write(p[1], "x", 1) != 1)
            _exit(1);
        /* Blocks on the parent's byte 0 until the parent gives up. */
        _exit(setlk(c, F_SETLKW, F_WRLCK, 0, 1) == 0 ? 0 : 2);
    }
    char c;
    CHECK(read(p[0], &c, 1));
    CHECK(harness_wait_process_sleeping(pid)); /* the child waits for byte 0 */
    EXPECT_ERRNO(setlk(fd, F_SETLKW, F_WRLCK, 1, 1), EDEADLK);
    CHECK(setlk(fd, F_SETLK, F_UNLCK, 0, 1));
    EXPECT_EXIT(pid, 0);
}

TEST(posix_errors)
{
    int w = CHECK(open(tpath("f"), O_WRONLY | O_CREAT, 0644));
    EXPECT_ERRNO(setlk(w, F_SETLK, F_RDLCK, 0, 1), EBADF);
    int r = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_ERRNO(setlk(r, F_SETLK, F_WRLCK, 0, 1), EBADF);
    EXPECT_ERRNO(setlk(r, F_SETLK, 7, 0, 1), EINVAL);
    EXPECT_ERRNO(setlk(r, F_SETLK, F_RDLCK, -5, 1), EINVAL);
    EXPECT_ERRNO(setlk(r, F_SETLK, F_RDLCK, 5, -10), EINVAL);
    EXPECT_OK(setlk(r, F_SETLK, F_RDLCK, 5, -5)); /* [0,5) */
    struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET};
    EXPECT_ERRNO(fcntl(r, F_GETLK, &fl), EINVAL);
    EXPECT_ERRNO(fcntl(r, F_SETLK, (void *)8), EFAULT);
    EXPECT_ERRNO(setlk(99, F_SETLK, F_RDLCK, 0, 1), EBADF);
}

TEST(ofd_locks)
{
    int a = open_file("f"), b = open_file("f");
    EXPECT_OK(setlk(a, F_OFD_SETLK, F_WRLCK, 0, 10));
    EXPECT_ERRNO(setlk(b, F_OFD_SETLK, F_WRLCK, 5, 1), EAGAIN); /* same process, other OFD */
    EXPECT_ERRNO(setlk(b, F_SETLK, F_WRLCK, 5, 1), EAGAIN);     /* POSIX vs OFD */
    struct flock fl;
    getlk(b, F_OFD_GETLK, F_RDLCK, 0, 0, &fl);
    EXPECT_EQ(fl.l_type, F_WRLCK);
    EXPECT_EQ(fl.l_pid, -1);
    EXPECT_EQ(fl.l_len, 10);
    int other = open_file("f");
    close(other); /* closing another fd does not drop OFD locks */
    EXPECT_ERRNO(setlk(b, F_OFD_SETLK, F_WRLCK, 5, 1), EAGAIN);
    struct flock bad = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_pid = 1};
    EXPECT_ERRNO(fcntl(b, F_OFD_SETLK, &bad), EINVAL);
    close(a); /* last reference: released */
    EXPECT_OK(setlk(b, F_OFD_SETLK, F_WRLCK, 5, 1));
}
