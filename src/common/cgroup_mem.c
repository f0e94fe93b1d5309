// SPDX-License-Identifier: Apache-2.0
/* The memory limit of the caller's cgroup (cgroup_mem.h). */
#include "common/cgroup_mem.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The number in the file @path, or UINT64_MAX ("max", absent, unreadable). */
static uint64_t read_limit(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return UINT64_MAX;
    char buf[64];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0 || buf[0] < '0' || buf[0] > '9')
        return UINT64_MAX;
    buf[n] = '\0';
    return strtoull(buf, NULL, 10);
}

/* The lowest limit in file @name of cgroup @path (under mount @root) and its ancestors. */
static uint64_t tree_limit(const char *root, const char *path, const char *name)
{
    char dir[512], file[600];
    uint64_t lim = UINT64_MAX;
    snprintf(dir, sizeof(dir), "%s", path);
    for (;;) {
        snprintf(file, sizeof(file), "%s%s/%s", root, strcmp(dir, "/") ? dir : "", name);
        uint64_t l = read_limit(file);
        if (l < lim)
            lim = l;
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            break;
        *slash = '\0';
    }
    return lim;
}

uint64_t cv_cgroup_memory_limit(void)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return UINT64_MAX;
    char line[600];
    uint64_t lim = UINT64_MAX;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        const char *v1 = strstr(line, ":memory:");
        uint64_t l = UINT64_MAX;
        if (strncmp(line, "0::", 3) == 0)
            l = tree_limit("/sys/fs/cgroup", line + 3, "memory.max");
        else if (v1)
            l = tree_limit("/sys/fs/cgroup/memory", v1 + 8, "memory.limit_in_bytes");
        if (l < lim)
            lim = l;
    }
    fclose(f);
    return lim;
}
