// SPDX-License-Identifier: Apache-2.0
/*
 * sysfs (sysfs.h): a fixed tree of directories and small text files, generated when opened.
 * Nothing is cached (DCACHE_NONE): every walk step calls sys_lookup.
 */
#include "sentry/fs/sys/sysfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sentry/kernel/meminfo.h"
#include "sentry/vfs/vfs_internal.h"

#define SYSFS_MAGIC 0x62656572
#define DIR_MODE (S_IFDIR | 0755)
#define REG_MODE (S_IFREG | 0444)
#define CPU_DIR_OFF 64 /* readdir offset of cpu<n>: CPU_DIR_OFF + n */

enum sys_kind {
    SK_NONE = 0, /* terminates child lists */
    SK_ROOT,
    SK_DEVICES,
    SK_SYSTEM,
    SK_CPU,
    SK_ONLINE,
    SK_POSSIBLE,
    SK_PRESENT,
    SK_KERNEL_MAX,
    SK_CPUN, /* cpu<n>/, numbered */
    SK_CPUN_ONLINE,
    SK_NODE, /* NUMA: one node, as get_mempolicy reports (syscalls/sys_mempolicy.c) */
    SK_NODE_ONLINE,
    SK_NODE_POSSIBLE,
    SK_NODE_HAS_CPU,
    SK_NODE_HAS_MEMORY,
    SK_NODE_HAS_NORMAL,
    SK_NODE0,
    SK_NODE0_CPULIST,
    SK_NODE0_CPUMAP,
    SK_NODE0_DISTANCE,
    SK_NODE0_MEMINFO,
    SK_FS,
    SK_CGROUP,
    SK_KERNEL,
    SK_CLASS,
    SK_COUNT
};

struct sys_node {
    enum sys_kind kind;
    int cpu;
};

static const struct {
    const char *name;
    uint32_t mode;
    enum sys_kind parent;
} g_kinds[SK_COUNT] = {
    [SK_ROOT] = {"", DIR_MODE, SK_ROOT},
    [SK_DEVICES] = {"devices", DIR_MODE, SK_ROOT},
    [SK_SYSTEM] = {"system", DIR_MODE, SK_DEVICES},
    [SK_CPU] = {"cpu", DIR_MODE, SK_SYSTEM},
    [SK_ONLINE] = {"online", REG_MODE, SK_CPU},
    [SK_POSSIBLE] = {"possible", REG_MODE, SK_CPU},
    [SK_PRESENT] = {"present", REG_MODE, SK_CPU},
    [SK_KERNEL_MAX] = {"kernel_max", REG_MODE, SK_CPU},
    [SK_CPUN] = {NULL, DIR_MODE, SK_CPU},
    [SK_CPUN_ONLINE] = {"online", REG_MODE, SK_CPUN},
    [SK_NODE] = {"node", DIR_MODE, SK_SYSTEM},
    [SK_NODE_ONLINE] = {"online", REG_MODE, SK_NODE},
    [SK_NODE_POSSIBLE] = {"possible", REG_MODE, SK_NODE},
    [SK_NODE_HAS_CPU] = {"has_cpu", REG_MODE, SK_NODE},
    [SK_NODE_HAS_MEMORY] = {"has_memory", REG_MODE, SK_NODE},
    [SK_NODE_HAS_NORMAL] = {"has_normal_memory", REG_MODE, SK_NODE},
    [SK_NODE0] = {"node0", DIR_MODE, SK_NODE},
    [SK_NODE0_CPULIST] = {"cpulist", REG_MODE, SK_NODE0},
    [SK_NODE0_CPUMAP] = {"cpumap", REG_MODE, SK_NODE0},
    [SK_NODE0_DISTANCE] = {"distance", REG_MODE, SK_NODE0},
    [SK_NODE0_MEMINFO] = {"meminfo", REG_MODE, SK_NODE0},
    [SK_FS] = {"fs", DIR_MODE, SK_ROOT},
    [SK_CGROUP] = {"cgroup", DIR_MODE, SK_FS},
    [SK_KERNEL] = {"kernel", DIR_MODE, SK_ROOT},
    [SK_CLASS] = {"class", DIR_MODE, SK_ROOT},
};

/* Immutable after sysfs_register. */
static unsigned g_ncpu = 1;

static uint64_t node_ino(const struct sys_node *n)
{
    return (uint64_t)n->kind + 1 + ((uint64_t)n->cpu << 8);
}

static const struct inode_ops g_sys_iops;
static const struct file_ops g_sys_dir_fops;

static void sys_evict(struct inode *inode)
{
    free(inode->priv);
    inode->priv = NULL;
}

static int node_inode(struct super_block *sb, const struct sys_node *n, struct inode **out)
{
    struct sys_node *copy = malloc(sizeof(*copy));
    if (!copy)
        return -ENOMEM;
    *copy = *n;
    uint32_t mode = g_kinds[n->kind].mode;
    struct inode *inode =
        inode_new(sb, node_ino(n), mode, &g_sys_iops, S_ISDIR(mode) ? &g_sys_dir_fops : NULL);
    if (!inode) {
        free(copy);
        return -ENOMEM;
    }
    inode->priv = copy;
    if (S_ISDIR(mode))
        inode->nlink = 2;
    else
        inode->size = 4096; /* as Linux reports every sysfs attribute */
    *out = inode;
    return 0;
}

/* The fixed children of @dir in order, SK_NONE-terminated, in @kids (at most SK_COUNT). */
static void fixed_kids(enum sys_kind dir, enum sys_kind *kids)
{
    int n = 0;
    for (int k = SK_DEVICES; k < SK_COUNT; k++)
        if (g_kinds[k].parent == dir && g_kinds[k].name)
            kids[n++] = (enum sys_kind)k;
    kids[n] = SK_NONE;
}

static int sys_lookup(struct ctx *ctx, struct inode *dir, const char *name, struct inode **out)
{
    const struct sys_node *dn = dir->priv;
    enum sys_kind kids[SK_COUNT + 1];
    fixed_kids(dn->kind, kids);
    for (enum sys_kind *k = kids; *k != SK_NONE; k++) {
        if (strcmp(g_kinds[*k].name, name) == 0)
            return node_inode(dir->sb, &(struct sys_node){*k, dn->cpu}, out);
    }
    unsigned cpu;
    char extra;
    if (dn->kind == SK_CPU && sscanf(name, "cpu%u%c", &cpu, &extra) == 1 && cpu < g_ncpu) {
        char canon[16];
        snprintf(canon, sizeof(canon), "cpu%u", cpu);
        if (strcmp(canon, name) == 0)
            return node_inode(dir->sb, &(struct sys_node){SK_CPUN, (int)cpu}, out);
    }
    return -ENOENT;
}

static int sys_dir_iterate(struct ctx *ctx, struct file *f, struct dir_emitter *e)
{
    const struct sys_node *dn = f->inode->priv;
    if (f->pos == 0) {
        if (!e->emit(e, ".", node_ino(dn), vfs_mode_to_dtype(S_IFDIR), 1))
            return 0;
        f->pos = 1;
    }
    if (f->pos == 1) {
        enum sys_kind pk = g_kinds[dn->kind].parent;
        struct sys_node parent = {pk, 0};
        if (!e->emit(e, "..", node_ino(&parent), vfs_mode_to_dtype(S_IFDIR), 2))
            return 0;
        f->pos = 2;
    }
    enum sys_kind kids[SK_COUNT + 1];
    fixed_kids(dn->kind, kids);
    for (int i = 0; kids[i] != SK_NONE; i++) {
        if (f->pos > 2 + i)
            continue;
        struct sys_node c = {kids[i], dn->cpu};
        if (!e->emit(e, g_kinds[kids[i]].name, node_ino(&c),
                     vfs_mode_to_dtype(g_kinds[kids[i]].mode), 3 + i))
            return 0;
        f->pos = 3 + i;
    }
    if (dn->kind != SK_CPU)
        return 0;
    for (unsigned cpu = 0; cpu < g_ncpu; cpu++) {
        if (f->pos > CPU_DIR_OFF + (int64_t)cpu)
            continue;
        char name[16];
        snprintf(name, sizeof(name), "cpu%u", cpu);
        struct sys_node c = {SK_CPUN, (int)cpu};
        if (!e->emit(e, name, node_ino(&c), vfs_mode_to_dtype(S_IFDIR), CPU_DIR_OFF + cpu + 1))
            return 0;
        f->pos = CPU_DIR_OFF + cpu + 1;
    }
    return 0;
}

static const struct file_ops g_sys_dir_fops = {
    .llseek = vfs_dir_llseek,
    .iterate = sys_dir_iterate,
};

/* ---- attribute files -------------------------------------------------------------------- */

struct sys_text {
    char buf[1024];
    size_t len;
};

static ssize_t sys_file_read(struct ctx *ctx, struct file *f, struct uio *u, int64_t *pos)
{
    struct sys_text *s = f->priv;
    int64_t *p = pos ? pos : &f->pos;
    if (*p < 0)
        return -EINVAL;
    if ((uint64_t)*p >= s->len)
        return 0;
    size_t n = uio_copy_to(u, s->buf + *p, s->len - (size_t)*p);
    *p += (int64_t)n;
    return (ssize_t)n;
}

static void sys_file_release(struct file *f)
{
    free(f->priv);
    f->priv = NULL;
}

static const struct file_ops g_sys_file_fops = {
    .read = sys_file_read,
    .llseek = vfs_dir_llseek,
    .release = sys_file_release,
};

/* node0/cpumap: the CPUs as a hex mask in 32-bit groups, as Linux's "%*pb" prints it. */
static int cpumap_text(char *buf, size_t size)
{
    size_t len = 0;
    unsigned groups = (g_ncpu + 31) / 32;
    for (unsigned g = groups; g-- > 0;) {
        unsigned bits = g_ncpu - g * 32 < 32 ? g_ncpu - g * 32 : 32;
        uint32_t word = bits == 32 ? UINT32_MAX : (1u << bits) - 1;
        /* The top group is as wide as its CPUs need; the others are 8 digits. */
        int width = g == groups - 1 ? (int)((bits + 3) / 4) : 8;
        len += (size_t)snprintf(buf + len, size - len, g == groups - 1 ? "%0*x" : ",%0*x",
                                width, word);
    }
    return (int)len + snprintf(buf + len, size - len, "\n");
}

/* node0/meminfo: the sandbox's figures (kernel/meminfo.h), in Linux's per-node format. */
static int node_meminfo_text(char *buf, size_t size)
{
    struct kernel_meminfo mi;
    kernel_meminfo(&mi);
    const struct {
        const char *name;
        uint64_t bytes;
    } rows[] = {
        {"MemTotal:", mi.total},  {"MemFree:", mi.free},     {"MemUsed:", mi.used},
        {"SwapCached:", 0},       {"Active:", mi.used},      {"Inactive:", 0},
        {"Active(anon):", mi.used}, {"Inactive(anon):", 0},  {"Active(file):", 0},
        {"Inactive(file):", 0},   {"Unevictable:", 0},       {"Mlocked:", 0},
        {"Dirty:", 0},            {"Writeback:", 0},         {"FilePages:", mi.shmem},
        {"Mapped:", 0},           {"AnonPages:", mi.anon},   {"Shmem:", mi.shmem},
    };
    size_t len = 0;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]) && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "Node 0 %-16s%8llu kB\n", rows[i].name,
                                (unsigned long long)(rows[i].bytes / 1024));
    return (int)(len < size ? len : size - 1);
}

static int sys_open(struct ctx *ctx, struct inode *inode, struct file *f)
{
    const struct sys_node *n = inode->priv;
    if (S_ISDIR(inode->mode)) {
        f->ops = &g_sys_dir_fops;
        return 0;
    }
    if (file_writable(f))
        return -EACCES;
    struct sys_text *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    int len;
    switch (n->kind) {
    case SK_NODE_ONLINE:
    case SK_NODE_POSSIBLE:
    case SK_NODE_HAS_CPU:
    case SK_NODE_HAS_MEMORY:
    case SK_NODE_HAS_NORMAL:
        len = snprintf(s->buf, sizeof(s->buf), "0\n");
        break;
    case SK_NODE0_CPUMAP:
        len = cpumap_text(s->buf, sizeof(s->buf));
        break;
    case SK_NODE0_DISTANCE:
        len = snprintf(s->buf, sizeof(s->buf), "10\n");
        break;
    case SK_NODE0_MEMINFO:
        len = node_meminfo_text(s->buf, sizeof(s->buf));
        break;
    case SK_KERNEL_MAX:
        len = snprintf(s->buf, sizeof(s->buf), "8191\n");
        break;
    case SK_CPUN_ONLINE:
        len = snprintf(s->buf, sizeof(s->buf), "1\n");
        break;
    default: /* cpu/online, possible, present, node0/cpulist */
        len = g_ncpu > 1 ? snprintf(s->buf, sizeof(s->buf), "0-%u\n", g_ncpu - 1)
                         : snprintf(s->buf, sizeof(s->buf), "0\n");
        break;
    }
    s->len = (size_t)len;
    f->priv = s;
    f->ops = &g_sys_file_fops;
    return 0;
}

static const struct inode_ops g_sys_iops = {
    .lookup = sys_lookup,
    .open = sys_open,
    .evict = sys_evict,
};

static int sys_mount(const struct fs_type *type, void *data, struct dentry **root)
{
    struct super_block *sb = sb_new(type);
    if (!sb)
        return -ENOMEM;
    sb->dcache = DCACHE_NONE;
    sb->magic = SYSFS_MAGIC;
    sb->read_only = true;
    struct inode *inode;
    int ret = node_inode(sb, &(struct sys_node){SK_ROOT, 0}, &inode);
    if (ret == 0) {
        *root = dentry_new_root(sb, inode);
        if (!*root)
            ret = -ENOMEM;
    }
    sb_unref(sb);
    return ret;
}

static const struct fs_type g_sysfs_type = {
    .name = "sysfs",
    .mount = sys_mount,
};

int sysfs_register(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    g_ncpu = n > 0 ? (unsigned)n : 1;
    return vfs_register_fs(&g_sysfs_type);
}
