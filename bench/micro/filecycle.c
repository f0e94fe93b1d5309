// SPDX-License-Identifier: Apache-2.0
/* The file create/write figure: for SECONDS of wall time, create a file in DIR, write 4 KiB,
 * close it, stat it (the size must be 4096) and unlink it. Prints µs per file.
 *   filecycle DIR [SECONDS]     Output: "filecycle <N> files <us> us/file". */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timeloop.h"

struct cycle {
    const char *dir;
    long next; /* number of the next file */
    char buf[4096];
};

static int op_cycle(long n, void *arg)
{
    struct cycle *c = arg;
    char path[4096];
    for (long i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/f%ld", c->dir, c->next++);
        int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
        struct stat st;
        if (fd < 0 || write(fd, c->buf, sizeof(c->buf)) != (ssize_t)sizeof(c->buf) ||
            close(fd) < 0 || stat(path, &st) < 0 || st.st_size != (off_t)sizeof(c->buf) ||
            unlink(path) < 0) {
            perror(path);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: filecycle DIR [SECONDS]\n");
        return 2;
    }
    double secs = tl_seconds(argc, argv, 2);
    static struct cycle c;
    c.dir = argv[1];
    memset(c.buf, 'x', sizeof(c.buf));
    struct tl_result r;

    if (tl_run(secs, op_cycle, &c, &r) < 0)
        return 1;
    printf("filecycle %ld files %.2f us/file\n", r.ops, r.ns_per_op / 1e3);
    return 0;
}
