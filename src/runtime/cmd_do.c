// SPDX-License-Identifier: Apache-2.0
/*
 * `cvisor do [flags] [--] CMD [ARGS...]`: run one command in a throwaway sandbox whose root is
 * a host directory (read-only, under the Sentry's writable overlay), as `runsc do` does.
 * Parsing is in options.c and process handling in sandbox.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/runtime.h"

static const char g_do_usage[] =
    "Usage: cvisor [global flags] do [flags] [--] CMD [ARGS...]\n"
    "\n"
    "Run CMD in a throwaway sandbox. The root directory is shown read-only under an\n"
    "in-memory writable layer; nothing the command writes there reaches the host\n"
    "(unless --overlay=none). Volumes are written through to the host.\n"
    "\n"
    "Flags:\n"
    "  --root DIR         root directory of the sandbox (default /)\n"
    "  --cwd DIR          working directory inside the sandbox (default: the current\n"
    "                     directory if it exists under the root, else /)\n"
    "  --overlay MODE     memory (default): writes stay in memory; none: the root is\n"
    "                     writable and writes reach the host directory\n"
    "  --volume SRC:DST[:ro]\n"
    "                     bind mount the host directory SRC at DST (repeatable)\n"
    "  --network MODE     sandbox (default): the Sentry's own TCP/IP stack, linked to\n"
    "                     the host by a veth pair when run as root; none: loopback only\n"
    "  --subnet A.B.C.D/N the link's network (host end: first address, sandbox: second;\n"
    "                     default: a free /30 of 10.200.0.0/16)\n"
    "  --publish [ADDR:]HOST:SANDBOX\n"
    "                     forward TCP port HOST of the host (on ADDR, default 0.0.0.0)\n"
    "                     to port SANDBOX in the sandbox (repeatable; needs the link)\n"
    "  --platform NAME    how app code is run and trapped: systrap (default) or ptrace\n"
    "  --systrap-patching=BOOL\n"
    "                     rewrite `mov $nr,%eax; syscall` sites on systrap (default true)\n"
    "  --strace           log every system call of the command\n"
    "  --debug            verbose logs\n"
    "  --log FILE         append the logs to FILE (default: stderr)\n"
    "  --log-fd N         write the logs to descriptor N\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: the command's, 128+N if it was killed by signal N, 125 if cvisor failed.\n";

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int rt_choose_cwd(const struct rt_opts *o, const char *root_real, char *buf, size_t size,
                  struct cv_error **err)
{
    if (o->cwd) {
        if (strlen(o->cwd) >= size)
            return cv_error_set(err, ENAMETOOLONG, "use cwd `%s`", o->cwd);
        strcpy(buf, o->cwd);
        return 0;
    }
    char here[PATH_MAX];
    if (!getcwd(here, sizeof(here)) || here[0] != '/') /* deleted or unreachable cwd */
        goto slash;
    if (strcmp(root_real, "/") != 0) {
        /* The same path under the other root (checked on the host: only a default). */
        char under[PATH_MAX * 2];
        snprintf(under, sizeof(under), "%s%s", root_real, here);
        if (!is_dir(under))
            goto slash;
    }
    if (strlen(here) >= size)
        goto slash;
    strcpy(buf, here);
    return 0;
slash:
    snprintf(buf, size, "/");
    return 0;
}

/* Make sure descriptors 0-2 are open, so that no socket or log file lands there. */
static void ensure_stdio(void)
{
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        int nfd = open("/dev/null", O_RDWR);
        if (nfd >= 0 && nfd != fd) /* cannot happen: open takes the lowest free number */
            close(nfd);
    }
}

/* Open the log destination of --log/--log-fd; returns the fd to hand to the children (-1 for
 * stderr, which they inherit anyway), or a negative errno with *@err set. */
static int open_log(const struct rt_opts *o, struct cv_error **err)
{
    if (o->log_path) {
        int fd = open(o->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return cv_error_set(err, errno, "open log file `%s`", o->log_path);
        return fd;
    }
    if (o->log_fd >= 0 && fcntl(o->log_fd, F_GETFD) < 0)
        return cv_error_set(err, errno, "use log fd %d", o->log_fd);
    return o->log_fd;
}

/* Everything `do` needs before starting processes: logs, root and cwd. Returns 0 or a
 * negative errno with *@err set. */
static int prepare(struct rt_opts *o, char *root, char *cwd, int *log_fd, struct cv_error **err)
{
    ensure_stdio();
    if (o->debug)
        g_log_level = LOG_LEVEL_DEBUG;
    int fd = open_log(o, err);
    if (fd < 0 && *err)
        return fd;
    if (fd >= 0)
        cv_log_set_fd(fd);
    *log_fd = fd;

    if (!realpath(o->root, root))
        return cv_error_set(err, errno, "resolve root `%s`", o->root);
    if (!is_dir(root))
        return cv_error_set(err, ENOTDIR, "use root `%s`", o->root);
    for (int i = 0; i < o->nvolumes; i++) {
        char real[PATH_MAX];
        struct rt_volume *v = &o->volumes[i];
        if (!realpath(v->src, real))
            return cv_error_set(err, errno, "resolve volume `%s`", v->src);
        if (!is_dir(real))
            return cv_error_set(err, ENOTDIR, "use volume `%s`", v->src);
        snprintf(v->src, sizeof(v->src), "%s", real);
    }
    return rt_choose_cwd(o, root, cwd, PATH_MAX, err);
}

int rt_cmd_do(int argc, char **argv, struct rt_opts *global)
{
    struct cv_error *err = NULL;
    struct rt_opts o = *global;
    if (rt_do_parse(argc, argv, &o, &err) < 0)
        return cv_error_exit(&err, RT_EXIT_FAILURE);
    if (o.help) {
        fputs(g_do_usage, stdout);
        return 0;
    }
    char root[PATH_MAX], cwd[PATH_MAX];
    int log_fd;
    if (prepare(&o, root, cwd, &log_fd, &err) < 0)
        return cv_error_exit(&err, RT_EXIT_FAILURE);

    sigset_t old_mask;
    int ret = rt_sandbox_block_signals(&old_mask);
    if (ret < 0) {
        cv_error_set(&err, -ret, "block signals");
        return cv_error_exit(&err, RT_EXIT_FAILURE);
    }
    struct rt_sandbox sb;
    if (rt_sandbox_start(&o, root, cwd, log_fd, &old_mask, &sb, &err) < 0)
        return cv_error_exit(&err, RT_EXIT_FAILURE);
    return rt_sandbox_wait(&sb);
}
