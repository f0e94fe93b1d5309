// SPDX-License-Identifier: Apache-2.0
/* Syscall micro-benchmark (the guide's "syscall" figure): N raw syscall(SYS_getpid) calls, and N
 * inline `mov $SYS_getpid,%eax; syscall` sequences (the pattern a systrap platform can patch),
 * each timed with CLOCK_MONOTONIC after a warm-up. Prints ns per call, never a total, so runs
 * with different N compare.
 *   getpid [N]     (default 200000)
 * Output, one line per method:  "<method> <N> calls <ns> ns/call". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static inline long getpid_inline(void)
{
    long ret;
    __asm__ volatile("mov %1, %%eax\n\tsyscall" : "=a"(ret) : "i"(SYS_getpid) : "rcx", "r11", "memory");
    return ret;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    if (n <= 0) {
        fprintf(stderr, "usage: getpid [N]\n");
        return 2;
    }
    volatile long sink = 0;
    long warm = n / 10 < 1000 ? n / 10 : 1000;

    for (long i = 0; i < warm; i++)
        sink += syscall(SYS_getpid);
    long long t0 = now_ns();
    for (long i = 0; i < n; i++)
        sink += syscall(SYS_getpid);
    long long t1 = now_ns();
    printf("syscall %ld calls %.1f ns/call\n", n, (double)(t1 - t0) / n);

    for (long i = 0; i < warm; i++)
        sink += getpid_inline();
    t0 = now_ns();
    for (long i = 0; i < n; i++)
        sink += getpid_inline();
    t1 = now_ns();
    printf("inline %ld calls %.1f ns/call\n", n, (double)(t1 - t0) / n);
    return sink == 0; /* getpid is never 0: exit 0 */
}
