// SPDX-License-Identifier: Apache-2.0
/*
 * `cvisor gofer`: parse the command line, open /proc/self/fd, confine itself to the root
 * (confine.c, filter.c), and run the request loop of server.c until the Sentry hangs up.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "gofer/gofer.h"
#include "gofer/gofer_confine.h"
#include "gofer/server.h"

struct gofer_opts {
    const char *root;
    int sock;
    int log_fd;
    bool ro;
    bool debug;
};

/* Parse a non-negative descriptor number. Returns it or -EINVAL. */
static int parse_fd(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > INT_MAX)
        return -EINVAL;
    return (int)v;
}

static int parse_opts(int argc, char **argv, struct gofer_opts *o)
{
    static const struct option longopts[] = {
        {"root", required_argument, NULL, 'r'},   {"sock", required_argument, NULL, 's'},
        {"log-fd", required_argument, NULL, 'l'}, {"ro", no_argument, NULL, 'o'},
        {"debug", no_argument, NULL, 'd'},        {NULL, 0, NULL, 0},
    };
    *o = (struct gofer_opts){.sock = -1, .log_fd = -1};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            o->root = optarg;
            break;
        case 's':
            o->sock = parse_fd(optarg);
            break;
        case 'l':
            o->log_fd = parse_fd(optarg);
            break;
        case 'o':
            o->ro = true;
            break;
        case 'd':
            o->debug = true;
            break;
        default:
            return -EINVAL;
        }
    }
    if (optind != argc || !o->root || o->sock < 0 || (o->log_fd < 0 && o->log_fd != -1))
        return -EINVAL;
    return 0;
}

/* The server trusts /proc/self/fd to name its own descriptors: make sure it is procfs. */
static int open_proc_fd(void)
{
    _cleanup_close_ int fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct statfs sfs;
    if (fstatfs(fd, &sfs) < 0)
        return -errno;
    if (sfs.f_type != PROC_SUPER_MAGIC)
        return -ENODEV;
    return TAKE_FD(fd);
}

static int check_sock(int sock)
{
    int type;
    socklen_t len = sizeof(type);
    if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
        return -errno;
    return type == SOCK_SEQPACKET ? 0 : -EPROTOTYPE;
}

/*
 * A writable gofer keeps the mount table of the namespace it starts in (mounts.c), with the
 * root's canonical path there. Stores the descriptor (or -1 when read-only) and the path.
 */
static int open_mountinfo(const struct gofer_opts *o, int *fd, char **root_path)
{
    *fd = -1;
    *root_path = NULL;
    if (o->ro)
        return 0;
    *root_path = realpath(o->root, NULL);
    if (!*root_path)
        return -errno;
    *fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    return *fd < 0 ? -errno : 0;
}

static int serve(const struct gofer_opts *o, int proc_fd, int mountinfo_fd, const char *root_path)
{
    _cleanup_close_ int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int ret;
    if (root_fd < 0) {
        ret = -errno;
        log_error("open root `%s`: %s", o->root, strerror(-ret));
        if (mountinfo_fd >= 0)
            close(mountinfo_fd);
        return ret;
    }
    struct gofer_server s;
    ret = gofer_server_init(&s, o->sock, root_fd, proc_fd, o->ro, mountinfo_fd, root_path);
    if (ret < 0)
        log_error("set up serving `%s`: %s", o->root, strerror(-ret));
    else if ((ret = gofer_filter_install(o->ro)) < 0)
        log_error("install the seccomp filter: %s", strerror(-ret));
    if (ret == 0) {
        log_info("serving `%s`%s on fd %d%s", o->root, o->ro ? " read-only" : "", o->sock,
                 s.openat2 ? "" : " without openat2");
        ret = gofer_serve(&s);
    }
    gofer_server_destroy(&s);
    return ret;
}

static int run(const struct gofer_opts *o)
{
    int ret = check_sock(o->sock);
    if (ret < 0) {
        log_error("socket %d: %s", o->sock, strerror(-ret));
        return ret;
    }
    /* /proc/self/fd before the pivot: the descriptor keeps this procfs reachable after. */
    _cleanup_close_ int proc_fd = open_proc_fd();
    if (proc_fd < 0) {
        log_error("open /proc/self/fd: %s", strerror(-proc_fd));
        return proc_fd;
    }
    /* The mount table of the starting namespace, before leaving it. */
    int mountinfo_fd;
    _cleanup_free_ char *root_path = NULL;
    if ((ret = open_mountinfo(o, &mountinfo_fd, &root_path)) < 0) {
        log_error("read the mount table for `%s`: %s", o->root, strerror(-ret));
        return ret;
    }
    if ((ret = gofer_confine(o->root, o->ro)) < 0) {
        log_error("confine to `%s`: %s", o->root, strerror(-ret));
        if (mountinfo_fd >= 0)
            close(mountinfo_fd);
        return ret;
    }
    return serve(o, proc_fd, mountinfo_fd, root_path);
}

int gofer_main(int argc, char **argv)
{
    struct gofer_opts o;
    cv_log_set_name("gofer");
    if (parse_opts(argc, argv, &o) < 0) {
        log_error("usage: cvisor gofer --root DIR --sock FD [--ro] [--debug] [--log-fd FD]");
        return 2;
    }
    if (o.log_fd >= 0)
        cv_log_set_fd(o.log_fd);
    if (o.debug)
        g_log_level = LOG_LEVEL_DEBUG;
    int ret = run(&o);
    close(o.sock);
    return ret < 0 ? 1 : 0;
}
