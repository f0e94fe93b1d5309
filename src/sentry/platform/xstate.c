// SPDX-License-Identifier: Apache-2.0
/* The host's FPU state format (xstate.h). */
#include "sentry/platform/xstate.h"

#include "sentry/platform/platform.h"

#define XSTATE_MIN_SIZE (PLAT_FXSAVE_SIZE + 64) /* the legacy area and the XSAVE header */
#define XSTATE_MAX_SIZE (1u << 16)

static uint32_t g_size = PLAT_FXSAVE_SIZE;
static uint64_t g_features;

void plat_xstate_detect(void)
{
    uint32_t eax, ebx, ecx, edx;
    __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(1), "c"(0));
    if (!((ecx >> 27) & 1)) /* OSXSAVE: the host kernel uses XSAVE */
        return;
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0xd), "c"(0));
    if (ebx < XSTATE_MIN_SIZE || ebx > XSTATE_MAX_SIZE)
        return;
    g_size = ebx; /* the size for the features enabled in XCR0 */
    g_features = ((uint64_t)hi << 32) | lo;
}

uint32_t plat_xstate_size(void)
{
    return g_size;
}

uint64_t plat_xstate_features(void)
{
    return g_features;
}

void plat_xstate_format(uint32_t *size, uint64_t *xfeatures)
{
    *size = g_size;
    *xfeatures = g_features;
}
