// SPDX-License-Identifier: Apache-2.0
/*
 * Conformance tests for page faults of several threads racing with changes of the same
 * pages (the Sentry maps faulted pages into the app with its kernel lock released): a
 * mapping replaced with MAP_FIXED reads as zero at once even while other threads keep
 * faulting its pages in; a page written through one thread right after mprotect gave write
 * access back is the page every thread reads; fork while threads fault copies what the
 * parent wrote.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define PG 4096
#define NPAGES 64
#define ROUNDS 300

static char *g_region;
static atomic_bool g_stop;

/* Touch every page of the region (reads: the region is always mapped). */
static void *reader_main(void *arg)
{
    (void)arg;
    unsigned long sum = 0;
    while (!atomic_load(&g_stop))
        for (int i = 0; i < NPAGES; i++)
            sum += ((volatile char *)g_region)[i * PG];
    return (void *)sum;
}

static void start_readers(pthread_t *th, int n)
{
    atomic_store(&g_stop, false);
    for (int i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, reader_main, NULL) != 0)
            FATAL("pthread_create");
}

static void stop_readers(pthread_t *th, int n)
{
    atomic_store(&g_stop, true);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
}

TEST(map_fixed_replacement_reads_zero)
{
    g_region =
        CHECK(mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    pthread_t th[2];
    start_readers(th, 2);
    int stale = 0;
    for (int r = 0; r < ROUNDS && !stale; r++) {
        for (int i = 0; i < NPAGES; i++)
            g_region[i * PG] = (char)(r | 1);
        CHECK(mmap(g_region, NPAGES * PG, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
        for (int i = 0; i < NPAGES; i++) {
            if (g_region[i * PG] != 0) {
                FAIL("round %d: page %d of a fresh mapping reads %d", r, i, g_region[i * PG]);
                stale = 1;
                break;
            }
        }
    }
    stop_readers(th, 2);
    munmap(g_region, NPAGES * PG);
}

TEST(file_mapping_replaced_shows_new_offset)
{
    /* Private mappings of a file (this program: a host file, filled from the host) replaced
     * with MAP_FIXED at another file offset while threads fault their pages in: every page
     * shows the file at the new offset. */
    int fd = CHECK(open("/proc/self/exe", O_RDONLY));
    off_t size = CHECK(lseek(fd, 0, SEEK_END));
    int npages = (int)(size / PG) - 1;
    if (npages > NPAGES)
        npages = NPAGES;
    if (npages < 4)
        SKIP("program too small");
    static char want[NPAGES][16];
    g_region =
        CHECK(mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    pthread_t th[2];
    start_readers(th, 2);
    for (int r = 0; r < ROUNDS; r++) {
        off_t off = (off_t)(r % 2) * PG;
        CHECK(mmap(g_region, (size_t)(npages * PG), PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, off));
        for (int i = 0; i < npages; i++) {
            if (CHECK(pread(fd, want[i], 16, off + (off_t)i * PG)) != 16)
                FATAL("short pread");
            if (memcmp(g_region + i * PG, want[i], 16) != 0) {
                FAIL("round %d: page %d does not show file offset %lld", r, i,
                     (long long)(off + (off_t)i * PG));
                break;
            }
        }
    }
    stop_readers(th, 2);
    munmap(g_region, NPAGES * PG);
    close(fd);
}

TEST(mprotect_cycles_keep_one_page)
{
    g_region =
        CHECK(mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    pthread_t th[2];
    start_readers(th, 2);
    for (int r = 0; r < ROUNDS; r++) {
        CHECK(mprotect(g_region, NPAGES * PG, PROT_READ));
        CHECK(mprotect(g_region, NPAGES * PG, PROT_READ | PROT_WRITE));
        int i = r % NPAGES;
        g_region[i * PG + 1] = (char)(r | 1);
        if (g_region[i * PG + 1] != (char)(r | 1))
            FAIL("round %d: page %d lost a write", r, i);
    }
    stop_readers(th, 2);
    for (int r = ROUNDS - NPAGES; r < ROUNDS; r++)
        EXPECT_EQ(g_region[(r % NPAGES) * PG + 1], (char)(r | 1));
    munmap(g_region, NPAGES * PG);
}

TEST(fork_while_faulting_copies)
{
    g_region =
        CHECK(mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    pthread_t th[2];
    start_readers(th, 2);
    for (int r = 0; r < 20; r++) {
        for (int i = 0; i < NPAGES; i++)
            g_region[i * PG] = (char)(r + 1);
        pid_t pid = CHECK(fork());
        if (pid == 0) {
            for (int i = 0; i < NPAGES; i++)
                if (g_region[i * PG] != (char)(r + 1))
                    _exit(1);
            _exit(0);
        }
        for (int i = 0; i < NPAGES; i++)
            g_region[i * PG] = 0x55; /* after fork: the child must not see this */
        int st;
        CHECK(waitpid(pid, &st, 0));
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            FAIL("round %d: the child saw the parent's later writes", r);
    }
    stop_readers(th, 2);
    munmap(g_region, NPAGES * PG);
}
