// SPDX-License-Identifier: Apache-2.0
/* Robustness fuzzer: makes N random system calls with random arguments from a seed, and must
 * finish. The seed is --seed S, or a new one from getrandom(2) on every run; the first line of
 * the output names it, so that any run can be repeated exactly (run_fuzz.sh passes the seed of
 * the test run, CVISOR_TEST_SEED). Run natively it proves itself; run in `cvisor do` it shows
 * that no sequence of calls crashes or hangs the Sentry.
 *
 * A parent process forks a child that makes the calls; the parent only watches. If a call kills
 * the child (a random rlimit, a signal to itself, a fault) or the child stops making progress,
 * the parent records it and forks a new child that resumes at the next call. Each call's
 * arguments come from its own PRNG stream (seed, index), so "call #i" is reproducible alone:
 * `syscall_fuzz --seed S --start i --calls i+1`.
 *
 * The syscall set is chosen so that the fuzzer cannot harm the machine when run natively (as
 * root, even): no path argument names anything outside a private scratch directory, signals go
 * only to the child itself, sockets are AF_UNIX, or AF_INET/AF_INET6 whose every address
 * argument is rewritten to 127.0.0.1/::1 and a port of the child's own sockets (or 0), so no
 * packet leaves the loopback or reaches another program; memory calls only touch a scratch region
 * at a fixed address, and calls that change the host (mount, reboot, clocks, modules, keys, SysV
 * IPC, mknod of devices, fanotify, ptrace, process_vm_*) are not in the set. Calls that would
 * end or stall the child on purpose (exit, pause, sigsuspend, execve, fork and clone) are left
 * out; every fd is made O_NONBLOCK and a 2 s ITIMER_REAL watchdog interrupts whatever still
 * blocks. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CALLS 20000
#define WATCHDOG_SEC 2   /* per call: ITIMER_REAL interrupts a call blocked this long */
#define STALL_SEC 10     /* the parent kills a child that made no progress this long */
#define REFRESH_EVERY 256

/* Fixed places, far from the binary (0x400000), the heap and the mmap area near the stack. */
#define SCRATCH_BASE 0x500000000000ul /* target of mmap/munmap/mprotect/... */
#define SCRATCH_SIZE (4ul << 20)
#define BUF_BASE 0x510000000000ul     /* pointer arguments point here */
#define BUF_SIZE (256ul << 10)        /* followed by a PROT_NONE guard page */
#define BUF_FILL (64ul << 10)         /* refilled before every call */
#define TS_OFF (BUF_SIZE - 4096)      /* prepared timespecs/timevals */
#define NAMES_OFF (BUF_SIZE - 2048)   /* random one-component names: no '/', no '.' */
#define INET_OFF (BUF_SIZE - 8192)    /* a loopback sockaddr and a msghdr for inet sockets */

#define NFD 24 /* fd arguments are mostly 0..NFD-1 */

struct progress {
    volatile uint64_t cur;  /* index of the call in flight */
    volatile uint64_t done; /* calls completed */
    volatile long nr;
    volatile uint64_t args[6];
    volatile uint64_t watchdog, signals, faults;
    volatile int fault_sig;
};

static struct progress *g_prog;
static uint8_t *g_buf;
static char g_scratch[64];
static uint64_t g_seed;
static volatile sig_atomic_t g_alarm;

/* ---- PRNG: splitmix64, one stream per call --------------------------------------------- */

static uint64_t g_rng;

static uint64_t rnd(void)
{
    uint64_t z = (g_rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }

static long raw6(long nr, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f)
{
    long ret;
    register uint64_t r10 __asm__("r10") = d;
    register uint64_t r8 __asm__("r8") = e;
    register uint64_t r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

/* ---- argument kinds --------------------------------------------------------------------- */

static const char *const k_paths[] = {
    "", ".", "a", "b", "file", "dir", "dir/f", "dir/sub", "dir/sub/g", "lnk", "fifo", "sock",
    "nonexistent/x", "file/x", "a/b/c/d", "/nonexistent", "/nonexistent/dir/file",
    "/proc/self/status", "/proc/self/maps", "dir//f/", "./a", "lnk/f",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
};
/* Symlink targets: relative, inside the scratch directory, never "..". */
static const char *const k_targets[] = {"a", "b", "file", "dir", "dir/f", "lnk", "nonexistent", ""};
static const char *const k_xattrs[] = {"user.a", "user.bb", "trusted.x", "security.selinux",
                                       "system.posix_acl_access", "bogus", "user.", ""};
static char g_longpath[5000];

static const uint64_t k_bad_ptrs[] = {0, 1, 0xffffffffffffull, 0xffff800000000000ull,
                                      0xffffffff81000000ull, 0x7ffffffff000ull, 0x1000,
                                      SCRATCH_BASE + SCRATCH_SIZE + 4096};

static uint64_t bad_ptr(void) { return k_bad_ptrs[below(sizeof(k_bad_ptrs) / sizeof(k_bad_ptrs[0]))]; }

static uint64_t buf_ptr(void)
{
    uint64_t off = below(BUF_FILL);
    if (below(4))
        off &= ~7ull;
    return BUF_BASE + off;
}

static uint64_t scratch_ptr(void) { return SCRATCH_BASE + below(SCRATCH_SIZE); }

static uint64_t gen_any(void)
{
    switch (below(10)) {
    case 0: case 1: case 2: return below(17);
    case 3: return (uint64_t)-1;
    case 4: {
        static const uint64_t edge[] = {0x7fffffff, 0x80000000, 0xffffffff, 1ull << 63,
                                        ~0ull - 1, 0x100000000ull, 4096, 65536};
        return edge[below(8)];
    }
    case 5: return rnd();
    case 6: return rnd() & rnd() & 0xffffffff; /* a few flag bits */
    case 7: return bad_ptr();
    case 8: return buf_ptr();
    default: return below(2) ? scratch_ptr() : (uint64_t)(int64_t)-(int64_t)below(200);
    }
}

static uint64_t gen_ptr(void)
{
    unsigned r = below(20);
    if (r < 14) return buf_ptr();
    if (r < 16) return 0;
    if (r < 19) return bad_ptr();
    return scratch_ptr();
}

static uint64_t gen_len(void)
{
    switch (below(10)) {
    case 0: return 0;
    case 1: case 2: case 3: return below(257);
    case 4: case 5: case 6: return below(65537);
    case 7: return below(2) ? 4096 : 8192;
    case 8: return (uint64_t)-1;
    default: return 1ull << (62 + below(2));
    }
}

static uint64_t gen_int(void)
{
    switch (below(10)) {
    case 0: case 1: case 2: case 3: return below(9);
    case 4: case 5: case 6: return rnd() & 0xffff;
    case 7: case 8: return 1ull << below(32);
    default: return below(2) ? (uint64_t)-1 : (rnd() & 0xffffffff);
    }
}

static uint64_t gen_fd(void)
{
    unsigned r = below(20);
    if (r < 16) return below(NFD);
    if (r == 16) return (uint64_t)-1;
    if (r < 19) return (uint64_t)(int64_t)AT_FDCWD;
    return below(2) ? 0x7fffffff : 1023;
}

/* Random bytes as a name, but never a path that leaves the scratch directory. */
static uint64_t garbage_name(void) { return BUF_BASE + NAMES_OFF + 32 * below(8); }

static uint64_t gen_path(void)
{
    unsigned r = below(20);
    if (r < 15) return (uint64_t)(uintptr_t)k_paths[below(sizeof(k_paths) / sizeof(k_paths[0]))];
    if (r == 15) return (uint64_t)(uintptr_t)g_longpath;
    if (r == 16) return garbage_name();
    if (r == 17) return 0;
    return bad_ptr();
}

static uint64_t gen_signal(void)
{
    for (;;) {
        uint64_t s = below(65);
        if (s != SIGKILL && s != SIGSTOP && s != 32 && s != 33)
            return s;
    }
}

static uint64_t gen_pid(void)
{
    unsigned r = below(10);
    if (r < 6) return (uint64_t)getpid();
    if (r < 8) return 0;
    return 0x3ffffff0; /* no such process */
}

static uint64_t gen_scratch_addr(void)
{
    unsigned r = below(20);
    uint64_t a = SCRATCH_BASE + below(SCRATCH_SIZE / 4096) * 4096;
    if (r == 0) return a + 1 + below(4095); /* unaligned */
    if (r == 1) return 0xffffffff81000000ull;
    return a;
}

static uint64_t gen_scratch_len(uint64_t addr)
{
    uint64_t room = (addr >= SCRATCH_BASE && addr < SCRATCH_BASE + SCRATCH_SIZE)
                        ? SCRATCH_BASE + SCRATCH_SIZE - addr
                        : 4096;
    switch (below(6)) {
    case 0: return 0;
    case 1: return 4096 < room ? 4096 : room;
    case 2: return below(room) + 1;
    case 3: return (below(room / 4096) + 1) * 4096 < room ? (below(room / 4096) + 1) * 4096 : room;
    default: return below(4) * 4096 + below(2) * below(4096);
    }
}

/* Timeouts point at prepared values so that sleeps stay short: {0,0}, {0,1000}, {-1,0},
 * {0,2e9}; rarely NULL (wait for ever: the watchdog ends it) or a bad pointer. */
static uint64_t gen_timeout(void)
{
    unsigned r = below(32);
    if (r == 0) return 0;
    if (r == 1) return bad_ptr();
    return BUF_BASE + TS_OFF + 16 * below(4);
}

static uint64_t gen_timeout_ms(void)
{
    unsigned r = below(100);
    if (r < 50) return 0;
    if (r < 80) return 1;
    if (r < 99) return 5;
    return (uint64_t)-1;
}

static uint64_t gen_uid(void)
{
    static const uint64_t ids[] = {0, 1000, 65534, (uint64_t)-1, 0xffff, 12345};
    return ids[below(6)];
}

static uint64_t gen_mknod_mode(void)
{
    static const uint64_t types[] = {S_IFIFO, S_IFREG, S_IFSOCK, 0};
    return types[below(4)] | (rnd() & 07777);
}

/* kinds: x any, f fd, p pointer, P path, S symlink target, X xattr name, l length, i int,
 * m mode, s signal, d pid (self/0/none), a scratch addr, L scratch len (for the previous a),
 * t timespec ptr, T timeout ms, u uid, M mknod mode, U AF_UNIX, F a socket family (unix,
 * inet, inet6), n NULL, z 0, 1 one */
static uint64_t gen(char kind, uint64_t prev)
{
    switch (kind) {
    case 'x': return gen_any();
    case 'f': return gen_fd();
    case 'p': return gen_ptr();
    case 'P': return gen_path();
    case 'S': return below(8) ? (uint64_t)(uintptr_t)k_targets[below(8)] : garbage_name();
    case 'X': return below(8) ? (uint64_t)(uintptr_t)k_xattrs[below(8)] : gen_ptr();
    case 'l': return gen_len();
    case 'i': return gen_int();
    case 'm': return below(4) ? (rnd() & 07777) : gen_int();
    case 's': return gen_signal();
    case 'd': return gen_pid();
    case 'a': return gen_scratch_addr();
    case 'L': return gen_scratch_len(prev);
    case 't': return gen_timeout();
    case 'T': return gen_timeout_ms();
    case 'u': return gen_uid();
    case 'M': return gen_mknod_mode();
    case 'U': return AF_UNIX;
    case 'F': {
        static const int fam[] = {AF_UNIX, AF_UNIX, AF_INET, AF_INET6};
        return (uint64_t)fam[below(4)];
    }
    case 'n': case 'z': return 0;
    case '1': return 1;
    default: return 0;
    }
}

/* ---- the syscall set -------------------------------------------------------------------- */

enum { NEWFD = 1, FDPAIR = 2, TOUCHFL = 4 };

struct sc {
    long nr;
    const char *name;
    const char *kinds;
    int flags;
};

#define S(n, k, f) {SYS_##n, #n, k, f}
static const struct sc k_calls[] = {
    /* files and descriptors */
    S(read, "fpl", 0),
    S(write, "fpl", 0),
    S(pread64, "fplx", 0),
    S(pwrite64, "fplx", 0),
    S(readv, "fpi", 0),
    S(writev, "fpi", 0),
    S(preadv, "fpixx", 0),
    S(pwritev, "fpixx", 0),
    S(preadv2, "fpixxi", 0),
    S(pwritev2, "fpixxi", 0),
    S(open, "Pim", NEWFD),
    S(openat, "fPim", NEWFD),
    S(openat2, "fPpl", NEWFD),
    S(close, "f", 0),
    S(close_range, "ffi", 0),
    S(lseek, "fxi", 0),
    S(dup, "f", NEWFD),
    S(dup2, "ff", 0),
    S(dup3, "ffi", 0),
    S(fcntl, "fix", NEWFD | TOUCHFL),
    S(ioctl, "fxp", TOUCHFL),
    S(flock, "fi", 0),
    S(fsync, "f", 0),
    S(fdatasync, "f", 0),
    S(syncfs, "f", 0),
    S(sync_file_range, "fxli", 0),
    S(fadvise64, "fxli", 0),
    S(readahead, "fxl", 0),
    S(fallocate, "fixl", 0),
    S(ftruncate, "fx", 0),
    S(truncate, "Px", 0),
    S(getdents, "fpl", 0),
    S(getdents64, "fpl", 0),
    S(sendfile, "ffpl", 0),
    S(splice, "fpfpli", 0),
    S(tee, "ffli", 0),
    S(vmsplice, "fpii", 0),
    S(copy_file_range, "fpfpli", 0),
    /* names */
    S(stat, "Pp", 0),
    S(lstat, "Pp", 0),
    S(fstat, "fp", 0),
    S(newfstatat, "fPpi", 0),
    S(statx, "fPiip", 0),
    S(statfs, "Pp", 0),
    S(fstatfs, "fp", 0),
    S(access, "Pi", 0),
    S(faccessat, "fPi", 0),
    S(faccessat2, "fPii", 0),
    S(readlink, "Ppl", 0),
    S(readlinkat, "fPpl", 0),
    S(getcwd, "pl", 0),
    S(chdir, "P", 0),
    S(fchdir, "f", 0),
    S(mkdir, "Pm", 0),
    S(mkdirat, "fPm", 0),
    S(rmdir, "P", 0),
    S(unlink, "P", 0),
    S(unlinkat, "fPi", 0),
    S(rename, "PP", 0),
    S(renameat, "fPfP", 0),
    S(renameat2, "fPfPi", 0),
    S(link, "PP", 0),
    S(linkat, "fPfPi", 0),
    S(symlink, "SP", 0),
    S(symlinkat, "SfP", 0),
    S(chmod, "Pm", 0),
    S(fchmod, "fm", 0),
    S(fchmodat, "fPm", 0),
    S(chown, "Puu", 0),
    S(fchown, "fuu", 0),
    S(lchown, "Puu", 0),
    S(fchownat, "fPuui", 0),
    S(utimensat, "fPpi", 0),
    S(utimes, "Pp", 0),
    S(utime, "Pp", 0),
    S(futimesat, "fPp", 0),
    S(mknod, "PMx", 0),
    S(mknodat, "fPMx", 0),
    S(umask, "m", 0),
    S(getxattr, "PXpl", 0),
    S(lgetxattr, "PXpl", 0),
    S(fgetxattr, "fXpl", 0),
    S(setxattr, "PXpli", 0),
    S(lsetxattr, "PXpli", 0),
    S(fsetxattr, "fXpli", 0),
    S(listxattr, "Ppl", 0),
    S(llistxattr, "Ppl", 0),
    S(flistxattr, "fpl", 0),
    S(removexattr, "PX", 0),
    S(lremovexattr, "PX", 0),
    S(fremovexattr, "fX", 0),
    S(name_to_handle_at, "fPppi", 0),
    S(inotify_init1, "i", NEWFD),
    S(inotify_add_watch, "fPi", 0),
    S(inotify_rm_watch, "fi", 0),
    /* pipes, events, polling */
    S(pipe, "p", FDPAIR),
    S(pipe2, "pi", FDPAIR),
    S(eventfd, "i", NEWFD),
    S(eventfd2, "ii", NEWFD),
    S(signalfd4, "fpli", NEWFD),
    S(timerfd_create, "ii", NEWFD),
    S(timerfd_settime, "fipp", 0),
    S(timerfd_gettime, "fp", 0),
    S(epoll_create, "i", NEWFD),
    S(epoll_create1, "i", NEWFD),
    S(epoll_ctl, "fifp", 0),
    S(epoll_wait, "fpiT", 0),
    S(epoll_pwait, "fpiTpl", 0),
    S(epoll_pwait2, "fpitpl", 0),
    S(poll, "piT", 0),
    S(ppoll, "pitpl", 0),
    S(select, "ipppt", 0),
    S(pselect6, "ippptp", 0),
    S(memfd_create, "Pi", NEWFD),
    /* sockets (inet addresses rewritten to loopback: sanitize_inet) */
    S(socket, "Fii", NEWFD),
    S(socketpair, "Uiip", FDPAIR),
    S(bind, "fpl", 0),
    S(connect, "fpl", 0),
    S(listen, "fi", 0),
    S(accept, "fpp", NEWFD),
    S(accept4, "fppi", NEWFD),
    S(sendto, "fplipl", 0),
    S(recvfrom, "fplipp", 0),
    S(sendmsg, "fpi", 0),
    S(recvmsg, "fpi", 0),
    S(sendmmsg, "fpii", 0),
    S(recvmmsg, "fpiit", 0),
    S(shutdown, "fi", 0),
    S(getsockname, "fpp", 0),
    S(getpeername, "fpp", 0),
    S(setsockopt, "fiipl", 0),
    S(getsockopt, "fiipp", 0),
    /* memory (scratch region only) */
    S(mmap, "aLimfx", 0),
    S(munmap, "aL", 0),
    S(mprotect, "aLi", 0),
    S(mremap, "aLLia", 0),
    S(madvise, "aLi", 0),
    S(msync, "aLi", 0),
    S(mincore, "aLp", 0),
    S(mlock, "aL", 0),
    S(munlock, "aL", 0),
    S(mlock2, "aLi", 0),
    S(mlockall, "i", 0),
    S(munlockall, "", 0),
    S(pkey_alloc, "ii", 0),
    S(pkey_free, "i", 0),
    S(pkey_mprotect, "aLii", 0),
    S(mbind, "aLipli", 0),
    S(get_mempolicy, "pplai", 0),
    S(set_mempolicy, "ipl", 0),
    S(brk, "x", 0),
    S(membarrier, "iii", 0),
    /* signals (to the child itself) and timers */
    S(rt_sigaction, "snpi", 0),
    S(rt_sigprocmask, "ippi", 0),
    S(rt_sigpending, "pi", 0),
    S(rt_sigtimedwait, "pptl", 0),
    S(rt_sigqueueinfo, "dsp", 0),
    S(sigaltstack, "np", 0),
    S(kill, "ds", 0),
    S(tkill, "ds", 0),
    S(tgkill, "dds", 0),
    S(pidfd_open, "di", NEWFD),
    S(pidfd_send_signal, "fspi", 0),
    S(pidfd_getfd, "ffi", NEWFD),
    S(alarm, "i", 0),
    S(getitimer, "ip", 0),
    S(setitimer, "ipp", 0),
    S(timer_create, "ipp", 0),
    S(timer_settime, "iipp", 0),
    S(timer_gettime, "ip", 0),
    S(timer_getoverrun, "i", 0),
    S(timer_delete, "i", 0),
    S(nanosleep, "tp", 0),
    S(clock_nanosleep, "iitp", 0),
    S(clock_gettime, "ip", 0),
    S(clock_getres, "ip", 0),
    S(gettimeofday, "pp", 0),
    S(time, "p", 0),
    S(futex, "pixtpx", 0),
    S(futex_waitv, "pitt", 0),
    S(set_robust_list, "pl", 0),
    S(get_robust_list, "dpp", 0),
    S(set_tid_address, "p", 0),
    /* process state */
    S(getpid, "", 0),
    S(getppid, "", 0),
    S(gettid, "", 0),
    S(getuid, "", 0),
    S(geteuid, "", 0),
    S(getgid, "", 0),
    S(getegid, "", 0),
    S(getresuid, "ppp", 0),
    S(getresgid, "ppp", 0),
    S(setuid, "u", 0),
    S(setgid, "u", 0),
    S(setreuid, "uu", 0),
    S(setregid, "uu", 0),
    S(setresuid, "uuu", 0),
    S(setresgid, "uuu", 0),
    S(setfsuid, "u", 0),
    S(setfsgid, "u", 0),
    S(getgroups, "ip", 0),
    S(setgroups, "ip", 0),
    S(capget, "pp", 0),
    S(capset, "pp", 0),
    S(getpgid, "d", 0),
    S(setpgid, "dd", 0),
    S(getpgrp, "", 0),
    S(getsid, "d", 0),
    S(setsid, "", 0),
    S(wait4, "xpip", 0),
    S(waitid, "ixpip", 0),
    S(getrlimit, "ip", 0),
    S(setrlimit, "ip", 0),
    S(prlimit64, "dipp", 0),
    S(getrusage, "ip", 0),
    S(times, "p", 0),
    S(sysinfo, "p", 0),
    S(uname, "p", 0),
    S(getcpu, "ppp", 0),
    S(getrandom, "pli", 0),
    S(personality, "x", 0),
    S(prctl, "ixxxx", 0),
    S(arch_prctl, "ip", 0),
    S(modify_ldt, "ipl", 0),
    S(sched_yield, "", 0),
    S(sched_getaffinity, "dlp", 0),
    S(sched_setaffinity, "dlp", 0),
    S(sched_getscheduler, "d", 0),
    S(sched_getparam, "dp", 0),
    S(sched_get_priority_max, "i", 0),
    S(sched_get_priority_min, "i", 0),
    S(sched_rr_get_interval, "dp", 0),
    S(sched_getattr, "dpli", 0),
    S(getpriority, "id", 0),
    S(setpriority, "zdi", 0),
    S(ioprio_get, "id", 0),
    S(ioprio_set, "1di", 0),
    S(kcmp, "ddixx", 0),
    /* numbers that do not exist */
    {400, "unassigned_400", "xxxxxx", 0},
    {410, "unassigned_410", "xxxxxx", 0},
    {600, "out_of_range_600", "xxxxxx", 0},
    {100000, "out_of_range_100000", "xxxxxx", 0},
    {-1, "negative", "xxxxxx", 0},
};
#define NCALLS (sizeof(k_calls) / sizeof(k_calls[0]))

/* Ports of the child's own inet sockets (refresh_fds); generated addresses use only these. */
static uint16_t g_inet_ports[4];

/* The family of socket @fd, or -1 if it is not an inet socket. */
static int inet_family(uint64_t fd)
{
    int dom = -1;
    socklen_t len = sizeof(dom);
    if (getsockopt((int)fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) < 0)
        return -1;
    return dom == AF_INET || dom == AF_INET6 ? dom : -1;
}

/* A loopback address of @fam (sometimes of the other family, or cut short) in the buffer;
 * its length in *@len. */
static uint64_t safe_inet_addr(int fam, uint64_t *len)
{
    uint8_t *p = g_buf + INET_OFF;
    memset(p, 0, 128);
    if (below(6) == 0)
        fam = fam == AF_INET ? AF_INET6 : AF_INET;
    uint16_t port = below(4) ? g_inet_ports[below(4)] : 0;
    if (fam == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)p;
        sin->sin_family = below(10) ? AF_INET : AF_UNSPEC;
        sin->sin_port = htons(port);
        sin->sin_addr.s_addr = htonl(below(3) ? INADDR_LOOPBACK : INADDR_ANY);
        *len = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)p;
        sin6->sin6_family = below(10) ? AF_INET6 : AF_UNSPEC;
        sin6->sin6_port = htons(port);
        if (below(3)) {
            sin6->sin6_addr.s6_addr[15] = 1; /* ::1 */
        } else if (below(2)) {
            sin6->sin6_addr.s6_addr[10] = sin6->sin6_addr.s6_addr[11] = 0xff; /* ::ffff:127.0.0.1 */
            sin6->sin6_addr.s6_addr[12] = 127;
            sin6->sin6_addr.s6_addr[15] = 1;
        }
        *len = sizeof(*sin6);
    }
    if (below(8) == 0)
        *len = below(*len + 8); /* a wrong length */
    return BUF_BASE + INET_OFF;
}

/* Inet sockets only ever see loopback addresses and the child's own ports: rewrite every
 * address argument, and give sendmsg/sendmmsg a message built here. */
static void sanitize_inet(const struct sc *c, uint64_t *a)
{
    int fam;
    switch (c->nr) {
    case SYS_bind:
    case SYS_connect:
        if ((fam = inet_family(a[0])) >= 0)
            a[1] = safe_inet_addr(fam, &a[2]);
        break;
    case SYS_sendto:
        if ((fam = inet_family(a[0])) >= 0) {
            if (below(3))
                a[4] = safe_inet_addr(fam, &a[5]);
            else
                a[4] = a[5] = 0;
        }
        break;
    case SYS_sendmsg:
    case SYS_sendmmsg:
        if ((fam = inet_family(a[0])) >= 0) {
            struct mmsghdr *m = (struct mmsghdr *)(g_buf + INET_OFF + 128);
            struct iovec *iov = (struct iovec *)(g_buf + INET_OFF + 512);
            memset(m, 0, 3 * sizeof(*m));
            uint64_t len = 0;
            uint64_t name = below(2) ? safe_inet_addr(fam, &len) : 0;
            for (int i = 0; i < 3; i++) {
                iov[i].iov_base = (void *)(uintptr_t)buf_ptr();
                iov[i].iov_len = below(2048);
                m[i].msg_hdr.msg_name = (void *)(uintptr_t)name;
                m[i].msg_hdr.msg_namelen = (socklen_t)len;
                m[i].msg_hdr.msg_iov = &iov[i];
                m[i].msg_hdr.msg_iovlen = 1;
            }
            a[1] = (uint64_t)(uintptr_t)m;
            if (c->nr == SYS_sendmmsg)
                a[2] = below(4);
        }
        break;
    }
}

/* Argument fix-ups that keep a few calls harmless (see the header comment). */
static void sanitize(const struct sc *c, uint64_t *a)
{
    sanitize_inet(c, a);
    switch (c->nr) {
    case SYS_open: a[1] |= O_NONBLOCK; break;  /* opening a fifo must not wait for a peer */
    case SYS_openat: a[2] |= O_NONBLOCK; break;
    case SYS_fcntl:
        if (a[1] == F_SETOWN) a[2] = gen_pid();
        if (a[1] == F_SETOWN_EX) a[1] = F_GETOWN_EX;
        break;
    case SYS_ioctl: {
        static const uint64_t safe[] = {FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, FIOASYNC, TCGETS,
                                        TIOCGWINSZ, TIOCGPGRP, 0x80086601 /* FS_IOC_GETFLAGS */,
                                        0x541b, 0x8912, 0};
        uint32_t cmd = (uint32_t)a[1];
        if (below(2)) a[1] = safe[below(sizeof(safe) / sizeof(safe[0]))];
        else if (cmd == TIOCSTI || cmd == TIOCSPGRP || cmd == 0x8901 || cmd == 0x8902 ||
                 cmd == TIOCSCTTY || cmd == 0x40086602 || cmd == 0x40046602)
            a[1] = FIONREAD;
        break;
    }
    case SYS_prctl:
        if (a[0] == PR_SET_SECCOMP || a[0] == PR_SET_MM || a[0] == PR_SET_TSC || a[0] == 59)
            a[0] = PR_GET_DUMPABLE;
        break;
    case SYS_arch_prctl: {
        static const uint64_t codes[] = {0x1003 /* GET_FS */, 0x1004 /* GET_GS */,
                                         0x1011 /* GET_CPUID */, 0x9999, 0};
        a[0] = codes[below(5)];
        break;
    }
    case SYS_madvise:
        if (a[2] >= 100) a[2] %= 30; /* no MADV_HWPOISON / MADV_SOFT_OFFLINE */
        break;
    case SYS_brk: {
        uint64_t cur = (uint64_t)raw6(SYS_brk, 0, 0, 0, 0, 0, 0);
        a[0] = below(2) ? 0 : cur + below(64) * 4096; /* never shrink the heap */
        break;
    }
    case SYS_wait4:
    case SYS_waitid:
        break; /* the child has no children */
    default:
        break;
    }
}

/* ---- the child -------------------------------------------------------------------------- */

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    g_prog->signals++;
    if (sig == SIGALRM) {
        g_alarm = 1;
        return;
    }
    if ((sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE) && si->si_code > 0) {
        /* A real fault in the fuzzer itself: its memory was corrupted by a call. End this child;
         * the parent resumes at the next call. */
        g_prog->faults++;
        g_prog->fault_sig = sig;
        raw6(SYS_exit_group, 200 + sig, 0, 0, 0, 0, 0);
    }
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: the watchdog must interrupt blocking calls */
    sigfillset(&sa.sa_mask);
    for (int s = 1; s < 65; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &sa, NULL); /* 32 and 33 are refused by glibc: never sent */
}

static void set_nonblock(long fd)
{
    if (fd < 0) return;
    long fl = raw6(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0);
    if (fl >= 0) raw6(SYS_fcntl, fd, F_SETFL, (uint64_t)fl | O_NONBLOCK, 0, 0, 0);
}

/* Gives the child a dozen descriptors of every kind, all non-blocking. 0, 1, 2 become a pipe
 * to itself and a socket, never the test's stdio. */
static void refresh_fds(void)
{
    int open_count = 0;
    for (int fd = 0; fd < NFD; fd++)
        if (fcntl(fd, F_GETFD) >= 0) open_count++;
    if (open_count >= 12) return;
    int p[2], sv[2];
    if (pipe2(p, O_NONBLOCK) == 0) { (void)p; }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0) { (void)sv; }
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) == 0) { (void)sv; }
    (void)!eventfd(3, EFD_NONBLOCK);
    /* A TCP listener and a UDP socket on the loopback: the ports inet addresses may name. */
    struct sockaddr_in lo = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (int k = 0; k < 2; k++) {
        int fd = socket(AF_INET, (k ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);
        struct sockaddr_in got;
        socklen_t gl = sizeof(got);
        if (fd >= 0 && bind(fd, (struct sockaddr *)&lo, sizeof(lo)) == 0 &&
            (k || listen(fd, 8) == 0) && getsockname(fd, (struct sockaddr *)&got, &gl) == 0)
            g_inet_ports[below(4)] = ntohs(got.sin_port);
    }
    (void)!open("file", O_RDWR | O_CREAT | O_NONBLOCK, 0644);
    (void)!open("dir", O_RDONLY | O_DIRECTORY);
    (void)!open(".", O_RDONLY | O_DIRECTORY);
    (void)!epoll_create1(0);
    (void)!memfd_create("fuzz", 0);
    (void)!timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    (void)!inotify_init1(IN_NONBLOCK);
    for (int fd = 0; fd < NFD; fd++)
        set_nonblock(fd);
}

static void prepare_buffer(void)
{
    uint64_t *w = (uint64_t *)g_buf;
    for (size_t i = 0; i < BUF_FILL / 8; i++) {
        unsigned r = below(8);
        w[i] = r < 3 ? rnd() : r < 6 ? below(64) : r < 7 ? buf_ptr() : 0;
    }
    /* The prepared timeouts: {0,0}, {0,1000}, {-1,0} (EINVAL), {0,2e9} (EINVAL). */
    int64_t *ts = (int64_t *)(g_buf + TS_OFF);
    ts[0] = 0; ts[1] = 0; ts[2] = 0; ts[3] = 1000; ts[4] = -1; ts[5] = 0; ts[6] = 0; ts[7] = 2000000000;
    for (int n = 0; n < 8; n++) {
        char *name = (char *)g_buf + NAMES_OFF + 32 * n;
        size_t len = 1 + below(30);
        for (size_t k = 0; k < len; k++) {
            char ch = (char)(1 + below(255));
            name[k] = ch == '/' || ch == '.' ? '_' : ch;
        }
        name[len] = 0;
    }
}

/* Run as root, the child first becomes nobody: a second line of defence, so that even a call
 * the sanitising missed cannot change a file of the host. --keep-root disables this. */
static int g_keep_root;

static void drop_root(void)
{
    if (g_keep_root || geteuid() != 0) return;
    if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0)
        fprintf(stderr, "fuzz: warning: could not become nobody (%s); going on as root\n",
                strerror(errno)); /* the sanitising above still holds */
}

static void child(uint64_t start, uint64_t end)
{
    setsid(); /* kill(0, sig) reaches only this child */
    drop_root();
    install_handlers();
    if (chdir(g_scratch) != 0) _exit(3);
    close_range(0, ~0u, 0);
    refresh_fds();
    const struct itimerval arm = {.it_value = {WATCHDOG_SEC, 0}};
    const struct itimerval disarm = {{0, 0}, {0, 0}};
    uint64_t empty_mask = 0;
    for (uint64_t i = start; i < end; i++) {
        g_rng = g_seed ^ (i * 0xd1b54a32d192ed03ull);
        rnd();
        const struct sc *c = &k_calls[below(NCALLS)];
        uint64_t a[6] = {0};
        for (int k = 0; c->kinds[k] && k < 6; k++)
            a[k] = gen(c->kinds[k], k ? a[k - 1] : 0);
        sanitize(c, a);
        prepare_buffer();
        g_prog->cur = i;
        g_prog->nr = c - k_calls;
        for (int k = 0; k < 6; k++) g_prog->args[k] = a[k];

        g_alarm = 0;
        raw6(SYS_setitimer, ITIMER_REAL, (uint64_t)&arm, 0, 0, 0, 0);
        long ret = raw6(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        raw6(SYS_setitimer, ITIMER_REAL, (uint64_t)&disarm, 0, 0, 0, 0);
        raw6(SYS_rt_sigprocmask, SIG_SETMASK, (uint64_t)&empty_mask, 0, 8, 0, 0);
        if (g_alarm) g_prog->watchdog++;
        if (raw6(SYS_chdir, (uint64_t)g_scratch, 0, 0, 0, 0, 0) != 0)
            raw6(SYS_mkdir, (uint64_t)g_scratch, 0777, 0, 0, 0, 0);

        if (ret >= 0 && (c->flags & NEWFD)) set_nonblock(ret);
        if (ret == 0 && (c->flags & FDPAIR)) {
            int *fds = (int *)(uintptr_t)(c->nr == SYS_socketpair ? a[3] : a[0]);
            if ((uint64_t)(uintptr_t)fds >= BUF_BASE && (uint64_t)(uintptr_t)fds < BUF_BASE + BUF_SIZE - 8) {
                set_nonblock(fds[0]);
                set_nonblock(fds[1]);
            }
        }
        if (c->flags & TOUCHFL) set_nonblock((long)a[0]);
        if ((i + 1) % REFRESH_EVERY == 0) refresh_fds();
        g_prog->done = i + 1;
    }
    raw6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
}

/* ---- the parent ------------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    chmod(path, 0700);
    remove(path);
    return 0;
}

static void describe(uint64_t idx)
{
    const struct sc *c = &k_calls[g_prog->nr % NCALLS];
    fprintf(stderr, "  call #%llu: %s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)\n",
            (unsigned long long)idx, c->name, (unsigned long long)g_prog->args[0],
            (unsigned long long)g_prog->args[1], (unsigned long long)g_prog->args[2],
            (unsigned long long)g_prog->args[3], (unsigned long long)g_prog->args[4],
            (unsigned long long)g_prog->args[5]);
}

static void usage(void)
{
    fprintf(stderr, "usage: syscall_fuzz [--calls N] [--seed S] [--start I] [--keep-root]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    uint64_t calls = DEFAULT_CALLS, start = 0;
    int seeded = 0;
    for (int i = 1; i < argc; i++) {
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (val && strcmp(argv[i], "--calls") == 0) {
            calls = strtoull(argv[++i], NULL, 0);
        } else if (val && strcmp(argv[i], "--seed") == 0) {
            g_seed = strtoull(argv[++i], NULL, 0);
            seeded = 1;
        } else if (val && strcmp(argv[i], "--start") == 0) {
            start = strtoull(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--keep-root") == 0) {
            g_keep_root = 1;
        } else {
            usage();
        }
    }
    if (!seeded && getrandom(&g_seed, sizeof(g_seed), 0) != (ssize_t)sizeof(g_seed)) {
        perror("syscall_fuzz: getrandom");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    memset(g_longpath, 'y', sizeof(g_longpath) - 1);
    for (size_t i = 100; i < sizeof(g_longpath) - 1; i += 100) g_longpath[i] = '/';

    g_prog = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    void *scratch = mmap((void *)SCRATCH_BASE, SCRATCH_SIZE, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    g_buf = mmap((void *)BUF_BASE, BUF_SIZE + 4096, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (g_prog == MAP_FAILED || scratch != (void *)SCRATCH_BASE || g_buf != (void *)BUF_BASE ||
        mprotect(g_buf + BUF_SIZE, 4096, PROT_NONE) != 0) {
        perror("syscall_fuzz: mmap of the fixed regions");
        return 1;
    }
    strcpy(g_scratch, "/tmp/cvfuzz.XXXXXX");
    if (!mkdtemp(g_scratch) || chmod(g_scratch, 0777) != 0) {
        perror("syscall_fuzz: mkdtemp");
        return 1;
    }
    printf("fuzz: seed %#llx, calls %llu..%llu, %zu syscalls in the set, scratch %s\n",
           (unsigned long long)g_seed, (unsigned long long)start, (unsigned long long)calls,
           (size_t)NCALLS, g_scratch);
    fflush(stdout);

    uint64_t next = start;
    unsigned children = 0, died = 0, stalled = 0;
    while (next < calls) {
        g_prog->cur = next;
        g_prog->done = next;
        g_prog->fault_sig = 0;
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
            perror("syscall_fuzz: fork");
            return 1;
        }
        if (pid == 0)
            child(next, calls);
        children++;
        uint64_t seen = next;
        struct timespec last, now;
        clock_gettime(CLOCK_MONOTONIC, &last);
        int status = 0;
        for (;;) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid) break;
            if (w < 0 && errno != EINTR) {
                perror("syscall_fuzz: waitpid");
                return 1;
            }
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (g_prog->done != seen) {
                seen = g_prog->done;
                last = now;
            } else if (now.tv_sec - last.tv_sec >= STALL_SEC) {
                fprintf(stderr, "fuzz: child stalled for %d s, killing it\n", STALL_SEC);
                describe(g_prog->cur);
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                stalled++;
                break;
            }
            struct timespec nap = {0, 20 * 1000 * 1000};
            nanosleep(&nap, NULL);
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && g_prog->done == calls) {
            next = calls;
            break;
        }
        died++;
        if (WIFSIGNALED(status))
            fprintf(stderr, "fuzz: child killed by signal %d (%s)\n", WTERMSIG(status),
                    strsignal(WTERMSIG(status)));
        else
            fprintf(stderr, "fuzz: child exited with status %d%s\n", WEXITSTATUS(status),
                    WEXITSTATUS(status) > 200 ? " (a fault in the fuzzer after a call)" : "");
        describe(g_prog->cur);
        next = g_prog->cur + 1;
    }
    nftw(g_scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    printf("fuzz: %u child process(es), %u ended early (%u stalled), %llu watchdog interrupts, "
           "%llu signals caught\n",
           children, died, stalled, (unsigned long long)g_prog->watchdog,
           (unsigned long long)g_prog->signals);
    printf("fuzz done %llu calls\n", (unsigned long long)(calls - start));
    return 0;
}
