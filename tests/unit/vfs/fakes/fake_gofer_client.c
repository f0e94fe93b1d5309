// SPDX-License-Identifier: Apache-2.0
/* In-process fake of the gofer client: fids are O_PATH descriptors of a host directory tree,
 * walked one component at a time with O_NOFOLLOW like the real gofer. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/vfs/fakes/fake_gofer_client.h"

#define MAX_FIDS 4096

struct gofer_client {
    int fds[MAX_FIDS]; /* fid i -> O_PATH fd, 0 when free (fid 0 unused) */
    int walks;
    int opens;
    int stats;
    int live;
    char root[256];
};

struct gofer_client *fake_gofer_new(const char *dir)
{
    struct gofer_client *c = calloc(1, sizeof(*c));
    snprintf(c->root, sizeof(c->root), "%s", dir);
    return c;
}

int fake_gofer_walks(const struct gofer_client *c)
{
    return c->walks;
}

int fake_gofer_live_fids(const struct gofer_client *c)
{
    return c->live;
}

int fake_gofer_opens(const struct gofer_client *c)
{
    return c->opens;
}

static void fill_stat(int fd, struct gofer_stat *st)
{
    struct stat hs;
    fstat(fd, &hs);
    memset(st, 0, sizeof(*st));
    st->dev = hs.st_dev;
    st->ino = hs.st_ino;
    st->mode = hs.st_mode;
    st->nlink = (uint32_t)hs.st_nlink;
    st->size = (uint64_t)hs.st_size;
    st->mtime = hs.st_mtim;
}

static int add_fid(struct gofer_client *c, int fd, uint64_t *fid, struct gofer_stat *st)
{
    for (int i = 1; i < MAX_FIDS; i++) {
        if (!c->fds[i]) {
            c->fds[i] = fd;
            c->live++;
            *fid = (uint64_t)i;
            if (st)
                fill_stat(fd, st);
            return 0;
        }
    }
    close(fd);
    return -ENFILE;
}

static int fd_of(struct gofer_client *c, uint64_t fid)
{
    return (fid > 0 && fid < MAX_FIDS && c->fds[fid]) ? c->fds[fid] : -1;
}

int gofer_attach(struct gofer_client *c, uint64_t *root_fid, struct gofer_stat *st)
{
    int fd = open(c->root, O_PATH | O_DIRECTORY);
    return fd < 0 ? -errno : add_fid(c, fd, root_fid, st);
}

int gofer_walk(struct gofer_client *c, uint64_t dir, const char *const *names, unsigned count,
               uint64_t *fids, struct gofer_stat *stats, unsigned *walked)
{
    c->walks++;
    *walked = 0;
    for (unsigned i = 0; i < count; i++) {
        if (!names[i][0] || !strcmp(names[i], ".") || !strcmp(names[i], "..") ||
            strchr(names[i], '/'))
            return -EINVAL;
    }
    int parent = fd_of(c, dir);
    if (parent < 0)
        return -EBADF;
    for (unsigned i = 0; i < count; i++) {
        struct stat ps;
        fstat(parent, &ps);
        if (!S_ISDIR(ps.st_mode))
            return -ENOTDIR;
        int fd = openat(parent, names[i], O_PATH | O_NOFOLLOW);
        if (fd < 0)
            return -errno;
        int ret = add_fid(c, fd, &fids[i], stats ? &stats[i] : NULL);
        if (ret < 0)
            return ret;
        parent = fd;
        (*walked)++;
    }
    return 0;
}

int gofer_stat(struct gofer_client *c, uint64_t fid, struct gofer_stat *st)
{
    c->stats++;
    int fd = fd_of(c, fid);
    if (fd < 0)
        return -EBADF;
    fill_stat(fd, st);
    return 0;
}

int gofer_open(struct gofer_client *c, uint64_t fid, int flags, int *host_fd)
{
    int fd = fd_of(c, fid);
    c->opens++;
    if (fd < 0)
        return -EBADF;
    if ((flags & O_ACCMODE) != O_RDONLY)
        return -EROFS;
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    int nfd = open(path, flags | O_CLOEXEC);
    if (nfd < 0)
        return -errno;
    *host_fd = nfd;
    return 0;
}

int gofer_readdir(struct gofer_client *c, uint64_t dir, uint64_t cookie, struct gofer_dirent *ents,
                  unsigned max, unsigned *count)
{
    int fd = fd_of(c, dir);
    if (fd < 0)
        return -EBADF;
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    *count = 0;
    uint64_t idx = 0;
    struct dirent *de;
    while ((de = readdir(d)) && *count < max) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (idx++ < cookie)
            continue;
        struct gofer_dirent *e = &ents[(*count)++];
        e->ino = de->d_ino;
        e->type = de->d_type;
        e->next = idx;
        snprintf(e->name, sizeof(e->name), "%s", de->d_name);
    }
    closedir(d);
    return 0;
}

int gofer_readlink(struct gofer_client *c, uint64_t fid, char *buf, size_t size)
{
    int fd = fd_of(c, fid);
    if (fd < 0)
        return -EBADF;
    ssize_t n = readlinkat(fd, "", buf, size);
    if (n < 0)
        return -errno;
    if ((size_t)n >= size)
        return -ENAMETOOLONG;
    buf[n] = '\0';
    return (int)n;
}

int gofer_close(struct gofer_client *c, const uint64_t *fids, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        int fd = fd_of(c, fids[i]);
        if (fd >= 0) {
            close(fd);
            c->fds[fids[i]] = 0;
            c->live--;
        }
    }
    return 0;
}

/* The fake serves a read-only tree: every write operation fails like a --ro gofer. */
int gofer_mkdir(struct gofer_client *c, uint64_t dir, const char *name, uint32_t mode, uint32_t uid,
                uint32_t gid, uint64_t *fid, struct gofer_stat *st)
{
    return -EROFS;
}

int gofer_create(struct gofer_client *c, uint64_t dir, const char *name, int flags, uint32_t mode,
                 uint32_t uid, uint32_t gid, uint64_t *fid, struct gofer_stat *st, int *host_fd)
{
    *host_fd = -1;
    return -EROFS;
}

int gofer_unlink(struct gofer_client *c, uint64_t dir, const char *name, int flags)
{
    return -EROFS;
}

int gofer_rename(struct gofer_client *c, uint64_t old_dir, const char *old_name, uint64_t new_dir,
                 const char *new_name, unsigned flags)
{
    return -EROFS;
}

int gofer_setattr(struct gofer_client *c, uint64_t fid, const struct gofer_setattr *sa,
                  struct gofer_stat *st)
{
    return -EROFS;
}

int gofer_symlink(struct gofer_client *c, uint64_t dir, const char *name, const char *target,
                  uint32_t uid, uint32_t gid, uint64_t *fid, struct gofer_stat *st)
{
    return -EROFS;
}

int gofer_link(struct gofer_client *c, uint64_t dir, const char *name, uint64_t target,
               uint64_t *fid, struct gofer_stat *st)
{
    return -EROFS;
}

int gofer_fsync(struct gofer_client *c, uint64_t fid, bool datasync)
{
    return 0;
}
