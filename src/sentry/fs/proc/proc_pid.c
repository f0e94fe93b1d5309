// SPDX-License-Identifier: Apache-2.0
/*
 * Per-process files of procfs: /proc/<pid>/{stat,statm,status,cmdline,environ,maps,comm,io}
 * and the exe, cwd, root and fd/<n> symlinks (also under task/<tid>/).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sentry/fs/anon/pidfd.h"
#include "sentry/fs/devpts/devpts.h"
#include "sentry/fs/proc/proc_internal.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/timer.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/vfs_internal.h"

#define NS_PER_TICK 10000000ull /* USER_HZ 100 */

static char state_char(const struct task *t)
{
    if (t->tg->zombie)
        return 'Z';
    if (t->tg->stop_state == TG_STOPPED)
        return 'T';
    switch (t->state) {
    case TASK_BLOCKED:
        return 'S';
    case TASK_STOPPED:
        return 'T';
    case TASK_DEAD:
        return 'Z';
    default:
        return 'R';
    }
}

static const char *state_name(char c)
{
    switch (c) {
    case 'S':
        return "S (sleeping)";
    case 'T':
        return "T (stopped)";
    case 'Z':
        return "Z (zombie)";
    default:
        return "R (running)";
    }
}

/* CPU times of @n: the thread's own, or the whole process's for process-level nodes. */
static void node_times(const struct proc_node *n, struct task *t, uint64_t *ut, uint64_t *st)
{
    if (n->tid)
        task_cputime(t, ut, st);
    else
        tg_cputime(t->tg, ut, st);
}

static void sig_masks(struct thread_group *tg, uint64_t *ign, uint64_t *cgt)
{
    *ign = *cgt = 0;
    if (!tg->sighand)
        return;
    for (int i = 0; i < LINUX_NSIG; i++) {
        uint64_t h = tg->sighand->action[i].handler;
        if (h == LINUX_SIG_IGN)
            *ign |= 1ull << i;
        else if (h != LINUX_SIG_DFL)
            *cgt |= 1ull << i;
    }
}

static void mem_stats(struct task *t, struct mm_stats *st)
{
    *st = (struct mm_stats){0};
    if (t->mmt.mm)
        mm_stats(t->mmt.mm, st);
}

/* Linux's new_encode_dev of the session's controlling terminal, and the terminal's
 * foreground group (-1 without one), as /proc/<pid>/stat shows them. */
static void ctty_fields(const struct thread_group *tg, unsigned *tty_nr, int *tpgid)
{
    *tty_nr = 0;
    *tpgid = -1;
    if (!tg->ctty)
        return;
    uint32_t major, minor;
    int pgrp;
    devpts_tty_info(tg->ctty, &major, &minor, &pgrp);
    *tty_nr = (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
    if (pgrp > 0)
        *tpgid = pgrp;
}

typedef unsigned long long ull;

int proc_gen_pid_stat(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt)
{
    struct task *t = proc_node_task(n);
    if (!t)
        return -ESRCH;
    struct thread_group *tg = t->tg;
    uint64_t ut, st, ign, cgt;
    struct mm_stats ms;
    unsigned tty_nr;
    int tpgid;
    node_times(n, t, &ut, &st);
    mem_stats(t, &ms);
    sig_masks(tg, &ign, &cgt);
    ctty_fields(tg, &tty_nr, &tpgid);
    uint64_t start = (n->tid ? t->start_ns : tg->start_ns);
    start = start > g_kernel.boot_ns ? start - g_kernel.boot_ns : 0;
    int ppid = tg->parent ? tg->parent->pid : 0;
    /* 1-9: pid comm state ppid pgrp session tty_nr tpgid flags */
    pt_printf(pt, "%d (%s) %c %d %d %d %u %d %u ", n->tid ? t->tid : tg->pid, t->comm,
              state_char(t), ppid, tg->pgid, tg->sid, tty_nr, tpgid, 0x400000u);
    /* 10-17: minflt cminflt majflt cmajflt utime stime cutime cstime */
    pt_printf(pt, "0 0 0 0 %llu %llu %llu %llu ", (ull)(ut / NS_PER_TICK), (ull)(st / NS_PER_TICK),
              (ull)(tg->cutime_ns / NS_PER_TICK), (ull)(tg->cstime_ns / NS_PER_TICK));
    /* 18-25: priority nice num_threads itrealvalue starttime vsize rss rsslim */
    pt_printf(pt, "%d %d %d 0 %llu %llu %llu %llu ", 20 + tg->nice, tg->nice, tg->nr_live,
              (ull)(start / NS_PER_TICK), (ull)(ms.vm * LINUX_PAGE_SIZE),
              (ull)(ms.anon + ms.file + ms.shmem), (ull)tg->rlimits[RLIMIT_RSS].rlim_cur);
    /* The addresses are for readers that may inspect the process (Linux's
     * ptrace_may_access); others see zeros. */
    bool permitted = proc_may_access(ctx, t, PTRACE_MODE_READ_FSCREDS) == 0;
    struct mm *mm = permitted ? t->mmt.mm : NULL;
    /* 26-30: startcode endcode startstack kstkesp kstkeip. COMPAT: startcode and endcode
     * are 1 1 (what Linux shows readers that may not inspect the process) for everyone. */
    pt_printf(pt, "%s %llu 0 0 ", t->mmt.mm ? "1 1" : "0 0", mm ? (ull)mm_stack_start(mm) : 0ull);
    /* 31-44: signal blocked sigignore sigcatch wchan nswap cnswap exit_signal processor
     * rt_priority policy delayacct_blkio_ticks guest_time cguest_time */
    pt_printf(pt, "%llu %llu %llu %llu 0 0 0 %d %d 0 0 0 0 0 ", (ull)t->pending.set,
              (ull)t->blocked, (ull)ign, (ull)cgt, tg->exit_signal, t->cpu_hint);
    /* 45-52: start_data end_data start_brk arg_start arg_end env_start env_end exit_code */
    if (mm)
        pt_printf(pt, "0 0 %llu %llu %llu %llu %llu ", (ull)mm_brk_start(mm), (ull)tg->arg_start,
                  (ull)tg->arg_end, (ull)tg->env_start, (ull)tg->env_end);
    else
        pt_printf(pt, "0 0 0 0 0 0 0 ");
    pt_printf(pt, "%d\n", permitted && tg->zombie ? tg->exit_status : 0);
    return 0;
}

/* size resident shared text lib data dt, in pages, as Linux: shared = resident file and
 * shmem pages, data = VmData + VmStk; lib and dt are always 0. */
int proc_gen_statm(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt)
{
    struct task *t = proc_node_task(n);
    if (!t)
        return -ESRCH;
    struct mm_stats ms;
    mem_stats(t, &ms);
    pt_printf(pt, "%llu %llu %llu %llu 0 %llu 0\n", (ull)ms.vm, (ull)(ms.anon + ms.file + ms.shmem),
              (ull)(ms.file + ms.shmem), (ull)ms.code, (ull)(ms.data + ms.stack));
    return 0;
}

/* The Vm* and Rss* rows of status, in kB. COMPAT: VmPeak and VmHWM are the current sizes
 * (no high-water marks are kept); nothing is locked, pinned or swapped. */
static void status_mem(struct proc_text *pt, const struct mm_stats *ms)
{
    ull rss = ms->anon + ms->file + ms->shmem;
    pt_printf(pt,
              "VmPeak:\t%8llu kB\nVmSize:\t%8llu kB\nVmLck:\t%8llu kB\nVmPin:\t%8llu kB\n"
              "VmHWM:\t%8llu kB\nVmRSS:\t%8llu kB\n",
              (ull)ms->vm * 4, (ull)ms->vm * 4, 0ull, 0ull, rss * 4, rss * 4);
    pt_printf(pt, "RssAnon:\t%8llu kB\nRssFile:\t%8llu kB\nRssShmem:\t%8llu kB\n",
              (ull)ms->anon * 4, (ull)ms->file * 4, (ull)ms->shmem * 4);
    pt_printf(pt,
              "VmData:\t%8llu kB\nVmStk:\t%8llu kB\nVmExe:\t%8llu kB\nVmLib:\t%8llu kB\n"
              "VmPTE:\t%8llu kB\nVmSwap:\t%8llu kB\nHugetlbPages:\t%8llu kB\n",
              (ull)ms->data * 4, (ull)ms->stack * 4, (ull)ms->code * 4,
              (ull)(ms->exec - ms->code) * 4, 0ull, 0ull, 0ull);
}

/* Linux's bitmap text of the first @ncpu CPUs: 32-bit words, most significant first. */
static void print_cpumask(struct proc_text *pt, unsigned ncpu)
{
    unsigned words = (ncpu + 31) / 32;
    for (unsigned w = words; w-- > 0;) {
        unsigned bits = ncpu - w * 32 >= 32 ? 32 : ncpu - w * 32;
        uint32_t v = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
        pt_printf(pt, "%08x%s", v, w ? "," : "\n");
    }
}

static int count_queued(const struct sigpending *p)
{
    int count = 0;
    const struct list_head *pos;
    for (pos = p->queue.next; pos != &p->queue; pos = pos->next)
        count++;
    return count;
}

int proc_gen_status(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt)
{
    struct task *t = proc_node_task(n);
    if (!t)
        return -ESRCH;
    struct thread_group *tg = t->tg;
    uint64_t ign, cgt;
    struct mm_stats ms;
    mem_stats(t, &ms);
    sig_masks(tg, &ign, &cgt);
    int fdsize = t->fdt ? fdtable_size(t->fdt) : 0;
    fdsize = fdsize <= 64 ? 64 : (fdsize + 63) / 64 * 64;
    pt_printf(pt, "Name:\t%s\nUmask:\t%04o\nState:\t%s\n", t->comm,
              t->ctx.fs ? t->ctx.fs->umask : 022, state_name(state_char(t)));
    pt_printf(pt, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", tg->pid,
              n->tid ? t->tid : tg->pid, tg->parent ? tg->parent->pid : 0);
    const struct cred *cr = task_cred(t);
    pt_printf(pt, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", cr->uid, cr->euid, cr->suid,
              cr->fsuid, cr->gid, cr->egid, cr->sgid, cr->fsgid);
    pt_printf(pt, "FDSize:\t%d\nGroups:\t", fdsize);
    for (uint32_t i = 0; i < cr->ngroups; i++)
        pt_printf(pt, i ? " %u" : "%u", cr->groups[i]);
    /* Linux ends the list with a space, even an empty one ("Groups:\t \n"). */
    pt_printf(pt, " \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", tg->pid,
              n->tid ? t->tid : tg->pid, tg->pgid, tg->sid);
    if (t->mmt.mm && !tg->zombie)
        status_mem(pt, &ms);
    pt_printf(pt, "Threads:\t%d\nSigQ:\t%d/%llu\n", tg->nr_live,
              count_queued(&t->pending) + count_queued(&tg->shared_pending),
              (ull)tg->rlimits[RLIMIT_SIGPENDING].rlim_cur);
    pt_printf(pt, "SigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\n", (ull)t->pending.set,
              (ull)tg->shared_pending.set, (ull)t->blocked);
    pt_printf(pt, "SigIgn:\t%016llx\nSigCgt:\t%016llx\n", (ull)ign, (ull)cgt);
    pt_printf(pt,
              "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\nCapBnd:\t%016llx\n"
              "CapAmb:\t%016llx\nNoNewPrivs:\t%d\nSeccomp:\t0\n",
              (ull)cr->cap_inheritable, (ull)cr->cap_permitted, (ull)cr->cap_effective,
              (ull)cr->cap_bset, (ull)cr->cap_ambient, cr->no_new_privs ? 1 : 0);
    pt_printf(pt, "Cpus_allowed:\t");
    print_cpumask(pt, proc_ncpu());
    pt_printf(pt,
              "Cpus_allowed_list:\t0-%u\nMems_allowed:\t1\nMems_allowed_list:\t0\n"
              "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
              proc_ncpu() - 1);
    return 0;
}

/* The guest bytes [@start, @end) of @t's memory (read through its mm, which need not be
 * the caller's); nothing for a zombie or when the range cannot be read, as Linux. */
static int gen_guest_range(struct task *t, gaddr_t start, gaddr_t end, struct proc_text *pt)
{
    if (!t->mmt.mm || end <= start)
        return 0;
    size_t len = end - start;
    if (len > (1u << 21))
        len = 1u << 21;
    char *buf = malloc(len);
    if (!buf)
        return -ENOMEM;
    if (mm_copy_in_mm(t->mmt.mm, start, buf, len) == 0)
        pt_append(pt, buf, len);
    free(buf);
    return 0;
}

int proc_gen_cmdline(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt)
{
    struct task *t = proc_node_task(n);
    if (!t)
        return -ESRCH;
    return gen_guest_range(t, t->tg->arg_start, t->tg->arg_end, pt);
}

int proc_gen_auxv(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt)
{
    struct task *t = proc_node_task(n);
    if (!t)
        return -ESRCH;
    if (t->mmt.mm) /* a zombie shows nothing, as Linux */
        pt_append(pt, t->tg->saved_auxv, (size_t)t->tg->saved_auxv_len * 8);
    return 0;
}

int proc_gen_environ(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt)
{
    struct task *t = proc_node_task(n);
    if (!t)
        return -ESRCH;
    return gen_guest_range(t, t->tg->env_start, t->tg->env_end, pt);
}

int proc_gen_maps(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt)
{
    struct task *t = proc_node_task(n);
    if (!t)
        return -ESRCH;
    if (!t->mmt.mm)
        return 0;
    char *text = NULL;
    size_t len = 0;
    int ret = mm_maps_text(t->mmt.mm, &text, &len);
    if (ret < 0)
        return ret;
    pt_append(pt, text, len);
    free(text);
    return 0;
}

int proc_gen_fdinfo(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt)
{
    struct task *t = proc_node_task(n);
    if (!t || !t->fdt)
        return -ENOENT;
    struct file *f = fdtable_get(t->fdt, n->fd);
    if (!f)
        return -ENOENT;
    const struct path *p = f->path;
    int mnt_id = p && p->mnt ? p->mnt->id : 0;
    uint32_t flags = f->flags;
    if (fdtable_get_flags(t->fdt, n->fd) > 0) /* FD_CLOEXEC */
        flags |= 02000000;                    /* O_CLOEXEC, as Linux shows it */
    pt_printf(pt, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%d\nino:\t%llu\n", (long long)f->pos, flags,
              mnt_id, f->inode ? (ull)f->inode->ino : (ull)f->anon_ino);
    if (file_is_pidfd(f)) { /* one pid namespace: NSpid is the pid */
        int pid = pidfd_fdinfo_pid(f);
        pt_printf(pt, "Pid:\t%d\nNSpid:\t%d\n", pid, pid);
    }
    file_unref(f);
    return 0;
}

int proc_gen_limits(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt)
{
    static const struct {
        const char *name, *unit;
    } rows[RLIM_NLIMITS] = {
        {"Max cpu time", "seconds"},     {"Max file size", "bytes"},
        {"Max data size", "bytes"},      {"Max stack size", "bytes"},
        {"Max core file size", "bytes"}, {"Max resident set", "bytes"},
        {"Max processes", "processes"},  {"Max open files", "files"},
        {"Max locked memory", "bytes"},  {"Max address space", "bytes"},
        {"Max file locks", "locks"},     {"Max pending signals", "signals"},
        {"Max msgqueue size", "bytes"},  {"Max nice priority", ""},
        {"Max realtime priority", ""},   {"Max realtime timeout", "us"},
    };
    struct task *t = proc_node_task(n);
    if (!t)
        return -ESRCH;
    pt_printf(pt, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
    for (int i = 0; i < RLIM_NLIMITS; i++) {
        char soft[24], hard[24];
        const struct rlimit *r = &t->tg->rlimits[i];
        if (r->rlim_cur == RLIM_INFINITY)
            snprintf(soft, sizeof(soft), "unlimited");
        else
            snprintf(soft, sizeof(soft), "%llu", (ull)r->rlim_cur);
        if (r->rlim_max == RLIM_INFINITY)
            snprintf(hard, sizeof(hard), "unlimited");
        else
            snprintf(hard, sizeof(hard), "%llu", (ull)r->rlim_max);
        pt_printf(pt, "%-25s %-20s %-20s %-10s\n", rows[i].name, soft, hard, rows[i].unit);
    }
    return 0;
}

int proc_gen_comm(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt)
{
    struct task *t = proc_node_task(n);
    if (!t)
        return -ESRCH;
    pt_printf(pt, "%.*s\n", (int)sizeof(t->comm), t->comm);
    return 0;
}

/* The I/O counters of the thread, or for a process those of its live and exited threads
 * and of the children it waited for. COMPAT: sendfile, splice and socket calls are not
 * counted, and no storage I/O is seen (read_bytes and write_bytes are 0). */
int proc_gen_io(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt)
{
    struct task *t = proc_node_task(n);
    if (!t)
        return -ESRCH;
    struct task_ioac ac = {0};
    if (n->tid) {
        ac = t->ioac;
    } else {
        ac = t->tg->ioac;
        struct task *x;
        list_for_each_entry(x, &t->tg->tasks, tg_link)
        {
            if (x->state != TASK_DEAD)
                task_ioac_add(&ac, &x->ioac);
        }
    }
    pt_printf(pt,
              "rchar: %llu\nwchar: %llu\nsyscr: %llu\nsyscw: %llu\nread_bytes: 0\n"
              "write_bytes: 0\ncancelled_write_bytes: 0\n",
              (ull)ac.rchar, (ull)ac.wchar, (ull)ac.syscr, (ull)ac.syscw);
    return 0;
}

/* ---- symlinks --------------------------------------------------------------------------- */

static int copy_link(const char *s, char *buf, size_t size)
{
    int len = snprintf(buf, size, "%s", s);
    return (size_t)len < size ? len : -ENAMETOOLONG;
}

int proc_link_exe(struct ctx *ctx, const struct proc_node *n, char *buf, size_t size)
{
    struct task *t = proc_node_task(n);
    if (!t || !t->tg->exe_path[0])
        return -ENOENT;
    return copy_link(t->tg->exe_path, buf, size);
}

int proc_link_cwd(struct ctx *ctx, const struct proc_node *n, char *buf, size_t size)
{
    struct task *t = proc_node_task(n);
    if (!t || !t->ctx.fs)
        return -ENOENT;
    bool reachable = true, dead = false;
    int len = vfs_path_string(&t->ctx.fs->cwd, &t->ctx.fs->root, buf, size, &reachable, &dead);
    if (len >= 0 && dead && (size_t)len + 11 < size) {
        memcpy(buf + len, " (deleted)", 11);
        len += 10;
    }
    return len;
}

int proc_link_root(struct ctx *ctx, const struct proc_node *n, char *buf, size_t size)
{
    /* COMPAT: a chroot'ed process's root is still shown as "/". */
    return proc_node_task(n) ? copy_link("/", buf, size) : -ENOENT;
}

int proc_link_fd(struct ctx *ctx, const struct proc_node *n, char *buf, size_t size)
{
    struct task *t = proc_node_task(n);
    if (!t || !t->fdt)
        return -ENOENT;
    struct file *f = fdtable_get(t->fdt, n->fd);
    if (!f)
        return -ENOENT;
    int len = file_path(f, buf, size);
    file_unref(f);
    return len;
}
