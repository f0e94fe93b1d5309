// SPDX-License-Identifier: Apache-2.0
/* Thread-scaling micro-benchmark (issue 8, the kernel lock): how many operations per second N
 * threads of one process complete together, for an operation that needs the kernel:
 *   getpid    raw syscall(SYS_getpid)
 *   fault     touch one new page of a private anonymous mapping (a page fault), unmapping
 *             each 2 MiB chunk once every page of it was touched
 *   openstat  open + fstat + close of a file (default /etc/hostname; SCALE_FILE overrides)
 *
 *   scale MODE NTHREADS [SECONDS]     (SECONDS default 1.0)
 *
 * The threads start together (a barrier), run for SECONDS of CLOCK_MONOTONIC and count their
 * operations. Output, one line:  "<mode> <threads> threads <ops> ops <ops_per_sec> ops/s".
 * Scaling is the ops/s of N threads over the ops/s of one, computed by the caller. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (2UL << 20)

enum mode { MODE_GETPID, MODE_FAULT, MODE_OPENSTAT };

static enum mode g_mode;
static const char *g_file = "/etc/hostname";
static long long g_duration_ns;
static atomic_int g_ready;
static atomic_int g_go;
static atomic_int g_stop;
static int g_nthreads;
static long g_page;

struct worker {
    pthread_t thread;
    long long ops;
    int err; /* errno of a failed operation, 0 if none */
};

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* One batch of operations; returns how many were done, or -1 with w->err set. */
static long batch_getpid(struct worker *w)
{
    (void)w;
    volatile long sink = 0;
    for (int i = 0; i < 64; i++)
        sink += syscall(SYS_getpid);
    return sink ? 64 : 0;
}

static long batch_fault(struct worker *w)
{
    char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        w->err = errno;
        return -1;
    }
    /* One fault per page even where transparent huge pages are "always" (a 2 MiB mapping is
     * THP-aligned by recent kernels): the figure is about page faults. Advice only, so a
     * runtime that ignores it is still measured. */
    (void)madvise(p, CHUNK, MADV_NOHUGEPAGE);
    long n = 0;
    for (unsigned long off = 0; off < CHUNK; off += (unsigned long)g_page, n++)
        ((volatile char *)p)[off] = 1;
    munmap(p, CHUNK);
    return n;
}

static long batch_openstat(struct worker *w)
{
    for (int i = 0; i < 16; i++) {
        int fd = open(g_file, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
            w->err = errno;
            return -1;
        }
        close(fd);
    }
    return 16;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    atomic_fetch_add(&g_ready, 1);
    while (!atomic_load(&g_go))
        ;
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        long n = g_mode == MODE_GETPID  ? batch_getpid(w)
                 : g_mode == MODE_FAULT ? batch_fault(w)
                                        : batch_openstat(w);
        if (n < 0)
            break;
        w->ops += n;
    }
    return NULL;
}

static int parse_mode(const char *s)
{
    if (strcmp(s, "getpid") == 0)
        g_mode = MODE_GETPID;
    else if (strcmp(s, "fault") == 0)
        g_mode = MODE_FAULT;
    else if (strcmp(s, "openstat") == 0)
        g_mode = MODE_OPENSTAT;
    else
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || parse_mode(argv[1]) < 0 || (g_nthreads = atoi(argv[2])) <= 0 ||
        g_nthreads > 64) {
        fprintf(stderr, "usage: scale {getpid|fault|openstat} NTHREADS [SECONDS]\n");
        return 2;
    }
    double secs = argc > 3 ? atof(argv[3]) : 1.0;
    if (secs <= 0) {
        fprintf(stderr, "scale: SECONDS must be positive\n");
        return 2;
    }
    g_duration_ns = (long long)(secs * 1e9);
    g_page = sysconf(_SC_PAGESIZE);
    if (getenv("SCALE_FILE"))
        g_file = getenv("SCALE_FILE");

    struct worker *w = calloc((size_t)g_nthreads, sizeof(*w));
    if (!w)
        return 1;
    for (int i = 0; i < g_nthreads; i++) {
        int rc = pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
        if (rc != 0) {
            fprintf(stderr, "scale: pthread_create: %s\n", strerror(rc));
            return 1;
        }
    }
    while (atomic_load(&g_ready) < g_nthreads)
        sched_yield();
    long long t0 = now_ns();
    atomic_store(&g_go, 1);
    struct timespec d = {.tv_sec = g_duration_ns / 1000000000LL,
                         .tv_nsec = g_duration_ns % 1000000000LL};
    while (nanosleep(&d, &d) < 0 && errno == EINTR)
        ;
    atomic_store(&g_stop, 1);
    long long total = 0;
    int err = 0;
    for (int i = 0; i < g_nthreads; i++) {
        pthread_join(w[i].thread, NULL);
        total += w[i].ops;
        if (w[i].err)
            err = w[i].err;
    }
    long long t1 = now_ns();
    if (err) {
        fprintf(stderr, "scale: %s failed: %s\n", argv[1], strerror(err));
        return 1;
    }
    printf("%s %d threads %lld ops %.0f ops/s\n", argv[1], g_nthreads, total,
           (double)total * 1e9 / (double)(t1 - t0));
    free(w);
    return 0;
}
