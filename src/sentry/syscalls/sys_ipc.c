// SPDX-License-Identifier: Apache-2.0
/*
 * System V IPC: shared memory (shmget, shmat, shmdt, shmctl; the segments are in
 * kernel/shm.c). Semaphores are in sys_sem.c, message queues in sys_msg.c.
 */
#include <errno.h>

#include "sentry/kernel/shm.h"
#include "sentry/kernel/task.h"
#include "sentry/syscalls/syscalls.h"

long sys_shmget(struct task *t, const struct syscall_args *a)
{
    return shm_get(t, (int32_t)arg_int(a, 0), arg_u64(a, 1), arg_int(a, 2));
}

long sys_shmat(struct task *t, const struct syscall_args *a)
{
    return shm_at(t, arg_int(a, 0), arg_addr(a, 1), arg_int(a, 2));
}

long sys_shmdt(struct task *t, const struct syscall_args *a)
{
    return shm_dt(t, arg_addr(a, 0));
}

long sys_shmctl(struct task *t, const struct syscall_args *a)
{
    return shm_ctl(t, arg_int(a, 0), arg_int(a, 1), arg_addr(a, 2));
}

void sys_ipc_register(void)
{
    SYSCALL_REG(LINUX_NR_shmget, SYS_SUPPORTED(shmget));
    SYSCALL_REG(LINUX_NR_shmat, SYS_SUPPORTED(shmat));
    SYSCALL_REG(LINUX_NR_shmdt, SYS_SUPPORTED(shmdt));
    SYSCALL_REG(LINUX_NR_shmctl, SYS_PARTIAL(shmctl, "IPC_INFO/SHM_INFO return only the index"));
}
