// SPDX-License-Identifier: Apache-2.0
/*
 * The program loader of execve(2): ELF executables (static, static-PIE, PIE, dynamic with a
 * PT_INTERP interpreter) and "#!" scripts, and the initial stack with its auxiliary vector.
 * The pure parts are in elf.h (headers, segment plans, #! lines) and stack.h (stack image).
 *
 * Locking: Caller holds the kernel lock.
 */
#pragma once

#include <stddef.h>

#include "abi/linux/types.h"

struct task;
struct mm;
struct exec_creds;

/* Where PIE and static-PIE programs are loaded (Linux's ELF_ET_DYN_BASE on x86-64, without
 * randomisation). */
#define LOADER_PIE_BASE 0x555555554000ULL
/* End of the initial stack mapping (exclusive) and its size. */
#define LOADER_STACK_TOP 0x7ffffffde000ULL
#define LOADER_STACK_SIZE (8ULL << 20)
/* Most "#!" scripts in a chain before ELOOP (BINPRM_MAX_RECURSION). */
#define LOADER_MAX_SCRIPT_DEPTH 4

/*
 * Load the program @path (resolved from @t's cwd and root) for execve into the fresh address
 * space @mm, which need not be @t->mmt.mm yet (all guest writes go through @mm explicitly), with
 * @argv and @envp (NULL-terminated arrays of Sentry strings, borrowed; NULL means empty).
 *
 * On success: *@regs holds the start state (rip, rsp, cs 0x33, ss 0x2b, eflags 0x202, the
 * rest 0); @exe_path the resolved path of the ELF file run (for /proc/self/exe; the script's
 * interpreter for a script); the break starts after the image (mm_set_brk_start), the stack
 * is recorded (mm_set_stack) and @t->tg->arg_start/arg_end/env_start/env_end are set;
 * @creds holds the credentials the program runs with (set-user/group-ID bits and file
 * capabilities applied, execve's capability rules: auth/cred.h), which the auxiliary vector
 * already reports (AT_UID.., AT_SECURE), for the caller to commit.
 *
 * Returns 0 or -errno as execve(2): -ENOENT, -ENOTDIR, -EACCES (not a regular file, no
 * execute permission), -ENOEXEC (not ELF or script, wrong class or machine), -ELIBBAD (bad
 * interpreter), -ELOOP (more than LOADER_MAX_SCRIPT_DEPTH scripts), -E2BIG (argv+envp over
 * the limit), -EINVAL (bad segment), -ENOMEM, -EIO. On failure @mm may hold partial
 * mappings: the caller throws it away.
 */
int loader_load(struct task *t, struct mm *mm, const char *path, char *const *argv,
                char *const *envp, struct linux_regs *regs, char *exe_path, size_t exe_path_size,
                struct exec_creds *creds);
