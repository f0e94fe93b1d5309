// SPDX-License-Identifier: Apache-2.0
/* Unit tests for kernel/fdtable.c: lowest-free allocation, replacement, FD_CLOEXEC, fork
 * copies, close-on-exec, limits and reference counts. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sentry/context/klock.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/vfs/file.h"

static int g_live;

static void fake_release(struct file *f)
{
    g_live--;
}

static const struct file_ops g_fake_ops = {.release = fake_release};

static struct file *fake_file(void)
{
    struct file *f;
    assert_int_equal(file_new_anon(&g_fake_ops, NULL, O_RDWR, "fake", &f), 0);
    g_live++;
    return f;
}

struct fixture {
    struct fdtable *fdt;
    struct file *file;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(fdtable_new(&f->fdt), 0);
    f->file = fake_file();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    fdtable_unref(f->fdt);
    file_unref(f->file);
    assert_int_equal(g_live, 0); /* every reference was dropped */
    free(f);
    return 0;
}

static void test_lowest_free(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(fdtable_install(f->fdt, f->file, 0, 0, 16), 0);
    assert_int_equal(fdtable_install(f->fdt, f->file, 0, 0, 16), 1);
    assert_int_equal(fdtable_install(f->fdt, f->file, 0, 0, 16), 2);
    assert_int_equal(fdtable_close(f->fdt, 1), 0);
    assert_int_equal(fdtable_install(f->fdt, f->file, 0, 0, 16), 1);
    assert_int_equal(fdtable_install(f->fdt, f->file, 5, 0, 16), 5);
    assert_int_equal(fdtable_install(f->fdt, f->file, 0, 0, 16), 3);
    assert_int_equal(fdtable_size(f->fdt), 6);
    assert_int_equal(fdtable_close(f->fdt, 9), -EBADF);
    assert_int_equal(fdtable_close(f->fdt, -1), -EBADF);
    assert_null(fdtable_get(f->fdt, 4));
    struct file *got = fdtable_get(f->fdt, 5);
    assert_ptr_equal(got, f->file);
    file_unref(got);
}

static void test_install_at_replaces(void **state)
{
    struct fixture *f = *state;
    struct file *other = fake_file();
    assert_int_equal(fdtable_install_at(f->fdt, 2, other, 0), 0);
    file_unref(other); /* the table holds the only reference */
    assert_int_equal(g_live, 2);
    assert_int_equal(fdtable_install_at(f->fdt, 2, f->file, FD_CLOEXEC), 0);
    assert_int_equal(g_live, 1); /* "other" was released */
    assert_int_equal(fdtable_get_flags(f->fdt, 2), FD_CLOEXEC);
    assert_int_equal(fdtable_install_at(f->fdt, 100, f->file, 0), 0);
    assert_int_equal(fdtable_size(f->fdt), 101);
    assert_int_equal(fdtable_install_at(f->fdt, -1, f->file, 0), -EBADF);
    /* Lowest free skips slots filled by install_at. */
    assert_int_equal(fdtable_install(f->fdt, f->file, 2, 0, 1000), 3);
}

static void test_cloexec_flags(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(fdtable_install(f->fdt, f->file, 0, FD_CLOEXEC, 16), 0);
    assert_int_equal(fdtable_install(f->fdt, f->file, 0, 0, 16), 1);
    assert_int_equal(fdtable_get_flags(f->fdt, 0), FD_CLOEXEC);
    assert_int_equal(fdtable_get_flags(f->fdt, 1), 0);
    assert_int_equal(fdtable_set_flags(f->fdt, 1, FD_CLOEXEC), 0);
    assert_int_equal(fdtable_set_flags(f->fdt, 0, 0), 0);
    assert_int_equal(fdtable_get_flags(f->fdt, 7), -EBADF);
    assert_int_equal(fdtable_set_flags(f->fdt, 7, 0), -EBADF);
    fdtable_close_on_exec(f->fdt);
    struct file *g0 = fdtable_get(f->fdt, 0);
    assert_non_null(g0);
    file_unref(g0);
    assert_null(fdtable_get(f->fdt, 1));
}

static void test_copy_for_fork(void **state)
{
    struct fixture *f = *state;
    struct file *other = fake_file();
    assert_int_equal(fdtable_install(f->fdt, f->file, 0, FD_CLOEXEC, 16), 0);
    assert_int_equal(fdtable_install(f->fdt, other, 0, 0, 16), 1);
    file_unref(other);
    struct fdtable *copy;
    assert_int_equal(fdtable_copy(f->fdt, &copy), 0);
    assert_int_equal(fdtable_get_flags(copy, 0), FD_CLOEXEC);
    assert_int_equal(fdtable_close(f->fdt, 1), 0);
    assert_int_equal(g_live, 2); /* the copy still holds "other" */
    struct file *g1 = fdtable_get(copy, 1);
    assert_ptr_equal(g1, other);
    file_unref(g1);
    /* Independent tables: closing in the copy does not touch the original. */
    assert_int_equal(fdtable_close(copy, 0), 0);
    assert_int_equal(fdtable_get_flags(f->fdt, 0), FD_CLOEXEC);
    fdtable_unref(copy);
    assert_int_equal(g_live, 1);
}

static void test_limits(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(fdtable_install(f->fdt, f->file, 0, 0, 4), i);
    assert_int_equal(fdtable_install(f->fdt, f->file, 0, 0, 4), -EMFILE);
    assert_int_equal(fdtable_install(f->fdt, f->file, 4, 0, 4), -EINVAL);
    assert_int_equal(fdtable_close(f->fdt, 2), 0);
    assert_int_equal(fdtable_install(f->fdt, f->file, 3, 0, 4), -EMFILE);
    assert_int_equal(fdtable_install(f->fdt, f->file, 0, 0, 4), 2);
}

static void test_shared_refcount(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(fdtable_install(f->fdt, f->file, 0, 0, 16), 0);
    struct fdtable *shared = fdtable_ref(f->fdt);
    fdtable_unref(shared);
    struct file *g = fdtable_get(f->fdt, 0); /* still alive */
    assert_ptr_equal(g, f->file);
    file_unref(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lowest_free, setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_at_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cloexec_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_for_fork, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_refcount, setup, teardown),
    };
    kernel_lock(); /* what the code under test expects of its callers */
    return cmocka_run_group_tests_name("fdtable", tests, NULL, NULL);
}
