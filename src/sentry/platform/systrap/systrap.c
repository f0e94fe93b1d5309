// SPDX-License-Identifier: Apache-2.0
/*
 * The systrap platform (docs/platform.md). Each address space is a stub process forked from a
 * template; each app thread is a thread of it that runs app code under syscall user dispatch
 * and a seccomp filter, so that every syscall and fault raises a signal. The handler (stub.S)
 * runs on an alternate stack inside the thread's area, memory shared with the Sentry: it
 * publishes the trap, waits for the Sentry's answer (spin, then futex) and sigreturns into
 * the frame the Sentry rewrote. Memory operations of an address space are made by the stub's
 * syscall thread, from requests in a page the app can only read.
 *
 * Everything the stub side writes (control blocks, signal frames, replies) is hostile: the
 * app can write it at any time. It is read once into locals and validated; a garbage value
 * kills the stub process, which the task sees as SWITCH_DEAD.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "common/log.h"
#include "sentry/platform/cpu.h"
#include "sentry/platform/platform.h"
#include "sentry/platform/systrap/abi.h"
#include "sentry/platform/systrap/systrap_internal.h"
#include "sentry/platform/xstate.h"

static const uint64_t region_candidates[] = {0x7e0000000000ULL, 0x7d0000000000ULL,
                                             0x6e0000000000ULL};

/* ---- boot-time configuration ------------------------------------------------------------ */

static struct {
    uint64_t region;      /* stub (and Sentry) address of the code page */
    uint64_t region_size; /* code to the end of the last area */
    uint64_t area_size;   /* a power of two */
    uint64_t areas_off;   /* offset of the first area in the region */
    uint64_t slice_size;  /* control pages + reply page + areas, in the areas memfd */
    uint64_t xsave_size;  /* the largest FP state of a signal frame */
    int memfd, areasfd, sockfd, evfd_num;
    pid_t sentry_pid;
    uint32_t mxcsr_mask;
    pthread_mutex_t spawn_lock; /* one template request at a time */
} g_st = {.spawn_lock = PTHREAD_MUTEX_INITIALIZER};

/* The hand-off policy (docs/platform.md, "Hand-off"). */
enum policy {
    POLICY_SLEEP,    /* futex only, stub thread on its Sentry thread's CPU */
    POLICY_SPIN,     /* always spin first (up to spin_ns), then futex; no pinning */
    POLICY_ADAPTIVE, /* spin only while it pays, else as POLICY_SLEEP */
};

static struct {
    uint64_t tsc_per_us; /* 0 until calibrated */
    uint64_t tsc0, ns0;
    enum policy policy;
    uint64_t spin_ns; /* the spin budget */
} g_pol;

/* Adaptive spinning: a window of WINDOW hand-offs spins when the running average of one side's
 * wait is under the budget; a spin that ends in a sleep anyway is a miss, and MISS_LIMIT
 * misses in a window stop spinning for BACKOFF hand-offs (the other CPU is busy with someone
 * else). */
#define WINDOW 32
#define MISS_LIMIT 4
#define BACKOFF 4096

/* ---- the kernel's signal frame ---------------------------------------------------------- */

struct st_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate;
    uint64_t reserved1[8];
};

struct st_ucontext {
    uint64_t uc_flags;
    uint64_t uc_link;
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t pad;
    uint64_t ss_size;
    struct st_sigcontext mc;
    uint64_t sigmask;
};

struct st_siginfo {
    int32_t signo, err, code, pad;
    union {
        struct {
            uint64_t call_addr;
            int32_t syscall;
            uint32_t arch;
        } sys;
        struct {
            int32_t pid;
            uint32_t uid;
        } kill;
        uint64_t addr;
        uint8_t bytes[112];
    };
};

_Static_assert(sizeof(struct st_sigcontext) == 256, "sigcontext");
_Static_assert(sizeof(struct st_ucontext) == 304, "kernel ucontext");
_Static_assert(sizeof(struct st_siginfo) == 128, "siginfo");

#define UC_FP_XSTATE 0x1
#define SA_RESTORER 0x04000000
#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define FXSAVE_SIZE 512
#define XSAVE_HDR_SIZE 64
#define SW_RESERVED_OFF 464 /* struct _fpx_sw_bytes in the FXSAVE area */

struct fpx_sw_bytes {
    uint32_t magic1, extended_size;
    uint64_t xfeatures;
    uint32_t xstate_size;
    uint32_t padding[7];
};

/* ---- address spaces and contexts -------------------------------------------------------- */

struct plat_as {
    pid_t pid; /* the stub process; its first thread is the syscall thread */
    int evfd;  /* completions of the syscall thread (read side) */
    int refs;
    int slice;
    char *view; /* the Sentry's mapping of the slice */
    bool dead;
    pthread_mutex_t lock; /* memory operations and slots */
    uint32_t seq;
    unsigned op_count, op_missed, op_backoff; /* spinning for completions (op_spin_budget) */
    int sys_cpu;                              /* the syscall thread's CPU, or -1 (free) */
    unsigned ops_since_bind;
    pid_t slot_tid[ST_MAX_THREADS]; /* last stub thread of each slot (0: never used) */
    bool slot_used[ST_MAX_THREADS];
};

struct plat_context {
    struct plat_as *as;
    int slot;
    pid_t tid;
    bool dead;
    int cpu;
    char *area;         /* Sentry view of the slot's area */
    uint64_t stub_area; /* the same, as the stub sees it */
    /* The validated frame of the last trap: offsets in the area. */
    uint64_t uc_off, fp_off;
    bool xsave;
    struct st_ucontext uc; /* copy of the last trap's ucontext */
    uint64_t interrupt_ns; /* when an unanswered interrupt was sent (atomic), or 0 */
    /* Hand-off statistics (the owning thread only). */
    uint64_t avg_app_ns;    /* app code between two traps (resume to trap) */
    uint64_t avg_sentry_ns; /* the Sentry between a trap and the resume */
    uint64_t t_trap;        /* when the last trap was seen */
    unsigned spun, missed;  /* in the current window */
    unsigned backoff;       /* hand-offs left without spinning */
    unsigned handoffs;      /* in the current window */
    bool spin_mode;         /* this window spins (and the pair is on two CPUs) */
    bool stub_spun;         /* the stub was told to spin on the last resume */
    /* The last trap came through a patched site (no signal frame): its registers. */
    bool patched;
    struct linux_regs trap_regs;
    uint64_t app_gs; /* the GS base the app has (the real one is the area while it is 0) */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long futex(void *addr, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static volatile uint32_t *u32_at(char *base, uint64_t off)
{
    return (volatile uint32_t *)(base + off);
}

static volatile uint64_t *u64_at(char *base, uint64_t off)
{
    return (volatile uint64_t *)(base + off);
}

static char *ctl_view(struct plat_as *as)
{
    return as->view;
}

static char *reply_view(struct plat_as *as)
{
    return as->view + ST_CTL_SIZE;
}

static char *area_view(struct plat_as *as, int slot)
{
    return as->view + ST_CTL_SIZE + ST_PAGE + (uint64_t)slot * g_st.area_size;
}

static uint64_t area_stub(int slot)
{
    return g_st.region + g_st.areas_off + (uint64_t)slot * g_st.area_size;
}

/* ---- slices of the areas memfd ---------------------------------------------------------- */

/*
 * A slice is reused only once the stub process that had it is gone: until then a dying app
 * thread could still write into it.
 */
static struct {
    pthread_mutex_t lock;
    pid_t *owner; /* per slice: the stub that had it (0: free, -1: in use, not yet spawned) */
    int n;
} g_slices = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int slice_alloc(void)
{
    pthread_mutex_lock(&g_slices.lock);
    int i;
    for (i = 0; i < g_slices.n; i++) {
        pid_t o = g_slices.owner[i];
        if (o == 0 || (o > 0 && kill(o, 0) < 0 && errno == ESRCH))
            break;
    }
    if (i == g_slices.n) {
        pid_t *n = realloc(g_slices.owner, (size_t)(i + 1) * sizeof(*n));
        if (!n || ftruncate(g_st.areasfd, (off_t)((uint64_t)(i + 1) * g_st.slice_size)) < 0) {
            if (n)
                g_slices.owner = n;
            pthread_mutex_unlock(&g_slices.lock);
            return -ENOMEM;
        }
        g_slices.owner = n;
        g_slices.n++;
    } else {
        /* Zero it: a fresh slice has a clean control page and clean areas. */
        fallocate(g_st.areasfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)((uint64_t)i * g_st.slice_size), (off_t)g_st.slice_size);
    }
    g_slices.owner[i] = -1;
    pthread_mutex_unlock(&g_slices.lock);
    return i;
}

static void slice_free(int i, pid_t owner)
{
    pthread_mutex_lock(&g_slices.lock);
    g_slices.owner[i] = owner > 0 ? owner : 0;
    pthread_mutex_unlock(&g_slices.lock);
}

/* ---- the template ----------------------------------------------------------------------- */

/* Ask the template for a stub process on slice @slice. Returns its pid and *@evfd. */
static pid_t template_spawn(int slice, int *evfd)
{
    uint64_t off = (uint64_t)slice * g_st.slice_size;
    int64_t pid = -EIO;
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = &pid, .iov_len = sizeof(pid)};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    pthread_mutex_lock(&g_st.spawn_lock);
    struct iovec req_iov = {.iov_base = &off, .iov_len = sizeof(off)};
    struct msghdr req = {.msg_iov = &req_iov, .msg_iovlen = 1};
    ssize_t n = sendmsg(g_st.sockfd, &req, MSG_NOSIGNAL);
    if (n == sizeof(off)) {
        do
            n = recvmsg(g_st.sockfd, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
    }
    pthread_mutex_unlock(&g_st.spawn_lock);
    if (n != sizeof(pid))
        return -EAGAIN;
    *evfd = -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        memcpy(evfd, CMSG_DATA(c), sizeof(int));
    if (pid <= 0 || *evfd < 0) {
        if (*evfd >= 0)
            close(*evfd);
        return pid < 0 ? (pid_t)pid : -EAGAIN;
    }
    return (pid_t)pid;
}

/* ---- the syscall thread: memory operations ---------------------------------------------- */

/* Spinning for a memory operation's completion follows the hand-off policy: always with
 * POLICY_SPIN; with POLICY_ADAPTIVE until MISS_LIMIT of a window of WINDOW operations were not
 * answered within the budget (the syscall thread slept, or its CPU was busy), then not for
 * BACKOFF operations. The caller holds as->lock. */
static uint64_t op_spin_budget(struct plat_as *as)
{
    if (g_pol.policy == POLICY_SLEEP)
        return 0;
    if (g_pol.policy == POLICY_SPIN)
        return g_pol.spin_ns;
    if (as->op_backoff) {
        as->op_backoff--;
        return 0;
    }
    if (++as->op_count >= WINDOW) {
        if (as->op_missed >= MISS_LIMIT)
            as->op_backoff = BACKOFF;
        as->op_count = as->op_missed = 0;
    }
    return as->op_backoff ? 0 : g_pol.spin_ns;
}

static bool stub_alive(pid_t pid, pid_t tid)
{
    long r = tid ? syscall(SYS_tgkill, pid, tid, 0) : kill(pid, 0);
    return r == 0 || errno != ESRCH;
}

/*
 * Wait for the syscall thread's next completion: a value it wrote to the eventfd (1: done,
 * 2: failed). Nothing else can write that descriptor, so a completion cannot be forged.
 * Returns 1, 2, or -ESRCH when the stub is dead.
 */
static int wait_completion(struct plat_as *as, uint32_t seq, uint64_t spin)
{
    uint64_t t0 = spin ? now_ns() : 0;
    while (spin && __atomic_load_n(u32_at(reply_view(as), RP_SEQ), __ATOMIC_ACQUIRE) != seq) {
        if (now_ns() - t0 >= spin) {
            as->op_missed++;
            break;
        }
        _mm_pause();
    }
    for (;;) {
        uint64_t v;
        ssize_t n = read(as->evfd, &v, sizeof(v));
        if (n == sizeof(v))
            return v == 1 ? 1 : 2;
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -ESRCH;
        struct pollfd p = {.fd = as->evfd, .events = POLLIN};
        struct timespec ts = {.tv_nsec = 20 * 1000 * 1000};
        if (ppoll(&p, 1, &ts, NULL) == 0) {
            /* Its "asleep" flag may have lied: wake it anyway, and look whether it lives. */
            futex((void *)u32_at(ctl_view(as), CTL_SEQ), FUTEX_WAKE, 1, NULL);
            if (!stub_alive(as->pid, 0))
                return -ESRCH;
        }
    }
}

/* While the Sentry sleeps for completions, the syscall thread sleeps on the CPU of the
 * requests, so that waking each other needs no IPI; re-bound at most every REBIND_OPS
 * operations when requests come from several CPUs. While the Sentry spins it is let free. */
#define REBIND_OPS 64

static void place_syscall_thread(struct plat_as *as, bool spinning)
{
    if (spinning) {
        if (as->sys_cpu >= 0 && plat_cpu_unbind(as->pid) == 0)
            as->sys_cpu = -1;
        return;
    }
    int cpu = sched_getcpu();
    if (cpu < 0 || cpu == as->sys_cpu || (as->sys_cpu >= 0 && ++as->ops_since_bind < REBIND_OPS))
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(as->pid, sizeof(set), &set) == 0)
        as->sys_cpu = cpu;
    as->ops_since_bind = 0;
}

/* Run one operation in the syscall thread. Returns its result (>= 0) or -errno. The caller
 * holds as->lock. */
static long stub_op(struct plat_as *as, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2,
                    uint64_t a3)
{
    if (as->dead)
        return -ESRCH;
    uint64_t spin = op_spin_budget(as);
    place_syscall_thread(as, spin != 0);
    char *ctl = ctl_view(as);
    uint32_t seq = as->seq + 2;
    as->seq = seq;
    __atomic_store_n(u32_at(ctl, CTL_SEQ), seq - 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    *u64_at(ctl, CTL_OP) = op;
    *u64_at(ctl, CTL_A0) = a0;
    *u64_at(ctl, CTL_A1) = a1;
    *u64_at(ctl, CTL_A2) = a2;
    *u64_at(ctl, CTL_A3) = a3;
    __atomic_store_n(u32_at(ctl, CTL_SEQ), seq, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(u32_at(reply_view(as), RP_WAITING), __ATOMIC_SEQ_CST))
        futex((void *)u32_at(ctl, CTL_SEQ), FUTEX_WAKE, 1, NULL);
    int done = wait_completion(as, seq, spin);
    if (done < 0) {
        as->dead = true;
        return done;
    }
    int64_t res = (int64_t)*u64_at(reply_view(as), RP_RESULT);
    if (done == 1)
        return res >= 0 ? res : 0;
    return res < 0 && res >= -4095 ? res : -EIO;
}

/* ---- init ------------------------------------------------------------------------------- */

static uint64_t next_pow2(uint64_t v)
{
    uint64_t p = 1;
    while (p < v)
        p <<= 1;
    return p;
}

/* The largest FP state a signal frame of this host can carry: CPUID leaf 0xD (the XSAVE
 * area of the enabled features) and the kernel's own minimum signal stack size. */
static uint64_t host_xsave_size(void)
{
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(0));
    uint64_t size = b > FXSAVE_SIZE ? b : FXSAVE_SIZE;
    uint64_t min = getauxval(AT_MINSIGSTKSZ);
    return size > min ? size : min;
}

static uint32_t host_mxcsr_mask(void)
{
    uint8_t buf[512] __attribute__((aligned(16))) = {0};
    __asm__ volatile("fxsave %0" : "=m"(buf));
    uint32_t mask;
    memcpy(&mask, buf + 28, sizeof(mask));
    return mask ? mask : 0xffbf;
}

static void fill_params(char *code)
{
    char *p = code + st_code_off(cv_st_params);
    uint64_t r = g_st.region;
#define SET64(off, v) (*(uint64_t *)(p + (off)) = (uint64_t)(v))
    SET64(P_AREA_MASK, ~(g_st.area_size - 1));
    SET64(P_AREA_SIZE, g_st.area_size);
    SET64(P_AREA_LOWMASK, g_st.area_size - 1);
    SET64(P_AREAS_BASE, r + g_st.areas_off);
    SET64(P_CTL, r + ST_CTL_OFF);
    SET64(P_REPLY, r + ST_REPLY_OFF);
    SET64(P_MEMFD, g_st.memfd);
    SET64(P_AREASFD, g_st.areasfd);
    SET64(P_SOCKFD, -1); /* set by init once the socket exists */
    SET64(P_EVFD, g_st.evfd_num);
    SET64(P_AREAS_LEN, (uint64_t)ST_MAX_THREADS * g_st.area_size);
    SET64(P_REGION, r);
    SET64(P_REGION_SIZE, g_st.region_size);
    SET64(P_ONE, 1);
    SET64(P_TWO, 2);
    SET64(P_SPIN_MAX, 1ULL << 22);
    struct st_kernel_sigaction act = {
        .handler = r + st_code_off(cv_st_handler),
        .flags = SA_SIGINFO | SA_ONSTACK | SA_RESTORER | SA_NODEFER,
        .restorer = r + st_code_off(cv_st_site_sigreturn) - 2,
        .mask = ~0ULL,
    };
    /* SA_NODEFER with a full mask: every signal stays blocked in the handler anyway. */
    memcpy(p + P_ACT, &act, sizeof(act));
    struct st_kernel_sigaction ign = {
        .handler = (uint64_t)SIG_IGN, .flags = SA_RESTORER, .restorer = act.restorer};
    memcpy(p + P_ACT_IGN, &ign, sizeof(ign));
    if (__rseq_size) {
        uint64_t rseq[3] = {(uint64_t)__builtin_thread_pointer() + (uint64_t)__rseq_offset,
                            __rseq_size < 32 ? 32 : __rseq_size, RSEQ_SIG};
        memcpy(p + P_RSEQ, rseq, sizeof(rseq));
    }
    const uint32_t sigs[] = {SIGSYS, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, ST_INTERRUPT_SIGNAL,
                             0};
    memcpy(p + P_SIGNALS, sigs, sizeof(sigs));
#undef SET64
}

static int fill_filters(char *code)
{
    char *p = code + st_code_off(cv_st_params);
    struct st_filter_cfg cfg = {
        .region = g_st.region,
        .memfd = g_st.memfd,
        .evfd = g_st.evfd_num,
        .areas_lo = g_st.region + g_st.areas_off,
        .areas_hi = g_st.region + g_st.region_size,
        .ctl_seq = g_st.region + ST_CTL_OFF + CTL_SEQ,
    };
    unsigned len[3];
    int err = st_filters_build(&cfg, (struct sock_filter *)(p + P_FILTERS), P_FILTERS_MAX, len);
    if (err < 0)
        return err;
    uint64_t at = g_st.region + st_code_off(cv_st_params) + P_FILTERS;
    const unsigned offs[3] = {P_PROG_T, P_PROG_BASE, P_PROG_APP};
    for (int i = 0; i < 3; i++) {
        struct {
            uint64_t len;
            uint64_t filter;
        } prog = {len[i], at};
        memcpy(p + offs[i], &prog, sizeof(prog));
        at += len[i] * sizeof(struct sock_filter);
    }
    return 0;
}

/* The template's scratch page: a msghdr ready to carry a pid and a descriptor. */
static void fill_scratch(char *s)
{
    uint64_t base = g_st.region + ST_CTL_OFF;
    struct iovec *iov = (struct iovec *)(s + TS_IOV);
    iov->iov_base = (void *)(base + TS_PID);
    iov->iov_len = 8;
    struct msghdr *m = (struct msghdr *)(s + TS_MSG);
    memset(m, 0, sizeof(*m));
    m->msg_iov = (struct iovec *)(base + TS_IOV);
    m->msg_iovlen = 1;
    m->msg_control = (void *)(base + TS_CMSG);
    m->msg_controllen = CMSG_SPACE(sizeof(int));
    struct cmsghdr *c = (struct cmsghdr *)(s + TS_CMSG);
    c->cmsg_len = CMSG_LEN(sizeof(int));
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
}

/* Descriptor ranges the template closes: all but @keep[0..2] (sorted here). */
static void fill_close(char *code, int keep[3])
{
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (keep[j] < keep[i]) {
                int t = keep[i];
                keep[i] = keep[j];
                keep[j] = t;
            }
    uint64_t *r = (uint64_t *)(code + st_code_off(cv_st_params) + P_CLOSE);
    uint64_t lo = 0;
    for (int i = 0; i < 3; i++) {
        r[2 * i] = lo;
        r[2 * i + 1] = keep[i] > 0 ? (uint64_t)keep[i] - 1 : 0;
        if (keep[i] == 0) /* empty range: lo > hi */
            r[2 * i] = 1;
        lo = (uint64_t)keep[i] + 1;
    }
    r[6] = lo;
    r[7] = ~0U;
}

static int lowest_free_fd(const int keep[3])
{
    for (int fd = 0;; fd++)
        if (fd != keep[0] && fd != keep[1] && fd != keep[2])
            return fd;
}

static int map_region(void)
{
    for (size_t i = 0; i < sizeof(region_candidates) / sizeof(region_candidates[0]); i++) {
        void *p = mmap((void *)region_candidates[i], g_st.region_size, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == MAP_FAILED)
            continue;
        if ((uint64_t)p != region_candidates[i]) {
            munmap(p, g_st.region_size);
            continue;
        }
        g_st.region = (uint64_t)p;
        return 0;
    }
    return -ENOMEM;
}

extern long cv_st_spawn(uint64_t entry);

static void calibrate_start(void)
{
    g_pol.tsc0 = __rdtsc();
    g_pol.ns0 = now_ns();
}

/* The TSC rate, measured over the first few milliseconds of the boot (no busy wait). */
static void calibrate_maybe(void)
{
    if (g_pol.tsc_per_us)
        return;
    uint64_t ns = now_ns(), tsc = __rdtsc();
    if (ns - g_pol.ns0 < 5 * 1000 * 1000)
        return;
    __atomic_store_n(&g_pol.tsc_per_us, (tsc - g_pol.tsc0) * 1000 / (ns - g_pol.ns0),
                     __ATOMIC_RELAXED);
}

/* The policy: adaptive, with a 20 us budget, unless the measurement knobs of
 * docs/platform.md say otherwise; never spinning on one CPU (nobody there to answer). */
static void policy_init(void)
{
    calibrate_start();
    g_pol.policy = POLICY_ADAPTIVE;
    g_pol.spin_ns = 20000;
    const char *p = getenv("CVISOR_SYSTRAP_POLICY");
    if (p && strcmp(p, "sleep") == 0)
        g_pol.policy = POLICY_SLEEP;
    else if (p && strcmp(p, "spin") == 0)
        g_pol.policy = POLICY_SPIN;
    const char *s = getenv("CVISOR_SYSTRAP_SPIN_US");
    if (s)
        g_pol.spin_ns = strtoull(s, NULL, 10) * 1000;
    if (plat_cpu_count() < 2 || !g_pol.spin_ns)
        g_pol.policy = POLICY_SLEEP;
}

static int systrap_init(int memfd)
{
    if (!(getauxval(AT_HWCAP2) & 2 /* HWCAP2_FSGSBASE */))
        return -ENOTSUP;
    if (st_code_off(cv_st_code_end) > ST_CODE_SIZE)
        return -E2BIG;
    int err = plat_cpu_init();
    if (err < 0)
        return err;
    g_st.sentry_pid = getpid();
    g_st.memfd = memfd;
    plat_xstate_detect();
    g_st.xsave_size = host_xsave_size();
    g_st.mxcsr_mask = host_mxcsr_mask();
    /* An area: control page, the patched-site stack, then the alternate stack with room for
     * the kernel's frame (ucontext, siginfo, FP state) and slack. */
    uint64_t alt = (g_st.xsave_size + 4096 + 4095) & ~4095ULL;
    if (alt < 8192)
        alt = 8192;
    g_st.area_size = next_pow2(AREA_ALT_OFF + alt);
    g_st.areas_off = (ST_REPLY_OFF + ST_PAGE + g_st.area_size - 1) & ~(g_st.area_size - 1);
    g_st.region_size = g_st.areas_off + (uint64_t)ST_MAX_THREADS * g_st.area_size;
    g_st.slice_size = ST_CTL_SIZE + ST_PAGE + (uint64_t)ST_MAX_THREADS * g_st.area_size;
    if ((err = map_region()) < 0)
        return err;

    g_st.areasfd = memfd_create("cvisor-systrap", MFD_CLOEXEC);
    int sv[2];
    if (g_st.areasfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    g_st.sockfd = sv[0];
    int keep[3] = {memfd, g_st.areasfd, sv[1]};
    g_st.evfd_num = lowest_free_fd(keep);

    char *code = mmap((void *)g_st.region, ST_CODE_SIZE + ST_CTL_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (code == MAP_FAILED)
        return -errno;
    memcpy(code, cv_st_code_start, st_code_off(cv_st_code_end));
    fill_params(code);
    *(uint64_t *)(code + st_code_off(cv_st_params) + P_SOCKFD) = (uint64_t)sv[1];
    fill_close(code, keep);
    if ((err = fill_filters(code)) < 0)
        return err;
    fill_scratch(code + ST_CTL_OFF);
    if (mprotect(code, ST_CODE_SIZE, PROT_READ | PROT_EXEC) < 0)
        return -errno;

    long pid = cv_st_spawn(g_st.region + st_code_off(cv_st_template_entry));
    close(sv[1]);
    if (pid < 0)
        return (int)pid;
    policy_init();
    log_debug("systrap: region %#llx size %#llx, area %#llx, xsave %llu, template %ld",
              (unsigned long long)g_st.region, (unsigned long long)g_st.region_size,
              (unsigned long long)g_st.area_size, (unsigned long long)g_st.xsave_size, pid);
    return 0;
}

static void systrap_reserved(gaddr_t *start, gaddr_t *end)
{
    *start = g_st.region;
    *end = g_st.region + g_st.region_size;
}

/* ---- address spaces --------------------------------------------------------------------- */

/* A fresh slice's control page: the dispatch selector, always "block". */
static void ctl_init(char *ctl)
{
    *(volatile uint8_t *)(ctl + CTL_SELECTOR) = 1; /* SYSCALL_DISPATCH_FILTER_BLOCK */
}

/* The alternate stack of @slot, which its new thread reads from the control pages (written
 * here, when the slot is first used, so that an address space pays only for its threads). */
static void ctl_set_altstack(char *ctl, int slot)
{
    stack_t ss = {.ss_sp = (void *)(area_stub(slot) + AREA_ALT_OFF),
                  .ss_size = g_st.area_size - AREA_ALT_OFF};
    memcpy(ctl + ST_CTL_ALT_OFF + (uint64_t)slot * ST_STACK_T_SIZE, &ss, sizeof(ss));
}

static void as_free(struct plat_as *as)
{
    if (as->pid > 0)
        kill(as->pid, SIGKILL);
    if (as->evfd >= 0)
        close(as->evfd);
    if (as->view)
        munmap(as->view, g_st.slice_size);
    slice_free(as->slice, as->pid);
    pthread_mutex_destroy(&as->lock);
    free(as);
}

static int systrap_as_new(struct plat_as **out)
{
    struct plat_as *as = calloc(1, sizeof(*as));
    if (!as)
        return -ENOMEM;
    as->evfd = -1;
    as->sys_cpu = -1;
    as->refs = 1;
    pthread_mutex_init(&as->lock, NULL);
    as->slice = slice_alloc();
    if (as->slice < 0) {
        int err = as->slice;
        free(as);
        return err;
    }
    void *v = mmap(NULL, g_st.slice_size, PROT_READ | PROT_WRITE, MAP_SHARED, g_st.areasfd,
                   (off_t)((uint64_t)as->slice * g_st.slice_size));
    if (v == MAP_FAILED) {
        as->view = NULL;
        as_free(as);
        return -ENOMEM;
    }
    as->view = v;
    ctl_init(ctl_view(as));
    pid_t pid = template_spawn(as->slice, &as->evfd);
    if (pid < 0) {
        as_free(as);
        return pid;
    }
    as->pid = pid;
    fcntl(as->evfd, F_SETFL, O_NONBLOCK);
    /* The syscall thread reports once it is set up (or dies). */
    if (wait_completion(as, 0, 0) != 1) {
        log_warn("systrap: stub %d did not start", pid);
        as_free(as);
        return -EAGAIN;
    }
    int64_t seal = (int64_t)*u64_at(reply_view(as), RP_RESULT);
    if (seal != 0)
        log_debug("systrap: stub %d: mseal: %lld", pid, (long long)seal);
    *out = as;
    return 0;
}

static void systrap_as_release(struct plat_as *as)
{
    if (!as)
        return;
    int left = __atomic_sub_fetch(&as->refs, 1, __ATOMIC_ACQ_REL);
    CV_BUG_ON(left < 0);
    if (left > 0)
        return;
    as_free(as);
}

static uint64_t systrap_as_cpu_ns(struct plat_as *as)
{
    clockid_t clk = (clockid_t)((~(unsigned)as->pid << 3) | 2); /* the process CPU clock */
    struct timespec ts;
    if (clock_gettime(clk, &ts) < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int systrap_map(struct plat_context *ctx, gaddr_t addr, uint64_t len, int prot,
                       uint64_t file_off)
{
    struct plat_as *as = ctx->as;
    pthread_mutex_lock(&as->lock);
    long r = stub_op(as, OP_MAP, addr, len, (uint64_t)prot & 7, file_off);
    pthread_mutex_unlock(&as->lock);
    return r < 0 ? (int)r : 0;
}

static int systrap_unmap(struct plat_context *ctx, gaddr_t addr, uint64_t len)
{
    struct plat_as *as = ctx->as;
    pthread_mutex_lock(&as->lock);
    long r = stub_op(as, OP_UNMAP, addr, len, 0, 0);
    pthread_mutex_unlock(&as->lock);
    return r < 0 ? (int)r : 0;
}

static int systrap_protect(struct plat_context *ctx, gaddr_t addr, uint64_t len, int prot)
{
    struct plat_as *as = ctx->as;
    pthread_mutex_lock(&as->lock);
    long r = stub_op(as, OP_PROTECT, addr, len, (uint64_t)prot & 7, 0);
    pthread_mutex_unlock(&as->lock);
    return r < 0 ? (int)r : 0;
}

/* ---- threads ---------------------------------------------------------------------------- */

/* A free slot: never used, or its last stub thread is gone. Caller holds as->lock. */
static int slot_find(struct plat_as *as)
{
    for (int i = 0; i < ST_MAX_THREADS; i++) {
        if (as->slot_used[i])
            continue;
        if (as->slot_tid[i] == 0 || !stub_alive(as->pid, as->slot_tid[i]))
            return i;
    }
    return -EAGAIN;
}

static int systrap_thread_prepare(struct plat_as *as, struct plat_context *parent, long *token)
{
    (void)parent; /* every stub thread is cloned by the syscall thread */
    pthread_mutex_lock(&as->lock);
    int slot = slot_find(as);
    if (slot < 0) {
        pthread_mutex_unlock(&as->lock);
        return slot;
    }
    ctl_set_altstack(ctl_view(as), slot);
    char *a = area_view(as, slot);
    memset(a, 0, ST_PAGE);
    __atomic_store_n(u32_at(a, AC_STATE), ST_APP, __ATOMIC_RELEASE);
    long tid = stub_op(as, OP_CLONE, (uint64_t)slot, 0, 0, 0);
    /* The tid comes from the reply page: it must name a thread of this stub. */
    if (tid > 0 && !(syscall(SYS_tgkill, as->pid, (pid_t)tid, 0) == 0))
        tid = -EIO;
    if (tid > 0) {
        as->slot_used[slot] = true;
        as->slot_tid[slot] = (pid_t)tid;
    }
    pthread_mutex_unlock(&as->lock);
    if (tid <= 0)
        return tid < 0 ? (int)tid : -EIO;
    *token = slot;
    return 0;
}

static void kill_stub(struct plat_context *ctx)
{
    ctx->dead = true;
    ctx->as->dead = true;
    kill(ctx->as->pid, SIGKILL);
}

/*
 * Wait until the stub thread traps (AC_STATE == ST_TRAPPED). Spins for the policy's budget,
 * then sleeps on the futex with a timeout, so that a dead stub is seen within ~50 ms, an
 * interrupt is sent again every 50 ms until it is answered, and one the stub never answers
 * (its app blocked the signal, or scribbled its area) ends in a kill after 5 s. Returns 0 or
 * -ESRCH.
 */
static int wait_trap(struct plat_context *ctx, uint64_t spin_ns)
{
    volatile uint32_t *state = u32_at(ctx->area, AC_STATE);
    if (spin_ns) {
        uint64_t t0 = now_ns();
        do {
            if (__atomic_load_n(state, __ATOMIC_ACQUIRE) == ST_TRAPPED)
                return 0;
            _mm_pause();
        } while (now_ns() - t0 < spin_ns);
        ctx->missed++;
    }
    volatile uint32_t *waiting = u32_at(ctx->area, AC_SENTRY_WAITING);
    for (;;) {
        __atomic_store_n(waiting, 1, __ATOMIC_SEQ_CST);
        uint32_t v = __atomic_load_n(state, __ATOMIC_SEQ_CST);
        if (v == ST_TRAPPED) {
            __atomic_store_n(waiting, 0, __ATOMIC_RELAXED);
            return 0;
        }
        struct timespec ts = {.tv_nsec = 50 * 1000 * 1000};
        long r = futex((void *)state, FUTEX_WAIT, v, &ts);
        if (r == 0 && v != ST_GONE)
            continue;
        if (!stub_alive(ctx->as->pid, ctx->tid))
            return -ESRCH;
        uint64_t irq = __atomic_load_n(&ctx->interrupt_ns, __ATOMIC_RELAXED);
        if (irq && now_ns() - irq > 5000ULL * 1000 * 1000) {
            log_warn("systrap: stub thread %d does not answer interrupts: killed", ctx->tid);
            kill_stub(ctx);
            return -ESRCH;
        }
        /* The stub drops an interrupt that lands on its way to or from us: send it again. */
        if (irq)
            syscall(SYS_tgkill, ctx->as->pid, ctx->tid, ST_INTERRUPT_SIGNAL);
    }
}

/* Hand the thread back to app code. */
static void resume(struct plat_context *ctx)
{
    volatile uint32_t *state = u32_at(ctx->area, AC_STATE);
    __atomic_exchange_n(state, ST_RESUME, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(u32_at(ctx->area, AC_STUB_WAITING), __ATOMIC_SEQ_CST))
        futex((void *)state, FUTEX_WAKE, 1, NULL);
}

/* Read and validate the trap the stub published: the frame's place, then a copy of the
 * ucontext and siginfo. Returns 0, or -EINVAL for garbage. */
static int read_trap(struct plat_context *ctx, struct st_siginfo *si)
{
    uint64_t uc = *u64_at(ctx->area, AC_UC);
    uint64_t lo = ctx->stub_area + AREA_ALT_OFF, hi = ctx->stub_area + g_st.area_size;
    if (uc < lo || uc > hi - sizeof(struct st_ucontext) - sizeof(struct st_siginfo) || uc % 16)
        return -EINVAL;
    uint64_t off = uc - ctx->stub_area;
    memcpy(&ctx->uc, ctx->area + off, sizeof(ctx->uc));
    memcpy(si, ctx->area + off + sizeof(struct st_ucontext), sizeof(*si));
    uint64_t fp = ctx->uc.mc.fpstate;
    if (fp < lo || fp > hi - FXSAVE_SIZE || fp % 64)
        return -EINVAL;
    ctx->uc_off = off;
    ctx->fp_off = fp - ctx->stub_area;
    ctx->xsave = false;
    struct fpx_sw_bytes sw;
    memcpy(&sw, ctx->area + ctx->fp_off + SW_RESERVED_OFF, sizeof(sw));
    uint64_t room = hi - fp;
    if ((ctx->uc.uc_flags & UC_FP_XSTATE) && sw.magic1 == FP_XSTATE_MAGIC1 &&
        sw.xstate_size >= FXSAVE_SIZE + XSAVE_HDR_SIZE && sw.extended_size <= room &&
        (uint64_t)sw.xstate_size + 4 <= sw.extended_size) {
        uint32_t magic2;
        memcpy(&magic2, ctx->area + ctx->fp_off + sw.xstate_size, sizeof(magic2));
        ctx->xsave = magic2 == FP_XSTATE_MAGIC2;
    }
    /* The Sentry's images are of the host's format (fpstate_format); a frame of another size
     * (never made by this kernel) is used as an FXSAVE area only. */
    if (ctx->xsave && sw.xstate_size != plat_xstate_size())
        ctx->xsave = false;
    return 0;
}

static bool canonical(uint64_t a)
{
    return a < (1ULL << 47);
}

/* Write @regs into the frame the stub will sigreturn through. Returns 0 or -EINVAL when the
 * registers cannot be loaded (a non-canonical base). */
static int write_frame(struct plat_context *ctx, const struct linux_regs *r)
{
    if (!canonical(r->fs_base) || !canonical(r->gs_base))
        return -EINVAL;
    struct st_ucontext uc = ctx->uc;
    struct st_sigcontext *m = &uc.mc;
    m->r8 = r->r8, m->r9 = r->r9, m->r10 = r->r10, m->r11 = r->r11;
    m->r12 = r->r12, m->r13 = r->r13, m->r14 = r->r14, m->r15 = r->r15;
    m->rdi = r->rdi, m->rsi = r->rsi, m->rbp = r->rbp, m->rbx = r->rbx;
    m->rdx = r->rdx, m->rax = r->rax, m->rcx = r->rcx, m->rsp = r->rsp;
    m->rip = r->rip, m->eflags = r->eflags;
    m->cs = 0x33, m->ss = 0x2b, m->gs = 0, m->fs = 0;
    m->fpstate = ctx->stub_area + ctx->fp_off;
    uc.uc_link = 0;
    uc.sigmask = 0; /* the stub thread's host mask: nothing blocked */
    memcpy(ctx->area + ctx->uc_off, &uc, sizeof(uc));
    *u64_at(ctx->area, AC_FS_BASE) = r->fs_base;
    /* With patching, GS leads the patched path to this area while the app has no GS. */
    ctx->app_gs = r->gs_base;
    *u64_at(ctx->area, AC_GS_BASE) =
        r->gs_base || !g_systrap_patching ? r->gs_base : ctx->stub_area;
    return 0;
}

static void regs_from_frame(const struct plat_context *ctx, struct linux_regs *r)
{
    const struct st_sigcontext *m = &ctx->uc.mc;
    r->r8 = m->r8, r->r9 = m->r9, r->r10 = m->r10, r->r11 = m->r11;
    r->r12 = m->r12, r->r13 = m->r13, r->r14 = m->r14, r->r15 = m->r15;
    r->rdi = m->rdi, r->rsi = m->rsi, r->rbp = m->rbp, r->rbx = m->rbx;
    r->rdx = m->rdx, r->rax = m->rax, r->rcx = m->rcx, r->rsp = m->rsp;
    r->rip = m->rip, r->eflags = m->eflags;
    r->orig_rax = (uint64_t)-1;
    r->cs = 0x33, r->ss = 0x2b, r->ds = r->es = r->fs = r->gs = 0;
    r->fs_base = *u64_at((char *)ctx->area, AC_FS_BASE);
    r->gs_base = *u64_at((char *)ctx->area, AC_GS_BASE);
    if (r->gs_base == ctx->stub_area)
        r->gs_base = ctx->app_gs;
}

/* The registers of a patched-site entry, saved by the stub in AC_REGS: a syscall. */
static void regs_from_patched(struct plat_context *ctx, struct linux_regs *r)
{
    memcpy(r, (const void *)(ctx->area + AC_REGS), sizeof(*r));
    r->orig_rax = r->rax;
    r->cs = 0x33, r->ss = 0x2b, r->ds = r->es = r->fs = r->gs = 0;
    r->fs_base = *u64_at(ctx->area, AC_FS_BASE);
    r->gs_base = ctx->app_gs;
    ctx->trap_regs = *r;
}

/* After a patched entry, may the stub go back to app code by itself? Only when the Sentry
 * changed nothing but the result (rcx and r11 are the syscall's, as the stub reloads them). */
static bool fast_return(const struct plat_context *ctx, const struct linux_regs *r)
{
    struct linux_regs a = ctx->trap_regs, b = *r;
    a.rax = b.rax = 0;
    a.orig_rax = b.orig_rax = 0;
    return memcmp(&a, &b, sizeof(a)) == 0 && b.rcx == b.rip && b.r11 == b.eflags;
}

static bool trap_signal(int sig)
{
    return sig == SIGSYS || sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
           sig == SIGTRAP || sig == ST_INTERRUPT_SIGNAL;
}

#define SYS_SECCOMP_CODE 1
#define SYS_USER_DISPATCH_CODE 2
#define AUDIT_ARCH_X86_64_VAL 0xc000003eU

static enum plat_switch classify(struct plat_context *ctx, const struct st_siginfo *si,
                                 struct linux_regs *regs, struct plat_switch_info *info)
{
    memset(info, 0, sizeof(*info));
    int sig = si->signo;
    if (sig == ST_INTERRUPT_SIGNAL)
        return SWITCH_INTERRUPT;
    if (sig == SIGSYS && (si->code == SYS_SECCOMP_CODE || si->code == SYS_USER_DISPATCH_CODE)) {
        if (si->sys.arch != AUDIT_ARCH_X86_64_VAL) {
            /* COMPAT: int $0x80 from 64-bit code is not served (ptrace: 64-bit numbers). */
            info->signo = SIGSYS;
            info->code = SYS_SECCOMP_CODE;
            info->addr = regs->rip;
            return SWITCH_SIGNAL;
        }
        regs->orig_rax = (uint64_t)(uint32_t)si->sys.syscall;
        return SWITCH_SYSCALL;
    }
    info->signo = sig;
    info->code = si->code;
    info->addr = si->addr;
    if (sig == SIGSEGV && (si->code == SEGV_MAPERR || si->code == SEGV_ACCERR)) {
        info->write = (ctx->uc.mc.err & 2) != 0;
        info->exec = (ctx->uc.mc.err & 16) != 0;
        return SWITCH_FAULT;
    }
    if (si->code <= 0) /* sent by someone: only an interrupt */
        return SWITCH_INTERRUPT;
    return SWITCH_SIGNAL;
}

/* A trap has been published: read it (a patched entry or a signal frame). */
static enum plat_switch take_trap(struct plat_context *ctx, struct linux_regs *regs,
                                  struct plat_switch_info *info)
{
    uint32_t kind = __atomic_load_n(u32_at(ctx->area, AC_KIND), __ATOMIC_RELAXED);
    ctx->patched = kind == ENTRY_PATCHED && g_systrap_patching;
    if (ctx->patched) {
        memset(info, 0, sizeof(*info));
        regs_from_patched(ctx, regs);
        return SWITCH_SYSCALL;
    }
    struct st_siginfo si;
    if (read_trap(ctx, &si) < 0 || !trap_signal(si.signo)) {
        log_warn("systrap: stub thread %d: garbage in its area: killed", ctx->tid);
        kill_stub(ctx);
        return SWITCH_DEAD;
    }
    regs_from_frame(ctx, regs);
    if (si.signo == SIGILL && regs->rip == g_st.region + st_code_off(cv_st_fallback_site)) {
        /* A patched site while the app has a GS base of its own: the call, by signal. */
        memset(info, 0, sizeof(*info));
        regs->rip = regs->rcx;
        regs->orig_rax = regs->rax;
        return SWITCH_SYSCALL;
    }
    return classify(ctx, &si, regs, info);
}

/* After a patched entry the thread has no signal frame: have it trap at cv_st_full_site
 * (registers unchanged, FP state live) so that the Sentry can rewrite everything. Returns 0,
 * or -ESRCH when the stub is dead or sent garbage. */
static int materialize(struct plat_context *ctx)
{
    if (!ctx->patched)
        return 0;
    *u32_at(ctx->area, AC_REPLY) = REPLY_FULL;
    resume(ctx);
    struct st_siginfo si;
    if (wait_trap(ctx, 0) < 0)
        return -ESRCH;
    ctx->patched = false;
    uint32_t kind = __atomic_load_n(u32_at(ctx->area, AC_KIND), __ATOMIC_RELAXED);
    int bad = kind != ENTRY_SIGNAL ? 1 : read_trap(ctx, &si) < 0 ? 2 : 0;
    if (!bad &&
        (si.signo != SIGILL || ctx->uc.mc.rip != g_st.region + st_code_off(cv_st_full_site)))
        bad = 3;
    if (bad) {
        log_warn(
            "systrap: stub thread %d: garbage in its area (%d: kind %u signo %d rip %#llx): killed",
            ctx->tid, bad, kind, bad > 1 ? si.signo : 0,
            bad > 2 ? (unsigned long long)ctx->uc.mc.rip : 0ULL);
        kill_stub(ctx);
        return -ESRCH;
    }
    return 0;
}

static int systrap_context_new(struct plat_as *as, long token, struct plat_context **out)
{
    if (token < 0 || token >= ST_MAX_THREADS)
        return -EINVAL;
    struct plat_context *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -ENOMEM;
    ctx->as = as;
    ctx->slot = (int)token;
    pthread_mutex_lock(&as->lock);
    ctx->tid = as->slot_tid[ctx->slot];
    pthread_mutex_unlock(&as->lock);
    ctx->cpu = -1;
    ctx->area = area_view(as, ctx->slot);
    ctx->stub_area = area_stub(ctx->slot);
    __atomic_add_fetch(&as->refs, 1, __ATOMIC_RELAXED);
    /* The new thread reports from the ud2 at cv_st_ready once it is confined. */
    struct st_siginfo si;
    int err = wait_trap(ctx, 0);
    if (err == 0)
        err = read_trap(ctx, &si);
    if (err == 0 &&
        (si.signo != SIGILL || ctx->uc.mc.rip != g_st.region + st_code_off(cv_st_ready)))
        err = -EIO;
    if (err < 0) {
        log_warn("systrap: stub thread %d did not start: %d", ctx->tid, err);
        kill_stub(ctx);
        pthread_mutex_lock(&as->lock);
        as->slot_used[ctx->slot] = false;
        pthread_mutex_unlock(&as->lock);
        systrap_as_release(as);
        free(ctx);
        return -EAGAIN;
    }
    /* A new thread starts with the FP state of a fresh process (not the template's). */
    struct linux_fpstate init = {.cwd = 0x37f, .mxcsr = 0x1f80};
    char *fp = ctx->area + ctx->fp_off;
    memcpy(fp, &init, SW_RESERVED_OFF);
    if (ctx->xsave)
        memset(fp + FXSAVE_SIZE, 0, 8); /* XSTATE_BV: every component in its initial state */
    *out = ctx;
    return 0;
}

static void systrap_context_release(struct plat_context *ctx)
{
    if (!ctx)
        return;
    struct plat_as *as = ctx->as;
    if (!ctx->dead) {
        volatile uint32_t *state = u32_at(ctx->area, AC_STATE);
        __atomic_store_n(state, ST_EXIT, __ATOMIC_SEQ_CST);
        futex((void *)state, FUTEX_WAKE, 1, NULL);
    }
    pthread_mutex_lock(&as->lock);
    as->slot_used[ctx->slot] = false;
    pthread_mutex_unlock(&as->lock);
    systrap_as_release(as);
    free(ctx);
}

static void systrap_thread_idle(void)
{
    plat_cpu_idle();
}

static uint64_t avg_add(uint64_t avg, uint64_t v)
{
    return avg - avg / 8 + v / 8;
}

/* The spin budgets of the next hand-off, on the Sentry's side (*@sentry) and the stub's
 * (*@stub), from what the last ones cost. */
static void spin_plan(struct plat_context *ctx, uint64_t *sentry, uint64_t *stub)
{
    *sentry = *stub = 0;
    if (g_pol.policy == POLICY_SLEEP)
        return;
    if (g_pol.policy == POLICY_SPIN) {
        ctx->spin_mode = true;
        *sentry = *stub = g_pol.spin_ns;
        return;
    }
    if (ctx->backoff) {
        if (--ctx->backoff == 0)
            ctx->handoffs = WINDOW; /* decide again now */
        return;
    }
    /* The mode (and with it the placement) changes only at the end of a window, so that a
     * workload near the budget does not move the stub thread at every hand-off. */
    if (++ctx->handoffs >= WINDOW) {
        if (ctx->spun && ctx->missed >= MISS_LIMIT)
            ctx->backoff = BACKOFF;
        ctx->spin_mode = !ctx->backoff &&
                         (ctx->avg_app_ns < g_pol.spin_ns || ctx->avg_sentry_ns < g_pol.spin_ns);
        ctx->handoffs = ctx->spun = ctx->missed = 0;
    }
    if (!ctx->spin_mode)
        return;
    if (ctx->avg_app_ns < g_pol.spin_ns)
        *sentry = g_pol.spin_ns;
    if (ctx->avg_sentry_ns < g_pol.spin_ns)
        *stub = g_pol.spin_ns;
    if (*sentry || *stub)
        ctx->spun++;
}

/* Placement: while neither side spins, the stub thread sleeps on its Sentry thread's CPU (a
 * same-CPU wake-up needs no IPI); while they spin, they must be on different CPUs, so the
 * stub thread is let free. */
static void place(struct plat_context *ctx, bool spinning)
{
    if (!spinning) {
        plat_cpu_bind(ctx->tid, &ctx->cpu);
        return;
    }
    plat_cpu_idle();
    if (ctx->cpu >= 0 && plat_cpu_unbind(ctx->tid) == 0)
        ctx->cpu = -1;
}

static enum plat_switch systrap_run(struct plat_context *ctx, struct linux_regs *regs,
                                    struct plat_switch_info *info)
{
    if (ctx->dead || ctx->as->dead)
        return SWITCH_DEAD;
    calibrate_maybe();
    uint64_t t_resume = now_ns();
    if (ctx->t_trap) {
        ctx->avg_sentry_ns = avg_add(ctx->avg_sentry_ns, t_resume - ctx->t_trap);
        /* The stub gave up its spin before we answered: a miss. */
        if (ctx->stub_spun && __atomic_load_n(u32_at(ctx->area, AC_STUB_WAITING), __ATOMIC_RELAXED))
            ctx->missed++;
    }
    uint64_t spin, stub_spin;
    spin_plan(ctx, &spin, &stub_spin);
    place(ctx, ctx->spin_mode && !ctx->backoff);
    ctx->stub_spun = stub_spin != 0;
    if (ctx->patched && fast_return(ctx, regs)) {
        *u64_at(ctx->area, AC_REGS + R_RAX) = regs->rax;
        *u32_at(ctx->area, AC_REPLY) = REPLY_FAST;
    } else {
        if (materialize(ctx) < 0)
            goto dead;
        if (write_frame(ctx, regs) < 0)
            goto dead;
    }
    *u64_at(ctx->area, AC_SPIN) = stub_spin * g_pol.tsc_per_us / 1000;
    resume(ctx);
    if (wait_trap(ctx, spin) < 0)
        goto dead;
    ctx->t_trap = now_ns();
    ctx->avg_app_ns = avg_add(ctx->avg_app_ns, ctx->t_trap - t_resume);
    __atomic_store_n(&ctx->interrupt_ns, 0, __ATOMIC_RELAXED);
    return take_trap(ctx, regs, info);
dead:
    ctx->dead = true;
    return SWITCH_DEAD;
}

/* The XSAVE header of an image: XSTATE_BV, then XCOMP_BV and reserved bytes. */
#define XSTATE_BV_OFF FXSAVE_SIZE
#define XSTATE_BV_X87_SSE 3ULL

/*
 * The FPU state of the last trap, in the host's format (plat_xstate_format): the frame's own
 * image when the kernel saved the XSAVE state there, which is the XSAVE standard format of the
 * user components in XCR0, CPUID leaf 0xd's size (read_trap checked the frame's
 * software-reserved words say so); else its FXSAVE area, with the x87 and SSE components
 * marked present and the others in their initial state. The app may be changing the frame
 * meanwhile: the copy is what the Sentry validates, as any image it gets.
 */
static int systrap_get_fpstate(struct plat_context *ctx, struct linux_fpstate *fp)
{
    if (materialize(ctx) < 0)
        return -ESRCH;
    const char *src = ctx->area + ctx->fp_off;
    uint32_t size = plat_xstate_size();
    if (!plat_xstate_features()) {
        memcpy(fp, src, FXSAVE_SIZE);
        return 0;
    }
    if (ctx->xsave) {
        memcpy(fp, src, size);
        return 0;
    }
    char *dst = (char *)fp;
    memcpy(dst, src, FXSAVE_SIZE);
    memset(dst + FXSAVE_SIZE, 0, size - FXSAVE_SIZE);
    uint64_t bv = XSTATE_BV_X87_SSE;
    memcpy(dst + XSTATE_BV_OFF, &bv, sizeof(bv));
    return 0;
}

/*
 * The Sentry's image (the host's format) into the frame the stub returns through. The frame's
 * software-reserved words (its magic and sizes) and the magic word after the image stay the
 * kernel's, so rt_sigreturn restores the whole image; MXCSR keeps to the bits this CPU
 * accepts; the XSAVE header is made one XRSTOR takes (XSTATE_BV within XCR0, the standard
 * format, reserved bytes zero), whatever the image said. A frame without XSAVE state gets the
 * FXSAVE part.
 */
static int systrap_set_fpstate(struct plat_context *ctx, const struct linux_fpstate *fp)
{
    if (materialize(ctx) < 0)
        return -ESRCH;
    char *dst = ctx->area + ctx->fp_off;
    struct linux_fpstate v;
    memcpy(&v, fp, sizeof(v));
    v.mxcsr &= g_st.mxcsr_mask;
    memcpy(dst, &v, SW_RESERVED_OFF);
    if (!ctx->xsave)
        return 0;
    uint32_t size = plat_xstate_size();
    uint64_t features = plat_xstate_features();
    if (!features) { /* cannot be: the frame had XSAVE state, so the host has XSAVE */
        uint64_t bv = XSTATE_BV_X87_SSE;
        memcpy(dst + XSTATE_BV_OFF, &bv, sizeof(bv));
        return 0;
    }
    const char *img = (const char *)fp;
    uint64_t bv;
    memcpy(&bv, img + XSTATE_BV_OFF, sizeof(bv));
    bv &= features;
    memcpy(dst + XSTATE_BV_OFF, &bv, sizeof(bv));
    memset(dst + XSTATE_BV_OFF + 8, 0, XSAVE_HDR_SIZE - 8);
    memcpy(dst + FXSAVE_SIZE + XSAVE_HDR_SIZE, img + FXSAVE_SIZE + XSAVE_HDR_SIZE,
           size - FXSAVE_SIZE - XSAVE_HDR_SIZE);
    return 0;
}

static void systrap_interrupt(struct plat_context *ctx)
{
    uint64_t zero = 0, now = now_ns();
    __atomic_compare_exchange_n(&ctx->interrupt_ns, &zero, now, false, __ATOMIC_RELAXED,
                                __ATOMIC_RELAXED);
    syscall(SYS_tgkill, ctx->as->pid, ctx->tid, ST_INTERRUPT_SIGNAL);
}

static uint64_t systrap_patch_entry(void)
{
    return g_systrap_patching ? g_st.region + st_code_off(cv_st_patched) : 0;
}

const struct platform_ops g_platform_systrap = {
    .name = "systrap",
    .init = systrap_init,
    .as_new = systrap_as_new,
    .as_release = systrap_as_release,
    .thread_prepare = systrap_thread_prepare,
    .context_new = systrap_context_new,
    .context_release = systrap_context_release,
    .run = systrap_run,
    .get_fpstate = systrap_get_fpstate,
    .set_fpstate = systrap_set_fpstate,
    .fpstate_format = plat_xstate_format,
    .interrupt = systrap_interrupt,
    .map = systrap_map,
    .unmap = systrap_unmap,
    .protect = systrap_protect,
    .reserved = systrap_reserved,
    .as_cpu_ns = systrap_as_cpu_ns,
    .thread_idle = systrap_thread_idle,
    .patch_entry = systrap_patch_entry,
};
