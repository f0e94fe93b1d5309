// SPDX-License-Identifier: Apache-2.0
/* timerfd: a file that counts the expirations of a timer (timerfd_create(2)). */
#pragma once

#include <stdint.h>

struct file;
struct ctx;

/* Interval and time to the next expiry, in ns (the kernel's itimerspec, converted). */
struct timerfd_spec {
    uint64_t interval_ns;
    uint64_t value_ns;
};

/* A new timerfd of clock @clockid (CLOCK_REALTIME/MONOTONIC/BOOTTIME and their _ALARM
 * variants), disarmed; @flags may hold O_NONBLOCK. Returns 0 or -errno. */
int timerfd_create_file(int clockid, uint32_t flags, struct file **out);
/* True if @f is a timerfd. */
int file_is_timerfd(struct file *f);
/* timerfd_settime: @abs_time means @spec->value_ns is an absolute time of the timer's clock.
 * The previous setting goes to *@old. Caller holds the kernel lock. */
int timerfd_set(struct file *f, int abs_time, const struct timerfd_spec *spec,
                struct timerfd_spec *old);
void timerfd_get(struct file *f, struct timerfd_spec *cur);
