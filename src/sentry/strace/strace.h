// SPDX-License-Identifier: Apache-2.0
/*
 * --strace: syscall entry and exit lines in the form runsc prints them, with arguments decoded
 * as strace(1) does. Guest memory is only ever read through struct strace_mem, so a bad guest
 * pointer prints as "0x... (bad)" and never faults the sentry. No locks; no allocation.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/syscall_nr_x86_64.h"
#include "abi/linux/types.h"
#include "sentry/kernel/syscall_args.h"

/* Names of the syscalls by number; NULL for the holes. Defined in strace/syscall_names.c. */
extern const char *const g_syscall_names[LINUX_NR_MAX];

/* Name of syscall @nr ("unknown" if none); valid forever. */
const char *syscall_name(uint64_t nr);

/* How the decoder reads guest memory. */
struct strace_mem {
    /* Copy @size bytes at guest @addr into @buf. Returns 0, or -EFAULT if any byte is
     * unreadable. Must not have side effects on the guest. */
    int (*read)(void *opaque, gaddr_t addr, void *buf, size_t size);
    void *opaque;
};

/* Longest line strace_enter()/strace_exit() write, newline included; longer lines end "...". */
#define STRACE_LINE_MAX 2048

/*
 * Format the entry line of syscall @a for thread @tid (process name @comm, may be NULL) into
 * @buf (@size bytes), e.g. `[   7] bash E openat(AT_FDCWD, "/etc/passwd", O_RDONLY, 0)`.
 * Output arguments (read buffers, stat structs) print as addresses. @m may be NULL: then every
 * pointer prints as an address. The line has no newline and is always NUL-terminated when
 * @size > 0; a line that does not fit is cut and ends with "...".
 * Returns the length of the string in @buf (at most @size - 1; 0 if @size is 0).
 */
size_t strace_format_enter(char *buf, size_t size, int tid, const char *comm,
                           const struct syscall_args *a, const struct strace_mem *m);

/*
 * Format the exit line of syscall @a: the arguments again, now with output arguments decoded
 * when @ret says they were written, then " = <result>" and the duration @ns in Go's style,
 * e.g. `... X openat(...) = 3 (12.4µs)` or `... = -1 ENOENT (No such file or directory) (3µs)`.
 * @ret is the raw result (value or -errno). Same buffer rules and return value as
 * strace_format_enter().
 */
size_t strace_format_exit(char *buf, size_t size, int tid, const char *comm,
                          const struct syscall_args *a, long ret, uint64_t ns,
                          const struct strace_mem *m);

/* Format the entry line and write it, newline-terminated, with one write(2) to cv_log_fd(). */
void strace_enter(int tid, const char *comm, const struct syscall_args *a,
                  const struct strace_mem *m);

/* Format the exit line and write it, newline-terminated, with one write(2) to cv_log_fd(). */
void strace_exit(int tid, const char *comm, const struct syscall_args *a, long ret, uint64_t ns,
                 const struct strace_mem *m);
