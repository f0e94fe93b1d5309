// SPDX-License-Identifier: Apache-2.0
/*
 * The guest's clocks. The Sentry keeps a time page ([vvar], abi/cvisor/vvar.h) that turns
 * the TSC into CLOCK_MONOTONIC/REALTIME/BOOTTIME/TAI; the vDSO reads it in the app without a
 * trap, and the Sentry reads the same page for its own syscalls and timeouts, so that both
 * agree exactly. The timer thread recalibrates the page against the host's clocks
 * (timekeeper_update): the guest clock never runs backwards, is stepped forward when it
 * falls behind the host, and is slewed (at most 0.1%) when it is ahead.
 *
 * Until the TSC is calibrated (a few ms after boot), or when the host's clock source is not
 * the TSC, the page says so and every read goes to the host clock (the vDSO then makes a
 * syscall, which the Sentry answers from the host).
 *
 * Locking: reads are lock-free. timekeeper_init runs at boot; timekeeper_update runs only on
 * the timer thread, under the kernel lock.
 */
#pragma once

#include <stdint.h>
#include <time.h>

/* Allocate the time page and take the first calibration sample. Called once at boot, before
 * the Sentry is confined (it reads the host's clock source from /sys). Returns 0 or -errno. */
int timekeeper_init(void);

/* The memory-file frame of the time page (mapped read-only into apps as [vvar]). */
uint64_t timekeeper_vvar_frame(void);

/* Calibrate before the first app instruction runs (waiting out the rest of the first
 * calibration window if boot was quicker), so that apps never see an uncalibrated page.
 * Returns the delay in ns until timekeeper_update wants to run. */
uint64_t timekeeper_start(void);

/* Recalibrate. Returns the delay in ns until it wants to be called again. */
uint64_t timekeeper_update(void);

/* Linux clock @id (REALTIME, MONOTONIC, their _COARSE forms, BOOTTIME, TAI) in ns; other ids
 * read CLOCK_MONOTONIC. */
uint64_t timekeeper_now_ns(int id);

/* The host CLOCK_MONOTONIC time at which guest CLOCK_MONOTONIC reaches @guest_ns (for host
 * timed waits). */
struct timespec timekeeper_host_deadline(uint64_t guest_ns);
