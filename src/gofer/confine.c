// SPDX-License-Identifier: Apache-2.0
/*
 * The gofer leaves the host's mount tree: a new mount namespace (and, when not started as
 * root, a user namespace mapping the caller to itself), a non-recursive bind mount of the root
 * it serves as its new "/", and the fewest capabilities that still serve every file.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/confine.h"
#include "common/log.h"
#include "gofer/gofer_confine.h"

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, text, strlen(text));
    int err = n < 0 ? -errno : 0;
    close(fd);
    return err;
}

/* Not root: a user namespace where we are still ourselves, so files keep their owner. */
static int enter_userns(void)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
        return -errno;
    char buf[64];
    int err = write_file("/proc/self/setgroups", "deny");
    snprintf(buf, sizeof(buf), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    if (err == 0)
        err = write_file("/proc/self/uid_map", buf);
    snprintf(buf, sizeof(buf), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    if (err == 0)
        err = write_file("/proc/self/gid_map", buf);
    return err;
}

/* The flags of the mount at @dir that a remount in a user namespace must keep (locked). */
static unsigned long kept_flags(const char *dir)
{
    struct statvfs sv;
    if (statvfs(dir, &sv) < 0)
        return 0;
    unsigned long fl = 0;
    if (sv.f_flag & ST_NOEXEC)
        fl |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME)
        fl |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME)
        fl |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME)
        fl |= MS_RELATIME;
    return fl;
}

/*
 * Remount the bind mount at @dir nosuid,nodev and, if @ro, read-only. Read-only is a wall
 * the seccomp filter relies on (filter.c: openat2 cannot be filtered on its flags), so a
 * read-only gofer that cannot have it does not start; nosuid,nodev alone only warn.
 */
static int remount_root(const char *dir, bool ro)
{
    unsigned long fl = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | (ro ? MS_RDONLY : 0);
    if (mount(NULL, dir, NULL, fl, NULL) == 0)
        return 0;
    /* In a user namespace the flags locked by the mount's owner must be repeated. */
    if (mount(NULL, dir, NULL, fl | kept_flags(dir), NULL) == 0)
        return 0;
    int err = -errno;
    if (ro) {
        log_error("cannot make the root read-only: %s", strerror(-err));
        return err;
    }
    log_warn("cannot remount the root nosuid,nodev: %s", strerror(-err));
    return 0;
}

/* Bind @src on a directory of a private tmpfs and pivot_root into it; alone, unless
 * @recursive (required in a user namespace, see ops_walk.c). */
static int stage_root(const char *src, bool ro, bool recursive)
{
    /* pivot_root needs a mount point of its own: stage the new root on a tmpfs. */
    const char *stage = cv_staging_dir();
    if (mount("cvisor-gofer", stage, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
        return -errno;
    char dir[64];
    snprintf(dir, sizeof(dir), "%s/root", stage);
    if (mkdir(dir, 0700) < 0)
        return -errno;
    /* Not MS_REC as root: /proc, /sys, /dev and every other mount below the root stay behind. */
    if (mount(src, dir, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
        return -errno;
    int err = remount_root(dir, ro);
    if (err < 0)
        return err;
    return cv_pivot_into(dir);
}

int gofer_confine(const char *root, bool ro)
{
    bool is_root = geteuid() == 0;
    int err = is_root ? (unshare(CLONE_NEWNS) < 0 ? -errno : 0) : enter_userns();
    if (err < 0)
        return err;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return -errno;
    /* The staging tmpfs may hide @root (a root under /tmp): hold it by a descriptor. */
    int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0)
        return -errno;
    char src[64];
    snprintf(src, sizeof(src), "/proc/self/fd/%d", root_fd);
    err = stage_root(src, ro, !is_root);
    close(root_fd);
    if (err < 0)
        return err;
    /*
     * Root serving read-only keeps CAP_DAC_READ_SEARCH (read every file and search every
     * directory, as the app's root would); read-write also CAP_DAC_OVERRIDE, CAP_FOWNER,
     * CAP_FSETID and CAP_CHOWN for writes, attribute changes and ownership. Not root: none,
     * the caller's own files are all it serves.
     */
    uint64_t keep = 0;
    if (is_root) {
        keep = CV_CAP(CAP_DAC_READ_SEARCH);
        if (!ro)
            keep |= CV_CAP(CAP_DAC_OVERRIDE) | CV_CAP(CAP_FOWNER) | CV_CAP(CAP_FSETID) |
                    CV_CAP(CAP_CHOWN);
    }
    return cv_caps_limit(keep);
}
