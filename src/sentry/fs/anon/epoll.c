// SPDX-License-Identifier: Apache-2.0
/*
 * epoll instances: interest entries, the ready list and harvesting (epoll.h). An entry
 * watches its file with a callback waiter on the file's waitq; a notification puts the
 * entry on the ready list, and epoll_harvest() re-polls ready entries to report what is
 * really ready (level-triggered entries stay on the list until a poll says "not ready").
 * The syscalls are in syscalls/sys_epoll.c.
 */
#include "sentry/fs/anon/epoll.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "abi/linux/stat.h"
#include "common/list.h"
#include "sentry/fs/anon/anon.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/vfs/file.h"
#include "sentry/waiter/waitq.h"

#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EP_EXCLUSIVE_OK_BITS                                                                       \
    (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
#define EP_HASH_SIZE 256
#define EP_AWARE_MAX 32

struct epoll {
    struct list_head items; /* of epitem.link */
    struct list_head ready; /* of epitem.rlink */
    struct waitq wq;        /* epoll_wait sleepers and watchers of this epoll */
    struct file *self;      /* back pointer, not a reference */
    uint64_t ctime_ns;
};

struct epitem {
    struct list_head link;  /* in ep->items */
    struct list_head rlink; /* in ep->ready when on_ready */
    struct list_head hlink; /* in g_epi_hash[hash(file)] */
    bool on_ready;
    bool strong;            /* holds a reference on file */
    struct epoll *ep;
    struct file *file;
    int fd;
    uint32_t events;        /* requested | EPOLLERR | EPOLLHUP; only private bits once a
                               oneshot fired */
    uint64_t data;
    struct waiter w;        /* on the file's waitq (w.q NULL if the file has none) */
};

/* Entries by watched file, for epoll_file_released() and the nesting checks. */
static struct list_head g_epi_hash[EP_HASH_SIZE]; /* Protected by the kernel lock */
static bool g_epi_hash_ready;
static const struct file_ops *g_aware[EP_AWARE_MAX];
static int g_naware;

static const struct file_ops epoll_ops;

static struct list_head *epi_bucket(const struct file *f)
{
    if (!g_epi_hash_ready) {
        for (int i = 0; i < EP_HASH_SIZE; i++)
            list_init(&g_epi_hash[i]);
        g_epi_hash_ready = true;
    }
    uintptr_t h = (uintptr_t)f;
    h ^= h >> 9;
    h ^= h >> 17;
    return &g_epi_hash[h % EP_HASH_SIZE];
}

void epoll_release_aware(const struct file_ops *ops)
{
    for (int i = 0; i < g_naware; i++)
        if (g_aware[i] == ops)
            return;
    if (g_naware < EP_AWARE_MAX)
        g_aware[g_naware++] = ops; /* when full, entries simply hold references */
}

static bool ops_is_aware(const struct file_ops *ops)
{
    for (int i = 0; i < g_naware; i++)
        if (g_aware[i] == ops)
            return true;
    return false;
}

bool file_is_epoll(const struct file *f)
{
    return f->ops == &epoll_ops;
}

static bool epi_enabled(const struct epitem *epi)
{
    return (epi->events & ~EP_PRIVATE_BITS) != 0;
}

static void epi_make_ready(struct epitem *epi)
{
    if (!epi->on_ready) {
        list_add_tail(&epi->rlink, &epi->ep->ready);
        epi->on_ready = true;
    }
    waitq_notify(&epi->ep->wq, POLLIN | POLLRDNORM);
}

/* Callback of the waiter an entry queues on its file's waitq. */
static void epi_notify(struct waiter *w, uint32_t events)
{
    struct epitem *epi = w->priv;
    if (!epi_enabled(epi))
        return;
    if (events && !(events & epi->events))
        return;
    epi_make_ready(epi);
}

static void epi_remove(struct epitem *epi)
{
    waitq_remove(&epi->w);
    list_del(&epi->link);
    list_del(&epi->hlink);
    if (epi->on_ready)
        list_del(&epi->rlink);
    if (epi->strong)
        file_unref(epi->file);
    free(epi);
}

void epoll_file_released(struct file *f)
{
    struct list_head *b = epi_bucket(f);
    struct epitem *epi, *tmp;
    list_for_each_entry_safe(epi, tmp, b, hlink)
    {
        if (epi->file == f)
            epi_remove(epi);
    }
}

static struct epitem *ep_find(struct epoll *ep, int fd, struct file *f)
{
    struct epitem *epi;
    list_for_each_entry(epi, &ep->items, link)
    {
        if (epi->fd == fd && epi->file == f)
            return epi;
    }
    return NULL;
}

/* ---- nesting ---------------------------------------------------------------------------- */

/* Longest chain of epolls below @ep (0 if it watches no epoll), capped at limit + 1. */
static int ep_depth_down(struct epoll *ep, int limit)
{
    if (limit < 0)
        return 1;
    int best = 0;
    struct epitem *epi;
    list_for_each_entry(epi, &ep->items, link)
    {
        if (!file_is_epoll(epi->file))
            continue;
        int d = 1 + ep_depth_down(epi->file->priv, limit - 1);
        if (d > best)
            best = d;
        if (best > limit)
            break;
    }
    return best;
}

/* Longest chain of epolls above @ep (0 if no epoll watches it), capped at limit + 1. */
static int ep_depth_up(struct epoll *ep, int limit)
{
    if (limit < 0)
        return 1;
    int best = 0;
    struct epitem *epi;
    list_for_each_entry(epi, epi_bucket(ep->self), hlink)
    {
        if (epi->file != ep->self)
            continue;
        int d = 1 + ep_depth_up(epi->ep, limit - 1);
        if (d > best)
            best = d;
        if (best > limit)
            break;
    }
    return best;
}

/* True if @ep is reachable from @from by following watched epolls. */
static bool ep_reaches(struct epoll *from, struct epoll *ep, int limit)
{
    if (from == ep)
        return true;
    if (limit < 0)
        return false;
    struct epitem *epi;
    list_for_each_entry(epi, &from->items, link)
    {
        if (file_is_epoll(epi->file) && ep_reaches(epi->file->priv, ep, limit - 1))
            return true;
    }
    return false;
}

/* ELOOP if watching @target from @ep would close a cycle or nest too deep. */
static int ep_loop_check(struct epoll *ep, struct file *target)
{
    if (!file_is_epoll(target))
        return 0;
    struct epoll *tep = target->priv;
    if (ep_reaches(tep, ep, EPOLL_MAX_NESTS + 1))
        return -ELOOP;
    int up = ep_depth_up(ep, EPOLL_MAX_NESTS);
    int down = ep_depth_down(tep, EPOLL_MAX_NESTS);
    if (up + 1 + down > EPOLL_MAX_NESTS)
        return -ELOOP;
    return 0;
}

/* ---- ctl -------------------------------------------------------------------------------- */

static int ep_insert(struct ctx *ctx, struct epoll *ep, int fd, struct file *target,
                     const struct linux_epoll_event *ev)
{
    int ret = ep_loop_check(ep, target);
    if (ret < 0)
        return ret;
    struct epitem *epi = calloc(1, sizeof(*epi));
    if (!epi)
        return -ENOMEM;
    epi->ep = ep;
    epi->file = target;
    epi->fd = fd;
    epi->events = ev->events | EPOLLERR | EPOLLHUP;
    epi->data = ev->data;
    epi->strong = !ops_is_aware(target->ops);
    if (epi->strong)
        file_ref(target);
    list_init(&epi->rlink);
    list_add_tail(&epi->link, &ep->items);
    list_add_tail(&epi->hlink, epi_bucket(target));

    struct waitq *q = target->ops->waitq ? target->ops->waitq(target) : NULL;
    epi->w.notify = epi_notify;
    epi->w.priv = epi;
    if (q) {
        waitq_add(q, &epi->w, NULL, 0);
        epi->w.notify = epi_notify; /* in case waitq_add reset the waiter */
        epi->w.priv = epi;
    }
    if (file_poll(ctx, target) & epi->events)
        epi_make_ready(epi);
    return 0;
}

static int ep_modify(struct ctx *ctx, struct epitem *epi, const struct linux_epoll_event *ev)
{
    if (epi->events & EPOLLEXCLUSIVE)
        return -EINVAL;
    epi->events = ev->events | EPOLLERR | EPOLLHUP;
    epi->data = ev->data;
    if (file_poll(ctx, epi->file) & epi->events)
        epi_make_ready(epi);
    return 0;
}

int epoll_ctl_file(struct ctx *ctx, struct file *epf, int op, int fd, struct file *target,
                   const struct linux_epoll_event *ev)
{
    if (!target->ops->poll)
        return -EPERM;
    if (epf == target || !file_is_epoll(epf))
        return -EINVAL;
    if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL)
        return -EINVAL;
    if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE)) {
        if (op == EPOLL_CTL_MOD)
            return -EINVAL;
        if (file_is_epoll(target) || (ev->events & ~EP_EXCLUSIVE_OK_BITS))
            return -EINVAL;
    }

    struct epoll *ep = epf->priv;
    struct epitem *epi = ep_find(ep, fd, target);
    switch (op) {
    case EPOLL_CTL_ADD:
        return epi ? -EEXIST : ep_insert(ctx, ep, fd, target, ev);
    case EPOLL_CTL_MOD:
        return epi ? ep_modify(ctx, epi, ev) : -ENOENT;
    default:
        if (!epi)
            return -ENOENT;
        epi_remove(epi);
        return 0;
    }
}

/* ---- harvesting ------------------------------------------------------------------------- */

/* True if a referenced entry's fd no longer names its file in @fdt (the app closed it). */
static bool epi_stale(struct epitem *epi, struct fdtable *fdt)
{
    if (!epi->strong || !fdt)
        return false;
    struct file *cur = fdtable_get(fdt, epi->fd);
    bool stale = cur != epi->file;
    if (cur)
        file_unref(cur);
    return stale;
}

int epoll_harvest(struct ctx *ctx, struct file *epf, struct fdtable *fdt,
                  struct linux_epoll_event *out, int max)
{
    struct epoll *ep = epf->priv;
    struct list_head keep;
    int n = 0;

    list_init(&keep);
    while (n < max && !list_empty(&ep->ready)) {
        struct epitem *epi = list_first_entry(&ep->ready, struct epitem, rlink);
        list_del(&epi->rlink);
        epi->on_ready = false;
        if (epi_stale(epi, fdt)) {
            epi_remove(epi);
            continue;
        }
        if (!epi_enabled(epi))
            continue;
        uint32_t revents = file_poll(ctx, epi->file) & epi->events;
        if (!revents)
            continue;
        out[n].events = revents;
        out[n].data = epi->data;
        n++;
        if (epi->events & EPOLLONESHOT) {
            epi->events &= EP_PRIVATE_BITS;
        } else if (!(epi->events & EPOLLET)) {
            list_add_tail(&epi->rlink, &keep); /* level-triggered: re-polled next time */
            epi->on_ready = true;
        }
    }
    /* Requeue level-triggered entries behind the others, so every entry gets its turn. */
    while (!list_empty(&keep)) {
        struct epitem *epi = list_first_entry(&keep, struct epitem, rlink);
        list_del(&epi->rlink);
        list_add_tail(&epi->rlink, &ep->ready);
    }
    return n;
}

/* ---- the epoll file --------------------------------------------------------------------- */

static uint32_t epoll_poll(struct ctx *ctx, struct file *f)
{
    struct epoll *ep = f->priv;
    struct epitem *epi;
    list_for_each_entry(epi, &ep->ready, rlink)
    {
        if (epi_enabled(epi) && (file_poll(ctx, epi->file) & epi->events))
            return POLLIN | POLLRDNORM;
    }
    return 0;
}

static struct waitq *epoll_waitq(struct file *f)
{
    struct epoll *ep = f->priv;
    return &ep->wq;
}

static int epoll_stat(struct ctx *ctx, struct file *f, struct linux_stat *st)
{
    struct epoll *ep = f->priv;
    anon_fill_stat(st, S_IRUSR | S_IWUSR, ANON_DEV_ANON_INODE, ANON_INODE_INO, ep->ctime_ns);
    return 0;
}

static void epoll_release(struct file *f)
{
    struct epoll *ep = f->priv;
    epoll_file_released(f);
    while (!list_empty(&ep->items))
        epi_remove(list_first_entry(&ep->items, struct epitem, link));
    /* Anyone still queued on ep->wq is a task that will remove its own waiter. */
    free(ep);
}

static const struct file_ops epoll_ops = {
    .poll = epoll_poll,
    .waitq = epoll_waitq,
    .stat = epoll_stat,
    .release = epoll_release,
};

int epoll_create_file(struct file **out)
{
    struct epoll *ep = calloc(1, sizeof(*ep));
    if (!ep)
        return -ENOMEM;
    list_init(&ep->items);
    list_init(&ep->ready);
    waitq_init(&ep->wq);
    ep->ctime_ns = anon_realtime_ns();
    int ret = file_new_anon(&epoll_ops, ep, O_RDWR, "anon_inode:[eventpoll]", out);
    if (ret < 0) {
        free(ep);
        return ret;
    }
    (*out)->anon_ino = ANON_INODE_INO;
    ep->self = *out;
    epoll_release_aware(&epoll_ops);
    return 0;
}
