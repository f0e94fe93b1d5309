// SPDX-License-Identifier: Apache-2.0
/* The gofer's confinement: its own mount namespace and root, capabilities, seccomp. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * Move into a mount namespace of our own whose root is a bind mount of @root alone (no
 * submount of @root comes along), read-only if @ro, and keep only the capabilities the
 * requests need (docs/security.md). Returns 0 or -errno.
 */
int gofer_confine(const char *root, bool ro);

/* Install the seccomp allow-list of filter.c. Returns 0 or -errno. */
int gofer_filter_install(bool ro);
