// SPDX-License-Identifier: Apache-2.0
/*
 * Identity and limits: process/thread ids, credentials (set*id, groups, capabilities),
 * uname and host names, getrandom, sysinfo, rlimits, getrusage, scheduling parameters,
 * priorities, umask, prctl and personality. Credentials are per thread group
 * (COMPAT, see task.h); capabilities are derived from the effective uid (0 = all).
 */
#include <errno.h>
#include <sched.h>
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

#define NO_ID ((uint32_t)-1)
#define CAP_LAST_CAP 40
#define RELEASE "5.15.0"
#define VERSION "#1 SMP cvisor"
#define NR_OPEN_MAX 1048576

/* --- ids --- */

long sys_getpid(struct task *t, const struct syscall_args *a)
{
    return t->tg->pid;
}

long sys_gettid(struct task *t, const struct syscall_args *a)
{
    return t->tid;
}

long sys_getppid(struct task *t, const struct syscall_args *a)
{
    return t->tg->parent ? t->tg->parent->pid : 0;
}

long sys_getuid(struct task *t, const struct syscall_args *a)
{
    return t->tg->uid;
}

long sys_geteuid(struct task *t, const struct syscall_args *a)
{
    return t->tg->euid;
}

long sys_getgid(struct task *t, const struct syscall_args *a)
{
    return t->tg->gid;
}

long sys_getegid(struct task *t, const struct syscall_args *a)
{
    return t->tg->egid;
}

static long do_put_ids(struct task *t, const struct syscall_args *a, uint32_t r, uint32_t e,
                       uint32_t s)
{
    if (copy_out(t, arg_addr(a, 0), &r, sizeof(r)) < 0 ||
        copy_out(t, arg_addr(a, 1), &e, sizeof(e)) < 0 ||
        copy_out(t, arg_addr(a, 2), &s, sizeof(s)) < 0)
        return -EFAULT;
    return 0;
}

long sys_getresuid(struct task *t, const struct syscall_args *a)
{
    return do_put_ids(t, a, t->tg->uid, t->tg->euid, t->tg->suid);
}

long sys_getresgid(struct task *t, const struct syscall_args *a)
{
    return do_put_ids(t, a, t->tg->gid, t->tg->egid, t->tg->sgid);
}

/* --- set*id: one implementation for uids and gids --- */

/* Real, effective, saved and filesystem ids, of either kind. */
struct id_set {
    uint32_t r, e, s, fs;
};

static struct id_set ids_uid(struct thread_group *tg)
{
    return (struct id_set){tg->uid, tg->euid, tg->suid, tg->fsuid};
}

static struct id_set ids_gid(struct thread_group *tg)
{
    return (struct id_set){tg->gid, tg->egid, tg->sgid, tg->fsgid};
}

/* Store @n; a changed effective or filesystem id clears dumpable, as commit_creds. */
static void ids_commit(struct thread_group *tg, bool uid, struct id_set n)
{
    struct id_set o = uid ? ids_uid(tg) : ids_gid(tg);

    if (o.e != n.e || o.fs != n.fs)
        tg->dumpable = false;
    if (uid) {
        tg->uid = n.r, tg->euid = n.e, tg->suid = n.s, tg->fsuid = n.fs;
    } else {
        tg->gid = n.r, tg->egid = n.e, tg->sgid = n.s, tg->fsgid = n.fs;
    }
}

static bool capable(struct task *t)
{
    return t->tg->euid == 0; /* CAP_SETUID, CAP_SETGID, CAP_SYS_ADMIN... */
}

static bool id_in(uint32_t id, struct id_set o)
{
    return id == o.r || id == o.e || id == o.s;
}

static long do_setid(struct task *t, bool uid, uint32_t id)
{
    struct id_set n = uid ? ids_uid(t->tg) : ids_gid(t->tg);

    if (id == NO_ID)
        return -EINVAL;
    if (capable(t)) {
        n.r = n.s = id;
    } else if (id != n.r && id != n.s) {
        return -EPERM;
    }
    n.e = n.fs = id;
    ids_commit(t->tg, uid, n);
    return 0;
}

static long do_setreid(struct task *t, bool uid, uint32_t r, uint32_t e)
{
    struct id_set o = uid ? ids_uid(t->tg) : ids_gid(t->tg);
    struct id_set n = o;
    bool cap = capable(t);

    if (r != NO_ID) {
        if (!cap && r != o.r && r != o.e)
            return -EPERM;
        n.r = r;
    }
    if (e != NO_ID) {
        if (!cap && !id_in(e, o))
            return -EPERM;
        n.e = e;
    }
    if (r != NO_ID || (e != NO_ID && e != o.r))
        n.s = n.e;
    n.fs = n.e;
    ids_commit(t->tg, uid, n);
    return 0;
}

static long do_setresid(struct task *t, bool uid, uint32_t r, uint32_t e, uint32_t s)
{
    struct id_set o = uid ? ids_uid(t->tg) : ids_gid(t->tg);
    struct id_set n = o;

    if (!capable(t) && ((r != NO_ID && !id_in(r, o)) || (e != NO_ID && !id_in(e, o)) ||
                        (s != NO_ID && !id_in(s, o))))
        return -EPERM;
    if (r != NO_ID)
        n.r = r;
    if (e != NO_ID)
        n.e = e;
    if (s != NO_ID)
        n.s = s;
    n.fs = n.e;
    ids_commit(t->tg, uid, n);
    return 0;
}

static long do_setfsid(struct task *t, bool uid, uint32_t id)
{
    struct id_set n = uid ? ids_uid(t->tg) : ids_gid(t->tg);
    uint32_t old = n.fs;

    if (id != NO_ID && (capable(t) || id_in(id, n) || id == n.fs)) {
        n.fs = id;
        ids_commit(t->tg, uid, n);
    }
    return old;
}

long sys_setuid(struct task *t, const struct syscall_args *a)
{
    return do_setid(t, true, arg_uint(a, 0));
}

long sys_setgid(struct task *t, const struct syscall_args *a)
{
    return do_setid(t, false, arg_uint(a, 0));
}

long sys_setreuid(struct task *t, const struct syscall_args *a)
{
    return do_setreid(t, true, arg_uint(a, 0), arg_uint(a, 1));
}

long sys_setregid(struct task *t, const struct syscall_args *a)
{
    return do_setreid(t, false, arg_uint(a, 0), arg_uint(a, 1));
}

long sys_setresuid(struct task *t, const struct syscall_args *a)
{
    return do_setresid(t, true, arg_uint(a, 0), arg_uint(a, 1), arg_uint(a, 2));
}

long sys_setresgid(struct task *t, const struct syscall_args *a)
{
    return do_setresid(t, false, arg_uint(a, 0), arg_uint(a, 1), arg_uint(a, 2));
}

long sys_setfsuid(struct task *t, const struct syscall_args *a)
{
    return do_setfsid(t, true, arg_uint(a, 0));
}

long sys_setfsgid(struct task *t, const struct syscall_args *a)
{
    return do_setfsid(t, false, arg_uint(a, 0));
}

long sys_getgroups(struct task *t, const struct syscall_args *a)
{
    int size = arg_int(a, 0);
    struct thread_group *tg = t->tg;

    if (size < 0)
        return -EINVAL;
    if (size == 0)
        return tg->ngroups;
    if (size < tg->ngroups)
        return -EINVAL;
    if (copy_out(t, arg_addr(a, 1), tg->groups, sizeof(uint32_t) * (size_t)tg->ngroups) < 0)
        return -EFAULT;
    return tg->ngroups;
}

long sys_setgroups(struct task *t, const struct syscall_args *a)
{
    int size = arg_int(a, 0);
    struct thread_group *tg = t->tg;
    uint32_t groups[ARRAY_SIZE(tg->groups)];

    if (!capable(t))
        return -EPERM;
    /* COMPAT: at most 32 supplementary groups (Linux allows 65536). */
    if (size < 0 || (size_t)size > ARRAY_SIZE(tg->groups))
        return -EINVAL;
    if (copy_in(t, arg_addr(a, 1), groups, sizeof(uint32_t) * (size_t)size) < 0)
        return -EFAULT;
    for (int i = 0; i < size; i++) {
        if (groups[i] == NO_ID)
            return -EINVAL;
    }
    memcpy(tg->groups, groups, sizeof(uint32_t) * (size_t)size);
    tg->ngroups = size;
    return 0;
}

/* --- capabilities --- */

#define CAP_V1 0x19980330u
#define CAP_V2 0x20071026u
#define CAP_V3 0x20080522u

struct cap_header {
    uint32_t version;
    int32_t pid;
};

struct cap_data {
    uint32_t effective, permitted, inheritable;
};

/* Read and check the header: returns the number of data words or -errno. As Linux, an
 * unknown version is answered with the preferred one written back and -EINVAL. */
static int do_cap_header(struct task *t, gaddr_t uhdr, struct cap_header *h)
{
    if (copy_in(t, uhdr, h, sizeof(*h)) < 0)
        return -EFAULT;
    if (h->version == CAP_V1)
        return 1;
    if (h->version == CAP_V2 || h->version == CAP_V3)
        return 2;
    uint32_t v = CAP_V3;
    if (copy_out(t, uhdr, &v, sizeof(v)) < 0)
        return -EFAULT;
    return -EINVAL;
}

static void cap_sets(struct thread_group *tg, struct cap_data d[2])
{
    uint64_t full = (1ULL << (CAP_LAST_CAP + 1)) - 1;
    uint64_t perm = (tg->uid == 0 || tg->euid == 0) ? full : 0;
    uint64_t eff = tg->euid == 0 ? full : 0;

    memset(d, 0, 2 * sizeof(*d));
    d[0].effective = (uint32_t)eff;
    d[1].effective = (uint32_t)(eff >> 32);
    d[0].permitted = (uint32_t)perm;
    d[1].permitted = (uint32_t)(perm >> 32);
}

long sys_capget(struct task *t, const struct syscall_args *a)
{
    struct cap_header h;
    struct cap_data d[2];
    gaddr_t udata = arg_addr(a, 1);

    int n = do_cap_header(t, arg_addr(a, 0), &h);
    if (n < 0)
        return (n == -EINVAL && !udata) ? 0 : n;
    if (!udata)
        return 0;
    if (h.pid < 0)
        return -EINVAL;
    struct thread_group *tg = t->tg;
    if (h.pid && h.pid != t->tid) {
        struct task *o = task_find(h.pid);
        if (!o)
            return -ESRCH;
        tg = o->tg;
    }
    cap_sets(tg, d);
    return copy_out(t, udata, d, sizeof(d[0]) * (size_t)n) < 0 ? -EFAULT : 0;
}

long sys_capset(struct task *t, const struct syscall_args *a)
{
    struct cap_header h;
    struct cap_data cur[2], d[2];

    int n = do_cap_header(t, arg_addr(a, 0), &h);
    if (n < 0)
        return n;
    if (h.pid && h.pid != t->tid)
        return -EPERM;
    memset(d, 0, sizeof(d));
    if (copy_in(t, arg_addr(a, 1), d, sizeof(d[0]) * (size_t)n) < 0)
        return -EFAULT;
    cap_sets(t->tg, cur);
    for (int i = 0; i < n; i++) {
        if ((d[i].permitted & ~cur[i].permitted) || (d[i].effective & ~d[i].permitted) ||
            (d[i].inheritable & ~(cur[i].inheritable | cur[i].permitted)))
            return -EPERM;
    }
    /* COMPAT: accepted reductions are not remembered; capabilities follow the euid. */
    return 0;
}

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

    if (!capable(t))
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

/* --- resource limits and usage --- */

struct linux_rlimit64 {
    uint64_t cur, max;
};

/* Linux's check_prlimit_permission: the caller's real ids must match all of the target's. */
static bool may_prlimit(struct task *t, struct thread_group *tg)
{
    struct thread_group *c = t->tg;

    if (tg == c || capable(t))
        return true;
    return c->uid == tg->uid && c->uid == tg->euid && c->uid == tg->suid && c->gid == tg->gid &&
           c->gid == tg->egid && c->gid == tg->sgid;
}

static long do_prlimit(struct task *t, struct thread_group *tg, unsigned int res,
                       const struct linux_rlimit64 *nl, struct linux_rlimit64 *ol)
{
    struct rlimit *cur = &tg->rlimits[res];

    if (nl) {
        if (nl->cur > nl->max)
            return -EINVAL;
        if (res == RLIMIT_NOFILE && nl->max > NR_OPEN_MAX)
            return -EPERM;
        if (nl->max > cur->rlim_max && !capable(t))
            return -EPERM;
    }
    if (ol) {
        ol->cur = cur->rlim_cur;
        ol->max = cur->rlim_max;
    }
    if (nl) {
        cur->rlim_cur = nl->cur;
        cur->rlim_max = nl->max;
    }
    return 0;
}

long sys_getrlimit(struct task *t, const struct syscall_args *a)
{
    unsigned int res = arg_uint(a, 0);
    struct linux_rlimit64 ol;

    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    do_prlimit(t, t->tg, res, NULL, &ol);
    return copy_out(t, arg_addr(a, 1), &ol, sizeof(ol)) < 0 ? -EFAULT : 0;
}

long sys_setrlimit(struct task *t, const struct syscall_args *a)
{
    unsigned int res = arg_uint(a, 0);
    struct linux_rlimit64 nl;

    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    if (copy_in(t, arg_addr(a, 1), &nl, sizeof(nl)) < 0)
        return -EFAULT;
    return do_prlimit(t, t->tg, res, &nl, NULL);
}

long sys_prlimit64(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    unsigned int res = arg_uint(a, 1);
    gaddr_t unew = arg_addr(a, 2);
    gaddr_t uold = arg_addr(a, 3);
    struct linux_rlimit64 nl, ol;

    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    if (unew && copy_in(t, unew, &nl, sizeof(nl)) < 0)
        return -EFAULT;
    struct thread_group *tg = t->tg;
    if (pid) {
        struct task *o = task_find(pid);
        if (!o)
            return -ESRCH;
        tg = o->tg;
    }
    if (!may_prlimit(t, tg))
        return -EPERM;
    long ret = do_prlimit(t, tg, res, unew ? &nl : NULL, &ol);
    if (ret < 0)
        return ret;
    if (uold && copy_out(t, uold, &ol, sizeof(ol)) < 0)
        return -EFAULT;
    return 0;
}

struct linux_rusage {
    struct linux_timeval utime, stime;
    int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv,
        nsignals, nvcsw, nivcsw;
};

#define RUSAGE_SELF_ 0
#define RUSAGE_CHILDREN_ (-1)
#define RUSAGE_THREAD_ 1

long sys_getrusage(struct task *t, const struct syscall_args *a)
{
    int who = arg_int(a, 0);
    struct linux_rusage ru;
    uint64_t u, s, vm, rss;

    memset(&ru, 0, sizeof(ru));
    switch (who) {
    case RUSAGE_SELF_:
        tg_cputime(t->tg, &u, &s);
        break;
    case RUSAGE_THREAD_:
        task_cputime(t, &u, &s);
        break;
    case RUSAGE_CHILDREN_:
        u = t->tg->cutime_ns;
        s = t->tg->cstime_ns;
        break;
    default:
        return -EINVAL;
    }
    ru.utime = ns_to_timeval(u);
    ru.stime = ns_to_timeval(s);
    if (who != RUSAGE_CHILDREN_ && t->mm) {
        /* COMPAT: maxrss is the current resident size; fault and switch counts are 0. */
        mm_usage(t->mm, &vm, &rss);
        ru.maxrss = (int64_t)(rss * (LINUX_PAGE_SIZE / 1024));
    }
    return copy_out(t, arg_addr(a, 1), &ru, sizeof(ru)) < 0 ? -EFAULT : 0;
}

/* --- scheduling --- */

#define SCHED_OTHER_ 0
#define SCHED_FIFO_ 1
#define SCHED_RR_ 2
#define SCHED_BATCH_ 3
#define SCHED_IDLE_ 5
#define SCHED_RESET_ON_FORK_ 0x40000000

/* Number of host CPUs the Sentry may use; the guest sees CPUs 0..n-1. */
static int host_ncpu(void)
{
    static int ncpu;
    if (!ncpu) {
        cpu_set_t set;
        int n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
        ncpu = n > 0 ? n : 1;
    }
    return ncpu;
}

static size_t cpumask_size(void)
{
    return (((size_t)host_ncpu() + 63) / 64) * 8;
}

/* The task @pid names for sched_* calls (0: the caller). Borrowed. */
static struct task *do_sched_target(struct task *t, int pid)
{
    return pid ? task_find(pid) : t;
}

/* The affinity of @t as a mask of the first 64 host CPUs (all of them when never set). */
static uint64_t task_affinity(struct task *t)
{
    int n = host_ncpu() < 64 ? host_ncpu() : 64;
    uint64_t all = n == 64 ? ~0ULL : (1ULL << n) - 1;
    return t->cpu_affinity ? t->cpu_affinity & all : all;
}

long sys_sched_getaffinity(struct task *t, const struct syscall_args *a)
{
    size_t len = arg_size(a, 1);
    size_t size = cpumask_size();

    if (len * 8 < (size_t)host_ncpu() || (len & 7))
        return -EINVAL;
    struct task *target = do_sched_target(t, arg_int(a, 0));
    if (!target)
        return -ESRCH;
    _cleanup_free_ uint8_t *mask = calloc(1, size);
    if (!mask)
        return -ENOMEM;
    uint64_t aff = task_affinity(target);
    for (int i = 0; i < host_ncpu() && i < 64; i++)
        if (aff & (1ULL << i))
            mask[i / 8] |= (uint8_t)(1u << (i % 8));
    size_t n = MIN(len, size);
    return copy_out(t, arg_addr(a, 2), mask, n) < 0 ? -EFAULT : (long)n;
}

long sys_sched_setaffinity(struct task *t, const struct syscall_args *a)
{
    size_t len = arg_size(a, 1);
    size_t size = cpumask_size();

    _cleanup_free_ uint8_t *mask = calloc(1, size);
    if (!mask)
        return -ENOMEM;
    if (copy_in(t, arg_addr(a, 2), mask, MIN(len, size)) < 0)
        return -EFAULT;
    struct task *target = do_sched_target(t, arg_int(a, 0));
    if (!target)
        return -ESRCH;
    uint64_t want = 0;
    for (int i = 0; i < host_ncpu() && i < 64; i++)
        if (mask[i / 8] & (1u << (i % 8)))
            want |= 1ULL << i;
    if (!want)
        return -EINVAL;
    /* COMPAT: recorded and reported back; the host placement of the stub is unchanged. */
    target->cpu_affinity = want;
    return 0;
}

long sys_sched_yield(struct task *t, const struct syscall_args *a)
{
    task_host_io_begin(t);
    sched_yield();
    task_host_io_end(t);
    return 0;
}

long sys_getcpu(struct task *t, const struct syscall_args *a)
{
    gaddr_t ucpu = arg_addr(a, 0);
    gaddr_t unode = arg_addr(a, 1);
    int c = sched_getcpu();
    uint32_t cpu = c >= 0 ? (uint32_t)c % (uint32_t)host_ncpu() : 0;
    uint32_t node = 0;
    /* COMPAT: the app thread runs where the host puts its stub; report a CPU the task's
     * affinity allows, so the two calls agree. */
    uint64_t aff = task_affinity(t);
    if (cpu >= 64 || !(aff & (1ULL << cpu)))
        cpu = (uint32_t)__builtin_ctzll(aff);

    if (ucpu && copy_out(t, ucpu, &cpu, sizeof(cpu)) < 0)
        return -EFAULT;
    if (unode && copy_out(t, unode, &node, sizeof(node)) < 0)
        return -EFAULT;
    return 0;
}

long sys_sched_getparam(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);
    gaddr_t uparam = arg_addr(a, 1);
    int32_t prio = 0;

    if (!uparam || pid < 0)
        return -EINVAL;
    if (!do_sched_target(t, pid))
        return -ESRCH;
    return copy_out(t, uparam, &prio, sizeof(prio)) < 0 ? -EFAULT : 0;
}

/* Validate a policy/priority pair. Real-time policies need privileges the sandbox never
 * grants (COMPAT: even for root, since the host scheduling is not changed). */
static long do_sched_check(int policy, int32_t prio)
{
    switch (policy & ~SCHED_RESET_ON_FORK_) {
    case SCHED_OTHER_:
    case SCHED_BATCH_:
    case SCHED_IDLE_:
        return prio == 0 ? 0 : -EINVAL;
    case SCHED_FIFO_:
    case SCHED_RR_:
        return (prio < 1 || prio > 99) ? -EINVAL : -EPERM;
    default:
        return -EINVAL;
    }
}

/* sched_setparam and sched_setscheduler: read the priority at @uparam and check it against
 * @policy for the task @pid. */
static long do_set_sched(struct task *t, int pid, int policy, gaddr_t uparam)
{
    int32_t prio;

    if (!uparam || pid < 0)
        return -EINVAL;
    if (copy_in(t, uparam, &prio, sizeof(prio)) < 0)
        return -EFAULT;
    if (!do_sched_target(t, pid))
        return -ESRCH;
    return do_sched_check(policy, prio);
}

long sys_sched_setparam(struct task *t, const struct syscall_args *a)
{
    return do_set_sched(t, arg_int(a, 0), SCHED_OTHER_, arg_addr(a, 1));
}

long sys_sched_getscheduler(struct task *t, const struct syscall_args *a)
{
    int pid = arg_int(a, 0);

    if (pid < 0)
        return -EINVAL;
    return do_sched_target(t, pid) ? SCHED_OTHER_ : -ESRCH;
}

long sys_sched_setscheduler(struct task *t, const struct syscall_args *a)
{
    /* COMPAT: SCHED_BATCH/SCHED_IDLE are accepted but read back as SCHED_OTHER. */
    return do_set_sched(t, arg_int(a, 0), arg_int(a, 1), arg_addr(a, 2));
}

long sys_sched_get_priority_max(struct task *t, const struct syscall_args *a)
{
    int policy = arg_int(a, 0);
    if (policy == SCHED_FIFO_ || policy == SCHED_RR_)
        return 99;
    if (policy == SCHED_OTHER_ || policy == SCHED_BATCH_ || policy == SCHED_IDLE_)
        return 0;
    return -EINVAL;
}

long sys_sched_get_priority_min(struct task *t, const struct syscall_args *a)
{
    int policy = arg_int(a, 0);
    if (policy == SCHED_FIFO_ || policy == SCHED_RR_)
        return 1;
    if (policy == SCHED_OTHER_ || policy == SCHED_BATCH_ || policy == SCHED_IDLE_)
        return 0;
    return -EINVAL;
}

/* --- priorities (COMPAT: nice is per process, not per thread) --- */

#define PRIO_PROCESS_ 0
#define PRIO_PGRP_ 1
#define PRIO_USER_ 2

/* Does @tg match (which, who) for the caller @t? */
static bool prio_match(struct task *t, struct thread_group *tg, int which, int who)
{
    switch (which) {
    case PRIO_PGRP_:
        return tg->pgid == (who ? who : t->tg->pgid);
    case PRIO_USER_:
        return tg->uid == (who ? (uint32_t)who : t->tg->uid);
    default:
        return false;
    }
}

long sys_getpriority(struct task *t, const struct syscall_args *a)
{
    int which = arg_int(a, 0);
    int who = arg_int(a, 1);
    long best = -ESRCH;
    struct task *o;

    if (which < PRIO_PROCESS_ || which > PRIO_USER_)
        return -EINVAL;
    if (which == PRIO_PROCESS_) {
        o = do_sched_target(t, who);
        return o ? 20 - o->tg->nice : -ESRCH;
    }
    list_for_each_entry(o, &g_kernel.tasks, klink)
    {
        if (signal_tg_visit(o) && prio_match(t, o->tg, which, who))
            best = MAX(best, 20L - o->tg->nice);
    }
    return best;
}

/* Linux's set_one_prio: returns the updated error (-ESRCH becomes 0 on success). */
static long do_set_prio(struct task *t, struct thread_group *tg, int nice, long err)
{
    struct thread_group *c = t->tg;

    if (tg->uid != c->euid && tg->euid != c->euid && !capable(t))
        return -EPERM;
    if (nice < tg->nice && !capable(t) && (uint64_t)(20 - nice) > c->rlimits[RLIMIT_NICE].rlim_cur)
        return -EACCES;
    tg->nice = nice;
    return err == -ESRCH ? 0 : err;
}

long sys_setpriority(struct task *t, const struct syscall_args *a)
{
    int which = arg_int(a, 0);
    int who = arg_int(a, 1);
    int nice = arg_int(a, 2);
    long err = -ESRCH;
    struct task *o;

    if (which < PRIO_PROCESS_ || which > PRIO_USER_)
        return -EINVAL;
    nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
    if (which == PRIO_PROCESS_) {
        o = do_sched_target(t, who);
        return o ? do_set_prio(t, o->tg, nice, err) : -ESRCH;
    }
    list_for_each_entry(o, &g_kernel.tasks, klink)
    {
        if (signal_tg_visit(o) && prio_match(t, o->tg, which, who))
            err = do_set_prio(t, o->tg, nice, err);
    }
    return err;
}

/* --- I/O priorities (COMPAT: stored per thread and inherited, not applied to host I/O) --- */

#define IOPRIO_WHO_PROCESS_ 1
#define IOPRIO_WHO_PGRP_ 2
#define IOPRIO_WHO_USER_ 3
#define IOPRIO_CLASS_NONE_ 0
#define IOPRIO_CLASS_RT_ 1
#define IOPRIO_CLASS_BE_ 2
#define IOPRIO_CLASS_IDLE_ 3
#define IOPRIO_CLASS_OF(p) (((p) >> 13) & 7)
#define IOPRIO_LEVEL_OF(p) ((p) & 7)
/* What an unset priority counts as when several tasks are compared: best effort, level 4. */
#define IOPRIO_BE_NORM_ ((IOPRIO_CLASS_BE_ << 13) | 4)

/* Linux's ioprio_check_cap: a known class, no level for "none", and privilege for RT. */
static long ioprio_check(struct task *t, int ioprio)
{
    switch (IOPRIO_CLASS_OF(ioprio)) {
    case IOPRIO_CLASS_RT_:
        return capable(t) ? 0 : -EPERM;
    case IOPRIO_CLASS_BE_:
    case IOPRIO_CLASS_IDLE_:
        return 0;
    case IOPRIO_CLASS_NONE_:
        return IOPRIO_LEVEL_OF(ioprio) ? -EINVAL : 0;
    default:
        return -EINVAL;
    }
}

/* Does task @o match (which, who) of the group or user forms for the caller @t? (A user
 * @who of 0 is root, not the caller, unlike getpriority's.) */
static bool ioprio_match(struct task *t, struct task *o, int which, int who)
{
    if (which == IOPRIO_WHO_PGRP_)
        return o->tg->pgid == (who ? who : t->tg->pgid);
    return o->tg->uid == (uint32_t)who;
}

/* The better of two priorities (the lower value), an unset one counting as BE level 4. */
static int ioprio_best(int a, int b)
{
    if (IOPRIO_CLASS_OF(a) == IOPRIO_CLASS_NONE_)
        a = IOPRIO_BE_NORM_;
    if (IOPRIO_CLASS_OF(b) == IOPRIO_CLASS_NONE_)
        b = IOPRIO_BE_NORM_;
    return MIN(a, b);
}

long sys_ioprio_get(struct task *t, const struct syscall_args *a)
{
    int which = arg_int(a, 0), who = arg_int(a, 1);
    long ret = -ESRCH;
    struct task *o;

    if (which == IOPRIO_WHO_PROCESS_) {
        o = do_sched_target(t, who);
        return o ? o->ioprio : -ESRCH;
    }
    if (which != IOPRIO_WHO_PGRP_ && which != IOPRIO_WHO_USER_)
        return -EINVAL;
    list_for_each_entry(o, &g_kernel.tasks, klink)
    {
        if (o->state == TASK_DEAD || !ioprio_match(t, o, which, who))
            continue;
        ret = ret == -ESRCH ? o->ioprio : ioprio_best((int)ret, o->ioprio);
    }
    return ret;
}

/* Linux's set_task_ioprio: the caller must own @o or be privileged. */
static long ioprio_set_one(struct task *t, struct task *o, int ioprio)
{
    if (o->tg->uid != t->tg->euid && o->tg->uid != t->tg->uid && !capable(t))
        return -EPERM;
    o->ioprio = (uint16_t)ioprio;
    return 0;
}

long sys_ioprio_set(struct task *t, const struct syscall_args *a)
{
    int which = arg_int(a, 0), who = arg_int(a, 1), ioprio = arg_int(a, 2);
    long ret = ioprio_check(t, ioprio);
    struct task *o;

    if (ret < 0)
        return ret;
    if (which == IOPRIO_WHO_PROCESS_) {
        o = do_sched_target(t, who);
        return o ? ioprio_set_one(t, o, ioprio) : -ESRCH;
    }
    if (which != IOPRIO_WHO_PGRP_ && which != IOPRIO_WHO_USER_)
        return -EINVAL;
    ret = -ESRCH;
    list_for_each_entry(o, &g_kernel.tasks, klink)
    {
        if (o->state == TASK_DEAD || !ioprio_match(t, o, which, who))
            continue;
        if ((ret = ioprio_set_one(t, o, ioprio)) < 0)
            break;
    }
    return ret;
}

long sys_umask(struct task *t, const struct syscall_args *a)
{
    unsigned int old = t->ctx.fs->umask;
    t->ctx.fs->umask = arg_uint(a, 0) & 0777;
    return old;
}

/* --- prctl --- */

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_GET_KEEPCAPS 7
#define PR_SET_KEEPCAPS 8
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_GET_SECCOMP 21
#define PR_SET_SECCOMP 22
#define PR_CAPBSET_READ 23
#define PR_CAPBSET_DROP 24
#define PR_GET_SECUREBITS 27
#define PR_SET_SECUREBITS 28
#define PR_SET_TIMERSLACK 29
#define PR_GET_TIMERSLACK 30
#define PR_SET_MM 35
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define PR_GET_TID_ADDRESS 40
#define PR_SET_THP_DISABLE 41
#define PR_GET_THP_DISABLE 42
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_LOWER 3
#define PR_CAP_AMBIENT_CLEAR_ALL 4

static long put_int(struct task *t, gaddr_t addr, int32_t v)
{
    return copy_out(t, addr, &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

/* PR_SET_NAME: up to 15 bytes, silently truncated (strncpy_from_user). */
static long do_prctl_set_name(struct task *t, gaddr_t addr)
{
    char name[16];

    memset(name, 0, sizeof(name));
    for (size_t i = 0; i < sizeof(name) - 1; i++) {
        if (copy_in(t, addr + i, &name[i], 1) < 0)
            return -EFAULT;
        if (!name[i])
            break;
    }
    memcpy(t->comm, name, sizeof(t->comm));
    return 0;
}

static long do_prctl_caps(struct task *t, int option, uint64_t a2, uint64_t a3)
{
    switch (option) {
    case PR_CAPBSET_READ:
        return a2 <= CAP_LAST_CAP ? 1 : -EINVAL;
    case PR_CAPBSET_DROP:
        if (a2 > CAP_LAST_CAP)
            return -EINVAL;
        return capable(t) ? 0 : -EPERM; /* COMPAT: the drop is not remembered */
    case PR_GET_SECUREBITS:
        return 0;
    case PR_SET_SECUREBITS:
        return capable(t) ? (a2 ? -EPERM : 0) : -EPERM;
    case PR_GET_KEEPCAPS:
        return 0;
    case PR_SET_KEEPCAPS:
        return a2 > 1 ? -EINVAL : 0;
    case PR_CAP_AMBIENT:
        if (a2 == PR_CAP_AMBIENT_IS_SET)
            return a3 <= CAP_LAST_CAP ? 0 : -EINVAL;
        if (a2 == PR_CAP_AMBIENT_CLEAR_ALL || a2 == PR_CAP_AMBIENT_LOWER)
            return 0;
        return a2 == PR_CAP_AMBIENT_RAISE ? -EPERM : -EINVAL;
    default:
        return -EINVAL;
    }
}

long sys_prctl(struct task *t, const struct syscall_args *a)
{
    int option = arg_int(a, 0);
    uint64_t a2 = arg_u64(a, 1), a3 = arg_u64(a, 2), a4 = arg_u64(a, 3), a5 = arg_u64(a, 4);
    struct thread_group *tg = t->tg;

    switch (option) {
    case PR_SET_PDEATHSIG:
        if (a2 > LINUX_NSIG)
            return -EINVAL;
        tg->pdeath_signal = (int)a2; /* COMPAT: per process, not per thread */
        return 0;
    case PR_GET_PDEATHSIG:
        return put_int(t, a2, tg->pdeath_signal);
    case PR_GET_DUMPABLE:
        return tg->dumpable ? 1 : 0;
    case PR_SET_DUMPABLE:
        if (a2 > 1)
            return -EINVAL;
        tg->dumpable = a2 == 1;
        return 0;
    case PR_SET_NAME:
        return do_prctl_set_name(t, a2);
    case PR_GET_NAME:
        return copy_out(t, a2, t->comm, sizeof(t->comm)) < 0 ? -EFAULT : 0;
    case PR_GET_SECCOMP:
        return 0;
    case PR_SET_SECCOMP:
        return -EINVAL; /* COMPAT: seccomp filters inside the sandbox are not supported */
    case PR_SET_TIMERSLACK:
        return 0;
    case PR_GET_TIMERSLACK:
        return 50000;
    case PR_SET_MM:
        return -EPERM;
    case PR_SET_CHILD_SUBREAPER:
        tg->child_subreaper = a2 != 0;
        return 0;
    case PR_GET_CHILD_SUBREAPER:
        return put_int(t, a2, tg->child_subreaper);
    case PR_SET_NO_NEW_PRIVS:
        if (a2 != 1 || a3 || a4 || a5)
            return -EINVAL;
        tg->no_new_privs = true;
        return 0;
    case PR_GET_NO_NEW_PRIVS:
        if (a2 || a3 || a4 || a5)
            return -EINVAL;
        return tg->no_new_privs ? 1 : 0;
    case PR_GET_TID_ADDRESS:
        return copy_out(t, a2, &t->clear_child_tid, sizeof(uint64_t)) < 0 ? -EFAULT : 0;
    case PR_SET_THP_DISABLE:
        return (a3 || a4 || a5) ? -EINVAL : 0;
    case PR_GET_THP_DISABLE:
        return (a2 || a3 || a4 || a5) ? -EINVAL : 0;
    default:
        return do_prctl_caps(t, option, a2, a3);
    }
}

long sys_personality(struct task *t, const struct syscall_args *a)
{
    uint32_t persona = arg_uint(a, 0);

    /* COMPAT: only PER_LINUX; 0xffffffff queries. */
    if (persona == 0 || persona == 0xffffffffu)
        return 0;
    return -EINVAL;
}

void sys_identity_register(void)
{
    SYSCALL_REG(LINUX_NR_getpid, SYS_SUPPORTED(getpid));
    SYSCALL_REG(LINUX_NR_getppid, SYS_SUPPORTED(getppid));
    SYSCALL_REG(LINUX_NR_gettid, SYS_SUPPORTED(gettid));
    SYSCALL_REG(LINUX_NR_getuid, SYS_SUPPORTED(getuid));
    SYSCALL_REG(LINUX_NR_geteuid, SYS_SUPPORTED(geteuid));
    SYSCALL_REG(LINUX_NR_getgid, SYS_SUPPORTED(getgid));
    SYSCALL_REG(LINUX_NR_getegid, SYS_SUPPORTED(getegid));
    SYSCALL_REG(LINUX_NR_getresuid, SYS_SUPPORTED(getresuid));
    SYSCALL_REG(LINUX_NR_getresgid, SYS_SUPPORTED(getresgid));
    SYSCALL_REG(LINUX_NR_setuid, SYS_PARTIAL(setuid, "credentials are per process"));
    SYSCALL_REG(LINUX_NR_setgid, SYS_PARTIAL(setgid, "credentials are per process"));
    SYSCALL_REG(LINUX_NR_setreuid, SYS_PARTIAL(setreuid, "credentials are per process"));
    SYSCALL_REG(LINUX_NR_setregid, SYS_PARTIAL(setregid, "credentials are per process"));
    SYSCALL_REG(LINUX_NR_setresuid, SYS_PARTIAL(setresuid, "credentials are per process"));
    SYSCALL_REG(LINUX_NR_setresgid, SYS_PARTIAL(setresgid, "credentials are per process"));
    SYSCALL_REG(LINUX_NR_setfsuid, SYS_SUPPORTED(setfsuid));
    SYSCALL_REG(LINUX_NR_setfsgid, SYS_SUPPORTED(setfsgid));
    SYSCALL_REG(LINUX_NR_getgroups, SYS_SUPPORTED(getgroups));
    SYSCALL_REG(LINUX_NR_setgroups, SYS_PARTIAL(setgroups, "at most 32 groups"));
    SYSCALL_REG(LINUX_NR_capget,
                SYS_PARTIAL(capget, "all capabilities for euid 0, none otherwise"));
    SYSCALL_REG(LINUX_NR_capset, SYS_PARTIAL(capset, "reductions accepted but not remembered"));
    SYSCALL_REG(LINUX_NR_uname, SYS_SUPPORTED(uname));
    SYSCALL_REG(LINUX_NR_sethostname, SYS_SUPPORTED(sethostname));
    SYSCALL_REG(LINUX_NR_setdomainname, SYS_SUPPORTED(setdomainname));
    SYSCALL_REG(LINUX_NR_getrandom, SYS_SUPPORTED(getrandom));
    SYSCALL_REG(LINUX_NR_sysinfo,
                SYS_PARTIAL(sysinfo, "the sandbox's memory, no swap; loads are 0"));
    SYSCALL_REG(LINUX_NR_getrlimit, SYS_SUPPORTED(getrlimit));
    SYSCALL_REG(LINUX_NR_setrlimit, SYS_PARTIAL(setrlimit, "limits stored; few are enforced"));
    SYSCALL_REG(LINUX_NR_prlimit64, SYS_PARTIAL(prlimit64, "limits stored; few are enforced"));
    SYSCALL_REG(LINUX_NR_getrusage, SYS_PARTIAL(getrusage, "times approximate; counters are 0"));
    SYSCALL_REG(LINUX_NR_sched_getaffinity, SYS_SUPPORTED(sched_getaffinity));
    SYSCALL_REG(LINUX_NR_sched_setaffinity, SYS_PARTIAL(sched_setaffinity, "accepted, no effect"));
    SYSCALL_REG(LINUX_NR_sched_yield, SYS_SUPPORTED(sched_yield));
    SYSCALL_REG(LINUX_NR_getcpu, SYS_SUPPORTED(getcpu));
    SYSCALL_REG(LINUX_NR_sched_getparam, SYS_SUPPORTED(sched_getparam));
    SYSCALL_REG(LINUX_NR_sched_setparam, SYS_SUPPORTED(sched_setparam));
    SYSCALL_REG(LINUX_NR_sched_getscheduler, SYS_SUPPORTED(sched_getscheduler));
    SYSCALL_REG(LINUX_NR_sched_setscheduler,
                SYS_PARTIAL(sched_setscheduler, "SCHED_OTHER only; real-time is EPERM"));
    SYSCALL_REG(LINUX_NR_sched_get_priority_max, SYS_SUPPORTED(sched_get_priority_max));
    SYSCALL_REG(LINUX_NR_sched_get_priority_min, SYS_SUPPORTED(sched_get_priority_min));
    SYSCALL_REG(LINUX_NR_getpriority, SYS_PARTIAL(getpriority, "nice is per process"));
    SYSCALL_REG(LINUX_NR_setpriority, SYS_PARTIAL(setpriority, "nice is stored, not applied"));
    SYSCALL_REG(LINUX_NR_ioprio_get, SYS_PARTIAL(ioprio_get, "stored, not applied"));
    SYSCALL_REG(LINUX_NR_ioprio_set, SYS_PARTIAL(ioprio_set, "stored, not applied"));
    SYSCALL_REG(LINUX_NR_umask, SYS_SUPPORTED(umask));
    SYSCALL_REG(LINUX_NR_prctl, SYS_PARTIAL(prctl, "common options; others EINVAL"));
    SYSCALL_REG(LINUX_NR_personality, SYS_PARTIAL(personality, "PER_LINUX only"));
}
