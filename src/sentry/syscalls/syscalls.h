// SPDX-License-Identifier: Apache-2.0
/*
 * The syscall table and the handler signature. Every handler has the same C type, reads its
 * arguments with the arg_* accessors and returns a value or -errno (STYLE.md 2.5).
 */
#pragma once

#include <stdint.h>
#include <stddef.h>

#include "abi/linux/syscall_nr_x86_64.h"
#include "abi/linux/types.h"

#include "sentry/kernel/syscall_args.h"

struct task;

static inline int arg_int(const struct syscall_args *a, int i)
{
    return (int)a->a[i];
}
static inline unsigned int arg_uint(const struct syscall_args *a, int i)
{
    return (unsigned int)a->a[i];
}
static inline long arg_long(const struct syscall_args *a, int i)
{
    return (long)a->a[i];
}
static inline uint64_t arg_u64(const struct syscall_args *a, int i)
{
    return a->a[i];
}
static inline size_t arg_size(const struct syscall_args *a, int i)
{
    return (size_t)a->a[i];
}
static inline gaddr_t arg_addr(const struct syscall_args *a, int i)
{
    return (gaddr_t)a->a[i];
}

typedef long (*syscall_fn)(struct task *t, const struct syscall_args *a);

enum syscall_support {
    SYSCALL_UNSUPPORTED = 0, /* no entry: -ENOSYS, logged once */
    SYSCALL_SUPPORTED,
    SYSCALL_PARTIAL,         /* works, with the limits given in the note */
    SYSCALL_ERRNO,           /* deliberately fails with a fixed errno */
};

struct syscall_entry {
    const char *name;
    syscall_fn fn;           /* NULL for SYSCALL_ERRNO and SYSCALL_UNSUPPORTED */
    enum syscall_support support;
    int err;                 /* for SYSCALL_ERRNO: the positive errno returned */
    const char *note;
};

#define SYSCALL_TABLE_SIZE 463

#define SYS_SUPPORTED(x) {#x, sys_##x, SYSCALL_SUPPORTED, 0, NULL}
#define SYS_PARTIAL(x, why) {#x, sys_##x, SYSCALL_PARTIAL, 0, why}
#define SYS_ERRNO(x, e, why) {#x, NULL, SYSCALL_ERRNO, e, why}
#define SYS_NOTSUP(x, why) {#x, NULL, SYSCALL_UNSUPPORTED, 0, why}

/* Filled once at boot by syscalls_init() from the families' register functions, then
 * read-only. A hole (fn == NULL, support == SYSCALL_UNSUPPORTED) returns -ENOSYS. */
extern struct syscall_entry g_syscall_table[SYSCALL_TABLE_SIZE];

/* Build g_syscall_table. */
void syscalls_init(void);

/* Set entry @nr (used by the register functions below). */
void syscall_register(int nr, struct syscall_entry e);
#define SYSCALL_REG(nr, entry) syscall_register((nr), (struct syscall_entry)entry)

/* One register function per family file (sys_<family>.c), each owning its entries. */
void sys_file_register(void);       /* open, close, stat, getdents, readlink, access, cwd... */
void sys_read_write_register(void); /* read, write, pread, pwrite, readv, writev, lseek */
void sys_dup_register(void);        /* dup, dup2, dup3, fcntl */
void sys_ioctl_register(void);      /* ioctl */
void sys_pipe_register(void);       /* pipe, pipe2 */
void sys_poll_register(void);       /* poll, ppoll, select, pselect6 */
void sys_epoll_register(void);      /* epoll_*, eventfd, eventfd2 */
void sys_socket_register(void);     /* socketpair and the AF_UNIX socket calls */
void sys_signal_register(void);     /* rt_sig*, kill, tkill, tgkill, sigaltstack... */
void sys_futex_register(void);      /* futex, set_robust_list, get_robust_list */
void sys_time_register(void);       /* clock_*, gettimeofday, time, nanosleep, alarm, itimers, times */
void sys_identity_register(void);   /* get*id, set*id, groups, capget/capset */
void sys_system_register(void);     /* uname, host names, getrandom, sysinfo */
void sys_rlimit_register(void);     /* rlimits, getrusage */
void sys_sched_register(void);      /* sched_*, getcpu, priorities, ioprio */
void sys_prctl_register(void);      /* prctl, personality */
void sys_thread_register(void);     /* clone, fork, vfork, execve, exit, wait4, waitid, pgrp/session, rseq */
void sys_mmap_register(void);       /* mmap, munmap, mprotect, brk, mremap, madvise, msync, mincore */
void sys_mempolicy_register(void);  /* set_mempolicy, get_mempolicy, mbind */
void sys_sendfile_register(void);   /* sendfile, copy_file_range */
void sys_timerfd_register(void);    /* timerfd_create, timerfd_settime, timerfd_gettime */
void sys_ptimer_register(void);     /* timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete */
void sys_ipc_register(void);        /* System V shared memory */
void sys_xattr_register(void);      /* getxattr, setxattr, listxattr, removexattr and variants */
void sys_privileged_register(void); /* mount, swapon, reboot, acct, syslog, unshare... (EPERM) */
void sys_pidfd_register(void);      /* pidfd_open, pidfd_send_signal, pidfd_getfd */
void sys_clone3_register(void);     /* clone3 */
void sys_membarrier_register(void); /* membarrier */
void sys_splice_register(void);     /* splice, tee, vmsplice */
void sys_sem_register(void);        /* semget, semop, semtimedop, semctl */
void sys_msg_register(void);        /* msgget, msgsnd, msgrcv, msgctl */
void sys_handle_register(void);     /* name_to_handle_at, open_by_handle_at; io_uring (ENOSYS) */

struct clone_params;
/* clone(2)/clone3(2) with @p checked and CLONE_PIDFD's pidfd made (sys_clone3.c): the
 * child's tid or -errno. Caller holds the kernel lock. */
long sys_do_clone(struct task *t, struct clone_params *p);

struct file;
/* The pidfd behind @fd of @t (sys_pidfd.c), attached to a process: a new reference in *@out.
 * Returns 0, or -EBADF if @fd is not open or not a pidfd. Caller holds the kernel lock. */
int sys_pidfd_get(struct task *t, int fd, struct file **out);

/* What a hole in the table answers: -ENOSYS, logged once per syscall number. For handlers
 * that check what Linux checks first and implement nothing after. */
long syscall_not_implemented(struct task *t, const struct syscall_args *a);

/* Run syscall @a for @t: the kernel's dispatch hook (g_kernel.dispatch). */
long syscall_dispatch(struct task *t, const struct syscall_args *a);

/* Serve syscall @a of @t without the kernel lock if it is one of the few that read only the
 * calling task's own state (g_kernel.dispatch_unlocked; table.c says why each is safe).
 * Caller is @t's own thread, holds no lock, and @t counts as running app code meanwhile.
 * Returns true and stores the result in *@ret, or false: dispatch it with the lock. */
bool syscall_dispatch_unlocked(struct task *t, const struct syscall_args *a, long *ret);

/* Print the table (`cvisor syscalls`) to stdout. Returns 0. */
int syscall_table_print(int markdown);
