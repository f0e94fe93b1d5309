// SPDX-License-Identifier: Apache-2.0
/*
 * The walls every name lookup of the gofer goes through: one validated component (never
 * "", ".", ".." or a '/'), opened O_PATH|O_NOFOLLOW relative to a fid's descriptor and, where
 * the kernel has openat2(2) (Linux 5.6), with RESOLVE_BENEATH, RESOLVE_NO_XDEV,
 * RESOLVE_NO_MAGICLINKS and RESOLVE_NO_SYMLINKS as well, so that the kernel itself refuses
 * what the component checks already exclude and sees every mount crossing, even onto the same
 * device; then the result's device is compared with the root's.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "gofer/server.h"

#define RESOLVE_WALLS (RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS)

/*
 * The only two open_how structures the read-only gofer passes to openat2(): filter.c allows
 * the call with these addresses alone (seccomp cannot read the structure), and being const
 * they live in read-only memory.
 */
const struct open_how g_gofer_walk_how = {
    .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
    .resolve = RESOLVE_WALLS | RESOLVE_NO_XDEV,
};
const struct open_how g_gofer_mount_how = {
    .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
    .resolve = RESOLVE_WALLS,
};

static int sys_openat2(int dirfd, const char *name, const struct open_how *how)
{
    long fd = syscall(SYS_openat2, dirfd, name, how, sizeof(*how));
    return fd < 0 ? -errno : (int)fd;
}

bool gofer_openat2_probe(int dirfd)
{
    int fd = sys_openat2(dirfd, ".", &g_gofer_walk_how);
    if (fd < 0) {
        log_info("no openat2 (%s): lookups rely on the component checks and st_dev", strerror(-fd));
        return false;
    }
    close(fd);
    return true;
}

/* Open @name of @dirfd O_PATH without following it. *@crossed: the kernel saw a mount. */
static int open_component(struct gofer_server *s, int dirfd, const char *name, bool *crossed)
{
    *crossed = false;
    if (!s->openat2) {
        int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
    }
    int fd = sys_openat2(dirfd, name, &g_gofer_walk_how);
    if (fd != -EXDEV)
        return fd;
    /*
     * @name is a mount point. It is opened again, still beneath @dirfd and without following
     * any link, only so that it can be served as an empty directory (or refused, if it is not
     * a directory): the caller marks it foreign and nothing below it is ever looked up.
     */
    *crossed = true;
    return sys_openat2(dirfd, name, &g_gofer_mount_how);
}

int gofer_lookup(struct gofer_server *s, int dirfd, const char *name, struct stat *st,
                 bool *foreign)
{
    /* Every caller has checked the name; this is the last line before the kernel. */
    if (!gofer_name_valid(name))
        return -EINVAL;
    bool crossed;
    int fd = open_component(s, dirfd, name, &crossed);
    if (fd < 0)
        return fd;
    if (fstat(fd, st) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    /* Without openat2 a bind mount of the same device shows only by its root. */
    *foreign = crossed || st->st_dev != s->root_dev || (!s->openat2 && gofer_mounts_is_root(s, st));
    return fd;
}

int gofer_check_not_mount_point(struct gofer_server *s, int dirfd, const char *name)
{
    struct stat st;
    bool foreign;
    int fd = gofer_lookup(s, dirfd, name, &st, &foreign);
    if (fd < 0)
        return fd;
    close(fd);
    if (foreign || gofer_mounts_contain(s, &st)) {
        log_warn("refusing to remove or rename the mount point \"%s\"", name);
        return -EBUSY;
    }
    return 0;
}
