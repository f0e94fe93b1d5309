// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by the memory conformance programs (mem_io, mem_volume, mmap_truncate):
 * reading a byte that may raise SIGBUS, and checking a run of bytes. */
#pragma once

#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "tests/syscalls/harness.h"

static sigjmp_buf g_bus_jmp;

__attribute__((unused)) static void on_sigbus(int sig)
{
    (void)sig;
    siglongjmp(g_bus_jmp, 1);
}

/* Make SIGBUS return to probe() instead of killing the test. */
__attribute__((unused)) static void catch_sigbus(void)
{
    struct sigaction sa = {.sa_handler = on_sigbus};
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGBUS, &sa, NULL));
}

/* The byte at @p (0..255), or -1 if reading it raised SIGBUS (after catch_sigbus). */
__attribute__((unused)) static int probe(volatile char *p)
{
    if (sigsetjmp(g_bus_jmp, 1))
        return -1;
    return (unsigned char)*p;
}

/* True if the @n bytes at @p are all @c. */
__attribute__((unused)) static bool all_bytes(const char *p, size_t n, char c)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != c)
            return false;
    return true;
}
