// SPDX-License-Identifier: Apache-2.0
/*
 * Terminal ioctls on host descriptors (tty.h). termios and window-size requests are passed
 * to the host tty as raw kernel structures (struct termios is 36 bytes in the kernel ABI,
 * unlike glibc's); the foreground process group and the session are Sentry state, since
 * sandbox pids mean nothing to the host.
 */
#include "sentry/fs/host/tty.h"

#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "common/list.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"

/* Request numbers of the x86-64 kernel ABI. */
#define LINUX_TCGETS 0x5401u
#define LINUX_TCSETS 0x5402u
#define LINUX_TCSETSW 0x5403u
#define LINUX_TCSETSF 0x5404u
#define LINUX_TCGETA 0x5405u
#define LINUX_TCSBRK 0x5409u
#define LINUX_TCXONC 0x540Au
#define LINUX_TCFLSH 0x540Bu
#define LINUX_TIOCEXCL 0x540Cu
#define LINUX_TIOCNXCL 0x540Du
#define LINUX_TIOCSCTTY 0x540Eu
#define LINUX_TIOCGPGRP 0x540Fu
#define LINUX_TIOCSPGRP 0x5410u
#define LINUX_TIOCOUTQ 0x5411u
#define LINUX_TIOCSTI 0x5412u
#define LINUX_TIOCGWINSZ 0x5413u
#define LINUX_TIOCSWINSZ 0x5414u
#define LINUX_FIONREAD 0x541Bu
#define LINUX_TIOCNOTTY 0x5422u
#define LINUX_TIOCGETD 0x5424u
#define LINUX_TCSBRKP 0x5425u
#define LINUX_TIOCGSID 0x5429u
#define LINUX_TCGETS2 0x802C542Au
#define LINUX_TCSETS2 0x402C542Bu
#define LINUX_TCSETSW2 0x402C542Cu
#define LINUX_TCSETSF2 0x402C542Du

#define LINUX_TERMIOS_SIZE 36  /* struct termios of the kernel ABI */
#define LINUX_TERMIOS2_SIZE 44 /* struct termios2 */
#define LINUX_WINSIZE_SIZE 8

/* The sandbox console's job-control state. 0 means "not set yet: init's". */
static int g_tty_fg_pgrp; /* Protected by the kernel lock */
static int g_tty_sid;     /* Protected by the kernel lock */

static int tty_default_pgrp(struct ctx *ctx)
{
    struct task *t = task_from_ctx(ctx);
    if (g_kernel.init_tg)
        return g_kernel.init_tg->pgid;
    return t->tg->pgid;
}

static int tty_session(struct ctx *ctx)
{
    struct task *t = task_from_ctx(ctx);
    if (g_tty_sid)
        return g_tty_sid;
    return g_kernel.init_tg ? g_kernel.init_tg->sid : t->tg->sid;
}

/* ioctl on the host with a kernel buffer; @blocking requests run with the lock released. */
static long host_ioctl(struct ctx *ctx, int fd, unsigned long cmd, void *arg, bool blocking)
{
    struct task *t = task_from_ctx(ctx);
    int r;
    if (blocking)
        task_host_io_begin(t);
    do {
        r = ioctl(fd, cmd, arg);
    } while (r < 0 && errno == EINTR);
    int err = errno;
    if (blocking)
        task_host_io_end(t);
    return r < 0 ? -err : r;
}

/* Get-style request: host fills @size bytes that are copied out to @arg. */
static long tty_get(struct ctx *ctx, int fd, unsigned int cmd, gaddr_t arg, size_t size)
{
    struct task *t = task_from_ctx(ctx);
    uint8_t buf[64] = {0};
    long r = host_ioctl(ctx, fd, cmd, buf, false);
    if (r < 0)
        return r;
    return copy_out(t, arg, buf, size);
}

/* Set-style request: @size bytes are copied in from @arg and handed to the host. */
static long tty_set(struct ctx *ctx, int fd, unsigned int cmd, gaddr_t arg, size_t size,
                    bool blocking)
{
    struct task *t = task_from_ctx(ctx);
    uint8_t buf[64] = {0};
    int r = copy_in(t, arg, buf, size);
    if (r < 0)
        return r;
    return host_ioctl(ctx, fd, cmd, buf, blocking);
}

/* Value-style request: the argument is an integer, not a pointer. */
static long tty_value(struct ctx *ctx, int fd, unsigned int cmd, gaddr_t arg, bool blocking)
{
    struct task *t = task_from_ctx(ctx);
    int r;
    if (blocking)
        task_host_io_begin(t);
    do {
        r = ioctl(fd, cmd, (unsigned long)arg);
    } while (r < 0 && errno == EINTR);
    int err = errno;
    if (blocking)
        task_host_io_end(t);
    return r < 0 ? -err : r;
}

/* TIOCSPGRP: the group must exist in the terminal's session. */
static long tty_set_pgrp(struct ctx *ctx, gaddr_t arg)
{
    struct task *t = task_from_ctx(ctx);
    int32_t pgrp;
    int r = copy_in(t, arg, &pgrp, sizeof(pgrp));
    if (r < 0)
        return r;
    if (pgrp < 0)
        return -EINVAL;
    int sid = tty_session(ctx);
    struct task *it;
    bool found = false;
    list_for_each_entry(it, &g_kernel.tasks, klink)
    {
        if (it->tg->pgid == pgrp) {
            if (it->tg->sid != sid)
                return -EPERM;
            found = true;
            break;
        }
    }
    if (!found)
        return -ESRCH;
    /* COMPAT: a background caller is not sent SIGTTOU. */
    g_tty_fg_pgrp = pgrp;
    return 0;
}

static long tty_job_control(struct ctx *ctx, unsigned int cmd, gaddr_t arg)
{
    struct task *t = task_from_ctx(ctx);
    int32_t v;
    switch (cmd) {
    case LINUX_TIOCGPGRP:
        v = g_tty_fg_pgrp ? g_tty_fg_pgrp : tty_default_pgrp(ctx);
        return copy_out(t, arg, &v, sizeof(v));
    case LINUX_TIOCSPGRP:
        return tty_set_pgrp(ctx, arg);
    case LINUX_TIOCGSID:
        v = tty_session(ctx);
        return copy_out(t, arg, &v, sizeof(v));
    case LINUX_TIOCSCTTY:
        /* The console is every sandbox session's controlling terminal already. */
        if (!g_tty_sid)
            g_tty_sid = t->tg->sid;
        return 0;
    default: /* TIOCNOTTY */
        return 0;
    }
}

long host_tty_ioctl(struct ctx *ctx, int host_fd, bool is_tty, unsigned int cmd, gaddr_t arg)
{
    if (cmd == LINUX_FIONREAD)
        return tty_get(ctx, host_fd, cmd, arg, sizeof(int));
    if (!is_tty)
        return -ENOTTY;

    switch (cmd) {
    case LINUX_TCGETS:
        return tty_get(ctx, host_fd, cmd, arg, LINUX_TERMIOS_SIZE);
    case LINUX_TCGETS2:
        return tty_get(ctx, host_fd, cmd, arg, LINUX_TERMIOS2_SIZE);
    case LINUX_TCSETS:
    case LINUX_TCSETSW:
    case LINUX_TCSETSF:
        return tty_set(ctx, host_fd, cmd, arg, LINUX_TERMIOS_SIZE, cmd != LINUX_TCSETS);
    case LINUX_TCSETS2:
    case LINUX_TCSETSW2:
    case LINUX_TCSETSF2:
        return tty_set(ctx, host_fd, cmd, arg, LINUX_TERMIOS2_SIZE, cmd != LINUX_TCSETS2);
    case LINUX_TIOCGWINSZ:
        return tty_get(ctx, host_fd, cmd, arg, LINUX_WINSIZE_SIZE);
    case LINUX_TIOCSWINSZ:
        return tty_set(ctx, host_fd, cmd, arg, LINUX_WINSIZE_SIZE, false);
    case LINUX_TIOCOUTQ:
    case LINUX_TIOCGETD:
        return tty_get(ctx, host_fd, cmd, arg, sizeof(int));
    case LINUX_TCFLSH:
    case LINUX_TCXONC:
        return tty_value(ctx, host_fd, cmd, arg, false);
    case LINUX_TCSBRK:
    case LINUX_TCSBRKP:
        return tty_value(ctx, host_fd, cmd, arg, true); /* drains output: may wait */
    case LINUX_TIOCGPGRP:
    case LINUX_TIOCSPGRP:
    case LINUX_TIOCGSID:
    case LINUX_TIOCSCTTY:
    case LINUX_TIOCNOTTY:
        return tty_job_control(ctx, cmd, arg);
    case LINUX_TIOCEXCL:
    case LINUX_TIOCNXCL:
        return 0; /* COMPAT: not forwarded; exclusive mode would lock out the user's shell */
    case LINUX_TIOCSTI:
        return -EIO; /* as Linux with dev.tty.legacy_tiocsti=0: no input injection */
    default:
        return -ENOTTY;
    }
}
