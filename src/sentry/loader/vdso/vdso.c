// SPDX-License-Identifier: Apache-2.0
/*
 * The vDSO cvisor maps into every app (AT_SYSINFO_EHDR): the time calls glibc, musl and Go
 * look up here answer from the Sentry's time page ([vvar], the page below this image)
 * without a trap. Clocks the page does not serve fall back to a real `syscall`, which the
 * platform traps like any other.
 *
 * Built freestanding and position-independent, with no relocations (tools/embed_vdso.py
 * refuses an image that has any): it is mapped as is, at any address.
 */
#include <stddef.h>
#include <stdint.h>

#include "abi/cvisor/vvar.h"

#define NR_gettimeofday 96
#define NR_time 201
#define NR_clock_gettime 228
#define NR_clock_getres 229
#define NR_getcpu 309

#define NSEC_PER_SEC 1000000000ULL

struct k_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};
struct k_timeval {
    int64_t tv_sec;
    int64_t tv_usec;
};
struct k_timezone {
    int tz_minuteswest;
    int tz_dsttime;
};

/* The time page, one page below the image (defined by vdso.lds; reached PC-relative). */
extern const struct cvisor_vvar cvisor_vvar_page __attribute__((visibility("hidden")));

static inline const struct cvisor_vvar *vvar(void)
{
    return &cvisor_vvar_page;
}

static inline long syscall3(long nr, long a, long b, long c)
{
    long ret;
    __asm__ __volatile__("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(a), "S"(b), "d"(c)
                         : "rcx", "r11", "memory");
    return ret;
}

int __vdso_clock_gettime(int clock, struct k_timespec *ts)
{
    uint64_t ns;
    if (!cvisor_vvar_clock(vvar(), clock, &ns))
        return (int)syscall3(NR_clock_gettime, clock, (long)ts, 0);
    ts->tv_sec = (int64_t)(ns / NSEC_PER_SEC);
    ts->tv_nsec = (int64_t)(ns % NSEC_PER_SEC);
    return 0;
}

int __vdso_gettimeofday(struct k_timeval *tv, struct k_timezone *tz)
{
    uint64_t ns;
    if (!cvisor_vvar_clock(vvar(), CVISOR_CLOCK_REALTIME, &ns))
        return (int)syscall3(NR_gettimeofday, (long)tv, (long)tz, 0);
    if (tv) {
        tv->tv_sec = (int64_t)(ns / NSEC_PER_SEC);
        tv->tv_usec = (int64_t)(ns % NSEC_PER_SEC / 1000);
    }
    if (tz) {
        /* The sandbox's kernel time zone is UTC, as the gettimeofday syscall reports. */
        tz->tz_minuteswest = 0;
        tz->tz_dsttime = 0;
    }
    return 0;
}

int64_t __vdso_time(int64_t *t)
{
    uint64_t ns;
    if (!cvisor_vvar_clock(vvar(), CVISOR_CLOCK_REALTIME, &ns))
        return syscall3(NR_time, (long)t, 0, 0);
    int64_t s = (int64_t)(ns / NSEC_PER_SEC);
    if (t)
        *t = s;
    return s;
}

int __vdso_clock_getres(int clock, struct k_timespec *res)
{
    int64_t off;
    /* The fine clocks tick in nanoseconds; the coarse ones report the host's tick. */
    if (clock == CVISOR_CLOCK_REALTIME_COARSE || clock == CVISOR_CLOCK_MONOTONIC_COARSE ||
        !cvisor_vvar_offset(vvar(), clock, &off))
        return (int)syscall3(NR_clock_getres, clock, (long)res, 0);
    if (res) {
        res->tv_sec = 0;
        res->tv_nsec = 1;
    }
    return 0;
}

/* Always the syscall: the CPU reported must be one the task's affinity allows, and only the
 * Sentry knows that (the host CPU, from RDTSCP, may not be). */
int __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache)
{
    return (int)syscall3(NR_getcpu, (long)cpu, (long)node, (long)cache);
}

/* The unprefixed names Linux's vDSO also exports. */
int clock_gettime(int, struct k_timespec *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct k_timeval *, struct k_timezone *)
    __attribute__((weak, alias("__vdso_gettimeofday")));
int64_t time(int64_t *) __attribute__((weak, alias("__vdso_time")));
int clock_getres(int, struct k_timespec *) __attribute__((weak, alias("__vdso_clock_getres")));
int getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
