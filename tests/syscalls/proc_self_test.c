// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for /proc/self: the exe link, maps showing a fresh mapping, the fd directory,
 * the first fields of stat, status's Pid: line, comm, cmdline and the cwd link; another
 * process's cmdline and its S/T/Z states, fdinfo, limits and mountinfo. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static char big[1 << 16];

TEST(exe_link_is_this_program)
{
    char buf[PATH_MAX] = {0};
    ssize_t n = CHECK(readlink("/proc/self/exe", buf, sizeof(buf) - 1));
    EXPECT_TRUE(n > 0);
    EXPECT_STREQ(buf, harness_self());
}

TEST(maps_lists_new_mapping)
{
    char *p = CHECK(mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    char want[64];
    snprintf(want, sizeof(want), "%lx-%lx r--p ", (unsigned long)p, (unsigned long)p + 3 * 4096);
    read_file("/proc/self/maps", big, sizeof(big));
    if (!strstr(big, want))
        FAIL("no line starting %s in maps", want);
    munmap(p, 3 * 4096);
    read_file("/proc/self/maps", big, sizeof(big));
    EXPECT_TRUE(strstr(big, want) == NULL);
}

TEST(maps_shows_file_mapping_path)
{
    write_file(tpath("mapped"), "contents", 0644);
    int fd = CHECK(open(tpath("mapped"), O_RDONLY));
    void *p = CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0));
    read_file("/proc/self/maps", big, sizeof(big));
    EXPECT_TRUE(strstr(big, tpath("mapped")) != NULL);
    EXPECT_TRUE(strstr(big, "[stack]") != NULL);
    munmap(p, 4096);
    close(fd);
}

TEST(fd_dir_lists_open_fd)
{
    write_file(tpath("f"), "", 0644);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    int target = CHECK(dup2(fd, 77));
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        FATAL("opendir: %s", strerror(errno));
    int seen = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, "77") == 0)
            seen = 1;
    closedir(d);
    EXPECT_TRUE(seen);
    char buf[PATH_MAX] = {0};
    CHECK(readlink("/proc/self/fd/77", buf, sizeof(buf) - 1));
    EXPECT_STREQ(buf, tpath("f"));
    close(target);
    close(fd);
    EXPECT_ERRNO(readlink("/proc/self/fd/77", buf, sizeof(buf)), ENOENT);
}

TEST(stat_first_fields)
{
    CHECK(prctl(PR_SET_NAME, "cvtstat"));
    char buf[1024];
    read_file("/proc/self/stat", buf, sizeof(buf));
    int pid = 0;
    char comm[32] = {0};
    char state = 0;
    int ppid = 0;
    EXPECT_EQ(sscanf(buf, "%d (%31[^)]) %c %d", &pid, comm, &state, &ppid), 4);
    EXPECT_EQ(pid, getpid());
    EXPECT_STREQ(comm, "cvtstat");
    EXPECT_EQ(state, 'R');
    EXPECT_EQ(ppid, getppid());
}

TEST(status_has_pid_and_name)
{
    char buf[4096];
    read_file("/proc/self/status", buf, sizeof(buf));
    char want[32];
    snprintf(want, sizeof(want), "\nPid:\t%d\n", getpid());
    EXPECT_TRUE(strstr(buf, want) != NULL);
    EXPECT_TRUE(strncmp(buf, "Name:\t", 6) == 0);
    EXPECT_TRUE(strstr(buf, "\nPPid:\t") != NULL);
    EXPECT_TRUE(strstr(buf, "\nUid:\t") != NULL);
}

TEST(comm_write_renames)
{
    int fd = CHECK(open("/proc/self/comm", O_RDWR));
    EXPECT_EQ(write(fd, "renamed", 7), 7);
    close(fd);
    char name[17] = {0};
    CHECK(prctl(PR_GET_NAME, name));
    EXPECT_STREQ(name, "renamed");
    char buf[32];
    read_file("/proc/self/comm", buf, sizeof(buf));
    EXPECT_STREQ(buf, "renamed\n");
}

TEST(cmdline_starts_with_argv0)
{
    char buf[4096];
    int fd = CHECK(open("/proc/self/cmdline", O_RDONLY));
    ssize_t n = CHECK(read(fd, buf, sizeof(buf) - 1));
    close(fd);
    EXPECT_TRUE(n > 0);
    buf[n] = '\0';
    EXPECT_EQ(buf[n - 1], '\0'); /* NUL-separated, NUL-terminated */
    EXPECT_TRUE(strlen(buf) > 0);
}

TEST(cwd_link_and_self_link)
{
    CHECK(chdir(harness_tmp));
    char buf[PATH_MAX] = {0};
    CHECK(readlink("/proc/self/cwd", buf, sizeof(buf) - 1));
    EXPECT_STREQ(buf, harness_tmp);
    memset(buf, 0, sizeof(buf));
    CHECK(readlink("/proc/self", buf, sizeof(buf) - 1));
    EXPECT_EQ(atoi(buf), getpid());
    EXPECT_ERRNO(open("/proc/self/nonexistent", O_RDONLY), ENOENT);
}

/* Whole contents of @path (NUL-terminated) into @buf; returns the length. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t len = 0, n;
    while ((n = read(fd, buf + len, size - 1 - (size_t)len)) > 0)
        len += n;
    close(fd);
    buf[len] = '\0';
    return len;
}

/* The state letter in /proc/<pid>/stat. */
static char state_of(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (slurp(path, buf, sizeof(buf)) <= 0)
        return '?';
    char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' ? rp[2] : '?';
}

TEST(other_process_cmdline_and_states)
{
    static char mine[4096], theirs[4096];
    int sync[2];
    CHECK(pipe(sync));
    pid_t child = CHECK(fork());
    if (child == 0) {
        char c;
        close(sync[1]);
        read(sync[0], &c, 1); /* sleeps until the parent closes its end */
        _exit(0);
    }
    close(sync[0]);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)child);
    ssize_t n1 = slurp("/proc/self/cmdline", mine, sizeof(mine));
    ssize_t n2 = slurp(path, theirs, sizeof(theirs));
    EXPECT_TRUE(n1 > 0);
    EXPECT_EQ(n1, n2); /* a forked child has the same arguments */
    EXPECT_TRUE(memcmp(mine, theirs, (size_t)n1) == 0);
    for (int i = 0; i < 200 && state_of(child) != 'S'; i++)
        usleep(10000);
    EXPECT_EQ(state_of(child), 'S');
    CHECK(kill(child, SIGSTOP));
    int st;
    CHECK(waitpid(child, &st, WUNTRACED));
    EXPECT_EQ(state_of(child), 'T');
    CHECK(kill(child, SIGCONT));
    close(sync[1]);
    siginfo_t si;
    CHECK(waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT));
    EXPECT_EQ(state_of(child), 'Z');
    EXPECT_EQ(slurp(path, theirs, sizeof(theirs)), 0); /* a zombie has no cmdline */
    CHECK(waitpid(child, &st, 0));
    EXPECT_EQ(state_of(child), '?');
}

TEST(fdinfo_shows_position_and_flags)
{
    int fd = CHECK(open("/proc/self/stat", O_RDONLY | O_CLOEXEC));
    char c[10], path[64], buf[512];
    CHECK(read(fd, c, sizeof(c)));
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    EXPECT_TRUE(slurp(path, buf, sizeof(buf)) > 0);
    EXPECT_TRUE(strncmp(buf, "pos:\t10\nflags:\t02", 17) == 0);
    EXPECT_TRUE(strstr(buf, "\nmnt_id:\t") != NULL);
    close(fd);
}

TEST(limits_and_mountinfo)
{
    static char buf[1 << 16];
    EXPECT_TRUE(slurp("/proc/self/limits", buf, sizeof(buf)) > 0);
    EXPECT_TRUE(strncmp(buf, "Limit                     Soft Limit  ", 38) == 0);
    EXPECT_TRUE(strstr(buf, "\nMax open files            ") != NULL);
    EXPECT_TRUE(slurp("/proc/self/mountinfo", buf, sizeof(buf)) > 0);
    EXPECT_TRUE(strstr(buf, " / /proc rw,") != NULL);
    EXPECT_TRUE(strstr(buf, " - proc proc rw") != NULL);
}
