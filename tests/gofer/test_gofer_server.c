// SPDX-License-Identifier: Apache-2.0
/*
 * Protocol tests against a real gofer server (gofer_main() in a forked child) serving a temp
 * directory, driven through the Sentry's client (sentry/fs/gofer/client.c). Covers walks,
 * stat, open with fd donation, readdir, readlink, batched close, the write operations and the
 * escape attempts.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "gofer/gofer.h"
#include "proto/msg.h"
#include "sentry/fs/gofer/client.h"

#define BIG_COUNT 1500
#define FILE_TXT "hello gofer\n"

static char g_base[] = "/tmp/cvisor-gofer-test-XXXXXX";
static char g_root[256];

struct server {
    pid_t pid;
    int raw; /* The socket when no client wraps it, else -1. */
    struct gofer_client *c;
};

static void path_of(char *buf, const char *rel)
{
    snprintf(buf, PATH_MAX, "%s/%s", g_root, rel);
}

static void make_file(const char *rel, const char *content)
{
    char p[PATH_MAX];
    path_of(p, rel);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
}

static void make_dir(const char *rel)
{
    char p[PATH_MAX];
    path_of(p, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void big_name(char *buf, size_t size, int i)
{
    /* Long names so the listing needs several full 64 KiB replies. */
    snprintf(buf, size, "entry-%04d-%0200d", i, i);
}

static int build_tree(void **state)
{
    if (!mkdtemp(g_base))
        return -1;
    snprintf(g_root, sizeof(g_root), "%s/root", g_base);
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/secret", g_base);
    int fd = open(p, O_WRONLY | O_CREAT, 0600);
    close(fd);
    if (mkdir(g_root, 0755) < 0)
        return -1;
    make_dir("a");
    make_dir("a/b");
    make_dir("a/b/c");
    make_file("a/b/c/file.txt", FILE_TXT);
    make_file("file", "0123456789");
    make_dir("big");
    for (int i = 0; i < BIG_COUNT; i++) {
        char name[300], rel[320];
        big_name(name, sizeof(name), i);
        snprintf(rel, sizeof(rel), "big/%s", name);
        make_file(rel, "");
    }
    path_of(p, "out");
    assert_int_equal(symlink("/etc", p), 0);
    path_of(p, "up");
    assert_int_equal(symlink("..", p), 0);
    path_of(p, "fifo");
    assert_int_equal(mkfifo(p, 0644), 0);
    return 0;
}

static int remove_tree(void **state)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_base);
    return system(cmd) == 0 ? 0 : -1;
}

/* Fork a gofer serving g_root on one end of a socketpair; the test keeps the other. */
static struct server *start_server(bool ro, bool raw)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(sv[0]);
        char fd[16];
        snprintf(fd, sizeof(fd), "%d", sv[1]);
        char *argv[] = {"gofer", "--root", g_root, "--sock", fd, ro ? "--ro" : NULL, NULL};
        _exit(gofer_main(ro ? 6 : 5, argv));
    }
    close(sv[1]);
    struct server *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    s->pid = pid;
    s->raw = -1;
    if (raw)
        s->raw = sv[0];
    else
        assert_int_equal(gofer_client_new(sv[0], &s->c), 0);
    return s;
}

/* Hang up and check that the gofer exited cleanly. */
static void stop_server(struct server *s)
{
    if (s->c)
        gofer_client_free(s->c);
    if (s->raw >= 0)
        close(s->raw);
    int status;
    assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    free(s);
}

static int setup(void **state)
{
    *state = start_server(false, false);
    return 0;
}

static int teardown(void **state)
{
    stop_server(*state);
    return 0;
}

static struct gofer_client *client_of(void **state)
{
    return ((struct server *)*state)->c;
}

/* Attach and walk @count names from the root; returns the walk's result. */
static int walk_root(struct gofer_client *c, const char *const *names, unsigned count,
                     uint64_t *fids, struct gofer_stat *stats, unsigned *walked)
{
    uint64_t root;
    assert_int_equal(gofer_attach(c, &root, NULL), 0);
    int ret = gofer_walk(c, root, names, count, fids, stats, walked);
    assert_int_equal(gofer_close(c, &root, 1), 0);
    return ret;
}

/* Walk to one file and return its fid. */
static uint64_t walk1(struct gofer_client *c, const char *name, struct gofer_stat *st)
{
    uint64_t fid;
    unsigned walked;
    assert_int_equal(walk_root(c, &name, 1, &fid, st, &walked), 0);
    assert_int_equal(walked, 1);
    return fid;
}

static void test_attach(void **state)
{
    struct gofer_client *c = client_of(state);
    uint64_t root, root2;
    struct gofer_stat st;
    assert_int_equal(gofer_attach(c, &root, &st), 0);
    assert_int_equal(root, 1);
    assert_true(S_ISDIR(st.mode));
    struct stat hst;
    assert_int_equal(stat(g_root, &hst), 0);
    assert_int_equal(st.ino, hst.st_ino);
    assert_int_equal(gofer_attach(c, &root2, NULL), 0);
    assert_int_not_equal(root2, root);
    uint64_t both[] = {root, root2};
    assert_int_equal(gofer_close(c, both, 2), 0);
}

static void test_walk_multi(void **state)
{
    struct gofer_client *c = client_of(state);
    const char *names[] = {"a", "b", "c", "file.txt"};
    uint64_t fids[4];
    struct gofer_stat st[4];
    unsigned walked;
    assert_int_equal(walk_root(c, names, 4, fids, st, &walked), 0);
    assert_int_equal(walked, 4);
    assert_true(S_ISDIR(st[0].mode) && S_ISDIR(st[1].mode) && S_ISDIR(st[2].mode));
    assert_true(S_ISREG(st[3].mode));
    assert_int_equal(st[3].size, strlen(FILE_TXT));
    struct stat hst;
    char p[PATH_MAX];
    path_of(p, "a/b/c/file.txt");
    assert_int_equal(stat(p, &hst), 0);
    assert_int_equal(st[3].ino, hst.st_ino);
    /* Walking on from a fid the previous walk returned. */
    const char *back[] = {"c", "file.txt"};
    uint64_t more[2];
    assert_int_equal(gofer_walk(c, fids[1], back, 2, more, NULL, &walked), 0);
    assert_int_equal(walked, 2);
    assert_int_equal(gofer_close(c, fids, 4), 0);
    assert_int_equal(gofer_close(c, more, 2), 0);
}

static void test_walk_missing(void **state)
{
    struct gofer_client *c = client_of(state);
    const char *names[] = {"a", "nope", "c"};
    uint64_t fids[3];
    struct gofer_stat st[3];
    unsigned walked = 99;
    assert_int_equal(walk_root(c, names, 3, fids, st, &walked), -ENOENT);
    assert_int_equal(walked, 1);
    assert_true(S_ISDIR(st[0].mode));
    assert_int_equal(gofer_close(c, fids, walked), 0);
    /* Failing on the very first component. */
    assert_int_equal(walk_root(c, names + 1, 1, fids, st, &walked), -ENOENT);
    assert_int_equal(walked, 0);
}

static void test_walk_notdir(void **state)
{
    struct gofer_client *c = client_of(state);
    const char *names[] = {"file", "x"};
    uint64_t fids[2];
    unsigned walked;
    assert_int_equal(walk_root(c, names, 2, fids, NULL, &walked), -ENOTDIR);
    assert_int_equal(walked, 1);
    assert_int_equal(gofer_close(c, fids, walked), 0);
}

static void test_walk_errors(void **state)
{
    struct gofer_client *c = client_of(state);
    const char *names[GOFER_WALK_MAX + 1];
    for (unsigned i = 0; i <= GOFER_WALK_MAX; i++)
        names[i] = "a";
    uint64_t fids[GOFER_WALK_MAX + 1];
    unsigned walked;
    assert_int_equal(gofer_walk(c, 1, names, 1, fids, NULL, &walked), -EBADF);
    assert_int_equal(gofer_walk(c, 12345, names, 1, fids, NULL, &walked), -EBADF);
    uint64_t root;
    assert_int_equal(gofer_attach(c, &root, NULL), 0);
    assert_int_equal(gofer_walk(c, root, names, GOFER_WALK_MAX + 1, fids, NULL, &walked), -EINVAL);
    char longname[GOFER_NAME_MAX + 2];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    const char *ln = longname;
    assert_int_equal(gofer_walk(c, root, &ln, 1, fids, NULL, &walked), -ENAMETOOLONG);
    /* A closed fid is unknown, even once its slot is reused. */
    assert_int_equal(gofer_close(c, &root, 1), 0);
    uint64_t root2;
    assert_int_equal(gofer_attach(c, &root2, NULL), 0);
    assert_int_not_equal(root2, root);
    assert_int_equal(gofer_walk(c, root, names, 1, fids, NULL, &walked), -EBADF);
    assert_int_equal(gofer_close(c, &root2, 1), 0);
}

static void test_stat(void **state)
{
    struct gofer_client *c = client_of(state);
    struct gofer_stat wst, st;
    uint64_t fid = walk1(c, "file", &wst);
    assert_int_equal(gofer_stat(c, fid, &st), 0);
    char p[PATH_MAX];
    path_of(p, "file");
    struct stat hst;
    assert_int_equal(lstat(p, &hst), 0);
    assert_int_equal(st.dev, hst.st_dev);
    assert_int_equal(st.ino, hst.st_ino);
    assert_int_equal(st.mode, hst.st_mode);
    assert_int_equal(st.nlink, hst.st_nlink);
    assert_int_equal(st.uid, hst.st_uid);
    assert_int_equal(st.gid, hst.st_gid);
    assert_int_equal(st.size, 10);
    assert_int_equal(st.blksize, hst.st_blksize);
    assert_int_equal(st.blocks, hst.st_blocks);
    assert_int_equal(st.mtime.tv_sec, hst.st_mtim.tv_sec);
    assert_int_equal(st.mtime.tv_nsec, hst.st_mtim.tv_nsec);
    assert_int_equal(st.ctime.tv_nsec, hst.st_ctim.tv_nsec);
    assert_int_equal(wst.ino, st.ino);
    assert_int_equal(gofer_close(c, &fid, 1), 0);
    assert_int_equal(gofer_stat(c, 0, &st), -EBADF);
    assert_int_equal(gofer_stat(c, ~0ull, &st), -EBADF);
}

static void test_open_read(void **state)
{
    struct gofer_client *c = client_of(state);
    const char *names[] = {"a", "b", "c", "file.txt"};
    uint64_t fids[4];
    unsigned walked;
    assert_int_equal(walk_root(c, names, 4, fids, NULL, &walked), 0);
    int fd = -1;
    assert_int_equal(gofer_open(c, fids[3], O_RDONLY, &fd), 0);
    assert_true(fd >= 0);
    char buf[64] = {0};
    assert_int_equal(read(fd, buf, sizeof(buf)), (ssize_t)strlen(FILE_TXT));
    assert_string_equal(buf, FILE_TXT);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
    assert_int_equal(write(fd, "x", 1), -1); /* A read-only description. */
    close(fd);
    /* A directory opens with O_DIRECTORY; a file does not. */
    assert_int_equal(gofer_open(c, fids[0], O_RDONLY | O_DIRECTORY, &fd), 0);
    close(fd);
    assert_int_equal(gofer_open(c, fids[3], O_RDONLY | O_DIRECTORY, &fd), -ENOTDIR);
    assert_int_equal(fd, -1);
    assert_int_equal(gofer_open(c, fids[0], O_RDWR, &fd), -EISDIR);
    assert_int_equal(gofer_open(c, fids[3], O_RDONLY | O_CREAT, &fd), -EINVAL);
    assert_int_equal(gofer_open(c, fids[3], O_RDWR | O_TMPFILE, &fd), -EINVAL);
    assert_int_equal(gofer_open(c, fids[3], O_ACCMODE, &fd), -EINVAL);
    assert_int_equal(gofer_open(c, 999, O_RDONLY, &fd), -EBADF);
    assert_int_equal(gofer_close(c, fids, 4), 0);
}

static void test_open_write(void **state)
{
    struct gofer_client *c = client_of(state);
    uint64_t fid = walk1(c, "file", NULL);
    int fd;
    assert_int_equal(gofer_open(c, fid, O_WRONLY | O_APPEND, &fd), 0);
    assert_int_equal(write(fd, "ab", 2), 2);
    close(fd);
    struct gofer_stat st;
    assert_int_equal(gofer_stat(c, fid, &st), 0);
    assert_int_equal(st.size, 12);
    assert_int_equal(gofer_open(c, fid, O_WRONLY | O_TRUNC, &fd), 0);
    assert_int_equal(write(fd, "0123456789", 10), 10);
    close(fd);
    assert_int_equal(gofer_close(c, &fid, 1), 0);
}

static void test_open_special(void **state)
{
    struct gofer_client *c = client_of(state);
    int fd;
    uint64_t link = walk1(c, "out", NULL);
    assert_int_equal(gofer_open(c, link, O_RDONLY, &fd), -ELOOP);
    assert_int_equal(gofer_open(c, link, O_RDONLY | O_DIRECTORY, &fd), -ELOOP);
    /* A FIFO without a writer must not block the gofer. */
    uint64_t fifo = walk1(c, "fifo", NULL);
    assert_int_equal(gofer_open(c, fifo, O_RDONLY, &fd), 0);
    assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
    close(fd);
    uint64_t fids[] = {link, fifo};
    assert_int_equal(gofer_close(c, fids, 2), 0);
}

static void test_readonly(void **state)
{
    struct server *s = start_server(true, false);
    uint64_t fid = walk1(s->c, "file", NULL);
    int fd;
    assert_int_equal(gofer_open(s->c, fid, O_WRONLY, &fd), -EROFS);
    assert_int_equal(gofer_open(s->c, fid, O_RDWR, &fd), -EROFS);
    assert_int_equal(gofer_open(s->c, fid, O_RDONLY | O_TRUNC, &fd), -EROFS);
    assert_int_equal(gofer_open(s->c, fid, O_RDONLY, &fd), 0);
    close(fd);
    stop_server(s);
}

/* Attach and return the root fid. */
static uint64_t root_of(struct gofer_client *c)
{
    uint64_t root;
    assert_int_equal(gofer_attach(c, &root, NULL), 0);
    return root;
}

static void host_stat(const char *rel, struct stat *st)
{
    char p[PATH_MAX];
    path_of(p, rel);
    assert_int_equal(lstat(p, st), 0);
}

static bool host_exists(const char *rel)
{
    char p[PATH_MAX];
    struct stat st;
    path_of(p, rel);
    return lstat(p, &st) == 0;
}

/* MKDIR, CREATE (with the donated descriptor), SYMLINK, LINK, RENAME, UNLINK on the host. */
static void test_write_ops(void **state)
{
    struct gofer_client *c = client_of(state);
    uint64_t root = root_of(c), dir, file, lnk, hard, fid;
    struct gofer_stat st;
    struct stat hst;
    int fd;
    assert_int_equal(gofer_mkdir(c, root, "w", 0750, GOFER_ID_KEEP, GOFER_ID_KEEP, &dir, &st), 0);
    assert_true(S_ISDIR(st.mode));
    host_stat("w", &hst);
    assert_true(S_ISDIR(hst.st_mode));
    assert_int_equal(hst.st_ino, st.ino);
    assert_int_equal(gofer_mkdir(c, root, "w", 0750, GOFER_ID_KEEP, GOFER_ID_KEEP, &fid, NULL),
                     -EEXIST);

    assert_int_equal(
        gofer_create(c, dir, "f", O_RDWR, 0640, GOFER_ID_KEEP, GOFER_ID_KEEP, &file, &st, &fd), 0);
    assert_true(S_ISREG(st.mode));
    assert_int_equal(st.mode & 07777, 0640 & ~umask(022));
    umask(022);
    assert_int_equal(write(fd, "data", 4), 4);
    close(fd);
    host_stat("w/f", &hst);
    assert_int_equal(hst.st_size, 4);
    assert_int_equal(hst.st_ino, st.ino);
    /* O_EXCL is implied: an existing name (even a symlink) is EEXIST, never followed. */
    assert_int_equal(
        gofer_create(c, dir, "f", O_RDWR, 0640, GOFER_ID_KEEP, GOFER_ID_KEEP, &fid, NULL, &fd),
        -EEXIST);
    assert_int_equal(fd, -1);
    assert_int_equal(gofer_create(c, dir, "f", O_RDWR | O_CREAT | O_TRUNC | O_DIRECTORY, 0640,
                                  GOFER_ID_KEEP, GOFER_ID_KEEP, &fid, NULL, &fd),
                     -EINVAL);

    assert_int_equal(
        gofer_symlink(c, dir, "l", "../../etc", GOFER_ID_KEEP, GOFER_ID_KEEP, &lnk, &st), 0);
    assert_true(S_ISLNK(st.mode));
    char buf[64];
    assert_int_equal(gofer_readlink(c, lnk, buf, sizeof(buf)), 9);
    assert_string_equal(buf, "../../etc");
    assert_int_equal(
        gofer_create(c, dir, "l", O_RDWR, 0640, GOFER_ID_KEEP, GOFER_ID_KEEP, &fid, NULL, &fd),
        -EEXIST);
    assert_int_equal(gofer_symlink(c, dir, "e", "", GOFER_ID_KEEP, GOFER_ID_KEEP, &fid, NULL),
                     -ENOENT);

    assert_int_equal(gofer_link(c, root, "hard", file, &hard, &st), 0);
    assert_int_equal(st.nlink, 2);
    host_stat("hard", &hst);
    assert_int_equal(hst.st_size, 4);
    assert_int_equal(gofer_link(c, root, "dirlink", dir, &fid, NULL), -EPERM);

    /* RENAME, with NOREPLACE and EXCHANGE. */
    assert_int_equal(gofer_rename(c, root, "hard", dir, "g", 0), 0);
    assert_false(host_exists("hard"));
    assert_true(host_exists("w/g"));
    assert_int_equal(gofer_rename(c, dir, "g", dir, "f", RENAME_NOREPLACE), -EEXIST);
    assert_int_equal(gofer_rename(c, dir, "g", dir, "l", RENAME_EXCHANGE), 0);
    host_stat("w/g", &hst);
    assert_true(S_ISLNK(hst.st_mode));
    assert_int_equal(gofer_rename(c, dir, "nothing", dir, "x", 0), -ENOENT);

    /* UNLINK and rmdir. */
    assert_int_equal(gofer_unlink(c, root, "w", AT_REMOVEDIR), -ENOTEMPTY);
    assert_int_equal(gofer_unlink(c, dir, "f", AT_REMOVEDIR), -ENOTDIR);
    assert_int_equal(gofer_unlink(c, root, "w", 0), -EISDIR);
    const char *names[] = {"f", "g", "l"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(gofer_unlink(c, dir, names[i], 0), 0);
    assert_int_equal(gofer_unlink(c, dir, "f", 0), -ENOENT);
    assert_int_equal(gofer_unlink(c, root, "w", AT_REMOVEDIR), 0);
    assert_false(host_exists("w"));
    /* The fid of a removed file still stats (the host keeps the inode). */
    assert_int_equal(gofer_stat(c, file, &st), 0);
    assert_int_equal(st.nlink, 0);
    uint64_t all[] = {root, dir, file, lnk, hard};
    assert_int_equal(gofer_close(c, all, 5), 0);
}

/* SETATTR: mode, size, times and owner, and FSYNC. */
static void test_setattr_fsync(void **state)
{
    struct gofer_client *c = client_of(state);
    uint64_t root = root_of(c), file, lnk, dir;
    struct gofer_stat st;
    struct stat hst;
    int fd;
    assert_int_equal(
        gofer_create(c, root, "s", O_WRONLY, 0600, GOFER_ID_KEEP, GOFER_ID_KEEP, &file, NULL, &fd),
        0);
    assert_int_equal(write(fd, "0123456789", 10), 10);
    struct gofer_setattr sa = {
        .valid = GOFER_SETATTR_MODE | GOFER_SETATTR_SIZE, .mode = 0604, .size = 3};
    assert_int_equal(gofer_setattr(c, file, &sa, &st), 0);
    assert_int_equal(st.mode, S_IFREG | 0604);
    assert_int_equal(st.size, 3);
    host_stat("s", &hst);
    assert_int_equal(hst.st_mode, S_IFREG | 0604);
    assert_int_equal(hst.st_size, 3);
    sa = (struct gofer_setattr){
        .valid = GOFER_SETATTR_ATIME | GOFER_SETATTR_MTIME, .atime = {1000, 5}, .mtime = {2000, 7}};
    assert_int_equal(gofer_setattr(c, file, &sa, &st), 0);
    host_stat("s", &hst);
    assert_int_equal(hst.st_atim.tv_sec, 1000);
    assert_int_equal(hst.st_atim.tv_nsec, 5);
    assert_int_equal(hst.st_mtim.tv_sec, 2000);
    assert_int_equal(st.mtime.tv_nsec, 7);
    sa = (struct gofer_setattr){.valid = GOFER_SETATTR_MTIME_NOW};
    assert_int_equal(gofer_setattr(c, file, &sa, &st), 0);
    assert_true(st.mtime.tv_sec > 2000);
    /* chown to ourselves always works. */
    sa = (struct gofer_setattr){
        .valid = GOFER_SETATTR_UID | GOFER_SETATTR_GID, .uid = getuid(), .gid = getgid()};
    assert_int_equal(gofer_setattr(c, file, &sa, &st), 0);
    assert_int_equal(st.uid, getuid());

    assert_int_equal(gofer_fsync(c, file, false), 0);
    assert_int_equal(gofer_fsync(c, file, true), 0);
    assert_int_equal(gofer_fsync(c, root, false), 0);
    close(fd);

    assert_int_equal(gofer_symlink(c, root, "sl", "s", GOFER_ID_KEEP, GOFER_ID_KEEP, &lnk, NULL),
                     0);
    sa = (struct gofer_setattr){.valid = GOFER_SETATTR_MODE, .mode = 0777};
    assert_int_equal(gofer_setattr(c, lnk, &sa, NULL), -EOPNOTSUPP);
    sa = (struct gofer_setattr){.valid = GOFER_SETATTR_SIZE, .size = 0};
    assert_int_equal(gofer_setattr(c, lnk, &sa, NULL), -EINVAL);
    assert_int_equal(gofer_fsync(c, lnk, false), -EINVAL);
    /* The symlink's target was not touched through the link. */
    host_stat("s", &hst);
    assert_int_equal(hst.st_mode, S_IFREG | 0604);
    assert_int_equal(gofer_mkdir(c, root, "sd", 0700, GOFER_ID_KEEP, GOFER_ID_KEEP, &dir, NULL), 0);
    assert_int_equal(gofer_setattr(c, dir, &sa, NULL), -EISDIR);
    assert_int_equal(gofer_unlink(c, root, "sl", 0), 0);
    assert_int_equal(gofer_unlink(c, root, "s", 0), 0);
    assert_int_equal(gofer_unlink(c, root, "sd", AT_REMOVEDIR), 0);
    uint64_t all[] = {root, file, lnk, dir};
    assert_int_equal(gofer_close(c, all, 4), 0);
}

/* Names that are not one component are refused by every write; nothing leaves the root. */
static void test_write_escape_names(void **state)
{
    struct gofer_client *c = client_of(state);
    uint64_t root = root_of(c), fid, file = walk1(c, "file", NULL);
    int fd;
    const char *bad[] = {"", ".", "..", "../escape", "a/x", "/tmp/escape"};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(
            gofer_mkdir(c, root, bad[i], 0755, GOFER_ID_KEEP, GOFER_ID_KEEP, &fid, NULL), -EINVAL);
        assert_int_equal(gofer_create(c, root, bad[i], O_RDWR, 0644, GOFER_ID_KEEP, GOFER_ID_KEEP,
                                      &fid, NULL, &fd),
                         -EINVAL);
        assert_int_equal(gofer_unlink(c, root, bad[i], 0), -EINVAL);
        assert_int_equal(gofer_rename(c, root, "file", root, bad[i], 0), -EINVAL);
        assert_int_equal(gofer_rename(c, root, bad[i], root, "zz", 0), -EINVAL);
        assert_int_equal(
            gofer_symlink(c, root, bad[i], "x", GOFER_ID_KEEP, GOFER_ID_KEEP, &fid, NULL), -EINVAL);
        assert_int_equal(gofer_link(c, root, bad[i], file, &fid, NULL), -EINVAL);
    }
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/escape", g_base);
    assert_int_equal(access(p, F_OK), -1);
    /* A write through a symlink to a directory is not a directory operation. */
    uint64_t out = walk1(c, "out", NULL);
    assert_int_equal(gofer_mkdir(c, out, "x", 0755, GOFER_ID_KEEP, GOFER_ID_KEEP, &fid, NULL),
                     -ENOTDIR);
    assert_int_equal(gofer_mkdir(c, file, "x", 0755, GOFER_ID_KEEP, GOFER_ID_KEEP, &fid, NULL),
                     -ENOTDIR);
    assert_int_equal(gofer_unlink(c, 0x7777, "file", 0), -EBADF);
    uint64_t all[] = {root, file, out};
    assert_int_equal(gofer_close(c, all, 3), 0);
}

/* A --ro gofer refuses every write operation and changes nothing. */
static void test_readonly_writes(void **state)
{
    struct server *s = start_server(true, false);
    struct gofer_client *c = s->c;
    uint64_t root = root_of(c), fid, file = walk1(c, "file", NULL);
    int fd;
    assert_int_equal(gofer_mkdir(c, root, "x", 0755, GOFER_ID_KEEP, GOFER_ID_KEEP, &fid, NULL),
                     -EROFS);
    assert_int_equal(
        gofer_create(c, root, "x", O_RDWR, 0644, GOFER_ID_KEEP, GOFER_ID_KEEP, &fid, NULL, &fd),
        -EROFS);
    assert_int_equal(gofer_unlink(c, root, "file", 0), -EROFS);
    assert_int_equal(gofer_rename(c, root, "file", root, "x", 0), -EROFS);
    struct gofer_setattr sa = {.valid = GOFER_SETATTR_SIZE, .size = 0};
    assert_int_equal(gofer_setattr(c, file, &sa, NULL), -EROFS);
    assert_int_equal(gofer_symlink(c, root, "x", "y", GOFER_ID_KEEP, GOFER_ID_KEEP, &fid, NULL),
                     -EROFS);
    assert_int_equal(gofer_link(c, root, "x", file, &fid, NULL), -EROFS);
    assert_false(host_exists("x"));
    struct stat hst;
    host_stat("file", &hst);
    assert_int_equal(hst.st_size, 10);
    /* fsync changes nothing a reader can see and stays allowed. */
    assert_int_equal(gofer_fsync(c, file, false), 0);
    stop_server(s);
}

/* List @dir completely with batches of at most @max; returns the number of READDIR calls. */
static int list_all(struct gofer_client *c, uint64_t dir, unsigned max, char (*names)[256],
                    unsigned cap, unsigned *total)
{
    struct gofer_dirent *ents = calloc(max, sizeof(*ents));
    assert_non_null(ents);
    uint64_t cookie = 0;
    int calls = 0;
    *total = 0;
    for (;;) {
        unsigned n;
        assert_int_equal(gofer_readdir(c, dir, cookie, ents, max, &n), 0);
        calls++;
        if (n == 0)
            break;
        assert_true(n <= max);
        for (unsigned i = 0; i < n; i++) {
            assert_true(*total < cap);
            strcpy(names[(*total)++], ents[i].name);
        }
        cookie = ents[n - 1].next;
    }
    free(ents);
    return calls;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_readdir_root(void **state)
{
    struct gofer_client *c = client_of(state);
    uint64_t root;
    assert_int_equal(gofer_attach(c, &root, NULL), 0);
    char names[16][256];
    unsigned total;
    list_all(c, root, 100, names, 16, &total);
    assert_int_equal(total, 6);
    qsort(names, total, sizeof(names[0]), cmp_names);
    const char *want[] = {"a", "big", "fifo", "file", "out", "up"};
    for (unsigned i = 0; i < total; i++)
        assert_string_equal(names[i], want[i]);
    uint64_t file = walk1(c, "file", NULL);
    struct gofer_dirent ent;
    unsigned n;
    assert_int_equal(gofer_readdir(c, file, 0, &ent, 1, &n), -ENOTDIR);
    assert_int_equal(gofer_readdir(c, 4242, 0, &ent, 1, &n), -EBADF);
    uint64_t fids[] = {root, file};
    assert_int_equal(gofer_close(c, fids, 2), 0);
}

/* Check that @names (sorted) are exactly the BIG_COUNT entries of big/. */
static void check_big_names(char (*names)[256], unsigned total)
{
    assert_int_equal(total, BIG_COUNT);
    qsort(names, total, 256, cmp_names);
    for (int i = 0; i < BIG_COUNT; i++) {
        char want[300];
        big_name(want, sizeof(want), i);
        assert_string_equal(names[i], want);
    }
}

static void test_readdir_big(void **state)
{
    struct gofer_client *c = client_of(state);
    uint64_t big = walk1(c, "big", NULL);
    char(*names)[256] = calloc(BIG_COUNT + 1, 256);
    assert_non_null(names);
    unsigned total;
    /* Limited by the 64 KiB message: several calls even when the caller takes all. */
    int calls = list_all(c, big, 100000, names, BIG_COUNT + 1, &total);
    assert_true(calls > 4);
    check_big_names(names, total);
    /* Limited by the caller's count. */
    calls = list_all(c, big, 7, names, BIG_COUNT + 1, &total);
    assert_true(calls > BIG_COUNT / 7);
    check_big_names(names, total);

    /* Walk every entry (many fids: the table grows), then close them in one call. */
    uint64_t *fids = calloc(BIG_COUNT, sizeof(*fids));
    assert_non_null(fids);
    for (unsigned i = 0; i < BIG_COUNT; i += GOFER_WALK_MAX) {
        const char *one[GOFER_WALK_MAX];
        unsigned n = BIG_COUNT - i < GOFER_WALK_MAX ? BIG_COUNT - i : GOFER_WALK_MAX;
        for (unsigned j = 0; j < n; j++) {
            unsigned walked;
            one[0] = names[i + j];
            assert_int_equal(gofer_walk(c, big, one, 1, &fids[i + j], NULL, &walked), 0);
        }
    }
    assert_int_equal(gofer_close(c, fids, BIG_COUNT), 0);
    struct gofer_stat st;
    assert_int_equal(gofer_stat(c, fids[0], &st), -EBADF);
    assert_int_equal(gofer_stat(c, fids[BIG_COUNT - 1], &st), -EBADF);
    assert_int_equal(gofer_stat(c, big, &st), 0);
    free(fids);
    free(names);
    assert_int_equal(gofer_close(c, &big, 1), 0);
}

static void test_readlink(void **state)
{
    struct gofer_client *c = client_of(state);
    char buf[PATH_MAX];
    uint64_t out = walk1(c, "out", NULL);
    uint64_t up = walk1(c, "up", NULL);
    uint64_t file = walk1(c, "file", NULL);
    assert_int_equal(gofer_readlink(c, out, buf, sizeof(buf)), 4);
    assert_string_equal(buf, "/etc");
    assert_int_equal(gofer_readlink(c, up, buf, sizeof(buf)), 2);
    assert_string_equal(buf, "..");
    assert_int_equal(gofer_readlink(c, out, buf, 4), -ENAMETOOLONG);
    assert_int_equal(gofer_readlink(c, file, buf, sizeof(buf)), -EINVAL);
    uint64_t fids[] = {out, up, file};
    assert_int_equal(gofer_close(c, fids, 3), 0);
}

static void test_escape_names(void **state)
{
    struct gofer_client *c = client_of(state);
    const char *bad[] = {"..", ".", "a/b", "", "/", "/etc", "../root"};
    uint64_t fids[2];
    unsigned walked;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        walked = 99;
        assert_int_equal(walk_root(c, &bad[i], 1, fids, NULL, &walked), -EINVAL);
        assert_int_equal(walked, 0);
        /* A bad name anywhere refuses the whole request: nothing is walked. */
        const char *two[] = {"a", bad[i]};
        assert_int_equal(walk_root(c, two, 2, fids, NULL, &walked), -EINVAL);
        assert_int_equal(walked, 0);
    }
}

static void test_symlink_not_followed(void **state)
{
    struct gofer_client *c = client_of(state);
    struct gofer_stat st;
    uint64_t out = walk1(c, "out", &st);
    assert_true(S_ISLNK(st.mode));
    assert_int_equal(gofer_stat(c, out, &st), 0);
    assert_true(S_ISLNK(st.mode));
    const char *through_out[] = {"out", "passwd"};
    const char *through_up[] = {"up", "secret"};
    uint64_t fids[2];
    unsigned walked;
    assert_int_equal(walk_root(c, through_out, 2, fids, NULL, &walked), -ENOTDIR);
    assert_int_equal(walked, 1);
    assert_int_equal(gofer_close(c, fids, 1), 0);
    assert_int_equal(walk_root(c, through_up, 2, fids, NULL, &walked), -ENOTDIR);
    assert_int_equal(walked, 1);
    assert_int_equal(gofer_close(c, fids, 1), 0);
    /* Nor via the symlink's own fid. */
    const char *passwd = "passwd";
    assert_int_equal(gofer_walk(c, out, &passwd, 1, fids, NULL, &walked), -ENOTDIR);
    assert_int_equal(gofer_close(c, &out, 1), 0);
}

static void test_close_batch(void **state)
{
    struct gofer_client *c = client_of(state);
    const char *names[] = {"a", "b", "c"};
    uint64_t fids[4];
    unsigned walked;
    assert_int_equal(walk_root(c, names, 3, fids, NULL, &walked), 0);
    fids[3] = 0x777700000001ull; /* Unknown: ignored. */
    assert_int_equal(gofer_close(c, fids, 4), 0);
    struct gofer_stat st;
    for (int i = 0; i < 3; i++)
        assert_int_equal(gofer_stat(c, fids[i], &st), -EBADF);
    /* Closing twice is harmless; the connection stays usable. */
    assert_int_equal(gofer_close(c, fids, 3), 0);
    uint64_t root;
    assert_int_equal(gofer_attach(c, &root, NULL), 0);
    assert_int_equal(gofer_close(c, &root, 1), 0);
}

/* Send @size raw bytes, then expect a header-only error reply with @err and @tag. */
static void raw_expect_error(int sock, const void *msg, size_t size, uint32_t tag, int err)
{
    assert_int_equal(send(sock, msg, size, 0), (ssize_t)size);
    uint8_t buf[PROTO_MSG_MAX];
    ssize_t n = recv(sock, buf, sizeof(buf), 0);
    struct proto_msg m;
    assert_int_equal(proto_decode_msg(buf, (size_t)n, &m), 0);
    assert_int_equal(m.hdr.tag, tag);
    assert_int_equal(m.hdr.error, err);
}

/* Send @size bytes that break the framing: the gofer hangs up and exits with 1. */
static void expect_hangup(const void *msg, size_t size)
{
    struct server *s = start_server(false, true);
    assert_int_equal(send(s->raw, msg, size, 0), (ssize_t)size);
    uint8_t buf[64];
    assert_int_equal(recv(s->raw, buf, sizeof(buf), 0), 0);
    close(s->raw);
    int status;
    assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    free(s);
}

static void test_bad_framing(void **state)
{
    static uint8_t buf[PROTO_MSG_MAX + 100];
    /* Garbage shorter than a header, an oversized datagram, a size field that lies. */
    expect_hangup("xyz", 3);
    memset(buf, 0xab, sizeof(buf));
    expect_hangup(buf, sizeof(buf));
    struct proto_fid_req fr = {.fid = 1};
    ssize_t n = proto_encode_stat_req(buf, PROTO_MSG_MAX, 40, &fr);
    buf[0]++;
    expect_hangup(buf, (size_t)n);
}

static void test_bad_input(void **state)
{
    struct server *s = start_server(false, true);
    static uint8_t buf[PROTO_MSG_MAX + 100];
    /* Unknown and reserved types. */
    struct proto_fid_req fr = {.fid = 1};
    ssize_t n = proto_encode_stat_req(buf, PROTO_MSG_MAX, 41, &fr);
    buf[4] = 99;
    raw_expect_error(s->raw, buf, (size_t)n, 41, EPROTO);
    buf[4] = PROTO_MKDIR;
    raw_expect_error(s->raw, buf, (size_t)n, 41, EPROTO);
    /* A reply sent as a request. */
    n = proto_encode_open_reply(buf, PROTO_MSG_MAX, 42);
    raw_expect_error(s->raw, buf, (size_t)n, 42, EPROTO);
    /* A body too short for its type. */
    n = proto_encode_stat_req(buf, PROTO_MSG_MAX, 43, &fr);
    buf[0] = (uint8_t)(n - 1);
    raw_expect_error(s->raw, buf, (size_t)n - 1, 43, EPROTO);
    /* A wrong protocol version. */
    struct proto_attach_req ar = {.version = PROTO_VERSION + 1};
    n = proto_encode_attach_req(buf, PROTO_MSG_MAX, 44, &ar);
    raw_expect_error(s->raw, buf, (size_t)n, 44, EPROTONOSUPPORT);
    /* A malformed CLOSE is dropped silently; the next request still works. */
    n = proto_encode_close_req(buf, PROTO_MSG_MAX, 45, NULL, 0);
    buf[0] = (uint8_t)(n - 1);
    assert_int_equal(send(s->raw, buf, (size_t)n - 1, 0), n - 1);
    ar.version = PROTO_VERSION;
    n = proto_encode_attach_req(buf, PROTO_MSG_MAX, 46, &ar);
    assert_int_equal(send(s->raw, buf, (size_t)n, 0), n);
    n = recv(s->raw, buf, sizeof(buf), 0);
    struct proto_msg m;
    struct proto_attach_reply rep;
    assert_int_equal(proto_decode_msg(buf, (size_t)n, &m), 0);
    assert_int_equal(m.hdr.tag, 46);
    assert_int_equal(m.hdr.error, 0);
    assert_int_equal(proto_decode_attach_reply(&m, &rep), 0);
    assert_int_equal(rep.fid, 1);
    stop_server(s);
}

static void test_bad_args(void **state)
{
    char *no_sock[] = {"gofer", "--root", g_root, NULL};
    assert_int_equal(gofer_main(3, no_sock), 2);
    char *bad_fd[] = {"gofer", "--root", g_root, "--sock", "x1", NULL};
    assert_int_equal(gofer_main(5, bad_fd), 2);
    int fds[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    char fd[16];
    snprintf(fd, sizeof(fd), "%d", fds[1]);
    char *stream[] = {"gofer", "--root", g_root, "--sock", fd, NULL};
    assert_int_equal(gofer_main(5, stream), 1); /* Not SOCK_SEQPACKET; closes the socket. */
    close(fds[0]);
}

/* Each thread walks, stats, reads and closes in a loop on the shared client. */
static void *hammer(void *arg)
{
    struct gofer_client *c = arg;
    for (int i = 0; i < 200; i++) {
        const char *names[] = {"a", "b", "c", "file.txt"};
        uint64_t fids[4];
        unsigned walked;
        if (walk_root(c, names, 4, fids, NULL, &walked) != 0)
            return (void *)1;
        struct gofer_stat st;
        int fd;
        char buf[64] = {0};
        if (gofer_stat(c, fids[3], &st) != 0 || st.size != strlen(FILE_TXT) ||
            gofer_open(c, fids[3], O_RDONLY, &fd) != 0)
            return (void *)1;
        ssize_t n = read(fd, buf, sizeof(buf));
        close(fd);
        if (n != (ssize_t)strlen(FILE_TXT) || gofer_close(c, fids, 4) != 0)
            return (void *)1;
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct gofer_client *c = client_of(state);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, hammer, c), 0);
    for (int i = 0; i < 4; i++) {
        void *ret;
        assert_int_equal(pthread_join(th[i], &ret), 0);
        assert_null(ret);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attach, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk_multi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk_notdir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_special, setup, teardown),
        cmocka_unit_test(test_readonly),
        cmocka_unit_test_setup_teardown(test_readdir_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readdir_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setattr_fsync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_escape_names, setup, teardown),
        cmocka_unit_test(test_readonly_writes),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_framing),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, build_tree, remove_tree);
}
