// SPDX-License-Identifier: Apache-2.0
/* clock_gettime(CLOCK_MONOTONIC) for SECONDS of wall time: the vDSO path, which must not cost a
 * trap in a sandbox. Prints ns per call.
 *   clock [SECONDS]      Output: "clock_gettime <N> calls <ns> ns/call". */
#include <stdio.h>
#include <time.h>

#include "timeloop.h"

static int op_clock(long n, void *arg)
{
    struct timespec *last = arg;
    for (long i = 0; i < n; i++) {
        struct timespec t;
        if (clock_gettime(CLOCK_MONOTONIC, &t) < 0) {
            perror("clock_gettime");
            return -1;
        }
        if (t.tv_sec < last->tv_sec || (t.tv_sec == last->tv_sec && t.tv_nsec < last->tv_nsec)) {
            fprintf(stderr, "clock: CLOCK_MONOTONIC went backwards\n");
            return -1;
        }
        *last = t;
    }
    return 0;
}

int main(int argc, char **argv)
{
    double secs = tl_seconds(argc, argv, 1);
    struct timespec last = {0, 0};
    struct tl_result r;

    if (tl_run(secs, op_clock, &last, &r) < 0)
        return 1;
    printf("clock_gettime %ld calls %.1f ns/call\n", r.ops, r.ns_per_op);
    return 0;
}
