// SPDX-License-Identifier: Apache-2.0
/*
 * The Sentry's host seccomp filter: the exact list of host system calls the Sentry (and the
 * ptrace platform's stub processes it clones, which inherit the filter) may make once the app
 * runs. Rules marked PTRACE_ONLY serve the ptrace platform alone and are left out on systrap,
 * whose template stub is forked before the filter exists and whose Sentry side needs no call
 * of its own beyond the common ones (futex, tgkill, sendmsg/recvmsg, ppoll, read). Anything
 * else kills the whole Sentry process (SCMP_ACT_KILL_PROCESS), and with it the sandbox.
 * Installed on every thread at once (TSYNC) by boot_main after start-up, before init runs.
 */
#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "sentry/boot/boot_internal.h"
#include "sentry/net/lwip/link.h"
#include "sentry/platform/platform.h"

/* An allowed call; its arguments are not looked at. */
#define ALLOW(nr)                                                                                  \
    {                                                                                              \
        SCMP_SYS(nr), -1, 0, 0, false                                                              \
    }
/* Allowed only when argument @arg equals @val. */
#define ALLOW_EQ(nr, arg, val)                                                                     \
    {                                                                                              \
        SCMP_SYS(nr), (arg), (uint64_t)(val), 0, false                                             \
    }

struct rule {
    int nr;
    int arg;          /* -1: any arguments */
    uint64_t val;     /* the value argument @arg must equal */
    int err;          /* non-zero: fail with this errno instead of allowing */
    bool ptrace_only; /* only with the ptrace platform */
};

/* A rule of the ptrace platform alone. */
#define PTRACE_ONLY(nr, arg, val)                                                                  \
    {                                                                                              \
        SCMP_SYS(nr), (arg), (uint64_t)(val), 0, true                                              \
    }

/* glibc's pthread_create: clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|
 * CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID). */
#define CLONE_PTHREAD                                                                              \
    (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |            \
     CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)
/* The ptrace platform's injected clone of an app thread inside a stub (ptrace.c). */
#define CLONE_STUB_THREAD                                                                          \
    (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)

static const struct rule g_rules[] = {
    /* Memory: malloc, thread stacks, and the memory file mapped into the Sentry and (injected)
     * into stubs. */
    ALLOW(mmap),     /* malloc, stacks; memory-file windows; injected into stubs */
    ALLOW(munmap),   /* the reverse; also the stub sheds the Sentry's mappings at start */
    ALLOW(mprotect), /* thread stack guards; injected into stubs for the app's mprotect */
    ALLOW(mremap),   /* realloc of large blocks; mm's mremap of Sentry-side windows */
    ALLOW(madvise),  /* malloc trimming; MADV_DONTNEED of memory-file ranges */
    ALLOW(brk),      /* malloc's main arena */
    /* Threads and processes. */
    ALLOW_EQ(clone, 0, CLONE_PTHREAD),        /* task, poller and spawner threads */
    PTRACE_ONLY(clone, 0, CLONE_STUB_THREAD), /* injected: a new app thread in a stub */
    PTRACE_ONLY(clone, 0, SIGCHLD),           /* the spawner forks a new stub process */
    {SCMP_SYS(clone3), -1, 0, ENOSYS, false}, /* arguments in memory: glibc falls back to clone */
    ALLOW(set_robust_list),                   /* glibc, in every new thread */
    ALLOW(rseq),                     /* glibc registers new threads; the spawner drops it */
    ALLOW(exit),                     /* a thread ends; injected to end a stub thread */
    ALLOW(exit_group),               /* the Sentry ends with the app's status */
    ALLOW(futex),                    /* pthread mutexes and condition variables */
    ALLOW(sched_yield),              /* lock back-off */
    ALLOW_EQ(membarrier, 0, 1),      /* MEMBARRIER_CMD_GLOBAL: the app's membarrier */
    ALLOW(sched_getaffinity),        /* CPU affinity reported to the app */
    ALLOW(sched_setaffinity),        /* stub threads bound to their tracer's CPU */
    ALLOW(getcpu),                   /* sched_getcpu() when the vDSO is not used */
    ALLOW(getpid),                   /* logging; the stub stops itself with kill */
    ALLOW(gettid),                   /* logging, glibc internals */
    PTRACE_ONLY(ptrace, -1, 0),      /* the ptrace platform runs the app's stubs */
    PTRACE_ONLY(wait4, -1, 0),       /* stub stops and deaths */
    PTRACE_ONLY(waitid, -1, 0),      /* same, through waitid */
    ALLOW(kill),                     /* SIGKILL/SIGCONT of stubs; the stub's SIGSTOP */
    ALLOW(tgkill),                   /* interrupting a stub thread; raise() */
    ALLOW(tkill),                    /* glibc's pthread_kill fallback */
    PTRACE_ONLY(pause, -1, 0),       /* the stub's idle loop */
    PTRACE_ONLY(close_range, -1, 0), /* the stub sheds the Sentry's descriptors */
    PTRACE_ONLY(seccomp, 0, SECCOMP_SET_MODE_FILTER), /* a new stub narrows its filter */
    PTRACE_ONLY(prctl, 0, PR_SET_PDEATHSIG),          /* stubs die with the Sentry */
    ALLOW_EQ(prctl, 0, PR_SET_NAME),                  /* glibc/pthread_setname_np */
    /* Signals of the Sentry's own threads. */
    ALLOW(rt_sigprocmask), /* threads block every signal; the stub unblocks them */
    ALLOW(rt_sigaction),   /* glibc internals (abort) */
    ALLOW(rt_sigreturn),   /* return from the Sentry's signal handlers */
    ALLOW(sigaltstack),    /* glibc thread exit */
    /* Time. */
    ALLOW(clock_gettime),     /* when the vDSO cannot answer (CPU clocks of stubs) */
    ALLOW(clock_getres),      /* clock_getres(2) of the app */
    ALLOW(gettimeofday),      /* vDSO fallback; also an app's vsyscall (ptrace.c) */
    PTRACE_ONLY(time, -1, 0), /* an app's vsyscall: stacked with the ptrace stub's filter,
                                 whose trap must not be overruled by a kill here (systrap's
                                 stubs come from a template without this filter) */
    ALLOW(clock_nanosleep),   /* pthread_cond_timedwait fallback, nanosleep */
    ALLOW(nanosleep),         /* same */
    /* The kernel's own way of resuming a timed sleep (nanosleep, poll, futex with a relative
     * timeout) that a stop/continue or a signal interrupted: it only continues a call this
     * list already allowed. Without it a Sentry stopped and continued (job control on the
     * host terminal) died with SIGSYS. */
    ALLOW(restart_syscall),
    /* I/O on descriptors the Sentry already holds (stdio, memory file, gofer socket and files
     * the gofer donated); no call that names a host path is here. */
    ALLOW(read),                            /* host files and the terminal */
    ALLOW(write),                           /* same; the log */
    ALLOW(pread64),                         /* donated files */
    ALLOW(pwrite64),                        /* donated files */
    ALLOW(readv),                           /* vectored I/O on host files */
    ALLOW(writev),                          /* same */
    ALLOW(preadv),                          /* donated files */
    ALLOW(pwritev),                         /* donated files */
    ALLOW(preadv2),                         /* glibc's preadv may use it */
    ALLOW(pwritev2),                        /* glibc's pwritev may use it */
    ALLOW(lseek),                           /* host files */
    ALLOW(fstat),                           /* host files */
    ALLOW_EQ(newfstatat, 3, AT_EMPTY_PATH), /* glibc's fstat: only of a descriptor itself */
    ALLOW(fstatfs),                         /* statfs of host files */
    ALLOW(close),                           /* every descriptor */
    ALLOW(dup),                             /* host descriptors shared by files */
    ALLOW(fcntl),                           /* status flags, close-on-exec */
    ALLOW(fallocate),                       /* punching holes in the memory file */
    ALLOW(ftruncate),                       /* growing the memory file */
    ALLOW(fsync),                           /* fsync of donated files */
    ALLOW(fdatasync),                       /* fdatasync of donated files */
    ALLOW(recvmsg),                         /* gofer replies with donated descriptors */
    ALLOW(sendmsg),                         /* gofer requests */
    ALLOW(poll),                            /* waiting on host descriptors */
    ALLOW(ppoll),                           /* same */
    ALLOW(epoll_create1),                   /* the host poller */
    ALLOW(epoll_ctl),                       /* same */
    ALLOW(epoll_wait),                      /* same */
    ALLOW(epoll_pwait),                     /* same, through glibc */
    ALLOW(eventfd2),                        /* waking the host poller and the console pump */
    ALLOW(signalfd4),                       /* the console pump reads SIGWINCH */
    /* Terminal requests the Sentry forwards to a host terminal (fs/host/tty.c). */
    ALLOW_EQ(ioctl, 1, TCGETS),
    ALLOW_EQ(ioctl, 1, TCSETS),
    ALLOW_EQ(ioctl, 1, TCSETSW),
    ALLOW_EQ(ioctl, 1, TCSETSF),
    ALLOW_EQ(ioctl, 1, TCGETS2),
    ALLOW_EQ(ioctl, 1, TCSETS2),
    ALLOW_EQ(ioctl, 1, TCSETSW2),
    ALLOW_EQ(ioctl, 1, TCSETSF2),
    ALLOW_EQ(ioctl, 1, TIOCGWINSZ),
    ALLOW_EQ(ioctl, 1, TIOCSWINSZ),
    ALLOW_EQ(ioctl, 1, TIOCOUTQ),
    ALLOW_EQ(ioctl, 1, TIOCGETD),
    ALLOW_EQ(ioctl, 1, TCFLSH),
    ALLOW_EQ(ioctl, 1, TCXONC),
    ALLOW_EQ(ioctl, 1, TCSBRK),
    ALLOW_EQ(ioctl, 1, TCSBRKP),
    ALLOW_EQ(ioctl, 1, FIONREAD),
    /* Host facts. */
    ALLOW(getrandom), /* the app's getrandom and AT_RANDOM */
    ALLOW(sysinfo),   /* sysinfo(2) and /proc/meminfo */
    ALLOW(prlimit64), /* getrlimit */
    ALLOW(getrlimit), /* same */
    /* glibc's free() reads /proc/sys/vm/overcommit_memory once, when it first shrinks a thread
     * arena; failing the open makes it fall back to MADV_DONTNEED. Never executed. */
    {SCMP_SYS(openat), -1, 0, ENOENT, false},
    {SCMP_SYS(open), -1, 0, ENOENT, false},
#ifdef __SANITIZE_ADDRESS__
    /* Only in the sanitized test build (cvisor-asan, tests/lib/san_options.c), for a report:
     * the sanitizer runtime reads /proc/self/exe's name (let that fail: reports then give
     * module offsets) and, before it prints memory around a bad address, checks that it is
     * readable by writing it into a pipe of its own. */
    {SCMP_SYS(readlink), -1, 0, ENOENT, false},
    ALLOW(pipe2),
#endif
};

/*
 * ---- Networking: the link (docs/network.md, docs/security.md) ----
 * For each AF_PACKET socket of a link (opened at boot, net/lwip/link.c), exactly the two calls
 * that move its frames, each only on that descriptor number and only with MSG_DONTWAIT: the
 * Sentry opens no socket and makes no other call on these descriptors after boot (poll, above,
 * waits on them).
 */
static int add_link_rules(scmp_filter_ctx ctx)
{
    int fds[LINK_MAX];
    int n = link_fds(fds, LINK_MAX);
    int err = 0;
    for (int i = 0; err == 0 && i < n; i++) {
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvmmsg), 2,
                               SCMP_A0(SCMP_CMP_EQ, (uint64_t)fds[i]),
                               SCMP_A3(SCMP_CMP_EQ, MSG_DONTWAIT));
        if (err == 0)
            err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendmmsg), 2,
                                   SCMP_A0(SCMP_CMP_EQ, (uint64_t)fds[i]),
                                   SCMP_A3(SCMP_CMP_EQ, MSG_DONTWAIT));
    }
    return err;
}

int sentry_filter_install(void)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx)
        return -ENOMEM;
    int err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    bool ptrace = g_platform == &g_platform_ptrace;
    for (size_t i = 0; err == 0 && i < sizeof(g_rules) / sizeof(g_rules[0]); i++) {
        const struct rule *r = &g_rules[i];
        if (r->ptrace_only && !ptrace)
            continue;
        uint32_t act = r->err ? SCMP_ACT_ERRNO((uint32_t)r->err) : SCMP_ACT_ALLOW;
        if (r->arg < 0)
            err = seccomp_rule_add(ctx, act, r->nr, 0);
        else
            err = seccomp_rule_add(ctx, act, r->nr, 1,
                                   SCMP_CMP((unsigned)r->arg, SCMP_CMP_EQ, r->val));
    }
    if (err == 0)
        err = add_link_rules(ctx);
    if (err == 0)
        err = seccomp_load(ctx);
    seccomp_release(ctx);
    return err;
}

void sentry_filter_test_trigger(void)
{
    /* TEST ONLY (tests/security): prove that a forbidden call kills the Sentry. The app cannot
     * set the Sentry's environment; the user who starts cvisor could disable cvisor anyway. */
    const char *v = getenv("CVISOR_TEST_FORBIDDEN_SYSCALL");
    if (!v || strcmp(v, "1") != 0)
        return;
    log_warn("CVISOR_TEST_FORBIDDEN_SYSCALL: calling socket(2), which the filter forbids");
    syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
    log_error("the forbidden call returned: the seccomp filter is not working");
    _exit(125);
}
