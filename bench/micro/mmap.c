// SPDX-License-Identifier: Apache-2.0
/* mmap + touch + munmap of private anonymous memory, for SECONDS of wall time per size: one page
 * (one mapping, one page fault, one unmap) and 1 MiB (one mapping, a fault per page, one unmap).
 * Prints µs per mmap+touch+munmap of each size.
 *   mmap [SECONDS]       Output: "mmap-page <N> maps <us> us/map" and "mmap-1mib ...". */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "timeloop.h"

static int op_map(long n, void *arg)
{
    size_t size = *(size_t *)arg;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    for (long i = 0; i < n; i++) {
        char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("mmap");
            return -1;
        }
        for (size_t off = 0; off < size; off += page)
            ((volatile char *)p)[off] = 1;
        if (munmap(p, size) < 0) {
            perror("munmap");
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    double secs = tl_seconds(argc, argv, 1);
    size_t page = (size_t)sysconf(_SC_PAGESIZE), mib = 1 << 20;
    struct tl_result r;

    if (tl_run(secs, op_map, &page, &r) < 0)
        return 1;
    printf("mmap-page %ld maps %.2f us/map\n", r.ops, r.ns_per_op / 1e3);
    if (tl_run(secs, op_map, &mib, &r) < 0)
        return 1;
    printf("mmap-1mib %ld maps %.2f us/map\n", r.ops, r.ns_per_op / 1e3);
    return 0;
}
