// SPDX-License-Identifier: Apache-2.0
/*
 * devfs: the superblock (a tmpfs) and its fixed population; the character devices are in
 * memdev.c.
 */
#include <errno.h>
#include <sys/stat.h>

#include "sentry/fs/dev/devfs.h"
#include "sentry/fs/dev/memdev.h"
#include "sentry/fs/tmpfs/tmpfs.h"

struct devfs_node {
    const char *name;
    uint32_t mode;
    uint32_t major, minor;
    const char *target;
};

static const struct devfs_node g_nodes[] = {
    {"null", S_IFCHR | 0666, 1, 3, NULL},
    {"zero", S_IFCHR | 0666, 1, 5, NULL},
    {"full", S_IFCHR | 0666, 1, 7, NULL},
    {"random", S_IFCHR | 0666, 1, 8, NULL},
    {"urandom", S_IFCHR | 0666, 1, 9, NULL},
    {"tty", S_IFCHR | 0666, 5, 0, NULL}, /* the controlling terminal (fs/devpts) */
    {"fd", S_IFLNK | 0777, 0, 0, "/proc/self/fd"},
    {"stdin", S_IFLNK | 0777, 0, 0, "/proc/self/fd/0"},
    {"stdout", S_IFLNK | 0777, 0, 0, "/proc/self/fd/1"},
    {"stderr", S_IFLNK | 0777, 0, 0, "/proc/self/fd/2"},
    {"ptmx", S_IFCHR | 0666, 5, 2, NULL},
    {"shm", S_IFDIR | 01777, 0, 0, NULL},
    {"pts", S_IFDIR | 0755, 0, 0, NULL},
};

static int devfs_mount(const struct fs_type *type, void *data, struct dentry **root)
{
    struct dentry *d;
    int ret = tmpfs_new_super(type, 0755, &d);
    if (ret < 0)
        return ret;
    for (size_t i = 0; i < sizeof(g_nodes) / sizeof(g_nodes[0]); i++) {
        const struct devfs_node *n = &g_nodes[i];
        uint64_t rdev = S_ISCHR(n->mode) ? vfs_mkdev(n->major, n->minor) : 0;
        ret = tmpfs_add_node(d, n->name, n->mode, rdev, n->target);
        if (ret < 0) {
            dentry_unref(d);
            return ret;
        }
    }
    *root = d;
    return 0;
}

const struct fs_type g_devfs_type = {
    .name = "devfs",
    .mount = devfs_mount,
};

int devfs_register(void)
{
    int ret = memdev_register();
    if (ret < 0)
        return ret;
    return vfs_register_fs(&g_devfs_type);
}
