/* SPDX-License-Identifier: Apache-2.0 */
/* Syscall-site patching (syscall_patch.c). Callers are on @t's own thread and hold the kernel
 * lock, but for syscall_patch_wanted. */
#pragma once

#include <stdbool.h>

struct task;

/* @t trapped on a syscall (regs.orig_rax, regs.rip after the instruction): if the site is
 * `mov $nr,%eax; syscall` for this very nr and the platform has a patched-syscall entry,
 * rewrite it to jump there. Best effort, silent. */
void syscall_patch_site(struct task *t);

/* Whether @t's syscall (regs.rip after the instruction) should take the locked path so that
 * syscall_patch_site sees its site: patching is on and this task thread has not looked at the
 * site yet. Needs no lock; @t's own thread. */
bool syscall_patch_wanted(struct task *t);

/* @t got SIGILL: if it is at the old syscall byte of a patched site, fix its registers.
 * Returns 0 (not ours: deliver the signal), 1 (restart: run again) or 2 (a syscall is due:
 * regs.orig_rax and regs.rip are set for it). */
int syscall_patch_fault(struct task *t);
