// SPDX-License-Identifier: Apache-2.0
/*
 * The system as a whole: uname and the host and domain names, getrandom and sysinfo.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "abi/linux/signal.h"
#include "common/cleanup.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/meminfo.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/signal_internal.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/timer.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/vfs.h"

#define RELEASE "5.15.0"
#define VERSION "#1 SMP cvisor"

/* --- names --- */

struct linux_utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

long sys_uname(struct task *t, const struct syscall_args *a)
{
    struct linux_utsname u;

    memset(&u, 0, sizeof(u));
    strcpy(u.sysname, "Linux");
    memcpy(u.nodename, g_kernel.hostname, sizeof(u.nodename) - 1);
    strcpy(u.release, RELEASE);
    strcpy(u.version, VERSION);
    strcpy(u.machine, "x86_64");
    memcpy(u.domainname, g_kernel.domainname, sizeof(u.domainname) - 1);
    return copy_out(t, arg_addr(a, 0), &u, sizeof(u)) < 0 ? -EFAULT : 0;
}

static long do_set_name(struct task *t, const struct syscall_args *a, char *dst)
{
    int len = arg_int(a, 1);
    char buf[65];

    if (!task_capable(t, CAP_SYS_ADMIN))
        return -EPERM;
    if (len < 0 || len > 64)
        return -EINVAL;
    if (copy_in(t, arg_addr(a, 0), buf, (size_t)len) < 0)
        return -EFAULT;
    memcpy(dst, buf, (size_t)len);
    memset(dst + len, 0, 65 - (size_t)len);
    return 0;
}

long sys_sethostname(struct task *t, const struct syscall_args *a)
{
    return do_set_name(t, a, g_kernel.hostname);
}

long sys_setdomainname(struct task *t, const struct syscall_args *a)
{
    return do_set_name(t, a, g_kernel.domainname);
}

/* --- randomness and system information --- */

#define GRND_NONBLOCK_ 1u
#define GRND_RANDOM_ 2u
#define GRND_INSECURE_ 4u
#define GETRANDOM_MAX 33554431UL
#define GETRANDOM_CHUNK 4096

long sys_getrandom(struct task *t, const struct syscall_args *a)
{
    gaddr_t buf = arg_addr(a, 0);
    size_t count = arg_size(a, 1);
    unsigned int flags = arg_uint(a, 2);
    uint8_t chunk[GETRANDOM_CHUNK];
    size_t done = 0;

    if (flags & ~(GRND_NONBLOCK_ | GRND_RANDOM_ | GRND_INSECURE_))
        return -EINVAL;
    if ((flags & (GRND_INSECURE_ | GRND_RANDOM_)) == (GRND_INSECURE_ | GRND_RANDOM_))
        return -EINVAL;
    if (count > GETRANDOM_MAX)
        count = GETRANDOM_MAX;
    while (done < count) {
        if (done && task_signal_pending(t))
            break; /* a partial read, as Linux */
        size_t n = MIN(count - done, sizeof(chunk));
        ssize_t got = getrandom(chunk, n, 0);
        if (got <= 0)
            return done ? (long)done : -EIO;
        if (copy_out(t, buf + done, chunk, (size_t)got) < 0)
            return done ? (long)done : -EFAULT;
        done += (size_t)got;
    }
    explicit_bzero(chunk, sizeof(chunk));
    return (long)done;
}

struct linux_sysinfo {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs, pad;
    uint32_t pad2;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    uint32_t pad3;
};
_Static_assert(sizeof(struct linux_sysinfo) == 112, "struct sysinfo is 112 bytes");

long sys_sysinfo(struct task *t, const struct syscall_args *a)
{
    struct linux_sysinfo si;
    struct kernel_meminfo mi;

    memset(&si, 0, sizeof(si));
    /* Linux rounds a partial second up. */
    si.uptime = (int64_t)((kernel_now_ns() - g_kernel.boot_ns + NSEC_PER_SEC - 1) / NSEC_PER_SEC);
    /* The sandbox's memory as /proc/meminfo shows it (no swap, no buffers).
     * COMPAT: load averages are reported as 0. */
    kernel_meminfo(&mi);
    si.totalram = mi.total;
    si.freeram = mi.free;
    si.sharedram = mi.shmem;
    si.procs = (uint16_t)MIN(g_kernel.nr_tasks, 65535);
    si.mem_unit = 1;
    return copy_out(t, arg_addr(a, 0), &si, sizeof(si)) < 0 ? -EFAULT : 0;
}

void sys_system_register(void)
{
    SYSCALL_REG(LINUX_NR_uname, SYS_SUPPORTED(uname));
    SYSCALL_REG(LINUX_NR_sethostname, SYS_SUPPORTED(sethostname));
    SYSCALL_REG(LINUX_NR_setdomainname, SYS_SUPPORTED(setdomainname));
    SYSCALL_REG(LINUX_NR_getrandom, SYS_SUPPORTED(getrandom));
    SYSCALL_REG(LINUX_NR_sysinfo,
                SYS_PARTIAL(sysinfo, "the sandbox's memory, no swap; loads are 0"));
}
