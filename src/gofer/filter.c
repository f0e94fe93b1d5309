// SPDX-License-Identifier: Apache-2.0
/*
 * The gofer's host seccomp filter: the exact list of host system calls the request loop makes.
 * Anything else kills the gofer (SCMP_ACT_KILL_PROCESS); the Sentry then sees its connection
 * close. A read-only gofer (--ro) may only open files for reading: openat() is filtered on its
 * flags, and openat2(), whose flags seccomp cannot see, only with the gofer's two constant
 * O_PATH open_how structures (walls.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stddef.h>

#include "gofer/gofer_confine.h"
#include "gofer/server.h"

/* Calls allowed whatever their arguments, each with the reason it is needed. */
static const int g_allowed[] = {
    SCMP_SYS(recvmsg),        /* requests from the Sentry */
    SCMP_SYS(sendmsg),        /* replies, with donated descriptors */
    SCMP_SYS(readlinkat),     /* READLINK of an O_PATH symlink descriptor */
    SCMP_SYS(getdents64),     /* READDIR */
    SCMP_SYS(lseek),          /* READDIR restarts at an offset */
    SCMP_SYS(fstat),          /* the attributes of every walked file (STAT) */
    SCMP_SYS(fstatfs),        /* checking that /proc/self/fd is procfs */
    SCMP_SYS(close),          /* CLOSE and donated descriptors after sending */
    SCMP_SYS(fcntl),          /* F_DUPFD_CLOEXEC of the root on ATTACH */
    SCMP_SYS(write),          /* the log */
    SCMP_SYS(clock_gettime),  /* log time stamps when the vDSO cannot answer */
    SCMP_SYS(getpid),         /* the log prefix */
    SCMP_SYS(mmap),           /* malloc */
    SCMP_SYS(munmap),         /* malloc */
    SCMP_SYS(mremap),         /* realloc of the fid table */
    SCMP_SYS(madvise),        /* malloc trimming */
    SCMP_SYS(brk),            /* malloc's main arena */
    SCMP_SYS(rt_sigprocmask), /* abort() */
    SCMP_SYS(tgkill),         /* abort() raises SIGABRT */
    SCMP_SYS(gettid),         /* abort() */
    SCMP_SYS(exit_group),     /* the Sentry hung up */
    SCMP_SYS(exit),           /* same, from a thread */
    SCMP_SYS(sigaltstack),    /* the sanitizers of the unit tests remove theirs at exit */
#ifdef __SANITIZE_ADDRESS__
    /* Only in the sanitized test build (cvisor-asan, tests/lib/san_options.c), for a report. */
    SCMP_SYS(pipe2), /* the runtime checks that memory is readable by writing it to a pipe */
    SCMP_SYS(futex), /* its internal locks, while it prints a stack trace */
#endif
};

/* Calls of the write operations, allowed only to a writable gofer. */
static const int g_write_ops[] = {
    SCMP_SYS(mkdirat),   /* MKDIR */
    SCMP_SYS(unlinkat),  /* UNLINK, and undoing a half-made MKDIR/CREATE */
    SCMP_SYS(renameat2), /* RENAME */
    SCMP_SYS(renameat),  /* RENAME through older glibc paths */
    SCMP_SYS(fchmodat),  /* SETATTR mode, through /proc/self/fd */
    SCMP_SYS(fchownat),  /* SETATTR owner, CREATE/MKDIR owner */
    SCMP_SYS(utimensat), /* SETATTR times */
    SCMP_SYS(ftruncate), /* SETATTR size */
    SCMP_SYS(symlinkat), /* SYMLINK */
    SCMP_SYS(linkat),    /* LINK */
    SCMP_SYS(read),      /* re-reading the starting namespace's mount table (mounts.c) */
    SCMP_SYS(poll),      /* ... when the kernel says it changed */
    SCMP_SYS(ppoll),     /* poll() of libcs that only use ppoll */
};

/*
 * openat2() of the walk steps (walls.c). A writable gofer may pass any open_how (it may
 * openat() anything anyway, and CREATE goes through openat2). A read-only one only the
 * addresses of the two const structures of walls.c: seccomp compares the pointer, the
 * structure is in read-only memory and holds O_PATH|O_NOFOLLOW|O_CLOEXEC. Code running in
 * the gofer could still remap that page; the read-only bind mount (confine.c) refuses
 * write access then.
 */
static int allow_openat2(scmp_filter_ctx ctx, bool ro)
{
    if (!ro)
        return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat2), 0);
    const struct open_how *hows[] = {&g_gofer_walk_how, &g_gofer_mount_how};
    int err = 0;
    for (size_t i = 0; err == 0 && i < sizeof(hows) / sizeof(hows[0]); i++)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat2), 2,
                               SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)(uintptr_t)hows[i], 0),
                               SCMP_A3(SCMP_CMP_EQ, sizeof(struct open_how), 0));
    return err;
}

int gofer_filter_install(bool ro)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx)
        return -ENOMEM;
    int err = 0;
    for (size_t i = 0; err == 0 && i < sizeof(g_allowed) / sizeof(g_allowed[0]); i++)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, g_allowed[i], 0);
    /* glibc's fstat(): newfstatat(fd, "", AT_EMPTY_PATH) only, never of a path. */
    if (err == 0)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
                               SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH));
    /* WALK (O_PATH of one component) and OPEN (a reopen through /proc/self/fd). Read-only:
     * no access mode but O_RDONLY, no O_CREAT, no O_TRUNC. */
    if (err == 0 && ro)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
                               SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, 0));
    else if (err == 0)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 0);
    if (err == 0)
        err = allow_openat2(ctx, ro);
    /* Following the client's CPU hint: its own affinity only (pid 0). */
    if (err == 0)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sched_setaffinity), 1,
                               SCMP_A0(SCMP_CMP_EQ, 0));
    /* FSYNC is allowed read-only too: it changes nothing visible. */
    if (err == 0)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fsync), 0);
    if (err == 0)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fdatasync), 0);
    /* The write operations of a writable gofer (volumes, --overlay=none), each descriptor-
     * relative (ops_write.c). A read-only gofer answers EROFS before any of them. */
    for (size_t i = 0; err == 0 && !ro && i < sizeof(g_write_ops) / sizeof(g_write_ops[0]); i++)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, g_write_ops[i], 0);
#ifdef __SANITIZE_ADDRESS__
    /* Sanitized build: for a report the sanitizer runtime reads /proc/self/exe's name and
     * opens /proc/self/maps (with open(2), not openat); let both fail: reports then give
     * module offsets, which is all they need. */
    if (err == 0)
        err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOENT), SCMP_SYS(readlink), 0);
    if (err == 0)
        err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOENT), SCMP_SYS(open), 0);
#endif
    if (err == 0)
        err = seccomp_load(ctx);
    seccomp_release(ctx);
    return err;
}
