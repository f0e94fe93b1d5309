// SPDX-License-Identifier: Apache-2.0
/*
 * pivot_root into a new root and capability dropping, done with raw system calls (no libcap)
 * because both are a handful of calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/confine.h"

int cv_caps_limit(uint64_t keep)
{
    /* The bounding set first: it needs CAP_SETPCAP, which capset below may remove. */
    for (int c = 0; c <= 63; c++) {
        if (keep & CV_CAP(c))
            continue;
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            return -errno; /* EINVAL: past the last capability this kernel knows */
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return -errno;
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2] = {0};
    for (int i = 0; i < 2; i++) {
        uint32_t bits = (uint32_t)(keep >> (32 * i));
        data[i].effective = bits;
        data[i].permitted = bits;
        data[i].inheritable = 0;
    }
    if (syscall(SYS_capset, &hdr, data) < 0)
        return -errno;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -errno;
    return 0;
}

int cv_pivot_into(const char *dir)
{
    if (chdir(dir) < 0)
        return -errno;
    /* pivot_root(".", "."): the old root ends up stacked on the new one; detach it. */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return -errno;
    if (umount2(".", MNT_DETACH) < 0)
        return -errno;
    if (chdir("/") < 0)
        return -errno;
    return 0;
}

const char *cv_staging_dir(void)
{
    static const char *const dirs[] = {"/tmp", "/mnt", "/dev"};
    struct stat st;
    for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
            return dirs[i];
    return "/";
}
