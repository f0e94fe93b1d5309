// SPDX-License-Identifier: Apache-2.0
/*
 * The time page ("[vvar]"): an ABI between the Sentry, which keeps it current, and the vDSO
 * in every app address space, which reads it (mapped read-only, one page below the vDSO
 * image). Also read by the Sentry itself, so that its own clocks (syscalls, timeouts) and
 * the app's vDSO calls agree to the nanosecond.
 *
 * Clock model: CLOCK_MONOTONIC = mono_base + ((tsc - tsc_base) * mult >> 32); the other
 * clocks are CLOCK_MONOTONIC plus an offset. A seqcount guards the fields: the writer makes
 * seq odd, rewrites, makes it even; a reader retries while seq is odd or changed.
 *
 * Freestanding: included by the vDSO, which has no libc.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define CVISOR_VVAR_SIZE 4096

/* flags */
#define CVISOR_VVAR_TSC 0x1u /* the clock fields are valid (else: ask the kernel) */

/* The clocks the page serves (Linux clock ids). */
#define CVISOR_CLOCK_REALTIME 0
#define CVISOR_CLOCK_MONOTONIC 1
#define CVISOR_CLOCK_REALTIME_COARSE 5
#define CVISOR_CLOCK_MONOTONIC_COARSE 6
#define CVISOR_CLOCK_BOOTTIME 7
#define CVISOR_CLOCK_TAI 11

struct cvisor_vvar {
    uint32_t seq;
    uint32_t flags;
    uint64_t tsc_base;  /* TSC at the last update */
    uint64_t mono_base; /* CLOCK_MONOTONIC in ns at tsc_base */
    uint64_t mult;      /* ns per TSC tick, 32.32 fixed point */
    int64_t real_off;   /* CLOCK_REALTIME - CLOCK_MONOTONIC */
    int64_t boot_off;   /* CLOCK_BOOTTIME - CLOCK_MONOTONIC */
    int64_t tai_off;    /* CLOCK_TAI - CLOCK_MONOTONIC */
};

/* The TSC, not read before earlier loads complete (so that it is not sampled ahead of the
 * seqcount read). */
static inline uint64_t cvisor_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* CLOCK_MONOTONIC at TSC @tsc under the fields of @v (a consistent snapshot). A TSC a little
 * behind tsc_base (another CPU) reads as tsc_base: time never runs backwards. */
static inline uint64_t cvisor_vvar_mono_at(const struct cvisor_vvar *v, uint64_t tsc)
{
    int64_t delta = (int64_t)(tsc - v->tsc_base);
    if (delta < 0)
        delta = 0;
    return v->mono_base + (uint64_t)(((unsigned __int128)(uint64_t)delta * v->mult) >> 32);
}

/* Offset of clock @id from CLOCK_MONOTONIC; false if the page does not serve @id. */
static inline bool cvisor_vvar_offset(const struct cvisor_vvar *v, int id, int64_t *off)
{
    switch (id) {
    case CVISOR_CLOCK_MONOTONIC:
    case CVISOR_CLOCK_MONOTONIC_COARSE:
        *off = 0;
        return true;
    case CVISOR_CLOCK_REALTIME:
    case CVISOR_CLOCK_REALTIME_COARSE:
        *off = v->real_off;
        return true;
    case CVISOR_CLOCK_BOOTTIME:
        *off = v->boot_off;
        return true;
    case CVISOR_CLOCK_TAI:
        *off = v->tai_off;
        return true;
    default:
        return false;
    }
}

/* Read clock @id from the page into *@ns. False when the page cannot answer (unknown clock,
 * or the Sentry has not calibrated the TSC): the caller asks the kernel instead. */
static inline bool cvisor_vvar_clock(const struct cvisor_vvar *page, int id, uint64_t *ns)
{
    struct cvisor_vvar v;
    uint32_t seq;
    int64_t off;
    uint64_t tsc;

    do {
        seq = __atomic_load_n(&page->seq, __ATOMIC_ACQUIRE);
        v.flags = __atomic_load_n(&page->flags, __ATOMIC_RELAXED);
        v.tsc_base = __atomic_load_n(&page->tsc_base, __ATOMIC_RELAXED);
        v.mono_base = __atomic_load_n(&page->mono_base, __ATOMIC_RELAXED);
        v.mult = __atomic_load_n(&page->mult, __ATOMIC_RELAXED);
        v.real_off = __atomic_load_n(&page->real_off, __ATOMIC_RELAXED);
        v.boot_off = __atomic_load_n(&page->boot_off, __ATOMIC_RELAXED);
        v.tai_off = __atomic_load_n(&page->tai_off, __ATOMIC_RELAXED);
        tsc = cvisor_rdtsc();
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((seq & 1) || seq != __atomic_load_n(&page->seq, __ATOMIC_RELAXED));
    if (!(v.flags & CVISOR_VVAR_TSC) || !cvisor_vvar_offset(&v, id, &off))
        return false;
    *ns = cvisor_vvar_mono_at(&v, tsc) + (uint64_t)off;
    return true;
}
