// SPDX-License-Identifier: Apache-2.0
/* The background context (context.h): what the Sentry acts as when no task does. */
#include "sentry/context/context.h"

#include <errno.h>

#include "sentry/auth/cred.h"

static int background_wait(struct ctx *c, uint64_t deadline_ns, bool killable)
{
    return -EINTR; /* nothing the Sentry does for itself may sleep */
}

static void background_wake(struct ctx *c)
{
}

static bool background_interrupted(struct ctx *c)
{
    return false;
}

static const struct ctx_ops g_background_ops = {
    .wait = background_wait,
    .wake = background_wake,
    .interrupted = background_interrupted,
};

static struct ctx g_background = {.ops = &g_background_ops, .cred = &g_kernel_cred};

struct ctx *ctx_background(void)
{
    return &g_background;
}
