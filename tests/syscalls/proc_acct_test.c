// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for the accounting that top and htop read from /proc: /proc/<pid>/io
 * (and task/<tid>/io) counting read and write calls and their bytes, children's counts
 * joining their parent's when it waits for them; CPU time in /proc/<pid>/stat and in the
 * cpu line of /proc/stat growing while the process computes. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

struct io {
    unsigned long long rchar, wchar, syscr, syscw, read_bytes, write_bytes, cancelled;
};

static char text[4096];

/* Parse the io file at @path into *@io; returns the length of its text. */
static size_t read_io(const char *path, struct io *io)
{
    size_t len = (size_t)read_file(path, text, sizeof(text));
    int n = sscanf(text,
                   "rchar: %llu\nwchar: %llu\nsyscr: %llu\nsyscw: %llu\nread_bytes: %llu\n"
                   "write_bytes: %llu\ncancelled_write_bytes: %llu\n",
                   &io->rchar, &io->wchar, &io->syscr, &io->syscw, &io->read_bytes,
                   &io->write_bytes, &io->cancelled);
    if (n != 7)
        FATAL("%s: %d fields parsed of `%s`", path, n, text);
    return len;
}

TEST(io_counts_calls_and_bytes)
{
    static char data[5000];
    int file = CHECK(open(tpath("data"), O_RDWR | O_CREAT | O_TRUNC, 0644));
    CHECK(write(file, data, sizeof(data)));
    int null = CHECK(open("/dev/null", O_WRONLY));
    struct io a, b;
    /* Reading the file itself counts: its bytes and two reads (the text, then EOF). */
    size_t alen = read_io("/proc/self/io", &a);
    for (int i = 0; i < 3; i++)
        CHECK(write(null, data, 1000));
    CHECK(pread(file, data, sizeof(data), 0));
    read_io("/proc/self/io", &b);
    EXPECT_EQ(b.wchar - a.wchar, 3000ULL);
    EXPECT_EQ(b.syscw - a.syscw, 3ULL);
    EXPECT_EQ(b.rchar - a.rchar, 5000ULL + alen);
    EXPECT_EQ(b.syscr - a.syscr, 3ULL);
    close(null);
    close(file);
}

TEST(io_of_waited_children_joins_parent)
{
    struct io a, b;
    read_io("/proc/self/io", &a);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        static char data[2000];
        int null = open("/dev/null", O_WRONLY);
        _exit(write(null, data, sizeof(data)) == sizeof(data) ? 0 : 1);
    }
    EXPECT_EQ(wait_status(pid), 0);
    read_io("/proc/self/io", &b);
    EXPECT_EQ(b.wchar - a.wchar, 2000ULL);
    EXPECT_EQ(b.syscw - a.syscw, 1ULL);
}

static struct io thread_io;

static void *thread_writes(void *arg)
{
    static char data[700];
    char path[64];
    int null = open("/dev/null", O_WRONLY);
    if (write(null, data, sizeof(data)) != sizeof(data))
        return NULL;
    close(null);
    snprintf(path, sizeof(path), "/proc/self/task/%ld/io", (long)syscall(SYS_gettid));
    read_io(path, &thread_io);
    return arg;
}

TEST(task_io_is_the_thread_s_own)
{
    struct io a, b;
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/io", getpid());
    read_io(path, &a);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, thread_writes, NULL) == 0 ? 0 : -1);
    pthread_join(th, NULL);
    EXPECT_EQ(thread_io.wchar, 700ULL);
    EXPECT_EQ(thread_io.syscw, 1ULL);
    read_io(path, &b); /* the main thread wrote nothing */
    EXPECT_EQ(b.wchar, a.wchar);
    /* The exited thread still counts for the process. */
    read_io("/proc/self/io", &b);
    EXPECT_TRUE(b.wchar >= a.wchar + 700);
}

/* Burn @ms milliseconds of this process's CPU time. */
static void spin(long ms)
{
    struct timespec start, now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
    do {
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
}

/* utime + stime (clock ticks) of the stat file at @path. */
static unsigned long long stat_ticks(const char *path)
{
    read_file(path, text, sizeof(text));
    const char *p = strrchr(text, ')');
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        FATAL("bad stat `%s`", text);
    return ut + st;
}

/* user + nice + system (clock ticks) of the cpu line of /proc/stat. */
static unsigned long long system_busy_ticks(void)
{
    read_file("/proc/stat", text, sizeof(text));
    unsigned long long user, nice_, sys;
    if (sscanf(text, "cpu %llu %llu %llu", &user, &nice_, &sys) != 3)
        FATAL("bad /proc/stat `%.80s`", text);
    return user + nice_ + sys;
}

TEST(cpu_time_grows_in_stat_files)
{
    unsigned long long min = (unsigned long long)(sysconf(_SC_CLK_TCK) * 4 / 10 - 2);
    char thread[64];
    snprintf(thread, sizeof(thread), "/proc/self/task/%d/stat", getpid());
    unsigned long long self0 = stat_ticks("/proc/self/stat"), busy0 = system_busy_ticks();
    unsigned long long thread0 = stat_ticks(thread);
    spin(400);
    /* 400 ms of CPU, less a tick of rounding at each end. */
    EXPECT_TRUE(stat_ticks("/proc/self/stat") - self0 >= min);
    EXPECT_TRUE(stat_ticks(thread) - thread0 >= min);
    EXPECT_TRUE(system_busy_ticks() - busy0 >= min);
}
