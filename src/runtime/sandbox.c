// SPDX-License-Identifier: Apache-2.0
/*
 * Starting and waiting for a sandbox: the gofer and the Sentry (`boot`) are children of the
 * runtime, re-executed from /proc/self/exe as runsc does, connected by a SOCK_SEQPACKET
 * socketpair. The runtime then sleeps in sigwaitinfo() until the Sentry exits, forwarding the
 * signals it is sent; no polling anywhere, so start-up costs two fork+exec. The Sentry starts
 * in new namespaces (SENTRY_NAMESPACES, docs/security.md), as the init of its pid namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/cgroup_mem.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/runtime.h"

#define SELF_EXE "/proc/self/exe"

/* Signals sent to the runtime that it passes on to the Sentry. */
static const int g_forwarded[] = {SIGINT,  SIGTERM, SIGHUP,   SIGQUIT,
                                  SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

/* The namespaces the Sentry starts in (docs/security.md). The user namespace is created
 * first by the kernel and owns the others. */
#define SENTRY_NAMESPACES                                                                          \
    (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |     \
     CLONE_NEWCGROUP)

/* The runtime's ids, for the child's user namespace map. */
static uid_t g_host_uid;
static gid_t g_host_gid;

/* Most arguments a child command line can have besides the app's command. */
#define CHILD_ARGS_MAX 24

static void forwarded_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGCHLD);
    for (size_t i = 0; i < ARRAY_SIZE(g_forwarded); i++)
        sigaddset(set, g_forwarded[i]);
}

int rt_sandbox_block_signals(sigset_t *old)
{
    sigset_t set;
    forwarded_set(&set);
    /* An inherited SIG_IGN for SIGCHLD would make the children auto-reap (no status). */
    signal(SIGCHLD, SIG_DFL);
    if (sigprocmask(SIG_BLOCK, &set, old) < 0)
        return -errno;
    return 0;
}

/* Mark every descriptor from 3 up close-on-exec (stray ones inherited from our caller must
 * not reach the Sentry), then clear the flag on the @nkeep descriptors of @keep. */
static int child_prepare_fds(const int *keep, int nkeep)
{
    /* ENOSYS/EINVAL on kernels before 5.11: the strays then stay, as with most runtimes. */
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    for (int i = 0; i < nkeep; i++)
        if (keep[i] >= 0 && fcntl(keep[i], F_SETFD, 0) < 0)
            return -errno;
    return 0;
}

/* Write @text to the file @path. Returns 0 or -1 with errno set. */
static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len);
    int err = errno;
    close(fd);
    if (n != (ssize_t)len) {
        errno = n < 0 ? err : EIO;
        return -1;
    }
    return 0;
}

/*
 * In a child in a new user namespace: map our (host) uid and gid to 0, the only mapping an
 * unprivileged process may write for itself; setgroups must be denied first for gid_map.
 * The ids are the ones of the parent namespace, still readable before the map exists.
 */
static int map_ids(void)
{
    char buf[64];
    if (write_file("/proc/self/setgroups", "deny") < 0)
        return -1;
    snprintf(buf, sizeof(buf), "0 %u 1\n", (unsigned)g_host_uid);
    if (write_file("/proc/self/uid_map", buf) < 0)
        return -1;
    snprintf(buf, sizeof(buf), "0 %u 1\n", (unsigned)g_host_gid);
    return write_file("/proc/self/gid_map", buf);
}

/*
 * In the forked child: die with the runtime, set up descriptors and the signal mask, and
 * exec @argv from /proc/self/exe. Never returns. Only async-signal-safe calls are needed
 * (the runtime is single-threaded anyway).
 */
static _Noreturn void child_exec(char **argv, const int *keep, int nkeep,
                                 const sigset_t *child_mask, pid_t parent, bool new_session,
                                 bool userns, int wait_fd)
{
    const char *what = "set parent-death signal";
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        goto fail;
    /* The runtime died before prctl took effect. In a pid namespace of its own the child
     * sees no parent (0); it then finds its gofer gone and fails. */
    if (getppid() != parent && !(userns && getppid() == 0))
        _exit(RT_EXIT_FAILURE);
    what = "map the user namespace";
    if (userns && map_ids() < 0)
        goto fail;
    /* The gofer leaves the terminal's process group: ^C must not kill it under the Sentry. */
    what = "create session";
    if (new_session && setsid() < 0)
        goto fail;
    /* The runtime sets up the network namespace (net.c) before the Sentry may look at it. */
    what = "wait for the runtime";
    char go;
    if (wait_fd >= 0 && read(wait_fd, &go, 1) != 1) {
        errno = ECANCELED;
        goto fail;
    }
    what = "set up descriptors";
    int ret = child_prepare_fds(keep, nkeep);
    if (ret < 0) {
        errno = -ret;
        goto fail;
    }
    what = "set signal mask";
    if (sigprocmask(SIG_SETMASK, child_mask, NULL) < 0)
        goto fail;
    what = "exec `" SELF_EXE "`";
    execv(SELF_EXE, argv);
fail:;
    char msg[256];
    int n = snprintf(msg, sizeof(msg), "cvisor: %s %s: %s\n", argv[1], what, strerror(errno));
    if (n > 0) {
        ssize_t r = write(STDERR_FILENO, msg, MIN((size_t)n, sizeof(msg) - 1));
        (void)r;
    }
    _exit(RT_EXIT_FAILURE);
}

/*
 * Fork a child running `cvisor @argv[1]...`, in the new namespaces of @ns_flags (0: none).
 * If @wait_fd >= 0 the child reads one byte from it before it execs. Returns its pid or
 * -errno.
 */
static pid_t spawn(char **argv, const int *keep, int nkeep, const sigset_t *child_mask,
                   bool new_session, unsigned long ns_flags, int wait_fd)
{
    pid_t parent = getpid();
    g_host_uid = geteuid();
    g_host_gid = getegid();
    /* clone() without a stack is fork() with namespace flags (the runtime is single-threaded,
     * so skipping glibc's fork handlers is fine). */
    pid_t pid = (pid_t)syscall(SYS_clone, ns_flags | SIGCHLD, NULL, NULL, NULL, 0);
    if (pid < 0)
        return -errno;
    if (pid == 0)
        child_exec(argv, keep, nkeep, child_mask, parent, new_session,
                   (ns_flags & CLONE_NEWUSER) != 0, wait_fd);
    return pid;
}

/* Append the logging flags shared by both children. */
static int add_log_args(char **args, int n, const struct rt_opts *o, char *fdbuf, int log_fd)
{
    if (o->debug)
        args[n++] = "--debug";
    if (log_fd >= 0) {
        args[n++] = "--log-fd";
        args[n++] = fdbuf;
    }
    return n;
}

/* Start a gofer serving @root on @sock, read-only if @ro. */
static pid_t start_gofer(const struct rt_opts *o, const char *root, bool ro, int sock, int log_fd,
                         const sigset_t *child_mask)
{
    char sockbuf[16], fdbuf[16];
    snprintf(sockbuf, sizeof(sockbuf), "%d", sock);
    snprintf(fdbuf, sizeof(fdbuf), "%d", log_fd);
    char *args[CHILD_ARGS_MAX];
    int n = 0;
    args[n++] = "cvisor";
    args[n++] = "gofer";
    args[n++] = "--root";
    args[n++] = (char *)root;
    args[n++] = "--sock";
    args[n++] = sockbuf;
    /* The root under the overlay and :ro volumes are served read-only. */
    if (ro)
        args[n++] = "--ro";
    n = add_log_args(args, n, o, fdbuf, log_fd);
    args[n] = NULL;
    int keep[] = {sock, log_fd};
    return spawn(args, keep, ARRAY_SIZE(keep), child_mask, true, 0, -1);
}

/* Most bytes of one `--volume FD:DST[:ro]` argument of boot. */
#define VOLUME_ARG_MAX (16 + sizeof(((struct rt_volume *)0)->dst) + 4)

static pid_t start_boot(const struct rt_opts *o, const char *cwd, int sock, const int *vol_socks,
                        int log_fd, const sigset_t *child_mask, int wait_fd)
{
    char sockbuf[16], fdbuf[16], membuf[24];
    snprintf(sockbuf, sizeof(sockbuf), "%d", sock);
    snprintf(fdbuf, sizeof(fdbuf), "%d", log_fd);
    size_t total = CHILD_ARGS_MAX + 2 * (size_t)o->nvolumes + (size_t)o->cmd_argc + 1;
    _cleanup_free_ char **args = calloc(total, sizeof(*args));
    _cleanup_free_ char *volbuf = calloc((size_t)o->nvolumes + 1, VOLUME_ARG_MAX);
    if (!args || !volbuf)
        return -ENOMEM;
    int n = 0;
    args[n++] = "cvisor";
    args[n++] = "boot";
    args[n++] = "--gofer-fd";
    args[n++] = sockbuf;
    args[n++] = "--platform";
    args[n++] = (char *)o->platform;
    args[n++] = "--network";
    args[n++] = (char *)o->network;
    if (o->strace)
        args[n++] = "--strace";
    args[n++] = "--overlay";
    args[n++] = o->overlay ? "memory" : "none";
    /* Read here: the Sentry's cgroup namespace hides its cgroup's path from it. */
    uint64_t limit = cv_cgroup_memory_limit();
    if (limit != UINT64_MAX) {
        snprintf(membuf, sizeof(membuf), "%llu", (unsigned long long)limit);
        args[n++] = "--memory-limit";
        args[n++] = membuf;
    }
    int keep[2 + RT_VOLUMES_MAX] = {sock, log_fd};
    for (int i = 0; i < o->nvolumes; i++) {
        char *v = volbuf + (size_t)i * VOLUME_ARG_MAX;
        snprintf(v, VOLUME_ARG_MAX, "%d:%s%s", vol_socks[i], o->volumes[i].dst,
                 o->volumes[i].ro ? ":ro" : "");
        args[n++] = "--volume";
        args[n++] = v;
        keep[2 + i] = vol_socks[i];
    }
    n = add_log_args(args, n, o, fdbuf, log_fd);
    args[n++] = "--cwd";
    args[n++] = (char *)cwd;
    args[n++] = "--";
    for (int i = 0; i < o->cmd_argc; i++)
        args[n++] = o->cmd[i];
    args[n] = NULL;
    return spawn(args, keep, 2 + o->nvolumes, child_mask, false, SENTRY_NAMESPACES, wait_fd);
}

static void kill_and_reap(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

static void kill_gofers(struct rt_sandbox *sb)
{
    kill_and_reap(sb->gofer_pid);
    sb->gofer_pid = 0;
    kill_and_reap(sb->relay_pid);
    sb->relay_pid = 0;
    for (int i = 0; i < sb->nvolumes; i++) {
        kill_and_reap(sb->volume_pids[i]);
        sb->volume_pids[i] = 0;
    }
}

static void close_pair(int *sv)
{
    for (int i = 0; i < 2; i++) {
        if (sv[i] >= 0)
            close(sv[i]);
        sv[i] = -1;
    }
}

/* Start one gofer per volume; the Sentry's ends go to @vol_socks. */
static int start_volume_gofers(const struct rt_opts *o, int log_fd, const sigset_t *child_mask,
                               struct rt_sandbox *sb, int (*pairs)[2], struct cv_error **err)
{
    for (int i = 0; i < o->nvolumes; i++) {
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pairs[i]) < 0)
            return cv_error_set(err, errno, "create volume socketpair");
        pid_t pid =
            start_gofer(o, o->volumes[i].src, o->volumes[i].ro, pairs[i][1], log_fd, child_mask);
        if (pid < 0)
            return cv_error_set(err, -pid, "start gofer of volume `%s`", o->volumes[i].src);
        sb->volume_pids[sb->nvolumes++] = pid;
        close(pairs[i][1]);
        pairs[i][1] = -1;
    }
    return 0;
}

int rt_sandbox_start(const struct rt_opts *o, const char *root, const char *cwd, int log_fd,
                     const sigset_t *child_mask, struct rt_sandbox *sb, struct cv_error **err)
{
    *sb = (struct rt_sandbox){0};
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return cv_error_set(err, errno, "create gofer socketpair");
    _cleanup_close_ int sentry_sock = sv[0];
    _cleanup_close_ int gofer_sock = sv[1];

    /* The root is written only through the gofer with --overlay=none. */
    pid_t gofer = start_gofer(o, root, o->overlay, gofer_sock, log_fd, child_mask);
    if (gofer < 0)
        return cv_error_set(err, -gofer, "start gofer");
    sb->gofer_pid = gofer;
    int pairs[RT_VOLUMES_MAX][2];
    for (int i = 0; i < RT_VOLUMES_MAX; i++)
        pairs[i][0] = pairs[i][1] = -1;
    int vol_socks[RT_VOLUMES_MAX];
    int ret = start_volume_gofers(o, log_fd, child_mask, sb, pairs, err);
    for (int i = 0; i < o->nvolumes; i++)
        vol_socks[i] = pairs[i][0];
    int go[2] = {-1, -1};
    int pub_fds[RT_PUBLISH_MAX];
    if (ret == 0)
        ret = rt_publish_listen(o, pub_fds, err);
    else
        for (int i = 0; i < o->npublish; i++)
            pub_fds[i] = -1;
    if (ret == 0 && pipe2(go, O_CLOEXEC) < 0)
        ret = cv_error_set(err, errno, "create a pipe");
    pid_t boot =
        ret < 0 ? ret : start_boot(o, cwd, sentry_sock, vol_socks, log_fd, child_mask, go[0]);
    for (int i = 0; i < RT_VOLUMES_MAX; i++)
        close_pair(pairs[i]);
    if (boot >= 0 && rt_net_setup(o, boot, &sb->net, err) < 0) {
        kill_and_reap(boot);
        boot = ret = -EIO;
    }
    if (boot >= 0 && o->npublish) {
        sb->relay_pid = rt_publish_start(o, pub_fds, &sb->net, err);
        if (sb->relay_pid < 0) {
            kill_and_reap(boot);
            boot = ret = sb->relay_pid;
            sb->relay_pid = 0;
        }
    }
    for (int i = 0; i < o->npublish; i++)
        if (pub_fds[i] >= 0)
            close(pub_fds[i]);
    if (boot >= 0 && write(go[1], "g", 1) != 1) {
        kill_and_reap(boot);
        boot = ret = cv_error_set(err, errno, "start sandbox");
    }
    close_pair(go);
    if (boot < 0) {
        kill_gofers(sb);
        return ret < 0 ? ret : cv_error_set(err, -boot, "start sandbox");
    }
    log_debug("started gofer %d and sentry %d (root `%s`, cwd `%s`)", gofer, boot, root, cwd);
    sb->boot_pid = boot;
    sb->tty_saved = tcgetattr(0, &sb->tty) == 0;
    return 0;
}

/* Reap every exited child; note the Sentry's status. Returns true once it has exited. */
static bool reap_children(struct rt_sandbox *sb)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == sb->boot_pid) {
            sb->boot_pid = 0;
            sb->boot_status = status;
        } else if (pid == sb->relay_pid) {
            log_warn("the --publish relay %d exited (status 0x%x)", pid, status);
            sb->relay_pid = 0;
        } else if (pid == sb->gofer_pid) {
            log_debug("gofer %d exited early (status 0x%x)", pid, status);
            sb->gofer_pid = 0;
        } else {
            for (int i = 0; i < sb->nvolumes; i++)
                if (pid == sb->volume_pids[i])
                    sb->volume_pids[i] = 0;
        }
    }
    return sb->boot_pid == 0;
}

int rt_sandbox_wait(struct rt_sandbox *sb)
{
    sigset_t set;
    forwarded_set(&set);
    while (!reap_children(sb)) {
        siginfo_t si;
        int sig = sigwaitinfo(&set, &si);
        if (sig < 0 || sig == SIGCHLD)
            continue; /* EINTR (a stop/continue); or a child changed state */
        /*
         * The terminal sends ^C, ^\, SIGWINCH and hang-ups (si_code SI_KERNEL) to its whole
         * foreground process group, which holds the Sentry too: it already has them.
         * COMPAT: a kill(2) of the whole process group (kill -TERM -PGID) reaches the Sentry
         * both directly and through this forwarding.
         */
        if (si.si_code == SI_KERNEL)
            continue;
        log_debug("forwarding signal %d to sentry %d", sig, sb->boot_pid);
        kill(sb->boot_pid, sig);
    }
    kill_gofers(sb);

    int status = sb->boot_status;
    /* The Sentry puts the terminal in raw mode for its console and restores it when it
     * exits; if it was killed, restore it here. */
    if (sb->tty_saved && WIFSIGNALED(status))
        tcsetattr(0, TCSADRAIN, &sb->tty);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return RT_EXIT_FAILURE;
}
