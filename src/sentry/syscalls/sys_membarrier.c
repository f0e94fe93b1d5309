// SPDX-License-Identifier: Apache-2.0
/*
 * membarrier(2). Every barrier command is served by one host MEMBARRIER_CMD_GLOBAL (an RCU
 * grace period: every host CPU passes through a full barrier), made with the kernel lock
 * dropped. That is at least what each command asks: the app's threads run on host threads
 * of the stub processes, so a barrier on every CPU covers those of the caller's address
 * space (PRIVATE_EXPEDITED) and of every process (GLOBAL, GLOBAL_EXPEDITED). The expedited
 * commands are thereby slower than on Linux (a grace period instead of IPIs), never weaker.
 * Registrations follow Linux's rules: PRIVATE_EXPEDITED without REGISTER_PRIVATE_EXPEDITED
 * is EPERM.
 *
 * COMPAT: the SYNC_CORE and RSEQ variants are not offered (QUERY leaves them out; EINVAL);
 * registrations are kept per process rather than per address space.
 */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sentry/kernel/task.h"
#include "sentry/syscalls/syscalls.h"

#define MEMBARRIER_CMD_QUERY_ 0
#define MEMBARRIER_CMD_GLOBAL_ (1 << 0)
#define MEMBARRIER_CMD_GLOBAL_EXPEDITED_ (1 << 1)
#define MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED_ (1 << 2)
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED_ (1 << 3)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_ (1 << 4)
#define MEMBARRIER_CMD_GET_REGISTRATIONS_ (1 << 9)

#define MEMBARRIER_SUPPORTED                                                                       \
    (MEMBARRIER_CMD_GLOBAL_ | MEMBARRIER_CMD_GLOBAL_EXPEDITED_ |                                   \
     MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED_ | MEMBARRIER_CMD_PRIVATE_EXPEDITED_ |               \
     MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_ | MEMBARRIER_CMD_GET_REGISTRATIONS_)

/* A full barrier on every host CPU, without the kernel lock. Returns 0 or -EINVAL (a host
 * without membarrier). */
static long host_barrier(struct task *t)
{
    task_host_io_begin(t);
    long r = syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_, 0, 0);
    task_host_io_end(t);
    return r < 0 ? -EINVAL : 0;
}

long sys_membarrier(struct task *t, const struct syscall_args *a)
{
    int cmd = arg_int(a, 0);
    if (arg_uint(a, 1) != 0)
        return -EINVAL; /* flags belong to the RSEQ command alone */
    uint32_t *reg = &t->tg->membarrier_registered;
    switch (cmd) {
    case MEMBARRIER_CMD_QUERY_:
        return MEMBARRIER_SUPPORTED;
    case MEMBARRIER_CMD_GLOBAL_:
    case MEMBARRIER_CMD_GLOBAL_EXPEDITED_:
        return host_barrier(t);
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED_:
        if (!(*reg & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_))
            return -EPERM;
        return host_barrier(t);
    case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED_:
    case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_:
        *reg |= (uint32_t)cmd;
        return 0;
    case MEMBARRIER_CMD_GET_REGISTRATIONS_:
        return *reg;
    default:
        return -EINVAL;
    }
}

void sys_membarrier_register(void)
{
    SYSCALL_REG(LINUX_NR_membarrier,
                SYS_PARTIAL(membarrier, "host GLOBAL barrier for every command; no SYNC_CORE or "
                                        "RSEQ"));
}
