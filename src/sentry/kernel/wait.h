// SPDX-License-Identifier: Apache-2.0
/* wait4/waitid: what a parent learns about a child. */
#pragma once

#include <stdint.h>

struct task;

#define LINUX_WNOTHREAD 0x20000000
#define LINUX_WALL 0x40000000
#define LINUX_WCLONE 0x80000000

struct wait_result {
    int pid;
    uint32_t uid; /* the child's real uid (waitid's si_uid) */
    int status;   /* wait4 status word */
    int code;     /* CLD_* for waitid */
    uint64_t utime_ns, stime_ns;
};

/*
 * Wait for a child of @t matching (@idtype P_ALL/P_PID/P_PGID, @id) with waitid-style
 * @options (WEXITED, WSTOPPED, WCONTINUED, WNOHANG, WNOWAIT, __WALL, __WCLONE).
 * Returns 1 with *@res filled, 0 for WNOHANG with nothing to report, -ECHILD, or
 * -ERESTARTSYS when a signal interrupts. Caller holds the kernel lock.
 */
int task_wait_child(struct task *t, int idtype, int id, int options, struct wait_result *res);
