// SPDX-License-Identifier: Apache-2.0
/*
 * The syscall table: built at boot from each family's register function, then read-only.
 * syscall_dispatch() is what the kernel's task loop calls for every app syscall; it also
 * writes --strace lines and logs each unsupported syscall once.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/strace/strace.h"
#include "sentry/syscalls/syscalls.h"

struct syscall_entry g_syscall_table[SYSCALL_TABLE_SIZE];
static uint8_t g_warned[SYSCALL_TABLE_SIZE];

void syscall_register(int nr, struct syscall_entry e)
{
    if (nr >= 0 && nr < SYSCALL_TABLE_SIZE)
        g_syscall_table[nr] = e;
}

void syscalls_init(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    sys_file_register();
    sys_read_write_register();
    sys_dup_register();
    sys_ioctl_register();
    sys_pipe_register();
    sys_poll_register();
    sys_epoll_register();
    sys_socket_register();
    sys_signal_register();
    sys_futex_register();
    sys_time_register();
    sys_identity_register();
    sys_system_register();
    sys_rlimit_register();
    sys_sched_register();
    sys_prctl_register();
    sys_thread_register();
    sys_mmap_register();
    sys_mempolicy_register();
    sys_sendfile_register();
    sys_xattr_register();
    sys_ipc_register();
    sys_timerfd_register();
    sys_ptimer_register();
    sys_privileged_register();
    sys_pidfd_register();
    sys_clone3_register();
    sys_membarrier_register();
    sys_handle_register();
    sys_splice_register();
    sys_sem_register();
    sys_msg_register();
}

static int strace_read(void *opaque, gaddr_t addr, void *buf, size_t size)
{
    return copy_in(opaque, addr, buf, size);
}

long syscall_not_implemented(struct task *t, const struct syscall_args *a)
{
    if (a->nr < SYSCALL_TABLE_SIZE && !g_warned[a->nr]) {
        g_warned[a->nr] = 1;
        log_warn("unsupported syscall %s (%llu)", syscall_name(a->nr), (unsigned long long)a->nr);
    }
    return -ENOSYS;
}

static long invoke(struct task *t, const struct syscall_args *a)
{
    if (a->nr >= SYSCALL_TABLE_SIZE)
        return -ENOSYS;
    const struct syscall_entry *e = &g_syscall_table[a->nr];
    if (e->fn)
        return e->fn(t, a);
    if (e->support == SYSCALL_ERRNO)
        return -e->err;
    return syscall_not_implemented(t, a);
}

long syscall_dispatch(struct task *t, const struct syscall_args *a)
{
    if (!g_kernel.strace)
        return invoke(t, a);
    struct strace_mem m = {.read = strace_read, .opaque = t};
    strace_enter(t->tid, t->comm, a, &m);
    uint64_t start = kernel_now_ns();
    long ret = invoke(t, a);
    if (t->sys_ctrl == SYS_CTRL_RETURN || ret < 0)
        strace_exit(t->tid, t->comm, a, ret, kernel_now_ns() - start, &m);
    return ret;
}

/*
 * Syscalls that read only state of the calling task that no other thread changes, served
 * without the kernel lock (the task stays "running app code" for everyone else: a signal or
 * an exit interrupts its next run, as for app code):
 *  - getpid: t->tg is the task's group for its whole life and tg->pid is immutable;
 *  - gettid: t->tid changes only in execve by this very thread (de_thread);
 *  - get[e]uid, get[e]gid: t->ctx.cred is replaced only by the task itself (commit_creds),
 *    and a cred is immutable once committed;
 *  - sched_yield: no Sentry state at all.
 * Not here: getppid and getpgrp (another process's exit or setpgid changes them under the
 * lock), uname (sethostname), and anything that copies to or from app memory.
 */
bool syscall_dispatch_unlocked(struct task *t, const struct syscall_args *a, long *ret)
{
    KERNEL_LOCK_ASSERT_NOT();
    if (g_kernel.strace)
        return false; /* strace lines are written in the locked dispatcher */
    switch (a->nr) {
    case LINUX_NR_getpid:
    case LINUX_NR_gettid:
    case LINUX_NR_getuid:
    case LINUX_NR_geteuid:
    case LINUX_NR_getgid:
    case LINUX_NR_getegid:
        *ret = g_syscall_table[a->nr].fn(t, a); /* sys_identity.c: one field read each */
        return true;
    case LINUX_NR_sched_yield:
        sched_yield();
        *ret = 0;
        return true;
    default:
        return false;
    }
}

static const char *support_name(enum syscall_support s)
{
    switch (s) {
    case SYSCALL_SUPPORTED:
        return "supported";
    case SYSCALL_PARTIAL:
        return "partial";
    case SYSCALL_ERRNO:
        return "fails";
    default:
        return "unsupported";
    }
}

int syscall_table_print(int markdown)
{
    syscalls_init();
    if (markdown)
        printf("| nr | name | support | note |\n|---|---|---|---|\n");
    for (int nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
        const struct syscall_entry *e = &g_syscall_table[nr];
        const char *name = syscall_name((uint64_t)nr);
        if (strcmp(name, "unknown") == 0)
            continue;
        char note[160] = "";
        if (e->support == SYSCALL_ERRNO)
            snprintf(note, sizeof(note), "%s: %s", strerrorname_np(e->err), e->note ? e->note : "");
        else if (e->note)
            snprintf(note, sizeof(note), "%s", e->note);
        else if (e->support == SYSCALL_UNSUPPORTED)
            snprintf(note, sizeof(note), "ENOSYS");
        if (markdown)
            printf("| %d | %s | %s | %s |\n", nr, name, support_name(e->support), note);
        else
            printf("%3d %-24s %-11s %s\n", nr, name, support_name(e->support), note);
    }
    return 0;
}
