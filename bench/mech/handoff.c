// SPDX-License-Identifier: Apache-2.0
/* Mechanism bounds (native only): a hand-off between two processes through one word of shared
 * memory, the way a systrap stub and its Sentry thread pass control. The parent sets the word to
 * "child's turn" and waits for it to come back; the child answers each turn.
 *   handoff futex [SECONDS]   waiting in FUTEX_WAIT, woken by FUTEX_WAKE (a sleep + wake-up)
 *   handoff spin [SECONDS]    waiting by spinning on the word (no syscall at all)
 * Output: "<mode> <N> round-trips <us> us/round-trip". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../micro/timeloop.h"

enum { TURN_PARENT, TURN_CHILD, TURN_STOP };

static atomic_int *g_turn;
static int g_futex;

static void wait_while(int value)
{
    while (atomic_load(g_turn) == value) {
        if (g_futex)
            syscall(SYS_futex, g_turn, FUTEX_WAIT, value, NULL, NULL, 0);
        else
            __builtin_ia32_pause();
    }
}

static void give_turn(int value)
{
    atomic_store(g_turn, value);
    if (g_futex)
        syscall(SYS_futex, g_turn, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static int op_roundtrip(long n, void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        give_turn(TURN_CHILD);
        wait_while(TURN_CHILD);
    }
    return 0;
}

static void child_loop(void)
{
    for (;;) {
        wait_while(TURN_PARENT);
        if (atomic_load(g_turn) == TURN_STOP)
            _exit(0);
        give_turn(TURN_PARENT);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "futex") != 0 && strcmp(argv[1], "spin") != 0)) {
        fprintf(stderr, "usage: handoff {futex|spin} [SECONDS]\n");
        return 2;
    }
    g_futex = strcmp(argv[1], "futex") == 0;
    double secs = tl_seconds(argc, argv, 2);
    g_turn = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (g_turn == MAP_FAILED) {
        perror("handoff: mmap");
        return 1;
    }
    atomic_store(g_turn, TURN_PARENT);
    pid_t child = fork();
    if (child < 0) {
        perror("handoff: fork");
        return 1;
    }
    if (child == 0)
        child_loop();
    struct tl_result r = {0, 0};
    tl_run(secs, op_roundtrip, NULL, &r); /* op_roundtrip cannot fail */
    give_turn(TURN_STOP);
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "handoff: the child did not exit cleanly\n");
        return 1;
    }
    printf("%s %ld round-trips %.3f us/round-trip\n", argv[1], r.ops, r.ns_per_op / 1e3);
    return 0;
}
