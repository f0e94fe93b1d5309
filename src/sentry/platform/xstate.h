/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's FPU state format, shared by the platforms (platform.h fpstate_format): with XSAVE
 * enabled by the host kernel, the XSAVE standard format of the user state components in XCR0,
 * of the size CPUID leaf 0xd gives for them; else the 512-byte FXSAVE image. Detected once at
 * platform init, immutable afterwards; no locks.
 */
#pragma once

#include <stdint.h>

/* Once, at platform init (before any other call of this file). */
void plat_xstate_detect(void);

/* The image size in bytes (PLAT_FXSAVE_SIZE without XSAVE). */
uint32_t plat_xstate_size(void);

/* The user state components (XCR0), or 0 without XSAVE. */
uint64_t plat_xstate_features(void);

/* Both at once, as the platform op fpstate_format. */
void plat_xstate_format(uint32_t *size, uint64_t *xfeatures);
