// SPDX-License-Identifier: Apache-2.0
/* Unit tests for the time page (abi/cvisor/vvar.h) and its calibration (kernel/timekeeper.c):
 * the TSC-to-ns arithmetic at its edges, which clocks the page serves, and a calibrated
 * timekeeper that tracks the host's clocks and never runs backwards across updates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "abi/cvisor/vvar.h"
#include "sentry/context/klock.h"
#include "sentry/memfile/memfile.h"
#include "sentry/time/timekeeper.h"

static uint64_t host(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void test_mono_at_edges(void **state)
{
    struct cvisor_vvar v = {.tsc_base = 1000, .mono_base = 5000, .mult = 1ULL << 32};
    assert_int_equal(cvisor_vvar_mono_at(&v, 1000), 5000);
    assert_int_equal(cvisor_vvar_mono_at(&v, 1010), 5010);
    /* A CPU whose TSC is a little behind reads the base, never less. */
    assert_int_equal(cvisor_vvar_mono_at(&v, 990), 5000);
    /* Hours of ticks without an update do not overflow the product. */
    assert_int_equal(cvisor_vvar_mono_at(&v, 1000 + (1ULL << 44)), 5000 + (1ULL << 44));
    v.mult = 1ULL << 31; /* 0.5 ns per tick */
    assert_int_equal(cvisor_vvar_mono_at(&v, 1000 + (3ULL << 40)), 5000 + (3ULL << 39));
}

static void test_clocks_served(void **state)
{
    struct cvisor_vvar v = {.flags = CVISOR_VVAR_TSC, .mult = 1ULL << 32, .real_off = 100,
                            .boot_off = 20, .tai_off = 137};
    uint64_t mono, ns;
    v.tsc_base = cvisor_rdtsc(); /* so that "now" is a small delta */
    assert_true(cvisor_vvar_clock(&v, CVISOR_CLOCK_MONOTONIC, &mono));
    assert_true(cvisor_vvar_clock(&v, CVISOR_CLOCK_REALTIME, &ns));
    assert_true(ns >= mono + 100);
    assert_true(cvisor_vvar_clock(&v, CVISOR_CLOCK_BOOTTIME, &ns));
    assert_true(cvisor_vvar_clock(&v, CVISOR_CLOCK_TAI, &ns));
    assert_true(cvisor_vvar_clock(&v, CVISOR_CLOCK_MONOTONIC_COARSE, &ns));
    assert_true(cvisor_vvar_clock(&v, CVISOR_CLOCK_REALTIME_COARSE, &ns));
    /* MONOTONIC_RAW and the CPU-time clocks go to the kernel. */
    assert_false(cvisor_vvar_clock(&v, 4, &ns));
    assert_false(cvisor_vvar_clock(&v, 2, &ns));
    assert_false(cvisor_vvar_clock(&v, -6, &ns));
    /* An uncalibrated page answers nothing. */
    v.flags = 0;
    assert_false(cvisor_vvar_clock(&v, CVISOR_CLOCK_MONOTONIC, &ns));
}

static void test_calibrated_clock_tracks_host(void **state)
{
    assert_int_equal(memfile_init(), 0);
    assert_int_equal(timekeeper_init(), 0);
    timekeeper_start();
    const struct cvisor_vvar *v = memfile_ptr(timekeeper_vvar_frame());
    if (!(v->flags & CVISOR_VVAR_TSC)) {
        print_message("the host's clock source is not the TSC: the page stays off\n");
        skip();
    }
    uint64_t last = 0;
    for (int round = 0; round < 8; round++) {
        for (int i = 0; i < 1000; i++) {
            uint64_t h1 = host(CLOCK_MONOTONIC);
            uint64_t g = timekeeper_now_ns(CVISOR_CLOCK_MONOTONIC);
            uint64_t h2 = host(CLOCK_MONOTONIC);
            assert_true(g >= last);
            last = g;
            /* Within 100 us of the host (the calibration error is far below that). */
            assert_true(g + 100000 >= h1 && g <= h2 + 100000);
        }
        uint64_t r = timekeeper_now_ns(CVISOR_CLOCK_REALTIME), hr = host(CLOCK_REALTIME);
        assert_true(r + 100000 >= hr && r <= hr + 100000);
        struct timespec nap = {0, 3000000};
        nanosleep(&nap, NULL);
        timekeeper_update(); /* a new line starts where the old one is: no step back */
        assert_true(timekeeper_now_ns(CVISOR_CLOCK_MONOTONIC) >= last);
    }
    /* Guest deadlines convert to host ones within the same error. */
    uint64_t d = timekeeper_now_ns(CVISOR_CLOCK_MONOTONIC) + 5000000;
    struct timespec hd = timekeeper_host_deadline(d);
    uint64_t hdn = (uint64_t)hd.tv_sec * 1000000000ULL + (uint64_t)hd.tv_nsec;
    assert_true(hdn + 1000000 >= d && hdn <= d + 1000000);
    memfile_destroy();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mono_at_edges),
        cmocka_unit_test(test_clocks_served),
        cmocka_unit_test(test_calibrated_clock_tracks_host),
    };
    kernel_lock(); /* what the code under test expects of its callers */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
