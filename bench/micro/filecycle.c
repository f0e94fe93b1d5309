// SPDX-License-Identifier: Apache-2.0
/* The create/stat/unlink figure: N times create a file in DIR, write 4 KiB, close, stat and
 * unlink it; prints microseconds per file.  filecycle DIR [N] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: filecycle DIR [N]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    static char buf[4096];
    memset(buf, 'x', sizeof(buf));
    char path[4096];
    double t0 = now_us();
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/f%d", argv[1], i);
        int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
        struct stat st;
        if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || close(fd) < 0 ||
            stat(path, &st) < 0 || st.st_size != (off_t)sizeof(buf) || unlink(path) < 0) {
            perror(path);
            return 1;
        }
    }
    printf("filecycle %d files %.2f us/file\n", n, (now_us() - t0) / n);
    return 0;
}
