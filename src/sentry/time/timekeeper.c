// SPDX-License-Identifier: Apache-2.0
/*
 * Calibration of the time page (timekeeper.h): the TSC frequency is measured against the
 * host's CLOCK_MONOTONIC over an ever longer window (from the first sample at boot), and
 * each update starts a new line at the guest's current time with a slope that meets the host
 * clock at the next update.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "abi/cvisor/vvar.h"
#include "common/log.h"
#include "sentry/memfile/memfile.h"
#include "sentry/time/timekeeper.h"

#define NS_PER_SEC 1000000000ULL
#define FIRST_INTERVAL_NS 2000000ULL  /* calibrate over at least 2 ms before enabling */
#define MAX_INTERVAL_NS 1000000000ULL /* then recalibrate at doubling intervals up to 1 s */
#define MAX_SLEW 0.001                /* slow the clock by at most 0.1% to absorb an error */

struct sample {
    uint64_t tsc;
    uint64_t mono;    /* host CLOCK_MONOTONIC */
    int64_t real_off; /* host offsets of the other clocks from CLOCK_MONOTONIC */
    int64_t boot_off;
    int64_t tai_off;
};

static struct cvisor_vvar *g_vvar;
static uint64_t g_vvar_frame;
static bool g_tsc_ok;         /* the host keeps time with the TSC: so can we */
static struct sample g_first; /* the calibration window starts here */
static uint64_t g_interval = FIRST_INTERVAL_NS;

static uint64_t host_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Host CLOCK_MONOTONIC paired with the TSC read around it (the tightest of three tries). */
static void take_sample(struct sample *s)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 3; i++) {
        uint64_t t1 = cvisor_rdtsc();
        uint64_t m = host_ns(CLOCK_MONOTONIC);
        uint64_t t2 = cvisor_rdtsc();
        if (t2 - t1 < best) {
            best = t2 - t1;
            s->tsc = t1 + (t2 - t1) / 2;
            s->mono = m;
        }
    }
    const clockid_t other[3] = {CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_TAI};
    int64_t *off[3] = {&s->real_off, &s->boot_off, &s->tai_off};
    for (int i = 0; i < 3; i++) {
        uint64_t m1 = host_ns(CLOCK_MONOTONIC);
        uint64_t o = host_ns(other[i]);
        uint64_t m2 = host_ns(CLOCK_MONOTONIC);
        *off[i] = (int64_t)(o - (m1 + (m2 - m1) / 2));
    }
}

/* The host keeps its clocks with the TSC (so it is invariant and synchronised across CPUs). */
static bool host_uses_tsc(void)
{
    char buf[32] = {0};
    int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
                  O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n > 0 && strncmp(buf, "tsc\n", 4) == 0;
}

static void vvar_write_begin(void)
{
    __atomic_store_n(&g_vvar->seq, g_vvar->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

static void vvar_write_end(void)
{
    __atomic_store_n(&g_vvar->seq, g_vvar->seq + 1, __ATOMIC_RELEASE);
}

int timekeeper_init(void)
{
    int err = memfile_alloc(&g_vvar_frame);
    if (err < 0)
        return err;
    g_vvar = memfile_ptr(g_vvar_frame);
    memset(g_vvar, 0, CVISOR_VVAR_SIZE);
    g_tsc_ok = host_uses_tsc();
    if (!g_tsc_ok)
        log_info("the host clock source is not the TSC: the vDSO's clocks will trap");
    take_sample(&g_first);
    return 0;
}

uint64_t timekeeper_vvar_frame(void)
{
    return g_vvar_frame;
}

/* Guest CLOCK_MONOTONIC at @tsc under the current page (the writer's own view: no seqcount). */
static uint64_t guest_mono_at(uint64_t tsc)
{
    return cvisor_vvar_mono_at(g_vvar, tsc);
}

/* Start a new line at @s: value max(guest, host) now, meeting the host clock after the
 * next interval. @ns_per_tick is the measured TSC period. */
static void set_line(const struct sample *s, double ns_per_tick, bool enabled)
{
    uint64_t base = s->mono;
    double slew = 0;
    if (enabled) {
        uint64_t guest = guest_mono_at(s->tsc);
        if (guest > s->mono) {
            base = guest; /* ahead: never step back, run slower until the host catches up */
            slew = (double)(guest - s->mono) / (double)g_interval;
            if (slew > MAX_SLEW)
                slew = MAX_SLEW;
        }
    }
    vvar_write_begin();
    g_vvar->tsc_base = s->tsc;
    g_vvar->mono_base = base;
    g_vvar->mult = (uint64_t)(ns_per_tick * (1.0 - slew) * 4294967296.0);
    g_vvar->real_off = s->real_off;
    g_vvar->boot_off = s->boot_off;
    g_vvar->tai_off = s->tai_off;
    g_vvar->flags |= CVISOR_VVAR_TSC;
    vvar_write_end();
}

uint64_t timekeeper_update(void)
{
    if (!g_tsc_ok || !g_vvar)
        return MAX_INTERVAL_NS * 3600;
    struct sample s;
    take_sample(&s);
    bool enabled = (g_vvar->flags & CVISOR_VVAR_TSC) != 0;
    if (s.tsc <= g_first.tsc || s.mono <= g_first.mono) {
        g_first = s; /* the TSC went backwards (a restored VM?): start calibrating again */
        return g_interval;
    }
    if (s.mono - g_first.mono < FIRST_INTERVAL_NS && !enabled)
        return FIRST_INTERVAL_NS - (s.mono - g_first.mono);
    double ns_per_tick = (double)(s.mono - g_first.mono) / (double)(s.tsc - g_first.tsc);
    set_line(&s, ns_per_tick, enabled);
    uint64_t next = g_interval;
    if (g_interval < MAX_INTERVAL_NS)
        g_interval *= 2;
    return next;
}

uint64_t timekeeper_start(void)
{
    for (;;) {
        uint64_t next = timekeeper_update();
        if (!g_tsc_ok || (g_vvar->flags & CVISOR_VVAR_TSC))
            return next;
        struct timespec ts = {0, (long)next};
        nanosleep(&ts, NULL);
    }
}

uint64_t timekeeper_now_ns(int id)
{
    uint64_t ns;
    if (g_vvar && cvisor_vvar_clock(g_vvar, id, &ns))
        return ns;
    switch (id) {
    case CVISOR_CLOCK_REALTIME:
    case CVISOR_CLOCK_REALTIME_COARSE:
        return host_ns(CLOCK_REALTIME);
    case CVISOR_CLOCK_BOOTTIME:
        return host_ns(CLOCK_BOOTTIME);
    case CVISOR_CLOCK_TAI:
        return host_ns(CLOCK_TAI);
    default:
        return host_ns(CLOCK_MONOTONIC);
    }
}

struct timespec timekeeper_host_deadline(uint64_t guest_ns)
{
    /* The two clocks differ by microseconds at most: shift the deadline by that, saturating
     * (the wait is re-checked against the guest clock anyway). */
    int64_t skew = (int64_t)(timekeeper_now_ns(CVISOR_CLOCK_MONOTONIC) - host_ns(CLOCK_MONOTONIC));
    uint64_t d = guest_ns - (uint64_t)skew;
    if (skew > 0 && d > guest_ns)
        d = 0;
    else if (skew < 0 && d < guest_ns)
        d = UINT64_MAX;
    struct timespec ts = {.tv_sec = (time_t)(d / NS_PER_SEC), .tv_nsec = (long)(d % NS_PER_SEC)};
    return ts;
}
