// SPDX-License-Identifier: Apache-2.0
/* The timing loop shared by the benchmark programs of bench/micro and bench/mech: run an
 * operation in growing batches for a given wall time (CLOCK_MONOTONIC, through the vDSO), after a
 * warm-up, and report the time per operation. A time budget rather than a count keeps a run the
 * same length in every runtime, whether an operation costs 200 ns or 200 µs. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* One batch: do the operation n times; returns 0, or -1 after printing why it failed. */
typedef int (*tl_op_fn)(long n, void *arg);

struct tl_result {
    long ops;         /* operations timed */
    double ns_per_op; /* wall time per operation */
};

static inline long long tl_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Parses the SECONDS argument (argv[idx], default 1.0); exits with status 2 if it is not a
 * positive number. */
static inline double tl_seconds(int argc, char **argv, int idx)
{
    double s = argc > idx ? atof(argv[idx]) : 1.0;
    if (s <= 0) {
        fprintf(stderr, "SECONDS must be a positive number\n");
        exit(2);
    }
    return s;
}

/* Runs op for about secs seconds: a warm-up of a tenth of that (untimed), then batches that grow
 * while they are short, the last one sized to end near the budget. Returns 0 with *r filled, or
 * -1 if op failed. */
static inline int tl_run(double secs, tl_op_fn op, void *arg, struct tl_result *r)
{
    long long budget = (long long)(secs * 1e9);
    long long t0 = tl_now_ns();
    long n = 1;
    while (tl_now_ns() - t0 < budget / 10) {
        if (op(n, arg) < 0)
            return -1;
        if (n < (1L << 16))
            n *= 2;
    }
    long ops = 0;
    long long elapsed = 0;
    n = 1;
    t0 = tl_now_ns();
    while (elapsed < budget) {
        if (op(n, arg) < 0)
            return -1;
        ops += n;
        elapsed = tl_now_ns() - t0;
        double per_op = (double)elapsed / (double)ops;
        double left = (double)(budget - elapsed) / per_op;
        n = left < 1 ? 1 : left > 2.0 * (double)n ? 2 * n : (long)left + 1;
    }
    r->ops = ops;
    r->ns_per_op = (double)elapsed / (double)ops;
    return 0;
}
