// SPDX-License-Identifier: Apache-2.0
/*
 * A platform runs at least 256 threads of one address space at once (systrap gives each a
 * slot of its stub region): 300 threads meet at a barrier, each makes syscalls and touches
 * its own page, then one of them (not the main thread) ends the process with exit_group
 * while the others are still running app code. Prints the count reached; exit status 42
 * comes from that exit_group.
 *   many_threads
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NTHREADS 300

static pthread_barrier_t g_barrier;
static volatile int g_spin = 1;
static char g_pages[NTHREADS][4096];

static void *worker(void *arg)
{
    long i = (long)arg;
    g_pages[i][0] = 1;
    if (syscall(SYS_gettid) <= 0)
        abort();
    pthread_barrier_wait(&g_barrier);
    if (i == NTHREADS / 2) {
        printf("threads %d\n", NTHREADS);
        fflush(stdout);
        syscall(SYS_exit_group, 42);
    }
    while (g_spin) /* app code, no syscalls: only an interrupt gets them out */
        ;
    return NULL;
}

int main(void)
{
    pthread_barrier_init(&g_barrier, NULL, NTHREADS);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 * 1024);
    for (long i = 0; i < NTHREADS; i++) {
        pthread_t t;
        if (pthread_create(&t, &a, worker, (void *)i) != 0) {
            printf("threads %ld\n", i);
            return 1;
        }
    }
    for (;;)
        pause();
}
