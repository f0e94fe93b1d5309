// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for the memory and terminal figures that free, vmstat, ps, top and htop
 * read: /proc/meminfo (format, agreement with sysinfo, what moves it), /proc/vmstat,
 * /proc/<pid>/statm against status, and stat's tty_nr and tpgid on a pseudo-terminal.
 * Native values differ from the sandbox's, so these check structure and relations. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

#define MIB (1ull << 20)
/* System-wide counters move with every other process on the host (other sandboxes' memory
 * files are shared memory too): a figure is retried until one run is undisturbed. */
#define TRIES 12

static char buf[1 << 16];

/* The number after "@name" at the start of a line of @text, or -1. */
static long long field(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, name, n) == 0)
            return strtoll(p + n, NULL, 10);
    }
    return -1;
}

/* A /proc/meminfo or /proc/self/status row in bytes (they are in kB). */
static long long meminfo(const char *name)
{
    read_file("/proc/meminfo", buf, sizeof(buf));
    long long kb = field(buf, name);
    return kb < 0 ? -1 : kb * 1024;
}

static long long status(const char *name)
{
    read_file("/proc/self/status", buf, sizeof(buf));
    long long kb = field(buf, name);
    return kb < 0 ? -1 : kb * 1024;
}

static long long llabs_diff(long long a, long long b)
{
    return a > b ? a - b : b - a;
}

TEST(meminfo_rows_in_linux_format)
{
    static const char *need[] = {
        "MemTotal:",     "MemFree:",    "MemAvailable:", "Buffers:",     "Cached:",
        "SwapCached:",   "Active:",     "Inactive:",     "SwapTotal:",   "SwapFree:",
        "Dirty:",        "AnonPages:",  "Mapped:",       "Shmem:",       "Slab:",
        "SReclaimable:", "SUnreclaim:", "PageTables:",   "CommitLimit:", "Committed_AS:",
        "Hugepagesize:",
    };
    read_file("/proc/meminfo", buf, sizeof(buf));
    EXPECT_TRUE(strncmp(buf, "MemTotal:", 9) == 0);
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (field(buf, need[i]) < 0)
            FAIL("no %s row", need[i]);
    }
    /* "Name:<pad>value kB": the value right-aligned to column 24 (values up to 8 digits). */
    for (char *line = buf; *line;) {
        char *end = strchr(line, '\n');
        CHECK(end ? 0 : -1);
        size_t len = (size_t)(end - line);
        char *colon = memchr(line, ':', len);
        if (!colon)
            FAIL("row without a colon: %.*s", (int)len, line);
        if (len > 3 && memcmp(end - 3, " kB", 3) == 0 && strncmp(line, "HardwareCorrupted", 17)) {
            char *digits = end - 3;
            while (digits > colon && digits[-1] >= '0' && digits[-1] <= '9')
                digits--;
            if (end - 3 - digits <= 8 && end - 3 - line != 24)
                FAIL("kB value not at column 24: %.*s", (int)len, line);
        }
        line = end + 1;
    }
}

TEST(meminfo_relations)
{
    long long total = meminfo("MemTotal:");
    EXPECT_TRUE(total > 0);
    EXPECT_TRUE(meminfo("MemFree:") <= total);
    EXPECT_TRUE(meminfo("MemAvailable:") <= total);
    EXPECT_TRUE(meminfo("Shmem:") <= meminfo("Cached:"));
    EXPECT_TRUE(meminfo("AnonPages:") <= total - meminfo("MemFree:"));
    EXPECT_TRUE(meminfo("SwapFree:") <= meminfo("SwapTotal:"));
}

/* sysinfo(2) and /proc/meminfo are two views of the same figures (free(1) and htop use
 * one, other programs the other): equal, up to what moved between the two reads. */
TEST(sysinfo_agrees_with_meminfo)
{
    int agreed = 0;
    for (int i = 0; i < TRIES && !agreed; i++) {
        struct sysinfo si;
        CHECK(sysinfo(&si));
        long long unit = si.mem_unit;
        long long total = meminfo("MemTotal:"), freeb = meminfo("MemFree:");
        long long shmem = meminfo("Shmem:"), bufs = meminfo("Buffers:");
        long long slack = (long long)(16 * MIB);
        agreed = (long long)si.totalram * unit / 1024 == total / 1024 &&
                 llabs_diff((long long)si.freeram * unit, freeb) <= slack &&
                 llabs_diff((long long)si.sharedram * unit, shmem) <= slack &&
                 llabs_diff((long long)si.bufferram * unit, bufs) <= slack &&
                 (long long)si.totalswap * unit / 1024 == meminfo("SwapTotal:") / 1024;
    }
    EXPECT_TRUE(agreed);
}

/* Write a @size-byte file at @path. */
static void write_file_of(const char *path, size_t size)
{
    int fd = CHECK(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600));
    static char chunk[1 << 16];
    memset(chunk, 'x', sizeof(chunk));
    for (size_t done = 0; done < size; done += sizeof(chunk))
        CHECK(write(fd, chunk, sizeof(chunk)));
    close(fd);
}

/* A file in /dev/shm is shared memory: Shmem (and so Cached) grows by its size while it
 * exists, and shrinks again when it is removed. */
TEST(shm_file_counts_as_shmem)
{
    char path[64];
    snprintf(path, sizeof(path), "/dev/shm/proc_mem_test.%d", getpid());
    int seen = 0;
    for (int i = 0; i < TRIES && !seen; i++) {
        long long before = meminfo("Shmem:");
        write_file_of(path, 48 * MIB);
        long long during = meminfo("Shmem:"), cached = meminfo("Cached:");
        CHECK(unlink(path));
        long long after = meminfo("Shmem:");
        seen = during - before >= (long long)(44 * MIB) &&
               during - after >= (long long)(44 * MIB) && cached >= during;
    }
    EXPECT_TRUE(seen);
}

/* Touching private anonymous memory adds it to AnonPages and to the process's RssAnon, and
 * unmapping it takes it away again. (MemFree is not checked: a native kernel's free count
 * lags behind, in per-CPU page lists.) */
TEST(anon_memory_is_used)
{
    size_t size = 64 * MIB;
    int seen = 0;
    for (int i = 0; i < TRIES && !seen; i++) {
        long long anon0 = meminfo("AnonPages:"), rss0 = status("RssAnon:");
        char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(p == MAP_FAILED ? -1 : 0);
        for (size_t off = 0; off < size; off += 4096)
            p[off] = 1;
        long long anon1 = meminfo("AnonPages:"), rss1 = status("RssAnon:");
        long long used1 = meminfo("MemTotal:") - meminfo("MemFree:");
        CHECK(munmap(p, size));
        long long anon2 = meminfo("AnonPages:");
        seen = rss1 - rss0 >= (long long)size && anon1 - anon0 >= (long long)(60 * MIB) &&
               anon1 - anon2 >= (long long)(60 * MIB) && used1 >= anon1;
    }
    EXPECT_TRUE(seen);
}

struct statm {
    long long size, resident, shared, text, lib, data, dt;
};

static void read_statm(struct statm *s)
{
    char text[256];
    read_file("/proc/self/statm", text, sizeof(text));
    EXPECT_EQ(sscanf(text, "%lld %lld %lld %lld %lld %lld %lld", &s->size, &s->resident, &s->shared,
                     &s->text, &s->lib, &s->data, &s->dt),
              7);
}

/* statm, in pages, against status in kB, as Linux computes both: resident = RssAnon +
 * RssFile + RssShmem, shared = RssFile + RssShmem, text = VmExe, data = VmData + VmStk. */
static int statm_matches_status(void)
{
    struct statm s;
    read_statm(&s);
    read_file("/proc/self/status", buf, sizeof(buf));
    long long anon = field(buf, "RssAnon:"), file = field(buf, "RssFile:");
    long long shm = field(buf, "RssShmem:");
    return s.size * 4 == field(buf, "VmSize:") && s.resident * 4 == field(buf, "VmRSS:") &&
           s.resident * 4 == anon + file + shm && s.shared * 4 == file + shm &&
           s.text * 4 == field(buf, "VmExe:") &&
           s.data * 4 == field(buf, "VmData:") + field(buf, "VmStk:") && s.lib == 0 && s.dt == 0;
}

TEST(statm_agrees_with_status)
{
    memset(buf, 0, sizeof(buf)); /* fault the buffer in before measuring */
    int agreed = 0;
    for (int i = 0; i < TRIES && !agreed; i++)
        agreed = statm_matches_status();
    EXPECT_TRUE(agreed);
    EXPECT_TRUE(status("VmExe:") > 0);
    EXPECT_TRUE(status("VmStk:") > 0);
    EXPECT_TRUE(status("VmData:") > 0);
    EXPECT_TRUE(status("VmLib:") >= 0);
}

/* Shared anonymous memory is shmem in Linux: RssShmem and statm's shared grow. */
TEST(shared_anon_is_rss_shmem)
{
    size_t size = 8 * MIB;
    struct statm s0, s1;
    long long shm0 = status("RssShmem:");
    read_statm(&s0);
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(p == MAP_FAILED ? -1 : 0);
    for (size_t off = 0; off < size; off += 4096)
        p[off] = 1;
    long long shm1 = status("RssShmem:");
    read_statm(&s1);
    EXPECT_TRUE(shm1 - shm0 >= (long long)size);
    EXPECT_TRUE((s1.shared - s0.shared) * 4096 >= (long long)size);
    CHECK(munmap(p, size));
}

/* A read-only private mapping of a file is file-backed: RssFile grows as it is read. */
TEST(file_mapping_is_rss_file)
{
    int fd = CHECK(open("/proc/self/exe", O_RDONLY));
    struct stat st;
    CHECK(fstat(fd, &st));
    size_t size = (size_t)st.st_size & ~(size_t)4095;
    CHECK(size >= 64 * 1024 ? 0 : -1);
    long long file0 = status("RssFile:");
    volatile char *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(p == MAP_FAILED ? -1 : 0);
    unsigned sum = 0;
    for (size_t off = 0; off < size; off += 4096)
        sum += (unsigned char)p[off];
    (void)sum;
    long long file1 = status("RssFile:");
    EXPECT_TRUE(file1 - file0 >= (long long)size);
    CHECK(munmap((void *)p, size));
    close(fd);
}

TEST(vmstat_has_free_pages)
{
    read_file("/proc/vmstat", buf, sizeof(buf));
    long long pages = field(buf, "nr_free_pages ");
    EXPECT_TRUE(pages > 0);
    EXPECT_TRUE(field(buf, "pgpgin ") >= 0);
    EXPECT_TRUE(field(buf, "pswpout ") >= 0);
    EXPECT_TRUE(pages * 4096 <= meminfo("MemTotal:"));
}

TEST(tty_drivers_names_devpts)
{
    read_file("/proc/tty/drivers", buf, sizeof(buf));
    EXPECT_TRUE(strstr(buf, "\npty_slave            /dev/pts      136 0-") != NULL);
    EXPECT_TRUE(
        strncmp(buf, "/dev/tty             /dev/tty        5       0 system:/dev/tty\n", 63) == 0);
}

/* Fields 7 (tty_nr) and 8 (tpgid) of /proc/self/stat. */
static int stat_tty(unsigned *tty_nr, int *tpgid)
{
    char text[1024];
    read_file("/proc/self/stat", text, sizeof(text));
    char *p = strrchr(text, ')');
    if (!p)
        return -1;
    char state;
    int ppid, pgrp, sid;
    return sscanf(p + 1, " %c %d %d %d %u %d", &state, &ppid, &pgrp, &sid, tty_nr, tpgid) == 6 ? 0
                                                                                               : -1;
}

/* In a new session: no terminal (0, -1); after TIOCSCTTY on a pty slave, its device
 * (136, n) and the session's group in the foreground. Exit status 0 if all hold. */
static int child_on_pty(int master, const char *slave_name)
{
    if (setsid() < 0)
        return 10;
    unsigned tty_nr;
    int tpgid;
    if (stat_tty(&tty_nr, &tpgid) < 0 || tty_nr != 0 || tpgid != -1)
        return 11;
    int slave = open(slave_name, O_RDWR | O_NOCTTY);
    if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
        return 12;
    struct stat st;
    if (fstat(slave, &st) < 0 || stat_tty(&tty_nr, &tpgid) < 0)
        return 13;
    unsigned want = (minor(st.st_rdev) & 0xff) | (major(st.st_rdev) << 8) |
                    ((minor(st.st_rdev) & ~0xffu) << 12);
    if (major(st.st_rdev) != 136 || tty_nr != want)
        return 14;
    if (tpgid != getpgrp())
        return 15;
    (void)master;
    return 0;
}

TEST(stat_tty_nr_of_pty)
{
    int master = CHECK(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK(grantpt(master));
    CHECK(unlockpt(master));
    char name[64];
    CHECK(ptsname_r(master, name, sizeof(name)));
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(child_on_pty(master, name));
    int status = wait_status(pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    close(master);
}
