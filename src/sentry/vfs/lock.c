// SPDX-License-Identifier: Apache-2.0
/*
 * Advisory file locks, kept on the inode so they work on every filesystem: flock(2) locks
 * (one per open file description), POSIX record locks (fcntl F_SETLK, owned by the file
 * table as Linux's current->files, released when the owner closes any descriptor of the
 * file) and open-file-description record locks (F_OFD_SETLK, owned by the open file). POSIX
 * and OFD locks share one list and conflict with each other.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>

#include "abi/linux/errno.h"
#include "sentry/vfs/vfs_internal.h"
#include "sentry/vfs/vfs_ops.h"
#include "sentry/waiter/waitq.h"

#define LOCK_EOF INT64_MAX /* "to the end of the file, however large" */

enum lock_kind { KIND_POSIX, KIND_OFD, KIND_FLOCK };

struct file_lock {
    struct list_head link;
    enum lock_kind kind;
    int type;          /* F_RDLCK or F_WRLCK */
    int64_t start;     /* first byte */
    int64_t end;       /* last byte (inclusive) or LOCK_EOF */
    const void *owner; /* POSIX: the fdtable; OFD and flock: the struct file */
    int pid;           /* POSIX: tgid of the locker (F_GETLK) */
};

/* inode->locks: created on the first lock, freed with the inode. */
struct lock_ctx {
    struct list_head records; /* POSIX and OFD locks */
    struct list_head flocks;
    struct waitq wq; /* woken whenever a lock goes away */
};

/* A POSIX owner blocked in F_SETLKW, for deadlock detection. */
struct lock_wait {
    struct list_head link;
    const void *owner;   /* the waiting owner (fdtable) */
    const void *blocker; /* owner of the lock it waits for */
};
static struct list_head g_waits = {&g_waits, &g_waits}; /* Protected by the kernel lock */

static struct lock_ctx *ctx_get(struct inode *inode, bool create)
{
    if (inode->locks || !create)
        return inode->locks;
    struct lock_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    list_init(&c->records);
    list_init(&c->flocks);
    waitq_init(&c->wq);
    inode->locks = c;
    return c;
}

void vfs_locks_free(struct inode *inode)
{
    struct lock_ctx *c = inode->locks;
    if (!c)
        return;
    struct file_lock *l, *tmp;
    list_for_each_entry_safe(l, tmp, &c->records, link) free(l);
    list_for_each_entry_safe(l, tmp, &c->flocks, link) free(l);
    free(c);
    inode->locks = NULL;
}

static bool overlaps(const struct file_lock *l, int64_t s, int64_t e)
{
    return l->start <= e && s <= l->end;
}

static bool conflicts(const struct file_lock *l, const void *owner, int type, int64_t s, int64_t e)
{
    return l->owner != owner && overlaps(l, s, e) && (type == F_WRLCK || l->type == F_WRLCK);
}

static struct file_lock *find_conflict(struct lock_ctx *c, const void *owner, int type, int64_t s,
                                       int64_t e)
{
    if (!c)
        return NULL;
    struct file_lock *l;
    list_for_each_entry(l, &c->records, link)
    {
        if (conflicts(l, owner, type, s, e))
            return l;
    }
    return NULL;
}

/* True if letting @owner wait for @blocker closes a cycle of waiting POSIX owners. */
static bool would_deadlock(const void *owner, const void *blocker)
{
    for (int depth = 0; depth < 16 && blocker; depth++) {
        if (blocker == owner)
            return true;
        const void *next = NULL;
        struct lock_wait *w;
        list_for_each_entry(w, &g_waits, link)
        {
            if (w->owner == blocker) {
                next = w->blocker;
                break;
            }
        }
        blocker = next;
    }
    return false;
}

/* Replace @owner's locks over [@s, @e] by @type (F_UNLCK removes), splitting and merging. */
static int apply_record(struct lock_ctx *c, enum lock_kind kind, const void *owner, int pid,
                        int type, int64_t s, int64_t e)
{
    /* At most one split (a lock strictly around the range) and one new lock. */
    struct file_lock *spare = malloc(sizeof(*spare));
    struct file_lock *nl = malloc(sizeof(*nl));
    if (!spare || !nl) {
        free(spare);
        free(nl);
        return -ENOLCK;
    }
    int64_t ns = s, ne = e;
    struct file_lock *l, *tmp;
    list_for_each_entry_safe(l, tmp, &c->records, link)
    {
        if (l->owner != owner)
            continue;
        bool adjacent =
            (l->end != LOCK_EOF && l->end + 1 == s) || (e != LOCK_EOF && e + 1 == l->start);
        if (!overlaps(l, s, e) && !(adjacent && l->type == type))
            continue;
        if (l->type == type) { /* merge into the new lock */
            ns = l->start < ns ? l->start : ns;
            ne = l->end > ne ? l->end : ne;
            list_del(&l->link);
            free(l);
            continue;
        }
        if (!overlaps(l, s, e))
            continue;
        if (l->start < s && l->end > e) { /* split around the range */
            *spare = *l;
            spare->start = e + 1;
            list_add(&spare->link, &l->link);
            spare = NULL;
            l->end = s - 1;
        } else if (l->start < s) {
            l->end = s - 1;
        } else if (l->end > e) {
            l->start = e + 1;
        } else {
            list_del(&l->link);
            free(l);
        }
    }
    free(spare);
    if (type == F_UNLCK) {
        free(nl);
    } else {
        *nl = (struct file_lock){
            .kind = kind, .type = type, .start = ns, .end = ne, .owner = owner, .pid = pid};
        list_add_tail(&nl->link, &c->records);
    }
    waitq_notify(&c->wq, 0);
    return 0;
}

/* Byte range of a struct flock relative to @f. */
static int flock_range(struct file *f, const struct vfs_flock *fl, int64_t *s, int64_t *e)
{
    int64_t base;
    switch (fl->l_whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = f->pos;
        break;
    case SEEK_END:
        base = f->inode->size;
        break;
    default:
        return -EINVAL;
    }
    int64_t start;
    if (__builtin_add_overflow(base, fl->l_start, &start))
        return -EOVERFLOW;
    if (fl->l_len > 0) {
        if (__builtin_add_overflow(start, fl->l_len - 1, e))
            return -EOVERFLOW;
    } else if (fl->l_len == 0) {
        *e = LOCK_EOF;
    } else {
        *e = start - 1;
        if (__builtin_add_overflow(start, fl->l_len, &start))
            return -EINVAL;
    }
    if (start < 0)
        return -EINVAL;
    *s = start;
    return 0;
}

int vfs_fcntl_lock(struct ctx *ctx, struct file *f, int cmd, struct vfs_flock *fl,
                   const void *files, int pid)
{
    bool ofd = cmd == VFS_F_OFD_GETLK || cmd == VFS_F_OFD_SETLK || cmd == VFS_F_OFD_SETLKW;
    bool get = cmd == F_GETLK || cmd == VFS_F_OFD_GETLK;
    bool wait = cmd == F_SETLKW || cmd == VFS_F_OFD_SETLKW;
    if (!f->inode)
        return -EBADF; /* COMPAT: anonymous files (pipes) cannot be locked here */
    if (fl->l_type != F_RDLCK && fl->l_type != F_WRLCK && fl->l_type != F_UNLCK)
        return -EINVAL;
    if (ofd && fl->l_pid != 0)
        return -EINVAL;
    int64_t s, e;
    int ret = flock_range(f, fl, &s, &e);
    if (ret < 0)
        return ret;
    const void *owner = ofd ? (const void *)f : files;
    struct lock_ctx *c = ctx_get(f->inode, false);
    if (get) {
        if (fl->l_type == F_UNLCK)
            return -EINVAL;
        struct file_lock *l = find_conflict(c, owner, fl->l_type, s, e);
        if (!l) {
            fl->l_type = F_UNLCK;
            return 0;
        }
        fl->l_type = (int16_t)l->type;
        fl->l_whence = SEEK_SET;
        fl->l_start = l->start;
        fl->l_len = l->end == LOCK_EOF ? 0 : l->end - l->start + 1;
        fl->l_pid = l->kind == KIND_OFD ? -1 : l->pid;
        return 0;
    }
    if (fl->l_type == F_RDLCK && !file_readable(f))
        return -EBADF;
    if (fl->l_type == F_WRLCK && !file_writable(f))
        return -EBADF;
    if (fl->l_type == F_UNLCK && !c)
        return 0;
    c = ctx_get(f->inode, true);
    if (!c)
        return -ENOLCK;
    struct lock_wait lw = {.owner = owner};
    list_init(&lw.link);
    struct waiter w = {0};
    ret = 0;
    for (;;) {
        struct file_lock *l =
            fl->l_type == F_UNLCK ? NULL : find_conflict(c, owner, fl->l_type, s, e);
        if (!l)
            break;
        if (!wait) {
            ret = -EAGAIN;
            break;
        }
        if (!ofd && l->kind == KIND_POSIX && would_deadlock(owner, l->owner)) {
            ret = -EDEADLK;
            break;
        }
        lw.blocker = l->owner;
        if (!ofd && list_empty(&lw.link))
            list_add_tail(&lw.link, &g_waits);
        if (!w.q)
            waitq_add(&c->wq, &w, ctx, 0);
        if (ctx_wait(ctx, 0) == -EINTR) {
            ret = -LINUX_ERESTARTSYS;
            break;
        }
    }
    waitq_remove(&w);
    list_del(&lw.link);
    if (ret < 0)
        return ret;
    return apply_record(c, ofd ? KIND_OFD : KIND_POSIX, owner, pid, fl->l_type, s, e);
}

/* Remove the records of @owner (POSIX fdtable or OFD file) from @inode. */
static void drop_records(struct inode *inode, const void *owner)
{
    struct lock_ctx *c = inode->locks;
    if (!c)
        return;
    bool any = false;
    struct file_lock *l, *tmp;
    list_for_each_entry_safe(l, tmp, &c->records, link)
    {
        if (l->owner == owner) {
            list_del(&l->link);
            free(l);
            any = true;
        }
    }
    if (any)
        waitq_notify(&c->wq, 0);
}

void vfs_locks_close(struct file *f, const void *fdt)
{
    if (f && f->inode && f->inode->locks)
        drop_records(f->inode, fdt);
}

static void drop_flock(struct lock_ctx *c, const struct file *f)
{
    struct file_lock *l, *tmp;
    list_for_each_entry_safe(l, tmp, &c->flocks, link)
    {
        if (l->owner == f) {
            list_del(&l->link);
            free(l);
            waitq_notify(&c->wq, 0);
        }
    }
}

void vfs_locks_release_file(struct file *f)
{
    if (!f->inode || !f->inode->locks)
        return;
    drop_records(f->inode, f);
    drop_flock(f->inode->locks, f);
}

int vfs_flock(struct ctx *ctx, struct file *f, int op)
{
    if (f->flags & O_PATH)
        return -EBADF;
    bool nb = op & LOCK_NB;
    op &= ~LOCK_NB;
    if (op != LOCK_SH && op != LOCK_EX && op != LOCK_UN)
        return -EINVAL;
    if (!f->inode)
        return -EINVAL; /* COMPAT: anonymous files (pipes, sockets) cannot be locked here */
    struct lock_ctx *c = ctx_get(f->inode, op != LOCK_UN);
    if (!c)
        return op == LOCK_UN ? 0 : -ENOLCK;
    int type = op == LOCK_EX ? F_WRLCK : F_RDLCK;
    struct file_lock *l, *mine = NULL;
    list_for_each_entry(l, &c->flocks, link)
    {
        if (l->owner == f)
            mine = l;
    }
    if (op == LOCK_UN || (mine && mine->type != type)) {
        /* Linux drops the old lock before waiting for the new one (a conversion is not
         * atomic). */
        drop_flock(c, f);
        mine = NULL;
    }
    if (op == LOCK_UN || mine)
        return 0;
    struct waiter w = {0};
    int ret = 0;
    for (;;) {
        bool busy = false;
        list_for_each_entry(l, &c->flocks, link)
        {
            if (l->owner != f && (type == F_WRLCK || l->type == F_WRLCK))
                busy = true;
        }
        if (!busy)
            break;
        if (nb) {
            ret = -EWOULDBLOCK;
            break;
        }
        if (!w.q)
            waitq_add(&c->wq, &w, ctx, 0);
        if (ctx_wait(ctx, 0) == -EINTR) {
            ret = -LINUX_ERESTARTSYS;
            break;
        }
    }
    waitq_remove(&w);
    if (ret < 0)
        return ret;
    struct file_lock *nl = calloc(1, sizeof(*nl));
    if (!nl)
        return -ENOLCK;
    nl->kind = KIND_FLOCK;
    nl->type = type;
    nl->owner = f;
    nl->end = LOCK_EOF;
    list_add_tail(&nl->link, &c->flocks);
    return 0;
}
