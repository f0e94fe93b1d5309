// SPDX-License-Identifier: Apache-2.0
/*
 * The initial stack image of a new program (stack.h): sizes are checked against Linux's
 * limits first, then every string and word is placed in a Sentry buffer that mirrors
 * [sp, top) of the app's stack.
 */
#include "sentry/loader/stack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/loader/elf.h"

#define STK_LIM (8ULL << 20) /* Linux's default stack limit, _STK_LIM */
#define ARG_MAX_BYTES (32 * 4096ULL)

uint64_t stack_arg_limit(uint64_t rlim_stack)
{
    uint64_t limit = STK_LIM / 4 * 3;
    if (rlim_stack / 4 < limit)
        limit = rlim_stack / 4;
    return limit > ARG_MAX_BYTES ? limit : ARG_MAX_BYTES;
}

/* Count the strings of @v and add their sizes (NUL included) to *@bytes. Returns the count,
 * or -E2BIG if one is too long. */
static long count_strings(char *const *v, uint64_t *bytes)
{
    long n = 0;
    for (; v && v[n]; n++) {
        size_t len = strnlen(v[n], STACK_MAX_ARG_STRLEN);
        if (len >= STACK_MAX_ARG_STRLEN)
            return -E2BIG;
        *bytes += len + 1;
    }
    return n;
}

/* Sizes of the pieces, checked against the limits. */
struct stack_sizes {
    long argc, envc;
    uint64_t arg_bytes, env_bytes, execfn_bytes, platform_bytes;
};

static int measure(const struct stack_args *a, struct stack_sizes *s)
{
    *s = (struct stack_sizes){0};
    s->argc = count_strings(a->argv, &s->arg_bytes);
    if (s->argc < 0)
        return (int)s->argc;
    s->envc = count_strings(a->envp, &s->env_bytes);
    if (s->envc < 0)
        return (int)s->envc;
    s->execfn_bytes = strnlen(a->execfn, STACK_MAX_ARG_STRLEN) + 1;
    if (s->execfn_bytes > STACK_MAX_ARG_STRLEN)
        return -E2BIG;
    s->platform_bytes = strlen(a->platform) + 1;

    /* Linux: the pointers (at least one for argv) come off the limit first, then the
     * strings, the execfn included, must fit in what is left. */
    uint64_t ptr_size = (uint64_t)((s->argc > 0 ? s->argc : 1) + s->envc) * sizeof(uint64_t);
    if (a->arg_limit <= ptr_size)
        return -E2BIG;
    if (s->arg_bytes + s->env_bytes + s->execfn_bytes > a->arg_limit - ptr_size)
        return -E2BIG;
    return 0;
}

/* Write the @n strings of @v upward from guest address @at, recording each address in
 * @ptrs. @img maps guest @base to buffer offset 0. Returns the address after the last. */
static gaddr_t put_strings(uint8_t *img, gaddr_t base, gaddr_t at, char *const *v, long n,
                           uint64_t *ptrs)
{
    for (long i = 0; i < n; i++) {
        size_t size = strlen(v[i]) + 1;
        memcpy(img + (at - base), v[i], size);
        ptrs[i] = at;
        at += size;
    }
    return at;
}

/* Auxv value for entry @type given the placed data. */
static uint64_t auxv_value(const struct stack_auxv *e, const struct stack_image *o)
{
    switch (e->type) {
    case LINUX_AT_EXECFN:
        return o->execfn;
    case LINUX_AT_PLATFORM:
        return o->platform;
    case LINUX_AT_RANDOM:
        return o->random;
    }
    return e->val;
}

/* Fill the word area at @sp: argc, argv[], NULL, envp[], NULL, auxv, AT_NULL. */
static void put_words(uint8_t *img, const struct stack_args *a, const struct stack_sizes *s,
                      const uint64_t *argp, const uint64_t *envp, const struct stack_image *o)
{
    uint64_t *w = (uint64_t *)img; /* img is malloc'ed and sp is 16-aligned: aligned */
    size_t i = 0;
    w[i++] = (uint64_t)s->argc;
    for (long k = 0; k < s->argc; k++)
        w[i++] = argp[k];
    w[i++] = 0;
    for (long k = 0; k < s->envc; k++)
        w[i++] = envp[k];
    w[i++] = 0;
    for (size_t k = 0; k < a->nauxv; k++) {
        w[i++] = a->auxv[k].type;
        w[i++] = auxv_value(&a->auxv[k], o);
    }
    w[i++] = LINUX_AT_NULL;
    w[i++] = 0;
}

int stack_check_limits(const struct stack_args *a)
{
    struct stack_sizes s;
    return measure(a, &s);
}

int stack_build(const struct stack_args *a, struct stack_image *out)
{
    struct stack_sizes s;
    int ret = measure(a, &s);
    if (ret < 0)
        return ret;

    struct stack_image o = {0};
    /* Strings, from the top down (8 zero bytes at the very top, as Linux). */
    gaddr_t p = a->top - sizeof(uint64_t);
    o.execfn = p -= s.execfn_bytes;
    o.env_end = p;
    o.env_start = p -= s.env_bytes;
    o.arg_end = p;
    o.arg_start = p -= s.arg_bytes;
    p &= ~(gaddr_t)15;
    o.platform = p -= s.platform_bytes;
    o.random = p -= 16;
    p &= ~(gaddr_t)15;
    uint64_t words = 1 + (uint64_t)(s.argc + 1) + (uint64_t)(s.envc + 1) + 2 * (a->nauxv + 1);
    o.sp = (p - words * sizeof(uint64_t)) & ~(gaddr_t)15;
    o.size = a->top - o.sp;
    if (o.size > a->max_size)
        return -E2BIG;

    o.buf = calloc(1, o.size);
    uint64_t *argp = calloc(s.argc + 1, sizeof(*argp));
    uint64_t *envp = calloc(s.envc + 1, sizeof(*envp));
    if (!o.buf || !argp || !envp) {
        free(o.buf);
        free(argp);
        free(envp);
        return -ENOMEM;
    }
    put_strings(o.buf, o.sp, o.arg_start, a->argv, s.argc, argp);
    put_strings(o.buf, o.sp, o.env_start, a->envp, s.envc, envp);
    memcpy(o.buf + (o.execfn - o.sp), a->execfn, s.execfn_bytes - 1);
    memcpy(o.buf + (o.platform - o.sp), a->platform, s.platform_bytes);
    memcpy(o.buf + (o.random - o.sp), a->random, 16);
    put_words(o.buf, a, &s, argp, envp, &o);
    free(argp);
    free(envp);
    *out = o;
    return 0;
}

void stack_image_free(struct stack_image *img)
{
    free(img->buf);
    img->buf = NULL;
}
