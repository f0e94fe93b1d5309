// SPDX-License-Identifier: Apache-2.0
/* The context of the VFS unit tests (fake_kernel.h), the kernel lock the fs code names, and
 * mm's invalidation (nothing is mapped in these tests). */
#include <errno.h>
#include <stdlib.h>

#include "sentry/auth/cred.h"
#include "sentry/kernel/kernel.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/vfs.h"
#include "tests/unit/vfs/fakes/fake_kernel.h"

struct kernel g_kernel;

static int fake_wait(struct ctx *c, uint64_t deadline_ns, bool killable)
{
    return -EINTR; /* a test that blocks is a bug: report a signal */
}

static void fake_wake(struct ctx *c)
{
}

/* File systems tell mm when mapped pages change; these tests map nothing. */
void mm_invalidate_mappable(struct mappable *m, uint64_t off, uint64_t end, enum mm_inval_mode mode)
{
    if (m->rmap)
        abort();
}

static bool fake_interrupted(struct ctx *c)
{
    return false;
}

static const struct ctx_ops g_fake_ops = {
    .wait = fake_wait, .wake = fake_wake, .interrupted = fake_interrupted};

struct ctx *fake_ctx_new(void)
{
    struct ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->ops = &g_fake_ops;
    c->cred = cred_new_init(0, 0, 0);
    if (!c->cred || fs_context_new_root(&c->fs) < 0) {
        fake_ctx_free(c);
        return NULL;
    }
    return c;
}

void fake_ctx_free(struct ctx *c)
{
    if (c->fs)
        fs_context_unref(c->fs);
    if (c->cred)
        cred_unref(c->cred);
    free(c);
}
