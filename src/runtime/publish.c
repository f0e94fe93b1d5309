// SPDX-License-Identifier: Apache-2.0
/*
 * `cvisor do --publish [ADDR:]HOST:SANDBOX` (docs/network.md): a host TCP port forwarded into
 * the sandbox. The runtime binds and listens on ADDR:HOST (default 0.0.0.0) before the sandbox
 * starts, so a port in use is an error at once; one relay process per sandbox accepts there
 * and, per connection, a child of it connects to the sandbox's address on the veth and copies
 * both ways (with half-closes) until both sides are done. A relay rather than a DNAT rule:
 * it needs no NAT state in the host kernel, works for connections to the host's loopback
 * (which the kernel does not route to another interface) and dies with the sandbox.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "runtime/runtime.h"

int rt_parse_publish(const char *arg, struct rt_publish *p, struct cv_error **err)
{
    char addr[64] = "0.0.0.0";
    unsigned host, sandbox;
    char end;
    const char *colon2 = strrchr(arg, ':');
    const char *colon1 = colon2 ? memrchr(arg, ':', (size_t)(colon2 - arg)) : NULL;
    const char *ports = arg;
    if (colon1) {
        size_t n = (size_t)(colon1 - arg);
        if (n == 0 || n >= sizeof(addr))
            return cv_error_set(err, 0, "invalid --publish `%s`: bad address", arg);
        memcpy(addr, arg, n);
        addr[n] = '\0';
        ports = colon1 + 1;
    }
    if (sscanf(ports, "%u:%u%c", &host, &sandbox, &end) != 2 || host == 0 || host > 65535 ||
        sandbox == 0 || sandbox > 65535)
        return cv_error_set(err, 0, "invalid --publish `%s`: expected [ADDR:]HOST:SANDBOX", arg);
    struct in_addr a;
    if (inet_pton(AF_INET, addr, &a) != 1)
        return cv_error_set(err, 0, "invalid --publish `%s`: `%s` is not an IPv4 address", arg,
                            addr);
    p->addr = ntohl(a.s_addr);
    p->host_port = (uint16_t)host;
    p->sandbox_port = (uint16_t)sandbox;
    return 0;
}

/* Copy what is readable from @from to @to. Returns false at end of file or an error. */
static bool pump(int from, int to)
{
    char buf[65536];
    ssize_t n = read(from, buf, sizeof(buf));
    if (n <= 0)
        return false;
    for (ssize_t done = 0; done < n;) {
        ssize_t w = write(to, buf + done, (size_t)(n - done));
        if (w <= 0)
            return false;
        done += w;
    }
    return true;
}

/* One connection: @client from the host, relayed to @dst. Never returns. */
static _Noreturn void relay_conn(int client, const struct sockaddr_in *dst)
{
    int sb = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sb < 0 || connect(sb, (const struct sockaddr *)dst, sizeof(*dst)) < 0) {
        /* Nothing listens in the sandbox: reset the client, as a closed port would. */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(client, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        _exit(0);
    }
    struct pollfd p[2] = {{.fd = client, .events = POLLIN}, {.fd = sb, .events = POLLIN}};
    int open_dirs = 2;
    while (open_dirs > 0) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int to = i == 0 ? sb : client;
            if (!pump(p[i].fd, to)) {
                shutdown(to, SHUT_WR); /* pass the half-close on */
                p[i].fd = -1;
                open_dirs--;
            }
        }
    }
    _exit(0);
}

/* The relay process: accept on every listener, a child per connection. Never returns. */
static _Noreturn void relay_main(const struct rt_opts *o, const int *fds, uint32_t sandbox_addr)
{
    signal(SIGCHLD, SIG_IGN); /* connection children reap themselves */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct pollfd p[RT_PUBLISH_MAX];
    for (int i = 0; i < o->npublish; i++)
        p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    for (;;) {
        if (poll(p, (nfds_t)o->npublish, -1) < 0)
            continue;
        for (int i = 0; i < o->npublish; i++) {
            if (!(p[i].revents & POLLIN))
                continue;
            int c = accept4(fds[i], NULL, NULL, SOCK_CLOEXEC);
            if (c < 0)
                continue;
            struct sockaddr_in dst = {.sin_family = AF_INET,
                                      .sin_port = htons(o->publish[i].sandbox_port),
                                      .sin_addr.s_addr = htonl(sandbox_addr)};
            pid_t pid = fork();
            if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (int j = 0; j < o->npublish; j++)
                    close(fds[j]);
                relay_conn(c, &dst);
            }
            close(c);
        }
    }
}

int rt_publish_listen(const struct rt_opts *o, int *fds, struct cv_error **err)
{
    for (int i = 0; i < o->npublish; i++)
        fds[i] = -1;
    for (int i = 0; i < o->npublish; i++) {
        const struct rt_publish *p = &o->publish[i];
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons(p->host_port),
                                .sin_addr.s_addr = htonl(p->addr)};
        int one = 1;
        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fds[i] < 0 || setsockopt(fds[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(fds[i], (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fds[i], 128) < 0)
            return cv_error_set(err, errno, "publish host port %u", p->host_port);
    }
    return 0;
}

pid_t rt_publish_start(const struct rt_opts *o, const int *fds, const struct rt_net *net,
                       struct cv_error **err)
{
    if (!net->host_if[0])
        return cv_error_set(err, 0, "--publish needs the sandbox's link (run as root)");
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return cv_error_set(err, errno, "start the publish relay");
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
            _exit(RT_EXIT_FAILURE);
        relay_main(o, fds, net->sandbox_addr);
    }
    for (int i = 0; i < o->npublish; i++)
        log_debug("publish: %u -> %u in the sandbox (relay %d)", o->publish[i].host_port,
                  o->publish[i].sandbox_port, pid);
    return pid;
}
