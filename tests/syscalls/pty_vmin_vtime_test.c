// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for non-canonical terminal reads: the four VMIN/VTIME cases of termios(3)
 * (polling, read timeout, blocking until MIN bytes, inter-byte timer), with O_NONBLOCK and
 * poll(2) readiness, on a pty pair. Timing bounds are only lower bounds where the timer is the
 * point; a VTIME timer is counted in jiffies by Linux, so its lower bounds allow 10 ms of
 * rounding. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A master and its slave in raw mode with @vmin and @vtime. */
static void raw_pair(int *m, int *s, int vmin, int vtime)
{
    *m = CHECK(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK(grantpt(*m));
    CHECK(unlockpt(*m));
    *s = CHECK(open(ptsname(*m), O_RDWR | O_NOCTTY));
    struct termios tio;
    CHECK(tcgetattr(*s, &tio));
    cfmakeraw(&tio);
    tio.c_cc[VMIN] = (cc_t)vmin;
    tio.c_cc[VTIME] = (cc_t)vtime;
    CHECK(tcsetattr(*s, TCSANOW, &tio));
}

/* A child that writes each string of @parts to @m, sleeping @gap_ms before each. */
static pid_t slow_writer(int m, int gap_ms, const char *const *parts)
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        for (; *parts; parts++) {
            usleep((useconds_t)gap_ms * 1000);
            if (write(m, *parts, strlen(*parts)) != (ssize_t)strlen(*parts))
                _exit(1);
        }
        _exit(0);
    }
    return pid;
}

static int poll_in(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

TEST(min0_time0_polls)
{
    int m, s;
    raw_pair(&m, &s, 0, 0);
    char buf[16];
    long t0 = now_ms();
    EXPECT_EQ(read(s, buf, sizeof(buf)), 0);
    EXPECT_TRUE(now_ms() - t0 < 1000);
    EXPECT_TRUE(!poll_in(s));
    CHECK(write(m, "abc", 3));
    EXPECT_TRUE(poll_in(s));
    EXPECT_EQ(read(s, buf, sizeof(buf)), 3);
    EXPECT_TRUE(memcmp(buf, "abc", 3) == 0);
    /* O_NONBLOCK does not turn the empty read into EAGAIN. */
    CHECK(fcntl(s, F_SETFL, O_NONBLOCK));
    EXPECT_EQ(read(s, buf, sizeof(buf)), 0);
    close(s);
    close(m);
}

TEST(min0_time_times_out)
{
    int m, s;
    raw_pair(&m, &s, 0, 2);
    char buf[16];
    long t0 = now_ms();
    EXPECT_EQ(read(s, buf, sizeof(buf)), 0);
    long dt = now_ms() - t0;
    if (dt < 190)
        FAIL("VTIME=2 read returned after %ld ms", dt);
    /* Data already there: returned at once, without waiting for more. */
    CHECK(write(m, "xy", 2));
    EXPECT_EQ(read(s, buf, sizeof(buf)), 2);
    /* Non-blocking: the timer is not waited for. */
    CHECK(fcntl(s, F_SETFL, O_NONBLOCK));
    EXPECT_ERRNO(read(s, buf, sizeof(buf)), EAGAIN);
    close(s);
    close(m);
}

TEST(min0_time_returns_first_byte)
{
    int m, s;
    raw_pair(&m, &s, 0, 50); /* 5 s */
    const char *parts[] = {"q", NULL};
    pid_t w = slow_writer(m, 100, parts);
    char buf[16];
    long t0 = now_ms();
    EXPECT_EQ(read(s, buf, sizeof(buf)), 1);
    EXPECT_EQ(buf[0], 'q');
    long dt = now_ms() - t0;
    if (dt >= 4000)
        FAIL("the read waited %ld ms after the byte came", dt);
    EXPECT_EXIT(w, 0);
    close(s);
    close(m);
}

TEST(min_time0_blocks_for_min_bytes)
{
    int m, s;
    raw_pair(&m, &s, 3, 0);
    /* poll counts MIN bytes when TIME is 0. */
    CHECK(write(m, "a", 1));
    EXPECT_TRUE(!poll_in(s));
    const char *parts[] = {"b", "c", NULL};
    pid_t w = slow_writer(m, 100, parts);
    char buf[16];
    long t0 = now_ms();
    EXPECT_EQ(read(s, buf, sizeof(buf)), 3);
    EXPECT_TRUE(memcmp(buf, "abc", 3) == 0);
    long dt = now_ms() - t0;
    if (dt < 200)
        FAIL("the read returned after %ld ms, before the third byte", dt);
    EXPECT_EXIT(w, 0);
    /* More than MIN available: all of it. */
    CHECK(write(m, "12345", 5));
    EXPECT_TRUE(poll_in(s));
    EXPECT_EQ(read(s, buf, sizeof(buf)), 5);
    /* A count below MIN is enough. */
    CHECK(write(m, "xy", 2));
    EXPECT_EQ(read(s, buf, 2), 2);
    /* Non-blocking: what there is, then EAGAIN. */
    CHECK(write(m, "z", 1));
    CHECK(fcntl(s, F_SETFL, O_NONBLOCK));
    EXPECT_EQ(read(s, buf, sizeof(buf)), 1);
    EXPECT_ERRNO(read(s, buf, sizeof(buf)), EAGAIN);
    close(s);
    close(m);
}

TEST(min_time_timer_starts_at_first_byte)
{
    int m, s;
    raw_pair(&m, &s, 5, 2);
    /* The first byte comes later than TIME: the read still waits for it. */
    const char *parts[] = {"ab", NULL};
    pid_t w = slow_writer(m, 400, parts);
    char buf[16];
    long t0 = now_ms();
    EXPECT_EQ(read(s, buf, sizeof(buf)), 2);
    long dt = now_ms() - t0;
    if (dt < 590)
        FAIL("the read returned after %ld ms (first byte at 400, then 200 of TIME)", dt);
    EXPECT_EXIT(w, 0);
    /* poll: one byte is enough when TIME is set. */
    CHECK(write(m, "c", 1));
    EXPECT_TRUE(poll_in(s));
    close(s);
    close(m);
}

TEST(min_time_timer_restarts_per_byte)
{
    int m, s;
    raw_pair(&m, &s, 5, 10); /* 1 s between bytes */
    const char *parts[] = {"a", "b", "c", NULL};
    pid_t w = slow_writer(m, 100, parts);
    char buf[16];
    long t0 = now_ms();
    EXPECT_EQ(read(s, buf, sizeof(buf)), 3);
    EXPECT_TRUE(memcmp(buf, "abc", 3) == 0);
    long dt = now_ms() - t0;
    if (dt < 1290)
        FAIL("the read returned after %ld ms (last byte at 300, then 1000 of TIME)", dt);
    EXPECT_EXIT(w, 0);
    /* MIN bytes end the read before the timer. */
    const char *five[] = {"vwxyz", NULL};
    w = slow_writer(m, 0, five);
    EXPECT_EQ(read(s, buf, sizeof(buf)), 5);
    EXPECT_EXIT(w, 0);
    close(s);
    close(m);
}

static void on_alarm(int sig)
{
    (void)sig;
}

TEST(timed_read_interrupted_by_signal)
{
    int m, s;
    raw_pair(&m, &s, 0, 50);
    struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
    CHECK(sigaction(SIGALRM, &sa, NULL));
    struct itimerval it = {.it_value = {.tv_usec = 100000}};
    CHECK(setitimer(ITIMER_REAL, &it, NULL));
    char buf[16];
    long t0 = now_ms();
    EXPECT_ERRNO(read(s, buf, sizeof(buf)), EINTR);
    EXPECT_TRUE(now_ms() - t0 < 4000);
    close(s);
    close(m);
}
