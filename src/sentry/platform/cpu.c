// SPDX-License-Identifier: Apache-2.0
/*
 * CPU placement of Sentry threads and their stub threads (cpu.h).
 *
 * Left free, the host scheduler moved a ptrace tracer and its stub between CPUs about three
 * times per syscall under fio (190,000 migrations for 65,536 writes; 4 KiB writes went 3.6x
 * faster pinned). So a Sentry thread pins itself to the CPU it runs on and its stub thread
 * follows. Pins are spread: a thread pins to the CPU it runs on unless another CPU has fewer
 * pinned threads (two busy app threads then get a CPU each). The pin is released so that the
 * scheduler can still rebalance: when the task blocks or exits (plat_cpu_idle), every
 * REBALANCE_SWITCHES switches, and once when a task thread starts (threads inherit their
 * creator's pin). After a release the pair is re-pinned at the next switch but one.
 */
#include "sentry/platform/cpu.h"

#include <errno.h>
#include <sched.h>

#define REBALANCE_SWITCHES 1024

static cpu_set_t g_all_cpus; /* the Sentry's own CPUs */
static int g_ncpus;
static int g_pinned[CPU_SETSIZE]; /* Sentry threads pinned to each CPU (atomic) */

static __thread int tl_cpu = -1;      /* the CPU this thread is pinned to, or -1 */
static __thread unsigned tl_switches; /* switches since pinned */
static __thread bool tl_started;      /* this thread has dropped its creator's pin */
static __thread bool tl_skip;         /* just released: let one wake-up place us */

int plat_cpu_init(void)
{
    if (sched_getaffinity(0, sizeof(g_all_cpus), &g_all_cpus) < 0)
        return -errno;
    g_ncpus = CPU_COUNT(&g_all_cpus);
    return 0;
}

int plat_cpu_count(void)
{
    return g_ncpus;
}

static void unpin(void)
{
    sched_setaffinity(0, sizeof(g_all_cpus), &g_all_cpus);
    if (tl_cpu >= 0)
        __atomic_fetch_sub(&g_pinned[tl_cpu], 1, __ATOMIC_RELAXED);
    tl_cpu = -1;
    tl_skip = true;
}

/* The CPU to pin to: @cpu, unless another of ours has fewer pinned threads. */
static int pick_cpu(int cpu)
{
    int best = cpu, least = __atomic_load_n(&g_pinned[cpu], __ATOMIC_RELAXED);
    for (int c = 0; c < CPU_SETSIZE && least > 0; c++) {
        if (!CPU_ISSET(c, &g_all_cpus))
            continue;
        int n = __atomic_load_n(&g_pinned[c], __ATOMIC_RELAXED);
        if (n < least) {
            best = c;
            least = n;
        }
    }
    return best;
}

static void pin(void)
{
    int cpu = sched_getcpu();
    if (cpu < 0 || cpu >= CPU_SETSIZE)
        return;
    cpu = pick_cpu(cpu);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) == 0) {
        __atomic_fetch_add(&g_pinned[cpu], 1, __ATOMIC_RELAXED);
        tl_cpu = cpu;
        tl_switches = 0;
    }
}

int plat_cpu_bind(pid_t tid, int *cur)
{
    if (!tl_started) {
        tl_started = true;
        unpin();
    } else if (tl_cpu >= 0 && ++tl_switches >= REBALANCE_SWITCHES) {
        unpin();
    } else if (tl_cpu < 0 && !tl_skip) {
        pin();
    } else {
        tl_skip = false;
    }
    int cpu = tl_cpu >= 0 ? tl_cpu : sched_getcpu();
    if (cpu < 0 || cpu == *cur)
        return cpu;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(tid, sizeof(set), &set) == 0)
        *cur = cpu;
    return cpu;
}

int plat_cpu_unbind(pid_t tid)
{
    return sched_setaffinity(tid, sizeof(g_all_cpus), &g_all_cpus) < 0 ? -errno : 0;
}

void plat_cpu_idle(void)
{
    if (tl_cpu >= 0)
        unpin();
}
