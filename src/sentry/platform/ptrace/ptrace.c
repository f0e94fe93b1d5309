// SPDX-License-Identifier: Apache-2.0
/*
 * The ptrace platform (DESIGN.md 1). Each address space is a stub process; each app thread
 * is a stub thread traced by the Sentry host thread that runs the task, with PTRACE_SYSEMU
 * so that syscalls stop before they run. Memory operations are syscalls injected into the
 * stub thread through a gadget in the stub page. Faults and host-raised signals arrive as
 * signal-delivery-stops and are never delivered to the stub.
 */
#include <elf.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "sentry/platform/cpu.h"
#include "sentry/platform/platform.h"
#include "sentry/platform/xstate.h"

/* Where the stub page lives in every stub (and in the Sentry, which keeps the original). */
static const uint64_t stub_addr_candidates[] = {0x7e0000000000ULL, 0x7d0000000000ULL,
                                                0x6e0000000000ULL};
#define STUB_SIZE 0x1000ULL

extern const char cv_stub_code_start[], cv_stub_code_end[];
extern const char cv_stub_syscall[], cv_stub_clone[], cv_stub_idle[], cv_stub_filter[];
long cv_stub_spawn(uint64_t entry, int memfd);

static uint64_t g_stub_addr;
static uint64_t g_gadget_syscall; /* stub address of "syscall; int3" */
static uint64_t g_gadget_clone;
static uint64_t g_gadget_idle; /* the stub's idle loop */
static int g_memfd = -1;

/* Interrupts reach a running stub thread as this signal, which the tracer suppresses. Its
 * default action is to be ignored, so one that reaches an untraced (parked) stub thread
 * does nothing. */
#define INTERRUPT_SIGNAL SIGURG

struct plat_as {
    pid_t pid; /* the stub process */
    int refs;
    bool leader_taken; /* the first thread has been adopted by a context */
};

struct plat_context {
    struct plat_as *as;
    pid_t tid; /* the traced stub thread */
    bool dead;
    int cpu; /* the CPU the stub thread is bound to (-1: none) */
};

/* ---- the spawner thread: parent of every stub process --------------------------------- */

/*
 * Stub processes are children of one long-lived Sentry thread, so that PR_SET_PDEATHSIG
 * (which follows the parent *thread*) kills them only when the Sentry itself dies.
 */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int want;     /* spawn requests */
    pid_t result; /* last spawned pid or -errno */
    bool done;
    pid_t reap[256]; /* stubs to reap */
    int nreap;
} g_spawner = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static pid_t spawn_stub_now(void)
{
    long pid = cv_stub_spawn(g_stub_addr, g_memfd);
    if (pid < 0)
        return (pid_t)pid;
    int status;
    /* The stub stops itself once it has shed the Sentry's mappings and descriptors. */
    if (waitpid((pid_t)pid, &status, WUNTRACED | __WALL) < 0) {
        int err = errno;
        kill((pid_t)pid, SIGKILL);
        return -err;
    }
    if (!WIFSTOPPED(status)) {
        log_error("stub %ld did not start (status %#x)", pid, status);
        return -ECHILD;
    }
    kill((pid_t)pid, SIGCONT);
    return (pid_t)pid;
}

/* Stubs inherit the spawner's rseq registration, whose memory they unmap; the kernel would
 * then kill them on their first preemption. The spawner thread gives its registration up. */
static void drop_rseq(void)
{
    if (__rseq_size == 0)
        return;
    void *area = (char *)__builtin_thread_pointer() + __rseq_offset;
    const unsigned lens[] = {32, __rseq_size};
    for (size_t i = 0; i < 2; i++)
        if (syscall(SYS_rseq, area, lens[i], RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0)
            return;
    log_warn("cannot unregister rseq: %s", strerror(errno));
}

static void *spawner_main(void *arg)
{
    (void)arg;
    drop_rseq();
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&g_spawner.lock);
    for (;;) {
        while (!g_spawner.want && !g_spawner.nreap)
            pthread_cond_wait(&g_spawner.cond, &g_spawner.lock);
        if (g_spawner.want) {
            pthread_mutex_unlock(&g_spawner.lock);
            pid_t pid = spawn_stub_now();
            pthread_mutex_lock(&g_spawner.lock);
            g_spawner.result = pid;
            g_spawner.want = 0;
            g_spawner.done = true;
            pthread_cond_broadcast(&g_spawner.cond);
        }
        while (g_spawner.nreap) {
            pid_t pid = g_spawner.reap[--g_spawner.nreap];
            pthread_mutex_unlock(&g_spawner.lock);
            while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
                ;
            pthread_mutex_lock(&g_spawner.lock);
        }
    }
    return NULL;
}

static pid_t request_stub(void)
{
    pthread_mutex_lock(&g_spawner.lock);
    while (g_spawner.want || g_spawner.done)
        pthread_cond_wait(&g_spawner.cond, &g_spawner.lock);
    g_spawner.want = 1;
    pthread_cond_broadcast(&g_spawner.cond);
    while (!g_spawner.done)
        pthread_cond_wait(&g_spawner.cond, &g_spawner.lock);
    pid_t pid = g_spawner.result;
    g_spawner.done = false;
    pthread_cond_broadcast(&g_spawner.cond);
    pthread_mutex_unlock(&g_spawner.lock);
    return pid;
}

static void queue_reap(pid_t pid)
{
    pthread_mutex_lock(&g_spawner.lock);
    if (g_spawner.nreap < (int)(sizeof(g_spawner.reap) / sizeof(g_spawner.reap[0])))
        g_spawner.reap[g_spawner.nreap++] = pid;
    pthread_cond_broadcast(&g_spawner.cond);
    pthread_mutex_unlock(&g_spawner.lock);
}

/* ---- the stubs' seccomp filter --------------------------------------------------------- */

/* The clone flags of an injected app thread (ptrace_thread_prepare). */
#define STUB_THREAD_CLONE_FLAGS                                                                    \
    (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)
#define STUB_FILTER_MAX 32
/* The legacy vsyscall page (Linux's VSYSCALL_ADDR), the only address in the upper half from
 * which user code can make a (host-emulated) system call. */
#define VSYSCALL_ADDR 0xffffffffff600000ULL
#define VSYSCALL_END (VSYSCALL_ADDR + 0x1000)
#define SIGSYS_SECCOMP 1 /* si_code of a seccomp SECCOMP_RET_TRAP (SYS_SECCOMP) */
#define SD_OFF(field) ((uint32_t)offsetof(struct seccomp_data, field))

/*
 * Write the stub's seccomp program into the stub page at @dst (cv_stub_filter: a struct
 * sock_fprog, then the instructions). Allowed, and only from a syscall instruction inside the
 * stub page [@lo, @lo + STUB_SIZE): what the platform injects (mmap, munmap, mprotect, clone
 * of a thread, exit), the idle loop's pause, and the getpid+kill of the start-up stop.
 * Everything else kills the stub. The app's own syscalls never get here: PTRACE_SYSEMU skips
 * them before seccomp runs. Except one kind: a call into the legacy vsyscall page, which the
 * host kernel emulates without a ptrace stop but with a seccomp check (ip in that page, above
 * any user address). Those trap (SIGSYS), and classify_signal() hands them to the Sentry.
 */
static void stub_filter_fill(void *dst, uint64_t lo)
{
    static const int allowed[] = {SYS_mmap,  SYS_munmap, SYS_mprotect, SYS_exit,
                                  SYS_pause, SYS_getpid, SYS_kill};
    enum { N_ALLOWED = sizeof(allowed) / sizeof(allowed[0]) };
    struct sock_filter f[STUB_FILTER_MAX];
    unsigned n = 0;
    /* Instruction indexes of the three returns, placed last. */
    const unsigned kill = 9 + N_ALLOWED + 5, allow = kill + 1, trap = kill + 2;
#define J(i) ((uint8_t)((i) - (n + 1))) /* jump offset to instruction @i from here */
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_OFF(arch));
    f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, J(kill));
    n++;
    f[n++] =
        (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_OFF(instruction_pointer) + 4);
    f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, VSYSCALL_ADDR >> 32, J(trap), 0);
    n++;
    f[n] =
        (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(lo >> 32), 0, J(kill));
    n++;
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_OFF(instruction_pointer));
    f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)lo, 0, J(kill));
    n++;
    f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)(lo + STUB_SIZE),
                                        J(kill), 0);
    n++;
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_OFF(nr));
    for (unsigned i = 0; i < N_ALLOWED; i++) {
        f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)allowed[i],
                                            J(allow), 0);
        n++;
    }
    /* clone: only with the flags of an app thread. */
    f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, J(kill));
    n++;
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_OFF(args[0]) + 4);
    f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, J(kill));
    n++;
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_OFF(args[0]));
    f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, STUB_THREAD_CLONE_FLAGS,
                                        J(allow), J(kill));
    n++;
#undef J
    CV_BUG_ON(n != kill);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
    CV_BUG_ON(n > STUB_FILTER_MAX);

    /* @dst is at this offset in the stub page, which the stub sees at @lo. */
    uint64_t off = (uint64_t)(cv_stub_filter - cv_stub_code_start);
    memcpy((char *)dst + 16, f, n * sizeof(f[0]));
    struct sock_fprog prog = {.len = (unsigned short)n,
                              .filter = (struct sock_filter *)(uintptr_t)(lo + off + 16)};
    memcpy(dst, &prog, sizeof(prog));
}

/* ---- init ----------------------------------------------------------------------------- */

static int ptrace_init(int memfd)
{
    size_t size = (size_t)(cv_stub_code_end - cv_stub_code_start);
    if (size > STUB_SIZE)
        return -E2BIG;
    void *page = MAP_FAILED;
    for (size_t i = 0; i < sizeof(stub_addr_candidates) / sizeof(stub_addr_candidates[0]); i++) {
        page = mmap((void *)stub_addr_candidates[i], STUB_SIZE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (page != MAP_FAILED)
            break;
    }
    if (page == MAP_FAILED)
        return -errno;
    memcpy(page, cv_stub_code_start, size);
    stub_filter_fill((char *)page + (cv_stub_filter - cv_stub_code_start), (uint64_t)page);
    if (mprotect(page, STUB_SIZE, PROT_READ | PROT_EXEC) < 0)
        return -errno;
    g_stub_addr = (uint64_t)page;
    g_gadget_syscall = g_stub_addr + (uint64_t)(cv_stub_syscall - cv_stub_code_start);
    g_gadget_clone = g_stub_addr + (uint64_t)(cv_stub_clone - cv_stub_code_start);
    g_gadget_idle = g_stub_addr + (uint64_t)(cv_stub_idle - cv_stub_code_start);
    g_memfd = memfd;
    int err = plat_cpu_init();
    if (err < 0)
        return err;
    plat_xstate_detect();

    pthread_t th;
    err = pthread_create(&th, NULL, spawner_main, NULL);
    if (err)
        return -err;
    pthread_detach(th);
    return 0;
}

static void ptrace_reserved(gaddr_t *start, gaddr_t *end)
{
    *start = g_stub_addr;
    *end = g_stub_addr + STUB_SIZE;
}

/* ---- address spaces ------------------------------------------------------------------- */

static int ptrace_as_new(struct plat_as **out)
{
    struct plat_as *as = calloc(1, sizeof(*as));
    if (!as)
        return -ENOMEM;
    pid_t pid = request_stub();
    if (pid < 0) {
        free(as);
        return pid;
    }
    as->pid = pid;
    as->refs = 1;
    *out = as;
    return 0;
}

static uint64_t ptrace_as_cpu_ns(struct plat_as *as)
{
    /* The process CPU clock of another process: ((~pid) << 3) | CPUCLOCK_SCHED. */
    clockid_t clk = (clockid_t)((~(unsigned)as->pid << 3) | 2);
    struct timespec ts;
    if (clock_gettime(clk, &ts) < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void ptrace_as_release(struct plat_as *as)
{
    CV_BUG_ON(as && as->refs <= 0);
    if (!as || --as->refs > 0)
        return;
    kill(as->pid, SIGKILL);
    queue_reap(as->pid);
    free(as);
}

/* ---- tracing primitives --------------------------------------------------------------- */

static int wait_stop(pid_t tid, int *status)
{
    for (;;) {
        pid_t r = waitpid(tid, status, __WALL);
        if (r == tid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -errno;
    }
}

static void to_user_regs(const struct linux_regs *r, struct user_regs_struct *u)
{
    _Static_assert(sizeof(*r) == sizeof(*u), "register layouts agree");
    memcpy(u, r, sizeof(*u));
}

/* Seize @tid, stop it, and leave it in a ptrace-stop. */
static int attach_thread(pid_t tid)
{
    if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD) < 0)
        return -errno;
    if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0)
        return -errno;
    for (;;) {
        int status;
        int err = wait_stop(tid, &status);
        if (err < 0)
            return err;
        if (!WIFSTOPPED(status))
            return -ESRCH;
        if ((status >> 16) == PTRACE_EVENT_STOP)
            return 0;
        /* A signal (the spawner's SIGCONT) got there first: drop it, the interrupt follows. */
        if (ptrace(PTRACE_CONT, tid, 0, 0) < 0)
            return -errno;
    }
}

/* Run one syscall in the stopped stub thread @tid via the gadget at @gadget. Returns the
 * syscall's result (raw, -errno style), or a negative error of ptrace itself. */
static long inject(struct plat_context *ctx, uint64_t gadget, long nr, uint64_t a0, uint64_t a1,
                   uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct user_regs_struct u;
    if (ptrace(PTRACE_GETREGS, ctx->tid, 0, &u) < 0)
        return -errno;
    u.rip = gadget;
    u.rax = (uint64_t)nr;
    u.orig_rax = (uint64_t)-1;
    u.rdi = a0;
    u.rsi = a1;
    u.rdx = a2;
    u.r10 = a3;
    u.r8 = a4;
    u.r9 = a5;
    if (ptrace(PTRACE_SETREGS, ctx->tid, 0, &u) < 0)
        return -errno;
    if (ptrace(PTRACE_CONT, ctx->tid, 0, 0) < 0)
        return -errno;
    for (;;) {
        int status;
        int err = wait_stop(ctx->tid, &status);
        if (err < 0)
            return err;
        if (!WIFSTOPPED(status)) {
            ctx->dead = true;
            return -ESRCH;
        }
        if (WSTOPSIG(status) == SIGTRAP && (status >> 16) == 0)
            break;
        /* An interrupt or other signal: suppress it and let the syscall finish. */
        if (ptrace(PTRACE_CONT, ctx->tid, 0, 0) < 0)
            return -errno;
    }
    if (ptrace(PTRACE_GETREGS, ctx->tid, 0, &u) < 0)
        return -errno;
    return (long)u.rax;
}

/* ---- contexts ------------------------------------------------------------------------- */

static int ptrace_thread_prepare(struct plat_as *as, struct plat_context *parent, long *token)
{
    if (!parent) {
        /* The stub process's first thread, if nobody took it yet. */
        if (as->leader_taken)
            return -EINVAL;
        as->leader_taken = true;
        *token = as->pid;
        return 0;
    }
    if (parent->as != as)
        return -EINVAL;
    const uint64_t flags =
        CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
    long tid = inject(parent, g_gadget_clone, SYS_clone, flags, 0, 0, 0, 0, 0);
    if (tid < 0)
        return (int)tid;
    *token = tid;
    return 0;
}

static int ptrace_context_new(struct plat_as *as, long token, struct plat_context **out)
{
    struct plat_context *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -ENOMEM;
    ctx->as = as;
    ctx->tid = (pid_t)token;
    ctx->cpu = -1;
    int err = attach_thread(ctx->tid);
    if (err < 0) {
        log_warn("attach stub thread %d: %s", ctx->tid, strerror(-err));
        free(ctx);
        return err;
    }
    as->refs++;
    *out = ctx;
    return 0;
}

/* Make the stopped stub thread @tid exit and reap it, so that it is off our list of tracees
 * before the tracing host thread exits: PTRACE_O_EXITKILL would otherwise send SIGKILL to
 * it, and SIGKILL takes its whole thread group, the other app threads included. */
static void exit_stub_thread(pid_t tid)
{
    struct user_regs_struct u;
    if (ptrace(PTRACE_GETREGS, tid, 0, &u) < 0)
        return;
    u.rip = g_gadget_syscall;
    u.rax = SYS_exit;
    u.orig_rax = (uint64_t)-1;
    u.rdi = 0;
    if (ptrace(PTRACE_SETREGS, tid, 0, &u) < 0 || ptrace(PTRACE_CONT, tid, 0, 0) < 0)
        return;
    for (;;) {
        int status;
        if (wait_stop(tid, &status) < 0 || !WIFSTOPPED(status))
            return;                     /* exited (or gone): reaped */
        ptrace(PTRACE_CONT, tid, 0, 0); /* a late interrupt: drop it */
    }
}

/* The first thread of a stub process cannot be reaped while others live (Linux delays the
 * group leader), so it is parked in the idle loop and detached instead. */
static void park_stub_thread(pid_t tid)
{
    struct user_regs_struct u;
    if (ptrace(PTRACE_GETREGS, tid, 0, &u) < 0)
        return;
    u.rip = g_gadget_idle;
    u.orig_rax = (uint64_t)-1;
    if (ptrace(PTRACE_SETREGS, tid, 0, &u) == 0)
        ptrace(PTRACE_DETACH, tid, 0, 0);
}

static void ptrace_context_release(struct plat_context *ctx)
{
    if (!ctx)
        return;
    if (!ctx->dead) {
        /* Only this thread of the stub leaves; the address space lives on for the others. */
        if (ctx->tid == ctx->as->pid)
            park_stub_thread(ctx->tid);
        else
            exit_stub_thread(ctx->tid);
    }
    ptrace_as_release(ctx->as);
    free(ctx);
}

/*
 * A call into the vsyscall page (gettimeofday, time or getcpu of old static binaries) trapped
 * by the stub's filter (@si). The host kernel has already emulated the page's `ret` (rip is
 * the caller's, rsp popped), so what is left is a system call whose number the host decoded
 * from the entry: report it as one, with the arguments where the call left them. Returns
 * false for any other seccomp trap.
 */
static bool vsyscall_trap(const siginfo_t *si, struct linux_regs *regs)
{
    uint64_t addr = (uint64_t)(uintptr_t)si->si_call_addr;
    if (addr < VSYSCALL_ADDR || addr >= VSYSCALL_END)
        return false;
    /* COMPAT: a bad pointer gives the call EFAULT; Linux sends SIGSEGV instead. */
    regs->orig_rax = (uint64_t)(unsigned)si->si_syscall;
    regs->rax = regs->orig_rax;
    return true;
}

static enum plat_switch classify_signal(struct plat_context *ctx, int sig, struct linux_regs *regs,
                                        struct plat_switch_info *info)
{
    siginfo_t si;
    memset(info, 0, sizeof(*info));
    if (ptrace(PTRACE_GETSIGINFO, ctx->tid, 0, &si) < 0)
        return SWITCH_INTERRUPT;
    if (sig == INTERRUPT_SIGNAL && si.si_code <= 0)
        return SWITCH_INTERRUPT;
    if (sig == SIGSYS && si.si_code == SIGSYS_SECCOMP && vsyscall_trap(&si, regs))
        return SWITCH_SYSCALL;
    info->signo = sig;
    info->code = si.si_code;
    info->addr = (gaddr_t)(uintptr_t)si.si_addr;
    if (sig == SIGSEGV && (si.si_code == SEGV_MAPERR || si.si_code == SEGV_ACCERR))
        return SWITCH_FAULT;
    if (si.si_code <= 0) /* sent by someone (only the Sentry can): treat as an interrupt */
        return SWITCH_INTERRUPT;
    return SWITCH_SIGNAL;
}

/* CPU placement: the tracer pins itself and its stub thread follows (cpu.c). */
static void bind_pair(struct plat_context *ctx)
{
    plat_cpu_bind(ctx->tid, &ctx->cpu);
}

static void ptrace_thread_idle(void)
{
    plat_cpu_idle();
}

static enum plat_switch ptrace_run(struct plat_context *ctx, struct linux_regs *regs,
                                   struct plat_switch_info *info)
{
    struct user_regs_struct u;
    if (ctx->dead)
        return SWITCH_DEAD;
    bind_pair(ctx);
    to_user_regs(regs, &u);
    if (ptrace(PTRACE_SETREGS, ctx->tid, 0, &u) < 0)
        goto dead;
    if (ptrace(PTRACE_SYSEMU, ctx->tid, 0, 0) < 0)
        goto dead;
    int status;
    if (wait_stop(ctx->tid, &status) < 0 || !WIFSTOPPED(status))
        goto dead;
    if (ptrace(PTRACE_GETREGS, ctx->tid, 0, &u) < 0)
        goto dead;
    memcpy(regs, &u, sizeof(u));
    int sig = WSTOPSIG(status);
    if (sig == (SIGTRAP | 0x80))
        return SWITCH_SYSCALL;
    if ((status >> 16) != 0) /* PTRACE_EVENT_STOP and friends */
        return SWITCH_INTERRUPT;
    return classify_signal(ctx, sig, regs, info);
dead:
    ctx->dead = true;
    return SWITCH_DEAD;
}

static int ptrace_get_fpstate(struct plat_context *ctx, struct linux_fpstate *fp)
{
    _Static_assert(sizeof(struct user_fpregs_struct) == PLAT_FXSAVE_SIZE, "fxsave area");
    if (!plat_xstate_features()) {
        if (ptrace(PTRACE_GETFPREGS, ctx->tid, 0, fp) < 0)
            return -errno;
        return 0;
    }
    struct iovec iov = {.iov_base = fp, .iov_len = plat_xstate_size()};
    if (ptrace(PTRACE_GETREGSET, ctx->tid, (void *)NT_X86_XSTATE, &iov) < 0)
        return -errno;
    if (iov.iov_len != plat_xstate_size()) {
        log_error("xstate regset is %zu bytes, CPUID says %u", iov.iov_len, plat_xstate_size());
        return -EIO;
    }
    return 0;
}

static int ptrace_set_fpstate(struct plat_context *ctx, const struct linux_fpstate *fp)
{
    if (!plat_xstate_features()) {
        if (ptrace(PTRACE_SETFPREGS, ctx->tid, 0, fp) < 0)
            return -errno;
        return 0;
    }
    struct iovec iov = {.iov_base = (void *)fp, .iov_len = plat_xstate_size()};
    if (ptrace(PTRACE_SETREGSET, ctx->tid, (void *)NT_X86_XSTATE, &iov) < 0)
        return -errno;
    return 0;
}

static void ptrace_interrupt(struct plat_context *ctx)
{
    syscall(SYS_tgkill, ctx->as->pid, ctx->tid, INTERRUPT_SIGNAL);
}

static int ptrace_map(struct plat_context *ctx, gaddr_t addr, uint64_t len, int prot,
                      uint64_t file_off)
{
    long r = inject(ctx, g_gadget_syscall, SYS_mmap, addr, len, (uint64_t)prot,
                    MAP_SHARED | MAP_FIXED, (uint64_t)g_memfd, file_off);
    if (r < 0 && r > -4096)
        return (int)r;
    return r == (long)addr ? 0 : -EIO;
}

static int ptrace_unmap(struct plat_context *ctx, gaddr_t addr, uint64_t len)
{
    long r = inject(ctx, g_gadget_syscall, SYS_munmap, addr, len, 0, 0, 0, 0);
    return r < 0 ? (int)r : 0;
}

static int ptrace_protect(struct plat_context *ctx, gaddr_t addr, uint64_t len, int prot)
{
    long r = inject(ctx, g_gadget_syscall, SYS_mprotect, addr, len, (uint64_t)prot, 0, 0, 0);
    return r < 0 ? (int)r : 0;
}

const struct platform_ops g_platform_ptrace = {
    .name = "ptrace",
    .init = ptrace_init,
    .as_new = ptrace_as_new,
    .as_release = ptrace_as_release,
    .thread_prepare = ptrace_thread_prepare,
    .context_new = ptrace_context_new,
    .context_release = ptrace_context_release,
    .run = ptrace_run,
    .get_fpstate = ptrace_get_fpstate,
    .set_fpstate = ptrace_set_fpstate,
    .fpstate_format = plat_xstate_format,
    .interrupt = ptrace_interrupt,
    .map = ptrace_map,
    .unmap = ptrace_unmap,
    .protect = ptrace_protect,
    .reserved = ptrace_reserved,
    .as_cpu_ns = ptrace_as_cpu_ns,
    .thread_idle = ptrace_thread_idle,
};
