// SPDX-License-Identifier: Apache-2.0
/*
 * main() of the single cvisor binary: the user commands of the runtime (runtime.h) and the
 * internal `boot` (the Sentry) and `gofer` subcommands that the runtime re-executes from
 * /proc/self/exe, as runsc does.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "gofer/gofer.h"
#include "runtime/runtime.h"
#include "sentry/boot/boot.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv, struct rt_opts *global);
};

static const struct command g_commands[] = {
    {"do", rt_cmd_do},
    {"syscalls", rt_cmd_syscalls},
    {"version", rt_cmd_version},
    {"help", rt_cmd_help},
};

int main(int argc, char **argv)
{
    /* Internal subcommands take only their own flags, from the runtime: no global parsing. */
    if (argc > 1 && strcmp(argv[1], "boot") == 0)
        return boot_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "gofer") == 0)
        return gofer_main(argc - 1, argv + 1);

    cv_log_set_name("cvisor");
    struct cv_error *err = NULL;
    struct rt_opts global;
    rt_opts_init(&global);
    int idx = rt_parse_global(argc, argv, &global, &err);
    if (idx < 0)
        return cv_error_exit(&err, RT_EXIT_FAILURE);
    if (global.version) {
        rt_print_version();
        return 0;
    }
    if (global.help) {
        rt_print_usage(1);
        return 0;
    }
    if (idx >= argc) {
        rt_print_usage(2);
        return RT_EXIT_FAILURE;
    }
    for (size_t i = 0; i < sizeof(g_commands) / sizeof(g_commands[0]); i++)
        if (strcmp(argv[idx], g_commands[i].name) == 0)
            return g_commands[i].fn(argc - idx, argv + idx, &global);
    cv_error_set(&err, 0, "unknown command `%s` (try `cvisor help`)", argv[idx]);
    return cv_error_exit(&err, RT_EXIT_FAILURE);
}
