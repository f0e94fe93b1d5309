// SPDX-License-Identifier: Apache-2.0
/*
 * The sandbox console (console.h). A host thread pumps bytes between the host terminal (in
 * raw mode while the sandbox runs) and the master of a devpts pair whose slave is the app's
 * terminal, and carries host window-size changes (SIGWINCH, read through a signalfd) over.
 */
#include "sentry/boot/console.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "common/log.h"
#include "sentry/fs/devpts/devpts.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/vfs/file.h"
#include "sentry/waiter/waitq.h"

static struct file *g_master, *g_slave; /* NULL without a console; references held */
static int g_out_fd = 1;                /* host terminal output */
static int g_evfd = -1;                 /* written by the master's waiter */
static int g_sigfd = -1;                /* SIGWINCH */
static struct waiter g_waiter;          /* on the master's waitq; Protected by the kernel lock */
static struct termios g_saved;
static bool g_raw; /* the host terminal is in raw mode (g_saved to restore) */

/* Input bytes read from the host that the master did not take yet (its queue was full). */
static char g_pending[4096];
static size_t g_pending_len, g_pending_off;

static void console_attach_init(struct thread_group *tg)
{
    devpts_set_ctty(g_slave, tg);
}

static void sync_winsize(void)
{
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) < 0)
        return;
    kernel_lock();
    devpts_master_set_winsize(g_master, ws.ws_row, ws.ws_col);
    kernel_unlock();
}

bool console_init(void)
{
    if (!isatty(0))
        return false;
    kernel_lock();
    int err = devpts_console_new(&g_master, &g_slave);
    kernel_unlock();
    if (err < 0) {
        log_warn("console: no pty: %s", strerror(-err));
        return false;
    }
    g_out_fd = isatty(1) ? 1 : isatty(2) ? 2 : 0;
    g_kernel.attach_console = console_attach_init;
    sync_winsize();
    return true;
}

struct file *console_stdio_file(int fd)
{
    if (!g_slave || !isatty(fd))
        return NULL;
    return file_ref(g_slave);
}

static void waiter_notify(struct waiter *w, uint32_t events)
{
    uint64_t one = 1;
    ssize_t r = write(g_evfd, &one, sizeof(one));
    (void)r; /* a full counter is still readable: the pump wakes either way */
}

static void write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the host terminal went away: drop output */
        buf += w;
        n -= (size_t)w;
    }
}

/* Copy everything the app wrote to the host terminal. */
static void drain_output(void)
{
    char buf[4096];
    for (;;) {
        kernel_lock();
        size_t n = devpts_master_output(g_master, buf, sizeof(buf));
        kernel_unlock();
        if (n == 0)
            return;
        write_all(g_out_fd, buf, n);
    }
}

/* Hand pending host input to the master; true when all of it was taken. */
static bool feed_input(void)
{
    kernel_lock();
    while (g_pending_off < g_pending_len) {
        size_t took =
            devpts_master_input(g_master, g_pending + g_pending_off, g_pending_len - g_pending_off);
        if (took == 0)
            break;
        g_pending_off += took;
    }
    kernel_unlock();
    return g_pending_off == g_pending_len;
}

static void *pump_main(void *arg)
{
    struct pollfd fds[3] = {
        {.fd = 0, .events = POLLIN},
        {.fd = g_evfd, .events = POLLIN},
        {.fd = g_sigfd, .events = POLLIN},
    };
    bool stdin_open = true;
    for (;;) {
        fds[0].fd = (stdin_open && g_pending_off == g_pending_len) ? 0 : -1;
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            log_warn("console: poll: %s", strerror(errno));
            return NULL;
        }
        if (fds[0].fd == 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = read(0, g_pending, sizeof(g_pending));
            if (n > 0) {
                g_pending_len = (size_t)n;
                g_pending_off = 0;
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                stdin_open = false; /* host input closed: stop reading it */
            }
        }
        if (fds[1].revents & POLLIN) {
            uint64_t v;
            ssize_t r = read(g_evfd, &v, sizeof(v));
            (void)r;
        }
        if (fds[2].revents & POLLIN) {
            struct signalfd_siginfo si;
            ssize_t r = read(g_sigfd, &si, sizeof(si));
            (void)r;
            sync_winsize();
        }
        feed_input();
        drain_output();
    }
    return NULL;
}

void console_start(void)
{
    if (!g_master)
        return;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGWINCH);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* every other Sentry thread blocks it already */
    g_sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    g_evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (g_sigfd < 0 || g_evfd < 0) {
        log_warn("console: signalfd/eventfd: %s", strerror(errno));
        return;
    }
    if (tcgetattr(0, &g_saved) == 0) {
        struct termios raw = g_saved;
        cfmakeraw(&raw);
        if (tcsetattr(0, TCSANOW, &raw) == 0)
            g_raw = true;
    }
    kernel_lock();
    g_waiter.notify = waiter_notify;
    devpts_master_watch(g_master, &g_waiter);
    kernel_unlock();
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &attr, pump_main, NULL) != 0)
        log_warn("console: cannot start the pump thread");
    pthread_attr_destroy(&attr);
}

void console_finish(void)
{
    if (!g_master)
        return;
    drain_output();
    if (g_raw) {
        tcsetattr(0, TCSADRAIN, &g_saved);
        g_raw = false;
    }
}
