// SPDX-License-Identifier: Apache-2.0
/*
 * procfs: the superblock (DCACHE_NONE, so every walk step calls proc_lookup and nothing is
 * cached), node inodes, directory listing, the snapshot file (contents generated at open)
 * and symlinks. The generators live in proc_pid.c and proc_sys.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sentry/fs/proc/proc_internal.h"
#include "sentry/fs/proc/procfs.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/task.h"
#include "sentry/vfs/vfs_internal.h"

#define PROC_SUPER_MAGIC 0x9fa0
#define DIR_MODE (S_IFDIR | 0555)
#define REG_MODE (S_IFREG | 0444)
#define LNK_MODE (S_IFLNK | 0777)
#define SYSCTL_RW (S_IFREG | 0644)
/* readdir offsets: ".", "..", fixed entries at 2.., numbered entries at DYN_OFF + n */
#define DYN_OFF 128

/* Who may read a per-process node besides what its mode allows (Linux's checks): */
enum proc_check {
    PC_NONE = 0, /* anybody the mode lets in (status, stat, cmdline...) */
    PC_MM,       /* the process's memory (environ, maps): the ptrace rule at open, or
                  * CAP_PERFMON/CAP_SYS_ADMIN (recent Linux), or the same address space */
    PC_OPEN,     /* the ptrace rule at open (fdinfo/N) */
    PC_READ,     /* the ptrace rule at read (io): the open succeeds, the read is EACCES */
    PC_LINK,     /* the ptrace rule to read or follow the link (exe, cwd, root, fd/N) */
};

struct kind_info {
    const char *name;
    uint32_t mode;
    proc_gen_fn gen;
    proc_link_fn link;
    enum proc_check check;
};

static int (*g_net_hook)(const char *name, char **out, size_t *len); /* Written at boot */
static int proc_gen_net(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt);

void procfs_set_net_hook(int (*gen)(const char *name, char **out, size_t *len))
{
    g_net_hook = gen;
}

static const struct kind_info g_kinds[PK_COUNT] = {
    [PK_ROOT] = {"", DIR_MODE, NULL, NULL},
    [PK_SELF] = {"self", LNK_MODE, NULL, proc_link_self},
    [PK_THREAD_SELF] = {"thread-self", LNK_MODE, NULL, proc_link_thread_self},
    [PK_CPUINFO] = {"cpuinfo", REG_MODE, proc_gen_cpuinfo, NULL},
    [PK_MEMINFO] = {"meminfo", REG_MODE, proc_gen_meminfo, NULL},
    [PK_VMSTAT] = {"vmstat", REG_MODE, proc_gen_vmstat, NULL},
    [PK_STAT] = {"stat", REG_MODE, proc_gen_stat, NULL},
    [PK_UPTIME] = {"uptime", REG_MODE, proc_gen_uptime, NULL},
    [PK_LOADAVG] = {"loadavg", REG_MODE, proc_gen_loadavg, NULL},
    [PK_VERSION] = {"version", REG_MODE, proc_gen_version, NULL},
    [PK_FILESYSTEMS] = {"filesystems", REG_MODE, proc_gen_filesystems, NULL},
    [PK_MOUNTS] = {"mounts", REG_MODE, proc_gen_mounts, NULL},
    [PK_SYS] = {"sys", DIR_MODE, NULL, NULL},
    [PK_SYS_KERNEL] = {"kernel", DIR_MODE, NULL, NULL},
    [PK_SYS_VM] = {"vm", DIR_MODE, NULL, NULL},
    [PK_SYS_FS] = {"fs", DIR_MODE, NULL, NULL},
    [PK_SYS_PROT_HARDLINKS] = {"protected_hardlinks", REG_MODE, proc_gen_sysctl, NULL},
    [PK_SYS_PROT_SYMLINKS] = {"protected_symlinks", REG_MODE, proc_gen_sysctl, NULL},
    [PK_SYS_PROT_REGULAR] = {"protected_regular", REG_MODE, proc_gen_sysctl, NULL},
    [PK_SYS_PROT_FIFOS] = {"protected_fifos", REG_MODE, proc_gen_sysctl, NULL},
    [PK_SYS_HOSTNAME] = {"hostname", SYSCTL_RW, proc_gen_sysctl, NULL},
    [PK_SYS_OSTYPE] = {"ostype", REG_MODE, proc_gen_sysctl, NULL},
    [PK_SYS_OSRELEASE] = {"osrelease", REG_MODE, proc_gen_sysctl, NULL},
    [PK_SYS_PIDMAX] = {"pid_max", SYSCTL_RW, proc_gen_sysctl, NULL},
    [PK_SYS_NGROUPS] = {"ngroups_max", REG_MODE, proc_gen_sysctl, NULL},
    [PK_SYS_CAPLAST] = {"cap_last_cap", REG_MODE, proc_gen_sysctl, NULL},
    [PK_SYS_OVERCOMMIT] = {"overcommit_memory", SYSCTL_RW, proc_gen_sysctl, NULL},
    [PK_TTY] = {"tty", DIR_MODE, NULL, NULL},
    [PK_TTY_DRIVERS] = {"drivers", REG_MODE, proc_gen_tty_drivers, NULL},
    [PK_NET] = {"net", DIR_MODE, NULL, NULL},
    [PK_NET_TCP] = {"tcp", REG_MODE, proc_gen_net, NULL},
    [PK_NET_TCP6] = {"tcp6", REG_MODE, proc_gen_net, NULL},
    [PK_NET_UDP] = {"udp", REG_MODE, proc_gen_net, NULL},
    [PK_NET_UDP6] = {"udp6", REG_MODE, proc_gen_net, NULL},
    [PK_NET_DEV] = {"dev", REG_MODE, proc_gen_net, NULL},
    [PK_NET_ROUTE] = {"route", REG_MODE, proc_gen_net, NULL},
    [PK_NET_IF_INET6] = {"if_inet6", REG_MODE, proc_gen_net, NULL},
    [PK_PID_DIR] = {NULL, DIR_MODE, NULL, NULL},
    [PK_EXE] = {"exe", LNK_MODE, NULL, proc_link_exe, PC_LINK},
    [PK_CWD] = {"cwd", LNK_MODE, NULL, proc_link_cwd, PC_LINK},
    [PK_ROOTLINK] = {"root", LNK_MODE, NULL, proc_link_root, PC_LINK},
    [PK_FD_DIR] = {"fd", S_IFDIR | 0500, NULL, NULL},
    [PK_FD] = {NULL, S_IFLNK, NULL, proc_link_fd, PC_LINK}, /* mode: fd_link_mode */
    [PK_PSTAT] = {"stat", REG_MODE, proc_gen_pid_stat, NULL},
    [PK_STATM] = {"statm", REG_MODE, proc_gen_statm, NULL},
    [PK_STATUS] = {"status", REG_MODE, proc_gen_status, NULL},
    [PK_CMDLINE] = {"cmdline", REG_MODE, proc_gen_cmdline, NULL},
    [PK_ENVIRON] = {"environ", S_IFREG | 0400, proc_gen_environ, NULL, PC_MM},
    [PK_MAPS] = {"maps", REG_MODE, proc_gen_maps, NULL, PC_MM},
    [PK_COMM] = {"comm", S_IFREG | 0644, proc_gen_comm, NULL},
    [PK_PMOUNTS] = {"mounts", REG_MODE, proc_gen_mounts, NULL},
    [PK_TASK_DIR] = {"task", DIR_MODE, NULL, NULL},
    [PK_TID_DIR] = {NULL, DIR_MODE, NULL, NULL},
    [PK_FDINFO_DIR] = {"fdinfo", DIR_MODE, NULL, NULL},
    [PK_FDINFO] = {NULL, REG_MODE, proc_gen_fdinfo, NULL, PC_OPEN},
    [PK_LIMITS] = {"limits", REG_MODE, proc_gen_limits, NULL},
    [PK_MOUNTINFO] = {"mountinfo", REG_MODE, proc_gen_mountinfo, NULL},
    [PK_IO] = {"io", S_IFREG | 0400, proc_gen_io, NULL, PC_READ},
    [PK_AUXV] = {"auxv", S_IFREG | 0400, proc_gen_auxv, NULL, PC_MM},
    /* Reads the process's memory at the file offset: its own file operations (mem_fops). */
    [PK_MEM] = {"mem", S_IFREG | 0600, NULL, NULL, PC_NONE},
};

/* Fixed children of each directory kind (terminated by PK_ROOT). */
static const enum proc_kind g_root_kids[] = {
    PK_SELF,    PK_THREAD_SELF, PK_CPUINFO, PK_MEMINFO, PK_VMSTAT, PK_STAT, PK_UPTIME, PK_LOADAVG,
    PK_VERSION, PK_FILESYSTEMS, PK_MOUNTS,  PK_SYS,     PK_TTY,    PK_NET,  PK_ROOT};
static const enum proc_kind g_sys_kids[] = {PK_SYS_FS, PK_SYS_KERNEL, PK_SYS_VM, PK_ROOT};
static const enum proc_kind g_sys_fs_kids[] = {PK_SYS_PROT_FIFOS, PK_SYS_PROT_HARDLINKS,
                                               PK_SYS_PROT_REGULAR, PK_SYS_PROT_SYMLINKS, PK_ROOT};
static const enum proc_kind g_sys_kernel_kids[] = {
    PK_SYS_HOSTNAME, PK_SYS_OSTYPE,  PK_SYS_OSRELEASE, PK_SYS_PIDMAX,
    PK_SYS_NGROUPS,  PK_SYS_CAPLAST, PK_ROOT};
static const enum proc_kind g_sys_vm_kids[] = {PK_SYS_OVERCOMMIT, PK_ROOT};
static const enum proc_kind g_tty_kids[] = {PK_TTY_DRIVERS, PK_ROOT};
static const enum proc_kind g_net_kids[] = {PK_NET_DEV,  PK_NET_IF_INET6, PK_NET_ROUTE, PK_NET_TCP,
                                            PK_NET_TCP6, PK_NET_UDP,      PK_NET_UDP6,  PK_ROOT};
static const enum proc_kind g_pid_kids[] = {
    PK_EXE,     PK_CWD,       PK_ROOTLINK, PK_FD_DIR, PK_PSTAT,   PK_STATM,    PK_STATUS,
    PK_CMDLINE, PK_ENVIRON,   PK_MAPS,     PK_COMM,   PK_PMOUNTS, PK_TASK_DIR, PK_FDINFO_DIR,
    PK_LIMITS,  PK_MOUNTINFO, PK_IO,       PK_AUXV,   PK_MEM,     PK_ROOT};
static const enum proc_kind g_tid_kids[] = {
    PK_EXE,       PK_CWD,     PK_ROOTLINK, PK_FD_DIR, PK_PSTAT,   PK_STATM,      PK_STATUS,
    PK_CMDLINE,   PK_ENVIRON, PK_MAPS,     PK_COMM,   PK_PMOUNTS, PK_FDINFO_DIR, PK_LIMITS,
    PK_MOUNTINFO, PK_IO,      PK_AUXV,     PK_MEM,    PK_ROOT};
static const enum proc_kind g_none_kids[] = {PK_ROOT};

static const enum proc_kind *fixed_kids(enum proc_kind dir)
{
    switch (dir) {
    case PK_ROOT:
        return g_root_kids;
    case PK_SYS:
        return g_sys_kids;
    case PK_SYS_KERNEL:
        return g_sys_kernel_kids;
    case PK_SYS_VM:
        return g_sys_vm_kids;
    case PK_SYS_FS:
        return g_sys_fs_kids;
    case PK_TTY:
        return g_tty_kids;
    case PK_NET:
        return g_net_kids;
    case PK_PID_DIR:
        return g_pid_kids;
    case PK_TID_DIR:
        return g_tid_kids;
    default:
        return g_none_kids;
    }
}

/* /proc/net/tcp and the others: the network stack's text (empty without a stack). */
static int proc_gen_net(struct ctx *ctx, const struct proc_node *n, struct proc_text *pt)
{
    char *buf = NULL;
    size_t len = 0;
    if (!g_net_hook)
        return 0;
    int ret = g_net_hook(g_kinds[n->kind].name, &buf, &len);
    if (ret == 0 && len)
        pt_append(pt, buf, len);
    free(buf);
    return ret;
}

/* ---- text builder ----------------------------------------------------------------------- */

void pt_append(struct proc_text *pt, const void *data, size_t n)
{
    if (pt->oom || n == 0)
        return;
    if (pt->len + n + 1 > pt->cap) {
        size_t cap = pt->cap ? pt->cap : 512;
        while (cap < pt->len + n + 1)
            cap *= 2;
        char *nb = realloc(pt->buf, cap);
        if (!nb) {
            pt->oom = true;
            return;
        }
        pt->buf = nb;
        pt->cap = cap;
    }
    memcpy(pt->buf + pt->len, data, n);
    pt->len += n;
    pt->buf[pt->len] = '\0';
}

void pt_printf(struct proc_text *pt, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        pt_append(pt, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        pt->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    pt_append(pt, big, (size_t)n);
    free(big);
}

/* ---- nodes and inodes ------------------------------------------------------------------- */

/* Stable inode number of a node: system files are small numbers (the root is 1); process
 * nodes encode (pid or tid, kind, fd) above 2^32. */
static uint64_t node_ino(const struct proc_node *n)
{
    if (n->pid == 0)
        return (uint64_t)n->kind + 1;
    uint64_t who = (uint64_t)(n->tid ? n->tid : n->pid) & 0x3fffffff;
    return (n->tid ? 1ull << 62 : 0) | (who << 32) | ((uint64_t)n->kind << 24) |
           ((uint64_t)n->fd & 0xffffff);
}

static uint32_t node_mode(const struct proc_node *n)
{
    return g_kinds[n->kind].mode;
}

struct task *proc_node_task(const struct proc_node *n)
{
    if (n->tid) {
        struct task *t = task_find(n->tid);
        return (t && t->tg->pid == n->pid && !t->tg->zombie) ? t : NULL;
    }
    struct task *t, *any = NULL;
    list_for_each_entry(t, &g_kernel.tasks, klink)
    {
        if (t->tg->pid != n->pid || t->state == TASK_DEAD || t->tg->zombie)
            continue;
        if (t->tid == n->pid)
            return t;
        if (!any)
            any = t;
    }
    if (any)
        return any;
    /* A zombie keeps its /proc/<pid> (state Z) until it is reaped; its dead leader stays
     * allocated as long as the thread group. */
    struct thread_group *tg = tg_find(n->pid);
    return (tg && tg->zombie) ? tg->leader : NULL;
}

struct task *proc_caller(struct ctx *ctx)
{
    struct task *t = task_from_ctx(ctx);
    return t ? t : g_current;
}

int proc_may_access(struct ctx *ctx, const struct task *target, unsigned mode)
{
    /* The background context is the Sentry itself: no process, every capability. */
    struct task *c = task_from_ctx(ctx);
    return task_may_access(ctx->cred, c ? c->tg : NULL, target, mode) == 0 ? 0 : -EACCES;
}

/* Linux's proc_mem_open for the files that show a process's memory: the same address
 * space, CAP_PERFMON or CAP_SYS_ADMIN (recent Linux lets profilers read these), or the
 * ptrace rule. A process without memory (a zombie) shows an empty file to anyone. */
static int mm_access(struct ctx *ctx, const struct task *target)
{
    struct task *c = task_from_ctx(ctx);
    if (!target->mmt.mm || (c && c->mmt.mm == target->mmt.mm))
        return 0;
    if (cred_capable(ctx->cred, CAP_PERFMON) || cred_capable(ctx->cred, CAP_SYS_ADMIN))
        return 0;
    return proc_may_access(ctx, target, PTRACE_MODE_READ_FSCREDS);
}

/* The access check of node @n for the caller (enum proc_check). Returns 0, -EACCES, or
 * -ENOENT when the process is gone. */
static int node_access(struct ctx *ctx, const struct proc_node *n)
{
    enum proc_check check = g_kinds[n->kind].check;
    if (check == PC_NONE || n->pid == 0)
        return 0;
    struct task *t = proc_node_task(n);
    if (!t)
        return -ENOENT;
    if (check == PC_MM)
        return mm_access(ctx, t);
    return proc_may_access(ctx, t, PTRACE_MODE_READ_FSCREDS);
}

static const struct inode_ops g_proc_iops;
static const struct file_ops g_proc_dir_fops;

static void proc_evict(struct inode *inode)
{
    free(inode->priv);
    inode->priv = NULL;
}

/* fd/N is r-x for a descriptor open for reading, -wx for writing (both for O_RDWR), and
 * has no permission bits for an O_PATH one, as in Linux. */
static uint32_t fd_link_mode(const struct task *t, int fd)
{
    struct file *f = t->fdt ? fdtable_get(t->fdt, fd) : NULL;
    uint32_t mode = S_IFLNK;
    if (!f)
        return mode;
    if (!(f->flags & O_PATH)) {
        if (file_readable(f))
            mode |= S_IRUSR | S_IXUSR;
        if (file_writable(f))
            mode |= S_IWUSR | S_IXUSR;
    }
    file_unref(f);
    return mode;
}

/* A new inode for @n. Returns 0 and the inode in *@out or -ENOMEM. */
static int node_inode(struct super_block *sb, const struct proc_node *n, struct inode **out)
{
    struct proc_node *copy = malloc(sizeof(*copy));
    if (!copy)
        return -ENOMEM;
    *copy = *n;
    uint32_t mode = node_mode(n);
    struct inode *inode =
        inode_new(sb, node_ino(n), mode, &g_proc_iops, S_ISDIR(mode) ? &g_proc_dir_fops : NULL);
    if (!inode) {
        free(copy);
        return -ENOMEM;
    }
    inode->priv = copy;
    if (S_ISDIR(mode))
        inode->nlink = 2;
    struct task *t = n->pid ? proc_node_task(n) : NULL;
    if (t) {
        /* Linux's task_dump_owner: the task's effective ids; root for a process that is
         * not dumpable (it changed its credentials) or has no memory left, except for the
         * world-readable directories, which always show the owner (ps reads it there). */
        if (mode == DIR_MODE || (t->mmt.mm && t->tg->dumpable)) {
            inode->uid = task_cred(t)->euid;
            inode->gid = task_cred(t)->egid;
        }
        if (n->kind == PK_FD)
            inode->mode = fd_link_mode(t, n->fd);
    }
    *out = inode;
    return 0;
}

/* True if the process (and thread) that @n belongs to still exists. */
static bool node_alive(const struct proc_node *n)
{
    return n->pid == 0 || proc_node_task(n) != NULL;
}

/* Parse a canonical decimal number ("0" or no leading zero). Returns it or -1. */
static long parse_num(const char *s)
{
    if (!*s || (s[0] == '0' && s[1]) || strlen(s) > 9)
        return -1;
    long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

/* The numbered child @num of directory @dir in *@child. Returns 0 or -ENOENT. */
static int lookup_numbered(const struct proc_node *dir, long num, struct proc_node *child)
{
    *child = (struct proc_node){.pid = dir->pid, .tid = dir->tid};
    if (num <= 0 && dir->kind != PK_FD_DIR && dir->kind != PK_FDINFO_DIR)
        return -ENOENT;
    switch (dir->kind) {
    case PK_ROOT:
        if (num > PROC_PID_MAX || !tg_find((int)num))
            return -ENOENT;
        child->kind = PK_PID_DIR;
        child->pid = (int)num;
        return 0;
    case PK_TASK_DIR: {
        struct task *t = task_find((int)num);
        if (!t || t->tg->pid != dir->pid)
            return -ENOENT;
        child->kind = PK_TID_DIR;
        child->tid = (int)num;
        return 0;
    }
    case PK_FD_DIR:
    case PK_FDINFO_DIR: {
        struct task *t = proc_node_task(dir);
        if (!t || !t->fdt || num > 0xffffff)
            return -ENOENT;
        struct file *f = fdtable_get(t->fdt, (int)num);
        if (!f)
            return -ENOENT;
        file_unref(f);
        child->kind = dir->kind == PK_FD_DIR ? PK_FD : PK_FDINFO;
        child->fd = (int)num;
        return 0;
    }
    default:
        return -ENOENT;
    }
}

static int proc_lookup(struct ctx *ctx, struct inode *dir, const char *name, struct inode **out)
{
    const struct proc_node *dn = dir->priv;
    if (!node_alive(dn))
        return -ENOENT;
    struct proc_node child = {.pid = dn->pid, .tid = dn->tid};
    const enum proc_kind *kids = fixed_kids(dn->kind);
    bool found = false;
    for (; *kids != PK_ROOT; kids++) {
        if (strcmp(g_kinds[*kids].name, name) == 0) {
            child.kind = *kids;
            found = true;
            break;
        }
    }
    if (!found) {
        long num = parse_num(name);
        if (num < 0)
            return -ENOENT;
        int ret = lookup_numbered(dn, num, &child);
        if (ret < 0)
            return ret;
    }
    return node_inode(dir->sb, &child, out);
}

/* ---- directories ------------------------------------------------------------------------ */

struct proc_dirent {
    char name[24];
    uint64_t ino;
    uint8_t type;
    int64_t off;
};

struct dirent_list {
    struct proc_dirent *v;
    size_t n, cap;
};

static int dl_add(struct dirent_list *dl, const struct proc_node *n, const char *name, int64_t off)
{
    if (dl->n == dl->cap) {
        size_t cap = dl->cap ? dl->cap * 2 : 32;
        struct proc_dirent *nv = realloc(dl->v, cap * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        dl->v = nv;
        dl->cap = cap;
    }
    struct proc_dirent *e = &dl->v[dl->n++];
    snprintf(e->name, sizeof(e->name), "%s", name);
    e->ino = node_ino(n);
    e->type = vfs_mode_to_dtype(node_mode(n));
    e->off = off;
    return 0;
}

static int cmp_off(const void *a, const void *b)
{
    const struct proc_dirent *x = a, *y = b;
    return (x->off > y->off) - (x->off < y->off);
}

/* Numbered children of @dir (pids, tids, fds) with offsets DYN_OFF + n. */
static int list_numbered(const struct proc_node *dir, struct dirent_list *dl)
{
    struct proc_node c = {.pid = dir->pid, .tid = dir->tid};
    char name[16];
    int ret = 0;
    if (dir->kind == PK_ROOT) {
        c.kind = PK_PID_DIR;
        struct thread_group *tg;
        list_for_each_entry(tg, &g_kernel.tgs, klink)
        {
            /* one entry per process, zombies included */
            c.pid = tg->pid;
            snprintf(name, sizeof(name), "%d", c.pid);
            if ((ret = dl_add(dl, &c, name, DYN_OFF + c.pid)) < 0)
                return ret;
        }
    } else if (dir->kind == PK_TASK_DIR) {
        c.kind = PK_TID_DIR;
        struct task *t;
        list_for_each_entry(t, &g_kernel.tasks, klink)
        {
            if (t->state == TASK_DEAD || t->tg->pid != dir->pid)
                continue;
            c.tid = t->tid;
            snprintf(name, sizeof(name), "%d", c.tid);
            if ((ret = dl_add(dl, &c, name, DYN_OFF + c.tid)) < 0)
                return ret;
        }
    } else if (dir->kind == PK_FD_DIR || dir->kind == PK_FDINFO_DIR) {
        c.kind = dir->kind == PK_FD_DIR ? PK_FD : PK_FDINFO;
        struct task *t = proc_node_task(dir);
        int size = (t && t->fdt) ? fdtable_size(t->fdt) : 0;
        for (int fd = 0; fd < size && fd <= 0xffffff; fd++) {
            struct file *f = fdtable_get(t->fdt, fd);
            if (!f)
                continue;
            file_unref(f);
            c.fd = fd;
            snprintf(name, sizeof(name), "%d", fd);
            if ((ret = dl_add(dl, &c, name, DYN_OFF + fd)) < 0)
                return ret;
        }
    }
    return 0;
}

/* Inode number of the parent directory of @n (for ".."). */
static uint64_t parent_ino(const struct proc_node *n)
{
    struct proc_node p = {.pid = n->pid, .tid = n->tid};
    switch (n->kind) {
    case PK_SYS_KERNEL:
    case PK_SYS_VM:
    case PK_SYS_FS:
        p = (struct proc_node){.kind = PK_SYS};
        break;
    case PK_FD_DIR:
    case PK_FDINFO_DIR:
        p.kind = n->tid ? PK_TID_DIR : PK_PID_DIR;
        break;
    case PK_TASK_DIR:
        p.kind = PK_PID_DIR;
        break;
    case PK_NET_TCP:
    case PK_NET_TCP6:
    case PK_NET_UDP:
    case PK_NET_UDP6:
    case PK_NET_DEV:
    case PK_NET_ROUTE:
    case PK_NET_IF_INET6:
        p = (struct proc_node){.kind = PK_NET};
        break;
    case PK_TID_DIR:
        p.kind = PK_TASK_DIR;
        p.tid = 0;
        break;
    default:
        p = (struct proc_node){.kind = PK_ROOT};
        break;
    }
    return node_ino(&p);
}

static int proc_dir_iterate(struct ctx *ctx, struct file *f, struct dir_emitter *e)
{
    const struct proc_node *dn = f->inode ? f->inode->priv : NULL;
    if (!dn)
        return -ENOTDIR;
    if (!node_alive(dn))
        return -ENOENT;
    if (f->pos == 0) {
        if (!e->emit(e, ".", node_ino(dn), vfs_mode_to_dtype(node_mode(dn)), 1))
            return 0;
        f->pos = 1;
    }
    if (f->pos == 1) {
        if (!e->emit(e, "..", parent_ino(dn), vfs_mode_to_dtype(S_IFDIR), 2))
            return 0;
        f->pos = 2;
    }
    struct dirent_list dl = {0};
    int ret = 0;
    int64_t off = 2;
    for (const enum proc_kind *k = fixed_kids(dn->kind); *k != PK_ROOT && ret == 0; k++) {
        struct proc_node c = {.kind = *k, .pid = dn->pid, .tid = dn->tid};
        ret = dl_add(&dl, &c, g_kinds[*k].name, off++);
    }
    if (ret == 0)
        ret = list_numbered(dn, &dl);
    if (ret == 0) {
        if (dl.n)
            qsort(dl.v, dl.n, sizeof(dl.v[0]), cmp_off);
        for (size_t i = 0; i < dl.n; i++) {
            if (dl.v[i].off < f->pos)
                continue;
            if (!e->emit(e, dl.v[i].name, dl.v[i].ino, dl.v[i].type, dl.v[i].off + 1))
                break;
            f->pos = dl.v[i].off + 1;
        }
    }
    free(dl.v);
    return ret;
}

static const struct file_ops g_proc_dir_fops = {
    .llseek = vfs_dir_llseek,
    .iterate = proc_dir_iterate,
};

/* ---- snapshot files --------------------------------------------------------------------- */

struct proc_snap {
    char *data;
    size_t len;
    int err;               /* what every read returns instead (PC_READ refused), or 0 */
    struct proc_node node; /* what the file shows, for writes */
};

static ssize_t proc_file_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct proc_snap *s = f->priv;
    if (s->err)
        return s->err;
    int64_t *p = pos ? pos : &f->pos;
    if (*p < 0)
        return -EINVAL;
    if ((uint64_t)*p >= s->len)
        return 0;
    size_t n = uio_copy_to(u, s->data + *p, s->len - (size_t)*p);
    *p += (int64_t)n;
    return (ssize_t)n;
}

static int64_t proc_file_llseek(struct ctx *ctx, struct file *f, int64_t off, int whence)
{
    struct proc_snap *s = f->priv;
    int64_t base;
    switch (whence) {
    case 0: /* SEEK_SET */
        base = 0;
        break;
    case 1: /* SEEK_CUR */
        base = f->pos;
        break;
    case 2: /* SEEK_END */
        base = (int64_t)s->len;
        break;
    default:
        return -EINVAL;
    }
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
        return -EINVAL;
    f->pos = base + off;
    return f->pos;
}

static void proc_file_release(struct file *f)
{
    struct proc_snap *s = f->priv;
    if (s)
        free(s->data);
    free(s);
    f->priv = NULL;
}

/* comm: the thread's name, as prctl(PR_SET_NAME), for a thread of the same process only
 * (others get EINVAL, as in Linux, even where the mode let them open it). */
static ssize_t write_comm(struct ctx *ctx, const struct proc_node *n, struct uio *u)
{
    struct task *target = proc_node_task(n);
    if (!target)
        return -ESRCH;
    struct task *c = task_from_ctx(ctx);
    if (!c || c->tg != target->tg)
        return -EINVAL;
    char name[16] = {0};
    size_t total = uio_remaining(u);
    uio_copy_from(u, name, total < sizeof(name) - 1 ? total : sizeof(name) - 1);
    memcpy(target->comm, name, sizeof(target->comm));
    return (ssize_t)total;
}

/* kernel.hostname, as Linux's proc_dostring in its strict mode: a write at offset @pos
 * replaces the name from there up to the first newline or NUL (at most 64 bytes in all);
 * a write past the end of the name changes nothing. Every byte counts as written. */
static ssize_t write_hostname(struct uio *u, int64_t *pos)
{
    char *name = g_kernel.hostname;
    size_t max = sizeof(g_kernel.hostname) - 1;
    size_t len = strnlen(name, max);
    size_t total = uio_remaining(u);
    if (*pos < 0 || (uint64_t)*pos > len)
        return (ssize_t)total;
    char buf[sizeof(g_kernel.hostname)];
    size_t n = uio_copy_from(u, buf, total < max ? total : max);
    len = (size_t)*pos;
    for (size_t i = 0; i < n && len < max && buf[i] != '\0' && buf[i] != '\n'; i++)
        name[len++] = buf[i];
    name[len] = '\0';
    *pos += (int64_t)total;
    return (ssize_t)total;
}

/* Writes: comm and kernel.hostname. The other files have no write method: EINVAL for a
 * process's files, EIO for the system ones (Linux's proc_reg_write without ->proc_write). */
static ssize_t proc_file_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct proc_snap *s = f->priv;
    switch (s->node.kind) {
    case PK_COMM:
        return write_comm(ctx, &s->node, u);
    case PK_SYS_HOSTNAME:
        return write_hostname(u, pos ? pos : &f->pos);
    default:
        return s->node.pid ? -EINVAL : -EIO;
    }
}

static const struct file_ops g_proc_file_fops = {
    .read = proc_file_read,
    .write = proc_file_write,
    .llseek = proc_file_llseek,
    .release = proc_file_release,
};

/* ---- /proc/PID/mem: the process's memory at the file offset ---------------------------- */

static ssize_t mem_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct proc_snap *s = f->priv;
    struct task *t = proc_node_task(&s->node);
    if (!t || !t->mmt.mm)
        return 0; /* the process went (Linux: its mm is gone) */
    char buf[4096];
    size_t total = 0;
    while (uio_remaining(u) > 0) {
        size_t n = uio_remaining(u) < sizeof(buf) ? uio_remaining(u) : sizeof(buf);
        /* Page by page, so that a hole ends the read there. */
        size_t in_page = 4096 - ((uint64_t)*pos & 4095);
        if (n > in_page)
            n = in_page;
        if (mm_copy_in_mm(t->mmt.mm, (gaddr_t)*pos, buf, n) < 0)
            break;
        size_t got = uio_copy_to(u, buf, n);
        total += got;
        *pos += (int64_t)got;
        if (got < n)
            break;
    }
    return total ? (ssize_t)total : -EIO;
}

static ssize_t mem_write(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    return -EIO; /* COMPAT: another process's memory is only read through /proc/PID/mem */
}

static int64_t mem_llseek(struct ctx *ctx, struct file *f, int64_t off, int whence)
{
    /* Addresses beyond INT64_MAX cannot be reached; SEEK_SET and SEEK_CUR as Linux. */
    if (whence == SEEK_SET)
        return f->pos = off;
    if (whence == SEEK_CUR)
        return f->pos += off;
    return -EINVAL;
}

static void mem_release(struct file *f)
{
    free(f->priv);
}

static const struct file_ops g_proc_mem_fops = {
    .read = mem_read,
    .write = mem_write,
    .llseek = mem_llseek,
    .release = mem_release,
};

/* Linux's mem_open: the ptrace rule for attaching (stricter than reading /proc). */
static int mem_open(struct ctx *ctx, const struct proc_node *n, struct file *f)
{
    struct task *t = proc_node_task(n);
    if (!t)
        return -ENOENT;
    struct task *c = task_from_ctx(ctx);
    if (!(c && c->mmt.mm == t->mmt.mm) &&
        proc_may_access(ctx, t, PTRACE_MODE_ATTACH | PTRACE_MODE_FSCREDS) < 0)
        return -EACCES;
    struct proc_snap *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->node = *n;
    f->priv = s;
    f->ops = &g_proc_mem_fops;
    return 0;
}

static int proc_open(struct ctx *ctx, struct inode *inode, struct file *f)
{
    const struct proc_node *n = inode->priv;
    if (S_ISDIR(inode->mode)) {
        if (!node_alive(n))
            return -ENOENT;
        f->ops = &g_proc_dir_fops;
        return 0;
    }
    if (n->kind == PK_MEM)
        return mem_open(ctx, n, f);
    if (!S_ISREG(inode->mode) || !g_kinds[n->kind].gen)
        return -ENXIO;
    /* COMPAT: the writable sysctls other than hostname cannot be changed (EACCES). */
    if (file_writable(f) && (n->kind == PK_SYS_PIDMAX || n->kind == PK_SYS_OVERCOMMIT))
        return -EACCES;
    /* Refused access ends the open, except for PC_READ files, whose reads fail. */
    int denied = node_access(ctx, n);
    if (denied < 0 && (denied != -EACCES || g_kinds[n->kind].check != PC_READ))
        return denied;
    struct proc_text pt = {0};
    int ret = denied < 0 ? 0 : g_kinds[n->kind].gen(ctx, n, &pt);
    if (ret == 0 && pt.oom)
        ret = -ENOMEM;
    struct proc_snap *s = ret == 0 ? malloc(sizeof(*s)) : NULL;
    if (ret == 0 && !s)
        ret = -ENOMEM;
    if (ret < 0) {
        free(pt.buf);
        return ret;
    }
    s->data = pt.buf;
    s->len = pt.len;
    s->err = denied;
    s->node = *n;
    f->priv = s;
    f->ops = &g_proc_file_fops;
    return 0;
}

/* ---- symlinks --------------------------------------------------------------------------- */

static int proc_readlink(struct ctx *ctx, struct inode *inode, char *buf, size_t size)
{
    const struct proc_node *n = inode->priv;
    if (!g_kinds[n->kind].link)
        return -EINVAL;
    if (!node_alive(n))
        return -ENOENT;
    int ret = node_access(ctx, n); /* reading and following alike */
    if (ret < 0)
        return ret;
    char *tmp = malloc(VFS_PATH_MAX);
    if (!tmp)
        return -ENOMEM;
    int len = g_kinds[n->kind].link(ctx, n, tmp, VFS_PATH_MAX);
    if (len >= 0) {
        if ((size_t)len > size)
            len = (int)size;
        memcpy(buf, tmp, (size_t)len);
    }
    free(tmp);
    return len;
}

/* /proc/pid/fd/N is a magic link: walks and opens reach the open file itself. */
static int proc_get_link_file(struct ctx *ctx, struct inode *inode, struct file **out)
{
    const struct proc_node *n = inode->priv;
    if (n->kind != PK_FD)
        return -EOPNOTSUPP; /* self, exe, cwd...: ordinary links */
    struct task *owner = proc_node_task(n);
    if (!owner || !owner->fdt)
        return -ENOENT;
    int ret = node_access(ctx, n);
    if (ret < 0)
        return ret;
    *out = fdtable_get(owner->fdt, n->fd);
    return *out ? 0 : -ENOENT;
}

static int proc_getattr(struct ctx *ctx, struct inode *inode)
{
    return node_alive(inode->priv) ? 0 : -ENOENT;
}

static bool is_sysctl(enum proc_kind k)
{
    return k >= PK_SYS && k <= PK_SYS_OVERCOMMIT;
}

/* Linux's sysctl_perm: the mode's owner bits for euid 0, its group bits for a member of
 * group 0, the others' bits otherwise. Capabilities do not count: a read-only sysctl is
 * read-only for everyone, a root-writable one writable by euid 0 only. */
static int sysctl_permission(struct ctx *ctx, const struct inode *inode, int mask)
{
    if ((mask & MAY_EXEC) && S_ISREG(inode->mode))
        return -EACCES;
    const struct cred *c = ctx->cred;
    unsigned mode = inode->mode;
    if (c->euid == 0)
        mode >>= 6;
    else if (cred_in_egroup(c, 0))
        mode >>= 3;
    return ((unsigned)mask & ~mode & 7) ? -EACCES : 0;
}

/* The mode bits, and for fd/ and fdinfo/ Linux's own rules: a process may always list its
 * own descriptors (fd/ is 0500 and root's when it is not dumpable); fdinfo/ (0555) is
 * for those who may inspect the process. */
static int proc_permission(struct ctx *ctx, const struct inode *inode, int mask)
{
    const struct proc_node *n = inode->priv;
    if (is_sysctl(n->kind))
        return sysctl_permission(ctx, inode, mask);
    if (n->kind == PK_FDINFO_DIR) {
        struct task *t = proc_node_task(n);
        if (!t)
            return -ENOENT;
        int ret = proc_may_access(ctx, t, PTRACE_MODE_READ_FSCREDS);
        if (ret < 0)
            return ret;
    }
    int ret = generic_permission(ctx, inode, mask);
    if (ret < 0 && n->kind == PK_FD_DIR) {
        struct task *c = task_from_ctx(ctx);
        if (c && c->tg->pid == (n->tid ? n->tid : n->pid)) /* Linux compares the fd/'s pid */
            return 0;
    }
    return ret;
}

static const struct inode_ops g_proc_iops = {
    .lookup = proc_lookup,
    .readlink = proc_readlink,
    .get_link_file = proc_get_link_file,
    .open = proc_open,
    .getattr = proc_getattr,
    .evict = proc_evict,
    .permission = proc_permission,
};

/* ---- superblock ------------------------------------------------------------------------- */

static int proc_mount(const struct fs_type *type, void *data, struct dentry **root)
{
    struct super_block *sb = sb_new(type);
    if (!sb)
        return -ENOMEM;
    sb->dcache = DCACHE_NONE;
    sb->magic = PROC_SUPER_MAGIC;
    struct inode *inode;
    int ret = node_inode(sb, &(struct proc_node){.kind = PK_ROOT}, &inode);
    if (ret == 0) {
        *root = dentry_new_root(sb, inode);
        if (!*root)
            ret = -ENOMEM;
    }
    sb_unref(sb);
    return ret;
}

const struct fs_type g_procfs_type = {
    .name = "proc",
    .mount = proc_mount,
};

int procfs_register(void)
{
    int ret = proc_sys_init();
    if (ret < 0)
        return ret;
    return vfs_register_fs(&g_procfs_type);
}
