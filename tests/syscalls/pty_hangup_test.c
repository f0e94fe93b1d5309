// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for terminal hang-ups: a controlling process (session leader) that exits
 * sends SIGHUP to the foreground group of its pty and frees the terminal of its session;
 * closing the master hangs the slave up (blocked readers get EIO, later reads EOF, writes and
 * ioctls EIO), the session leader gets SIGHUP and SIGCONT, and when it then exits the group
 * that was in the foreground gets them too. Closing the last slave gives the master EIO. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static int open_master(char *name, size_t size)
{
    int m = CHECK(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK(grantpt(m));
    CHECK(unlockpt(m));
    snprintf(name, size, "%s", ptsname(m));
    return m;
}

static volatile sig_atomic_t g_hup, g_cont;
static void on_hup(int sig)
{
    g_hup++;
}
static void on_cont(int sig)
{
    g_cont++;
}

static void catch_hup_cont(void)
{
    struct sigaction sa = {.sa_handler = on_hup, .sa_flags = SA_RESTART};
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_cont;
    sigaction(SIGCONT, &sa, NULL);
}

/* Wait up to @ms for a SIGHUP. */
static bool wait_hup(int ms)
{
    for (int i = 0; i < ms / 10 && !g_hup; i++)
        usleep(10000);
    return g_hup != 0;
}

/* Read one two-byte report "<tag><value>" from @fd within 10 s. */
static bool get_report(int fd, char *tag, unsigned char *val)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    char b[2];
    if (poll(&pfd, 1, 10000) != 1 || read(fd, b, 2) != 2)
        return false;
    *tag = b[0];
    *val = (unsigned char)b[1];
    return true;
}

static void report(int fd, char tag, int val)
{
    char b[2] = {tag, (char)val};
    (void)!write(fd, b, 2);
}

/* What a member of the leader's session reports once the leader exited: bit 0 no SIGHUP,
 * bit 1 /dev/tty still opens, bit 2 the slave still has a foreground group for it. */
static int after_leader_exit(int s)
{
    int r = wait_hup(5000) ? 0 : 1;
    int t = open("/dev/tty", O_RDWR);
    if (t >= 0 || errno != ENXIO)
        r |= 2;
    if (tcgetpgrp(s) != -1 || errno != ENOTTY)
        r |= 4;
    return r;
}

TEST(leader_exit_hangs_up_foreground_group)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int p[2];
    CHECK(pipe(p));
    pid_t leader = CHECK(fork());
    if (leader == 0) {
        close(m);
        close(p[0]);
        catch_hup_cont();
        if (setsid() < 0)
            _exit(1);
        int s = open(name, O_RDWR);
        if (s < 0)
            _exit(2);
        pid_t fg = fork(); /* in the leader's (foreground) group */
        if (fg == 0) {
            report(p[1], 'F', after_leader_exit(s));
            _exit(0);
        }
        pid_t stopped = fork(); /* also foreground, but stopped: no SIGCONT comes */
        if (stopped == 0) {
            wait_hup(20000);
            report(p[1], 'C', 0);
            _exit(0);
        }
        pid_t me = getpid();
        pid_t bg = fork(); /* a background group: no SIGHUP */
        if (bg == 0) {
            setpgid(0, 0);
            for (int i = 0; i < 2000 && getppid() == me; i++)
                usleep(5000);
            usleep(300000);
            report(p[1], 'B', g_hup);
            _exit(0);
        }
        setpgid(bg, bg);
        kill(stopped, SIGSTOP);
        int st;
        if (waitpid(stopped, &st, WUNTRACED) != stopped || !WIFSTOPPED(st))
            _exit(3);
        report(p[1], 'S', 0);
        (void)!write(p[1], &stopped, sizeof(stopped));
        _exit(0);
    }
    close(p[1]);
    EXPECT_EXIT(leader, 0);
    char tag;
    unsigned char val;
    pid_t stopped = 0;
    bool seen_f = false, seen_b = false;
    for (int i = 0; i < 3; i++) {
        if (!get_report(p[0], &tag, &val)) {
            FAIL("report %d missing", i);
            break;
        }
        if (tag == 'S')
            EXPECT_EQ(read(p[0], &stopped, sizeof(stopped)), (ssize_t)sizeof(stopped));
        else if (tag == 'F')
            {
            seen_f = true;
            EXPECT_EQ(val, 0);
        }
        else if (tag == 'B')
            {
            seen_b = true;
            EXPECT_EQ(val, 0);
        }
        else
            FAIL("unexpected report %c", tag);
    }
    EXPECT_TRUE(seen_f && seen_b);
    /* The stopped member got SIGHUP but no SIGCONT: it stays stopped. */
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    EXPECT_EQ(poll(&pfd, 1, 300), 0);
    if (stopped > 0)
        kill(stopped, SIGKILL);
    close(p[0]);
    close(m);
}

/* A foreground member (not the leader) blocked reading the slave when the master closes.
 * Reports bits: 0 the read did not fail with EIO, 1 a later read is not EOF, 2 a write is not
 * EIO, 3 TCGETS is not EIO, 4 TIOCSPGRP is not ENOTTY, 5 poll is not everything, 6 SIGHUP
 * came with the hang-up (only the leader gets it), 7 no SIGHUP once the leader exited. The
 * leader waits for @done before it exits. */
static int hung_up_reader(int s, int done)
{
    char buf[8];
    int r = 0;
    if (read(s, buf, sizeof(buf)) != -1 || errno != EIO)
        r |= 1;
    if (read(s, buf, sizeof(buf)) != 0)
        r |= 2;
    if (write(s, "x", 1) != -1 || errno != EIO)
        r |= 4;
    struct termios tio;
    if (tcgetattr(s, &tio) != -1 || errno != EIO)
        r |= 8;
    pid_t pg = getpgrp();
    if (ioctl(s, TIOCSPGRP, &pg) != -1 || errno != ENOTTY)
        r |= 16;
    struct pollfd pfd = {.fd = s, .events = POLLIN | POLLOUT};
    if (poll(&pfd, 1, 0) != 1 || pfd.revents != (POLLIN | POLLOUT | POLLERR | POLLHUP))
        r |= 32;
    if (g_hup)
        r |= 64;
    close(done); /* the leader may exit now */
    if (!wait_hup(5000))
        r |= 128;
    return r;
}

/* The session leader once the master closed: bit 0 no SIGHUP, 1 no SIGCONT, 2 /dev/tty
 * still opens. */
static int hung_up_leader(void)
{
    int r = wait_hup(5000) ? 0 : 1;
    for (int i = 0; i < 500 && !g_cont; i++) /* once seen late on a loaded machine */
        usleep(10000);
    if (!g_cont)
        r |= 2;
    if (open("/dev/tty", O_RDWR) >= 0 || errno != ENXIO)
        r |= 4;
    return r;
}

TEST(master_close_hangs_up_session)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int p[2];
    CHECK(pipe(p));
    pid_t leader = CHECK(fork());
    if (leader == 0) {
        close(m);
        close(p[0]);
        catch_hup_cont();
        if (setsid() < 0)
            _exit(1);
        int s = open(name, O_RDWR);
        if (s < 0)
            _exit(2);
        int q[2];
        if (pipe(q) < 0)
            _exit(3);
        pid_t reader = fork();
        if (reader == 0) {
            close(q[0]);
            report(p[1], 'R', hung_up_reader(s, q[1]));
            _exit(0);
        }
        close(q[1]);
        report(p[1], 'P', 0);
        (void)!write(p[1], &reader, sizeof(reader));
        report(p[1], 'L', hung_up_leader());
        char c;
        while (read(q[0], &c, 1) < 0 && errno == EINTR)
            ; /* until the reader has made its checks */
        _exit(0);
    }
    close(p[1]);
    char tag;
    unsigned char val;
    pid_t reader = 0;
    if (!get_report(p[0], &tag, &val) || tag != 'P' ||
        read(p[0], &reader, sizeof(reader)) != sizeof(reader))
        FATAL("no reader");
    CHECK(harness_wait_process_sleeping(reader));
    close(m);
    bool seen_r = false, seen_l = false;
    for (int i = 0; i < 2; i++) {
        if (!get_report(p[0], &tag, &val)) {
            FAIL("report %d missing", i);
            break;
        }
        if (tag == 'R')
            {
            seen_r = true;
            EXPECT_EQ(val, 0);
        }
        else if (tag == 'L')
            {
            seen_l = true;
            EXPECT_EQ(val, 0);
        }
        else
            FAIL("unexpected report %c", tag);
    }
    EXPECT_TRUE(seen_r && seen_l);
    EXPECT_EXIT(leader, 0);
    close(p[0]);
}

TEST(master_close_discards_pending_input)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int s = CHECK(open(name, O_RDWR | O_NOCTTY));
    CHECK(write(m, "abc\n", 4));
    close(m);
    char buf[8];
    EXPECT_EQ(read(s, buf, sizeof(buf)), 0);
    EXPECT_ERRNO(write(s, "x", 1), EIO);
    EXPECT_ERRNO(open(name, O_RDWR | O_NOCTTY), ENOENT);
    close(s);
}

TEST(slave_close_gives_master_data_then_eio)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int s = CHECK(open(name, O_RDWR | O_NOCTTY));
    CHECK(write(s, "hi", 2));
    close(s);
    struct pollfd pfd = {.fd = m, .events = POLLIN};
    EXPECT_EQ(poll(&pfd, 1, 1000), 1);
    EXPECT_TRUE(pfd.revents & POLLHUP);
    char buf[8];
    EXPECT_EQ(read(m, buf, sizeof(buf)), 2);
    EXPECT_ERRNO(read(m, buf, sizeof(buf)), EIO);
    /* The slave can be opened again: the master reads work once more. */
    s = CHECK(open(name, O_RDWR | O_NOCTTY));
    CHECK(write(s, "z", 1));
    EXPECT_EQ(read(m, buf, sizeof(buf)), 1);
    close(s);
    close(m);
}
