// SPDX-License-Identifier: Apache-2.0
/*
 * The initial stack of a new program (argc, argv, envp, auxv and the strings they point to),
 * laid out as Linux's fs/exec.c and create_elf_tables() do. Built as a byte image in a
 * Sentry buffer by a pure function; loader.c copies it to the app's stack.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/types.h"

/* Longest argument or environment string, NUL included (MAX_ARG_STRLEN: 32 pages). */
#define STACK_MAX_ARG_STRLEN (32 * 4096UL)

struct stack_auxv {
    uint64_t type;
    uint64_t val;
};

struct stack_args {
    char *const *argv;     /* NULL-terminated; NULL counts as empty */
    char *const *envp;     /* NULL-terminated; NULL counts as empty */
    const char *execfn;    /* AT_EXECFN string (the path given to execve) */
    const char *platform;  /* AT_PLATFORM string ("x86_64") */
    const uint8_t *random; /* 16 bytes for AT_RANDOM */
    /* Auxiliary vector without AT_NULL. The values of AT_EXECFN, AT_PLATFORM and AT_RANDOM
     * entries are replaced by the addresses of their data on the stack. */
    const struct stack_auxv *auxv;
    size_t nauxv;
    gaddr_t top;        /* end (exclusive) of the stack, 16-byte aligned */
    uint64_t arg_limit; /* bytes the strings and pointers may use (stack_arg_limit()) */
    uint64_t max_size;  /* bytes available below @top */
};

struct stack_image {
    uint8_t *buf; /* malloc'ed contents of [sp, top) */
    size_t size;  /* top - sp */
    gaddr_t sp;   /* initial rsp: 16-byte aligned, pointing at argc */
    gaddr_t arg_start, arg_end, env_start, env_end; /* for /proc/pid/cmdline and environ */
    gaddr_t execfn, platform, random;               /* where those strings/bytes are */
};

/* The argument space limit for a stack rlimit of @rlim_stack bytes: a quarter of it, at most
 * 6 MiB (3/4 of _STK_LIM) and at least 128 KiB (ARG_MAX), as Linux's bprm_stack_limits(). */
uint64_t stack_arg_limit(uint64_t rlim_stack);

/*
 * Lay out the initial stack for @a into *@out. Memory from the top down: 8 zero bytes, the
 * execfn string, the environment strings, the argument strings (arg_start is the lowest),
 * the platform string, the 16 random bytes, padding to 16 bytes, then auxv (ending with
 * AT_NULL), envp[] with NULL, argv[] with NULL, and argc at sp.
 * Returns 0, -E2BIG (a string longer than STACK_MAX_ARG_STRLEN, or more than arg_limit in
 * all, or an image bigger than max_size) or -ENOMEM. On success the caller frees out->buf.
 */
int stack_build(const struct stack_args *a, struct stack_image *out);

/* Only the size checks of stack_build() (execve checks them before it looks at the file's
 * format). Returns 0 or -E2BIG. */
int stack_check_limits(const struct stack_args *a);

/* Free the buffer of @img (may be called on a zeroed image). */
void stack_image_free(struct stack_image *img);
