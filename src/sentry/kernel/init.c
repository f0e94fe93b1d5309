// SPDX-License-Identifier: Apache-2.0
/* Boot's entry into the kernel: create init (pid 1) and wait for the sandbox to finish. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/log.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/task_internal.h"
#include "sentry/platform/platform.h"
#include "sentry/vfs/vfs.h"

static void init_limits(struct thread_group *tg)
{
    for (int r = 0; r < RLIM_NLIMITS; r++)
        getrlimit(r, &tg->rlimits[r]);
    /* The Sentry's own descriptor needs are not the app's: give the app Linux's defaults. */
    tg->rlimits[RLIMIT_NOFILE].rlim_cur = 1024;
    if (tg->rlimits[RLIMIT_NOFILE].rlim_max < 4096)
        tg->rlimits[RLIMIT_NOFILE].rlim_max = 4096;
}

struct init_arg {
    struct task *t;
    const char *cwd;
    const char *path;
    char *const *argv;
    char *const *envp;
};

/* Find @cmd in the PATH of @envp (as runsc do and a shell would), inside the sandbox. */
static int resolve_cmd(struct task *t, const char *cmd, char *const *envp, char *out,
                       size_t size)
{
    if (strchr(cmd, '/')) {
        snprintf(out, size, "%s", cmd);
        return 0;
    }
    const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (char *const *e = envp; e && *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            path = *e + 5;
    char *copy = strdup(path);
    if (!copy)
        return -ENOMEM;
    int ret = -ENOENT;
    for (char *save, *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        snprintf(out, size, "%s/%s", dir, cmd);
        struct linux_stat st;
        if (vfs_fstatat(&t->ctx, NULL, out, 0, &st) == 0 && S_ISREG(st.st_mode)) {
            ret = 0;
            break;
        }
    }
    free(copy);
    return ret;
}

/* The host thread of init: exec the program, then run it. */
static void *init_thread_main(void *arg)
{
    struct init_arg ia = *(struct init_arg *)arg;
    free(arg);
    struct task *t = ia.t;
    g_current = t;
    mm_thread_bind(&t->mmt);
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    cv_lock_site = LOCK_SITE_LOOP;
    kernel_lock();
    if (vfs_chdir(&t->ctx, NULL, ia.cwd) < 0)
        log_warn("cannot change to `%s`; staying in /", ia.cwd);
    static char path[4096];
    int err = resolve_cmd(t, ia.path, ia.envp, path, sizeof(path));
    if (err == 0)
        err = task_execve(t, path, ia.argv, ia.envp);
    if (err < 0) {
        log_error("cannot execute `%s`: %s", ia.path, strerror(-err));
        dprintf(2, "cvisor: exec `%s`: %s\n", ia.path, strerror(-err));
        t->exit_code = err == -ENOENT ? 127 : 126;
        task_exit_now(t);
    }
    task_run(t);
}

int task_start_init(const char *cwd, const char *path, char *const *argv, char *const *envp,
                    struct fdtable *fdt, struct fs_context *fs, const struct cred *cred)
{
    kernel_lock();
    struct task *t;
    struct init_arg *ia = malloc(sizeof(*ia));
    struct thread_group *tg;
    int err = ia ? task_alloc(&t) : -ENOMEM;
    if (err == 0)
        err = tg_alloc(t, &tg);
    if (err < 0)
        goto out;
    task_set_tg(t, tg);
    tg->pgid = tg->sid = tg->pid;
    tg->sighand = sighand_new();
    init_limits(tg);
    g_kernel.init_tg = tg;
    if (g_kernel.attach_console)
        g_kernel.attach_console(tg);
    t->fdt = fdt;
    t->ctx.fs = fs;
    t->ctx.cred = cred;
    t->altstack.ss_flags = LINUX_SS_DISABLE;
    task_link(t);
    *ia = (struct init_arg){.t = t, .cwd = cwd, .path = path, .argv = argv, .envp = envp};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    ia->t = task_ref(t); /* the host thread's, dropped by task_exit_now */
    err = -pthread_create(&t->thread, &attr, init_thread_main, ia);
    pthread_attr_destroy(&attr);
    if (err < 0)
        task_unref(t); /* boot fails; nothing else is left to tidy */
out:
    kernel_unlock();
    return err;
}

int kernel_wait_all(void)
{
    kernel_lock();
    while (g_kernel.nr_tasks > 0)
        kernel_cond_wait(&g_kernel.all_exited);
    int st = g_kernel.exit_status;
    kernel_unlock();
    return st;
}
