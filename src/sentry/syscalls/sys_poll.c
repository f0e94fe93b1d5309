// SPDX-License-Identifier: Apache-2.0
/*
 * System calls "poll", "ppoll", "select" and "pselect6". One engine waits on a set of
 * files: every entry queues a waiter on its file's waitq (all waking the same task), and the
 * files are re-polled after each wake-up until one is ready, the deadline passes or a
 * signal arrives.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "abi/linux/errno.h"
#include "abi/linux/signal.h"
#include "abi/linux/stat.h"
#include "common/cleanup.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/sys_poll.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#define NSEC_PER_SEC 1000000000ll
#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET (POLLPRI)
#define SELECT_MAX_FDS (1 << 20) /* fs.nr_open */

struct linux_pollfd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};

struct linux_timeval {
    int64_t tv_sec;
    int64_t tv_usec;
};

struct poll_ent {
    int fd;
    struct file *file; /* new reference, or NULL (bad or negative fd) */
    uint32_t interest; /* events that count as ready */
    uint32_t revents;
    struct waiter w;
};

/* When to stop waiting: @zero means "just check"; else @deadline_ns (0: never). */
struct poll_timeout {
    bool zero;
    uint64_t deadline_ns;
};

static void poll_ents_free(struct poll_ent *e, int n)
{
    for (int i = 0; i < n; i++) {
        waitq_remove(&e[i].w);
        if (e[i].file)
            file_unref(e[i].file);
    }
    free(e);
}

/* Poll every entry once. Returns how many have revents. */
static int poll_scan(struct task *t, struct poll_ent *e, int n)
{
    int ready = 0;
    for (int i = 0; i < n; i++) {
        if (e[i].file)
            e[i].revents = file_poll(&t->ctx, e[i].file) & e[i].interest;
        if (e[i].revents)
            ready++;
    }
    return ready;
}

static void poll_queue_waiters(struct task *t, struct poll_ent *e, int n)
{
    for (int i = 0; i < n; i++) {
        if (!e[i].file || e[i].w.q || !e[i].file->ops->waitq)
            continue;
        struct waitq *q = e[i].file->ops->waitq(e[i].file);
        if (q)
            waitq_add(q, &e[i].w, &t->ctx, e[i].interest);
    }
}

/*
 * The engine: wait until an entry is ready. Returns the number of ready entries (0 on
 * timeout) or -EINTR when a signal is pending. Caller holds the kernel lock.
 */
static int poll_wait(struct task *t, struct poll_ent *e, int n, const struct poll_timeout *to)
{
    for (;;) {
        int ready = poll_scan(t, e, n);
        if (ready || to->zero)
            return ready;
        poll_queue_waiters(t, e, n);
        int r = task_wait(t, to->deadline_ns);
        if (r == -ETIMEDOUT)
            return poll_scan(t, e, n);
        if (r == -EINTR)
            return -EINTR;
    }
}

/* ---- timeouts and signal masks ---------------------------------------------------------- */

static int timeout_from_ts(const struct linux_timespec *ts, struct poll_timeout *to)
{
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= NSEC_PER_SEC)
        return -EINVAL;
    to->zero = ts->tv_sec == 0 && ts->tv_nsec == 0;
    uint64_t rel = (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
    if (ts->tv_sec > (int64_t)(UINT64_MAX / NSEC_PER_SEC / 2))
        rel = 0; /* centuries: no deadline */
    to->deadline_ns = rel ? kernel_now_ns() + rel : 0;
    return 0;
}

static void timeout_from_ms(int ms, struct poll_timeout *to)
{
    to->zero = ms == 0;
    to->deadline_ns = ms > 0 ? kernel_now_ns() + (uint64_t)ms * 1000000ull : 0;
}

/* Time left until @to's deadline, for select/ppoll write-back. */
static struct linux_timespec timeout_remaining(const struct poll_timeout *to)
{
    struct linux_timespec ts = {0, 0};
    uint64_t now = kernel_now_ns();
    if (to->deadline_ns > now) {
        uint64_t left = to->deadline_ns - now;
        ts.tv_sec = (int64_t)(left / NSEC_PER_SEC);
        ts.tv_nsec = (int64_t)(left % NSEC_PER_SEC);
    }
    return ts;
}

/* Install the temporary mask of ppoll/pselect6/epoll_pwait (sigsuspend-style). */
int poll_set_sigmask(struct task *t, gaddr_t mask_addr, size_t size)
{
    if (!mask_addr)
        return 0;
    if (size != sizeof(linux_sigset_t))
        return -EINVAL;
    linux_sigset_t mask;
    int ret = copy_in(t, mask_addr, &mask, sizeof(mask));
    if (ret < 0)
        return ret;
    t->saved_mask = t->blocked;
    t->has_saved_mask = true;
    t->blocked = mask & ~SIGNAL_UNBLOCKABLE;
    return 0;
}

/*
 * Put the original mask back unless @interrupted: then the signal code restores
 * t->saved_mask after it has set up the handler frame, so that the handler runs with the
 * temporary mask in effect (Linux's restore_saved_sigmask_unless()).
 */
void poll_restore_sigmask(struct task *t, bool interrupted)
{
    if (t->has_saved_mask && !interrupted) {
        t->blocked = t->saved_mask;
        t->has_saved_mask = false;
    }
}

/* ---- poll / ppoll ----------------------------------------------------------------------- */

static long do_poll(struct task *t, gaddr_t ufds, uint64_t nfds, const struct poll_timeout *to)
{
    if (nfds > task_rlimit_cur(t, RLIMIT_NOFILE) || nfds > SELECT_MAX_FDS)
        return -EINVAL;
    _cleanup_free_ struct linux_pollfd *pfd = calloc(nfds ? nfds : 1, sizeof(*pfd));
    struct poll_ent *e = calloc(nfds ? nfds : 1, sizeof(*e));
    if (!pfd || !e) {
        free(e);
        return -ENOMEM;
    }
    long ret = nfds ? copy_in(t, ufds, pfd, nfds * sizeof(*pfd)) : 0;
    if (ret < 0) {
        free(e);
        return ret;
    }
    for (uint64_t i = 0; i < nfds; i++) {
        e[i].fd = pfd[i].fd;
        e[i].interest = (uint16_t)pfd[i].events | POLLERR | POLLHUP;
        if (pfd[i].fd >= 0) {
            e[i].file = fdtable_get(t->fdt, pfd[i].fd);
            if (!e[i].file)
                e[i].revents = POLLNVAL;
        }
    }
    ret = poll_wait(t, e, (int)nfds, to);
    for (uint64_t i = 0; i < nfds; i++)
        pfd[i].revents = (int16_t)e[i].revents;
    poll_ents_free(e, (int)nfds);
    if (ret >= 0 && nfds) {
        int r = copy_out(t, ufds, pfd, nfds * sizeof(*pfd));
        if (r < 0)
            return r;
    }
    return ret;
}

/* restart_syscall after a poll interrupted by a signal without a handler: same fds, same
 * absolute deadline (Linux's do_restart_poll). */
static long poll_restart(struct task *t)
{
    struct poll_timeout to = {.zero = false, .deadline_ns = t->restart_data[2]};
    long ret = do_poll(t, t->restart_data[0], t->restart_data[1], &to);
    if (ret == -EINTR) {
        t->restart_fn = poll_restart;
        return -LINUX_ERESTART_RESTARTBLOCK;
    }
    return ret;
}

long sys_poll(struct task *t, const struct syscall_args *a)
{
    gaddr_t ufds = arg_addr(a, 0);
    uint64_t nfds = arg_uint(a, 1);
    struct poll_timeout to;
    timeout_from_ms(arg_int(a, 2), &to);

    long ret = do_poll(t, ufds, nfds, &to);
    if (ret == -EINTR) {
        t->restart_fn = poll_restart;
        t->restart_data[0] = ufds;
        t->restart_data[1] = nfds;
        t->restart_data[2] = to.deadline_ns;
        return -LINUX_ERESTART_RESTARTBLOCK;
    }
    return ret;
}

/* Linux's poll_select_finish for ppoll/pselect6: write back the time left (not for a zero
 * timeout) and map -ERESTARTNOHAND to -EINTR if that fails. */
static long finish_timespec(struct task *t, gaddr_t tsp, const struct poll_timeout *to,
                            long ret)
{
    poll_restore_sigmask(t, ret == -LINUX_ERESTARTNOHAND);
    if (!tsp || to->zero)
        return ret;
    struct linux_timespec left = {0, 0};
    if (to->deadline_ns)
        left = timeout_remaining(to);
    else
        return ret; /* no deadline ("centuries"): leave it */
    if (copy_out(t, tsp, &left, sizeof(left)) < 0 && ret == -LINUX_ERESTARTNOHAND)
        return -EINTR;
    return ret;
}

long sys_ppoll(struct task *t, const struct syscall_args *a)
{
    gaddr_t tsp = arg_addr(a, 2);
    struct poll_timeout to = {false, 0};
    if (tsp) {
        struct linux_timespec ts;
        if (copy_in(t, tsp, &ts, sizeof(ts)) < 0)
            return -EFAULT;
        if (timeout_from_ts(&ts, &to) < 0)
            return -EINVAL;
    }
    long ret = poll_set_sigmask(t, arg_addr(a, 3), arg_size(a, 4));
    if (ret < 0)
        return ret;
    ret = do_poll(t, arg_addr(a, 0), arg_uint(a, 1), &to);
    if (ret == -EINTR)
        ret = -LINUX_ERESTARTNOHAND;
    return finish_timespec(t, tsp, &to, ret);
}

/* ---- select / pselect6 ------------------------------------------------------------------ */

struct fd_sets {
    int n;               /* descriptors covered */
    size_t words;        /* u64 words per set */
    uint64_t *in, *out, *ex; /* NULL when the app passed none; results are written here */
};

static bool bit_test(const uint64_t *set, int fd)
{
    return set && (set[fd / 64] >> (fd % 64)) & 1;
}

static int fdset_copy_in(struct task *t, gaddr_t addr, size_t size, uint64_t **out)
{
    *out = NULL;
    if (!addr)
        return 0;
    *out = calloc(1, size ? size : 8);
    if (!*out)
        return -ENOMEM;
    return size ? copy_in(t, addr, *out, size) : 0;
}

/* Build poll entries for the descriptors in @s. Returns their count or -EBADF/-ENOMEM. */
static int select_build(struct task *t, struct fd_sets *s, struct poll_ent **out)
{
    int count = 0;
    for (int fd = 0; fd < s->n; fd++)
        if (bit_test(s->in, fd) || bit_test(s->out, fd) || bit_test(s->ex, fd))
            count++;
    struct poll_ent *e = calloc(count ? count : 1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    int i = 0;
    for (int fd = 0; fd < s->n && i < count; fd++) {
        uint32_t interest = (bit_test(s->in, fd) ? POLLIN_SET : 0) |
                            (bit_test(s->out, fd) ? POLLOUT_SET : 0) |
                            (bit_test(s->ex, fd) ? POLLEX_SET : 0);
        if (!interest)
            continue;
        e[i].fd = fd;
        e[i].interest = interest;
        e[i].file = fdtable_get(t->fdt, fd);
        if (!e[i].file) {
            poll_ents_free(e, i);
            return -EBADF;
        }
        i++;
    }
    *out = e;
    return count;
}

/* Turn the entries' revents into result sets. Returns the number of bits set. */
static int select_results(struct fd_sets *s, const struct poll_ent *e, int count)
{
    int bits = 0;
    uint64_t *sets[3] = {s->in, s->out, s->ex};
    const uint32_t masks[3] = {POLLIN_SET, POLLOUT_SET, POLLEX_SET};
    for (int k = 0; k < 3; k++)
        if (sets[k])
            memset(sets[k], 0, s->words * 8);
    for (int i = 0; i < count; i++) {
        for (int k = 0; k < 3; k++) {
            if (sets[k] && (e[i].revents & masks[k]) && (e[i].interest & masks[k])) {
                sets[k][e[i].fd / 64] |= 1ull << (e[i].fd % 64);
                bits++;
            }
        }
    }
    return bits;
}

static long do_select(struct task *t, int nfds, gaddr_t inp, gaddr_t outp, gaddr_t exp,
                      const struct poll_timeout *to)
{
    if (nfds < 0)
        return -EINVAL;
    struct fd_sets s = {0};
    /* As Linux: bits past the table's room (max_fds, not the highest open descriptor) are
     * ignored; a set bit below it for a closed descriptor is EBADF. */
    int max = fdtable_capacity(t->fdt);
    s.n = nfds < max ? nfds : max;
    if (s.n > SELECT_MAX_FDS)
        s.n = SELECT_MAX_FDS;
    s.words = ((size_t)s.n + 63) / 64;
    size_t size = s.words * 8;
    long ret = fdset_copy_in(t, inp, size, &s.in);
    if (ret == 0)
        ret = fdset_copy_in(t, outp, size, &s.out);
    if (ret == 0)
        ret = fdset_copy_in(t, exp, size, &s.ex);
    struct poll_ent *e = NULL;
    int count = 0;
    if (ret == 0) {
        count = select_build(t, &s, &e);
        ret = count < 0 ? count : 0;
    }
    if (ret == 0) {
        ret = poll_wait(t, e, count, to);
        if (ret >= 0)
            ret = select_results(&s, e, count);
        poll_ents_free(e, count);
    }
    if (ret >= 0 && size) {
        if ((inp && copy_out(t, inp, s.in, size) < 0) ||
            (outp && copy_out(t, outp, s.out, size) < 0) ||
            (exp && copy_out(t, exp, s.ex, size) < 0))
            ret = -EFAULT;
    }
    free(s.in);
    free(s.out);
    free(s.ex);
    return ret == -EINTR ? -LINUX_ERESTARTNOHAND : ret;
}

long sys_select(struct task *t, const struct syscall_args *a)
{
    gaddr_t tvp = arg_addr(a, 4);
    struct poll_timeout to = {false, 0};
    if (tvp) {
        struct linux_timeval tv;
        if (copy_in(t, tvp, &tv, sizeof(tv)) < 0)
            return -EFAULT;
        /* Linux normalises tv_usec >= 1s into seconds; a negative remainder is invalid. */
        struct linux_timespec ts = {tv.tv_sec + tv.tv_usec / 1000000,
                                    (tv.tv_usec % 1000000) * 1000};
        if (timeout_from_ts(&ts, &to) < 0)
            return -EINVAL;
    }
    long ret = do_select(t, arg_int(a, 0), arg_addr(a, 1), arg_addr(a, 2), arg_addr(a, 3), &to);
    if (!tvp || to.zero || !to.deadline_ns)
        return ret;
    /* select writes back the time left, as Linux without STICKY_TIMEOUTS. */
    struct linux_timespec left = timeout_remaining(&to);
    struct linux_timeval tv = {left.tv_sec, left.tv_nsec / 1000};
    if (copy_out(t, tvp, &tv, sizeof(tv)) < 0 && ret == -LINUX_ERESTARTNOHAND)
        return -EINTR;
    return ret;
}

long sys_pselect6(struct task *t, const struct syscall_args *a)
{
    gaddr_t tsp = arg_addr(a, 4);
    gaddr_t sigp = arg_addr(a, 5);
    struct poll_timeout to = {false, 0};
    if (tsp) {
        struct linux_timespec ts;
        if (copy_in(t, tsp, &ts, sizeof(ts)) < 0)
            return -EFAULT;
        if (timeout_from_ts(&ts, &to) < 0)
            return -EINVAL;
    }
    long ret = 0;
    if (sigp) {
        struct {
            uint64_t ss;
            uint64_t ss_len;
        } sig;
        if (copy_in(t, sigp, &sig, sizeof(sig)) < 0)
            return -EFAULT;
        ret = poll_set_sigmask(t, sig.ss, sig.ss_len);
        if (ret < 0)
            return ret;
    }
    ret = do_select(t, arg_int(a, 0), arg_addr(a, 1), arg_addr(a, 2), arg_addr(a, 3), &to);
    return finish_timespec(t, tsp, &to, ret);
}

void sys_poll_register(void)
{
    SYSCALL_REG(LINUX_NR_poll, SYS_SUPPORTED(poll));
    SYSCALL_REG(LINUX_NR_ppoll, SYS_SUPPORTED(ppoll));
    SYSCALL_REG(LINUX_NR_select, SYS_SUPPORTED(select));
    SYSCALL_REG(LINUX_NR_pselect6, SYS_SUPPORTED(pselect6));
}
