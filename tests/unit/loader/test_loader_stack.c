// SPDX-License-Identifier: Apache-2.0
/* Unit tests for loader/stack.c: the initial stack image (argc, argv, envp, auxv, strings),
 * its alignment, and the execve size limits (E2BIG). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sentry/loader/elf.h"
#include "sentry/loader/stack.h"

#define TOP 0x7ffffffde000ULL
static const uint8_t g_random[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const struct stack_auxv g_auxv[] = {
    {LINUX_AT_PAGESZ, 4096}, {LINUX_AT_RANDOM, 0},       {LINUX_AT_EXECFN, 0},
    {LINUX_AT_PLATFORM, 0},  {LINUX_AT_ENTRY, 0x401000},
};

static struct stack_args args_for(char *const *argv, char *const *envp)
{
    return (struct stack_args){
        .argv = argv,
        .envp = envp,
        .execfn = "/bin/prog",
        .platform = "x86_64",
        .random = g_random,
        .auxv = g_auxv,
        .nauxv = sizeof(g_auxv) / sizeof(g_auxv[0]),
        .top = TOP,
        .arg_limit = stack_arg_limit(8 << 20),
        .max_size = 8 << 20,
    };
}

/* Word at guest address @addr of @img. */
static uint64_t word_at(const struct stack_image *img, gaddr_t addr)
{
    assert_true(addr >= img->sp && addr + 8 <= img->sp + img->size);
    uint64_t w;
    memcpy(&w, img->buf + (addr - img->sp), 8);
    return w;
}

/* String at guest address @addr of @img. */
static const char *str_at(const struct stack_image *img, gaddr_t addr)
{
    assert_true(addr >= img->sp && addr < img->sp + img->size);
    return (const char *)img->buf + (addr - img->sp);
}

static void test_layout(void **state)
{
    char *argv[] = {"prog", "-x", "hello world", NULL};
    char *envp[] = {"A=1", "PATH=/bin", NULL};
    struct stack_args a = args_for(argv, envp);
    struct stack_image img;
    assert_int_equal(stack_build(&a, &img), 0);
    assert_int_equal(img.sp % 16, 0);
    assert_int_equal(img.sp + img.size, TOP);
    assert_int_equal(word_at(&img, TOP - 8), 0); /* 8 zero bytes at the very top */

    gaddr_t p = img.sp;
    assert_int_equal(word_at(&img, p), 3); /* argc */
    p += 8;
    for (int i = 0; i < 3; i++, p += 8)
        assert_string_equal(str_at(&img, word_at(&img, p)), argv[i]);
    assert_int_equal(word_at(&img, p), 0);
    p += 8;
    for (int i = 0; i < 2; i++, p += 8)
        assert_string_equal(str_at(&img, word_at(&img, p)), envp[i]);
    assert_int_equal(word_at(&img, p), 0);
    p += 8;

    /* auxv in the caller's order, with the three addresses filled in, then AT_NULL. */
    for (size_t i = 0; i < a.nauxv; i++, p += 16) {
        uint64_t type = word_at(&img, p), val = word_at(&img, p + 8);
        assert_int_equal(type, g_auxv[i].type);
        if (type == LINUX_AT_RANDOM) {
            assert_int_equal(val, img.random);
            assert_memory_equal(str_at(&img, val), g_random, 16);
        } else if (type == LINUX_AT_EXECFN) {
            assert_int_equal(val, img.execfn);
            assert_string_equal(str_at(&img, val), "/bin/prog");
        } else if (type == LINUX_AT_PLATFORM) {
            assert_int_equal(val, img.platform);
            assert_string_equal(str_at(&img, val), "x86_64");
        } else {
            assert_int_equal(val, g_auxv[i].val);
        }
    }
    assert_int_equal(word_at(&img, p), LINUX_AT_NULL);
    assert_int_equal(word_at(&img, p + 8), 0);
    assert_true(p + 16 <= img.random); /* words below the data */

    /* /proc/pid/cmdline and environ ranges: the strings back to back. */
    assert_int_equal(img.arg_end - img.arg_start, sizeof("prog\0-x\0hello world"));
    assert_memory_equal(str_at(&img, img.arg_start), "prog\0-x\0hello world", 20);
    assert_int_equal(img.env_start, img.arg_end);
    assert_int_equal(img.env_end - img.env_start, sizeof("A=1\0PATH=/bin"));
    assert_int_equal(img.execfn, img.env_end); /* execfn right above the environment */
    assert_true(img.platform < img.arg_start && img.random < img.platform);
    stack_image_free(&img);
}

static void test_alignment_for_every_count(void **state)
{
    /* Whatever the number of words, sp is 16-byte aligned (the x86-64 ABI at entry). */
    char *argv[8] = {"a", "bb", "ccc", "dddd", "e", "f", "g", NULL};
    for (int n = 0; n <= 7; n++) {
        char *v[8];
        memcpy(v, argv, sizeof(v));
        v[n] = NULL;
        struct stack_args a = args_for(v, NULL);
        struct stack_image img;
        assert_int_equal(stack_build(&a, &img), 0);
        assert_int_equal(img.sp % 16, 0);
        assert_int_equal(word_at(&img, img.sp), n);
        stack_image_free(&img);
    }
}

static void test_empty_vectors(void **state)
{
    struct stack_args a = args_for(NULL, NULL);
    struct stack_image img;
    assert_int_equal(stack_build(&a, &img), 0);
    assert_int_equal(word_at(&img, img.sp), 0);      /* argc */
    assert_int_equal(word_at(&img, img.sp + 8), 0);  /* argv NULL */
    assert_int_equal(word_at(&img, img.sp + 16), 0); /* envp NULL */
    assert_int_equal(img.arg_start, img.arg_end);
    assert_int_equal(img.env_start, img.env_end);
    stack_image_free(&img);
}

static void test_arg_limit_formula(void **state)
{
    assert_int_equal(stack_arg_limit(8 << 20), 2 << 20);    /* rlimit / 4 */
    assert_int_equal(stack_arg_limit(UINT64_MAX), 6 << 20); /* 3/4 of _STK_LIM */
    assert_int_equal(stack_arg_limit(64 << 10), 128 << 10); /* at least ARG_MAX */
}

static void test_string_too_long(void **state)
{
    char *big = malloc(STACK_MAX_ARG_STRLEN + 1);
    assert_non_null(big);
    memset(big, 'x', STACK_MAX_ARG_STRLEN);
    big[STACK_MAX_ARG_STRLEN] = '\0';
    char *argv[] = {"prog", big, NULL};
    struct stack_args a = args_for(argv, NULL);
    struct stack_image img;
    assert_int_equal(stack_check_limits(&a), -E2BIG);
    assert_int_equal(stack_build(&a, &img), -E2BIG);
    /* One byte shorter (NUL included: MAX_ARG_STRLEN) is fine. */
    big[STACK_MAX_ARG_STRLEN - 1] = '\0';
    assert_int_equal(stack_build(&a, &img), 0);
    stack_image_free(&img);
    /* In the environment too. */
    big[STACK_MAX_ARG_STRLEN - 1] = 'x';
    char *envp[] = {big, NULL};
    a = args_for(NULL, envp);
    assert_int_equal(stack_build(&a, &img), -E2BIG);
    free(big);
}

static void test_total_over_limit(void **state)
{
    /* 20 strings of 100 KiB = 2000 KiB: fits 6 MiB, not 2 MiB minus the pointers... */
    enum { N = 21, LEN = 100 * 1024 };
    char *s = malloc(LEN);
    assert_non_null(s);
    memset(s, 'y', LEN - 1);
    s[LEN - 1] = '\0';
    char *argv[N + 1];
    for (int i = 0; i < N; i++)
        argv[i] = s;
    argv[N] = NULL;
    struct stack_args a = args_for(argv, NULL);
    struct stack_image img;
    assert_int_equal(stack_build(&a, &img), -E2BIG); /* 2100 KiB > 2 MiB */
    a.arg_limit = stack_arg_limit(UINT64_MAX);
    assert_int_equal(stack_build(&a, &img), 0);
    stack_image_free(&img);
    /* And the image must fit in the stack mapping. */
    a.max_size = 1 << 20;
    assert_int_equal(stack_build(&a, &img), -E2BIG);
    free(s);
}

static void test_pointer_space_counts(void **state)
{
    /* The limit covers the pointers: a tiny limit fails even for tiny strings. */
    char *argv[] = {"a", NULL};
    struct stack_args a = args_for(argv, NULL);
    a.arg_limit = 8;
    assert_int_equal(stack_check_limits(&a), -E2BIG);
    a.arg_limit = 8 + 2 + sizeof("/bin/prog");
    assert_int_equal(stack_check_limits(&a), 0);
    a.arg_limit--;
    assert_int_equal(stack_check_limits(&a), -E2BIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_alignment_for_every_count),
        cmocka_unit_test(test_empty_vectors),
        cmocka_unit_test(test_arg_limit_formula),
        cmocka_unit_test(test_string_too_long),
        cmocka_unit_test(test_total_over_limit),
        cmocka_unit_test(test_pointer_space_counts),
    };
    return cmocka_run_group_tests_name("loader_stack", tests, NULL, NULL);
}
