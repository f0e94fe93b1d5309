// SPDX-License-Identifier: Apache-2.0
/*
 * System-wide files of procfs: cpuinfo (the host's, captured at registration), meminfo,
 * stat, uptime, loadavg, version, filesystems, mounts, /proc/sys values and the self and
 * thread-self symlinks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sentry/fs/proc/proc_internal.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/meminfo.h"
#include "sentry/kernel/timer.h"
#include "sentry/memfile/memfile.h"
#include "sentry/vfs/vfs_internal.h"

#define NS_PER_TICK 10000000ull /* USER_HZ 100 */
#define CPUINFO_MAX (1u << 20)

typedef unsigned long long ull;

/* Immutable after procfs_register. */
static char *g_cpuinfo;
static size_t g_cpuinfo_len;
static unsigned g_ncpu = 1;

unsigned proc_ncpu(void)
{
    return g_ncpu;
}

/* Remove the flag word @word (" name") from every line of @buf that has it; returns the new
 * length. */
static size_t drop_flag(char *buf, size_t len, const char *word)
{
    size_t wlen = strlen(word);
    for (char *p = buf; (p = memmem(p, len - (size_t)(p - buf), word, wlen)) != NULL;) {
        char after = (size_t)(p - buf) + wlen < len ? p[wlen] : '\n';
        if (after != ' ' && after != '\n') {
            p += wlen;
            continue;
        }
        memmove(p, p + wlen, len - (size_t)(p - buf) - wlen);
        len -= wlen;
    }
    return len;
}

/* Read the host's /proc/cpuinfo (the Sentry may be confined later). COMPAT: without the
 * cpuid_fault flag: the Sentry offers no CPUID faulting (ARCH_SET_CPUID is ENODEV, what Linux
 * answers on CPUs without the flag). */
static void capture_cpuinfo(void)
{
    int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char *buf = malloc(CPUINFO_MAX);
    size_t len = 0;
    while (buf && len < CPUINFO_MAX) {
        ssize_t n = read(fd, buf + len, CPUINFO_MAX - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (buf && len > 0) {
        len = drop_flag(buf, len, " cpuid_fault");
        char *shrunk = realloc(buf, len);
        g_cpuinfo = shrunk ? shrunk : buf;
        g_cpuinfo_len = len;
    } else {
        free(buf);
    }
}

int proc_sys_init(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    g_ncpu = n > 0 ? (unsigned)n : 1;
    if (!g_cpuinfo)
        capture_cpuinfo();
    return 0;
}

int proc_gen_cpuinfo(struct ctx *ctx, const struct proc_node *nd, struct proc_text *pt)
{
    if (g_cpuinfo) {
        pt_append(pt, g_cpuinfo, g_cpuinfo_len);
        return 0;
    }
    for (unsigned i = 0; i < g_ncpu; i++)
        pt_printf(pt,
                  "processor\t: %u\nvendor_id\t: unknown\nmodel name\t: unknown\n"
                  "flags\t\t: fpu sse sse2\n\n",
                  i);
    return 0;
}

/* One "Name:   value kB" row of meminfo, as Linux's show_val_kb prints it. */
static void kb_row(struct proc_text *pt, const char *name, uint64_t bytes)
{
    pt_printf(pt, "%-16s%8llu kB\n", name, (ull)(bytes >> 10));
}

/* Every row Linux 5.15 prints on x86-64, in its order, for the sandbox (kernel/meminfo.h):
 * its only page cache is tmpfs (Cached = Shmem), it has no swap, and the Sentry's own heap
 * is not shown, so those rows are 0. MemAvailable = MemFree: nothing is reclaimable.
 * COMPAT: all memory is on the active anonymous list (tmpfs and shared memory are
 * swap-backed, so Linux keeps them there too). */
int proc_gen_meminfo(struct ctx *ctx, const struct proc_node *nd, struct proc_text *pt)
{
    struct kernel_meminfo mi;
    kernel_meminfo(&mi);
    const struct {
        const char *name;
        uint64_t bytes;
    } rows[] = {
        {"MemTotal:", mi.total},
        {"MemFree:", mi.free},
        {"MemAvailable:", mi.free},
        {"Buffers:", 0},
        {"Cached:", mi.shmem},
        {"SwapCached:", 0},
        {"Active:", mi.used},
        {"Inactive:", 0},
        {"Active(anon):", mi.used},
        {"Inactive(anon):", 0},
        {"Active(file):", 0},
        {"Inactive(file):", 0},
        {"Unevictable:", 0},
        {"Mlocked:", 0},
        {"SwapTotal:", 0},
        {"SwapFree:", 0},
        {"Dirty:", 0},
        {"Writeback:", 0},
        {"AnonPages:", mi.anon},
        {"Mapped:", 0},
        {"Shmem:", mi.shmem},
        {"KReclaimable:", 0},
        {"Slab:", 0},
        {"SReclaimable:", 0},
        {"SUnreclaim:", 0},
        {"KernelStack:", 0},
        {"PageTables:", 0},
        {"NFS_Unstable:", 0},
        {"Bounce:", 0},
        {"WritebackTmp:", 0},
        {"CommitLimit:", mi.total / 2},
        {"Committed_AS:", mi.used},
        {"VmallocTotal:", 34359738367ull << 10},
        {"VmallocUsed:", 0},
        {"VmallocChunk:", 0},
        {"Percpu:", 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        kb_row(pt, rows[i].name, rows[i].bytes);
    pt_printf(pt, "HardwareCorrupted: %5llu kB\n", 0ull);
    kb_row(pt, "AnonHugePages:", 0);
    kb_row(pt, "ShmemHugePages:", 0);
    kb_row(pt, "ShmemPmdMapped:", 0);
    kb_row(pt, "FileHugePages:", 0);
    kb_row(pt, "FilePmdMapped:", 0);
    pt_printf(pt,
              "HugePages_Total:   %5d\nHugePages_Free:    %5d\nHugePages_Rsvd:    %5d\n"
              "HugePages_Surp:    %5d\n",
              0, 0, 0, 0);
    kb_row(pt, "Hugepagesize:", 2u << 20);
    kb_row(pt, "Hugetlb:", 0);
    kb_row(pt, "DirectMap4k:", mi.total);
    kb_row(pt, "DirectMap2M:", 0);
    kb_row(pt, "DirectMap1G:", 0);
    return 0;
}

/* Linux's /proc/vmstat counters that vmstat(8) and free-memory monitors read, in pages,
 * from the same figures as meminfo. COMPAT: event counters (faults, paging, allocations)
 * are not kept and read 0; the sandbox has no swap and no block I/O of its own. */
int proc_gen_vmstat(struct ctx *ctx, const struct proc_node *nd, struct proc_text *pt)
{
    struct kernel_meminfo mi;
    kernel_meminfo(&mi);
    const struct {
        const char *name;
        uint64_t pages;
    } rows[] = {
        {"nr_free_pages", mi.free >> 12},
        {"nr_zone_inactive_anon", 0},
        {"nr_zone_active_anon", mi.used >> 12},
        {"nr_zone_inactive_file", 0},
        {"nr_zone_active_file", 0},
        {"nr_zone_unevictable", 0},
        {"nr_zone_write_pending", 0},
        {"nr_mlock", 0},
        {"nr_bounce", 0},
        {"nr_free_cma", 0},
        {"nr_inactive_anon", 0},
        {"nr_active_anon", mi.used >> 12},
        {"nr_inactive_file", 0},
        {"nr_active_file", 0},
        {"nr_unevictable", 0},
        {"nr_slab_reclaimable", 0},
        {"nr_slab_unreclaimable", 0},
        {"nr_isolated_anon", 0},
        {"nr_isolated_file", 0},
        {"nr_anon_pages", mi.anon >> 12},
        {"nr_mapped", 0},
        {"nr_file_pages", mi.shmem >> 12},
        {"nr_dirty", 0},
        {"nr_writeback", 0},
        {"nr_writeback_temp", 0},
        {"nr_shmem", mi.shmem >> 12},
        {"nr_shmem_hugepages", 0},
        {"nr_shmem_pmdmapped", 0},
        {"nr_file_hugepages", 0},
        {"nr_file_pmdmapped", 0},
        {"nr_anon_transparent_hugepages", 0},
        {"nr_vmscan_write", 0},
        {"nr_vmscan_immediate_reclaim", 0},
        {"nr_dirtied", 0},
        {"nr_written", 0},
        {"nr_kernel_misc_reclaimable", 0},
        {"nr_kernel_stack", 0},
        {"nr_page_table_pages", 0},
        {"nr_swapcached", 0},
        {"nr_dirty_threshold", 0},
        {"nr_dirty_background_threshold", 0},
        {"pgpgin", 0},
        {"pgpgout", 0},
        {"pswpin", 0},
        {"pswpout", 0},
        {"pgalloc_normal", 0},
        {"pgfree", 0},
        {"pgactivate", 0},
        {"pgdeactivate", 0},
        {"pgfault", 0},
        {"pgmajfault", 0},
        {"pgsteal_kswapd", 0},
        {"pgsteal_direct", 0},
        {"pgscan_kswapd", 0},
        {"pgscan_direct", 0},
        {"oom_kill", 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        pt_printf(pt, "%s %llu\n", rows[i].name, (ull)rows[i].pages);
    return 0;
}

/* The terminal drivers of the sandbox in Linux's format (driver name, device path,
 * major, minor range, type): /dev/tty, /dev/ptmx and the devpts slaves that are every
 * terminal here, the console included. ps(1) names a tty_nr through this table. */
int proc_gen_tty_drivers(struct ctx *ctx, const struct proc_node *nd, struct proc_text *pt)
{
    pt_printf(pt, "%-20s /dev/%-8s %3d %7d system:/dev/tty\n", "/dev/tty", "tty", 5, 0);
    pt_printf(pt, "%-20s /dev/%-8s %3d %7d system\n", "/dev/ptmx", "ptmx", 5, 2);
    pt_printf(pt, "%-20s /dev/%-8s %3d %d-%d pty:slave\n", "pty_slave", "pts", 136, 0, 1048575);
    return 0;
}

static uint64_t uptime_ns(void)
{
    uint64_t now = kernel_now_ns();
    return now > g_kernel.boot_ns ? now - g_kernel.boot_ns : 0;
}

/* CPU time used in the sandbox since it started: that of every process not yet reaped
 * (its live and exited threads) and of those reaped (in their reapers' child times); and
 * the running and total task counts. */
static void sandbox_cpu(uint64_t *user, uint64_t *sys, int *running, int *total)
{
    *user = *sys = 0;
    *running = *total = 0;
    struct thread_group *tg;
    list_for_each_entry(tg, &g_kernel.tgs, klink)
    {
        uint64_t u, s;
        tg_cputime(tg, &u, &s);
        *user += u + tg->cutime_ns;
        *sys += s + tg->cstime_ns;
    }
    struct task *t;
    list_for_each_entry(t, &g_kernel.tasks, klink)
    {
        if (t->state == TASK_DEAD)
            continue;
        (*total)++;
        if (t->state == TASK_RUNNING_APP || t->state == TASK_IN_KERNEL)
            (*running)++;
    }
}

int proc_gen_stat(struct ctx *ctx, const struct proc_node *nd, struct proc_text *pt)
{
    uint64_t user, sys;
    int running, total;
    sandbox_cpu(&user, &sys, &running, &total);
    uint64_t up = uptime_ns() * g_ncpu;
    uint64_t idle = up > user + sys ? up - user - sys : 0;
    ull u = user / NS_PER_TICK, s = sys / NS_PER_TICK, i = idle / NS_PER_TICK;
    pt_printf(pt, "cpu  %llu 0 %llu %llu 0 0 0 0 0 0\n", u, s, i);
    /* COMPAT: per-CPU times are not tracked; the totals are split evenly. */
    for (unsigned k = 0; k < g_ncpu; k++)
        pt_printf(pt, "cpu%u %llu 0 %llu %llu 0 0 0 0 0 0\n", k, u / g_ncpu, s / g_ncpu,
                  i / g_ncpu);
    ull btime = (kernel_realtime_ns() - uptime_ns()) / 1000000000ull;
    pt_printf(pt,
              "intr 0\nctxt 0\nbtime %llu\nprocesses %d\nprocs_running %d\n"
              "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
              btime, g_kernel.next_pid > 1 ? g_kernel.next_pid - 1 : 0, running > 0 ? running : 1);
    return 0;
}

int proc_gen_uptime(struct ctx *ctx, const struct proc_node *nd, struct proc_text *pt)
{
    uint64_t user, sys;
    int running, total;
    sandbox_cpu(&user, &sys, &running, &total);
    uint64_t up = uptime_ns();
    uint64_t busy = user + sys, all = up * g_ncpu;
    uint64_t idle = all > busy ? all - busy : 0;
    pt_printf(pt, "%.2f %.2f\n", (double)up / 1e9, (double)idle / 1e9);
    return 0;
}

int proc_gen_loadavg(struct ctx *ctx, const struct proc_node *nd, struct proc_text *pt)
{
    uint64_t user, sys;
    int running, total;
    sandbox_cpu(&user, &sys, &running, &total);
    /* COMPAT: load averages are not computed for the sandbox. */
    pt_printf(pt, "0.00 0.00 0.00 %d/%d %d\n", running > 0 ? running : 1, total,
              g_kernel.next_pid > 1 ? g_kernel.next_pid - 1 : 0);
    return 0;
}

int proc_gen_version(struct ctx *ctx, const struct proc_node *nd, struct proc_text *pt)
{
    pt_printf(pt, "Linux version %s (cvisor@cvisor) (gcc) %s\n", PROC_OSRELEASE, PROC_VERSION_STR);
    return 0;
}

int proc_gen_filesystems(struct ctx *ctx, const struct proc_node *nd, struct proc_text *pt)
{
    pt_printf(
        pt,
        "nodev\tsysfs\nnodev\tproc\nnodev\ttmpfs\nnodev\tdevpts\nnodev\tdevtmpfs\nnodev\tpipefs\n"
        "nodev\tanon_inodefs\nnodev\tgoferfs\n");
    return 0;
}

/* One mounts line (or mountinfo line if @info) for @m, then its children. */
static void print_mount(struct mount *m, struct proc_text *pt, char *path, int depth, bool info)
{
    int len;
    if (!m->parent) {
        len = snprintf(path, VFS_PATH_MAX, "/");
    } else {
        struct path p = {m->parent, m->mountpoint};
        bool reachable = true, dead = false;
        len = vfs_path_string(&p, NULL, path, VFS_PATH_MAX, &reachable, &dead);
        if (dead)
            len = -1;
    }
    if (len > 0) {
        const char *type = m->sb->type ? m->sb->type->name : "none";
        if (strcmp(type, "devfs") == 0)
            type = "tmpfs";
        const char *src = strcmp(type, "proc") == 0    ? "proc"
                          : strcmp(type, "sysfs") == 0 ? "sysfs"
                                                       : "none";
        const char *rw = mount_readonly(m) ? "ro" : "rw";
        char opts[64];
        snprintf(opts, sizeof(opts), "%s%s%s%s,relatime", rw,
                 (m->flags & MNT_NOSUID) ? ",nosuid" : "", (m->flags & MNT_NODEV) ? ",nodev" : "",
                 (m->flags & MNT_NOEXEC) ? ",noexec" : "");
        if (info) {
            /* COMPAT: device numbers are 0:<mount id>; every mount is private. */
            pt_printf(pt, "%d %d 0:%d / %s %s - %s %s %s\n", m->id,
                      m->parent ? m->parent->id : m->id, m->id, path, opts, type, src, rw);
        } else {
            pt_printf(pt, "%s %s %s %s 0 0\n", src, path, type, opts);
        }
    }
    if (depth >= 64)
        return;
    struct mount *ch;
    list_for_each_entry(ch, &m->children, sibling)
    {
        print_mount(ch, pt, path, depth + 1, info);
    }
}

static int gen_mount_table(struct proc_text *pt, bool info)
{
    struct mount *root = vfs_root_mount();
    if (!root)
        return 0;
    char *path = malloc(VFS_PATH_MAX);
    if (!path)
        return -ENOMEM;
    print_mount(root, pt, path, 0, info);
    free(path);
    return 0;
}

int proc_gen_mounts(struct ctx *ctx, const struct proc_node *nd, struct proc_text *pt)
{
    return gen_mount_table(pt, false);
}

int proc_gen_mountinfo(struct ctx *ctx, const struct proc_node *nd, struct proc_text *pt)
{
    return gen_mount_table(pt, true);
}

int proc_gen_sysctl(struct ctx *ctx, const struct proc_node *nd, struct proc_text *pt)
{
    switch (nd->kind) {
    case PK_SYS_HOSTNAME:
        pt_printf(pt, "%.*s\n", (int)sizeof(g_kernel.hostname), g_kernel.hostname);
        break;
    case PK_SYS_OSTYPE:
        pt_printf(pt, "Linux\n");
        break;
    case PK_SYS_OSRELEASE:
        pt_printf(pt, "%s\n", PROC_OSRELEASE);
        break;
    case PK_SYS_PIDMAX:
        pt_printf(pt, "%d\n", PROC_PID_MAX);
        break;
    case PK_SYS_NGROUPS:
        pt_printf(pt, "65536\n");
        break;
    case PK_SYS_CAPLAST:
        pt_printf(pt, "40\n");
        break;
    case PK_SYS_OVERCOMMIT:
        pt_printf(pt, "0\n");
        break;
    case PK_SYS_PROT_HARDLINKS:
        pt_printf(pt, "%d\n", g_vfs_sysctl.protected_hardlinks);
        break;
    case PK_SYS_PROT_SYMLINKS:
        pt_printf(pt, "%d\n", g_vfs_sysctl.protected_symlinks);
        break;
    case PK_SYS_PROT_REGULAR:
    case PK_SYS_PROT_FIFOS:
        pt_printf(pt, "0\n"); /* COMPAT: O_CREAT of others' files in sticky dirs unguarded */
        break;
    default:
        return -ENOENT;
    }
    return 0;
}

int proc_link_self(struct ctx *ctx, const struct proc_node *nd, char *buf, size_t size)
{
    struct task *c = proc_caller(ctx);
    if (!c)
        return -ENOENT;
    int len = snprintf(buf, size, "%d", c->tg->pid);
    return (size_t)len < size ? len : -ENAMETOOLONG;
}

int proc_link_thread_self(struct ctx *ctx, const struct proc_node *nd, char *buf, size_t size)
{
    struct task *c = proc_caller(ctx);
    if (!c)
        return -ENOENT;
    int len = snprintf(buf, size, "%d/task/%d", c->tg->pid, c->tid);
    return (size_t)len < size ? len : -ENAMETOOLONG;
}
