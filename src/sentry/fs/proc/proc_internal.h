// SPDX-License-Identifier: Apache-2.0
/*
 * procfs internals shared by procfs.c (the filesystem), proc_pid.c (per-process files) and
 * proc_sys.c (system-wide files): node kinds, the text builder and the generators.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sentry/kernel/task.h"

/* COMPAT: the kernel release we claim; must agree with uname(2). */
#define PROC_OSRELEASE "5.15.0"
#define PROC_VERSION_STR "#1 SMP cvisor"
#define PROC_PID_MAX 4194304

enum proc_kind {
    PK_ROOT = 0,
    PK_SELF,
    PK_THREAD_SELF,
    PK_CPUINFO,
    PK_MEMINFO,
    PK_VMSTAT,
    PK_STAT,
    PK_UPTIME,
    PK_LOADAVG,
    PK_VERSION,
    PK_FILESYSTEMS,
    PK_MOUNTS,
    PK_SYS, /* PK_SYS to PK_SYS_OVERCOMMIT: /proc/sys, kept together (is_sysctl) */
    PK_SYS_KERNEL,
    PK_SYS_VM,
    PK_SYS_FS,
    PK_SYS_PROT_HARDLINKS,
    PK_SYS_PROT_SYMLINKS,
    PK_SYS_PROT_REGULAR,
    PK_SYS_PROT_FIFOS,
    PK_SYS_HOSTNAME,
    PK_SYS_OSTYPE,
    PK_SYS_OSRELEASE,
    PK_SYS_PIDMAX,
    PK_SYS_NGROUPS,
    PK_SYS_CAPLAST,
    PK_SYS_OVERCOMMIT,
    PK_TTY,
    PK_TTY_DRIVERS,
    PK_NET, /* /proc/net: the files of the network stack, through procfs_set_net_hook */
    PK_NET_TCP,
    PK_NET_TCP6,
    PK_NET_UDP,
    PK_NET_UDP6,
    PK_NET_DEV,
    PK_NET_ROUTE,
    PK_NET_IF_INET6,
    PK_PID_DIR,
    PK_EXE,
    PK_CWD,
    PK_ROOTLINK,
    PK_FD_DIR,
    PK_FD,
    PK_PSTAT,
    PK_STATM,
    PK_STATUS,
    PK_CMDLINE,
    PK_ENVIRON,
    PK_MAPS,
    PK_COMM,
    PK_PMOUNTS,
    PK_TASK_DIR,
    PK_TID_DIR,
    PK_FDINFO_DIR,
    PK_FDINFO,
    PK_LIMITS,
    PK_MOUNTINFO,
    PK_IO,
    PK_AUXV,
    PK_MEM,
    PK_COUNT
};

/* What an inode of procfs shows: @pid is the thread group (0 for system files), @tid the
 * thread for nodes under task/<tid>/ (0 otherwise), @fd the descriptor of fd/<n>. */
struct proc_node {
    enum proc_kind kind;
    int pid;
    int tid;
    int fd;
};

/* A growing text buffer; @oom is set (and the text dropped) when an allocation fails. */
struct proc_text {
    char *buf;
    size_t len, cap;
    bool oom;
};

void pt_append(struct proc_text *pt, const void *data, size_t n);
void pt_printf(struct proc_text *pt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Generate the contents of file @n for the caller acting through @ctx into @pt. Returns 0
 * or -errno. */
typedef int (*proc_gen_fn)(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
/* Write the target of symlink @n (NUL-terminated) into @buf. Returns its length or -errno. */
typedef int (*proc_link_fn)(struct ctx *ctx, const struct proc_node *n, char *buf, size_t size);

/* The task acting through @ctx: its owner, or for the background context the task whose
 * thread runs (NULL outside task threads). Borrowed. */
struct task *proc_caller(struct ctx *ctx);

/* Linux's ptrace_may_access for /proc: may the caller acting through @ctx inspect
 * @target (@mode: PTRACE_MODE_*)? Returns 0 or -EACCES. Caller holds the kernel lock. */
int proc_may_access(struct ctx *ctx, const struct task *target, unsigned mode);

/* The task @n describes (its thread, or a live thread of its process, preferring the
 * leader), or NULL if it is gone. Borrowed; caller holds the kernel lock. */
struct task *proc_node_task(const struct proc_node *n);

/* proc_sys.c */
int proc_sys_init(void);
unsigned proc_ncpu(void);
int proc_gen_cpuinfo(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_meminfo(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_vmstat(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_tty_drivers(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_stat(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_uptime(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_loadavg(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_version(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_filesystems(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_mounts(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_mountinfo(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_sysctl(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_link_self(struct ctx *ctx, const struct proc_node *n, char *buf, size_t size);
int proc_link_thread_self(struct ctx *ctx, const struct proc_node *n, char *buf, size_t size);

/* proc_pid.c */
int proc_gen_pid_stat(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_statm(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_status(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_cmdline(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_environ(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_maps(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_fdinfo(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_limits(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_comm(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_io(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_gen_auxv(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);
int proc_link_exe(struct ctx *ctx, const struct proc_node *n, char *buf, size_t size);
int proc_link_cwd(struct ctx *ctx, const struct proc_node *n, char *buf, size_t size);
int proc_link_root(struct ctx *ctx, const struct proc_node *n, char *buf, size_t size);
int proc_link_fd(struct ctx *ctx, const struct proc_node *n, char *buf, size_t size);
