// SPDX-License-Identifier: Apache-2.0
/*
 * Robustness of a platform against its own shared memory (docs/platform.md): a child process
 * scribbles over every writable page of the stub region (systrap's control blocks, signal
 * frames and replies) from one thread while two others make syscalls and fault pages. Whatever
 * happens to the child (it may survive, get a signal, or be killed), the Sentry must go on:
 * the parent, in another address space, reaps it, prints how it ended and exits 0.
 * Natively (no stub region) nothing is scribbled and the child exits 0.
 *   area_scribble [ROUNDS]
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define REGION_SPAN (64UL << 20)

static const uintptr_t candidates[] = {0x7e0000000000UL, 0x7d0000000000UL, 0x6e0000000000UL};
static __thread sigjmp_buf tl_jmp;
static __thread volatile int tl_armed;

static void on_fault(int sig)
{
    if (tl_armed)
        siglongjmp(tl_jmp, 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Read (or write, with @value non-NULL) one word at @p; returns 0, or -1 if it faulted. */
static int probe(volatile uint64_t *p, const uint64_t *value)
{
    if (sigsetjmp(tl_jmp, 1)) {
        tl_armed = 0;
        return -1;
    }
    tl_armed = 1;
    if (value)
        *p = *value;
    else
        (void)*p;
    tl_armed = 0;
    return 0;
}

static uintptr_t find_region(void)
{
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
        if (probe((volatile uint64_t *)candidates[i], NULL) == 0)
            return candidates[i];
    return 0;
}

static volatile int g_stop;

static void *syscaller(void *arg)
{
    char *buf = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned long i = (unsigned long)arg;
    while (!g_stop) {
        syscall(SYS_getpid);
        if (buf != MAP_FAILED) {
            buf[(i * 4096) % (1 << 20)] = 1;
            if (++i % 256 == 0)
                madvise(buf, 1 << 20, MADV_DONTNEED);
        }
    }
    return NULL;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int child(long rounds)
{
    uintptr_t region = find_region();
    printf("# stub region: %#lx\n", (unsigned long)region);
    fflush(stdout);
    pthread_t th[2];
    for (long i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, syscaller, (void *)i);
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    const uint64_t specials[] = {
        0, 1, 2, 3, 4, ~0ULL, region, region + 0x4000, 0x8000000000000000ULL};
    /* The readable pages of the region, once; then rounds of writes to them. */
    static uintptr_t pages[REGION_SPAN / 4096];
    size_t npages = 0;
    for (uintptr_t page = region; region && page < region + REGION_SPAN; page += 4096)
        if (probe((volatile uint64_t *)page, NULL) == 0)
            pages[npages++] = page;
    printf("# %zu readable pages\n", npages);
    fflush(stdout);
    for (long r = 0; r < rounds && npages; r++) {
        for (size_t i = 0; i < npages; i++) {
            uint64_t v = rnd(&seed);
            if (v % 3 == 0)
                v = specials[v % (sizeof(specials) / sizeof(specials[0]))];
            probe((volatile uint64_t *)(pages[i] + (rnd(&seed) % 512) * 8), &v);
        }
        syscall(SYS_sched_yield);
    }
    g_stop = 1;
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    return 0;
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 200;
    struct sigaction sa = {.sa_handler = on_fault, .sa_flags = SA_NODEFER};
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    pid_t pid = fork();
    if (pid < 0)
        return perror("fork"), 2;
    if (pid == 0)
        _exit(child(rounds));
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return perror("waitpid"), 2;
    if (WIFSIGNALED(st))
        printf("child killed by signal %d\n", WTERMSIG(st));
    else
        printf("child exited %d\n", WEXITSTATUS(st));
    printf("parent alive\n");
    return 0;
}
