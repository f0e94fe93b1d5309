// SPDX-License-Identifier: Apache-2.0
/*
 * The mount tree, filesystem type registry, character device registry, path references and
 * path strings (for getcwd, /proc/self/fd and file_path()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "sentry/vfs/resolve.h"
#include "sentry/vfs/vfs_internal.h"

#define MAX_FS_TYPES 16
#define MAX_CHRDEVS 64

static const struct fs_type *g_fs_types[MAX_FS_TYPES];
static struct mount *g_root_mount;
static int g_next_mount_id = 1;

static struct {
    uint64_t rdev;
    const struct file_ops *fops;
    vfs_chrdev_open_fn open; /* whole-major entries (minor ignored) when set */
} g_chrdevs[MAX_CHRDEVS];
static int g_nr_chrdevs;

void vfs_init(void)
{
    /* Everything is statically zeroed; kept as the place for future set-up. */
}

/* ---- references ------------------------------------------------------------------------- */

struct mount *mount_ref(struct mount *m)
{
    m->refs++;
    return m;
}

void mount_unref(struct mount *m)
{
    CV_BUG_ON(m && m->refs <= 0);
    if (!m || --m->refs > 0)
        return;
    /* Mounts are never unmounted in this version; this frees a mount that failed set-up. */
    dentry_unref(m->root);
    if (m->mountpoint)
        dentry_unref(m->mountpoint);
    if (m->parent)
        mount_unref(m->parent);
    sb_unref(m->sb);
    free(m);
}

void path_get(const struct path *p)
{
    if (p->mnt)
        mount_ref(p->mnt);
    if (p->dentry)
        dentry_ref(p->dentry);
}

void path_put(struct path *p)
{
    if (p->dentry)
        dentry_unref(p->dentry);
    if (p->mnt)
        mount_unref(p->mnt);
    p->dentry = NULL;
    p->mnt = NULL;
}

struct mount *vfs_root_mount(void)
{
    return g_root_mount;
}

struct mount *mount_lookup_child(struct mount *mnt, struct dentry *d)
{
    struct mount *found = NULL, *c;
    list_for_each_entry(c, &mnt->children, sibling)
    {
        if (c->mountpoint == d)
            found = c; /* the newest mount on a dentry hides older ones */
    }
    return found;
}

/* ---- filesystem types ------------------------------------------------------------------- */

int vfs_register_fs(const struct fs_type *type)
{
    for (int i = 0; i < MAX_FS_TYPES; i++) {
        if (g_fs_types[i] && strcmp(g_fs_types[i]->name, type->name) == 0)
            return -EEXIST;
    }
    for (int i = 0; i < MAX_FS_TYPES; i++) {
        if (!g_fs_types[i]) {
            g_fs_types[i] = type;
            return 0;
        }
    }
    return -ENOMEM;
}

static const struct fs_type *find_fs(const char *name)
{
    for (int i = 0; i < MAX_FS_TYPES; i++) {
        if (g_fs_types[i] && strcmp(g_fs_types[i]->name, name) == 0)
            return g_fs_types[i];
    }
    return NULL;
}

/* A new mount of @fstype, not yet attached. */
static int mount_new(const char *fstype, void *data, unsigned long flags, struct mount **out)
{
    const struct fs_type *type = find_fs(fstype);
    if (!type)
        return -ENODEV;
    struct dentry *root = NULL;
    int ret = type->mount(type, data, &root);
    if (ret < 0)
        return ret;
    struct mount *m = calloc(1, sizeof(*m));
    if (!m) {
        dentry_unref(root);
        return -ENOMEM;
    }
    m->refs = 1;
    m->root = root;
    m->sb = root->sb;
    sb_ref(m->sb);
    m->flags = flags & (MNT_READONLY | MNT_NOSUID | MNT_NODEV | MNT_NOEXEC);
    list_init(&m->children);
    list_init(&m->sibling);
    m->id = g_next_mount_id++;
    *out = m;
    return 0;
}

int vfs_mount_root(const char *fstype, void *data)
{
    if (g_root_mount)
        return -EBUSY;
    struct mount *m;
    int ret = mount_new(fstype, data, 0, &m);
    if (ret < 0)
        return ret;
    g_root_mount = m; /* the tree keeps this reference forever */
    return 0;
}

int vfs_kern_mount(const char *fstype, void *data, struct mount **out)
{
    return mount_new(fstype, data, 0, out);
}

/* A synthetic directory to mount on where the (read-only) filesystem has none. */
static int make_mountpoint(struct dentry *dir, const char *name, size_t len, struct dentry **out)
{
    if (dir->sb->dcache == DCACHE_NONE)
        return -ENOENT;
    struct inode *inode = inode_new(dir->sb, 0, S_IFDIR | 0755, NULL, &g_dcache_dir_fops);
    if (!inode)
        return -ENOMEM;
    inode->ino = 0x7fff000000000000ull | (uint64_t)g_next_mount_id; /* no clash with hosts */
    inode->nlink = 2;
    struct dentry *d = dcache_add(dir, name, len, inode);
    inode_unref(inode);
    if (!d)
        return -ENOMEM;
    d->synthetic = true;
    *out = dentry_ref(d);
    return 0;
}

/* Resolve @target from the tree root, creating a synthetic leaf if the parent exists. */
static int find_mountpoint(const char *target, struct path *out)
{
    if (target[0] != '/')
        return -EINVAL;
    struct path root = {g_root_mount, g_root_mount->root};
    const char *p = target;
    path_get(&root);
    struct path cur = root;
    path_get(&cur);
    int ret = 0;
    while (*p) {
        while (*p == '/')
            p++;
        size_t len = strcspn(p, "/");
        if (len == 0)
            break;
        if (len > VFS_NAME_MAX || (len <= 2 && p[0] == '.')) {
            ret = -EINVAL;
            break;
        }
        struct dentry *d = NULL;
        ret = dentry_lookup_child(ctx_background(), cur.dentry, p, len, NULL, 0, &d);
        if (ret < 0)
            break;
        p += len;
        if (!d) {
            if (p[strspn(p, "/")] != '\0') {
                ret = -ENOENT;
                break;
            }
            ret = make_mountpoint(cur.dentry, p - len, len, &d);
            if (ret < 0)
                break;
        }
        struct path next = {mount_ref(cur.mnt), d};
        while (next.dentry->mounted) {
            struct mount *m = mount_lookup_child(next.mnt, next.dentry);
            if (!m)
                break;
            struct path down = {mount_ref(m), dentry_ref(m->root)};
            path_put(&next);
            next = down;
        }
        path_put(&cur);
        cur = next;
        if (!S_ISDIR(cur.dentry->inode->mode)) {
            ret = -ENOTDIR;
            break;
        }
    }
    path_put(&root);
    if (ret < 0) {
        path_put(&cur);
        return ret;
    }
    *out = cur;
    return 0;
}

int vfs_mount_at(const char *target, const char *fstype, void *data, unsigned long flags)
{
    if (!g_root_mount)
        return -ENOENT;
    struct path mp;
    int ret = find_mountpoint(target, &mp);
    if (ret < 0)
        return ret;
    struct mount *m;
    ret = mount_new(fstype, data, flags, &m);
    if (ret < 0) {
        path_put(&mp);
        return ret;
    }
    m->parent = mp.mnt; /* the path's references move into the mount */
    m->mountpoint = mp.dentry;
    mp.dentry->mounted++;
    list_add_tail(&m->sibling, &m->parent->children);
    log_debug("mounted %s on %s", fstype, target);
    return 0; /* the tree keeps the mount's reference forever */
}

/* ---- path strings ----------------------------------------------------------------------- */

int vfs_path_string(const struct path *p, const struct path *root, char *buf, size_t size,
                    bool *reachable, bool *dead)
{
    char *tmp = malloc(VFS_PATH_MAX);
    if (!tmp)
        return -ENOMEM;
    size_t pos = VFS_PATH_MAX - 1;
    tmp[pos] = '\0';
    struct mount *m = p->mnt;
    struct dentry *d = p->dentry;
    bool is_dead = false, reach = true;
    int ret = 0;
    for (;;) {
        if (root && m == root->mnt && d == root->dentry)
            break;
        if (d == m->root || !d->parent) {
            if (!m->parent) {
                reach = root == NULL;
                break;
            }
            d = m->mountpoint;
            m = m->parent;
            continue;
        }
        is_dead |= d->dead;
        size_t len = strlen(d->name);
        if (len + 1 > pos) {
            ret = -ENAMETOOLONG;
            break;
        }
        pos -= len;
        memcpy(tmp + pos, d->name, len);
        tmp[--pos] = '/';
        d = d->parent;
    }
    if (ret == 0 && pos == VFS_PATH_MAX - 1)
        tmp[--pos] = '/';
    if (ret == 0) {
        size_t len = VFS_PATH_MAX - 1 - pos;
        if (len + 1 > size) {
            ret = -ERANGE;
        } else {
            memcpy(buf, tmp + pos, len + 1);
            ret = (int)len;
        }
    }
    free(tmp);
    if (reachable)
        *reachable = reach;
    if (dead)
        *dead = is_dead || p->dentry->dead;
    return ret;
}

/* ---- character devices ------------------------------------------------------------------ */

int vfs_register_chrdev(uint32_t major, uint32_t minor, const struct file_ops *fops)
{
    uint64_t rdev = vfs_mkdev(major, minor);
    if (vfs_chrdev_fops(rdev))
        return -EEXIST;
    if (g_nr_chrdevs >= MAX_CHRDEVS)
        return -ENOMEM;
    g_chrdevs[g_nr_chrdevs].rdev = rdev;
    g_chrdevs[g_nr_chrdevs].fops = fops;
    g_nr_chrdevs++;
    return 0;
}

int vfs_register_chrdev_open(uint32_t major, vfs_chrdev_open_fn open)
{
    if (g_nr_chrdevs >= MAX_CHRDEVS)
        return -ENOMEM;
    g_chrdevs[g_nr_chrdevs].rdev = vfs_mkdev(major, 0);
    g_chrdevs[g_nr_chrdevs].open = open;
    g_nr_chrdevs++;
    return 0;
}

vfs_chrdev_open_fn vfs_chrdev_open(uint64_t rdev)
{
    for (int i = 0; i < g_nr_chrdevs; i++) {
        if (g_chrdevs[i].open && vfs_dev_major(g_chrdevs[i].rdev) == vfs_dev_major(rdev))
            return g_chrdevs[i].open;
    }
    return NULL;
}

const struct file_ops *vfs_chrdev_fops(uint64_t rdev)
{
    for (int i = 0; i < g_nr_chrdevs; i++) {
        if (g_chrdevs[i].rdev == rdev)
            return g_chrdevs[i].fops;
    }
    return NULL;
}
