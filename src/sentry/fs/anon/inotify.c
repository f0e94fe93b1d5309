// SPDX-License-Identifier: Apache-2.0
/*
 * inotify: each instance (an anonymous file) owns watches; each watch sits on the watched
 * inode's list (inode->watches) and holds a reference to the inode. The VFS reports events
 * through vfs_register_notify; they are queued as struct inotify_event records (names padded
 * to 16 bytes, identical consecutive events merged as Linux does) and read whole.
 */
#include "sentry/fs/anon/inotify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "abi/linux/stat.h"
#include "common/list.h"
#include "sentry/fs/anon/anon.h"
#include "sentry/fs/anon/epoll.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/resolve.h"
#include "sentry/vfs/vfs_internal.h"
#include "sentry/waiter/waitq.h"

#define IN_ALL_EVENTS_MASK 0xfffu
#define IN_UNMOUNT_BIT 0x2000u
#define IN_Q_OVERFLOW_BIT 0x4000u
#define IN_IGNORED_BIT 0x8000u
#define IN_ONLYDIR_BIT 0x01000000u
#define IN_DONT_FOLLOW_BIT 0x02000000u
#define IN_EXCL_UNLINK_BIT 0x04000000u
#define IN_MASK_CREATE_BIT 0x10000000u
#define IN_MASK_ADD_BIT 0x20000000u
#define IN_ONESHOT_BIT 0x80000000u
#define LINUX_FIONREAD 0x541Bu
#define MAX_QUEUED 16384 /* /proc/sys/fs/inotify/max_queued_events */
#define EVENT_HDR 16u    /* sizeof(struct inotify_event) */

struct inotify;

struct watch {
    struct list_head inode_link; /* in the inode's list */
    struct list_head dev_link;   /* in inotify->watches */
    struct inotify *dev;
    struct inode *inode; /* reference held */
    int wd;
    uint32_t mask;
};

struct event {
    struct list_head link;
    int32_t wd;
    uint32_t mask, cookie, len; /* len: padded name length */
    char name[];
};

struct inotify {
    struct list_head watches;
    struct list_head events;
    size_t queued_bytes;
    int nevents;
    int next_wd;
    struct waitq wq;
    uint64_t ctime_ns;
};

static const struct file_ops g_inotify_ops;

/* Queue an event (merged with an identical last one). */
static void queue_event(struct inotify *in, int wd, uint32_t mask, uint32_t cookie,
                        const char *name)
{
    size_t nlen = name ? strlen(name) : 0;
    uint32_t padded = nlen ? (uint32_t)((nlen + 1 + EVENT_HDR - 1) / EVENT_HDR * EVENT_HDR) : 0;
    if (!list_empty(&in->events)) {
        struct event *last = list_entry(in->events.prev, struct event, link);
        if (last->wd == wd && last->mask == mask && last->cookie == cookie && last->len == padded &&
            (!nlen || strcmp(last->name, name) == 0))
            return;
    }
    if (in->nevents >= MAX_QUEUED) {
        if (in->nevents == MAX_QUEUED) { /* one overflow record, then drop */
            wd = -1;
            mask = IN_Q_OVERFLOW_BIT;
            cookie = 0;
            nlen = padded = 0;
        } else {
            return;
        }
    }
    struct event *e = calloc(1, sizeof(*e) + padded);
    if (!e)
        return; /* COMPAT: an event lost to ENOMEM is not reported as an overflow */
    e->wd = wd;
    e->mask = mask;
    e->cookie = cookie;
    e->len = padded;
    if (nlen)
        memcpy(e->name, name, nlen);
    list_add_tail(&e->link, &in->events);
    in->queued_bytes += EVENT_HDR + padded;
    in->nevents++;
    waitq_notify(&in->wq, POLLIN | POLLRDNORM);
}

/* Detach @w from its inode and instance and free it (no event). */
static void watch_free(struct watch *w)
{
    struct inode *inode = w->inode;
    list_del(&w->inode_link);
    list_del(&w->dev_link);
    struct list_head *head = inode->watches;
    if (list_empty(head)) {
        free(head);
        inode->watches = NULL;
    }
    free(w);
    inode_unref(inode);
}

/* Remove @w, telling its instance with IN_IGNORED. */
static void watch_remove(struct watch *w)
{
    queue_event(w->dev, w->wd, IN_IGNORED_BIT, 0, NULL);
    watch_free(w);
}

static void inotify_event(struct inode *inode, uint32_t mask, uint32_t cookie, const char *name)
{
    struct list_head *head = inode->watches;
    uint32_t ev = mask & IN_ALL_EVENTS_MASK;
    struct watch *w, *tmp;
    /* Hold the inode: removing the last watch may drop the last reference. */
    inode_ref(inode);
    list_for_each_entry_safe(w, tmp, head, inode_link)
    {
        bool self_gone = !name && (ev & (VFS_IN_DELETE_SELF));
        if (w->mask & ev) {
            queue_event(w->dev, w->wd, mask & (ev | VFS_IN_ISDIR), cookie, name);
            if ((w->mask & IN_ONESHOT_BIT) && !self_gone) {
                bool last = &tmp->inode_link == head;
                watch_remove(w);
                if (last)
                    break; /* the list head may be gone */
                continue;
            }
        }
        if (self_gone) {
            bool last = &tmp->inode_link == head;
            watch_remove(w);
            if (last)
                break;
        }
    }
    inode_unref(inode);
}

static const struct vfs_notify_ops g_notify_ops = {.event = inotify_event};

void inotify_init_hooks(void)
{
    vfs_register_notify(&g_notify_ops);
}

/* ---- the file ----------------------------------------------------------------------------- */

static ssize_t inotify_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct inotify *in = f->priv;
    if (list_empty(&in->events))
        return -EAGAIN;
    size_t total = 0;
    while (!list_empty(&in->events)) {
        struct event *e = list_first_entry(&in->events, struct event, link);
        size_t size = EVENT_HDR + e->len;
        if (uio_remaining(u) < size) {
            if (total == 0)
                return -EINVAL;
            break;
        }
        struct {
            int32_t wd;
            uint32_t mask, cookie, len;
        } hdr = {e->wd, e->mask, e->cookie, e->len};
        if (uio_copy_to(u, &hdr, sizeof(hdr)) != sizeof(hdr) ||
            (e->len && uio_copy_to(u, e->name, e->len) != e->len))
            return total ? (ssize_t)total : -EFAULT;
        total += size;
        list_del(&e->link);
        in->queued_bytes -= size;
        in->nevents--;
        free(e);
    }
    return (ssize_t)total;
}

static uint32_t inotify_poll(struct ctx *ctx, struct file *f)
{
    struct inotify *in = f->priv;
    return list_empty(&in->events) ? 0 : POLLIN | POLLRDNORM;
}

static struct waitq *inotify_waitq(struct file *f)
{
    struct inotify *in = f->priv;
    return &in->wq;
}

static long inotify_ioctl(struct ctx *ctx, struct file *f, unsigned int cmd, gaddr_t arg)
{
    struct task *t = task_from_ctx(ctx);
    struct inotify *in = f->priv;
    if (cmd != LINUX_FIONREAD)
        return -ENOTTY;
    int n = (int)in->queued_bytes;
    return copy_out(t, arg, &n, sizeof(n));
}

static int inotify_stat(struct ctx *ctx, struct file *f, struct linux_stat *st)
{
    struct inotify *in = f->priv;
    anon_fill_stat(st, S_IRUSR | S_IWUSR, ANON_DEV_ANON_INODE, ANON_INODE_INO, in->ctime_ns);
    return 0;
}

static void inotify_release(struct file *f)
{
    struct inotify *in = f->priv;
    epoll_file_released(f);
    struct watch *w, *wt;
    list_for_each_entry_safe(w, wt, &in->watches, dev_link) watch_free(w);
    struct event *e, *et;
    list_for_each_entry_safe(e, et, &in->events, link) free(e);
    free(in);
}

static const struct file_ops g_inotify_ops = {
    .read = inotify_read,
    .poll = inotify_poll,
    .waitq = inotify_waitq,
    .ioctl = inotify_ioctl,
    .stat = inotify_stat,
    .release = inotify_release,
};

int inotify_create_file(uint32_t flags, struct file **out)
{
    struct inotify *in = calloc(1, sizeof(*in));
    if (!in)
        return -ENOMEM;
    list_init(&in->watches);
    list_init(&in->events);
    waitq_init(&in->wq);
    in->next_wd = 1;
    in->ctime_ns = anon_realtime_ns();
    int ret = file_new_anon(&g_inotify_ops, in, O_RDONLY | (flags & O_NONBLOCK),
                            "anon_inode:inotify", out);
    if (ret < 0) {
        free(in);
        return ret;
    }
    (*out)->anon_ino = ANON_INODE_INO;
    epoll_release_aware(&g_inotify_ops);
    return 0;
}

int inotify_add(struct ctx *ctx, struct file *f, const char *path, uint32_t mask)
{
    if (f->ops != &g_inotify_ops)
        return -EINVAL;
    struct inotify *in = f->priv;
    if (!(mask & IN_ALL_EVENTS_MASK))
        return -EINVAL;
    if ((mask & IN_MASK_ADD_BIT) && (mask & IN_MASK_CREATE_BIT))
        return -EINVAL;
    struct path p;
    int ret = vfs_resolve(ctx, NULL, path, (mask & IN_DONT_FOLLOW_BIT) ? 0 : LOOKUP_FOLLOW, &p);
    if (ret < 0)
        return ret;
    struct inode *inode = p.dentry->inode;
    if ((mask & IN_ONLYDIR_BIT) && !S_ISDIR(inode->mode))
        ret = -ENOTDIR;
    else
        ret = inode_permission(ctx, inode, MAY_READ);
    uint32_t keep = mask & (IN_ALL_EVENTS_MASK | IN_ONESHOT_BIT | IN_EXCL_UNLINK_BIT);
    struct watch *w;
    if (ret == 0) {
        list_for_each_entry(w, &in->watches, dev_link)
        {
            if (w->inode == inode) {
                if (mask & IN_MASK_CREATE_BIT)
                    ret = -EEXIST;
                else
                    w->mask = (mask & IN_MASK_ADD_BIT) ? (w->mask | keep) : keep;
                if (ret == 0)
                    ret = w->wd;
                path_put(&p);
                return ret;
            }
        }
    }
    if (ret == 0 && !inode->watches) {
        struct list_head *head = malloc(sizeof(*head));
        if (!head)
            ret = -ENOMEM;
        else
            list_init(head);
        inode->watches = head;
    }
    if (ret == 0) {
        w = calloc(1, sizeof(*w));
        if (!w) {
            ret = -ENOMEM;
        } else {
            w->dev = in;
            w->inode = inode_ref(inode);
            w->wd = in->next_wd++;
            w->mask = keep;
            list_add_tail(&w->inode_link, inode->watches);
            list_add_tail(&w->dev_link, &in->watches);
            ret = w->wd;
        }
    }
    if (ret < 0 && inode->watches && list_empty((struct list_head *)inode->watches)) {
        free(inode->watches);
        inode->watches = NULL;
    }
    path_put(&p);
    return ret;
}

int inotify_rm(struct ctx *ctx, struct file *f, int wd)
{
    if (f->ops != &g_inotify_ops)
        return -EINVAL;
    struct inotify *in = f->priv;
    struct watch *w;
    list_for_each_entry(w, &in->watches, dev_link)
    {
        if (w->wd == wd) {
            watch_remove(w);
            return 0;
        }
    }
    return -EINVAL;
}
