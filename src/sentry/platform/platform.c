// SPDX-License-Identifier: Apache-2.0
/* Platform selection by name (--platform). */
#include "sentry/platform/platform.h"

#include <errno.h>
#include <string.h>

const struct platform_ops *g_platform;
bool g_systrap_patching = true;

int platform_select(const char *name)
{
    if (!name || strcmp(name, "ptrace") == 0) {
        g_platform = &g_platform_ptrace;
        return 0;
    }
    if (strcmp(name, "systrap") == 0 || strcmp(name, "systrap:nopatch") == 0) {
        g_platform = &g_platform_systrap;
        g_systrap_patching = strcmp(name, "systrap") == 0;
        return 0;
    }
    return -EINVAL;
}
