// SPDX-License-Identifier: Apache-2.0
/* What the VFS unit tests stand in for the kernel: a context acting as root with the root
 * filesystem context, whose waits fail at once (a test that blocks is a bug). */
#pragma once

#include "sentry/context/context.h"

/* A root context with the root filesystem context (vfs_mount_root first). */
struct ctx *fake_ctx_new(void);
void fake_ctx_free(struct ctx *c);
