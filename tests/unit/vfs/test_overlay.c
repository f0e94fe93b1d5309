// SPDX-License-Identifier: Apache-2.0
/* Unit tests for the overlay root over a fake in-process gofer client, under ASan: lazy
 * listing, copy-up (data, mode, times, inode number), implicit whiteouts, opaque
 * directories, renames across layers, reads of lower files, a read-only descriptor following
 * a copy-up, and that the host is untouched. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sentry/fs/gofer/goferfs.h"
#include "sentry/fs/overlay/overlay.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/kernel/kernel.h"
#include "sentry/memfile/memfile.h"
#include "sentry/memmap/uio.h"
#include "sentry/vfs/vfs_internal.h"
#include "sentry/vfs/vfs_ops.h"
#include "tests/unit/vfs/fakes/fake_gofer_client.h"
#include "tests/unit/vfs/fakes/fake_kernel.h"

static struct ctx *g_ctx;
static struct gofer_client *g_c;
static char g_host[64];

static void host_path(char *buf, const char *rel)
{
    snprintf(buf, 256, "%s/%s", g_host, rel);
}

static void host_file(const char *rel, const char *data, mode_t mode)
{
    char path[256];
    host_path(path, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(data, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void host_dir(const char *rel)
{
    char path[256];
    host_path(path, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

static char *host_read(const char *rel)
{
    static char buf[256];
    char path[256];
    host_path(path, rel);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int group_setup(void **state)
{
    snprintf(g_host, sizeof(g_host), "/tmp/cvisor-overlay-XXXXXX");
    assert_non_null(mkdtemp(g_host));
    host_dir("etc");
    host_dir("var");
    host_dir("var/d");
    host_dir("var/d/sub");
    host_file("etc/conf", "lower data\n", 0640);
    host_file("etc/follow", "lower\n", 0644);
    host_file("etc/again", "again\n", 0644);
    host_dir("many");
    for (unsigned i = 0; i < OVL_RECENT_MAX + 8; i++) {
        char rel[32], data[32];
        snprintf(rel, sizeof(rel), "many/f%u", i);
        snprintf(data, sizeof(data), "file %u\n", i);
        host_file(rel, data, 0644);
    }
    host_file("var/d/a", "A\n", 0644);
    host_file("var/d/b", "B\n", 0644);
    host_file("var/d/sub/c", "C\n", 0644);
    char path[256];
    host_path(path, "etc/conf");
    struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    host_path(path, "etc/link");
    assert_int_equal(symlink("conf", path), 0);

    assert_int_equal(memfile_init(), 0);
    kernel_lock();
    vfs_init();
    assert_int_equal(tmpfs_register(), 0);
    assert_int_equal(goferfs_register(), 0);
    assert_int_equal(overlay_register(), 0);
    g_c = fake_gofer_new(g_host);
    assert_int_equal(vfs_mount_root("overlay", g_c), 0);
    g_ctx = fake_ctx_new();
    assert_non_null(g_ctx);
    return 0;
}

static int group_teardown(void **state)
{
    fake_ctx_free(g_ctx);
    kernel_unlock();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", g_host);
    assert_int_equal(system(cmd), 0);
    memfile_destroy();
    return 0;
}

static void st(const char *path, struct linux_stat *s)
{
    assert_int_equal(vfs_fstatat(g_ctx, NULL, path, AT_SYMLINK_NOFOLLOW, s), 0);
}

static ssize_t write_at(const char *path, int flags, const char *data)
{
    struct file *f;
    int ret = vfs_openat(g_ctx, NULL, path, flags, 0644, &f);
    if (ret < 0)
        return ret;
    struct uio u;
    uio_init_kernel(&u, (void *)data, strlen(data));
    int64_t pos = 0;
    ssize_t n = vfs_write(g_ctx, f, &u, (flags & O_APPEND) ? NULL : &pos);
    file_unref(f);
    return n;
}

static const char *read_all(const char *path)
{
    static char buf[256];
    struct file *f;
    if (vfs_openat(g_ctx, NULL, path, O_RDONLY, 0, &f) < 0)
        return NULL;
    ssize_t n = vfs_kernel_pread(g_ctx, f, buf, sizeof(buf) - 1, 0);
    file_unref(f);
    assert_true(n >= 0);
    buf[n] = '\0';
    return buf;
}

struct names {
    char list[512];
};

static bool names_emit(struct dir_emitter *e, const char *name, uint64_t ino, uint8_t type,
                       int64_t next)
{
    struct names *n = e->priv;
    strcat(n->list, name);
    strcat(n->list, " ");
    return true;
}

/* The names of @path in listing order (which is the order they were added). */
static const char *list(const char *path)
{
    static struct names n;
    memset(&n, 0, sizeof(n));
    struct file *d;
    assert_int_equal(vfs_openat(g_ctx, NULL, path, O_RDONLY | O_DIRECTORY, 0, &d), 0);
    struct dir_emitter e = {.emit = names_emit, .priv = &n};
    assert_int_equal(vfs_iterate(g_ctx, d, &e), 0);
    file_unref(d);
    return n.list;
}

static bool contains(const char *list, const char *name)
{
    char word[64];
    snprintf(word, sizeof(word), " %s ", name);
    char padded[600];
    snprintf(padded, sizeof(padded), " %s", list);
    return strstr(padded, word) != NULL;
}

static void test_read_lower(void **state)
{
    assert_string_equal(read_all("/etc/conf"), "lower data\n");
    struct linux_stat s;
    st("/etc/conf", &s);
    char path[256];
    struct stat hs;
    host_path(path, "etc/conf");
    assert_int_equal(stat(path, &hs), 0);
    assert_int_equal(s.st_ino, hs.st_ino);
    assert_int_equal(s.st_mode, S_IFREG | 0640);
    char buf[16];
    assert_int_equal(vfs_readlinkat(g_ctx, NULL, "/etc/link", buf, sizeof(buf)), 4);
    assert_string_equal(read_all("/etc/link"), "lower data\n");
}

static void test_copy_up(void **state)
{
    struct linux_stat before, after;
    st("/etc/conf", &before);
    assert_int_equal(vfs_fchmodat(g_ctx, NULL, "/etc/conf", 0600, 0), 0);
    st("/etc/conf", &after);
    assert_int_equal(after.st_ino, before.st_ino);
    assert_int_equal(after.st_mode, S_IFREG | 0600);
    assert_int_equal(after.st_mtime, 1000000000);
    assert_string_equal(read_all("/etc/conf"), "lower data\n");
    assert_int_equal(write_at("/etc/conf", O_WRONLY | O_APPEND, "more\n"), 5);
    assert_string_equal(read_all("/etc/conf"), "lower data\nmore\n");
    /* The host file is untouched. */
    assert_string_equal(host_read("etc/conf"), "lower data\n");
    char path[256];
    struct stat hs;
    host_path(path, "etc/conf");
    assert_int_equal(stat(path, &hs), 0);
    assert_int_equal(hs.st_mode & 07777, 0640);
}

static void test_whiteout_and_opaque(void **state)
{
    assert_true(contains(list("/var/d"), "a"));
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, "/var/d/a", 0), 0);
    struct linux_stat s;
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/var/d/a", 0, &s), -ENOENT);
    assert_false(contains(list("/var/d"), "a"));
    /* rmdir of a lower directory that is not empty, then emptied: opaque when re-made. */
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, "/var/d/sub", AT_REMOVEDIR), -ENOTEMPTY);
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, "/var/d/sub/c", 0), 0);
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, "/var/d/sub", AT_REMOVEDIR), 0);
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, "/var/d/sub", 0700), 0);
    assert_string_equal(list("/var/d/sub"), ". .. ");
    /* Merged listing: lower b, upper sub and new, no duplicates. */
    assert_int_equal(write_at("/var/d/new", O_CREAT | O_WRONLY, "n"), 1);
    assert_int_equal(write_at("/var/d/b", O_WRONLY | O_TRUNC, "b2"), 2);
    const char *l = list("/var/d");
    assert_true(contains(l, "b") && contains(l, "sub") && contains(l, "new"));
    assert_false(contains(l, "a"));
    assert_int_equal(strlen(l), strlen(". .. b sub new "));
    assert_non_null(host_read("var/d/a"));
    assert_non_null(host_read("var/d/sub/c"));
    assert_string_equal(host_read("var/d/b"), "B\n");
}

static void test_rename_across_layers(void **state)
{
    assert_int_equal(vfs_renameat(g_ctx, NULL, "/var/d", NULL, "/var/moved", 0), 0);
    assert_string_equal(read_all("/var/moved/b"), "b2");
    assert_int_equal(vfs_renameat(g_ctx, NULL, "/var/moved/b", NULL, "/etc/b", 0), 0);
    assert_string_equal(read_all("/etc/b"), "b2");
    struct linux_stat s;
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/var/d", 0, &s), -ENOENT);
    /* A lower directory moved before it was ever listed still lists its lower files. */
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, "/var/x", 0755), 0);
    assert_int_equal(vfs_renameat(g_ctx, NULL, "/etc", NULL, "/var/x/etc", 0), 0);
    assert_string_equal(read_all("/var/x/etc/link"), "lower data\nmore\n");
    assert_int_equal(vfs_renameat(g_ctx, NULL, "/var/x/etc", NULL, "/etc", 0), 0);
    assert_non_null(host_read("var/d/b"));
}

/* A descriptor opened read-only before a copy-up reads the copy afterwards, and its lower
 * file (a gofer fid) is closed once it is not needed. */
static void test_rdonly_fd_follows_copy_up(void **state)
{
    int fids = fake_gofer_live_fids(g_c);
    struct file *r;
    assert_int_equal(vfs_openat(g_ctx, NULL, "/etc/follow", O_RDONLY, 0, &r), 0);
    assert_int_equal(fake_gofer_live_fids(g_c), fids + 1);
    char buf[32] = {0};
    assert_int_equal(vfs_kernel_pread(g_ctx, r, buf, sizeof(buf) - 1, 0), 6);
    assert_string_equal(buf, "lower\n");
    assert_int_equal(write_at("/etc/follow", O_WRONLY | O_TRUNC, "upper data\n"), 11);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(vfs_kernel_pread(g_ctx, r, buf, sizeof(buf) - 1, 0), 11);
    assert_string_equal(buf, "upper data\n");
    assert_int_equal(fake_gofer_live_fids(g_c), fids);
    assert_int_equal(vfs_llseek(g_ctx, r, 0, SEEK_END), 11);
    struct linux_stat s;
    assert_int_equal(vfs_fstat(g_ctx, r, &s), 0);
    assert_int_equal(s.st_size, 11);
    file_unref(r);
    assert_string_equal(host_read("etc/follow"), "lower\n");
}

static void test_link_and_symlink(void **state)
{
    assert_int_equal(vfs_linkat(g_ctx, NULL, "/etc/b", NULL, "/etc/b2", 0), 0);
    struct linux_stat s;
    st("/etc/b2", &s);
    assert_int_equal(s.st_nlink, 2);
    assert_int_equal(vfs_symlinkat(g_ctx, "b", NULL, "/etc/sl"), 0);
    assert_string_equal(read_all("/etc/sl"), "b2");
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, "/etc/link", 0), 0);
    char path[256];
    struct stat hs;
    host_path(path, "etc/link");
    assert_int_equal(lstat(path, &hs), 0);
    host_path(path, "etc/sl");
    assert_int_equal(lstat(path, &hs), -1);
}

/* Open @path read-only and close it; returns the WALK and OPEN round trips it made. */
static int open_round_trips(const char *path)
{
    int before = fake_gofer_walks(g_c) + fake_gofer_opens(g_c);
    struct file *f;
    assert_int_equal(vfs_openat(g_ctx, NULL, path, O_RDONLY, 0, &f), 0);
    file_unref(f);
    return fake_gofer_walks(g_c) + fake_gofer_opens(g_c) - before;
}

/* A lower file opened again walks nothing and opens nothing on the gofer (its lower inode
 * and the read-only descriptor are kept), two descriptors of it still have their own
 * offsets, and a copy-up gives the lower file up. */
static void test_reopen_makes_no_round_trip(void **state)
{
    struct linux_stat s;
    st("/etc/again", &s); /* the overlay node exists: opens need the lower file only */
    int fids = fake_gofer_live_fids(g_c);
    assert_int_equal(open_round_trips("/etc/again"), 2); /* WALK and OPEN */
    assert_int_equal(fake_gofer_live_fids(g_c), fids + 1);
    assert_int_equal(open_round_trips("/etc/again"), 0);
    struct file *a, *b;
    assert_int_equal(vfs_openat(g_ctx, NULL, "/etc/again", O_RDONLY, 0, &a), 0);
    assert_int_equal(vfs_openat(g_ctx, NULL, "/etc/again", O_RDONLY, 0, &b), 0);
    char buf[8] = {0};
    struct uio u;
    uio_init_kernel(&u, buf, 3);
    assert_int_equal(vfs_read(g_ctx, a, &u, NULL), 3);
    assert_memory_equal(buf, "aga", 3);
    uio_init_kernel(&u, buf, 3);
    assert_int_equal(vfs_read(g_ctx, b, &u, NULL), 3);
    assert_memory_equal(buf, "aga", 3);
    uio_init_kernel(&u, buf, 3);
    assert_int_equal(vfs_read(g_ctx, a, &u, NULL), 3);
    assert_memory_equal(buf, "in\n", 3);
    file_unref(b);
    assert_int_equal(write_at("/etc/again", O_WRONLY | O_APPEND, "more\n"), 5);
    uio_init_kernel(&u, buf, 5);
    assert_int_equal(vfs_read(g_ctx, a, &u, NULL), 5);
    assert_memory_equal(buf, "more\n", 5);
    file_unref(a);
    assert_int_equal(fake_gofer_live_fids(g_c), fids);
    assert_string_equal(read_all("/etc/again"), "again\nmore\n");
    assert_string_equal(host_read("etc/again"), "again\n");
}

/* Only OVL_RECENT_MAX lower inodes are kept: the least recently opened is walked again. */
static void test_recent_opens_bounded(void **state)
{
    char path[64], data[32];
    struct linux_stat s;
    for (unsigned i = 0; i < OVL_RECENT_MAX + 8; i++) {
        snprintf(path, sizeof(path), "/many/f%u", i);
        st(path, &s);
    }
    int fids = fake_gofer_live_fids(g_c);
    for (unsigned i = 0; i < OVL_RECENT_MAX + 8; i++) {
        snprintf(path, sizeof(path), "/many/f%u", i);
        assert_int_equal(open_round_trips(path), 2);
    }
    /* The most recent files keep theirs (one from the previous test may have aged out). */
    int kept = fake_gofer_live_fids(g_c) - fids;
    assert_true(kept >= (int)OVL_RECENT_MAX - 1 && kept <= (int)OVL_RECENT_MAX);
    snprintf(path, sizeof(path), "/many/f%u", OVL_RECENT_MAX + 7);
    assert_int_equal(open_round_trips(path), 0);
    snprintf(data, sizeof(data), "file %u\n", OVL_RECENT_MAX + 7);
    assert_string_equal(read_all(path), data);
    assert_int_equal(open_round_trips("/many/f0"), 2);
    assert_string_equal(read_all("/many/f0"), "file 0\n");
    assert_int_equal(fake_gofer_live_fids(g_c) - fids, kept);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_lower),
        cmocka_unit_test(test_copy_up),
        cmocka_unit_test(test_whiteout_and_opaque),
        cmocka_unit_test(test_rename_across_layers),
        cmocka_unit_test(test_link_and_symlink),
        cmocka_unit_test(test_rdonly_fd_follows_copy_up),
        cmocka_unit_test(test_reopen_makes_no_round_trip),
        cmocka_unit_test(test_recent_opens_bounded),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
