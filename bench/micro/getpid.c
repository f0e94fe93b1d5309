// SPDX-License-Identifier: Apache-2.0
/* Syscall micro-benchmark (the guide's "syscall" figure): raw syscall(SYS_getpid) calls, and
 * inline `mov $SYS_getpid,%eax; syscall` sequences (the 7-byte pattern a systrap platform can
 * patch), each for SECONDS of wall time after a warm-up. Prints ns per call.
 *   getpid [SECONDS]     (default 1.0; each method runs that long)
 * Output, one line per method:  "<method> <N> calls <ns> ns/call". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "timeloop.h"

static int op_syscall(long n, void *arg)
{
    pid_t pid = *(pid_t *)arg;
    for (long i = 0; i < n; i++) {
        if (syscall(SYS_getpid) != pid) {
            fprintf(stderr, "getpid: syscall() returned another pid\n");
            return -1;
        }
    }
    return 0;
}

static inline long getpid_inline(void)
{
    long ret;
    __asm__ volatile("mov %1, %%eax\n\tsyscall"
                     : "=a"(ret)
                     : "i"(SYS_getpid)
                     : "rcx", "r11", "memory");
    return ret;
}

static int op_inline(long n, void *arg)
{
    pid_t pid = *(pid_t *)arg;
    for (long i = 0; i < n; i++) {
        if (getpid_inline() != pid) {
            fprintf(stderr, "getpid: inline syscall returned another pid\n");
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    double secs = tl_seconds(argc, argv, 1);
    pid_t pid = getpid();
    struct tl_result r;

    if (tl_run(secs, op_syscall, &pid, &r) < 0)
        return 1;
    printf("syscall %ld calls %.1f ns/call\n", r.ops, r.ns_per_op);
    if (tl_run(secs, op_inline, &pid, &r) < 0)
        return 1;
    printf("inline %ld calls %.1f ns/call\n", r.ops, r.ns_per_op);
    return 0;
}
