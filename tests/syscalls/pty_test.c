// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for pseudo-terminals: /dev/ptmx and /dev/pts/N, the line discipline
 * (canonical editing, echo, raw mode, EOF, signals) and the terminal ioctls (window size,
 * controlling terminal, process groups). */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

/* Open a master and its unlocked slave (O_NOCTTY). */
static void open_pair(int *m, int *s)
{
    *m = CHECK(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK(grantpt(*m));
    CHECK(unlockpt(*m));
    *s = CHECK(open(ptsname(*m), O_RDWR | O_NOCTTY));
}

/* Read what is available on @fd within a short time into @buf (NUL-terminated). */
static ssize_t read_avail(int fd, char *buf, size_t size)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    size_t total = 0;
    while (total + 1 < size && poll(&pfd, 1, 200) == 1 && (pfd.revents & POLLIN)) {
        ssize_t n = read(fd, buf + total, size - 1 - total);
        if (n <= 0)
            break;
        total += (size_t)n;
    }
    buf[total] = 0;
    return (ssize_t)total;
}

TEST(ptmx_ptsname_and_slave)
{
    int m = CHECK(posix_openpt(O_RDWR | O_NOCTTY));
    EXPECT_TRUE(isatty(m));
    CHECK(grantpt(m));
    CHECK(unlockpt(m));
    const char *name = ptsname(m);
    EXPECT_TRUE(name != NULL && strncmp(name, "/dev/pts/", 9) == 0);
    int n = -1;
    EXPECT_OK(ioctl(m, TIOCGPTN, &n));
    EXPECT_EQ(n, atoi(name + 9));
    int s = CHECK(open(name, O_RDWR | O_NOCTTY));
    EXPECT_TRUE(isatty(s));
    struct stat st;
    CHECK(fstat(s, &st));
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(major(st.st_rdev), 136u);
    EXPECT_EQ(minor(st.st_rdev), (unsigned)n);
    close(s);
    close(m);
}

TEST(locked_slave_eio)
{
    int m = CHECK(posix_openpt(O_RDWR | O_NOCTTY));
    int n;
    CHECK(ioctl(m, TIOCGPTN, &n));
    char name[32];
    snprintf(name, sizeof(name), "/dev/pts/%d", n);
    int lock = 1;
    CHECK(ioctl(m, TIOCSPTLCK, &lock));
    EXPECT_ERRNO(open(name, O_RDWR | O_NOCTTY), EIO);
    close(m);
}

TEST(canonical_line_after_newline)
{
    int m, s;
    open_pair(&m, &s);
    CHECK(fcntl(s, F_SETFL, O_NONBLOCK));
    char buf[64];
    CHECK(write(m, "hello", 5));
    EXPECT_ERRNO(read(s, buf, sizeof(buf)), EAGAIN);
    int avail = -1;
    EXPECT_OK(ioctl(s, FIONREAD, &avail));
    EXPECT_EQ(avail, 0);
    CHECK(write(m, "\r", 1)); /* ICRNL */
    ssize_t r = read(s, buf, sizeof(buf));
    EXPECT_EQ(r, 6);
    EXPECT_TRUE(r == 6 && memcmp(buf, "hello\n", 6) == 0);
    /* Only one line per read. */
    CHECK(write(m, "a\nb\n", 4));
    EXPECT_EQ(read(s, buf, sizeof(buf)), 2);
    EXPECT_EQ(read(s, buf, sizeof(buf)), 2);
    EXPECT_EQ(buf[0], 'b');
    close(s);
    close(m);
}

TEST(echo_and_erase)
{
    int m, s;
    open_pair(&m, &s);
    CHECK(write(m,
                "ab\x7f"
                "c\n",
                5));
    char buf[64];
    EXPECT_EQ(read(s, buf, sizeof(buf)), 3);
    EXPECT_TRUE(memcmp(buf, "ac\n", 3) == 0);
    read_avail(m, buf, sizeof(buf));
    EXPECT_STREQ(buf, "ab\b \bc\r\n");
    /* VKILL erases the whole line. */
    CHECK(write(m,
                "xyz\x15"
                "q\n",
                6));
    EXPECT_EQ(read(s, buf, sizeof(buf)), 2);
    EXPECT_EQ(buf[0], 'q');
    close(s);
    close(m);
}

TEST(output_onlcr)
{
    int m, s;
    open_pair(&m, &s);
    CHECK(write(s, "hi\n", 3));
    char buf[64];
    read_avail(m, buf, sizeof(buf));
    EXPECT_STREQ(buf, "hi\r\n");
    int q = -1;
    EXPECT_OK(ioctl(m, FIONREAD, &q));
    EXPECT_EQ(q, 0);
    close(s);
    close(m);
}

TEST(eof_character)
{
    int m, s;
    open_pair(&m, &s);
    char buf[64];
    CHECK(write(m, "ab\x04", 3));
    EXPECT_EQ(read(s, buf, sizeof(buf)), 2);
    CHECK(write(m, "\x04", 1));
    EXPECT_EQ(read(s, buf, sizeof(buf)), 0);
    close(s);
    close(m);
}

TEST(raw_mode)
{
    int m, s;
    open_pair(&m, &s);
    struct termios tio;
    CHECK(tcgetattr(s, &tio));
    EXPECT_TRUE(tio.c_lflag & ICANON);
    EXPECT_TRUE(tio.c_lflag & ECHO);
    cfmakeraw(&tio);
    CHECK(tcsetattr(s, TCSANOW, &tio));
    struct termios back;
    CHECK(tcgetattr(m, &back));
    EXPECT_TRUE(!(back.c_lflag & ICANON));
    CHECK(write(m, "x\r", 2));
    char buf[64];
    EXPECT_EQ(read(s, buf, sizeof(buf)), 2);
    EXPECT_TRUE(buf[0] == 'x' && buf[1] == '\r');
    CHECK(write(s, "a\n", 2));
    read_avail(m, buf, sizeof(buf));
    EXPECT_STREQ(buf, "a\n"); /* no echo, no ONLCR */
    /* VMIN 0, VTIME 0: a read never waits. */
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    CHECK(tcsetattr(s, TCSANOW, &tio));
    EXPECT_EQ(read(s, buf, sizeof(buf)), 0);
    close(s);
    close(m);
}

TEST(winsize)
{
    int m, s;
    open_pair(&m, &s);
    struct winsize ws = {.ws_row = 30, .ws_col = 100};
    EXPECT_OK(ioctl(m, TIOCSWINSZ, &ws));
    struct winsize got = {0};
    EXPECT_OK(ioctl(s, TIOCGWINSZ, &got));
    EXPECT_EQ(got.ws_row, 30);
    EXPECT_EQ(got.ws_col, 100);
    close(s);
    close(m);
}

static volatile sig_atomic_t g_sig;
static void on_sig(int sig)
{
    g_sig = sig;
}

/* A child that makes the slave its controlling terminal in a new session, tells the
 * parent through @ready, and waits for signal @sig. Exit 0 once it arrived. */
static pid_t ctty_child(const char *name, int ready, int sig)
{
    pid_t pid = CHECK(fork());
    if (pid != 0)
        return pid;
    signal(sig, on_sig);
    if (setsid() < 0)
        _exit(1);
    int s = open(name, O_RDWR); /* no O_NOCTTY: becomes the controlling terminal */
    if (s < 0)
        _exit(2);
    if (tcgetpgrp(s) != getpid())
        _exit(3);
    if (write(ready, "r", 1) != 1)
        _exit(4);
    for (int i = 0; i < 500 && !g_sig; i++)
        usleep(10000);
    _exit(g_sig == sig ? 0 : 5);
}

TEST(isig_intr_to_foreground)
{
    int m = CHECK(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK(grantpt(m));
    CHECK(unlockpt(m));
    int p[2];
    CHECK(pipe(p));
    pid_t pid = ctty_child(ptsname(m), p[1], SIGINT);
    char c;
    EXPECT_EQ(read(p[0], &c, 1), 1);
    CHECK(write(m, "\x03", 1));
    EXPECT_EXIT(pid, 0);
    close(m);
}

TEST(winsize_change_sends_sigwinch)
{
    int m = CHECK(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK(grantpt(m));
    CHECK(unlockpt(m));
    int p[2];
    CHECK(pipe(p));
    pid_t pid = ctty_child(ptsname(m), p[1], SIGWINCH);
    char c;
    EXPECT_EQ(read(p[0], &c, 1), 1);
    struct winsize ws = {.ws_row = 12, .ws_col = 34};
    CHECK(ioctl(m, TIOCSWINSZ, &ws));
    EXPECT_EXIT(pid, 0);
    close(m);
}

TEST(tiocsctty_in_new_session)
{
    int m = CHECK(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK(grantpt(m));
    CHECK(unlockpt(m));
    const char *name = ptsname(m);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (setsid() < 0)
            _exit(1);
        if (open("/dev/tty", O_RDWR) >= 0 || errno != ENXIO)
            _exit(2);
        int s = open(name, O_RDWR | O_NOCTTY);
        if (s < 0)
            _exit(3);
        pid_t sid;
        if (ioctl(s, TIOCGSID, &sid) == 0 || errno != ENOTTY)
            _exit(4);
        if (ioctl(s, TIOCSCTTY, 0) != 0)
            _exit(5);
        if (ioctl(s, TIOCGSID, &sid) != 0 || sid != getpid())
            _exit(6);
        if (tcgetpgrp(s) != getpid())
            _exit(7);
        int t = open("/dev/tty", O_RDWR);
        if (t < 0)
            _exit(8);
        if (write(t, "T", 1) != 1)
            _exit(9);
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
    char buf[16];
    read_avail(m, buf, sizeof(buf));
    EXPECT_STREQ(buf, "T");
    close(m);
}

TEST(background_read_gets_sigttin)
{
    int m = CHECK(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK(grantpt(m));
    CHECK(unlockpt(m));
    const char *name = ptsname(m);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (setsid() < 0)
            _exit(1);
        int s = open(name, O_RDWR);
        if (s < 0)
            _exit(2);
        pid_t bg = fork();
        if (bg == 0) {
            setpgid(0, 0);
            char c;
            read(s, &c, 1);
            _exit(10);
        }
        int st;
        if (waitpid(bg, &st, WUNTRACED) != bg)
            _exit(3);
        if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGTTIN)
            _exit(4);
        kill(bg, SIGKILL);
        waitpid(bg, &st, 0);
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
    close(m);
}
