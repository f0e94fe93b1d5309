// SPDX-License-Identifier: Apache-2.0
/*
 * The Sentry leaves the host's file system and its privileges. The runtime started it in new
 * user, mount, pid, network, IPC, UTS and cgroup namespaces; here it takes an empty root and
 * drops every capability it holds in its user namespace.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "common/confine.h"
#include "common/log.h"
#include "sentry/boot/boot_internal.h"

/* pthread_exit() unwinds the thread's stack with libgcc_s, which glibc dlopen()s the first time
 * a thread exits that way: after the pivot the library is gone and open(2) is forbidden, so
 * one thread exits that way now and leaves the library loaded. */
static void *exit_at_once(void *arg)
{
    pthread_exit(arg);
}

static int preload_unwinder(void)
{
    pthread_t th;
    int err = pthread_create(&th, NULL, exit_at_once, NULL);
    if (err == 0)
        err = pthread_join(th, NULL);
    return -err;
}

int sentry_confine(void)
{
    int err = preload_unwinder();
    if (err < 0)
        return err;
    /*
     * Started by the runtime we are pid 1 of new namespaces, and our mount namespace, owned
     * by a new user namespace, only receives propagation from the host's (the kernel made
     * its shared mounts slaves). `cvisor boot` started by hand gets a private one of its own
     * instead, so that it never changes the host's mounts.
     */
    if (getpid() != 1) {
        if (unshare(CLONE_NEWNS) < 0)
            return -errno;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
            return -errno;
    }
    const char *dir = cv_staging_dir();
    if (mount("cvisor-root", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "size=4k,nr_inodes=1,mode=0555") < 0)
        return -errno;
    err = cv_pivot_into(dir);
    if (err < 0)
        return err;
    return cv_caps_limit(0);
}

/* A signal whose default action would have ended the Sentry: end it as the runtime reports a
 * death by that signal (128 + N). */
static void die_by_signal(int sig)
{
    _exit(128 + sig);
}

void sentry_init_signals(void)
{
    /*
     * The Sentry is the init of its pid namespace, and the kernel never delivers a signal with
     * the default action to an init (from the runtime's forwarding, the terminal or kill(1)),
     * so each one that used to end the Sentry gets a handler that does it.
     * COMPAT: the runtime sees exit status 128+N instead of a death by signal N (its own exit
     * code is the same); stop signals (SIGTSTP...) no longer stop the Sentry.
     */
    static const int fatal[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,   SIGUSR1, SIGUSR2,
                                SIGALRM, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGPWR};
    struct sigaction sa = {.sa_handler = die_by_signal};
    sigfillset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
        struct sigaction old;
        /* Keep what the runtime set up for us: an ignored signal stays ignored. */
        if (sigaction(fatal[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(fatal[i], &sa, NULL);
    }
}
