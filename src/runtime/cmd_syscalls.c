// SPDX-License-Identifier: Apache-2.0
/*
 * `cvisor syscalls [--markdown]`: print the Sentry's syscall table with each call's support
 * level, so that the code documents its own compatibility (the table is in sentry/syscalls).
 */
#include <stdio.h>
#include <string.h>

#include "runtime/runtime.h"
#include "sentry/syscalls/syscalls.h"

int rt_cmd_syscalls(int argc, char **argv, struct rt_opts *global)
{
    struct cv_error *err = NULL;
    int markdown = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--markdown") == 0) {
            markdown = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("Usage: cvisor syscalls [--markdown]\n\n"
                   "Print every x86-64 system call with its support level in the Sentry.\n");
            return 0;
        } else {
            cv_error_set(&err, 0, "syscalls: unknown argument `%s`", argv[i]);
            return cv_error_exit(&err, RT_EXIT_FAILURE);
        }
    }
    syscalls_init();
    syscall_table_print(markdown);
    return fflush(stdout) == 0 ? 0 : RT_EXIT_FAILURE;
}
