// SPDX-License-Identifier: Apache-2.0
/*
 * Conformance tests for threads racing on the same names of a host directory (a volume in the
 * sandbox, where lookups are round trips to the gofer that run without the kernel lock):
 * open(O_CREAT) of one new name by every thread at once succeeds everywhere and names one
 * file; O_CREAT|O_EXCL and mkdir succeed in exactly one thread and give EEXIST in the others;
 * threads walking and stat-ing a path while another renames it over and back always see one
 * of the two files, never an error.
 *
 * The files live in "--dir=DIR" (a volume in the sandbox, a host directory natively).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define NTHREADS 4
#define ROUNDS 64

/* The value of the option "--@name=VALUE", or ends the test. */
static const char *option(const char *name)
{
    size_t len = strlen(name);
    for (int i = 1; harness_argv[i]; i++)
        if (strncmp(harness_argv[i], name, len) == 0 && harness_argv[i][len] == '=')
            return harness_argv[i] + len + 1;
    FATAL("missing option %s=DIR", name);
}

/* "DIR/@sub.STAMP/@name" in the test directory, the directory created: STAMP is this run's,
 * as the directory outlives the test (a build directory). */
static void path_in(char *buf, size_t size, const char *sub, const char *name)
{
    static long long stamp;
    if (!stamp) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        stamp = ts.tv_sec * 1000000000LL + ts.tv_nsec;
    }
    const char *dir = option("--dir");
    mkdir(dir, 0755); /* natively the directory may not exist yet */
    snprintf(buf, size, "%s/%s.%lld", dir, sub, stamp);
    mkdir(buf, 0755);
    snprintf(buf, size, "%s/%s.%lld/%s", dir, sub, stamp, name);
}

enum op { OP_CREAT, OP_EXCL, OP_MKDIR };

struct racer {
    pthread_t th;
    int idx;
    enum op op;
    char path[ROUNDS][512];
    int err[ROUNDS];   /* errno of the round's call, 0 on success */
    ino_t ino[ROUNDS]; /* the file a successful open names */
};

/* Remove what race() made (files or directories) and their directory. */
static void cleanup(struct racer *rs)
{
    for (int i = 0; i < ROUNDS; i++)
        if (unlink(rs[0].path[i]) < 0)
            rmdir(rs[0].path[i]);
    char *slash = strrchr(rs[0].path[0], '/');
    *slash = 0;
    rmdir(rs[0].path[0]);
}

static pthread_barrier_t g_start;

static void *race_main(void *arg)
{
    struct racer *r = arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_barrier_wait(&g_start);
        int fd = -1, ret;
        if (r->op == OP_MKDIR) {
            ret = mkdir(r->path[i], 0755);
        } else {
            int fl = O_RDWR | O_CREAT | (r->op == OP_EXCL ? O_EXCL : 0);
            ret = fd = open(r->path[i], fl, 0644);
        }
        r->err[i] = ret < 0 ? errno : 0;
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0)
            r->ino[i] = st.st_ino;
        if (fd >= 0)
            close(fd);
    }
    return NULL;
}

/* Every thread runs @op on name i of @sub at once, for ROUNDS names. */
static void race(struct racer *rs, enum op op, const char *sub)
{
    pthread_barrier_init(&g_start, NULL, NTHREADS);
    for (int t = 0; t < NTHREADS; t++) {
        rs[t].idx = t;
        rs[t].op = op;
        for (int i = 0; i < ROUNDS; i++) {
            char name[32];
            snprintf(name, sizeof(name), "n%d", i);
            path_in(rs[t].path[i], sizeof(rs[t].path[i]), sub, name);
        }
    }
    for (int t = 0; t < NTHREADS; t++)
        if (pthread_create(&rs[t].th, NULL, race_main, &rs[t]) != 0)
            FATAL("pthread_create");
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(rs[t].th, NULL);
    pthread_barrier_destroy(&g_start);
}

TEST(creat_same_name_everywhere)
{
    static struct racer rs[NTHREADS];
    race(rs, OP_CREAT, "creat");
    for (int i = 0; i < ROUNDS; i++) {
        for (int t = 0; t < NTHREADS; t++) {
            if (rs[t].err[i])
                FAIL("round %d thread %d: open(O_CREAT) %s", i, t, harness_errname(rs[t].err[i]));
            else if (rs[t].ino[i] != rs[0].ino[i])
                FAIL("round %d: threads opened different files", i);
        }
    }
    cleanup(rs);
}

/* Exactly one winner per round, EEXIST for the others. */
static void expect_one_winner(struct racer *rs, const char *what)
{
    for (int i = 0; i < ROUNDS; i++) {
        int wins = 0;
        for (int t = 0; t < NTHREADS; t++) {
            if (rs[t].err[i] == 0)
                wins++;
            else if (rs[t].err[i] != EEXIST)
                FAIL("round %d thread %d: %s %s", i, t, what, harness_errname(rs[t].err[i]));
        }
        if (wins != 1)
            FAIL("round %d: %s succeeded in %d threads", i, what, wins);
    }
}

TEST(excl_and_mkdir_one_winner)
{
    static struct racer rs[NTHREADS];
    race(rs, OP_EXCL, "excl");
    expect_one_winner(rs, "open(O_CREAT|O_EXCL)");
    cleanup(rs);
    race(rs, OP_MKDIR, "mkdir");
    expect_one_winner(rs, "mkdir");
    cleanup(rs);
}

static atomic_bool g_stop;
static char g_a[512], g_b[512];

static void *stat_main(void *arg)
{
    long bad = 0;
    while (!atomic_load(&g_stop)) {
        struct stat st;
        int fd = open(g_a, O_RDONLY);
        if (fd < 0 && errno != ENOENT) {
            bad++;
            continue;
        }
        if (fd >= 0) {
            if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                bad++;
            close(fd);
        }
    }
    return (void *)bad;
}

TEST(walks_during_renames)
{
    path_in(g_a, sizeof(g_a), "ren", "a");
    path_in(g_b, sizeof(g_b), "ren", "b");
    close(CHECK(open(g_a, O_RDWR | O_CREAT | O_TRUNC, 0644)));
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&th[i], NULL, stat_main, NULL) != 0)
            FATAL("pthread_create");
    for (int i = 0; i < 200; i++) {
        CHECK(rename(g_a, g_b));
        CHECK(rename(g_b, g_a));
    }
    atomic_store(&g_stop, true);
    for (int i = 0; i < 2; i++) {
        void *bad;
        pthread_join(th[i], &bad);
        EXPECT_EQ((long)bad, 0L);
    }
    struct stat st;
    EXPECT_OK(stat(g_a, &st));
    unlink(g_a);
    *strrchr(g_a, '/') = 0;
    rmdir(g_a);
}
