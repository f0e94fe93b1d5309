// SPDX-License-Identifier: Apache-2.0
/*
 * A hostile Sentry. Real gofers (gofer_main() in a forked child, as root, read-only, in a user
 * namespace, and the bare server loop without any confinement, with and without openat2)
 * serve a temp directory holding a tmpfs mount, same-device bind mounts of a directory and a
 * file from outside, symlinks out of the root (absolute, relative, to a directory, dangling),
 * a fifo and files of another owner. The test speaks the wire protocol itself and tries every
 * operation against all of them, with bad names, absurd lengths, lying length fields,
 * unknown, closed and reused fids, wrong file types, broken framing and random messages.
 * After each attempt it checks on the host side that nothing outside the root or on the
 * mounts was changed (or unmounted), that no reply carried a stat, a name or a descriptor of
 * them, and that the gofer is alive; at the end the gofer must still serve a valid request.
 * Needs root (for the mounts of its private mount namespace); skipped otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/fdpass.h"
#include "gofer/gofer.h"
#include "gofer/gofer_confine.h"
#include "gofer/server.h"
#include "proto/msg.h"

#define NOBODY 65534
#define OTHER_UID 12345
#define FUZZ_ROUNDS 4000

static char g_base[] = "/tmp/cvisor-hostile-XXXXXX";
static char g_root[128], g_outside[128];

/* How the gofer under test sees the mounts below its root. */
enum view {
    VIEW_UNDER,    /* as root: a bind without submounts, mount points are plain directories */
    VIEW_FOREIGN,  /* the mounts are there and recognised as such (openat2 or st_dev) */
    VIEW_FALLBACK, /* the same without openat2: st_dev and the roots of the gofer's mounts */
};

enum kind { KIND_ROOT, KIND_USERNS, KIND_BARE };

struct ctx {
    int sock;
    pid_t pid;
    uint32_t tag;
    bool ro;
    bool userns;
    enum view view;
    uint64_t root;
    uint64_t pool[256]; /* fids seen, for the fuzz */
    unsigned npool;
};

/* ---- The host side: what must never change, and what no reply may show ----------------- */

struct snap_ent {
    char path[PATH_MAX];
    struct stat st;
    uint32_t hash;
};

struct snap {
    struct snap_ent e[64];
    unsigned n;
};

static struct snap g_snap;
static dev_t g_tmpfs_dev;
static struct stat g_outside_st, g_secret_st, g_tmpfs_root_st;

static uint32_t hash_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOATIME | O_NONBLOCK);
    if (fd < 0)
        fd = open(path, O_RDONLY | O_NONBLOCK);
    uint32_t h = 2166136261u;
    if (fd < 0)
        return 0;
    uint8_t buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        for (ssize_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * 16777619u;
    close(fd);
    return h;
}

static void snap_add(struct snap *s, const char *path, bool recurse)
{
    assert_true(s->n < sizeof(s->e) / sizeof(s->e[0]));
    struct snap_ent *e = &s->e[s->n++];
    snprintf(e->path, sizeof(e->path), "%s", path);
    if (lstat(path, &e->st) < 0)
        fail_msg("`%s` is gone: %s", path, strerror(errno));
    e->hash = S_ISREG(e->st.st_mode) ? hash_file(path) : 0;
    if (!recurse || !S_ISDIR(e->st.st_mode))
        return;
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
        snap_add(s, sub, true);
    }
    closedir(d);
}

/* Everything outside the root, and on the mounts below it. */
static void snap_take(struct snap *s)
{
    char p[PATH_MAX];
    s->n = 0;
    snap_add(s, g_base, false);
    snprintf(p, sizeof(p), "%s/above", g_base);
    snap_add(s, p, false);
    snap_add(s, g_outside, true);
    snprintf(p, sizeof(p), "%s/mnt", g_root);
    snap_add(s, p, true);
}

static void snap_count_names(const char *path, unsigned *n)
{
    DIR *d = opendir(path);
    assert_non_null(d);
    while (readdir(d))
        (*n)++;
    closedir(d);
}

/* The host side after an attempt: nothing changed, the mounts are all still there. */
static void host_check(const struct ctx *c, const char *what)
{
    struct snap now;
    snap_take(&now);
    if (now.n != g_snap.n)
        fail_msg("%s: %u protected entries instead of %u", what, now.n, g_snap.n);
    for (unsigned i = 0; i < now.n; i++) {
        const struct snap_ent *a = &g_snap.e[i], *b = &now.e[i];
        if (strcmp(a->path, b->path) != 0 || a->st.st_ino != b->st.st_ino ||
            a->st.st_dev != b->st.st_dev || a->st.st_mode != b->st.st_mode ||
            a->st.st_uid != b->st.st_uid || a->st.st_gid != b->st.st_gid ||
            a->st.st_nlink != b->st.st_nlink || a->st.st_size != b->st.st_size ||
            a->st.st_mtim.tv_sec != b->st.st_mtim.tv_sec ||
            a->st.st_mtim.tv_nsec != b->st.st_mtim.tv_nsec ||
            a->st.st_ctim.tv_sec != b->st.st_ctim.tv_sec ||
            a->st.st_ctim.tv_nsec != b->st.st_ctim.tv_nsec || a->hash != b->hash)
            fail_msg("%s: `%s` changed (was `%s`)", what, b->path, a->path);
    }
    unsigned names = 0;
    snap_count_names(g_base, &names);
    if (names != 5) /* ".", "..", "above", "outside", "root" */
        fail_msg("%s: the base directory holds %u names", what, names);
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof(p), "%s/bind", g_root);
    if (stat(p, &st) < 0 || st.st_ino != g_outside_st.st_ino)
        fail_msg("%s: the directory bind mount is gone", what);
    snprintf(p, sizeof(p), "%s/fbind", g_root);
    if (stat(p, &st) < 0 || st.st_ino != g_secret_st.st_ino)
        fail_msg("%s: the file bind mount is gone", what);
    snprintf(p, sizeof(p), "%s/mnt", g_root);
    if (stat(p, &st) < 0 || st.st_dev != g_tmpfs_dev)
        fail_msg("%s: the tmpfs is gone", what);
    snprintf(p, sizeof(p), "%s/OUTSIDE-created", g_outside);
    if (lstat(p, &st) == 0)
        fail_msg("%s: a file was created outside", what);
    int status;
    if (c->pid > 0 && waitpid(c->pid, &status, WNOHANG) != 0)
        fail_msg("%s: the gofer died (status %#x)", what, status);
}

/* Whether a file the gofer shows (@dev, @ino) lies outside the root or on a mount. The roots
 * of the mounts may be shown as the empty directories they are served as (@stat_only). */
static bool forbidden(uint64_t dev, uint64_t ino, bool stat_only)
{
    if (stat_only && ((dev == g_outside_st.st_dev && ino == g_outside_st.st_ino) ||
                      (dev == g_tmpfs_root_st.st_dev && ino == g_tmpfs_root_st.st_ino)))
        return false;
    for (unsigned i = 0; i < g_snap.n; i++)
        if (g_snap.e[i].st.st_dev == dev && g_snap.e[i].st.st_ino == ino)
            return true;
    return false;
}

/* ---- The tree ------------------------------------------------------------------------- */

static void put_file(const char *path, const char *content, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
}

static void at(char *buf, const char *dir, const char *name) /* @buf: PATH_MAX bytes */
{
    snprintf(buf, PATH_MAX, "%s/%s", dir, name);
}

/* base/above and base/outside/{OUTSIDE-secret,OUTSIDE-victim,OUTSIDE-dir/}, writable by
 * everyone (so that an escape would succeed), once. */
static void build_outside(void)
{
    char p[PATH_MAX];
    assert_non_null(mkdtemp(g_base));
    assert_int_equal(chmod(g_base, 0755), 0);
    at(g_root, g_base, "root");
    at(g_outside, g_base, "outside");
    at(p, g_base, "above");
    put_file(p, "above the root\n", 0666);
    assert_int_equal(mkdir(g_outside, 0777), 0);
    at(p, g_outside, "OUTSIDE-secret");
    put_file(p, "OUTSIDE secret\n", 0666);
    at(p, g_outside, "OUTSIDE-victim");
    put_file(p, "OUTSIDE victim\n", 0666);
    at(p, g_outside, "OUTSIDE-dir");
    assert_int_equal(mkdir(p, 0777), 0);
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof(cmd), "chown -R %d:%d '%s'", NOBODY, NOBODY, g_outside);
    assert_int_equal(system(cmd), 0);
}

/*
 * A fresh base/root for each run, with a tmpfs on mnt (holding ONMOUNT-file, ONMOUNT-dir/),
 * outside bind-mounted on bind and OUTSIDE-secret on fbind, the symlinks abs, rel, updir,
 * outdirlink, dirlink, dangling, victimlink, a fifo, a file and a directory of another
 * owner, file, dir/f and emptydir; then the snapshot of what must not change.
 */
static int build_root(void **state)
{
    char p[PATH_MAX], q[PATH_MAX];
    assert_int_equal(mkdir(g_root, 0755), 0);
    const char *dirs[] = {"dir", "emptydir", "mnt", "bind", "otherdir"};
    for (unsigned i = 0; i < 5; i++) {
        at(p, g_root, dirs[i]);
        assert_int_equal(mkdir(p, 0777), 0);
    }
    at(p, g_root, "file");
    put_file(p, "inside\n", 0666);
    at(p, g_root, "dir/f");
    put_file(p, "dir/f\n", 0666);
    at(p, g_root, "fbind");
    put_file(p, "", 0666);
    at(p, g_root, "owned");
    put_file(p, "owned\n", 0600);
    assert_int_equal(chown(p, OTHER_UID, OTHER_UID), 0);
    at(p, g_root, "otherdir");
    assert_int_equal(chmod(p, 0755), 0);
    assert_int_equal(chown(p, OTHER_UID, OTHER_UID), 0);
    at(p, g_root, "fifo");
    assert_int_equal(mkfifo(p, 0666), 0);
    struct {
        const char *name, *target;
    } links[] = {
        {"abs", "OUTSIDE-secret"},
        {"rel", "../outside/OUTSIDE-secret"},
        {"updir", "../../"},
        {"outdirlink", ""},
        {"dirlink", "dir"},
        {"dangling", "OUTSIDE-created"},
        {"victimlink", "OUTSIDE-victim"},
    };
    for (unsigned i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        bool absolute = i == 0 || i == 3 || i == 5 || i == 6;
        if (absolute)
            snprintf(q, sizeof(q), "%s/%s", g_outside, links[i].target);
        else
            snprintf(q, sizeof(q), "%s", links[i].target);
        at(p, g_root, links[i].name);
        assert_int_equal(symlink(q, p), 0);
    }
    /* Everything in the root belongs to nobody (the user-namespace gofer) but the owned. */
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof(cmd), "chown -hR %d:%d '%s' && chown -h %d:%d '%s/owned' '%s/otherdir'",
             NOBODY, NOBODY, g_root, OTHER_UID, OTHER_UID, g_root, g_root);
    assert_int_equal(system(cmd), 0);
    /* The mounts, in the test's private mount namespace. */
    at(p, g_root, "mnt");
    assert_int_equal(mount("hostile", p, "tmpfs", 0, "mode=0777"), 0);
    assert_int_equal(stat(p, &g_tmpfs_root_st), 0);
    g_tmpfs_dev = g_tmpfs_root_st.st_dev;
    at(q, g_root, "mnt/ONMOUNT-file");
    put_file(q, "ON the mount\n", 0666);
    at(q, g_root, "mnt/ONMOUNT-dir");
    assert_int_equal(mkdir(q, 0777), 0);
    snprintf(cmd, sizeof(cmd), "chown -R %d:%d '%s'", NOBODY, NOBODY, p);
    assert_int_equal(system(cmd), 0);
    at(p, g_root, "bind");
    assert_int_equal(mount(g_outside, p, NULL, MS_BIND, NULL), 0);
    at(p, g_root, "fbind");
    at(q, g_outside, "OUTSIDE-secret");
    assert_int_equal(mount(q, p, NULL, MS_BIND, NULL), 0);
    assert_int_equal(stat(g_outside, &g_outside_st), 0);
    assert_int_equal(stat(q, &g_secret_st), 0);
    snap_take(&g_snap);
    return 0;
}

static int remove_root(void **state)
{
    char cmd[PATH_MAX * 2];
    /* Each umount on its own: a failed test may have lost one. */
    snprintf(cmd, sizeof(cmd),
             "umount '%s/mnt'; umount '%s/bind'; umount '%s/fbind'; rm -rf '%s' && [ ! -e '%s' ]",
             g_root, g_root, g_root, g_root, g_root);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- Raw messages --------------------------------------------------------------------- */

struct mb {
    uint8_t b[PROTO_MSG_MAX + 64];
    size_t n;
};

static void mb_le(struct mb *m, uint64_t v, size_t size)
{
    assert_true(m->n + size <= sizeof(m->b));
    for (size_t i = 0; i < size; i++)
        m->b[m->n++] = (uint8_t)(v >> (8 * i));
}

static void mb_u16(struct mb *m, uint16_t v)
{
    mb_le(m, v, 2);
}

static void mb_u32(struct mb *m, uint32_t v)
{
    mb_le(m, v, 4);
}

static void mb_u64(struct mb *m, uint64_t v)
{
    mb_le(m, v, 8);
}

static void mb_bytes(struct mb *m, const void *p, size_t n)
{
    assert_true(m->n + n <= sizeof(m->b));
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

/* A wire string: u16 length, the bytes, NUL. */
static void mb_strn(struct mb *m, const void *s, size_t len)
{
    mb_u16(m, (uint16_t)len);
    mb_bytes(m, s, len);
    mb_le(m, 0, 1);
}

static void mb_str(struct mb *m, const char *s)
{
    mb_strn(m, s, strlen(s));
}

static void mb_begin(struct mb *m, struct ctx *c, uint16_t type)
{
    m->n = 0;
    mb_u32(m, 0);
    mb_u16(m, type);
    mb_u16(m, 0);
    mb_u32(m, ++c->tag);
    mb_u32(m, 0);
}

/* Patch the size field to the real size. */
static size_t mb_end(struct mb *m)
{
    uint32_t n = (uint32_t)m->n;
    memcpy(m->b, &n, 4);
    return m->n;
}

/* ---- Talking to the gofer ------------------------------------------------------------- */

struct rep {
    uint8_t buf[PROTO_MSG_MAX + 1];
    struct proto_msg m;
    int err; /* the reply's errno, or a WALK reply's error */
    uint32_t walked;
    uint64_t fids[PROTO_WALK_MAX];
    struct proto_stat st;
};

static void pool_add(struct ctx *c, uint64_t fid)
{
    if (c->npool < sizeof(c->pool) / sizeof(c->pool[0]))
        c->pool[c->npool++] = fid;
}

/* No stat, name or descriptor of a protected file in the reply @r (with @fd). */
static void check_reply(struct ctx *c, struct rep *r, int fd, const char *what)
{
    uint16_t type = r->m.hdr.type & ~PROTO_REPLY;
    if (fd >= 0) {
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        if (forbidden(st.st_dev, st.st_ino, false))
            fail_msg("%s: got a descriptor of a protected file", what);
        close(fd);
    }
    if (r->m.hdr.error)
        return;
    struct proto_attach_reply ar;
    struct proto_entry_reply er;
    struct proto_stat_reply sr;
    struct proto_walk_reply *wr;
    switch (type) {
    case PROTO_ATTACH:
        assert_int_equal(proto_decode_attach_reply(&r->m, &ar), 0);
        r->st = ar.st;
        pool_add(c, ar.fid);
        r->fids[0] = ar.fid;
        break;
    case PROTO_WALK:
        wr = malloc(sizeof(*wr));
        assert_non_null(wr);
        assert_int_equal(proto_decode_walk_reply(&r->m, wr), 0);
        r->walked = wr->walked;
        r->err = (int)wr->error;
        for (uint32_t i = 0; i < wr->walked; i++) {
            if (forbidden(wr->ents[i].st.dev, wr->ents[i].st.ino, true))
                fail_msg("%s: walked onto a protected file", what);
            r->fids[i] = wr->ents[i].fid;
            r->st = wr->ents[i].st;
            pool_add(c, wr->ents[i].fid);
        }
        free(wr);
        return;
    case PROTO_STAT:
    case PROTO_SETATTR:
        assert_int_equal(proto_decode_stat_reply(&r->m, &sr), 0);
        r->st = sr.st;
        break;
    case PROTO_MKDIR:
    case PROTO_CREATE:
    case PROTO_SYMLINK:
    case PROTO_LINK:
        assert_int_equal(proto_decode_entry_reply(&r->m, &er), 0);
        r->st = er.st;
        r->fids[0] = er.fid;
        pool_add(c, er.fid);
        break;
    case PROTO_READDIR: {
        static struct proto_dirent ents[PROTO_MSG_MAX / PROTO_DIRENT_FIXED];
        uint32_t n;
        assert_int_equal(
            proto_decode_readdir_reply(&r->m, ents, sizeof(ents) / sizeof(ents[0]), &n), 0);
        for (uint32_t i = 0; i < n; i++)
            if (strstr(ents[i].name, "OUTSIDE-") || strstr(ents[i].name, "ONMOUNT-"))
                fail_msg("%s: listed `%s`", what, ents[i].name);
        r->walked = n;
        return;
    }
    default:
        return;
    }
    if (forbidden(r->st.dev, r->st.ino, true))
        fail_msg("%s: showed a protected file", what);
}

/*
 * Send @m (@fd_in attached if >= 0) and read the reply; CLOSE has none. Checks the reply and
 * the host. Returns the errno of the reply (0 for success), or -1 when the gofer hung up.
 */
static int xchg_fd(struct ctx *c, struct mb *m, int fd_in, struct rep *r, const char *what)
{
    uint16_t type;
    uint32_t tag;
    memcpy(&type, m->b + 4, 2);
    memcpy(&tag, m->b + 8, 4);
    ssize_t n = fdpass_send(c->sock, m->b, m->n, fd_in);
    if (n == -EPIPE || n == -ECONNRESET)
        return -1;
    assert_int_equal(n, (ssize_t)m->n);
    memset(&r->m, 0, sizeof(r->m));
    r->err = 0;
    r->walked = 0;
    if (type == PROTO_CLOSE) {
        host_check(c, what);
        return 0;
    }
    int fd = -1;
    n = fdpass_recv(c->sock, r->buf, sizeof(r->buf), &fd);
    if (n == 0 || n == -ECONNRESET)
        return -1;
    if (n < 0)
        fail_msg("%s: no reply (%s)", what, strerror((int)-n));
    assert_int_equal(proto_decode_msg(r->buf, (size_t)n, &r->m), 0);
    if (r->m.hdr.tag != tag || (r->m.hdr.type & ~PROTO_REPLY) != (type & ~PROTO_REPLY) ||
        !(r->m.hdr.type & PROTO_REPLY))
        fail_msg("%s: reply type %#x tag %u for %#x tag %u", what, r->m.hdr.type, r->m.hdr.tag,
                 type, tag);
    r->err = (int)r->m.hdr.error;
    check_reply(c, r, fd, what);
    host_check(c, what);
    return r->err;
}

static int xchg(struct ctx *c, struct mb *m, struct rep *r, const char *what)
{
    mb_end(m);
    return xchg_fd(c, m, -1, r, what);
}

static struct rep g_rep;

/* Expect the errno @want (0: success) from @m. */
#define EXPECT(c, m, want, ...)                                                                    \
    do {                                                                                           \
        char what_[256];                                                                           \
        snprintf(what_, sizeof(what_), __VA_ARGS__);                                               \
        int got_ = xchg((c), (m), &g_rep, what_);                                                  \
        if (got_ != (want))                                                                        \
            fail_msg("%s: got %d (%s), want %d (%s)", what_, got_, strerror(got_ < 0 ? 0 : got_),  \
                     (want), strerror(want));                                                      \
    } while (0)

/* Walk @names from @dir: returns the walk error, the fids in g_rep. */
static int walkv(struct ctx *c, uint64_t dir, unsigned n, const char *const *names,
                 const char *what)
{
    struct mb m;
    mb_begin(&m, c, PROTO_WALK);
    mb_u64(&m, dir);
    mb_u32(&m, n);
    for (unsigned i = 0; i < n; i++)
        mb_str(&m, names[i]);
    return xchg(c, &m, &g_rep, what);
}

/* The fid of @name below the root, or 0 (and the walk's error in *@err) if there is none. */
static uint64_t walk1(struct ctx *c, const char *name, int *err)
{
    int e = walkv(c, c->root, 1, &name, name);
    if (err)
        *err = e;
    return e == 0 && g_rep.walked == 1 ? g_rep.fids[0] : 0;
}

static void req_fid(struct mb *m, struct ctx *c, uint16_t type, uint64_t fid)
{
    mb_begin(m, c, type);
    mb_u64(m, fid);
}

static int op_open(struct ctx *c, uint64_t fid, uint32_t flags, const char *what)
{
    struct mb m;
    req_fid(&m, c, PROTO_OPEN, fid);
    mb_u32(&m, flags);
    return xchg(c, &m, &g_rep, what);
}

static int op_readdir(struct ctx *c, uint64_t fid, const char *what)
{
    struct mb m;
    req_fid(&m, c, PROTO_READDIR, fid);
    mb_u64(&m, 0);
    mb_u32(&m, 1000);
    mb_u32(&m, 60000);
    return xchg(c, &m, &g_rep, what);
}

static int op_simple(struct ctx *c, uint16_t type, uint64_t fid, const char *what)
{
    struct mb m;
    req_fid(&m, c, type, fid);
    if (type == PROTO_FSYNC)
        mb_u32(&m, 0);
    return xchg(c, &m, &g_rep, what);
}

static int op_mkdir(struct ctx *c, uint64_t dir, const void *name, size_t len, const char *what)
{
    struct mb m;
    req_fid(&m, c, PROTO_MKDIR, dir);
    mb_strn(&m, name, len);
    mb_u32(&m, 0777);
    mb_u32(&m, PROTO_ID_KEEP);
    mb_u32(&m, PROTO_ID_KEEP);
    return xchg(c, &m, &g_rep, what);
}

static int op_create(struct ctx *c, uint64_t dir, const void *name, size_t len, const char *what)
{
    struct mb m;
    req_fid(&m, c, PROTO_CREATE, dir);
    mb_strn(&m, name, len);
    mb_u32(&m, O_RDWR);
    mb_u32(&m, 0666);
    mb_u32(&m, PROTO_ID_KEEP);
    mb_u32(&m, PROTO_ID_KEEP);
    return xchg(c, &m, &g_rep, what);
}

static int op_unlink(struct ctx *c, uint64_t dir, const void *name, size_t len, uint32_t flags,
                     const char *what)
{
    struct mb m;
    req_fid(&m, c, PROTO_UNLINK, dir);
    mb_strn(&m, name, len);
    mb_u32(&m, flags);
    return xchg(c, &m, &g_rep, what);
}

static int op_rename(struct ctx *c, uint64_t od, const char *on, uint64_t nd, const char *nn,
                     uint32_t flags, const char *what)
{
    struct mb m;
    req_fid(&m, c, PROTO_RENAME, od);
    mb_str(&m, on);
    mb_u64(&m, nd);
    mb_str(&m, nn);
    mb_u32(&m, flags);
    return xchg(c, &m, &g_rep, what);
}

static int op_symlink(struct ctx *c, uint64_t dir, const void *name, size_t len, const char *target,
                      const char *what)
{
    struct mb m;
    req_fid(&m, c, PROTO_SYMLINK, dir);
    mb_strn(&m, name, len);
    mb_str(&m, target);
    mb_u32(&m, PROTO_ID_KEEP);
    mb_u32(&m, PROTO_ID_KEEP);
    return xchg(c, &m, &g_rep, what);
}

static int op_link(struct ctx *c, uint64_t dir, const void *name, size_t len, uint64_t target,
                   const char *what)
{
    struct mb m;
    req_fid(&m, c, PROTO_LINK, dir);
    mb_strn(&m, name, len);
    mb_u64(&m, target);
    return xchg(c, &m, &g_rep, what);
}

static int op_setattr(struct ctx *c, uint64_t fid, uint32_t valid, uint32_t mode, uint64_t size,
                      const char *what)
{
    struct mb m;
    req_fid(&m, c, PROTO_SETATTR, fid);
    mb_u32(&m, valid);
    mb_u32(&m, mode);
    mb_u32(&m, 0);
    mb_u32(&m, 0);
    mb_u64(&m, size);
    mb_u64(&m, 0);
    mb_u32(&m, 0);
    mb_u64(&m, 0);
    mb_u32(&m, 0);
    return xchg(c, &m, &g_rep, what);
}

static void close_fid(struct ctx *c, uint64_t fid)
{
    struct mb m;
    mb_begin(&m, c, PROTO_CLOSE);
    mb_u32(&m, 1);
    mb_u64(&m, fid);
    xchg(c, &m, &g_rep, "close");
}

/* ---- Starting gofers ------------------------------------------------------------------ */

/* The bare server loop on the tree, without namespaces, pivot or seccomp. */
static int serve_bare(int sock, bool openat2)
{
    int root = open(g_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int proc = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int info = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (root < 0 || proc < 0 || info < 0)
        return 1;
    struct gofer_server s;
    int ret = gofer_server_init(&s, sock, root, proc, false, info, g_root);
    if (ret == 0) {
        s.openat2 = s.openat2 && openat2;
        ret = gofer_serve(&s);
    }
    gofer_server_destroy(&s);
    return ret < 0 ? 1 : 0;
}

static void child(int sock, enum kind kind, bool ro, bool openat2)
{
    char fd[16];
    snprintf(fd, sizeof(fd), "%d", sock);
    if (kind == KIND_BARE)
        _exit(serve_bare(sock, openat2));
    /* Changing ids makes a process undumpable, which would keep /proc/self/uid_map root's;
     * an unprivileged gofer is exec'd by its user and dumpable. */
    if (kind == KIND_USERNS && (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 ||
                                setuid(NOBODY) < 0 || prctl(PR_SET_DUMPABLE, 1) < 0))
        _exit(99);
    char *argv[] = {"gofer", "--root", g_root, "--sock", fd, ro ? "--ro" : NULL, NULL};
    _exit(gofer_main(ro ? 6 : 5, argv));
}

static void start(struct ctx *c, enum kind kind, bool ro, bool openat2)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(sv[0]);
        child(sv[1], kind, ro, openat2);
    }
    close(sv[1]);
    struct timeval tv = {.tv_sec = 20};
    assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    *c = (struct ctx){.sock = sv[0], .pid = pid, .ro = ro, .userns = kind == KIND_USERNS};
    c->view = kind == KIND_ROOT ? VIEW_UNDER : (openat2 ? VIEW_FOREIGN : VIEW_FALLBACK);
    struct mb m;
    mb_begin(&m, c, PROTO_ATTACH);
    mb_u32(&m, PROTO_VERSION);
    if (xchg(c, &m, &g_rep, "attach") != 0)
        fail_msg("the gofer did not start");
    c->root = g_rep.fids[0];
}

/*
 * Unless @hung_up, the gofer still serves valid requests (a new ATTACH, STAT and READDIR of
 * the root); then hang up and expect the exit status @want_status.
 */
static void finish(struct ctx *c, bool hung_up, int want_status)
{
    if (!hung_up) {
        struct mb m;
        mb_begin(&m, c, PROTO_ATTACH);
        mb_u32(&m, PROTO_VERSION);
        assert_int_equal(xchg(c, &m, &g_rep, "final attach"), 0);
        uint64_t root = g_rep.fids[0];
        /* The fuzz may have taken the root's permissions away, legitimately. */
        if (!c->ro)
            assert_int_equal(op_setattr(c, root, PROTO_SETATTR_MODE, 0755, 0, "final chmod"), 0);
        assert_int_equal(op_simple(c, PROTO_STAT, root, "final stat"), 0);
        assert_true(S_ISDIR(g_rep.st.mode));
        assert_int_equal(op_readdir(c, root, "final readdir"), 0);
        assert_true(g_rep.walked > 0);
    }
    close(c->sock);
    int status;
    assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != want_status)
        fail_msg("the gofer ended with status %#x", status);
    host_check(&(struct ctx){.pid = 0}, "after the gofer");
}

/* ---- The attempts --------------------------------------------------------------------- */

/* A write operation's expected errno: a read-only gofer refuses them all first. */
static int w(const struct ctx *c, int err)
{
    return c->ro ? EROFS : err;
}

static void attempt_names(struct ctx *c)
{
    static const char *const bad[] = {"", ".", "..", "a/b", "/etc", "../outside", "x/..", "/"};
    char long_name[300];
    memset(long_name, 'n', sizeof(long_name));
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *n = bad[i];
        size_t len = strlen(n);
        assert_int_equal(walkv(c, c->root, 1, &n, "walk bad"), EINVAL);
        const char *two[] = {"dir", n};
        assert_int_equal(walkv(c, c->root, 2, two, "walk dir+bad"), EINVAL);
        assert_int_equal(op_mkdir(c, c->root, n, len, "mkdir bad"), w(c, EINVAL));
        assert_int_equal(op_create(c, c->root, n, len, "create bad"), w(c, EINVAL));
        assert_int_equal(op_unlink(c, c->root, n, len, 0, "unlink bad"), w(c, EINVAL));
        assert_int_equal(op_unlink(c, c->root, n, len, AT_REMOVEDIR, "rmdir bad"), w(c, EINVAL));
        assert_int_equal(op_rename(c, c->root, n, c->root, "x", 0, "rename bad"), w(c, EINVAL));
        assert_int_equal(op_rename(c, c->root, "file", c->root, n, 0, "rename to bad"),
                         w(c, EINVAL));
        assert_int_equal(op_symlink(c, c->root, n, len, "file", "symlink bad"), w(c, EINVAL));
        assert_int_equal(op_link(c, c->root, n, len, c->root, "link bad"), w(c, EINVAL));
    }
    /* NUL inside a name, and names one byte over the maximum: malformed. */
    assert_int_equal(op_mkdir(c, c->root, "fi\0le", 5, "mkdir NUL"), EPROTO);
    assert_int_equal(op_create(c, c->root, "..\0x", 4, "create NUL"), EPROTO);
    assert_int_equal(op_unlink(c, c->root, "mnt\0", 4, 0, "unlink NUL"), EPROTO);
    assert_int_equal(op_mkdir(c, c->root, long_name, 256, "mkdir 256"), EPROTO);
    assert_int_equal(op_link(c, c->root, long_name, 300, c->root, "link 300"), EPROTO);
    struct mb m;
    req_fid(&m, c, PROTO_WALK, c->root);
    mb_u32(&m, 1);
    mb_strn(&m, long_name, 256);
    EXPECT(c, &m, EPROTO, "walk 256");
    req_fid(&m, c, PROTO_WALK, c->root);
    mb_u32(&m, 1);
    mb_strn(&m, "ab\0c", 4);
    EXPECT(c, &m, EPROTO, "walk NUL");
    /* 255 bytes is a name: the walk fails only because there is no such file. */
    long_name[255] = '\0';
    const char *ln = long_name;
    assert_int_equal(walkv(c, c->root, 1, &ln, "walk 255"), ENOENT);
}

static void attempt_lengths(struct ctx *c)
{
    struct mb m;
    /* More components than a walk may have; a count that lies either way. */
    req_fid(&m, c, PROTO_WALK, c->root);
    mb_u32(&m, PROTO_WALK_MAX + 1);
    for (unsigned i = 0; i <= PROTO_WALK_MAX; i++)
        mb_str(&m, "dir");
    EXPECT(c, &m, EPROTO, "walk 65");
    req_fid(&m, c, PROTO_WALK, c->root);
    mb_u32(&m, 3);
    mb_str(&m, "dir");
    EXPECT(c, &m, EPROTO, "walk count 3 of 1");
    req_fid(&m, c, PROTO_WALK, c->root);
    mb_u32(&m, 1);
    mb_str(&m, "dir");
    mb_str(&m, "f");
    EXPECT(c, &m, EPROTO, "walk count 1 of 2");
    req_fid(&m, c, PROTO_WALK, c->root);
    mb_u32(&m, 0xffffffffu);
    EXPECT(c, &m, EPROTO, "walk count 2^32-1");
    /* 64 components are allowed: "dir" then no "dir" below it. */
    const char *deep[PROTO_WALK_MAX];
    for (unsigned i = 0; i < PROTO_WALK_MAX; i++)
        deep[i] = "dir";
    assert_int_equal(walkv(c, c->root, PROTO_WALK_MAX, deep, "walk 64"), ENOENT);
    assert_int_equal(g_rep.walked, 1);
    close_fid(c, g_rep.fids[0]);
    /* String lengths that lie: longer than the message, shorter than the bytes. */
    req_fid(&m, c, PROTO_MKDIR, c->root);
    mb_u16(&m, 200);
    mb_bytes(&m, "abc", 4);
    EXPECT(c, &m, EPROTO, "mkdir length 200 of 3");
    req_fid(&m, c, PROTO_MKDIR, c->root);
    mb_u16(&m, 1);
    mb_bytes(&m, "mnt", 4);
    mb_u32(&m, 0777);
    mb_u32(&m, PROTO_ID_KEEP);
    mb_u32(&m, PROTO_ID_KEEP);
    EXPECT(c, &m, EPROTO, "mkdir length 1 of 3");
    /* A path of 64 KiB as a symlink target; one of 4096 bytes. */
    static char path[65000];
    memset(path, 'p', sizeof(path) - 1);
    for (size_t i = 100; i < sizeof(path) - 1; i += 100)
        path[i] = '/';
    req_fid(&m, c, PROTO_SYMLINK, c->root);
    mb_str(&m, "longlink");
    mb_strn(&m, path, sizeof(path) - 1);
    mb_u32(&m, PROTO_ID_KEEP);
    mb_u32(&m, PROTO_ID_KEEP);
    EXPECT(c, &m, EPROTO, "symlink target of 64 KiB");
    path[PROTO_PATH_MAX + 1] = '\0';
    assert_int_equal(op_symlink(c, c->root, "longlink", 8, path, "symlink 4096"), EPROTO);
    /* Truncated bodies (size field adjusted) and trailing bytes. */
    struct mb full;
    req_fid(&full, c, PROTO_RENAME, c->root);
    mb_str(&full, "file");
    mb_u64(&full, c->root);
    mb_str(&full, "mnt");
    mb_u32(&full, 0);
    for (size_t cut = PROTO_HDR_SIZE; cut < full.n; cut++) {
        m = full;
        m.n = cut;
        EXPECT(c, &m, EPROTO, "rename cut at %zu", cut);
    }
    m = full;
    mb_u32(&m, 0);
    EXPECT(c, &m, EPROTO, "rename with trailing bytes");
    /* CLOSE of more fids than fit, and a CLOSE count that lies: dropped, no reply. */
    mb_begin(&m, c, PROTO_CLOSE);
    mb_u32(&m, PROTO_CLOSE_MAX + 1);
    xchg(c, &m, &g_rep, "close too many");
    mb_begin(&m, c, PROTO_CLOSE);
    mb_u32(&m, 100);
    mb_u64(&m, c->root);
    xchg(c, &m, &g_rep, "close count 100 of 1");
    assert_int_equal(op_simple(c, PROTO_STAT, c->root, "stat after bad closes"), 0);
    /* READDIR sizes. */
    req_fid(&m, c, PROTO_READDIR, c->root);
    mb_u64(&m, 0);
    mb_u32(&m, 0);
    mb_u32(&m, 60000);
    EXPECT(c, &m, EINVAL, "readdir count 0");
    req_fid(&m, c, PROTO_READDIR, c->root);
    mb_u64(&m, 0);
    mb_u32(&m, 10);
    mb_u32(&m, 3);
    EXPECT(c, &m, EINVAL, "readdir size 3");
    req_fid(&m, c, PROTO_READDIR, c->root);
    mb_u64(&m, 0xffffffffffffffffull);
    mb_u32(&m, 0xffffffffu);
    mb_u32(&m, 0xffffffffu);
    EXPECT(c, &m, EINVAL, "readdir cookie -1");
    req_fid(&m, c, PROTO_READDIR, c->root);
    mb_u64(&m, 0);
    mb_u32(&m, 0xffffffffu);
    mb_u32(&m, 0xffffffffu);
    EXPECT(c, &m, 0, "readdir of the root, no limits");
}

static void attempt_fids(struct ctx *c)
{
    const uint64_t bad[] = {0, 1ull << 32 | 1, 0xffffffff, 0xffffffffffffffffull, 77777};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t f = bad[i];
        const char *n = "dir";
        assert_int_equal(walkv(c, f, 1, &n, "walk unknown"), EBADF);
        assert_int_equal(op_simple(c, PROTO_STAT, f, "stat unknown"), EBADF);
        assert_int_equal(op_simple(c, PROTO_READLINK, f, "readlink unknown"), EBADF);
        assert_int_equal(op_simple(c, PROTO_FSYNC, f, "fsync unknown"), EBADF);
        assert_int_equal(op_open(c, f, O_RDONLY, "open unknown"), EBADF);
        assert_int_equal(op_readdir(c, f, "readdir unknown"), EBADF);
        assert_int_equal(op_mkdir(c, f, "x", 1, "mkdir unknown"), w(c, EBADF));
        assert_int_equal(op_unlink(c, f, "x", 1, 0, "unlink unknown"), w(c, EBADF));
        assert_int_equal(op_rename(c, c->root, "nothing", f, "x", 0, "rename to unknown"),
                         w(c, EBADF));
        assert_int_equal(op_link(c, c->root, "x", 1, f, "link to unknown"), w(c, EBADF));
        assert_int_equal(op_setattr(c, f, PROTO_SETATTR_MODE, 0777, 0, "setattr unknown"),
                         w(c, EBADF));
    }
    /* A closed fid stays unknown, also once its slot is reused. */
    uint64_t f = walk1(c, "dir", NULL);
    close_fid(c, f);
    assert_int_equal(op_simple(c, PROTO_STAT, f, "stat closed"), EBADF);
    uint64_t g = walk1(c, "file", NULL);
    assert_int_equal((uint32_t)g, (uint32_t)f);
    assert_true(g != f);
    assert_int_equal(op_simple(c, PROTO_STAT, f, "stat reused"), EBADF);
    assert_int_equal(op_open(c, f, O_RDONLY, "open reused"), EBADF);
    /* A file used as a directory, a directory as a file. */
    const char *n = "x";
    assert_int_equal(walkv(c, g, 1, &n, "walk below a file"), ENOTDIR);
    assert_int_equal(op_readdir(c, g, "readdir a file"), ENOTDIR);
    assert_int_equal(op_mkdir(c, g, "x", 1, "mkdir in a file"), w(c, ENOTDIR));
    assert_int_equal(op_create(c, g, "x", 1, "create in a file"), w(c, ENOTDIR));
    assert_int_equal(op_unlink(c, g, "x", 1, 0, "unlink in a file"), w(c, ENOTDIR));
    assert_int_equal(op_symlink(c, g, "x", 1, "y", "symlink in a file"), w(c, ENOTDIR));
    assert_int_equal(op_rename(c, g, "x", c->root, "y", 0, "rename from a file"), w(c, ENOTDIR));
    uint64_t d = walk1(c, "dir", NULL);
    assert_int_equal(op_open(c, d, O_WRONLY, "open a dir for writing"), EISDIR);
    assert_int_equal(op_simple(c, PROTO_READLINK, d, "readlink a dir"), EINVAL);
    assert_int_equal(op_setattr(c, d, PROTO_SETATTR_SIZE, 0, 0, "truncate a dir"), w(c, EISDIR));
    assert_int_equal(op_link(c, c->root, "dirlink2", 8, d, "link a dir"), w(c, EPERM));
    /* The fifo: no directory, no size; opened without blocking. */
    uint64_t fifo = walk1(c, "fifo", NULL);
    assert_int_equal(op_readdir(c, fifo, "readdir a fifo"), ENOTDIR);
    assert_int_equal(op_simple(c, PROTO_FSYNC, fifo, "fsync a fifo"), EINVAL);
    assert_int_equal(op_setattr(c, fifo, PROTO_SETATTR_SIZE, 0, 0, "truncate a fifo"),
                     w(c, EINVAL));
    assert_int_equal(op_open(c, fifo, O_RDONLY, "open a fifo"), 0);
    assert_int_equal(op_open(c, fifo, O_WRONLY, "open a fifo without reader"), w(c, ENXIO));
    /* Flags OPEN never takes. */
    assert_int_equal(op_open(c, g, O_RDONLY | O_CREAT, "open O_CREAT"), EINVAL);
    assert_int_equal(op_open(c, g, O_PATH, "open O_PATH"), EINVAL);
    assert_int_equal(op_open(c, g, 3, "open mode 3"), EINVAL);
    assert_int_equal(op_open(c, g, O_RDWR | O_TRUNC, "open O_TRUNC"), w(c, 0));
    /* Files of another owner: the unprivileged gofer cannot read or change them. */
    uint64_t owned = walk1(c, "owned", NULL);
    uint64_t other = walk1(c, "otherdir", NULL);
    if (c->userns) {
        assert_int_equal(op_open(c, owned, O_RDONLY, "open owned"), EACCES);
        assert_int_equal(op_setattr(c, owned, PROTO_SETATTR_MODE, 0777, 0, "chmod owned"),
                         w(c, EPERM));
        assert_int_equal(op_create(c, other, "x", 1, "create in otherdir"), w(c, EACCES));
    } else {
        assert_int_equal(op_open(c, owned, O_RDONLY, "open owned as root"), 0);
    }
    const uint64_t fids[] = {g, d, fifo, owned, other};
    for (unsigned i = 0; i < 5; i++)
        close_fid(c, fids[i]);
}

static void attempt_symlinks(struct ctx *c)
{
    uint64_t file = walk1(c, "file", NULL);
    static const char *const links[] = {"abs",     "rel",      "updir",     "outdirlink",
                                        "dirlink", "dangling", "victimlink"};
    for (unsigned i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        const char *l = links[i];
        /* Walking onto a link gives the link; past it, ENOTDIR. */
        uint64_t f = walk1(c, l, NULL);
        assert_true(f != 0);
        assert_true(S_ISLNK(g_rep.st.mode));
        const char *past[] = {l, "OUTSIDE-secret"};
        assert_int_equal(walkv(c, c->root, 2, past, "walk past a link"), ENOTDIR);
        assert_int_equal(g_rep.walked, 1);
        close_fid(c, g_rep.fids[0]);
        const char *up[] = {l, "..", "outside"};
        assert_int_equal(walkv(c, c->root, 3, up, "walk link/.."), EINVAL);
        assert_int_equal(op_open(c, f, O_RDONLY, "open a link"), ELOOP);
        assert_int_equal(op_open(c, f, O_WRONLY | O_TRUNC, "open a link for writing"), ELOOP);
        assert_int_equal(op_readdir(c, f, "readdir a link"), ENOTDIR);
        assert_int_equal(op_simple(c, PROTO_READLINK, f, "readlink"), 0);
        assert_int_equal(op_simple(c, PROTO_FSYNC, f, "fsync a link"), EINVAL);
        assert_int_equal(op_mkdir(c, f, "x", 1, "mkdir through a link"), w(c, ENOTDIR));
        assert_int_equal(op_create(c, f, "OUTSIDE-created", 15, "create through a link"),
                         w(c, ENOTDIR));
        assert_int_equal(op_symlink(c, f, "x", 1, "y", "symlink through a link"), w(c, ENOTDIR));
        assert_int_equal(op_unlink(c, f, "OUTSIDE-victim", 14, 0, "unlink through a link"),
                         w(c, ENOTDIR));
        assert_int_equal(op_setattr(c, f, PROTO_SETATTR_MODE, 0777, 0, "chmod a link"),
                         w(c, EOPNOTSUPP));
        assert_int_equal(op_setattr(c, f, PROTO_SETATTR_SIZE, 0, 0, "truncate a link"),
                         w(c, EINVAL));
        assert_int_equal(op_setattr(c, f, PROTO_SETATTR_MTIME_NOW, 0, 0, "touch a link"),
                         w(c, EOPNOTSUPP));
        /* Creating over the link's name never follows it. */
        assert_int_equal(op_create(c, c->root, l, strlen(l), "create over a link"), w(c, EEXIST));
        assert_int_equal(op_mkdir(c, c->root, l, strlen(l), "mkdir over a link"), w(c, EEXIST));
        assert_int_equal(op_symlink(c, c->root, l, strlen(l), "x", "symlink over a link"),
                         w(c, EEXIST));
        assert_int_equal(op_link(c, c->root, l, strlen(l), file, "link over a link"), w(c, EEXIST));
        /* A hard link of the link is a link to the link, never to its target. */
        char name[32];
        snprintf(name, sizeof(name), "hard-%s", l);
        int ret = op_link(c, c->root, name, strlen(name), f, "link to a link");
        if (c->ro)
            assert_int_equal(ret, EROFS);
        else if (ret == 0)
            assert_true(S_ISLNK(g_rep.st.mode));
        close_fid(c, f);
    }
    /* Renaming a file onto a link replaces the link, not what it points to. */
    assert_int_equal(op_link(c, c->root, "file2", 5, file, "link file2"), w(c, 0));
    assert_int_equal(op_rename(c, c->root, "file2", c->root, "victimlink", 0, "rename onto a link"),
                     w(c, 0));
    close_fid(c, file);
}

/* The tmpfs on mnt, the bind mounts on bind and fbind. */
static void attempt_mounts(struct ctx *c)
{
    bool foreign = c->view != VIEW_UNDER;
    /*
     * No mount point is removed or renamed, nor anything renamed over one; first, while the
     * directories they cover are still empty (rmdir would fail anyway otherwise).
     */
    const char *points[] = {"mnt", "bind", "fbind"};
    for (unsigned i = 0; i < 3; i++) {
        const char *mp = points[i];
        size_t len = strlen(mp);
        int busy = w(c, EBUSY);
        assert_int_equal(op_unlink(c, c->root, mp, len, i == 2 ? 0 : AT_REMOVEDIR, "rmdir mp"),
                         busy);
        assert_int_equal(op_unlink(c, c->root, mp, len, i == 2 ? AT_REMOVEDIR : 0, "unlink mp"),
                         busy);
        assert_int_equal(op_rename(c, c->root, mp, c->root, "moved", 0, "rename a mp"), busy);
        assert_int_equal(
            op_rename(c, c->root, i == 2 ? "file" : "emptydir", c->root, mp, 0, "rename over"),
            busy);
        assert_int_equal(op_rename(c, c->root, "dir", c->root, mp, RENAME_EXCHANGE, "exchange"),
                         busy);
        assert_int_equal(
            op_rename(c, c->root, "file", c->root, mp, RENAME_NOREPLACE, "rename noreplace onto"),
            busy);
    }
    const char *mounts[] = {"mnt", "bind"};
    for (unsigned i = 0; i < 2; i++) {
        const char *mp = mounts[i];
        int err;
        uint64_t f = walk1(c, mp, &err);
        assert_int_equal(err, 0);
        assert_true(S_ISDIR(g_rep.st.mode));
        const char *below[] = {mp, i == 0 ? "ONMOUNT-file" : "OUTSIDE-secret"};
        assert_int_equal(walkv(c, c->root, 2, below, "walk below a mount"),
                         foreign ? EXDEV : ENOENT);
        if (g_rep.walked)
            close_fid(c, g_rep.fids[0]);
        const char *dirb[] = {mp, i == 0 ? "ONMOUNT-dir" : "OUTSIDE-dir"};
        assert_int_equal(walkv(c, c->root, 2, dirb, "walk to a dir below a mount"),
                         foreign ? EXDEV : ENOENT);
        if (g_rep.walked)
            close_fid(c, g_rep.fids[0]);
        assert_int_equal(op_readdir(c, f, "readdir a mount"), 0);
        assert_int_equal(g_rep.walked, 0); /* empty, in every view */
        assert_int_equal(op_open(c, f, O_RDONLY | O_DIRECTORY, "open a mount"),
                         foreign ? EXDEV : 0);
        const char *on = i == 0 ? "ONMOUNT-file" : "OUTSIDE-secret";
        size_t onlen = strlen(on);
        int wr = c->ro ? EROFS : (foreign ? EXDEV : 0);
        assert_int_equal(op_mkdir(c, f, "M-created", 9, "mkdir on a mount"), wr);
        assert_int_equal(op_create(c, f, "M-created2", 10, "create on a mount"), wr);
        assert_int_equal(op_symlink(c, f, "M-created3", 10, "x", "symlink on a mount"), wr);
        uint64_t file = walk1(c, "file", NULL);
        assert_int_equal(op_link(c, f, "M-created4", 10, file, "link on a mount"), wr);
        close_fid(c, file);
        assert_int_equal(op_unlink(c, f, on, onlen, 0, "unlink on a mount"),
                         c->ro ? EROFS : (foreign ? EXDEV : ENOENT));
        assert_int_equal(op_unlink(c, f, "ONMOUNT-dir", 11, AT_REMOVEDIR, "rmdir on a mount"),
                         c->ro ? EROFS : (foreign ? EXDEV : ENOENT));
        assert_int_equal(op_rename(c, f, on, c->root, "stolen", 0, "rename off a mount"),
                         c->ro ? EROFS : (foreign ? EXDEV : ENOENT));
        assert_int_equal(op_rename(c, c->root, "file", f, on, 0, "rename onto a mount"),
                         c->ro ? EROFS : (foreign ? EXDEV : 0));
        if (!foreign && !c->ro) /* put it back: the rename went to the covered directory */
            assert_int_equal(op_rename(c, f, on, c->root, "file", 0, "rename back"), 0);
        assert_int_equal(op_setattr(c, f, PROTO_SETATTR_MODE, 0700, 0, "chmod a mount"),
                         c->ro ? EROFS : (foreign ? EXDEV : 0));
        assert_int_equal(op_setattr(c, f, PROTO_SETATTR_MTIME_NOW, 0, 0, "touch a mount"),
                         c->ro ? EROFS : (foreign ? EXDEV : 0));
        assert_int_equal(op_simple(c, PROTO_FSYNC, f, "fsync a mount"), foreign ? EXDEV : 0);
        assert_int_equal(op_link(c, c->root, "mlink", 5, f, "link a mount"),
                         c->ro ? EROFS : (foreign ? EXDEV : EPERM));
        close_fid(c, f);
    }
    /* The file bind mount is not served at all (but as the covered file, as root). */
    int err;
    uint64_t fb = walk1(c, "fbind", &err);
    assert_int_equal(err, foreign ? EXDEV : 0);
    if (!foreign) {
        assert_int_equal(op_open(c, fb, O_RDONLY, "open the covered file"), 0);
        close_fid(c, fb);
    }
}

/* Framing that lies: the gofer hangs up (exit status 1) and the host is untouched. */
static void attempt_framing(enum kind kind, bool ro)
{
    for (int i = 0; i < 7; i++) {
        struct ctx c;
        start(&c, kind, ro, true);
        struct mb m;
        req_fid(&m, &c, PROTO_STAT, c.root);
        mb_end(&m);
        switch (i) {
        case 0: /* shorter than a header */
            m.n = 5;
            break;
        case 1: /* a size field larger than the datagram */
            m.b[0] += 8;
            break;
        case 2: /* smaller */
            m.b[0] -= 1;
            break;
        case 3: /* longer than PROTO_MSG_MAX */
            memset(m.b + m.n, 0, sizeof(m.b) - m.n);
            m.n = PROTO_MSG_MAX + 1;
            memcpy(m.b, &(uint32_t){PROTO_MSG_MAX + 1}, 4);
            break;
        case 4: /* a request with an error */
            m.b[12] = 5;
            break;
        case 5: /* a reply with a CPU hint */
            m.b[5] |= 0x80;
            m.b[6] = 3;
            break;
        case 6: /* empty */
            m.n = 0;
            break;
        }
        int ret = xchg_fd(&c, &m, -1, &g_rep, "framing");
        if (ret != -1)
            fail_msg("framing case %d: the gofer answered %d", i, ret);
        /* An empty SEQPACKET datagram reads as the peer's hang-up: a clean exit. */
        finish(&c, true, i == 6 ? 0 : 1);
    }
}

/* Header-level refusals that keep the connection: error replies. */
static void attempt_headers(struct ctx *c)
{
    struct mb m;
    const uint16_t types[] = {0, PROTO_TYPE_COUNT, 0x7fff, PROTO_STAT | PROTO_REPLY};
    for (unsigned i = 0; i < 4; i++) {
        req_fid(&m, c, types[i], c->root);
        EXPECT(c, &m, EPROTO, "type %#x", types[i]);
    }
    /* A descriptor attached to a request is refused (and closed). */
    req_fid(&m, c, PROTO_STAT, c->root);
    mb_end(&m);
    int fd = open(g_outside, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    assert_int_equal(xchg_fd(c, &m, fd, &g_rep, "request with a descriptor"), EPROTO);
    close(fd);
    /* Attach with another version. */
    mb_begin(&m, c, PROTO_ATTACH);
    mb_u32(&m, PROTO_VERSION + 1);
    EXPECT(c, &m, EPROTONOSUPPORT, "attach version 2");
}

/* ---- Fuzz ----------------------------------------------------------------------------- */

static unsigned g_seed;

static const char *const g_dict[] = {
    "file",  "dir",    "mnt",   "bind",        "fbind",      "abs",        "rel",
    "updir", "fifo",   "owned", "dirlink",     "dangling",   "outdirlink", "emptydir",
    "..",    ".",      "",      "/",           "a/b",        "../..",      "x",
    "y",     "secret", "mnt2",  "/etc/passwd", "victimlink", "f",
};

static uint64_t fuzz_fid(struct ctx *c)
{
    switch (rand() % 8) {
    case 0:
        return (uint64_t)rand() << 32 | (uint64_t)rand();
    case 1:
        return c->root;
    default:
        return c->npool ? c->pool[rand() % c->npool] : c->root;
    }
}

static const char *fuzz_name(void)
{
    return g_dict[rand() % (sizeof(g_dict) / sizeof(g_dict[0]))];
}

static uint32_t fuzz_pick(const uint32_t *v, size_t n)
{
    return rand() % 8 == 0 ? (uint32_t)rand() : v[(size_t)rand() % n];
}

static uint32_t fuzz_open_flags(void)
{
    static const uint32_t bits[] = {O_WRONLY,   O_RDWR,  O_TRUNC, O_APPEND, O_DIRECTORY,
                                    O_NONBLOCK, O_CREAT, O_EXCL,  O_PATH,   O_NOFOLLOW,
                                    O_TMPFILE,  O_SYNC,  3};
    uint32_t f = 0;
    for (int i = rand() % 3; i > 0; i--)
        f |= bits[(size_t)rand() % (sizeof(bits) / sizeof(bits[0]))];
    return rand() % 16 == 0 ? (uint32_t)rand() : f;
}

static uint32_t fuzz_id(void)
{
    static const uint32_t ids[] = {PROTO_ID_KEEP, 0, NOBODY, OTHER_UID, 1};
    return fuzz_pick(ids, 5);
}

/* The body of a request of @type, field by field as the protocol lays it out. */
static void fuzz_body(struct ctx *c, struct mb *m, uint16_t type)
{
    static const uint32_t unlink_flags[] = {0, AT_REMOVEDIR};
    static const uint32_t rename_flags[] = {0, RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT};
    static const uint32_t modes[] = {0777, 0, 04755, 0600};
    switch (type) {
    case PROTO_ATTACH:
        mb_u32(m, rand() % 8 ? PROTO_VERSION : (uint32_t)rand());
        return;
    case PROTO_WALK: {
        mb_u64(m, fuzz_fid(c));
        unsigned n = (unsigned)(rand() % 4);
        mb_u32(m, rand() % 16 ? n : (uint32_t)rand());
        for (unsigned i = 0; i < n; i++)
            mb_str(m, fuzz_name());
        return;
    }
    case PROTO_OPEN:
        mb_u64(m, fuzz_fid(c));
        mb_u32(m, fuzz_open_flags());
        return;
    case PROTO_READDIR:
        mb_u64(m, fuzz_fid(c));
        mb_u64(m, rand() % 4 ? 0 : (uint64_t)rand());
        mb_u32(m, rand() % 4 ? 1 + (uint32_t)rand() % 100 : (uint32_t)rand());
        mb_u32(m, rand() % 4 ? 1 + (uint32_t)rand() % 70000 : (uint32_t)rand());
        return;
    case PROTO_CLOSE: {
        unsigned n = (unsigned)(rand() % 3);
        mb_u32(m, n);
        for (unsigned i = 0; i < n; i++)
            mb_u64(m, fuzz_fid(c));
        return;
    }
    case PROTO_MKDIR:
    case PROTO_CREATE:
        mb_u64(m, fuzz_fid(c));
        mb_str(m, fuzz_name());
        if (type == PROTO_CREATE)
            mb_u32(m, fuzz_open_flags());
        mb_u32(m, fuzz_pick(modes, 4));
        mb_u32(m, fuzz_id());
        mb_u32(m, fuzz_id());
        return;
    case PROTO_UNLINK:
        mb_u64(m, fuzz_fid(c));
        mb_str(m, fuzz_name());
        mb_u32(m, fuzz_pick(unlink_flags, 2));
        return;
    case PROTO_RENAME:
        mb_u64(m, fuzz_fid(c));
        mb_str(m, fuzz_name());
        mb_u64(m, fuzz_fid(c));
        mb_str(m, fuzz_name());
        mb_u32(m, fuzz_pick(rename_flags, 4));
        return;
    case PROTO_SETATTR:
        mb_u64(m, fuzz_fid(c));
        mb_u32(m, rand() % 8 ? (uint32_t)rand() % 0x100 : (uint32_t)rand());
        mb_u32(m, fuzz_pick(modes, 4));
        mb_u32(m, fuzz_id());
        mb_u32(m, fuzz_id());
        mb_u64(m, rand() % 8 ? (uint64_t)(rand() % 100000) : (uint64_t)rand() << 33);
        for (int t = 0; t < 2; t++) {
            mb_u64(m, (uint64_t)rand());
            mb_u32(m, rand() % 8 ? (uint32_t)rand() % 1000000000u : (uint32_t)rand());
        }
        return;
    case PROTO_SYMLINK:
        mb_u64(m, fuzz_fid(c));
        mb_str(m, fuzz_name());
        mb_str(m, fuzz_name());
        mb_u32(m, fuzz_id());
        mb_u32(m, fuzz_id());
        return;
    case PROTO_LINK:
        mb_u64(m, fuzz_fid(c));
        mb_str(m, fuzz_name());
        mb_u64(m, fuzz_fid(c));
        return;
    default: /* STAT, READLINK, FSYNC and unknown types */
        mb_u64(m, fuzz_fid(c));
        if (type == PROTO_FSYNC)
            mb_u32(m, (uint32_t)(rand() % 3));
        return;
    }
}

/* Now and then break a well-formed body: cut it, flip a byte, append some. */
static void fuzz_mutate(struct mb *m)
{
    size_t body = m->n - PROTO_HDR_SIZE;
    switch (rand() % 12) {
    case 0:
        m->n = PROTO_HDR_SIZE + (body ? (size_t)rand() % body : 0);
        break;
    case 1:
        if (body)
            m->b[PROTO_HDR_SIZE + (size_t)rand() % body] ^= (uint8_t)(1 + rand() % 255);
        break;
    case 2:
        for (int i = 1 + rand() % 8; i > 0; i--)
            mb_le(m, (uint64_t)rand(), 1);
        break;
    default:
        break;
    }
}

/* Requests of random types with bodies laid out as the protocol says, from real fids and a
 * dictionary of names good and bad, some of them broken. Framing is always right. */
static void attempt_fuzz(struct ctx *c, int rounds)
{
    unsigned ok = 0, proto = 0, other = 0;
    for (int i = 0; i < rounds; i++) {
        struct mb m;
        uint16_t type = (uint16_t)(rand() % 32 == 0 ? rand() : 1 + rand() % 15);
        mb_begin(&m, c, type);
        fuzz_body(c, &m, type);
        fuzz_mutate(&m);
        char what[64];
        snprintf(what, sizeof(what), "fuzz round %d (seed %u, type %u)", i, g_seed, type);
        int ret = xchg(c, &m, &g_rep, what);
        if (ret < 0)
            fail_msg("%s: the gofer hung up on a well-framed request", what);
        if (type != PROTO_CLOSE)
            *(ret == 0 ? &ok : ret == EPROTO ? &proto : &other) += 1;
        if (c->npool > 200) { /* keep the gofer's table (and ours) small */
            struct mb cl;
            mb_begin(&cl, c, PROTO_CLOSE);
            mb_u32(&cl, 100);
            for (unsigned k = 0; k < 100; k++)
                mb_u64(&cl, c->pool[c->npool - 1 - k]);
            xchg(c, &cl, &g_rep, "close fuzz fids");
            c->npool -= 100;
        }
    }
    printf("# fuzz: %u succeeded, %u malformed, %u other errors\n", ok, proto, other);
}

/* ---- The runs --------------------------------------------------------------------------- */

static void run_all(enum kind kind, bool ro, bool openat2, int fuzz_rounds)
{
    struct ctx c;
    start(&c, kind, ro, openat2);
    attempt_headers(&c);
    attempt_mounts(&c);
    attempt_names(&c);
    attempt_lengths(&c);
    attempt_fids(&c);
    attempt_symlinks(&c);
    attempt_fuzz(&c, fuzz_rounds);
    finish(&c, false, 0);
}

static void test_root(void **state)
{
    run_all(KIND_ROOT, false, true, FUZZ_ROUNDS);
}

static void test_root_ro(void **state)
{
    run_all(KIND_ROOT, true, true, FUZZ_ROUNDS / 3);
}

static void test_userns(void **state)
{
    /* The unprivileged gofer needs user namespaces; probe them in a throwaway child. */
    pid_t pid = fork();
    if (pid == 0)
        _exit(setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0 ||
              prctl(PR_SET_DUMPABLE, 1) < 0 || unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        skip();
    run_all(KIND_USERNS, false, true, FUZZ_ROUNDS / 3);
}

static void test_bare(void **state)
{
    run_all(KIND_BARE, false, true, FUZZ_ROUNDS / 3);
}

static void test_bare_no_openat2(void **state)
{
    run_all(KIND_BARE, false, false, FUZZ_ROUNDS / 3);
}

static void test_framing(void **state)
{
    attempt_framing(KIND_ROOT, false);
}

/* Run @call(@arg) in a child under the gofer's filter (@ro); returns its wait status. */
static int filtered(bool ro, int (*call)(const void *), const void *arg)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (gofer_filter_install(ro) < 0)
            _exit(98);
        int fd = call(arg);
        _exit(fd >= 0 ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static int call_openat2(const void *how)
{
    return (int)syscall(SYS_openat2, AT_FDCWD, ".", how, sizeof(struct open_how));
}

static int call_openat(const void *flags)
{
    return openat(AT_FDCWD, ".", *(const int *)flags | O_DIRECTORY);
}

static bool killed(int status)
{
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

/*
 * The read-only gofer's filter: openat2 only with its own constant O_PATH open_how (the
 * same flags elsewhere, or write flags, kill it), openat never for writing; the writable
 * gofer's filter allows both.
 */
static void test_filters(void **state)
{
    struct open_how copy = g_gofer_walk_how;
    struct open_how write = {.flags = O_RDWR | O_CREAT, .mode = 0600};
    int rdonly = O_RDONLY, rdwr = O_RDWR;
    assert_int_equal(filtered(true, call_openat2, &g_gofer_walk_how), 0);
    assert_int_equal(filtered(true, call_openat2, &g_gofer_mount_how), 0);
    assert_true(killed(filtered(true, call_openat2, &copy)));
    assert_true(killed(filtered(true, call_openat2, &write)));
    assert_int_equal(filtered(true, call_openat, &rdonly), 0);
    assert_true(killed(filtered(true, call_openat, &rdwr)));
    assert_int_equal(filtered(false, call_openat2, &copy), 0);
    assert_int_equal(WEXITSTATUS(filtered(false, call_openat2, &write)), 1); /* EISDIR */
}

int main(void)
{
    if (geteuid() != 0) {
        printf("1..0 # SKIP needs root for the mounts of its private mount namespace\n");
        return 0;
    }
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        printf("1..0 # SKIP no private mount namespace: %s\n", strerror(errno));
        return 0;
    }
    const char *env = getenv("CVISOR_FUZZ_SEED");
    g_seed = env ? (unsigned)strtoul(env, NULL, 0) : (unsigned)time(NULL) ^ (unsigned)getpid();
    srand(g_seed);
    printf("# fuzz seed %u (set CVISOR_FUZZ_SEED to repeat)\n", g_seed);
    fflush(stdout);
    build_outside();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_root, build_root, remove_root),
        cmocka_unit_test_setup_teardown(test_root_ro, build_root, remove_root),
        cmocka_unit_test_setup_teardown(test_userns, build_root, remove_root),
        cmocka_unit_test_setup_teardown(test_bare, build_root, remove_root),
        cmocka_unit_test_setup_teardown(test_bare_no_openat2, build_root, remove_root),
        cmocka_unit_test_setup_teardown(test_framing, build_root, remove_root),
        cmocka_unit_test(test_filters),
    };
    int ret = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_base);
    if (system(cmd) != 0)
        ret = 1;
    return ret;
}
