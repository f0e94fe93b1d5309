// SPDX-License-Identifier: Apache-2.0
/*
 * The host's mount points below the root. The gofer's own namespace does not hold the
 * host's mounts (as root it binds the root without submounts), and since Linux 3.18 removing
 * or renaming over a dentry that is a mount point only in another namespace succeeds and
 * detaches the mounts there. So the writable gofer keeps /proc/self/mountinfo of the
 * namespace it was started in open (the file stays bound to that namespace), finds the
 * dentries of its mount points (and their ancestors, whose rename would move the mount) in the
 * served tree, and refuses UNLINK and RENAME of them. The kernel signals a change of that
 * mount table with POLLPRI; the list is then read again.
 *
 * Where openat2 is missing, the roots of the mounts below the root in the gofer's own
 * namespace are also noted at start-up, so that walks see a bind mount of the same device.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "gofer/server.h"

/* Bounds against a pathological mount table: the guard then fails closed (see refresh). */
#define MOUNTINFO_SIZE_MAX (16u << 20)
#define MOUNT_POINTS_MAX 65536u

/* One line of mountinfo: the fields used here, unescaped in place. */
struct mi_entry {
    long id;
    long parent;
    char *devno; /* "major:minor" of the mounted file system */
    char *root;  /* the mount's root within its file system */
    char *point; /* its mount point, in the reader's view */
};

/* Read the whole of @fd from its start into a new NUL-terminated buffer. */
static int read_all(int fd, char **out)
{
    if (lseek(fd, 0, SEEK_SET) < 0)
        return -errno;
    size_t cap = 16384, len = 0;
    _cleanup_free_ char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    for (;;) {
        if (cap - len < 4096) {
            if (cap >= MOUNTINFO_SIZE_MAX)
                return -EFBIG;
            char *n = realloc(buf, cap * 2);
            if (!n)
                return -ENOMEM;
            buf = n;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *out = TAKE_PTR(buf);
    return 0;
}

/* Undo the kernel's octal escapes (\040 for a space, \134 for a backslash...) in place. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; w++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
            r[3] >= '0' && r[3] <= '7') {
            *w = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
            r += 4;
        } else {
            *w = *r++;
        }
    }
    *w = '\0';
}

/* Split one line (NUL-terminated, modified) into @e. Returns false for a line without them. */
static bool parse_line(char *line, struct mi_entry *e)
{
    char *f[5];
    char *save = NULL;
    for (int i = 0; i < 5; i++) {
        f[i] = strtok_r(i == 0 ? line : NULL, " ", &save);
        if (!f[i])
            return false;
    }
    char *end;
    e->id = strtol(f[0], &end, 10);
    if (*end)
        return false;
    e->parent = strtol(f[1], &end, 10);
    if (*end)
        return false;
    unescape(f[3]);
    unescape(f[4]);
    e->devno = f[2];
    e->root = f[3];
    e->point = f[4];
    return f[3][0] == '/' && f[4][0] == '/';
}

/* Split the mount table in @buf into a new array of entries. */
static int parse_all(char *buf, struct mi_entry **out, size_t *count)
{
    size_t lines = 1;
    for (const char *p = buf; *p; p++)
        lines += *p == '\n';
    struct mi_entry *e = calloc(lines, sizeof(*e));
    if (!e)
        return -ENOMEM;
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (parse_line(line, &e[n]))
            n++;
    *out = e;
    *count = n;
    return 0;
}

/* Returns what follows @prefix in @path if @path is @prefix or below it ("" or "/..."),
 * else NULL. */
static const char *below(const char *path, const char *prefix)
{
    if (strcmp(prefix, "/") == 0)
        return path;
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0 || (path[n] != '\0' && path[n] != '/'))
        return NULL;
    return path + n;
}

/* @a joined with @rest ("" or "/..."), in the new buffer *@out. */
static int join(const char *a, const char *rest, char **out)
{
    if (strcmp(a, "/") == 0 && rest[0] != '\0')
        a = "";
    size_t size = strlen(a) + strlen(rest) + 1;
    *out = malloc(size);
    if (!*out)
        return -ENOMEM;
    snprintf(*out, size, "%s%s", a, rest);
    return 0;
}

static int push(struct gofer_mount_point **v, size_t *count, size_t *cap, const struct stat *st)
{
    if (*count == *cap) {
        if (*cap >= MOUNT_POINTS_MAX)
            return -E2BIG;
        size_t ncap = *cap ? *cap * 2 : 16;
        struct gofer_mount_point *n = realloc(*v, ncap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        *v = n;
        *cap = ncap;
    }
    (*v)[(*count)++] = (struct gofer_mount_point){.dev = st->st_dev, .ino = st->st_ino};
    return 0;
}

static int add_point(struct gofer_mounts *m, size_t *cap, const struct stat *st)
{
    return push(&m->pts, &m->count, cap, st);
}

/*
 * Find @rel (a path below the root, modified) one component at a time through the walls, and
 * add every directory on the way and the entry itself. Unreachable paths (gone, behind a
 * symlink or another mount) are skipped: nothing the gofer serves leads there.
 */
static int add_path(struct gofer_server *s, char *rel, size_t *cap)
{
    _cleanup_close_ int dir = -1;
    char *save = NULL;
    for (char *name = strtok_r(rel, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
        struct stat st;
        bool foreign;
        int fd = gofer_lookup(s, dir >= 0 ? dir : s->root_fd, name, &st, &foreign);
        if (fd < 0)
            return 0;
        if (dir >= 0)
            close(dir);
        dir = fd;
        if (foreign)
            return 0; /* A mount of the gofer's own namespace: the kernel guards it. */
        int ret = add_point(&s->mounts, cap, &st);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* The entry of the mount the root lies on: the longest mount point above it, the last
 * (topmost) of equals. */
static const struct mi_entry *root_mount(const struct mi_entry *e, size_t n, const char *root)
{
    const struct mi_entry *best = NULL;
    for (size_t i = 0; i < n; i++)
        if (below(root, e[i].point) && (!best || strlen(e[i].point) >= strlen(best->point)))
            best = &e[i];
    return best;
}

static const struct mi_entry *find_id(const struct mi_entry *e, size_t n, long id)
{
    for (size_t i = 0; i < n; i++)
        if (e[i].id == id)
            return &e[i];
    return NULL;
}

/*
 * For each mount whose mount point dentry lies on the root's file system (through any mount of
 * it), its path within that file system; those below the root's own path are looked up.
 */
static int collect(struct gofer_server *s, const struct mi_entry *e, size_t n, size_t *cap)
{
    const struct mi_entry *r = root_mount(e, n, s->mounts.root_path);
    if (!r)
        return -ENOENT;
    _cleanup_free_ char *root_fs = NULL;
    int ret = join(r->root, below(s->mounts.root_path, r->point), &root_fs);
    for (size_t i = 0; ret == 0 && i < n; i++) {
        const struct mi_entry *p = find_id(e, n, e[i].parent);
        if (&e[i] == r || !p || p == &e[i] || strcmp(p->devno, r->devno) != 0)
            continue;
        const char *rest = below(e[i].point, p->point);
        _cleanup_free_ char *dentry = NULL;
        if (!rest || (ret = join(p->root, rest, &dentry)) < 0)
            continue;
        const char *rel = below(dentry, root_fs);
        if (rel && rel[0] == '/' && rel[1] != '\0')
            ret = add_path(s, dentry + (rel - dentry), cap); /* @rel, writable */
    }
    return ret;
}

int gofer_mounts_refresh(struct gofer_server *s)
{
    struct gofer_mounts *m = &s->mounts;
    if (m->info_fd < 0)
        return 0;
    _cleanup_free_ char *buf = NULL;
    int ret = read_all(m->info_fd, &buf);
    if (ret < 0)
        return ret;
    _cleanup_free_ struct mi_entry *e = NULL;
    size_t n;
    if ((ret = parse_all(buf, &e, &n)) < 0)
        return ret;
    struct gofer_mount_point *old = m->pts;
    size_t old_count = m->count, cap = 0;
    m->pts = NULL;
    m->count = 0;
    ret = collect(s, e, n, &cap);
    if (ret < 0) {
        free(m->pts);
        m->pts = old;
        m->count = old_count;
        return ret;
    }
    free(old);
    m->stale = false;
    log_debug("%zu mount point dentries (and ancestors) below the root", m->count);
    return 0;
}

bool gofer_mounts_contain(struct gofer_server *s, const struct stat *st)
{
    struct gofer_mounts *m = &s->mounts;
    if (m->info_fd < 0)
        return false;
    struct pollfd p = {.fd = m->info_fd, .events = POLLPRI};
    if (poll(&p, 1, 0) > 0 && (p.revents & (POLLPRI | POLLERR)))
        m->stale = true;
    if (m->stale) {
        int ret = gofer_mounts_refresh(s);
        if (ret < 0) {
            /* Fail closed: without a current list, nothing counts as removable. */
            log_warn("re-reading the host's mount points: %s", strerror(-ret));
            return true;
        }
    }
    for (size_t i = 0; i < m->count; i++)
        if (m->pts[i].dev == st->st_dev && m->pts[i].ino == st->st_ino)
            return true;
    return false;
}

/* Follow @rel (modified) from the root without following symlinks, onto whatever is mounted
 * there, and add where it lands. */
static int add_root(struct gofer_server *s, char *rel, size_t *cap)
{
    _cleanup_close_ int fd = -1;
    char *save = NULL;
    for (char *name = strtok_r(rel, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
        int next = openat(fd >= 0 ? fd : s->root_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0)
            return 0; /* not reachable from the root by a walk */
        if (fd >= 0)
            close(fd);
        fd = next;
    }
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return 0;
    return push(&s->mounts.roots, &s->mounts.nroots, cap, &st);
}

int gofer_mounts_find_roots(struct gofer_server *s)
{
    char self[16], root_path[PATH_MAX];
    snprintf(self, sizeof(self), "%d", s->root_fd);
    ssize_t len = readlinkat(s->proc_fd, self, root_path, sizeof(root_path) - 1);
    if (len < 0)
        return -errno;
    root_path[len] = '\0';
    _cleanup_close_ int fd = openat(s->proc_fd, "../mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    _cleanup_free_ char *buf = NULL;
    _cleanup_free_ struct mi_entry *e = NULL;
    size_t n, cap = 0;
    int ret = read_all(fd, &buf);
    if (ret == 0)
        ret = parse_all(buf, &e, &n);
    for (size_t i = 0; ret == 0 && i < n; i++) {
        const char *rel = below(e[i].point, root_path);
        if (rel && rel[0] == '/' && rel[1] != '\0')
            ret = add_root(s, e[i].point + (rel - e[i].point), &cap);
    }
    log_debug("%zu mounts below the root in our namespace", s->mounts.nroots);
    return ret;
}

bool gofer_mounts_is_root(const struct gofer_server *s, const struct stat *st)
{
    for (size_t i = 0; i < s->mounts.nroots; i++)
        if (s->mounts.roots[i].dev == st->st_dev && s->mounts.roots[i].ino == st->st_ino)
            return true;
    return false;
}

void gofer_mounts_destroy(struct gofer_mounts *m)
{
    if (m->info_fd >= 0)
        close(m->info_fd);
    free(m->pts);
    free(m->roots);
    free(m->root_path);
    *m = (struct gofer_mounts){.info_fd = -1};
}
