// SPDX-License-Identifier: Apache-2.0
/*
 * inet_threads SECONDS: threads of one process over loopback TCP: an acceptor thread blocked
 * in accept() starts one echo thread per connection (blocking read/write); six client threads
 * connect, write 3000 bytes and read the echo five times, then close (half of them after
 * SHUT_WR), until the time is up; shutdown(SHUT_RDWR) of the listener then wakes the blocked
 * accept (EINVAL). Every echo is checked; the process exits 0 when all went well. Natively,
 * in the sandbox and under cvisor-asan (robustness suites).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
static struct sockaddr_in g_a;
static volatile int g_stop;
static int g_l;
static long g_ok[8];
static void *server_conn(void *arg)
{
    int s = (int)(long)arg;
    char buf[4096];
    ssize_t n;
    while ((n = read(s, buf, sizeof(buf))) > 0)
        if (write(s, buf, n) != n)
            break;
    close(s);
    return NULL;
}
static void *acceptor(void *arg)
{
    for (;;) {
        int s = accept(g_l, NULL, NULL);
        if (s < 0)
            return NULL; /* listener shut down */
        pthread_t t;
        pthread_create(&t, NULL, server_conn, (void *)(long)s);
        pthread_detach(t);
    }
}
static void *client(void *arg)
{
    int id = (int)(long)arg;
    char buf[3000], got[3000];
    memset(buf, 'a' + id, sizeof(buf));
    while (!g_stop) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (void *)&g_a, sizeof(g_a)) < 0) {
            perror("connect");
            exit(2);
        }
        for (int k = 0; k < 5; k++) {
            if (write(c, buf, sizeof(buf)) != sizeof(buf)) {
                perror("write");
                exit(3);
            }
            size_t have = 0;
            while (have < sizeof(got)) {
                ssize_t n = read(c, got + have, sizeof(got) - have);
                if (n <= 0) {
                    perror("read");
                    exit(4);
                }
                have += n;
            }
            if (memcmp(buf, got, sizeof(buf))) {
                fprintf(stderr, "mismatch\n");
                exit(5);
            }
        }
        if (id & 1)
            shutdown(c, SHUT_WR);
        close(c);
        g_ok[id]++;
    }
    return NULL;
}
int main(int argc, char **argv)
{
    int secs = argc > 1 ? atoi(argv[1]) : 3;
    g_l = socket(AF_INET, SOCK_STREAM, 0);
    g_a.sin_family = AF_INET;
    g_a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(g_a);
    bind(g_l, (void *)&g_a, sizeof(g_a));
    listen(g_l, 64);
    getsockname(g_l, (void *)&g_a, &al);
    pthread_t acc, cl[6];
    pthread_create(&acc, NULL, acceptor, NULL);
    for (long i = 0; i < 6; i++)
        pthread_create(&cl[i], NULL, client, (void *)i);
    sleep(secs);
    g_stop = 1;
    for (int i = 0; i < 6; i++)
        pthread_join(cl[i], NULL);
    shutdown(g_l, SHUT_RDWR); /* wakes the blocked accept */
    pthread_join(acc, NULL);
    long total = 0;
    for (int i = 0; i < 6; i++)
        total += g_ok[i];
    printf("inet_threads: %ld connections\n", total);
    return total > 0 ? 0 : 1;
}
