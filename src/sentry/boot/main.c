// SPDX-License-Identifier: Apache-2.0
/*
 * `cvisor boot`: the Sentry process. Sets up the memory file, the platform, the syscall
 * table and the mount tree (the gofer root under the in-memory overlay, or writable with
 * --overlay none; tmpfs /tmp and /dev/shm, devfs, procfs, sysfs, then the gofer volumes),
 * then starts init and waits for the sandbox to finish. Its exit code is the app's.
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
#include "sentry/auth/cred.h"
#include "sentry/boot/boot.h"
#include "sentry/boot/boot_internal.h"
#include "sentry/boot/console.h"
#include "sentry/fs/anon/inotify.h"
#include "sentry/fs/dev/devfs.h"
#include "sentry/fs/devpts/devpts.h"
#include "sentry/fs/gofer/client.h"
#include "sentry/fs/gofer/goferfs.h"
#include "sentry/fs/host/hostfd.h"
#include "sentry/fs/overlay/overlay.h"
#include "sentry/fs/pipe/pipe.h"
#include "sentry/fs/proc/procfs.h"
#include "sentry/fs/sys/sysfs.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/meminfo.h"
#include "sentry/kernel/task_internal.h"
#include "sentry/kernel/timer.h"
#include "sentry/loader/loader.h"
#include "sentry/loader/vdso.h"
#include "sentry/memfile/memfile.h"
#include "sentry/mm/mm.h"
#include "sentry/net/inet.h"
#include "sentry/platform/platform.h"
#include "sentry/strace/strace.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/time/timekeeper.h"
#include "sentry/vfs/vfs.h"

/* Most --volume flags. */
#define BOOT_VOLUMES_MAX 32

/* A volume: a gofer connection mounted at @dst. */
struct boot_volume {
    int fd;
    const char *dst;
    bool ro;
};

struct boot_opts {
    int gofer_fd;
    bool overlay; /* --overlay memory (default): the root under an in-memory upper layer */
    struct boot_volume volumes[BOOT_VOLUMES_MAX];
    int nvolumes;
    const char *platform;
    const char *network; /* --network: sandbox (default) or none */
    const char *cwd;
    bool strace;
    bool debug;
    int log_fd;
    uint64_t memory_limit; /* --memory-limit: the runtime's cgroup limit (UINT64_MAX: none) */
    char **argv;
};

/* Parse `FD:DST[:ro]` (the runtime's form of a volume; DST is absolute). Returns 0 or -1. */
static int parse_volume(char *arg, struct boot_volume *v)
{
    char *end;
    long fd = strtol(arg, &end, 10);
    if (end == arg || *end != ':' || fd < 0 || fd > INT32_MAX || end[1] != '/')
        return -1;
    v->fd = (int)fd;
    v->dst = end + 1;
    v->ro = false;
    size_t len = strlen(v->dst);
    if (len > 3 && strcmp(v->dst + len - 3, ":ro") == 0) {
        end[1 + len - 3] = '\0';
        v->ro = true;
    }
    return 0;
}

static int parse(int argc, char **argv, struct boot_opts *o)
{
    static const struct option longopts[] = {
        {"gofer-fd", required_argument, NULL, 'g'},
        {"platform", required_argument, NULL, 'p'},
        {"network", required_argument, NULL, 'n'},
        {"cwd", required_argument, NULL, 'c'},
        {"strace", no_argument, NULL, 's'},
        {"debug", no_argument, NULL, 'd'},
        {"log-fd", required_argument, NULL, 'l'},
        {"overlay", required_argument, NULL, 'o'},
        {"volume", required_argument, NULL, 'v'},
        {"memory-limit", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct boot_opts){.gofer_fd = -1,
                            .platform = "ptrace",
                            .network = "sandbox",
                            .cwd = "/",
                            .log_fd = 2,
                            .overlay = true,
                            .memory_limit = UINT64_MAX};
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
        case 'n':
            o->network = optarg;
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
        case 'o':
            if (strcmp(optarg, "memory") != 0 && strcmp(optarg, "none") != 0)
                return -EINVAL;
            o->overlay = strcmp(optarg, "memory") == 0;
            break;
        case 'v':
            if (o->nvolumes == BOOT_VOLUMES_MAX || parse_volume(optarg, &o->volumes[o->nvolumes]))
                return -EINVAL;
            o->nvolumes++;
            break;
        case 'm':
            o->memory_limit = strtoull(optarg, NULL, 10);
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

/* Mount each volume's gofer at its destination (after the root and the fixed mounts). */
static int mount_volumes(const struct boot_opts *o)
{
    for (int i = 0; i < o->nvolumes; i++) {
        const struct boot_volume *v = &o->volumes[i];
        struct gofer_client *c;
        int err = gofer_client_new(v->fd, &c);
        if (err == 0)
            err = vfs_mount_at(v->dst, v->ro ? "goferfs-shared" : "goferfs-rw-shared", c, 0);
        if (err < 0) {
            fprintf(stderr, "cvisor: mount volume at `%s`: %s\n", v->dst, strerror(-err));
            return err;
        }
    }
    return 0;
}

static int mount_all(const struct boot_opts *o, struct gofer_client *gc)
{
    int err;
    if ((err = tmpfs_register()) < 0 || (err = goferfs_register()) < 0 ||
        (err = overlay_register()) < 0 || (err = devfs_register()) < 0 ||
        (err = sysfs_register()) < 0 || (err = procfs_register()) < 0 ||
        (err = devpts_register()) < 0)
        return err;
    pipe_register_fifo();
    inotify_init_hooks();
    if ((err = vfs_mount_root(o->overlay ? "overlay" : "goferfs-rw", gc)) < 0)
        return err;
    /* The options a container engine gives these mounts (Docker's defaults). */
    const unsigned long nse = MNT_NOSUID | MNT_NODEV | MNT_NOEXEC;
    if ((err = vfs_mount_at("/dev", "devfs", NULL, MNT_NOSUID)) < 0)
        return err;
    if ((err = vfs_mount_at("/dev/pts", "devpts", NULL, MNT_NOSUID | MNT_NOEXEC)) < 0)
        return err;
    if ((err = vfs_mount_at("/dev/shm", "tmpfs", NULL, nse)) < 0)
        return err;
    if ((err = vfs_mount_at("/tmp", "tmpfs", NULL, 0)) < 0)
        return err;
    /* A root without /sys (--root of a minimal tree) simply goes without. */
    if ((err = vfs_mount_at("/sys", "sysfs", NULL, nse)) < 0 && err != -ENOENT)
        return err;
    if ((err = vfs_mount_at("/proc", "proc", NULL, nse)) < 0)
        return err;
    return mount_volumes(o);
}

/* The app's descriptors 0-2: the ones the runtime gave us, or the console's terminal for
 * those that are the host terminal. */
static int stdio_fdtable(struct fdtable **out)
{
    int err = fdtable_new(out);
    for (int fd = 0; err == 0 && fd < 3; fd++) {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0)
            continue;
        struct file *f = console_stdio_file(fd);
        if (!f && (err = hostfd_file_new(fd, (uint32_t)fl, &f)) < 0)
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

/* Names of the lock statistics' syscall sites. */
static const char *lock_site_name(int nr)
{
    return syscall_name((uint64_t)nr);
}

int boot_main(int argc, char **argv)
{
    struct boot_opts o;
    if (parse(argc, argv, &o) < 0) {
        fprintf(stderr, "usage: cvisor boot --gofer-fd FD [--overlay memory|none] "
                        "[--volume FD:DST[:ro]]... [--platform P] [--network M] [--cwd DIR] "
                        "[--memory-limit BYTES] [--strace] [--debug] [--log-fd N] "
                        "-- CMD [ARGS...]\n");
        return 125;
    }
    /* The app's descriptors 0-2 are the runtime's (stdio_fdtable) and the host closes them
     * when the app closes them; the Sentry logs through a descriptor of its own, so that its
     * later lines are neither lost nor written into whatever host file takes the number. */
    int log_fd = o.log_fd < 3 ? fcntl(o.log_fd, F_DUPFD_CLOEXEC, 3) : o.log_fd;
    cv_log_set_fd(log_fd >= 0 ? log_fd : o.log_fd);
    cv_log_set_name("sentry");
    cv_lock_site = LOCK_SITE_BOOT;
    klock_stat_init();
    if (o.debug)
        g_log_level = LOG_LEVEL_DEBUG;
    g_kernel.strace = o.strace;
    g_kernel.dispatch = syscall_dispatch;
    g_kernel.dispatch_unlocked = syscall_dispatch_unlocked;
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
    mm_capture_host_vsyscall();
    /* Single-threaded still, but the code below asserts the lock its callers hold: boot holds
     * it while it builds the kernel's state (a failure exits with it held). */
    memfile_set_lock(&g_kernel_lock);
    kernel_lock();
    if ((err = kernel_meminfo_init(o.memory_limit)) < 0) {
        fprintf(stderr, "cvisor: read the host's memory size: %s\n", strerror(-err));
        return 125;
    }
    if ((err = timekeeper_init()) < 0 || (err = vdso_init()) < 0) {
        fprintf(stderr, "cvisor: set up the vDSO and its time page: %s\n", strerror(-err));
        return 125;
    }
    syscalls_init();
    vfs_init();
    procfs_set_net_hook(inet_proc_net_text);
    if ((err = inet_init(o.network)) < 0) {
        fprintf(stderr, "cvisor: start the network stack (--network=%s): %s\n", o.network,
                strerror(-err));
        return 125;
    }
    struct gofer_client *gc;
    if ((err = gofer_client_new(o.gofer_fd, &gc)) == 0)
        err = mount_all(&o, gc);
    if (err < 0) {
        fprintf(stderr, "cvisor: mount the root filesystem: %s\n", strerror(-err));
        return 125;
    }
    kernel_unlock(); /* the console takes it itself */
    console_init();
    kernel_lock();
    struct fdtable *fdt;
    struct fs_context *fs;
    struct cred *cred = cred_new_init(0, 0, 0);
    err = cred ? stdio_fdtable(&fdt) : -ENOMEM;
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
    if ((err = task_start_init(o.cwd, o.argv[0], o.argv, environ, fdt, fs, cred)) < 0) {
        fprintf(stderr, "cvisor: start `%s`: %s\n", o.argv[0], strerror(-err));
        return 125;
    }
    console_start();
    int status = kernel_wait_all();
    log_debug("init exited, wait status %#x", status);
    console_finish();
    klock_stat_print(cv_log_fd(), lock_site_name);
    return exit_code_of(status);
}
