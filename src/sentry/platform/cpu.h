/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CPU placement shared by the platforms: the Sentry thread that runs a task pins itself to a
 * CPU while the task runs app code, and the stub thread follows it, so that each hand-off
 * between them stays on one CPU (a cross-CPU wake-up costs an IPI, tens of microseconds in
 * these VMs). Per-thread state; no locks (the pin counts are atomics).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Once, at platform init: remember the Sentry's CPUs. Returns 0 or -errno. */
int plat_cpu_init(void);

/* Before a switch to app code on the calling Sentry thread: pin (or re-balance) the caller
 * and bind stub thread @tid to the same CPU. *@cur is the CPU @tid is bound to (-1: none),
 * updated. Returns the caller's CPU or -1. */
int plat_cpu_bind(pid_t tid, int *cur);

/* Let stub thread @tid run on any of the Sentry's CPUs again. Returns 0 or -errno. */
int plat_cpu_unbind(pid_t tid);

/* The calling Sentry thread stops running app code for a while: release its pin. */
void plat_cpu_idle(void);

/* The number of CPUs the Sentry may use. */
int plat_cpu_count(void);
