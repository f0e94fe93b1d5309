// SPDX-License-Identifier: Apache-2.0
/* fork + _exit + waitpid, for SECONDS of wall time: the cost of making and reaping a process
 * (its address space copied copy-on-write). Prints µs per fork.
 *   fork [SECONDS]       Output: "fork <N> forks <us> us/fork". */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timeloop.h"

static int op_fork(long n, void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return -1;
        }
        if (pid == 0)
            _exit(7);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 7) {
            fprintf(stderr, "fork: the child's exit status was lost\n");
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    double secs = tl_seconds(argc, argv, 1);
    struct tl_result r;

    if (tl_run(secs, op_fork, NULL, &r) < 0)
        return 1;
    printf("fork %ld forks %.2f us/fork\n", r.ops, r.ns_per_op / 1e3);
    return 0;
}
