// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for /proc/self: the exe link, maps showing a fresh mapping, the fd directory,
 * the first fields of stat, status's Pid: line, comm, cmdline and the cwd link. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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
