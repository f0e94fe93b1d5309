// SPDX-License-Identifier: Apache-2.0
/*
 * Pseudo-terminal pairs and their line discipline (devpts.h). Input written to the master
 * goes through input processing (ICRNL, signals, canonical editing, echo) into the slave's
 * read queue; output written to the slave goes through output processing (OPOST/ONLCR) into
 * the master's read queue. Non-canonical reads honour VMIN/VTIME. Job control (SIGTTIN,
 * TOSTOP and terminal changes with SIGTTOU, EIO for orphaned groups) and hang-ups (the
 * master's close, the session leader's exit) follow Linux's n_tty and tty_jobctrl;
 * docs/files-and-sockets.md says what is supported.
 */
#include "sentry/fs/devpts/devpts.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>

#include "abi/linux/errno.h"
#include "abi/linux/signal.h"
#include "common/list.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/timer.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/vfs_internal.h"

/* Request numbers of the x86-64 kernel ABI. */
#define TTY_TCGETS 0x5401u
#define TTY_TCSETS 0x5402u
#define TTY_TCSETSW 0x5403u
#define TTY_TCSETSF 0x5404u
#define TTY_TCSBRK 0x5409u
#define TTY_TCXONC 0x540Au
#define TTY_TCFLSH 0x540Bu
#define TTY_TIOCEXCL 0x540Cu
#define TTY_TIOCNXCL 0x540Du
#define TTY_TIOCSCTTY 0x540Eu
#define TTY_TIOCGPGRP 0x540Fu
#define TTY_TIOCSPGRP 0x5410u
#define TTY_TIOCOUTQ 0x5411u
#define TTY_TIOCGWINSZ 0x5413u
#define TTY_TIOCSWINSZ 0x5414u
#define TTY_FIONREAD 0x541Bu
#define TTY_TIOCNOTTY 0x5422u
#define TTY_TIOCGETD 0x5424u
#define TTY_TCSBRKP 0x5425u
#define TTY_TIOCGSID 0x5429u
#define TTY_TIOCGPTN 0x80045430u
#define TTY_TIOCSPTLCK 0x40045431u
#define TTY_TIOCGPTPEER 0x5441u
#define TTY_TIOCGEXCL 0x80045440u
#define TTY_FIONBIO 0x5421u

#define PTY_MAJOR_SLAVE 136
#define PTY_MAX 256
#define PTY_BUF 4096
#define PTY_MAX_LINES 256

/* The kernel's struct termios (36 bytes), not glibc's. */
struct ktermios {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[19];
};
_Static_assert(sizeof(struct ktermios) == 36, "kernel termios");

struct kwinsize {
    uint16_t rows, cols, xpixel, ypixel;
};

struct ring {
    uint8_t buf[PTY_BUF];
    size_t head, len;
};

struct pty {
    int index;
    bool master_open;
    int slave_opens;
    bool slave_hup; /* the last slave closed: master reads give EIO */
    bool locked;    /* TIOCSPTLCK: slave opens give EIO */
    /* TIOCEXCL on the slave: reopening it needs CAP_SYS_ADMIN (EBUSY); on the master only
     * reported back (a master is never reopened). */
    bool slave_excl, master_excl;
    struct ktermios tio;
    struct kwinsize ws;
    int pgrp, sid;  /* foreground group and session; 0 = none */
    struct ring in; /* slave's read queue */
    /* Canonical mode: lengths of the complete lines at the front of @in (0 = an EOF). */
    size_t lines[PTY_MAX_LINES];
    int nlines;
    uint8_t edit[PTY_BUF]; /* the line being edited */
    size_t edit_len;
    struct ring out; /* master's read queue */
    struct waitq wq;
};

static struct pty *g_ptys[PTY_MAX];  /* Protected by the kernel lock */
static struct dentry *g_devpts_root; /* the first devpts mount's root; reference held */

/* ---- rings -------------------------------------------------------------------------------- */

static size_t ring_put(struct ring *r, const void *src, size_t n)
{
    const uint8_t *s = src;
    size_t i = 0;
    for (; i < n && r->len < PTY_BUF; i++, r->len++)
        r->buf[(r->head + r->len) % PTY_BUF] = s[i];
    return i;
}

static size_t ring_get(struct ring *r, void *dst, size_t n)
{
    uint8_t *d = dst;
    size_t i = 0;
    for (; i < n && r->len > 0; i++, r->len--, r->head = (r->head + 1) % PTY_BUF)
        if (d)
            d[i] = r->buf[r->head];
    return i;
}

static size_t ring_room(const struct ring *r)
{
    return PTY_BUF - r->len;
}

/* ---- output side ------------------------------------------------------------------------- */

/* Queue @c for the master with output processing. */
static void out_char(struct pty *p, uint8_t c)
{
    if ((p->tio.c_oflag & OPOST) && c == '\n' && (p->tio.c_oflag & ONLCR)) {
        ring_put(&p->out, "\r\n", 2);
        return;
    }
    if ((p->tio.c_oflag & OPOST) && c == '\r' && (p->tio.c_oflag & OCRNL)) {
        ring_put(&p->out, "\n", 1);
        return;
    }
    ring_put(&p->out, &c, 1);
}

static void echo_char(struct pty *p, uint8_t c)
{
    if ((p->tio.c_lflag & ECHOCTL) && (c < 32 || c == 127) && c != '\n' && c != '\t') {
        out_char(p, '^');
        out_char(p, c == 127 ? '?' : c ^ 0x40);
        return;
    }
    out_char(p, c);
}

static int echo_width(const struct pty *p, uint8_t c)
{
    return ((p->tio.c_lflag & ECHOCTL) && (c < 32 || c == 127) && c != '\t') ? 2 : 1;
}

/* Erase the last character of the edit line; returns false if it was empty. */
static bool erase_one(struct pty *p)
{
    if (p->edit_len == 0)
        return false;
    uint8_t c = p->edit[--p->edit_len];
    if ((p->tio.c_lflag & ECHO) && (p->tio.c_lflag & ECHOE)) {
        for (int i = echo_width(p, c); i > 0; i--)
            ring_put(&p->out, "\b \b", 3);
    } else if (p->tio.c_lflag & ECHO) {
        echo_char(p, p->tio.c_cc[VERASE]);
    }
    return true;
}

/* ---- input side -------------------------------------------------------------------------- */

static void send_fg(struct pty *p, int sig)
{
    if (p->pgrp <= 0)
        return;
    struct linux_siginfo info;
    bool found;
    signal_info_kill(&info, sig, LINUX_SI_KERNEL, NULL);
    signal_send_pgrp(p->pgrp, &info, &found);
}

static void flush_input(struct pty *p)
{
    p->in.len = 0;
    p->nlines = 0;
    p->edit_len = 0;
}

/* Move the edit line (plus @c unless it is an EOF marker) to the read queue. */
static void commit_line(struct pty *p, int c)
{
    if (c >= 0 && p->edit_len < PTY_BUF)
        p->edit[p->edit_len++] = (uint8_t)c;
    if (p->nlines >= PTY_MAX_LINES || ring_room(&p->in) < p->edit_len)
        return; /* COMPAT: a full queue drops the line, as n_tty drops input */
    ring_put(&p->in, p->edit, p->edit_len);
    p->lines[p->nlines++] = p->edit_len;
    p->edit_len = 0;
}

/* One input byte; returns false if it could not be queued (raw mode, queue full). */
static bool in_char(struct pty *p, uint8_t c)
{
    const struct ktermios *tio = &p->tio;
    const uint8_t *cc = tio->c_cc;
    if (tio->c_iflag & ISTRIP)
        c &= 0x7f;
    if (c == '\r') {
        if (tio->c_iflag & IGNCR)
            return true;
        if (tio->c_iflag & ICRNL)
            c = '\n';
    } else if (c == '\n' && (tio->c_iflag & INLCR)) {
        c = '\r';
    }
    if (tio->c_lflag & ISIG) {
        int sig = 0;
        if (c == cc[VINTR] && cc[VINTR])
            sig = SIGINT;
        else if (c == cc[VQUIT] && cc[VQUIT])
            sig = SIGQUIT;
        else if (c == cc[VSUSP] && cc[VSUSP])
            sig = SIGTSTP;
        if (sig) {
            if (!(tio->c_lflag & NOFLSH)) {
                flush_input(p);
                p->out.len = 0;
            }
            if (tio->c_lflag & ECHO)
                echo_char(p, c);
            send_fg(p, sig);
            return true;
        }
    }
    if (!(tio->c_lflag & ICANON)) {
        if (ring_room(&p->in) == 0)
            return false;
        ring_put(&p->in, &c, 1);
        if (tio->c_lflag & ECHO)
            echo_char(p, c);
        return true;
    }
    if (c == cc[VERASE] && cc[VERASE]) {
        erase_one(p);
        return true;
    }
    if ((c == cc[VWERASE] && cc[VWERASE]) && (tio->c_lflag & IEXTEN)) {
        while (p->edit_len && p->edit[p->edit_len - 1] == ' ')
            erase_one(p);
        while (p->edit_len && p->edit[p->edit_len - 1] != ' ')
            erase_one(p);
        return true;
    }
    if (c == cc[VKILL] && cc[VKILL]) {
        if ((tio->c_lflag & ECHO) && (tio->c_lflag & ECHOKE)) {
            while (erase_one(p))
                ;
        } else {
            p->edit_len = 0;
            if (tio->c_lflag & ECHO) {
                echo_char(p, c);
                if (tio->c_lflag & ECHOK)
                    out_char(p, '\n');
            }
        }
        return true;
    }
    if (c == cc[VEOF] && cc[VEOF]) {
        commit_line(p, -1);
        return true;
    }
    if (c == '\n' || (c == cc[VEOL] && cc[VEOL]) || (c == cc[VEOL2] && cc[VEOL2])) {
        if ((tio->c_lflag & ECHO) || (c == '\n' && (tio->c_lflag & ECHONL)))
            echo_char(p, c);
        commit_line(p, c);
        return true;
    }
    if (p->edit_len >= PTY_BUF - 1)
        return true; /* as n_tty: the line is full, further characters are dropped */
    p->edit[p->edit_len++] = c;
    if (tio->c_lflag & ECHO)
        echo_char(p, c);
    return true;
}

static size_t pty_input(struct pty *p, const uint8_t *buf, size_t n)
{
    size_t i = 0;
    while (i < n && in_char(p, buf[i]))
        i++;
    if (i)
        waitq_notify(&p->wq, POLLIN | POLLOUT);
    return i;
}

/* Whether a slave read has something to take (n_tty's input_available_p): a line or an EOF
 * marker in canonical mode, else @amt bytes. */
static bool input_available(const struct pty *p, size_t amt)
{
    if (p->tio.c_lflag & ICANON)
        return p->nlines > 0;
    return p->in.len >= amt;
}

static void pop_line(struct pty *p)
{
    p->nlines--;
    memmove(p->lines, p->lines + 1, (size_t)p->nlines * sizeof(p->lines[0]));
}

/* ---- lifetime ---------------------------------------------------------------------------- */

static void pty_node_name(const struct pty *p, char *buf, size_t size)
{
    snprintf(buf, size, "%d", p->index);
}

/* Remove /dev/pts/N (when the master closes, as Linux's devpts_pty_kill). */
static void pty_drop_node(struct pty *p)
{
    if (!g_devpts_root)
        return;
    char name[16];
    pty_node_name(p, name, sizeof(name));
    struct dentry *d = dcache_lookup(g_devpts_root, name, strlen(name));
    if (d) {
        if (d->inode)
            dcache_drop(d);
        dentry_unref(d);
    }
}

static void pty_maybe_free(struct pty *p)
{
    if (p->master_open || p->slave_opens > 0)
        return;
    struct thread_group *tg;
    list_for_each_entry(tg, &g_kernel.tgs, klink)
    {
        if (tg->ctty == p)
            tg->ctty = NULL;
    }
    pty_drop_node(p);
    g_ptys[p->index] = NULL;
    free(p);
}

static const struct ktermios g_default_termios = {
    .c_iflag = ICRNL | IXON | IUTF8,
    .c_oflag = OPOST | ONLCR,
    .c_cflag = B38400 | CS8 | CREAD | HUPCL,
    .c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    .c_cc = {[VINTR] = 3,
             [VQUIT] = 28,
             [VERASE] = 127,
             [VKILL] = 21,
             [VEOF] = 4,
             [VTIME] = 0,
             [VMIN] = 1,
             [VSTART] = 17,
             [VSTOP] = 19,
             [VSUSP] = 26,
             [VREPRINT] = 18,
             [VDISCARD] = 15,
             [VWERASE] = 23,
             [VLNEXT] = 22},
};

/* The group of terminal nodes, as container engines mount devpts (gid=5, mode=620). */
#define PTY_TTY_GID 5

/* A new pair whose slave node /dev/pts/N belongs to @uid (the opener's fsuid, as Linux's
 * devpts) and the tty group. */
static int pty_new(uint32_t uid, struct pty **out)
{
    int idx = 0;
    while (idx < PTY_MAX && g_ptys[idx])
        idx++;
    if (idx == PTY_MAX)
        return -ENOSPC;
    struct pty *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->index = idx;
    p->master_open = true;
    p->locked = true;
    p->tio = g_default_termios;
    waitq_init(&p->wq);
    if (g_devpts_root) {
        char name[16];
        pty_node_name(p, name, sizeof(name));
        int ret = tmpfs_add_node(g_devpts_root, name, S_IFCHR | 0620,
                                 vfs_mkdev(PTY_MAJOR_SLAVE, (uint32_t)idx), NULL);
        if (ret < 0) {
            free(p);
            return ret;
        }
        struct dentry *d = dcache_lookup(g_devpts_root, name, strlen(name));
        if (d && d->inode) {
            d->inode->uid = uid;
            d->inode->gid = PTY_TTY_GID;
        }
        if (d)
            dentry_unref(d);
    }
    g_ptys[idx] = p;
    *out = p;
    return 0;
}

/* ---- job control ------------------------------------------------------------------------- */

static bool sig_ignored_or_blocked(struct ctx *ctx, int sig)
{
    struct task *t = task_from_ctx(ctx);
    return (t->blocked & LINUX_SIGBIT(sig)) ||
           t->tg->sighand->action[sig - 1].handler == LINUX_SIG_IGN;
}

/* A background process group reads (@sig SIGTTIN) or writes with TOSTOP or changes
 * (SIGTTOU) its controlling terminal: Linux's __tty_check_change. The group gets @sig and
 * the call restarts once it is continued; an ignored or blocked SIGTTOU lets the call go on,
 * an ignored or blocked SIGTTIN gives EIO, and so does an orphaned group (nobody could
 * continue it). Returns 0 to go on, -EIO or -ERESTARTSYS. */
static int tty_check_change(struct ctx *ctx, struct pty *p, int sig)
{
    struct task *t = task_from_ctx(ctx);
    struct thread_group *tg = t->tg;
    if (tg->ctty != p || p->pgrp <= 0 || tg->pgid == p->pgrp)
        return 0;
    if (sig_ignored_or_blocked(ctx, sig))
        return sig == SIGTTIN ? -EIO : 0;
    if (signal_pgrp_orphaned(tg->pgid))
        return -EIO;
    struct linux_siginfo info;
    bool found;
    signal_info_kill(&info, sig, LINUX_SI_KERNEL, NULL);
    signal_send_pgrp(tg->pgid, &info, &found);
    return -LINUX_ERESTARTSYS;
}

static void send_tg(struct thread_group *tg, int sig)
{
    struct linux_siginfo info;
    signal_info_kill(&info, sig, LINUX_SI_KERNEL, NULL);
    signal_send_tg(tg, &info);
}

/* The session no longer has @p as its controlling terminal. */
static void session_clear_ctty(struct pty *p, int sid)
{
    struct thread_group *tg;
    list_for_each_entry(tg, &g_kernel.tgs, klink)
    {
        if (tg->ctty == p && tg->sid == sid)
            tg->ctty = NULL;
    }
}

/* The master closed (Linux's tty_vhangup of the slave): the slave's files are hung up, the
 * session loses its terminal, and its leader gets SIGHUP and SIGCONT, remembering the
 * foreground group for its own exit (tty_old_pgrp). */
static void pty_hangup(struct pty *p)
{
    struct thread_group *tg;
    list_for_each_entry(tg, &g_kernel.tgs, klink)
    {
        if (tg->ctty == p)
            tg->ctty = NULL;
        if (p->sid <= 0 || tg->pid != p->sid || tg->sid != p->sid || tg->zombie)
            continue;
        send_tg(tg, SIGHUP);
        send_tg(tg, SIGCONT);
        if (p->pgrp > 0)
            tg->tty_old_pgrp = p->pgrp;
    }
    p->sid = p->pgrp = 0;
}

/* The session leader @tg exits with its controlling terminal (g_kernel.ctty_leader_exit,
 * Linux's disassociate_ctty(1) for a pty): only SIGHUP goes to the foreground group, and the
 * terminal belongs to no session any more. */
static void leader_exit(struct thread_group *tg)
{
    struct pty *p = tg->ctty;
    send_fg(p, SIGHUP);
    p->sid = p->pgrp = 0;
    session_clear_ctty(p, tg->sid);
}

/* ---- file operations --------------------------------------------------------------------- */

/* The VMIN/VTIME rules of one non-canonical read (termios(3), n_tty_read). */
struct read_timer {
    size_t min;        /* bytes that complete the read */
    uint64_t time_ns;  /* VMIN > 0: the inter-byte timer, restarted by each byte (0 = none) */
    uint64_t deadline; /* CLOCK_MONOTONIC end of the wait for input; 0 = none */
    bool no_wait;      /* VMIN = VTIME = 0, or the timer ran out: take what there is */
};

#define VTIME_NS (100 * 1000 * 1000ULL) /* VTIME counts tenths of a second */

static void read_timer_init(const struct pty *p, struct read_timer *rt)
{
    memset(rt, 0, sizeof(*rt));
    rt->min = 1;
    if (p->tio.c_lflag & ICANON)
        return;
    uint64_t vtime = p->tio.c_cc[VTIME] * VTIME_NS;
    if (p->tio.c_cc[VMIN] > 0) { /* MIN bytes; with TIME, the timer starts at the first */
        rt->min = p->tio.c_cc[VMIN];
        rt->time_ns = vtime;
    } else if (vtime) { /* a read timeout */
        rt->deadline = deadline_after(vtime);
    } else { /* polling */
        rt->no_wait = true;
    }
}

/* Nothing to read: wait for input. Returns 1 to look again, 0 to end the read with what it
 * has, or -errno. */
static int wait_input(struct ctx *ctx, struct file *f, struct pty *p, struct read_timer *rt)
{
    if (!p->master_open)
        return -EIO; /* the master closed while the read waited (TTY_OTHER_CLOSED) */
    if (rt->no_wait)
        return 0;
    if (f->flags & O_NONBLOCK)
        return -EAGAIN;
    struct waiter w;
    memset(&w, 0, sizeof(w));
    waitq_add(&p->wq, &w, ctx, POLLIN | POLLHUP);
    int r = ctx_wait(ctx, rt->deadline);
    waitq_remove(&w);
    if (r == -EINTR)
        return -LINUX_ERESTARTSYS;
    if (r == -ETIMEDOUT)
        rt->no_wait = true;
    return 1;
}

/* Copy a line (canonical mode) or the queued bytes to @u, consuming only what reached the
 * app. Returns the bytes copied (0 for an EOF marker) or -EFAULT. */
static ssize_t copy_input(struct pty *p, struct uio *u)
{
    bool canon = p->tio.c_lflag & ICANON;
    size_t avail = canon ? p->lines[0] : p->in.len;
    if (canon && avail == 0) {
        pop_line(p);
        return 0;
    }
    uint8_t buf[PTY_BUF];
    size_t n = avail < uio_remaining(u) ? avail : uio_remaining(u);
    for (size_t i = 0; i < n; i++)
        buf[i] = p->in.buf[(p->in.head + i) % PTY_BUF];
    size_t got = uio_copy_to(u, buf, n);
    if (got == 0)
        return -EFAULT;
    ring_get(&p->in, NULL, got);
    if (canon && (p->lines[0] -= got) == 0)
        pop_line(p);
    waitq_notify(&p->wq, POLLOUT);
    return (ssize_t)got;
}

/* n_tty_read: a line in canonical mode; else VMIN/VTIME decide when the read ends. The read
 * waits here itself (never -EAGAIN to the VFS unless O_NONBLOCK), since its timers and the
 * master's close need more than "wait until readable". */
static ssize_t slave_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct pty *p = f->priv;
    if (!p->master_open)
        return 0; /* hung up: Linux's hung_up_tty_read */
    int ret = tty_check_change(ctx, p, SIGTTIN);
    if (ret < 0)
        return ret;
    struct read_timer rt;
    read_timer_init(p, &rt);
    size_t total = 0;
    ssize_t err = 0;
    for (;;) {
        if (!input_available(p, 1)) {
            int w = wait_input(ctx, f, p, &rt);
            if (w > 0)
                continue;
            err = w;
            break;
        }
        ssize_t n = copy_input(p, u);
        if (n < 0) {
            err = n;
            break;
        }
        total += (size_t)n;
        if ((p->tio.c_lflag & ICANON) || total >= rt.min || uio_remaining(u) == 0)
            break;
        if (rt.time_ns)
            rt.deadline = deadline_after(rt.time_ns);
    }
    return total ? (ssize_t)total : err;
}

/* Output to the master. A write from a background group with TOSTOP gets SIGTTOU. */
static ssize_t slave_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct pty *p = f->priv;
    if (!p->master_open)
        return -EIO; /* hung up */
    if (p->tio.c_lflag & TOSTOP) {
        int ret = tty_check_change(ctx, p, SIGTTOU);
        if (ret < 0)
            return ret;
    }
    size_t total = 0;
    uint8_t buf[256];
    while (uio_remaining(u) > 0) {
        /* Worst case every byte doubles (ONLCR). */
        size_t room = ring_room(&p->out) / 2;
        if (room == 0)
            break;
        size_t want = uio_remaining(u) < sizeof(buf) ? uio_remaining(u) : sizeof(buf);
        if (want > room)
            want = room;
        size_t got = uio_copy_from(u, buf, want);
        for (size_t i = 0; i < got; i++)
            out_char(p, buf[i]);
        total += got;
        if (got < want) {
            if (total == 0)
                return -EFAULT;
            break;
        }
    }
    if (total == 0)
        return -EAGAIN;
    waitq_notify(&p->wq, POLLIN);
    return (ssize_t)total;
}

static uint32_t slave_poll(struct ctx *ctx, struct file *f)
{
    struct pty *p = f->priv;
    if (!p->master_open) /* hung up */
        return POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM;
    uint32_t ev = 0;
    /* Readable once a read would not wait for VMIN (a VTIME timer counts one byte). */
    const uint8_t *cc = p->tio.c_cc;
    if (input_available(p, cc[VMIN] && !cc[VTIME] ? cc[VMIN] : 1))
        ev |= POLLIN | POLLRDNORM;
    if (ring_room(&p->out) >= 2)
        ev |= POLLOUT | POLLWRNORM;
    return ev;
}

static ssize_t master_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct pty *p = f->priv;
    if (p->out.len == 0)
        return p->slave_hup ? -EIO : -EAGAIN;
    uint8_t buf[PTY_BUF] = {0};
    size_t n = p->out.len < uio_remaining(u) ? p->out.len : uio_remaining(u);
    for (size_t i = 0; i < n; i++)
        buf[i] = p->out.buf[(p->out.head + i) % PTY_BUF];
    size_t got = uio_copy_to(u, buf, n);
    if (got == 0)
        return -EFAULT;
    ring_get(&p->out, NULL, got);
    waitq_notify(&p->wq, POLLOUT);
    return (ssize_t)got;
}

static ssize_t master_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct pty *p = f->priv;
    size_t total = 0;
    uint8_t buf[256];
    while (uio_remaining(u) > 0) {
        size_t want = uio_remaining(u) < sizeof(buf) ? uio_remaining(u) : sizeof(buf);
        size_t got = uio_copy_from(u, buf, want);
        if (got == 0)
            return total ? (ssize_t)total : -EFAULT;
        size_t took = pty_input(p, buf, got);
        total += took;
        if (took < got)
            break;
    }
    return total ? (ssize_t)total : -EAGAIN;
}

static uint32_t master_poll(struct ctx *ctx, struct file *f)
{
    struct pty *p = f->priv;
    uint32_t ev = 0;
    if (p->out.len)
        ev |= POLLIN | POLLRDNORM;
    if (p->slave_hup)
        ev |= POLLHUP;
    if (ring_room(&p->in) > 0)
        ev |= POLLOUT | POLLWRNORM;
    return ev;
}

static struct waitq *pty_waitq(struct file *f)
{
    return &((struct pty *)f->priv)->wq;
}

static void slave_release(struct file *f)
{
    struct pty *p = f->priv;
    if (--p->slave_opens == 0) {
        p->slave_hup = true;
        waitq_notify(&p->wq, POLLIN | POLLHUP);
    }
    pty_maybe_free(p);
}

static void master_release(struct file *f)
{
    struct pty *p = f->priv;
    p->master_open = false;
    pty_drop_node(p);
    pty_hangup(p);
    waitq_notify(&p->wq, POLLIN | POLLOUT | POLLHUP);
    pty_maybe_free(p);
}

/* ---- ioctls ------------------------------------------------------------------------------ */

static void set_termios(struct pty *p, const struct ktermios *nt)
{
    bool was_canon = p->tio.c_lflag & ICANON;
    p->tio = *nt;
    bool canon = p->tio.c_lflag & ICANON;
    if (was_canon && !canon) {
        /* The line being edited becomes readable input. */
        ring_put(&p->in, p->edit, p->edit_len);
        p->edit_len = 0;
        p->nlines = 0;
    } else if (!was_canon && canon) {
        p->nlines = 0;
        if (p->in.len)
            p->lines[p->nlines++] = p->in.len;
    }
    waitq_notify(&p->wq, POLLIN | POLLOUT);
}

static long set_winsize(struct pty *p, const struct kwinsize *ws)
{
    bool changed = memcmp(&p->ws, ws, sizeof(*ws)) != 0;
    p->ws = *ws;
    if (changed)
        send_fg(p, SIGWINCH);
    return 0;
}

/* TIOCSCTTY (Linux's tiocsctty) through a descriptor that is @readable or not: taking a
 * terminal from another session (@arg 1) or through a descriptor not open for reading
 * needs CAP_SYS_ADMIN. */
static long set_ctty(struct ctx *ctx, struct pty *p, unsigned long arg, bool readable)
{
    struct task *t = task_from_ctx(ctx);
    struct thread_group *tg = t->tg;
    bool admin = cred_capable(ctx->cred, CAP_SYS_ADMIN);
    if (tg->ctty == p && tg->sid == p->sid)
        return 0;
    if (tg->sid != tg->pid || tg->ctty)
        return -EPERM;
    if (!readable && !admin)
        return -EPERM;
    if (p->sid > 0 && p->sid != tg->sid) {
        if (arg != 1 || !admin)
            return -EPERM;
        struct thread_group *o;
        list_for_each_entry(o, &g_kernel.tgs, klink)
        {
            if (o->ctty == p)
                o->ctty = NULL;
        }
    }
    p->sid = tg->sid;
    p->pgrp = tg->pgid;
    tg->ctty = p;
    return 0;
}

/* TIOCNOTTY: leave the controlling terminal; a session leader frees it for its session. */
static long drop_ctty(struct ctx *ctx, struct pty *p)
{
    struct task *t = task_from_ctx(ctx);
    struct thread_group *tg = t->tg;
    if (tg->ctty != p)
        return -ENOTTY;
    if (tg->sid == tg->pid) {
        send_fg(p, SIGHUP);
        send_fg(p, SIGCONT);
        session_clear_ctty(p, tg->sid);
        p->sid = p->pgrp = 0;
    } else {
        tg->ctty = NULL;
    }
    return 0;
}

/* TIOCSPGRP (Linux's tiocspgrp), on either end: the caller's controlling terminal must be
 * this pair's slave. */
static long set_pgrp(struct ctx *ctx, struct pty *p, gaddr_t arg)
{
    struct task *t = task_from_ctx(ctx);
    int r = tty_check_change(ctx, p, SIGTTOU);
    if (r < 0)
        return r == -EIO ? -ENOTTY : r;
    int32_t pgrp;
    if ((r = copy_in(t, arg, &pgrp, sizeof(pgrp))) < 0)
        return r;
    if (pgrp < 0)
        return -EINVAL;
    if (t->tg->ctty != p || p->sid != t->tg->sid)
        return -ENOTTY;
    struct thread_group *o;
    bool found = false;
    list_for_each_entry(o, &g_kernel.tgs, klink)
    {
        if (o->pgid == pgrp && !o->zombie) {
            if (o->sid != p->sid)
                return -EPERM;
            found = true;
        }
    }
    if (!found)
        return -ESRCH;
    p->pgrp = pgrp;
    return 0;
}

/* Requests that change the terminal, which a background group may not make (Linux's
 * tty_check_change callers). Settings are those of the slave from either end; the others
 * concern only the end they are made on (the master is nobody's controlling terminal). */
static int ioctl_check_change(struct ctx *ctx, struct pty *p, bool master, unsigned int cmd)
{
    switch (cmd) {
    case TTY_TCSETS:
    case TTY_TCSETSW:
    case TTY_TCSETSF:
        return tty_check_change(ctx, p, SIGTTOU);
    case TTY_TCSBRK:
    case TTY_TCSBRKP:
    case TTY_TCXONC:
    case TTY_TCFLSH:
        return master ? 0 : tty_check_change(ctx, p, SIGTTOU);
    default:
        return 0;
    }
}

static long pty_ioctl(struct ctx *ctx, struct file *f, bool master, unsigned int cmd, gaddr_t arg)
{
    struct task *t = task_from_ctx(ctx);
    struct pty *p = f->priv;
    int32_t v;
    int r;
    if (!master && !p->master_open) /* hung up: Linux's hung_up_tty_ioctl */
        return cmd == TTY_TIOCSPGRP ? -ENOTTY : -EIO;
    if ((r = ioctl_check_change(ctx, p, master, cmd)) < 0)
        return r;
    switch (cmd) {
    case TTY_TCGETS:
        return copy_out(t, arg, &p->tio, sizeof(p->tio));
    case TTY_TCSETS:
    case TTY_TCSETSW:
    case TTY_TCSETSF: {
        struct ktermios nt;
        if ((r = copy_in(t, arg, &nt, sizeof(nt))) < 0)
            return r;
        if (cmd == TTY_TCSETSF)
            flush_input(p);
        set_termios(p, &nt);
        return 0;
    }
    case TTY_TIOCGWINSZ:
        return copy_out(t, arg, &p->ws, sizeof(p->ws));
    case TTY_TIOCSWINSZ: {
        struct kwinsize ws;
        if ((r = copy_in(t, arg, &ws, sizeof(ws))) < 0)
            return r;
        return set_winsize(p, &ws);
    }
    case TTY_TIOCGPGRP:
        if (!master && (t->tg->ctty != p || p->sid != t->tg->sid))
            return -ENOTTY;
        v = p->pgrp;
        return copy_out(t, arg, &v, sizeof(v));
    case TTY_TIOCSPGRP:
        return set_pgrp(ctx, p, arg);
    case TTY_TIOCGSID:
        if (!master && (t->tg->ctty != p || p->sid <= 0))
            return -ENOTTY;
        if (p->sid <= 0)
            return -ENOTTY;
        v = p->sid;
        return copy_out(t, arg, &v, sizeof(v));
    case TTY_TIOCSCTTY:
        if (master)
            return -EPERM; /* COMPAT: the master never becomes a controlling terminal */
        return set_ctty(ctx, p, (unsigned long)arg, file_readable(f));
    case TTY_TIOCNOTTY:
        return drop_ctty(ctx, p);
    case TTY_FIONREAD:
        /* The slave's queue holds only complete lines in canonical mode, as inq_canon. */
        v = (int32_t)(master ? p->out.len : p->in.len);
        return copy_out(t, arg, &v, sizeof(v));
    case TTY_TIOCOUTQ:
        v = master ? 0 : (int32_t)p->out.len;
        return copy_out(t, arg, &v, sizeof(v));
    case TTY_TCFLSH: {
        int q = (int)arg; /* TCIFLUSH 0, TCOFLUSH 1, TCIOFLUSH 2, from this end's view */
        if (q < 0 || q > 2)
            return -EINVAL;
        bool flush_in = q != 1, flush_out = q != 0;
        if (master) {
            bool tmp = flush_in;
            flush_in = flush_out;
            flush_out = tmp;
        }
        if (flush_in)
            flush_input(p);
        if (flush_out)
            p->out.len = 0;
        waitq_notify(&p->wq, POLLOUT);
        return 0;
    }
    case TTY_TIOCGETD:
        v = 0;
        return copy_out(t, arg, &v, sizeof(v));
    case TTY_TCSBRK:
    case TTY_TCSBRKP:
    case TTY_TCXONC:
        return 0;
    case TTY_TIOCEXCL:
    case TTY_TIOCNXCL:
        *(master ? &p->master_excl : &p->slave_excl) = cmd == TTY_TIOCEXCL;
        return 0;
    case TTY_TIOCGEXCL:
        v = master ? p->master_excl : p->slave_excl;
        return copy_out(t, arg, &v, sizeof(v));
    case TTY_TIOCGPTN:
        if (!master)
            return -ENOTTY;
        v = p->index;
        return copy_out(t, arg, &v, sizeof(v));
    case TTY_TIOCSPTLCK:
        if (!master)
            return -ENOTTY;
        if ((r = copy_in(t, arg, &v, sizeof(v))) < 0)
            return r;
        p->locked = v != 0;
        return 0;
    default:
        return -ENOTTY;
    }
}

static long slave_ioctl(struct ctx *ctx, struct file *f, unsigned int cmd, gaddr_t arg)
{
    return pty_ioctl(ctx, f, false, cmd, arg);
}

static long master_ioctl(struct ctx *ctx, struct file *f, unsigned int cmd, gaddr_t arg)
{
    return pty_ioctl(ctx, f, true, cmd, arg);
}

static const struct file_ops g_master_fops = {
    .read = master_read,
    .write = master_write,
    .poll = master_poll,
    .waitq = pty_waitq,
    .ioctl = master_ioctl,
    .release = master_release,
};

static const struct file_ops g_slave_fops = {
    .read = slave_read,
    .write = slave_write,
    .poll = slave_poll,
    .waitq = pty_waitq,
    .ioctl = slave_ioctl,
    .release = slave_release,
};

/* ---- opening ----------------------------------------------------------------------------- */

/* A session leader without a controlling terminal acquires the slave it opens, if it
 * opens it for reading (write access alone, as setgid-tty programs have to every
 * terminal, must not give a controlling terminal). */
static void open_acquire_ctty(struct ctx *ctx, struct pty *p, struct file *f, int oflags)
{
    struct task *t = task_from_ctx(ctx);
    struct thread_group *tg = t->tg;
    if ((oflags & O_NOCTTY) || !file_readable(f) || tg->sid != tg->pid || tg->ctty || p->sid > 0)
        return;
    p->sid = tg->sid;
    p->pgrp = tg->pgid;
    tg->ctty = p;
}

/* Reopening a slave in exclusive mode (TIOCEXCL) needs CAP_SYS_ADMIN. */
static int check_excl(struct ctx *ctx, const struct pty *p)
{
    return p->slave_excl && !cred_capable(ctx->cred, CAP_SYS_ADMIN) ? -EBUSY : 0;
}

static int slave_attach(struct ctx *ctx, struct pty *p, struct file *f, int oflags)
{
    struct task *t = task_from_ctx(ctx);
    int ret = check_excl(ctx, p);
    if (ret < 0)
        return ret;
    if (p->locked || !p->master_open)
        return -EIO;
    p->slave_opens++;
    p->slave_hup = false;
    f->ops = &g_slave_fops;
    f->priv = p;
    if (t)
        open_acquire_ctty(ctx, p, f, oflags);
    return 0;
}

static int open_slave(struct ctx *ctx, struct inode *inode, struct file *f, int oflags)
{
    uint32_t minor = vfs_dev_minor(inode->rdev);
    struct pty *p = minor < PTY_MAX ? g_ptys[minor] : NULL;
    if (!p)
        return -EIO;
    return slave_attach(ctx, p, f, oflags);
}

static int open_tty_major(struct ctx *ctx, struct inode *inode, struct file *f, int oflags)
{
    struct task *t = task_from_ctx(ctx);
    switch (vfs_dev_minor(inode->rdev)) {
    case 0: { /* /dev/tty: the controlling terminal */
        struct pty *p = t->tg->ctty;
        if (!p)
            return -ENXIO;
        int ret = check_excl(ctx, p);
        if (ret < 0)
            return ret;
        p->slave_opens++;
        p->slave_hup = false;
        f->ops = &g_slave_fops;
        f->priv = p;
        return 0;
    }
    case 2: { /* /dev/ptmx */
        struct pty *p;
        int ret = pty_new(task_cred(t)->fsuid, &p);
        if (ret < 0)
            return ret;
        f->ops = &g_master_fops;
        f->priv = p;
        return 0;
    }
    default:
        return -ENXIO;
    }
}

/* ---- the filesystem ---------------------------------------------------------------------- */

static int devpts_mount(const struct fs_type *type, void *data, struct dentry **root)
{
    struct dentry *d;
    int ret = tmpfs_new_super(type, 0755, &d);
    if (ret < 0)
        return ret;
    ret = tmpfs_add_node(d, "ptmx", S_IFCHR | 0666, vfs_mkdev(5, 2), NULL);
    if (ret < 0) {
        dentry_unref(d);
        return ret;
    }
    if (!g_devpts_root)
        g_devpts_root = dentry_ref(d);
    *root = d;
    return 0;
}

const struct fs_type g_devpts_type = {
    .name = "devpts",
    .mount = devpts_mount,
};

int devpts_register(void)
{
    g_kernel.ctty_leader_exit = leader_exit;
    int ret;
    if ((ret = vfs_register_chrdev_open(5, open_tty_major)) < 0 ||
        (ret = vfs_register_chrdev_open(PTY_MAJOR_SLAVE, open_slave)) < 0)
        return ret;
    return vfs_register_fs(&g_devpts_type);
}

/* ---- the console ------------------------------------------------------------------------- */

int devpts_console_new(struct file **master, struct file **slave)
{
    struct pty *p;
    int ret = pty_new(0, &p); /* the console: the sandbox's root's */
    if (ret < 0)
        return ret;
    p->locked = false;
    struct file *m, *s;
    ret = file_new_anon(&g_master_fops, p, O_RDWR, "/dev/ptmx", &m);
    if (ret < 0) {
        p->master_open = false;
        pty_maybe_free(p);
        return ret;
    }
    char name[32];
    snprintf(name, sizeof(name), "/dev/pts/%d", p->index);
    ret = file_new_anon(&g_slave_fops, p, O_RDWR, name, &s);
    if (ret < 0) {
        file_unref(m);
        return ret;
    }
    p->slave_opens++;
    /* fstat of the console gives /dev/pts/N's inode, so ttyname(3) finds it. */
    struct dentry *d =
        g_devpts_root ? dcache_lookup(g_devpts_root, name + 9, strlen(name + 9)) : NULL;
    if (d && d->inode)
        s->inode = inode_ref(d->inode);
    if (d)
        dentry_unref(d);
    *master = m;
    *slave = s;
    return 0;
}

void devpts_set_ctty(struct file *slave, struct thread_group *tg)
{
    struct pty *p = slave->priv;
    p->sid = tg->sid;
    p->pgrp = tg->pgid;
    tg->ctty = p;
}

void devpts_tty_info(const struct pty *p, uint32_t *major, uint32_t *minor, int *fg_pgrp)
{
    *major = PTY_MAJOR_SLAVE;
    *minor = (uint32_t)p->index;
    *fg_pgrp = p->pgrp;
}

size_t devpts_master_input(struct file *master, const void *buf, size_t n)
{
    return pty_input(master->priv, buf, n);
}

size_t devpts_master_output(struct file *master, void *buf, size_t n)
{
    struct pty *p = master->priv;
    size_t got = ring_get(&p->out, buf, n);
    if (got)
        waitq_notify(&p->wq, POLLOUT);
    return got;
}

void devpts_master_set_winsize(struct file *master, uint16_t rows, uint16_t cols)
{
    struct kwinsize ws = {.rows = rows, .cols = cols};
    set_winsize(master->priv, &ws);
}

void devpts_master_watch(struct file *master, struct waiter *w)
{
    struct pty *p = master->priv;
    waitq_add(&p->wq, w, NULL, 0); /* output, and room for input */
}
