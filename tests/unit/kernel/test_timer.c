// SPDX-License-Identifier: Apache-2.0
/* Unit tests for kernel/timer.c: time conversions, deadlines and ITIMER_REAL bookkeeping. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/timer.h"
#include "tests/unit/kernel/fakes/fake_kernel.h"

static void test_timespec_conversions(void **state)
{
    uint64_t ns;
    struct linux_timespec ts = {2, 500};
    assert_int_equal(timespec_to_ns(&ts, &ns), 0);
    assert_int_equal(ns, 2000000500ULL);
    ts.tv_nsec = 1000000000;
    assert_int_equal(timespec_to_ns(&ts, &ns), -EINVAL);
    ts.tv_nsec = -1;
    assert_int_equal(timespec_to_ns(&ts, &ns), -EINVAL);
    ts = (struct linux_timespec){-1, 0};
    assert_int_equal(timespec_to_ns(&ts, &ns), -EINVAL);
    ts = (struct linux_timespec){INT64_MAX, 999999999};
    assert_int_equal(timespec_to_ns(&ts, &ns), 0); /* saturates, no overflow */
    assert_true(ns >= UINT64_MAX / 4);
    ts = ns_to_timespec(3000000007ULL);
    assert_int_equal(ts.tv_sec, 3);
    assert_int_equal(ts.tv_nsec, 7);
}

static void test_timeval_conversions(void **state)
{
    uint64_t ns;
    struct linux_timeval tv = {1, 999999};
    assert_int_equal(timeval_to_ns(&tv, &ns), 0);
    assert_int_equal(ns, 1999999000ULL);
    tv.tv_usec = 1000000;
    assert_int_equal(timeval_to_ns(&tv, &ns), -EINVAL);
    tv = ns_to_timeval(1500ULL);
    assert_int_equal(tv.tv_sec, 0);
    assert_int_equal(tv.tv_usec, 1);
}

static void test_deadline_saturates(void **state)
{
    uint64_t now = kernel_now_ns();
    assert_true(deadline_after(1000) >= now + 1000);
    assert_true(deadline_after(UINT64_MAX) > now);
    assert_true(deadline_after(UINT64_MAX) != 0);
}

static void test_itimer_real(void **state)
{
    struct fake_proc p;
    uint64_t v, i, ov, oi;
    fake_reset(&p);
    timer_itimer_real_get(&p.tg, &v, &i);
    assert_int_equal(v, 0);
    timer_itimer_real_set(&p.tg, 5000000000ULL, 1000, &ov, &oi);
    assert_int_equal(ov, 0);
    timer_itimer_real_get(&p.tg, &v, &i);
    assert_true(v > 4000000000ULL && v <= 5000000000ULL);
    assert_int_equal(i, 1000);
    timer_itimer_real_set(&p.tg, 0, 1000, &ov, &oi);
    assert_true(ov > 4000000000ULL);
    assert_int_equal(oi, 1000);
    timer_itimer_real_get(&p.tg, &v, &i);
    assert_int_equal(v, 0);
    assert_int_equal(i, 0); /* a zero value disarms and clears the interval */
    timer_tg_exit(&p.tg);
    fake_release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timespec_conversions),
        cmocka_unit_test(test_timeval_conversions),
        cmocka_unit_test(test_deadline_saturates),
        cmocka_unit_test(test_itimer_real),
    };
    return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
