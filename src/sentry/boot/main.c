// SPDX-License-Identifier: Apache-2.0
/*
 * `cvisor boot`: the Sentry process. Sets up the memory file, the platform, the syscall
 * table and the mount tree (gofer root, tmpfs /tmp and /dev/shm, devfs, procfs), then starts
 * init and waits for the sandbox to finish. Its exit code is the app's.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "sentry/boot/boot.h"
#include "sentry/boot/boot_internal.h"
#include "sentry/fs/dev/devfs.h"
#include "sentry/fs/gofer/client.h"
#include "sentry/fs/gofer/goferfs.h"
#include "sentry/fs/host/hostfd.h"
#include "sentry/fs/pipe/pipe.h"
#if __has_include("sentry/fs/proc/procfs.h")
#include "sentry/fs/proc/procfs.h"
#define HAVE_PROCFS 1
#endif
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/task_internal.h"
#include "sentry/kernel/timer.h"
#include "sentry/loader/loader.h"
#include "sentry/memfile/memfile.h"
#include "sentry/platform/platform.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/vfs.h"

struct boot_opts {
    int gofer_fd;
    const char *platform;
    const char *cwd;
    bool strace;
    bool debug;
    int log_fd;
    char **argv;
};

static int parse(int argc, char **argv, struct boot_opts *o)
{
    static const struct option longopts[] = {
        {"gofer-fd", required_argument, NULL, 'g'},
        {"platform", required_argument, NULL, 'p'},
        {"cwd", required_argument, NULL, 'c'},
        {"strace", no_argument, NULL, 's'},
        {"debug", no_argument, NULL, 'd'},
        {"log-fd", required_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct boot_opts){.gofer_fd = -1, .platform = "ptrace", .cwd = "/", .log_fd = 2};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        switch (c) {
        case 'g':
            o->gofer_fd = atoi(optarg);
            break;
        case 'p':
            o->platform = optarg;
            break;
        case 'c':
            o->cwd = optarg;
            break;
        case 's':
            o->strace = true;
            break;
        case 'd':
            o->debug = true;
            break;
        case 'l':
            o->log_fd = atoi(optarg);
            break;
        default:
            return -EINVAL;
        }
    }
    if (optind >= argc || o->gofer_fd < 0)
        return -EINVAL;
    o->argv = argv + optind;
    return 0;
}

static int mount_all(struct gofer_client *gc)
{
    int err;
    if ((err = tmpfs_register()) < 0 || (err = goferfs_register()) < 0 ||
        (err = devfs_register()) < 0)
        return err;
#ifdef HAVE_PROCFS
    if ((err = procfs_register()) < 0)
        return err;
#endif
    pipe_register_fifo();
    if ((err = vfs_mount_root("goferfs", gc)) < 0)
        return err;
    if ((err = vfs_mount_at("/dev", "devfs", NULL, 0)) < 0)
        return err;
    if ((err = vfs_mount_at("/dev/shm", "tmpfs", NULL, 0)) < 0)
        return err;
    if ((err = vfs_mount_at("/tmp", "tmpfs", NULL, 0)) < 0)
        return err;
#ifdef HAVE_PROCFS
    return vfs_mount_at("/proc", "proc", NULL, 0);
#else
    return 0;
#endif
}

/* The app's descriptors 0-2: the ones the runtime gave us. */
static int stdio_fdtable(struct fdtable **out)
{
    int err = fdtable_new(out);
    for (int fd = 0; err == 0 && fd < 3; fd++) {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0)
            continue;
        struct file *f;
        if ((err = hostfd_file_new(fd, (uint32_t)fl, &f)) < 0)
            break;
        err = fdtable_install_at(*out, fd, f, 0);
        file_unref(f);
    }
    return err;
}

static int exit_code_of(int status)
{
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

int boot_main(int argc, char **argv)
{
    struct boot_opts o;
    if (parse(argc, argv, &o) < 0) {
        fprintf(stderr, "usage: cvisor boot --gofer-fd FD [--platform P] [--cwd DIR] "
                        "[--strace] [--debug] [--log-fd N] -- CMD [ARGS...]\n");
        return 125;
    }
    cv_log_set_fd(o.log_fd);
    cv_log_set_name("sentry");
    if (o.debug)
        g_log_level = LOG_LEVEL_DEBUG;
    g_kernel.strace = o.strace;
    g_kernel.dispatch = syscall_dispatch;
    g_kernel.load = loader_load;
    g_kernel.boot_ns = kernel_now_ns();
    signal(SIGPIPE, SIG_IGN);
    sentry_init_signals();

    int err;
    if ((err = platform_select(o.platform)) < 0) {
        fprintf(stderr, "cvisor: platform `%s`: not supported\n", o.platform);
        return 125;
    }
    /* Everything that needs the host's file system or a capability comes first: the memory
     * file, the gofer connection, the mounts (procfs reads the host's /proc/cpuinfo) and the
     * names of the stdio descriptors. */
    if ((err = memfile_init()) < 0) {
        fprintf(stderr, "cvisor: create the memory file: %s\n", strerror(-err));
        return 125;
    }
    syscalls_init();
    vfs_init();
    struct gofer_client *gc;
    if ((err = gofer_client_new(o.gofer_fd, &gc)) < 0 || (err = mount_all(gc)) < 0) {
        fprintf(stderr, "cvisor: mount the root filesystem: %s\n", strerror(-err));
        return 125;
    }
    struct fdtable *fdt;
    struct fs_context *fs;
    kernel_lock();
    err = stdio_fdtable(&fdt);
    if (err == 0)
        err = fs_context_new_root(&fs);
    kernel_unlock();
    if (err < 0) {
        fprintf(stderr, "cvisor: set up init: %s\n", strerror(-err));
        return 125;
    }
    /* Single-threaded still: capabilities are per thread (docs/security.md). */
    if ((err = sentry_confine()) < 0) {
        fprintf(stderr, "cvisor: confine the sentry: %s\n", strerror(-err));
        return 125;
    }
    if ((err = g_platform->init(memfile_fd())) < 0) {
        fprintf(stderr, "cvisor: start platform `%s`: %s\n", o.platform, strerror(-err));
        return 125;
    }
    timer_init();
    /* The seccomp filter goes on every thread before the first line of app code runs. */
    if ((err = sentry_filter_install()) < 0) {
        fprintf(stderr, "cvisor: install the seccomp filter: %s\n", strerror(-err));
        return 125;
    }
    sentry_filter_test_trigger();

    extern char **environ;
    if ((err = task_start_init(o.cwd, o.argv[0], o.argv, environ, fdt, fs)) < 0) {
        fprintf(stderr, "cvisor: start `%s`: %s\n", o.argv[0], strerror(-err));
        return 125;
    }
    return exit_code_of(kernel_wait_all());
}
