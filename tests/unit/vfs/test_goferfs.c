// SPDX-License-Identifier: Apache-2.0
/* Unit tests for goferfs over a fake in-process gofer client: batched walks, the forever
 * dentry cache (positive and negative), symlinks, reads, readdir, mappings, EROFS, mounts
 * (also synthetic ones) on the read-only root, and the revalidating cache of volumes. */
#include <dirent.h>
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
#include "sentry/fs/gofer/goferfs_internal.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/kernel/kernel.h"
#include "sentry/memmap/mappable.h"
#include "sentry/vfs/vfs_internal.h"
#include "sentry/vfs/vfs_ops.h"
#include "tests/unit/vfs/fakes/fake_gofer_client.h"
#include "tests/unit/vfs/fakes/fake_kernel.h"

static struct ctx *g_ctx;
static struct gofer_client *g_c;
static char g_host[64];

static void host_file(const char *rel, const char *data)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", g_host, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(data, f);
    fclose(f);
}

static void host_dir(const char *rel)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", g_host, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

static int group_setup(void **state)
{
    snprintf(g_host, sizeof(g_host), "/tmp/cvisor-goferfs-XXXXXX");
    assert_non_null(mkdtemp(g_host));
    host_dir("usr");
    host_dir("usr/lib");
    host_dir("usr/lib/py");
    host_dir("usr/bin");
    host_dir("etc");
    host_dir("tmp");
    host_file("usr/lib/py/os.py", "import sys\n");
    host_file("usr/bin/tool", "#!/bin/sh\n");
    host_file("etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    host_dir("many");
    for (unsigned i = 0; i < GOFER_RO_FDS_MAX + 4; i++) {
        char rel[32];
        snprintf(rel, sizeof(rel), "many/f%u", i);
        host_file(rel, "x\n");
    }
    char path[256];
    snprintf(path, sizeof(path), "%s/bin", g_host);
    assert_int_equal(symlink("usr/bin", path), 0);
    snprintf(path, sizeof(path), "%s/usr/lib/up", g_host);
    assert_int_equal(symlink("../../etc", path), 0);

    kernel_lock(); /* syscall handlers run with it held */
    vfs_init();
    assert_int_equal(tmpfs_register(), 0);
    assert_int_equal(goferfs_register(), 0);
    g_c = fake_gofer_new(g_host);
    assert_int_equal(vfs_mount_root("goferfs", g_c), 0);
    assert_int_equal(vfs_mount_at("/tmp", "tmpfs", NULL, 0), 0);
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
    return 0;
}

static void test_batched_walk_and_cache(void **state)
{
    struct linux_stat st;
    int before = fake_gofer_walks(g_c);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/usr/lib/py/os.py", 0, &st), 0);
    assert_int_equal(fake_gofer_walks(g_c), before + 1); /* four names, one round trip */
    assert_int_equal(st.st_size, 11);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/usr/lib/py/os.py", 0, &st), 0);
    assert_int_equal(fake_gofer_walks(g_c), before + 1); /* cached */
    /* Negative entries are cached too. */
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/usr/lib/nope.py", 0, &st), -ENOENT);
    int after = fake_gofer_walks(g_c);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/usr/lib/nope.py", 0, &st), -ENOENT);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/usr/lib/nope.py/x", 0, &st), -ENOENT);
    assert_int_equal(fake_gofer_walks(g_c), after);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/usr/lib/py/os.py/x", 0, &st), -ENOTDIR);
    struct linux_stat up;
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/usr/..", 0, &up), 0);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/", 0, &st), 0);
    assert_int_equal(up.st_ino, st.st_ino);
}

static void test_symlinks_resolved_by_sentry(void **state)
{
    struct linux_stat a, b;
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/bin/tool", 0, &a), 0);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/usr/bin/tool", 0, &b), 0);
    assert_int_equal(a.st_ino, b.st_ino);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/usr/lib/up/passwd", 0, &a), 0);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/etc/passwd", 0, &b), 0);
    assert_int_equal(a.st_ino, b.st_ino);
    char buf[32];
    assert_int_equal(vfs_readlinkat(g_ctx, NULL, "/bin", buf, sizeof(buf)), 7);
    assert_memory_equal(buf, "usr/bin", 7);
}

static void test_read_and_map(void **state)
{
    struct file *f;
    assert_int_equal(vfs_openat(g_ctx, NULL, "/etc/passwd", O_RDONLY, 0, &f), 0);
    char buf[64] = {0};
    assert_int_equal(vfs_kernel_pread(g_ctx, f, buf, sizeof(buf), 5), 21);
    assert_string_equal(buf, "x:0:0::/root:/bin/sh\n");
    struct uio u;
    uio_init_kernel(&u, buf, 4);
    assert_int_equal(vfs_read(g_ctx, f, &u, NULL), 4);
    assert_memory_equal(buf, "root", 4);
    struct mappable *m;
    assert_int_equal(f->ops->get_mappable(g_ctx, f, &m), 0);
    char *page = malloc(4096);
    assert_int_equal(m->ops->fill(m, 0, page, 4096), 0);
    assert_memory_equal(page, "root:x", 6);
    assert_int_equal(page[4095], 0);
    assert_int_equal(m->ops->fill(m, 4096, page, 4096), -EFAULT);
    m->ops->unref(m);
    free(page);
    char path[64];
    assert_int_equal(file_path(f, path, sizeof(path)), 11);
    assert_string_equal(path, "/etc/passwd");
    file_unref(f);
}

static void test_read_only(void **state)
{
    assert_int_equal(vfs_openat(g_ctx, NULL, "/etc/passwd", O_WRONLY, 0, &(struct file *){0}),
                     -EROFS);
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, "/etc/new", 0755), -EROFS);
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, "/etc", 0755), -EEXIST);
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, "/etc/passwd", 0), -EROFS);
    assert_int_equal(vfs_fchmodat(g_ctx, NULL, "/etc/passwd", 0600, 0), -EROFS);
    assert_int_equal(vfs_access(g_ctx, NULL, "/etc/passwd", W_OK, 0), -EROFS);
    assert_int_equal(vfs_access(g_ctx, NULL, "/etc/passwd", R_OK, 0), 0);
    struct file *f;
    assert_int_equal(vfs_openat(g_ctx, NULL, "/tmp/x", O_CREAT | O_RDWR, 0600, &f), 0);
    file_unref(f);
    struct linux_statfs sfs;
    assert_int_equal(vfs_statfs(g_ctx, "/etc", &sfs), 0);
    assert_true(sfs.f_flags & 1);
}

static bool count_emit(struct dir_emitter *e, const char *name, uint64_t ino, uint8_t type,
                       int64_t next)
{
    int *n = e->priv;
    if (!strcmp(name, "usr") || !strcmp(name, "etc") || !strcmp(name, "bin") ||
        !strcmp(name, ".") || !strcmp(name, ".."))
        (*n)++;
    return true;
}

static void test_readdir_and_mountpoints(void **state)
{
    struct file *d;
    assert_int_equal(vfs_openat(g_ctx, NULL, "/", O_RDONLY | O_DIRECTORY, 0, &d), 0);
    int n = 0;
    struct dir_emitter e = {.emit = count_emit, .priv = &n};
    assert_int_equal(vfs_iterate(g_ctx, d, &e), 0);
    assert_int_equal(n, 5);
    file_unref(d);
    /* A mount over a missing leaf of the read-only root gets a synthetic directory. */
    assert_int_equal(vfs_mount_at("/newmnt", "tmpfs", NULL, 0), 0);
    struct linux_stat st;
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/newmnt", 0, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    struct file *f;
    assert_int_equal(vfs_openat(g_ctx, NULL, "/newmnt/f", O_CREAT | O_RDWR, 0600, &f), 0);
    file_unref(f);
    assert_int_equal(vfs_chdir(g_ctx, NULL, "/newmnt"), 0);
    char cwd[64];
    assert_int_equal(vfs_getcwd(g_ctx, cwd, sizeof(cwd)), 7);
    assert_string_equal(cwd, "/newmnt");
    assert_int_equal(vfs_chdir(g_ctx, NULL, ".."), 0);
    assert_int_equal(vfs_getcwd(g_ctx, cwd, sizeof(cwd)), 1);
}

/* Open @path with @flags and close it; returns the OPEN round trips it made. */
static int opens_of(struct gofer_client *c, const char *path, int flags)
{
    int before = fake_gofer_opens(c);
    struct file *f;
    assert_int_equal(vfs_openat(g_ctx, NULL, path, flags, 0, &f), 0);
    file_unref(f);
    return fake_gofer_opens(c) - before;
}

static int host_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* A plain read-only open of a file opened before asks the gofer nothing: its inode keeps a
 * read-only descriptor (a bounded number of inodes do), and descriptors still have their own
 * offsets. */
static void test_rdonly_open_reuses_descriptor(void **state)
{
    assert_int_equal(opens_of(g_c, "/usr/bin/tool", O_RDONLY), 1);
    assert_int_equal(opens_of(g_c, "/usr/bin/tool", O_RDONLY), 0);
    assert_int_equal(opens_of(g_c, "/usr/bin/tool", O_RDONLY | O_NONBLOCK), 0);
    assert_int_equal(opens_of(g_c, "/usr/bin/tool", O_RDONLY | O_SYNC), 1);
    struct file *a, *b;
    assert_int_equal(vfs_openat(g_ctx, NULL, "/usr/bin/tool", O_RDONLY, 0, &a), 0);
    assert_int_equal(vfs_openat(g_ctx, NULL, "/usr/bin/tool", O_RDONLY, 0, &b), 0);
    char buf[8] = {0};
    struct uio u;
    uio_init_kernel(&u, buf, 2);
    assert_int_equal(vfs_read(g_ctx, a, &u, NULL), 2);
    assert_memory_equal(buf, "#!", 2);
    uio_init_kernel(&u, buf, 2);
    assert_int_equal(vfs_read(g_ctx, b, &u, NULL), 2);
    assert_memory_equal(buf, "#!", 2);
    file_unref(b);
    uio_init_kernel(&u, buf, 3);
    assert_int_equal(vfs_read(g_ctx, a, &u, NULL), 3);
    assert_memory_equal(buf, "/bi", 3);
    file_unref(a);

    /* Bounded: the least recently opened gives its descriptor up. */
    char path[64];
    int fds = host_fds() - fake_gofer_live_fids(g_c);
    for (unsigned i = 0; i < GOFER_RO_FDS_MAX + 4; i++) {
        snprintf(path, sizeof(path), "/many/f%u", i);
        assert_int_equal(opens_of(g_c, path, O_RDONLY), 1);
    }
    assert_true(host_fds() - fake_gofer_live_fids(g_c) - fds <= (int)GOFER_RO_FDS_MAX);
    snprintf(path, sizeof(path), "/many/f%u", GOFER_RO_FDS_MAX + 3);
    assert_int_equal(opens_of(g_c, path, O_RDONLY), 0);
    assert_int_equal(opens_of(g_c, "/many/f0", O_RDONLY), 1);
}

/* ---- a shared volume (goferfs-shared): the host changes it behind the cache ---- */

static char g_vol[64];

static void vol_path(char *buf, size_t size, const char *rel)
{
    snprintf(buf, size, "%s/%s", g_vol, rel);
}

static void vol_write(const char *rel, const char *data)
{
    char path[256];
    vol_path(path, sizeof(path), rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(data, f);
    fclose(f);
}

static void vol_op(int (*op)(const char *), const char *rel)
{
    char path[256];
    vol_path(path, sizeof(path), rel);
    assert_int_equal(op(path), 0);
}

static int mkdir755(const char *path)
{
    return mkdir(path, 0755);
}

static struct gofer_client *mount_volume(void)
{
    snprintf(g_vol, sizeof(g_vol), "/tmp/cvisor-govol-XXXXXX");
    assert_non_null(mkdtemp(g_vol));
    vol_op(mkdir755, "d");
    vol_write("d/f", "first\n");
    struct gofer_client *c = fake_gofer_new(g_vol);
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, "/tmp/vol", 0755), 0);
    assert_int_equal(vfs_mount_at("/tmp/vol", "goferfs-shared", c, 0), 0);
    return c;
}

static uint64_t host_ino(const char *rel)
{
    char path[256];
    struct stat st;
    vol_path(path, sizeof(path), rel);
    assert_int_equal(stat(path, &st), 0);
    return st.st_ino;
}

static void read_all(const char *path, char *buf, size_t size)
{
    struct file *f;
    assert_int_equal(vfs_openat(g_ctx, NULL, path, O_RDONLY, 0, &f), 0);
    memset(buf, 0, size);
    assert_true(vfs_kernel_pread(g_ctx, f, buf, size - 1, 0) >= 0);
    file_unref(f);
}

static void test_volume_revalidates(void **state)
{
    struct gofer_client *c = mount_volume();
    struct linux_stat st;
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/tmp/vol/d/f", 0, &st), 0);
    assert_int_equal(st.st_ino, host_ino("d/f"));
    /* Cached, but every walk checks the cached names again: both in one round trip. */
    int walks = fake_gofer_walks(c);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/tmp/vol/d/f", 0, &st), 0);
    assert_int_equal(fake_gofer_walks(c), walks + 1);

    /* The host may change a file's mode: every open asks the gofer. */
    assert_int_equal(opens_of(c, "/tmp/vol/d/f", O_RDONLY), 1);
    assert_int_equal(opens_of(c, "/tmp/vol/d/f", O_RDONLY), 1);

    /* Removed on the host: gone in the sandbox, and an open file keeps working. */
    struct file *open_f;
    assert_int_equal(vfs_openat(g_ctx, NULL, "/tmp/vol/d/f", O_RDONLY, 0, &open_f), 0);
    vol_op(unlink, "d/f");
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/tmp/vol/d/f", 0, &st), -ENOENT);
    char buf[32] = {0};
    assert_int_equal(vfs_kernel_pread(g_ctx, open_f, buf, sizeof(buf), 0), 6);
    assert_string_equal(buf, "first\n");
    file_unref(open_f);

    /* A name looked up while missing appears once the host creates it. */
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/tmp/vol/d/late", 0, &st), -ENOENT);
    vol_write("d/late", "late\n");
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/tmp/vol/d/late", 0, &st), 0);
    assert_int_equal(st.st_size, 5);

    /* Replaced on the host (rename over it): the new file, with its own inode number. */
    vol_write("d/late.new", "replaced!\n");
    char from[256], to[256];
    vol_path(from, sizeof(from), "d/late.new");
    vol_path(to, sizeof(to), "d/late");
    assert_int_equal(rename(from, to), 0);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/tmp/vol/d/late", 0, &st), 0);
    assert_int_equal(st.st_ino, host_ino("d/late"));
    read_all("/tmp/vol/d/late", buf, sizeof(buf));
    assert_string_equal(buf, "replaced!\n");
}

/* Counts the host names of the volume's root as the test leaves it. */
static bool names_emit(struct dir_emitter *e, const char *name, uint64_t ino, uint8_t type,
                       int64_t next)
{
    int *n = e->priv;
    if (!strcmp(name, "d") || !strcmp(name, "old") || !strcmp(name, "top"))
        (*n)++;
    return true;
}

static void test_volume_replaced_directory(void **state)
{
    struct linux_stat st;
    /* The sandbox caches d and its child; the host swaps d for another directory. */
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/tmp/vol/d/late", 0, &st), 0);
    char from[256], to[256];
    vol_path(from, sizeof(from), "d");
    vol_path(to, sizeof(to), "old");
    assert_int_equal(rename(from, to), 0);
    vol_op(mkdir755, "d");
    vol_write("d/other", "other\n");
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/tmp/vol/d/late", 0, &st), -ENOENT);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/tmp/vol/d/other", 0, &st), 0);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/tmp/vol/old/late", 0, &st), 0);
    assert_int_equal(st.st_ino, host_ino("old/late"));
    /* A listing shows the host directory as it is now. */
    struct file *d;
    assert_int_equal(vfs_openat(g_ctx, NULL, "/tmp/vol", O_RDONLY | O_DIRECTORY, 0, &d), 0);
    vol_write("top", "top\n");
    int n = 0;
    struct dir_emitter e = {.emit = names_emit, .priv = &n};
    assert_int_equal(vfs_iterate(g_ctx, d, &e), 0);
    assert_int_equal(n, 3); /* d, old, top */
    file_unref(d);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/tmp/vol/top", 0, &st), 0);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", g_vol);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batched_walk_and_cache),
        cmocka_unit_test(test_symlinks_resolved_by_sentry),
        cmocka_unit_test(test_read_and_map),
        cmocka_unit_test(test_read_only),
        cmocka_unit_test(test_rdonly_open_reuses_descriptor),
        cmocka_unit_test(test_readdir_and_mountpoints),
        cmocka_unit_test(test_volume_revalidates),
        cmocka_unit_test(test_volume_replaced_directory),
    };
    return cmocka_run_group_tests_name("goferfs", tests, group_setup, group_teardown);
}
