// SPDX-License-Identifier: Apache-2.0
/* A fake of sentry/fs/gofer/client.c serving a host directory in-process, with counters. */
#pragma once

#include "sentry/fs/gofer/client.h"

/* A client serving the host directory @dir. */
struct gofer_client *fake_gofer_new(const char *dir);
/* Round trips of WALK so far, and fids currently open. */
int fake_gofer_walks(const struct gofer_client *c);
int fake_gofer_live_fids(const struct gofer_client *c);
/* OPEN round trips so far. */
int fake_gofer_opens(const struct gofer_client *c);
