// SPDX-License-Identifier: Apache-2.0
/*
 * A fork and thread storm for pids_limit.sh, run under a small pids.max: fork children
 * (each waits on a pipe) until fork fails, then threads until pthread_create fails. Every
 * failure must be EAGAIN; then everything is released and reaped, and a last fork must work
 * again. Exits 7 when all went so (the script checks that exact status), 1 otherwise, with a
 * line on stdout saying what happened.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_KIDS 4096
#define MAX_THREADS 4096

static int g_hold[2]; /* children and threads wait for end of file on g_hold[0] */

static void *hold(void *arg)
{
    char b;
    (void)arg;
    while (read(g_hold[0], &b, 1) < 0 && errno == EINTR)
        ;
    return NULL;
}

/* Fork held children until fork fails. Returns the count; *@err gets fork's errno. */
static int fork_storm(int *err)
{
    int n = 0;
    *err = 0;
    while (n < MAX_KIDS) {
        pid_t p = fork();
        if (p == 0) {
            close(g_hold[1]);
            hold(NULL);
            _exit(0);
        }
        if (p < 0) {
            *err = errno;
            break;
        }
        n++;
    }
    return n;
}

/* Start held threads until pthread_create fails. Returns the count; *@err gets the error. */
static int thread_storm(pthread_t *th, int *err)
{
    int n = 0;
    *err = 0;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    while (n < MAX_THREADS) {
        int e = pthread_create(&th[n], &attr, hold, NULL);
        if (e) {
            *err = e;
            break;
        }
        n++;
    }
    pthread_attr_destroy(&attr);
    return n;
}

/* Reap every child. Returns how many exited with status 0, or -1 on an unexpected error. */
static int reap_all(void)
{
    int ok = 0, st;
    for (;;) {
        pid_t p = wait(&st);
        if (p < 0)
            return errno == ECHILD ? ok : -1;
        ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
}

int main(void)
{
    static pthread_t th[MAX_THREADS];
    int ferr, terr;

    /* Processes: fork until refused, release them all, reap them all. */
    if (pipe(g_hold) < 0)
        return 1;
    int kids = fork_storm(&ferr);
    close(g_hold[1]);
    int reaped = reap_all();
    close(g_hold[0]);
    /* Threads: the same. */
    if (pipe(g_hold) < 0)
        return 1;
    int threads = thread_storm(th, &terr);
    close(g_hold[1]);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    close(g_hold[0]);
    /* Everything is gone: a fork works again. */
    pid_t p = fork();
    if (p == 0)
        _exit(3);
    int st = 0;
    int again = p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 3;
    printf("forks %d (then %s), reaped %d; threads %d (then %s); fork again %s\n", kids,
           ferr ? strerror(ferr) : "no error", reaped, threads, terr ? strerror(terr) : "no error",
           again ? "ok" : "failed");
    fflush(stdout);
    int ok = ferr == EAGAIN && reaped == kids && terr == EAGAIN && again;
    return ok ? 7 : 1;
}
