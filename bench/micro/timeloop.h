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

/* Runs op for about secs seconds: a warm-up of a tenth of that (untimed), then batches of about
 * a tenth each (at least 3), each timed on its own; the batch size follows the mean cost so far.
 * Reports the median batch's time per operation, so that a batch in which the shared machine
 * took the CPU away does not count. Returns 0 with *r filled, or -1 if op failed. */
static inline int tl_run(double secs, tl_op_fn op, void *arg, struct tl_result *r)
{
    enum { MAX_BATCHES = 1024 };
    static double per_op[MAX_BATCHES];
    long long budget = (long long)(secs * 1e9);
    long long t0 = tl_now_ns(), warm_ns;
    long n = 1, warm_ops = 0;
    while ((warm_ns = tl_now_ns() - t0) < budget / 10) {
        if (op(n, arg) < 0)
            return -1;
        warm_ops += n;
        if (n < (1L << 20))
            n *= 2;
    }
    double mean = (double)warm_ns / (double)(warm_ops ? warm_ops : 1);
    long ops = 0;
    long long timed_ns = 0;
    int batches = 0;
    t0 = tl_now_ns();
    while (batches < MAX_BATCHES && (tl_now_ns() - t0 < budget || batches < 3)) {
        long want = (long)((double)budget / 10 / mean);
        n = want < 1 ? 1 : want > 4 * n ? 4 * n : want;
        long long b0 = tl_now_ns();
        if (op(n, arg) < 0)
            return -1;
        long long dt = tl_now_ns() - b0;
        per_op[batches++] = (double)dt / (double)n;
        ops += n;
        timed_ns += dt;
        mean = (double)timed_ns / (double)ops;
    }
    for (int i = 1; i < batches; i++) { /* insertion sort */
        double v = per_op[i];
        int j = i - 1;
        for (; j >= 0 && per_op[j] > v; j--)
            per_op[j + 1] = per_op[j];
        per_op[j + 1] = v;
    }
    r->ops = ops;
    r->ns_per_op =
        batches % 2 ? per_op[batches / 2] : (per_op[batches / 2 - 1] + per_op[batches / 2]) / 2;
    return 0;
}
