// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for terminal job control from a background process group: TOSTOP writes
 * and terminal changes (tcsetattr, tcsetpgrp, tcflush) get SIGTTOU, unless SIGTTOU is ignored
 * or blocked; reads get SIGTTIN; an orphaned group gets EIO instead, and job-control stop
 * signals are discarded in it. Each test runs in a new session whose controlling terminal is
 * a pty slave. */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

/* Exit codes of a scene: the background child's own code, or these for a stop / a kill. */
#define STOPPED(sig) (100 + (sig))
#define KILLED(sig) (200 - 64 + (sig))

static int open_master(char *name, size_t size)
{
    int m = CHECK(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK(grantpt(m));
    CHECK(unlockpt(m));
    snprintf(name, size, "%s", ptsname(m));
    return m;
}

/* In the new session of a forked leader: make @name the controlling terminal (with TOSTOP
 * if asked) and return its descriptor. */
static int leader_setup(const char *name, int m, bool tostop)
{
    close(m);
    if (setsid() < 0)
        _exit(90);
    int s = open(name, O_RDWR);
    if (s < 0)
        _exit(91);
    if (tostop) {
        struct termios tio;
        if (tcgetattr(s, &tio) < 0)
            _exit(92);
        tio.c_lflag |= TOSTOP;
        if (tcsetattr(s, TCSANOW, &tio) < 0)
            _exit(93);
    }
    return s;
}

/* Run @fn(slave) in a background group of a new session on the pty; returns the scene
 * code (fn's return, STOPPED(sig) or KILLED(sig)). */
static int in_background(int (*fn)(int s), bool tostop)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    pid_t leader = CHECK(fork());
    if (leader == 0) {
        int s = leader_setup(name, m, tostop);
        pid_t bg = fork();
        if (bg == 0) {
            if (setpgid(0, 0) < 0)
                _exit(95);
            _exit(fn(s));
        }
        setpgid(bg, bg);
        int st;
        if (waitpid(bg, &st, WUNTRACED) != bg)
            _exit(94);
        if (WIFSTOPPED(st)) {
            int sig = WSTOPSIG(st);
            kill(bg, SIGKILL);
            waitpid(bg, &st, 0);
            _exit(STOPPED(sig));
        }
        _exit(WIFSIGNALED(st) ? KILLED(WTERMSIG(st)) : WEXITSTATUS(st));
    }
    int st = wait_status(leader);
    close(m);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int bg_write(int s)
{
    return write(s, "x", 1) == 1 ? 0 : 10 + errno;
}

TEST(tostop_background_write_stops)
{
    EXPECT_EQ(in_background(bg_write, true), STOPPED(SIGTTOU));
}

TEST(no_tostop_background_write_goes_through)
{
    EXPECT_EQ(in_background(bg_write, false), 0);
}

static int bg_write_ttou_ignored(int s)
{
    signal(SIGTTOU, SIG_IGN);
    return bg_write(s);
}

static int bg_write_ttou_blocked(int s)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTTOU);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int r = bg_write(s);
    sigpending(&set);
    return r ? r : sigismember(&set, SIGTTOU) ? 20 : 0;
}

TEST(tostop_ttou_ignored_or_blocked_write_proceeds)
{
    EXPECT_EQ(in_background(bg_write_ttou_ignored, true), 0);
    EXPECT_EQ(in_background(bg_write_ttou_blocked, true), 0);
}

static volatile sig_atomic_t g_sig;
static void on_sig(int sig)
{
    g_sig = sig;
}

static int bg_write_ttou_caught(int s)
{
    struct sigaction sa = {.sa_handler = on_sig}; /* no SA_RESTART */
    sigaction(SIGTTOU, &sa, NULL);
    if (write(s, "x", 1) != -1 || errno != EINTR)
        return 21;
    return g_sig == SIGTTOU ? 0 : 22;
}

TEST(tostop_caught_ttou_interrupts_write)
{
    EXPECT_EQ(in_background(bg_write_ttou_caught, true), 0);
}

TEST(tostop_write_restarts_in_foreground)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    pid_t leader = CHECK(fork());
    if (leader == 0) {
        int s = leader_setup(name, m, true);
        pid_t bg = fork();
        if (bg == 0) {
            setpgid(0, 0);
            _exit(write(s, "w", 1) == 1 ? 0 : 1);
        }
        setpgid(bg, bg);
        int st;
        if (waitpid(bg, &st, WUNTRACED) != bg || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGTTOU)
            _exit(2);
        if (tcsetpgrp(s, bg) < 0) /* the leader is in the foreground: no signal */
            _exit(3);
        kill(bg, SIGCONT);
        if (waitpid(bg, &st, 0) != bg || !WIFEXITED(st))
            _exit(4);
        _exit(WEXITSTATUS(st) == 0 ? 0 : 5);
    }
    EXPECT_EXIT(leader, 0);
    char c = 0;
    EXPECT_EQ(read(m, &c, 1), 1);
    EXPECT_EQ(c, 'w');
    close(m);
}

static int bg_tcsetattr(int s)
{
    struct termios tio;
    if (tcgetattr(s, &tio) < 0) /* reading the settings is allowed */
        return 30;
    return tcsetattr(s, TCSANOW, &tio) == 0 ? 0 : 31;
}

static int bg_tcsetpgrp(int s)
{
    return tcsetpgrp(s, getpgrp()) == 0 ? 0 : 10 + errno;
}

static int bg_tcflush(int s)
{
    return tcflush(s, TCIFLUSH) == 0 ? 0 : 10 + errno;
}

static int bg_winsize(int s)
{
    struct winsize ws = {.ws_row = 10, .ws_col = 20};
    return ioctl(s, TIOCSWINSZ, &ws) == 0 ? 0 : 10 + errno;
}

static int ignoring_ttou(int (*fn)(int), int s)
{
    signal(SIGTTOU, SIG_IGN);
    return fn(s);
}

static int bg_tcsetattr_ign(int s)
{
    return ignoring_ttou(bg_tcsetattr, s);
}

static int bg_tcsetpgrp_ign(int s)
{
    return ignoring_ttou(bg_tcsetpgrp, s);
}

TEST(background_terminal_changes_get_sigttou)
{
    /* Without TOSTOP too: changes are always checked. */
    EXPECT_EQ(in_background(bg_tcsetattr, false), STOPPED(SIGTTOU));
    EXPECT_EQ(in_background(bg_tcsetpgrp, false), STOPPED(SIGTTOU));
    EXPECT_EQ(in_background(bg_tcflush, false), STOPPED(SIGTTOU));
    EXPECT_EQ(in_background(bg_winsize, false), 0);
    EXPECT_EQ(in_background(bg_tcsetattr_ign, false), 0);
    EXPECT_EQ(in_background(bg_tcsetpgrp_ign, false), 0);
}

static int bg_read(int s)
{
    char c;
    return read(s, &c, 1) >= 0 ? 0 : 10 + errno;
}

static int bg_read_ttin_ignored(int s)
{
    signal(SIGTTIN, SIG_IGN);
    return bg_read(s);
}

TEST(background_read_gets_sigttin_or_eio)
{
    EXPECT_EQ(in_background(bg_read, false), STOPPED(SIGTTIN));
    EXPECT_EQ(in_background(bg_read_ttin_ignored, false), 10 + EIO);
}

/* The checks of an orphaned background group: a bit mask of the ones that failed. */
static int orphaned_checks(int s)
{
    int r = 0;
    if (write(s, "x", 1) != -1 || errno != EIO)
        r |= 1;
    struct termios tio;
    if (tcgetattr(s, &tio) < 0 || tcsetattr(s, TCSANOW, &tio) != -1 || errno != EIO)
        r |= 2;
    if (tcsetpgrp(s, getpgrp()) != -1 || errno != ENOTTY)
        r |= 4;
    char c;
    if (read(s, &c, 1) != -1 || errno != EIO)
        r |= 8;
    /* Job-control stop signals are discarded in an orphaned group (SIGSTOP is not). */
    raise(SIGTSTP);
    raise(SIGTTOU);
    raise(SIGTTIN);
    return r;
}

TEST(orphaned_background_group_gets_eio)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int p[2];
    CHECK(pipe(p));
    pid_t leader = CHECK(fork());
    if (leader == 0) {
        int s = leader_setup(name, m, true);
        pid_t a = fork();
        if (a == 0) {
            /* a makes a group of its own, leaves b in it and exits: b's new parent is
             * outside the session, so the group is orphaned. */
            setpgid(0, 0);
            pid_t parent = getpid();
            pid_t b = fork();
            if (b != 0)
                _exit(b > 0 ? 0 : 1);
            close(p[0]);
            for (int i = 0; i < 2000 && getppid() == parent; i++)
                usleep(5000);
            unsigned char r = getppid() == parent ? 99 : (unsigned char)orphaned_checks(s);
            (void)!write(p[1], &r, 1);
            _exit(0);
        }
        close(p[1]);
        int st;
        if (waitpid(a, &st, 0) != a || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            _exit(96);
        unsigned char r = 98;
        if (read(p[0], &r, 1) != 1)
            _exit(97);
        _exit(r);
    }
    close(p[0]);
    close(p[1]);
    EXPECT_EXIT(leader, 0);
    close(m);
}

TEST(tiocspgrp_on_master_needs_the_controlling_terminal)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    pid_t pg = getpgrp();
    EXPECT_ERRNO(ioctl(m, TIOCSPGRP, &pg), ENOTTY); /* not our controlling terminal */
    pid_t leader = CHECK(fork());
    if (leader == 0) {
        if (setsid() < 0)
            _exit(1);
        int s = open(name, O_RDWR);
        if (s < 0)
            _exit(2);
        pid_t me = getpgrp();
        if (ioctl(m, TIOCSPGRP, &me) != 0) /* through the master: the slave's group */
            _exit(3);
        _exit(tcgetpgrp(s) == me ? 0 : 4);
    }
    EXPECT_EXIT(leader, 0);
    close(m);
}
