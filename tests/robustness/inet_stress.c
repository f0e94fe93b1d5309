// SPDX-License-Identifier: Apache-2.0
/*
 * inet_stress ITERATIONS [SEED]: random operations on 48 non-blocking AF_INET/AF_INET6 TCP,
 * UDP and raw ICMP sockets of one process: socket, bind, listen, connect, accept4, send/recv with
 * MSG_MORE/PEEK/TRUNC/WAITALL, sendto of up to 70000 bytes, shutdown, close, options, poll,
 * epoll, FIONREAD/SIOCOUTQ, names, sendmmsg/recvmmsg, dup. Addresses are 127.0.0.1,
 * 127.0.0.2, the wildcard, ::1 or ::ffff:127.0.0.1 (sometimes AF_UNSPEC or cut short), and
 * ports of the program's own sockets or 0, so natively nothing but its own sockets is
 * reached. The Sentry must survive it (run natively, in the sandbox and under cvisor-asan).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#define N 48
static int fds[N];
static uint64_t st = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
    st ^= st << 13;
    st ^= st >> 7;
    st ^= st << 17;
    return (unsigned)(st % n);
}
static uint16_t ports[8];
static void addr(int fam, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    uint16_t port = rnd(4) ? ports[rnd(8)] : 0; /* own sockets only: nothing else is reached */
    if (fam == AF_INET) {
        struct sockaddr_in *a = (void *)ss;
        a->sin_family = rnd(10) ? AF_INET : AF_UNSPEC;
        a->sin_port = htons(port);
        a->sin_addr.s_addr = htonl(rnd(3) ? INADDR_LOOPBACK : rnd(2) ? 0 : 0x7f000002);
        *len = rnd(8) ? sizeof(*a) : rnd(20);
    } else {
        struct sockaddr_in6 *a = (void *)ss;
        a->sin6_family = rnd(10) ? AF_INET6 : AF_UNSPEC;
        a->sin6_port = htons(port);
        if (rnd(2))
            a->sin6_addr.s6_addr[15] = 1;
        else if (rnd(2)) {
            a->sin6_addr.s6_addr[10] = a->sin6_addr.s6_addr[11] = 0xff;
            a->sin6_addr.s6_addr[12] = 127;
            a->sin6_addr.s6_addr[15] = 1;
        }
        *len = rnd(8) ? sizeof(*a) : rnd(40);
    }
}
int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 100000;
    if (argc > 2)
        st = strtoull(argv[2], 0, 0);
    for (int i = 0; i < N; i++)
        fds[i] = -1;
    static char buf[200000];
    int ep = epoll_create1(0);
    for (long it = 0; it < iters; it++) {
        int i = rnd(N), fd = fds[i];
        int fam = rnd(2) ? AF_INET : AF_INET6;
        struct sockaddr_storage ss;
        socklen_t len;
        int op = rnd(20);
        if (fd < 0)
            op = 0;
        switch (op) {
        case 0:
            if (fd >= 0)
                close(fd);
            if (rnd(6) == 0) /* raw ICMP (ping), when the caller may */
                fds[i] = socket(fam, SOCK_RAW | SOCK_NONBLOCK,
                                fam == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
            else
                fds[i] = socket(fam, (rnd(2) ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK, 0);
            break;
        case 1:
            addr(fam, &ss, &len);
            if (bind(fd, (void *)&ss, len) == 0) {
                struct sockaddr_in6 g;
                socklen_t gl = sizeof(g);
                getsockname(fd, (void *)&g, &gl);
                ports[rnd(8)] = ntohs(g.sin6_port);
            }
            break;
        case 2:
            listen(fd, rnd(5) - 1);
            break;
        case 3:
            addr(fam, &ss, &len);
            connect(fd, (void *)&ss, len);
            break;
        case 4: {
            int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
            if (c >= 0) {
                int j = rnd(N);
                if (fds[j] >= 0)
                    close(fds[j]);
                fds[j] = c;
            }
            break;
        }
        case 5:
        case 6:
            send(fd, buf, rnd(2) ? rnd(100) : rnd(sizeof(buf)),
                 MSG_DONTWAIT | MSG_NOSIGNAL | (rnd(4) ? 0 : MSG_MORE));
            break;
        case 7:
        case 8:
            recv(fd, buf, rnd(sizeof(buf)),
                 MSG_DONTWAIT | (rnd(4) ? 0 : MSG_PEEK) | (rnd(6) ? 0 : MSG_TRUNC) |
                     (rnd(6) ? 0 : MSG_WAITALL));
            break;
        case 9:
            addr(fam, &ss, &len);
            sendto(fd, buf, rnd(70000), MSG_DONTWAIT | MSG_NOSIGNAL, (void *)&ss, len);
            break;
        case 10:
            shutdown(fd, rnd(4));
            break;
        case 11:
            close(fd);
            fds[i] = -1;
            break;
        case 12: {
            int v = rnd(3) ? (int)rnd(2) : (int)rnd(100000);
            int lv[2] = {(int)rnd(2), 0};
            static const int opts[][2] = {{SOL_SOCKET, SO_REUSEADDR},  {SOL_SOCKET, SO_LINGER},
                                          {SOL_SOCKET, SO_KEEPALIVE},  {IPPROTO_TCP, TCP_NODELAY},
                                          {IPPROTO_TCP, TCP_CORK},     {SOL_SOCKET, SO_RCVBUF},
                                          {SOL_SOCKET, SO_SNDBUF},     {IPPROTO_IPV6, IPV6_V6ONLY},
                                          {IPPROTO_TCP, TCP_KEEPIDLE}, {IPPROTO_IP, IP_TOS},
                                          {SOL_SOCKET, SO_RCVLOWAT},   {SOL_SOCKET, SO_REUSEPORT}};
            int k = rnd(12);
            if (opts[k][1] == SO_LINGER)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, lv, sizeof(lv));
            else
                setsockopt(fd, opts[k][0], opts[k][1], &v, sizeof(v));
            break;
        }
        case 13: {
            char o[256];
            socklen_t ol = rnd(256);
            getsockopt(fd, rnd(2) ? IPPROTO_TCP : SOL_SOCKET, rnd(40), o, &ol);
            break;
        }
        case 14: {
            struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
            poll(&p, 1, 0);
            break;
        }
        case 15: {
            struct epoll_event e = {.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP};
            epoll_ctl(ep, rnd(3) + 1, fd, &e);
            struct epoll_event out[8];
            epoll_wait(ep, out, 8, 0);
            break;
        }
        case 16: {
            int n;
            ioctl(fd, rnd(2) ? FIONREAD : TIOCOUTQ, &n);
            break;
        }
        case 17: {
            struct sockaddr_in6 g;
            socklen_t gl = sizeof(g);
            if (rnd(2))
                getpeername(fd, (void *)&g, &gl);
            else
                getsockname(fd, (void *)&g, &gl);
            break;
        }
        case 18: {
            struct mmsghdr m[4];
            struct iovec iov[4];
            for (int k = 0; k < 4; k++) {
                iov[k].iov_base = buf;
                iov[k].iov_len = rnd(3000);
                memset(&m[k], 0, sizeof(m[k]));
                m[k].msg_hdr.msg_iov = &iov[k];
                m[k].msg_hdr.msg_iovlen = 1;
            }
            if (rnd(2))
                sendmmsg(fd, m, 4, MSG_DONTWAIT | MSG_NOSIGNAL);
            else
                recvmmsg(fd, m, 4, MSG_DONTWAIT, NULL);
            break;
        }
        case 19: {
            int c = dup(fd);
            if (c >= 0)
                close(c);
            break;
        }
        }
    }
    printf("done %ld\n", iters);
    return 0;
}
