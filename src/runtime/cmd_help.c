// SPDX-License-Identifier: Apache-2.0
/* `cvisor help` and `cvisor --version`. */
#include <stdio.h>
#include <string.h>

#include "runtime/runtime.h"

#ifndef CVISOR_VERSION
#define CVISOR_VERSION "0.1.0"
#endif

static const char g_usage[] =
    "Usage: cvisor [global flags] COMMAND [flags] [ARGS...]\n"
    "\n"
    "cvisor runs Linux programs in a sandbox: a user-space kernel (the Sentry) serves\n"
    "their system calls, and a separate gofer process opens files on their behalf.\n"
    "\n"
    "Commands:\n"
    "  do [flags] -- CMD [ARGS...]   run a command in a throwaway sandbox\n"
    "  syscalls [--markdown]         print the system-call support table\n"
    "  version                       print the version\n"
    "  help                          show this help\n"
    "\n"
    "Global flags (also accepted after the command):\n"
    "  --platform NAME    how app code is run and trapped: systrap (default) or ptrace\n"
    "  --systrap-patching=BOOL\n"
    "                     rewrite `mov $nr,%eax; syscall` sites on systrap (default true)\n"
    "  --network MODE     sandbox (default: the Sentry's own TCP/IP stack) or none;\n"
    "                     both have only the loopback interface for now\n"
    "  --strace           log every system call of the app\n"
    "  --debug            verbose logs\n"
    "  --log FILE         append the logs to FILE\n"
    "  --log-fd N         write the logs to descriptor N\n"
    "  -h, --help         show this help\n"
    "  --version          print the version\n"
    "\n"
    "Run `cvisor COMMAND --help` for the flags of a command. Exit status 125 means that\n"
    "cvisor itself failed; see docs/cli.md.\n";

void rt_print_version(void)
{
    printf("cvisor version %s\n", CVISOR_VERSION);
}

void rt_print_usage(int fd)
{
    FILE *f = fd == 2 ? stderr : stdout;
    fputs(g_usage, f);
}

int rt_cmd_version(int argc, char **argv, struct rt_opts *global)
{
    rt_print_version();
    return 0;
}

int rt_cmd_help(int argc, char **argv, struct rt_opts *global)
{
    rt_print_usage(1);
    return 0;
}
