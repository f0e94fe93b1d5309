// SPDX-License-Identifier: Apache-2.0
/*
 * net_scale N: N TCP connections over loopback, all open at once, driven by epoll on both
 * sides. The parent listens, accepts and echoes; a child process opens the N clients without
 * blocking, sends "hello I" on each when it becomes writable and checks the echo. The child
 * keeps at most MAX_INFLIGHT connections between connect and echo, so the listen backlog
 * never overflows. Both ends hold every connection until all N exchanges are done. Prints
 * the counts and exits 0 when everything completed; an alarm bounds the run. Run natively and
 * in the sandbox (tests/integration/meson.build).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_INFLIGHT 512
#define TAG_LISTEN (~0ull)

static int g_n;

static void die(const char *who, const char *what)
{
    fprintf(stderr, "net_scale %s: %s: %s\n", who, what, strerror(errno));
    exit(1);
}

static int epoll_add(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Room for @n descriptors and a few more (raising the hard limit needs CAP_SYS_RESOURCE). */
static void want_fds(const char *who, int n)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rlim_t need = (rlim_t)n + 64;
    if (rl.rlim_max < need)
        rl.rlim_max = need;
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        die(who, "setrlimit");
}

static int client_msg(int i, char *msg)
{
    return snprintf(msg, 32, "hello %d", i);
}

/* One client event; returns 1 when its echo arrived. */
static int client_event(int fd, int i, uint32_t events, char *state)
{
    char msg[32], buf[64];
    int len = client_msg(i, msg);
    if ((events & (EPOLLOUT | EPOLLERR)) && state[i] == 0) {
        int err = 0;
        socklen_t sl = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl);
        if (err) {
            errno = err;
            die("client", "connect");
        }
        if (write(fd, msg, (size_t)len) != len)
            die("client", "write");
        state[i] = 1;
    }
    if ((events & EPOLLIN) && state[i] == 1) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n == len && memcmp(buf, msg, (size_t)len) == 0) {
            state[i] = 2;
            return 1;
        }
        if (!(n < 0 && errno == EAGAIN))
            die("client", "echo");
    }
    return 0;
}

static int run_clients(const struct sockaddr_in *a)
{
    want_fds("client", g_n);
    int *fds = calloc((size_t)g_n, sizeof(int));
    char *state = calloc((size_t)g_n, 1);
    int ep = epoll_create1(0);
    int started = 0, echoed = 0;
    static struct epoll_event evs[1024];
    while (echoed < g_n) {
        while (started < g_n && started - echoed < MAX_INFLIGHT) {
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            if (fd < 0)
                die("client", "socket");
            if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) < 0 && errno != EINPROGRESS)
                die("client", "connect");
            fds[started] = fd;
            if (epoll_add(ep, fd, EPOLLIN | EPOLLOUT | EPOLLET, (uint64_t)started) < 0)
                die("client", "epoll_ctl");
            started++;
        }
        int n = epoll_wait(ep, evs, 1024, 10000);
        if (n <= 0)
            die("client", n == 0 ? "no progress for 10 s" : "epoll_wait");
        for (int k = 0; k < n; k++) {
            int i = (int)evs[k].data.u64;
            echoed += client_event(fds[i], i, evs[k].events, state);
        }
    }
    printf("client: %d connections open, %d echoes checked\n", started, echoed);
    return 0;
}

/* Accept and echo until @n connections were accepted and @n messages echoed, then wait for
 * the clients to close. Returns the number of connections that were open at once. */
static int run_server(int lfd, pid_t child)
{
    want_fds("server", g_n);
    int ep = epoll_create1(0);
    if (epoll_add(ep, lfd, EPOLLIN, TAG_LISTEN) < 0)
        die("server", "epoll_ctl");
    int accepted = 0, echoed = 0, open = 0, peak = 0;
    static struct epoll_event evs[1024];
    while (accepted < g_n || open > 0) {
        int n = epoll_wait(ep, evs, 1024, 10000);
        if (n <= 0)
            die("server", n == 0 ? "no progress for 10 s" : "epoll_wait");
        for (int k = 0; k < n; k++) {
            if (evs[k].data.u64 == TAG_LISTEN) {
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (epoll_add(ep, fd, EPOLLIN, (uint64_t)fd) < 0)
                        die("server", "epoll_ctl");
                    accepted++;
                    open++;
                }
                if (errno != EAGAIN)
                    die("server", "accept");
                peak = open > peak ? open : peak;
                continue;
            }
            int fd = (int)evs[k].data.u64;
            char buf[64];
            ssize_t r = read(fd, buf, sizeof(buf));
            if (r > 0) {
                if (write(fd, buf, (size_t)r) != r)
                    die("server", "echo");
                echoed++;
            } else if (r == 0) {
                close(fd); /* the client is done */
                open--;
            } else if (errno != EAGAIN) {
                die("server", "read");
            }
        }
    }
    int status;
    waitpid(child, &status, 0);
    printf("server: %d accepted, %d echoed, %d open at once\n", accepted, echoed, peak);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 && accepted == g_n && echoed == g_n &&
                   peak == g_n
               ? 0
               : 1;
}

int main(int argc, char **argv)
{
    g_n = argc > 1 ? atoi(argv[1]) : 10000;
    alarm(240);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4096) < 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &al) < 0)
        die("server", "listen");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("server", "fork");
    if (pid == 0) {
        close(lfd);
        exit(run_clients(&a));
    }
    int ret = run_server(lfd, pid);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "net_scale: %d connections in %.2f s\n", g_n,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return ret;
}
