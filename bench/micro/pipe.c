// SPDX-License-Identifier: Apache-2.0
/* Pipe ping-pong between two processes: the parent writes one byte into one pipe, the child
 * reads it and writes it back through another, for SECONDS of wall time. Prints µs per round
 * trip (two writes, two reads, two wake-ups).
 *   pipe [SECONDS]       Output: "pipe <N> round-trips <us> us/round-trip". */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timeloop.h"

struct pingpong {
    int to_child;   /* write end, parent -> child */
    int from_child; /* read end, child -> parent */
};

static int op_pingpong(long n, void *arg)
{
    struct pingpong *p = arg;
    for (long i = 0; i < n; i++) {
        char c = (char)i;
        char back;
        if (write(p->to_child, &c, 1) != 1 || read(p->from_child, &back, 1) != 1 || back != c) {
            perror("pipe: round trip");
            return -1;
        }
    }
    return 0;
}

/* The child echoes every byte until the parent closes its end. */
static void echo_loop(int in, int out)
{
    char c;
    while (read(in, &c, 1) == 1) {
        if (write(out, &c, 1) != 1)
            _exit(1);
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    double secs = tl_seconds(argc, argv, 1);
    int down[2], up[2];
    if (pipe(down) < 0 || pipe(up) < 0) {
        perror("pipe");
        return 1;
    }
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 1;
    }
    if (child == 0) {
        close(down[1]);
        close(up[0]);
        echo_loop(down[0], up[1]);
    }
    close(down[0]);
    close(up[1]);
    struct pingpong p = {.to_child = down[1], .from_child = up[0]};
    struct tl_result r;
    int rc = tl_run(secs, op_pingpong, &p, &r);
    close(down[1]);
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "pipe: the child did not exit cleanly\n");
        return 1;
    }
    if (rc < 0)
        return 1;
    printf("pipe %ld round-trips %.2f us/round-trip\n", r.ops, r.ns_per_op / 1e3);
    return 0;
}
