// SPDX-License-Identifier: Apache-2.0
/* Unit tests for the path walk and name operations over tmpfs: symlinks and ELOOP, "..",
 * trailing slashes, ENOTDIR/ENOENT/ENAMETOOLONG, mount crossing, getcwd, rename/unlink/link,
 * file data and stable getdents offsets. */
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

#include <cmocka.h>

#include "sentry/fs/dev/devfs.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/kernel/kernel.h"
#include "sentry/memfile/memfile.h"
#include "sentry/vfs/vfs.h"
#include "sentry/vfs/vfs_internal.h"
#include "sentry/vfs/vfs_ops.h"
#include "tests/unit/vfs/fakes/fake_kernel.h"

static struct ctx *g_ctx;
static int g_case;

/* A fresh directory per test: /tN. */
static char g_dir[32];

static const char *p(const char *rel)
{
    static char buf[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", g_dir, rel);
    return buf[i];
}

static int group_setup(void **state)
{
    kernel_lock();                       /* syscall handlers run with it held */
    assert_int_equal(memfile_init(), 0); /* tmpfs keeps file data in the memory file */
    vfs_init();
    assert_int_equal(tmpfs_register(), 0);
    assert_int_equal(vfs_mount_root("tmpfs", NULL), 0);
    g_ctx = fake_ctx_new();
    assert_non_null(g_ctx);
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, "/mnt", 0755), 0);
    assert_int_equal(vfs_mount_at("/mnt", "tmpfs", NULL, 0), 0);
    return 0;
}

static int group_teardown(void **state)
{
    fake_ctx_free(g_ctx);
    memfile_destroy();
    kernel_unlock();
    return 0;
}

static int setup(void **state)
{
    snprintf(g_dir, sizeof(g_dir), "/t%d", ++g_case);
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, g_dir, 0755), 0);
    assert_int_equal(vfs_chdir(g_ctx, NULL, "/"), 0);
    return 0;
}

static void touch(const char *path)
{
    struct file *f;
    assert_int_equal(vfs_openat(g_ctx, NULL, path, O_CREAT | O_WRONLY, 0644, &f), 0);
    file_unref(f);
}

static int open_err(const char *path, int flags)
{
    struct file *f = NULL;
    int ret = vfs_openat(g_ctx, NULL, path, flags, 0644, &f);
    if (ret == 0)
        file_unref(f);
    return ret;
}

static uint64_t ino_of(const char *path, int flags)
{
    struct linux_stat st;
    assert_int_equal(vfs_fstatat(g_ctx, NULL, path, flags, &st), 0);
    return st.st_ino;
}

static void test_symlink_loops(void **state)
{
    assert_int_equal(vfs_symlinkat(g_ctx, "b", NULL, p("a")), 0);
    assert_int_equal(vfs_symlinkat(g_ctx, "a", NULL, p("b")), 0);
    assert_int_equal(open_err(p("a"), O_RDONLY), -ELOOP);
    assert_int_equal(open_err(p("a/x"), O_RDONLY), -ELOOP);
    assert_int_equal(vfs_symlinkat(g_ctx, "self", NULL, p("self")), 0);
    assert_int_equal(open_err(p("self"), O_RDONLY), -ELOOP);
    /* A chain of 40 links resolves; 41 is too many. */
    touch(p("target"));
    char name[32], prev[32] = "target";
    for (int i = 0; i < 41; i++) {
        snprintf(name, sizeof(name), "l%d", i);
        assert_int_equal(vfs_symlinkat(g_ctx, prev, NULL, p(name)), 0);
        strcpy(prev, name);
    }
    assert_int_equal(open_err(p("l39"), O_RDONLY), 0);
    assert_int_equal(open_err(p("l40"), O_RDONLY), -ELOOP);
}

static void test_symlink_follow_rules(void **state)
{
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, p("d"), 0755), 0);
    touch(p("d/f"));
    assert_int_equal(vfs_symlinkat(g_ctx, "d", NULL, p("rel")), 0);
    assert_int_equal(vfs_symlinkat(g_ctx, p("d/f"), NULL, p("abs")), 0);
    assert_int_equal(ino_of(p("rel/f"), 0), ino_of(p("d/f"), 0));
    assert_int_equal(ino_of(p("abs"), 0), ino_of(p("d/f"), 0));
    /* lstat sees the link; O_NOFOLLOW refuses it; O_PATH|O_NOFOLLOW opens it. */
    struct linux_stat st;
    assert_int_equal(vfs_fstatat(g_ctx, NULL, p("abs"), AT_SYMLINK_NOFOLLOW, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(open_err(p("abs"), O_RDONLY | O_NOFOLLOW), -ELOOP);
    assert_int_equal(open_err(p("abs"), O_PATH | O_NOFOLLOW), 0);
    /* A trailing slash follows a link to a directory even with NOFOLLOW. */
    assert_int_equal(vfs_fstatat(g_ctx, NULL, p("rel/"), AT_SYMLINK_NOFOLLOW, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    /* O_CREAT through a dangling link creates its target. */
    assert_int_equal(vfs_symlinkat(g_ctx, "newtarget", NULL, p("dangling")), 0);
    assert_int_equal(open_err(p("dangling"), O_RDONLY), -ENOENT);
    assert_int_equal(open_err(p("dangling"), O_CREAT | O_WRONLY), 0);
    assert_int_equal(ino_of(p("newtarget"), 0), ino_of(p("dangling"), 0));
    assert_int_equal(open_err(p("dangling"), O_CREAT | O_EXCL | O_WRONLY), -EEXIST);
    char buf[64];
    assert_int_equal(vfs_readlinkat(g_ctx, NULL, p("rel"), buf, sizeof(buf)), 1);
    assert_int_equal(vfs_readlinkat(g_ctx, NULL, p("d"), buf, sizeof(buf)), -EINVAL);
}

static void test_dotdot(void **state)
{
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, p("a"), 0755), 0);
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, p("a/b"), 0755), 0);
    assert_int_equal(ino_of(p("a/b/.."), 0), ino_of(p("a"), 0));
    assert_int_equal(ino_of(p("a/./b/../../a"), 0), ino_of(p("a"), 0));
    assert_int_equal(ino_of("/..", 0), ino_of("/", 0));
    assert_int_equal(ino_of("/../../..", 0), ino_of("/", 0));
    /* ".." through a symlink goes to the parent of the target, not of the link. */
    assert_int_equal(vfs_symlinkat(g_ctx, "a/b", NULL, p("lb")), 0);
    assert_int_equal(ino_of(p("lb/.."), 0), ino_of(p("a"), 0));
    /* ".." never leaves the task's root. */
    assert_int_equal(vfs_chroot(g_ctx, p("a")), 0);
    assert_int_equal(ino_of("/..", 0), ino_of("/b/..", 0));
    assert_int_equal(ino_of("/b", 0) != 0, 1);
    char buf[256];
    assert_int_equal(vfs_chdir(g_ctx, NULL, "/b"), 0);
    assert_int_equal(vfs_getcwd(g_ctx, buf, sizeof(buf)), 2);
    assert_string_equal(buf, "/b");
    /* Back to the real root (the test task is root-ish, so this is allowed). */
    path_put(&g_ctx->fs->root);
    struct mount *m = vfs_root_mount();
    g_ctx->fs->root = (struct path){m, m->root};
    path_get(&g_ctx->fs->root);
    assert_int_equal(vfs_getcwd(g_ctx, buf, sizeof(buf)), (int)strlen(p("a/b")));
    assert_string_equal(buf, p("a/b"));
}

static void test_trailing_slash_and_enotdir(void **state)
{
    touch(p("f"));
    assert_int_equal(open_err(p("f/"), O_RDONLY), -ENOTDIR);
    assert_int_equal(open_err(p("f/x"), O_RDONLY), -ENOTDIR);
    assert_int_equal(open_err(p("f/."), O_RDONLY), -ENOTDIR);
    assert_int_equal(open_err(p("f"), O_RDONLY | O_DIRECTORY), -ENOTDIR);
    assert_int_equal(open_err(p("new/"), O_CREAT | O_WRONLY), -EISDIR);
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, p("d/"), 0755), 0);
    assert_int_equal(open_err(p("d/"), O_RDONLY), 0);
    assert_int_equal(open_err(p("d"), O_WRONLY), -EISDIR);
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, p("f/"), 0), -ENOTDIR);
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, p("d"), 0), -EISDIR);
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, p("f"), AT_REMOVEDIR), -ENOTDIR);
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, p("d/"), AT_REMOVEDIR), 0);
    assert_int_equal(vfs_symlinkat(g_ctx, "x", NULL, p("s/")), -ENOENT);
    assert_int_equal(open_err("", O_RDONLY), -ENOENT);
    assert_int_equal(open_err(p("missing/x"), O_CREAT | O_WRONLY), -ENOENT);
}

static void test_name_too_long(void **state)
{
    char name[300];
    memset(name, 'n', 256);
    name[256] = '\0';
    assert_int_equal(open_err(p(name), O_CREAT | O_WRONLY), -ENAMETOOLONG);
    name[255] = '\0';
    assert_int_equal(open_err(p(name), O_CREAT | O_WRONLY), 0);
    char *longpath = malloc(5000);
    memset(longpath, '/', 4999);
    longpath[4999] = '\0';
    assert_int_equal(open_err(longpath, O_RDONLY), -ENAMETOOLONG);
    free(longpath);
}

static void test_mount_crossing(void **state)
{
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, "/mnt/sub", 0755), 0);
    touch("/mnt/sub/f");
    struct linux_stat root, mnt, f;
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/", 0, &root), 0);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/mnt", 0, &mnt), 0);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/mnt/sub/f", 0, &f), 0);
    assert_true(root.st_dev != mnt.st_dev);
    assert_int_equal(mnt.st_dev, f.st_dev);
    assert_int_equal(ino_of("/mnt/..", 0), ino_of("/", 0));
    assert_int_equal(ino_of("/mnt/sub/../..", 0), ino_of("/", 0));
    assert_int_equal(vfs_chdir(g_ctx, NULL, "/mnt/sub"), 0);
    char buf[64];
    assert_int_equal(vfs_getcwd(g_ctx, buf, sizeof(buf)), 8);
    assert_string_equal(buf, "/mnt/sub");
    assert_int_equal(vfs_getcwd(g_ctx, buf, 4), -ERANGE);
    assert_int_equal(ino_of("f", 0), f.st_ino);
    assert_int_equal(ino_of("../../mnt/sub/f", 0), f.st_ino);
    /* Rename and link do not cross mounts; the mount point is busy. */
    assert_int_equal(vfs_renameat(g_ctx, NULL, "/mnt/sub/f", NULL, p("f"), 0), -EXDEV);
    assert_int_equal(vfs_linkat(g_ctx, NULL, "/mnt/sub/f", NULL, p("f"), 0), -EXDEV);
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, "/mnt", AT_REMOVEDIR), -EBUSY);
    /* A synthetic mount point for a missing leaf. */
    assert_int_equal(vfs_mount_at(p("auto"), "tmpfs", NULL, 0), 0);
    touch(p("auto/x"));
    assert_int_equal(vfs_mount_at(p("no/such/dir"), "tmpfs", NULL, 0), -ENOENT);
    struct file *fl;
    assert_int_equal(vfs_openat(g_ctx, NULL, "/mnt/sub/f", O_RDONLY, 0, &fl), 0);
    assert_int_equal(file_path(fl, buf, sizeof(buf)), 10);
    assert_string_equal(buf, "/mnt/sub/f");
    file_unref(fl);
}

static void test_rename_unlink_link(void **state)
{
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, p("d"), 0755), 0);
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, p("e"), 0755), 0);
    touch(p("d/f"));
    uint64_t ino = ino_of(p("d/f"), 0);
    assert_int_equal(vfs_linkat(g_ctx, NULL, p("d/f"), NULL, p("d/g"), 0), 0);
    struct linux_stat st;
    assert_int_equal(vfs_fstatat(g_ctx, NULL, p("d/g"), 0, &st), 0);
    assert_int_equal(st.st_nlink, 2);
    assert_int_equal(vfs_renameat(g_ctx, NULL, p("d/f"), NULL, p("e/h"), 0), 0);
    assert_int_equal(ino_of(p("e/h"), 0), ino);
    assert_int_equal(open_err(p("d/f"), O_RDONLY), -ENOENT);
    assert_int_equal(vfs_renameat(g_ctx, NULL, p("d"), NULL, p("d/x"), 0), -EINVAL);
    assert_int_equal(vfs_renameat(g_ctx, NULL, p("d"), NULL, p("e"), 0), -ENOTEMPTY);
    assert_int_equal(vfs_renameat(g_ctx, NULL, p("d/g"), NULL, p("e/h"), 1), -EEXIST);
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, p("d"), AT_REMOVEDIR), -ENOTEMPTY);
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, p("d/g"), 0), 0);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, p("e/h"), 0, &st), 0);
    assert_int_equal(st.st_nlink, 1);
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, p("d"), AT_REMOVEDIR), 0);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, p("e"), 0, &st), 0);
    assert_int_equal(st.st_nlink, 2);
    /* A removed cwd: getcwd and creation report ENOENT. */
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, p("gone"), 0755), 0);
    assert_int_equal(vfs_chdir(g_ctx, NULL, p("gone")), 0);
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, p("gone"), AT_REMOVEDIR), 0);
    char buf[64];
    assert_int_equal(vfs_getcwd(g_ctx, buf, sizeof(buf)), -ENOENT);
    assert_int_equal(open_err("new", O_CREAT | O_WRONLY), -ENOENT);
}

static void test_file_data(void **state)
{
    struct file *f;
    assert_int_equal(vfs_openat(g_ctx, NULL, p("data"), O_CREAT | O_RDWR, 0600, &f), 0);
    char msg[] = "hello, world";
    struct uio u;
    uio_init_kernel(&u, msg, 12);
    assert_int_equal(vfs_write(g_ctx, f, &u, NULL), 12);
    int64_t pos = 10000;
    uio_init_kernel(&u, msg, 5);
    assert_int_equal(vfs_write(g_ctx, f, &u, &pos), 5);
    char buf[16] = {0};
    assert_int_equal(vfs_kernel_pread(g_ctx, f, buf, 12, 0), 12);
    assert_memory_equal(buf, "hello, world", 12);
    assert_int_equal(vfs_kernel_pread(g_ctx, f, buf, 4, 5000), 4);
    assert_memory_equal(buf, "\0\0\0\0", 4); /* a hole reads as zeros */
    struct linux_stat st;
    assert_int_equal(vfs_fstat(g_ctx, f, &st), 0);
    assert_int_equal(st.st_size, 10005);
    assert_int_equal(st.st_mode, S_IFREG | 0600);
    assert_int_equal(vfs_ftruncate(g_ctx, f, 3), 0);
    assert_int_equal(vfs_kernel_pread(g_ctx, f, buf, 16, 0), 3);
    assert_int_equal(vfs_llseek(g_ctx, f, 0, SEEK_END), 3);
    file_unref(f);
    assert_int_equal(vfs_openat(g_ctx, NULL, p("data"), O_RDONLY, 0, &f), 0);
    uio_init_kernel(&u, msg, 1);
    assert_int_equal(vfs_write(g_ctx, f, &u, NULL), -EBADF);
    file_unref(f);
    assert_int_equal(open_err(p("data"), O_WRONLY | O_TRUNC), 0);
    assert_int_equal(vfs_fstatat(g_ctx, NULL, p("data"), 0, &st), 0);
    assert_int_equal(st.st_size, 0);
}

/* Emitter that records names and stops after @limit entries per call. */
struct rec {
    char names[64][16];
    int count;
    int limit, in_call;
};

static bool rec_emit(struct dir_emitter *e, const char *name, uint64_t ino, uint8_t type,
                     int64_t next)
{
    struct rec *r = e->priv;
    if (r->in_call >= r->limit)
        return false;
    r->in_call++;
    snprintf(r->names[r->count++], 16, "%s", name);
    return true;
}

static int seen(const struct rec *r, const char *name)
{
    int n = 0;
    for (int i = 0; i < r->count; i++)
        n += strcmp(r->names[i], name) == 0;
    return n;
}

static void test_getdents_stable(void **state)
{
    char name[16];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof(name), "e%d", i);
        touch(p(name));
    }
    struct file *d;
    assert_int_equal(vfs_openat(g_ctx, NULL, g_dir, O_RDONLY | O_DIRECTORY, 0, &d), 0);
    struct rec r = {.limit = 3};
    struct dir_emitter e = {.emit = rec_emit, .priv = &r};
    r.in_call = 0;
    assert_int_equal(vfs_iterate(g_ctx, d, &e), 0); /* ".", "..", e0 */
    /* Remove an entry already seen and one not yet seen; add new ones. */
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, p("e0"), 0), 0);
    assert_int_equal(vfs_unlinkat(g_ctx, NULL, p("e5"), 0), 0);
    touch(p("n1"));
    for (int round = 0; round < 20; round++) {
        r.in_call = 0;
        assert_int_equal(vfs_iterate(g_ctx, d, &e), 0);
        if (r.in_call == 0)
            break;
        if (round == 1)
            touch(p("n2"));
    }
    assert_int_equal(seen(&r, "."), 1);
    assert_int_equal(seen(&r, ".."), 1);
    assert_int_equal(seen(&r, "e0"), 1);
    assert_int_equal(seen(&r, "e5"), 0);
    for (int i = 1; i < 10; i++) {
        snprintf(name, sizeof(name), "e%d", i);
        if (i != 5)
            assert_int_equal(seen(&r, name), 1);
    }
    assert_int_equal(seen(&r, "n1"), 1);
    assert_int_equal(seen(&r, "n2"), 1);
    /* Rewind lists everything once. */
    assert_int_equal(vfs_llseek(g_ctx, d, 0, SEEK_SET), 0);
    memset(&r, 0, sizeof(r));
    r.limit = 100;
    assert_int_equal(vfs_iterate(g_ctx, d, &e), 0);
    assert_int_equal(r.count, 2 + 8 + 2);
    file_unref(d);
    struct file *f;
    assert_int_equal(vfs_openat(g_ctx, NULL, p("e1"), O_RDONLY, 0, &f), 0);
    assert_int_equal(vfs_iterate(g_ctx, f, &e), -ENOTDIR);
    file_unref(f);
}

static void test_permissions_and_access(void **state)
{
    touch(p("f"));
    assert_int_equal(vfs_access(g_ctx, NULL, p("f"), R_OK | W_OK, 0), 0);
    /* Root needs at least one x bit to execute. */
    assert_int_equal(vfs_access(g_ctx, NULL, p("f"), X_OK, 0), -EACCES);
    assert_int_equal(vfs_fchmodat(g_ctx, NULL, p("f"), 0100, 0), 0);
    assert_int_equal(vfs_access(g_ctx, NULL, p("f"), X_OK, 0), 0);
    assert_int_equal(vfs_access(g_ctx, NULL, p("f"), 0x10, 0), -EINVAL);
    assert_int_equal(vfs_access(g_ctx, NULL, p("nope"), F_OK, 0), -ENOENT);
    struct linux_stat st;
    assert_int_equal(vfs_fstatat(g_ctx, NULL, p("f"), 0, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0100);
}

static void test_devfs(void **state)
{
    assert_int_equal(devfs_register(), 0);
    assert_int_equal(vfs_mkdirat(g_ctx, NULL, "/dev", 0755), 0);
    assert_int_equal(vfs_mount_at("/dev", "devfs", NULL, 0), 0);
    assert_int_equal(vfs_mount_at("/dev/shm", "tmpfs", NULL, 0), 0);
    struct linux_stat st;
    assert_int_equal(vfs_fstatat(g_ctx, NULL, "/dev/null", 0, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(st.st_rdev, 0x103);
    struct file *f;
    assert_int_equal(vfs_openat(g_ctx, NULL, "/dev/zero", O_RDWR, 0, &f), 0);
    char buf[8] = "xxxxxxx";
    assert_int_equal(vfs_kernel_pread(g_ctx, f, buf, 8, 0), 8);
    assert_memory_equal(buf, "\0\0\0\0\0\0\0\0", 8);
    file_unref(f);
    assert_int_equal(vfs_openat(g_ctx, NULL, "/dev/full", O_WRONLY, 0, &f), 0);
    struct uio u;
    uio_init_kernel(&u, buf, 1);
    assert_int_equal(vfs_write(g_ctx, f, &u, NULL), -ENOSPC);
    file_unref(f);
    assert_int_equal(open_err("/dev/tty", O_RDWR), -ENXIO);
    char target[64];
    assert_int_equal(vfs_readlinkat(g_ctx, NULL, "/dev/fd", target, sizeof(target)), 13);
    touch("/dev/shm/x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_symlink_loops, setup),
        cmocka_unit_test_setup(test_symlink_follow_rules, setup),
        cmocka_unit_test_setup(test_dotdot, setup),
        cmocka_unit_test_setup(test_trailing_slash_and_enotdir, setup),
        cmocka_unit_test_setup(test_name_too_long, setup),
        cmocka_unit_test_setup(test_mount_crossing, setup),
        cmocka_unit_test_setup(test_rename_unlink_link, setup),
        cmocka_unit_test_setup(test_file_data, setup),
        cmocka_unit_test_setup(test_getdents_stable, setup),
        cmocka_unit_test_setup(test_permissions_and_access, setup),
        cmocka_unit_test_setup(test_devfs, setup),
    };
    return cmocka_run_group_tests_name("path_walk", tests, group_setup, group_teardown);
}
