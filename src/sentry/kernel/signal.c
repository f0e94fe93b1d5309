// SPDX-License-Identifier: Apache-2.0
/*
 * Signal queueing and sending: pending sets, the kill family's targets, synchronous fault
 * signals, SIGCHLD to the parent and handler tables. Delivery is in signal_deliver.c, frames
 * in signal_frame.c, job control in signal_stop.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/kernel/task.h"
#include "sentry/waiter/waitq.h"

/* --- pending queues (pure logic) --- */

void sigpending_init(struct sigpending *p)
{
    p->set = 0;
    list_init(&p->queue);
}

/* Free @e, which is off its queue; its owner learns it is gone (@info NULL) or about to be
 * delivered with @info. */
static void sigqueue_entry_release(struct sigqueue_entry *e, struct linux_siginfo *info)
{
    struct signal_owner *o = e->owner;

    free(e);
    if (o) {
        o->entry = NULL;
        o->dequeued(o, info);
    }
}

void signal_flush_pending(struct sigpending *p)
{
    struct sigqueue_entry *e, *n;

    list_for_each_entry_safe(e, n, &p->queue, link)
    {
        list_del(&e->link);
        sigqueue_entry_release(e, NULL);
    }
    p->set = 0;
}

void signal_owner_detach(struct signal_owner *o)
{
    if (o->entry) {
        o->entry->owner = NULL;
        o->entry = NULL;
    }
}

/* Queue @info for @o, even if the standard signal is already pending. Returns 0 or -ENOMEM. */
static int sigpending_enqueue_owned(struct sigpending *p, const struct linux_siginfo *info,
                                    struct signal_owner *o)
{
    struct sigqueue_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->info = *info;
    e->owner = o;
    o->entry = e;
    list_add_tail(&e->link, &p->queue);
    p->set |= LINUX_SIGBIT(info->signo);
    return 0;
}

static int sigpending_count(const struct sigpending *p)
{
    int n = 0;
    const struct list_head *pos;

    for (pos = p->queue.next; pos != &p->queue; pos = pos->next)
        n++;
    return n;
}

int sigpending_enqueue(struct sigpending *p, const struct linux_siginfo *info)
{
    int sig = info->signo;
    bool rt = sig >= LINUX_SIGRTMIN;

    /* A standard signal is pending at most once (Linux legacy_queue). */
    if (!rt && (p->set & LINUX_SIGBIT(sig)))
        return 0;
    if (rt && sigpending_count(p) >= SIGNAL_QUEUE_MAX)
        return -EAGAIN;

    struct sigqueue_entry *e = calloc(1, sizeof(*e));
    if (!e) {
        /* Linux still marks a standard signal pending without its info. */
        if (rt)
            return -EAGAIN;
        p->set |= LINUX_SIGBIT(sig);
        return 0;
    }
    e->info = *info;
    list_add_tail(&e->link, &p->queue);
    p->set |= LINUX_SIGBIT(sig);
    return 0;
}

/* Lowest signal of @set, preferring synchronous fault signals. */
static int sigset_next(linux_sigset_t set)
{
    linux_sigset_t sync = set & SIGNAL_SYNCHRONOUS_MASK;

    if (sync)
        set = sync;
    if (!set)
        return 0;
    return __builtin_ctzll(set) + 1;
}

int sigpending_dequeue(struct sigpending *p, linux_sigset_t mask, struct linux_siginfo *info)
{
    int sig = sigset_next(p->set & mask);
    if (!sig)
        return 0;

    struct sigqueue_entry *e, *n, *found = NULL;
    bool more = false;
    list_for_each_entry_safe(e, n, &p->queue, link)
    {
        if (e->info.signo != sig)
            continue;
        if (found) {
            more = true;
            break;
        }
        found = e;
    }
    if (found) {
        *info = found->info;
        list_del(&found->link);
        sigqueue_entry_release(found, info);
    } else {
        /* Queued without info (allocation failure): what Linux reports then. */
        memset(info, 0, sizeof(*info));
        info->signo = sig;
        info->code = LINUX_SI_USER;
    }
    if (!more)
        p->set &= ~LINUX_SIGBIT(sig);
    return sig;
}

void sigpending_discard(struct sigpending *p, linux_sigset_t mask)
{
    struct sigqueue_entry *e, *n;

    if (!(p->set & mask))
        return;
    list_for_each_entry_safe(e, n, &p->queue, link)
    {
        if (LINUX_SIGBIT(e->info.signo) & mask) {
            list_del(&e->link);
            sigqueue_entry_release(e, NULL);
        }
    }
    p->set &= ~mask;
}

/* --- handler tables --- */

struct sighand *sighand_new(void)
{
    struct sighand *sh = calloc(1, sizeof(*sh));
    if (sh)
        sh->refs = 1;
    return sh;
}

int sighand_copy(struct sighand *src, struct sighand **out)
{
    struct sighand *sh = malloc(sizeof(*sh));
    if (!sh)
        return -ENOMEM;
    memcpy(sh->action, src->action, sizeof(sh->action));
    sh->refs = 1;
    *out = sh;
    return 0;
}

void sighand_unref(struct sighand *sh)
{
    CV_BUG_ON(sh && sh->refs <= 0);
    if (sh && --sh->refs == 0)
        free(sh);
}

void signal_exec_reset(struct task *t)
{
    struct thread_group *tg = t->tg;

    /* A table shared with another process (CLONE_SIGHAND without CLONE_THREAD) is
     * unshared first, as Linux's de_thread. */
    if (tg->sighand->refs > 1) {
        struct sighand *copy;
        if (sighand_copy(tg->sighand, &copy) == 0) {
            sighand_unref(tg->sighand);
            tg->sighand = copy;
        }
    }
    for (int i = 0; i < LINUX_NSIG; i++) {
        struct linux_sigaction *act = &tg->sighand->action[i];
        if (act->handler != LINUX_SIG_IGN)
            act->handler = LINUX_SIG_DFL;
        act->flags = 0;
        act->restorer = 0;
        act->mask = 0;
    }
    memset(&t->altstack, 0, sizeof(t->altstack));
}

/* --- classification --- */

enum signal_default signal_default_action(int sig)
{
    switch (sig) {
    case LINUX_SIGCHLD:
    case LINUX_SIGURG:
    case LINUX_SIGWINCH:
        return SIGDFL_IGNORE;
    case LINUX_SIGCONT:
        return SIGDFL_CONT;
    case LINUX_SIGSTOP:
    case LINUX_SIGTSTP:
    case LINUX_SIGTTIN:
    case LINUX_SIGTTOU:
        return SIGDFL_STOP;
    case LINUX_SIGQUIT:
    case LINUX_SIGILL:
    case LINUX_SIGTRAP:
    case LINUX_SIGABRT:
    case LINUX_SIGBUS:
    case LINUX_SIGFPE:
    case LINUX_SIGSEGV:
    case LINUX_SIGXCPU:
    case LINUX_SIGXFSZ:
    case LINUX_SIGSYS:
        return SIGDFL_CORE;
    default:
        return SIGDFL_TERM; /* including every real-time signal */
    }
}

bool signal_is_ignored(struct task *t, int sig)
{
    /* Blocked signals are never ignored: the handler may change before they are unblocked
     * (and sigtimedwait waits for them with the mask lifted). */
    if ((t->blocked | t->real_blocked) & LINUX_SIGBIT(sig))
        return false;
    const struct linux_sigaction *act = &t->tg->sighand->action[sig - 1];
    if (act->handler == LINUX_SIG_IGN)
        return true;
    if (act->handler != LINUX_SIG_DFL)
        return false;
    enum signal_default d = signal_default_action(sig);
    return d == SIGDFL_IGNORE || d == SIGDFL_CONT;
}

static bool task_alive(const struct task *t)
{
    return t->state != TASK_DEAD && !t->exiting;
}

bool signal_pending_unblocked(struct task *t)
{
    linux_sigset_t pending = t->pending.set | t->tg->shared_pending.set;

    if (pending & ~t->blocked)
        return true;
    return signal_stop_pending(t);
}

/* --- sending --- */

void signal_info_kill(struct linux_siginfo *info, int sig, int code, struct task *sender)
{
    memset(info, 0, sizeof(*info));
    info->signo = sig;
    info->code = code;
    if (sender) {
        info->kill.pid = sender->tg->pid;
        info->kill.uid = task_cred(sender)->uid;
    }
}

bool signal_may_kill(struct task *sender, struct thread_group *target, int sig)
{
    if (!sender || sender->tg == target)
        return true;
    /* Linux's kill_ok_by_cred: a real or effective uid of the sender matches the real or
     * saved uid of the target, or CAP_KILL. */
    const struct cred *s = task_cred(sender), *c = tg_cred(target);
    if (s->euid == c->suid || s->euid == c->uid || s->uid == c->suid || s->uid == c->uid ||
        cred_capable(s, CAP_KILL))
        return true;
    /* SIGCONT may always be sent within a session. */
    return sig == LINUX_SIGCONT && sender->tg->sid == target->sid;
}

void signal_discard_tg(struct thread_group *tg, linux_sigset_t mask)
{
    struct task *t;

    sigpending_discard(&tg->shared_pending, mask);
    list_for_each_entry(t, &tg->tasks, tg_link)
    {
        sigpending_discard(&t->pending, mask);
    }
}

/* Side effects of sending @sig to @tg that happen even if the signal is blocked or ignored
 * (Linux prepare_signal). Returns false if the signal is dropped. */
static bool signal_prepare(struct thread_group *tg, int sig)
{
    if (tg->exiting || tg->zombie)
        return false; /* an exiting group takes no more signals */
    if (LINUX_SIGBIT(sig) & SIGNAL_STOP_MASK) {
        signal_discard_tg(tg, LINUX_SIGBIT(LINUX_SIGCONT));
    } else if (sig == LINUX_SIGCONT) {
        signal_discard_tg(tg, SIGNAL_STOP_MASK);
        signal_stop_continue(tg);
    }
    return true;
}

void signal_wake_tg(struct thread_group *tg, int sig)
{
    struct task *t;
    linux_sigset_t bit = LINUX_SIGBIT(sig);

    if (sig == LINUX_SIGKILL) {
        list_for_each_entry(t, &tg->tasks, tg_link)
        {
            if (t->state != TASK_DEAD)
                task_kick(t);
        }
        return;
    }
    /* Prefer the leader, then the first thread that does not block the signal. */
    if (tg->leader && task_alive(tg->leader) && !(tg->leader->blocked & bit)) {
        task_kick(tg->leader);
        return;
    }
    list_for_each_entry(t, &tg->tasks, tg_link)
    {
        if (task_alive(t) && !(t->blocked & bit)) {
            task_kick(t);
            return;
        }
    }
}

/* A thread of @tg whose mask decides whether a signal sent to the process is ignored: the
 * leader if alive, else any live thread. */
static struct task *tg_mask_task(struct thread_group *tg)
{
    struct task *t;

    if (tg->leader && task_alive(tg->leader))
        return tg->leader;
    list_for_each_entry(t, &tg->tasks, tg_link)
    {
        if (task_alive(t))
            return t;
    }
    return NULL;
}

bool signal_init_protected(struct thread_group *tg, int sig)
{
    /* COMPAT: Linux drops signals without a handler sent to a pid namespace's init from
     * inside it. The program `cvisor do` runs is pid 1 of the sandbox, yet its user expects
     * what the same command does outside (`sh -c 'kill $$'` dies with 143), so the sandbox's
     * init is not protected. */
    (void)tg;
    (void)sig;
    return false;
}

bool signal_tg_visit(struct task *t)
{
    return tg_mask_task(t->tg) == t;
}

/* Queue @info on @p, for @o if not NULL. */
static int enqueue(struct sigpending *p, const struct linux_siginfo *info, struct signal_owner *o)
{
    return o ? sigpending_enqueue_owned(p, info, o) : sigpending_enqueue(p, info);
}

/* signal_send_task, on behalf of @o (may be NULL). Returns 0 if queued, 1 if dropped. */
static int send_task(struct task *t, const struct linux_siginfo *info, struct signal_owner *o)
{
    int sig = info->signo;

    if (sig == 0)
        return 1;
    if (!signal_valid(sig))
        return -EINVAL;
    if (t->state == TASK_DEAD || !signal_prepare(t->tg, sig))
        return 1;
    if (signal_is_ignored(t, sig))
        return 1;
    int ret = enqueue(&t->pending, info, o);
    if (ret < 0)
        return ret;
    if (sig == LINUX_SIGKILL)
        tg_exit(t->tg, LINUX_SIGKILL); /* the group dies now, stopped or not (Linux) */
    else
        task_kick(t);
    waitq_notify(&t->tg->signalfd_wq, POLLIN | POLLRDNORM);
    return 0;
}

int signal_send_task(struct task *t, const struct linux_siginfo *info)
{
    KERNEL_LOCK_ASSERT();
    int ret = send_task(t, info, NULL);
    return ret > 0 ? 0 : ret;
}

int signal_send_task_owned(struct task *t, const struct linux_siginfo *info, struct signal_owner *o)
{
    return send_task(t, info, o);
}

/* signal_send_tg, on behalf of @o (may be NULL). Returns 0 if queued, 1 if dropped. */
static int send_tg(struct thread_group *tg, const struct linux_siginfo *info,
                   struct signal_owner *o)
{
    int sig = info->signo;

    if (sig == 0)
        return 1;
    if (!signal_valid(sig))
        return -EINVAL;
    if (tg->zombie || tg->exiting)
        return 1; /* exists until reaped, but nothing is delivered any more */
    if (!signal_prepare(tg, sig))
        return 1;
    struct task *mt = tg_mask_task(tg);
    if (!mt || signal_is_ignored(mt, sig))
        return 1;
    int ret = enqueue(&tg->shared_pending, info, o);
    if (ret < 0)
        return ret;
    if (sig == LINUX_SIGKILL)
        tg_exit(tg, LINUX_SIGKILL);
    else
        signal_wake_tg(tg, sig);
    waitq_notify(&tg->signalfd_wq, POLLIN | POLLRDNORM);
    return 0;
}

int signal_send_tg(struct thread_group *tg, const struct linux_siginfo *info)
{
    KERNEL_LOCK_ASSERT();
    int ret = send_tg(tg, info, NULL);
    return ret > 0 ? 0 : ret;
}

int signal_send_tg_owned(struct thread_group *tg, const struct linux_siginfo *info,
                         struct signal_owner *o)
{
    return send_tg(tg, info, o);
}

int signal_send_pgrp(int pgid, const struct linux_siginfo *info, bool *found)
{
    struct task *t;
    int first_err = 0;
    bool ok = false;

    *found = false;
    list_for_each_entry(t, &g_kernel.tasks, klink)
    {
        struct thread_group *tg = t->tg;
        /* Visit each thread group once: at its first task in g_kernel.tasks order. */
        if (tg->pgid != pgid || !signal_tg_visit(t))
            continue;
        *found = true;
        int ret = signal_send_tg(tg, info);
        if (ret == 0)
            ok = true;
        else if (!first_err)
            first_err = ret;
    }
    return ok ? 0 : first_err;
}

void signal_force(struct task *t, int sig, int code, gaddr_t addr)
{
    struct linux_sigaction *act = &t->tg->sighand->action[sig - 1];
    bool blocked = (t->blocked & LINUX_SIGBIT(sig)) != 0;

    if (blocked || act->handler == LINUX_SIG_IGN) {
        act->handler = LINUX_SIG_DFL;
        t->blocked &= ~LINUX_SIGBIT(sig);
    }
    struct linux_siginfo info;
    memset(&info, 0, sizeof(info));
    info.signo = sig;
    info.code = code;
    info.fault.addr = addr;
    (void)sigpending_enqueue(&t->pending, &info);
}

/* --- the parent --- */

bool signal_parent_autoreaps(struct thread_group *parent)
{
    const struct linux_sigaction *act = &parent->sighand->action[LINUX_SIGCHLD - 1];
    return act->handler == LINUX_SIG_IGN || (act->flags & LINUX_SA_NOCLDWAIT);
}

static int64_t ns_to_ticks(uint64_t ns)
{
    return (int64_t)(ns / 10000000ULL); /* USER_HZ = 100 */
}

void signal_notify_parent(struct thread_group *child, int cld_code, int status)
{
    struct thread_group *parent = child->parent;
    if (!parent)
        return;

    const struct linux_sigaction *act = &parent->sighand->action[LINUX_SIGCHLD - 1];
    bool is_exit = cld_code == LINUX_CLD_EXITED || cld_code == LINUX_CLD_KILLED ||
                   cld_code == LINUX_CLD_DUMPED;
    int sig = LINUX_SIGCHLD;
    if (is_exit) {
        sig = child->exit_signal;
        if (sig == LINUX_SIGCHLD && act->handler == LINUX_SIG_IGN)
            sig = 0;
    } else if (act->flags & LINUX_SA_NOCLDSTOP) {
        sig = 0;
    }

    if (signal_valid(sig)) {
        struct linux_siginfo info;
        memset(&info, 0, sizeof(info));
        info.signo = sig;
        info.code = cld_code;
        info.chld.pid = child->pid;
        info.chld.uid = tg_cred(child)->uid;
        info.chld.status = status;
        info.chld.utime = ns_to_ticks(child->utime_ns);
        info.chld.stime = ns_to_ticks(child->stime_ns);
        (void)signal_send_tg(parent, &info);
    }
    waitq_notify(&parent->child_wait, 0);
}
