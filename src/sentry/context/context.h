// SPDX-License-Identifier: Apache-2.0
/*
 * The context an operation runs in (gVisor's context.Context, cut down to what the layers
 * below the kernel need): who acts (credentials), where its paths start (root, cwd and umask)
 * and how it blocks and is interrupted. The VFS and the filesystems take a context, never a
 * task: a task embeds one (kernel/task.h, task_from_ctx), and work the Sentry does on
 * nobody's behalf (boot, overlay copy-up) runs in ctx_background().
 *
 * Locking: a context is used by its own thread only, with the kernel lock held; the waits
 * release the kernel lock while they sleep. ->cred and ->fs change only on the owning thread
 * (a cred is replaced, never changed: auth/cred.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cred;
struct ctx;
struct fs_context; /* vfs/vfs.h: root, cwd, umask */

struct ctx_ops {
    /* Sleep until woken (ctx_wake, a wait queue), a signal is pending (or only a fatal one
     * when @killable), or CLOCK_MONOTONIC @deadline_ns (0: none). Caller holds the kernel
     * lock, released while sleeping. Returns 0 when woken, -ETIMEDOUT or -EINTR. Callers
     * queue their waiters first and recheck their condition after. */
    int (*wait)(struct ctx *c, uint64_t deadline_ns, bool killable);
    /* Wake @c from ->wait. Caller holds the kernel lock. */
    void (*wake)(struct ctx *c);
    /* True if a signal (or an exit) wants the context's attention. */
    bool (*interrupted)(struct ctx *c);
    /* Release and retake the kernel lock around host I/O that may block (a read of a host
     * file). NULL when the context must keep the lock (the background context: its callers
     * are in the middle of changing shared state). */
    void (*io_begin)(struct ctx *c);
    void (*io_end)(struct ctx *c);
};

struct ctx {
    const struct ctx_ops *ops; /* Immutable */
    /* What the context belongs to (the task), for the layers that know its type; a copy of
     * a context (one acting with other credentials for a moment, as access(2) does) keeps
     * it. Immutable. */
    void *owner;
    /* The acting credentials; a reference held by the owner (the task). Changed only by
     * the owning thread, which replaces it. */
    const struct cred *cred;
    /* Root, cwd and umask for path walks; a reference held by the owner. NULL in the
     * background context (no relative or absolute walks there). */
    struct fs_context *fs;
};

static inline int ctx_wait(struct ctx *c, uint64_t deadline_ns)
{
    return c->ops->wait(c, deadline_ns, false);
}

static inline int ctx_wait_killable(struct ctx *c, uint64_t deadline_ns)
{
    return c->ops->wait(c, deadline_ns, true);
}

static inline void ctx_wake(struct ctx *c)
{
    c->ops->wake(c);
}

static inline bool ctx_interrupted(struct ctx *c)
{
    return c->ops->interrupted(c);
}

/* True if host I/O of @c may run with the kernel lock released (ctx_io_begin/end). */
static inline bool ctx_may_unlock(const struct ctx *c)
{
    return c->ops->io_begin != NULL;
}

/* Release the kernel lock (when the context may) around host I/O that may block; nothing
 * that the lock protects may be touched until ctx_io_end. */
static inline void ctx_io_begin(struct ctx *c)
{
    if (c->ops->io_begin)
        c->ops->io_begin(c);
}

static inline void ctx_io_end(struct ctx *c)
{
    if (c->ops->io_end)
        c->ops->io_end(c);
}

/* The context of the Sentry's own work: root with every capability, no fs context, and
 * waits that fail at once with -EINTR (nothing done on nobody's behalf may block).
 * Borrowed; lives for the life of the Sentry. */
struct ctx *ctx_background(void);
