// SPDX-License-Identifier: Apache-2.0
/*
 * --strace line assembly: "[ tid] comm E name(args)" on entry and "... X name(args) = result
 * (duration)" on exit. Each argument prints by the kind strace_table.c gives it; the decoders
 * themselves live in strace_flags.c (constants) and strace_mem.c (guest memory).
 */
#include "sentry/strace/strace.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "sentry/strace/strace_internal.h"

void sb_init(struct sbuf *sb, char *buf, size_t size)
{
    sb->buf = buf;
    sb->size = size;
    sb->len = 0;
    sb->full = false;
}

void sb_putc(struct sbuf *sb, char c)
{
    if (sb->len + 1 < sb->size)
        sb->buf[sb->len++] = c;
    else
        sb->full = true;
}

void sb_puts(struct sbuf *sb, const char *s)
{
    while (*s && !sb->full)
        sb_putc(sb, *s++);
}

void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
    if (sb->full || sb->size == 0) {
        sb->full = true;
        return;
    }
    size_t avail = sb->size - sb->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sb->buf + sb->len, avail, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= avail) {
        sb->len = sb->size - 1;
        sb->full = true;
    } else {
        sb->len += (size_t)n;
    }
}

size_t sb_finish(struct sbuf *sb)
{
    if (sb->size == 0)
        return 0;
    if (sb->full && sb->len >= 3)
        memcpy(sb->buf + sb->len - 3, "...", 3);
    sb->buf[sb->len] = '\0';
    return sb->len;
}

/* The argument after @i, which holds the length or count of argument @i. */
static uint64_t next_arg(const struct strace_ctx *c, int i)
{
    return i < 5 ? c->a->a[i + 1] : 0;
}

/* Print argument @i as a plain number or a constant. Returns false if @kind is not one. */
static bool put_scalar(struct sbuf *sb, const struct strace_ctx *c, int i, enum strace_kind kind)
{
    uint64_t v = c->a->a[i];
    switch (kind) {
    case K_HEX:
        sb_printf(sb, "%#llx", (unsigned long long)v);
        return true;
    case K_INT:
    case K_FD:
        sb_printf(sb, "%d", (int)v);
        return true;
    case K_LONG:
        sb_printf(sb, "%lld", (long long)v);
        return true;
    case K_UINT:
        sb_printf(sb, "%llu", (unsigned long long)v);
        return true;
    case K_OCT:
        sb_printf(sb, "%#llo", (unsigned long long)v);
        return true;
    case K_PTR:
        sb_addr(sb, v);
        return true;
    case K_DIRFD:
        if ((int)v == -100)
            sb_puts(sb, "AT_FDCWD");
        else
            sb_printf(sb, "%d", (int)v);
        return true;
    default:
        return false;
    }
}

/* Integer kinds named through a table. Indexed by kind; NULL for the others. */
static const struct xlat_table *const enum_tables[K_KIND_COUNT] = {
    [K_WHENCE] = &g_xlat_whence,       [K_SOCK_DOMAIN] = &g_xlat_sock_domain,
    [K_FCNTL_CMD] = &g_xlat_fcntl_cmd, [K_SIGHOW] = &g_xlat_sighow,
    [K_EPOLL_OP] = &g_xlat_epoll_op,   [K_CLOCK_ID] = &g_xlat_clock,
    [K_PRCTL_OPT] = &g_xlat_prctl,     [K_RLIMIT_RES] = &g_xlat_rlimit,
    [K_IDTYPE] = &g_xlat_idtype,
};
/* Kinds whose unnamed values print in hex rather than decimal. */
static const struct xlat_table *const hex_enum_tables[K_KIND_COUNT] = {
    [K_IOCTL_REQ] = &g_xlat_ioctl,
    [K_ARCH_PRCTL] = &g_xlat_arch_prctl,
};
static const struct xlat_table *const flag_tables[K_KIND_COUNT] = {
    [K_FD_FLAGS] = &g_xlat_fd_flags,     [K_PROT] = &g_xlat_prot,
    [K_UNSHARE] = &g_xlat_unshare,       [K_AT_FLAGS] = &g_xlat_at_flags,
    [K_ACCESS_MODE] = &g_xlat_access,    [K_WAIT_OPTIONS] = &g_xlat_wait_options,
    [K_SOCK_FLAGS] = &g_xlat_sock_flags,
};

/* Print argument @i as a named constant or flag set. Returns false if @kind is not one. */
static bool put_named(struct sbuf *sb, const struct strace_ctx *c, int i, enum strace_kind kind)
{
    uint64_t v = c->a->a[i];
    if (enum_tables[kind]) {
        sb_enum(sb, enum_tables[kind], (int)v); /* ints in the ABI: -1 prints as -1 */
        return true;
    }
    if (hex_enum_tables[kind]) {
        const char *name = xlat_name(hex_enum_tables[kind], (uint32_t)v);
        if (name)
            sb_puts(sb, name);
        else
            sb_printf(sb, "%#llx", (unsigned long long)v);
        return true;
    }
    if (flag_tables[kind]) {
        sb_flags(sb, flag_tables[kind], kind == K_UNSHARE ? v : (uint32_t)v);
        return true;
    }
    switch (kind) {
    case K_OPEN_FLAGS:
        sb_open_flags(sb, (uint32_t)v);
        return true;
    case K_MMAP_FLAGS:
        sb_mmap_flags(sb, (uint32_t)v);
        return true;
    case K_CLONE_FLAGS:
        sb_clone_flags(sb, v);
        return true;
    case K_SOCK_TYPE:
        sb_sock_type(sb, (uint32_t)v);
        return true;
    case K_FUTEX_OP:
        sb_futex_op(sb, (uint32_t)v);
        return true;
    case K_SIGNAL:
        sb_signal(sb, (int)v, true);
        return true;
    default:
        return false;
    }
}

/* Print argument @i, which points at memory the call reads. Returns false if not such. */
static bool put_in_mem(struct sbuf *sb, const struct strace_ctx *c, int i, enum strace_kind kind)
{
    gaddr_t addr = c->a->a[i];
    switch (kind) {
    case K_PATH:
        sb_path(sb, c, addr);
        return true;
    case K_BUF_IN:
        sb_bytes(sb, c, addr, next_arg(c, i), BUF_SHOW);
        return true;
    case K_IOV_IN:
        sb_iovec(sb, c, addr, next_arg(c, i), UINT64_MAX);
        return true;
    case K_SIGACT_IN:
        sb_sigaction(sb, c, addr);
        return true;
    case K_SIGSET_IN:
        sb_sigset(sb, c, addr);
        return true;
    case K_TIMESPEC_IN:
        sb_timespec(sb, c, addr, false);
        return true;
    case K_SOCKADDR_IN:
        sb_sockaddr(sb, c, addr, next_arg(c, i));
        return true;
    case K_POLLFDS:
        sb_pollfds(sb, c, addr, next_arg(c, i));
        return true;
    case K_EPOLL_EV_IN:
        sb_epoll_event(sb, c, addr);
        return true;
    case K_ARGV:
        sb_argv(sb, c, addr);
        return true;
    case K_ENVP:
        sb_envp(sb, c, addr);
        return true;
    case K_RLIMIT_IN:
        sb_rlimit(sb, c, addr);
        return true;
    default:
        return false;
    }
}

/* Kinds that point at memory the call writes. */
static const bool out_kinds[K_KIND_COUNT] = {
    [K_PATH_OUT] = true,    [K_STR_OUT] = true,    [K_BUF_OUT] = true,      [K_IOV_OUT] = true,
    [K_SIGACT_OUT] = true,  [K_SIGSET_OUT] = true, [K_TIMESPEC_OUT] = true, [K_TIMEVAL_OUT] = true,
    [K_STAT_OUT] = true,    [K_STATX_OUT] = true,  [K_WSTATUS_OUT] = true,  [K_EPOLL_EV_OUT] = true,
    [K_PIPEFDS_OUT] = true, [K_RLIMIT_OUT] = true, [K_UTSNAME_OUT] = true,
};

/* Whether the memory behind an output argument holds something worth decoding. */
static bool out_written(const struct strace_ctx *c, enum strace_kind kind)
{
    if (!ctx_out_ok(c))
        return false;
    /* wait4 returns 0 without a status under WNOHANG when no child has changed state. */
    return kind != K_WSTATUS_OUT || c->ret > 0;
}

/* Print argument @i, which points at memory the call writes: decoded only on the exit line of
 * a successful call, an address otherwise. Returns false if @kind is not such. */
static bool put_out_mem(struct sbuf *sb, const struct strace_ctx *c, int i, enum strace_kind kind)
{
    gaddr_t addr = c->a->a[i];
    uint64_t ret = (uint64_t)c->ret;
    if (!out_kinds[kind])
        return false;
    if (!out_written(c, kind)) {
        sb_addr(sb, addr);
        return true;
    }
    switch (kind) {
    case K_PATH_OUT:
        sb_path(sb, c, addr);
        break;
    case K_STR_OUT:
        sb_bytes(sb, c, addr, ret, STR_SHOW);
        break;
    case K_BUF_OUT:
        sb_bytes(sb, c, addr, ret, BUF_SHOW);
        break;
    case K_IOV_OUT:
        sb_iovec(sb, c, addr, next_arg(c, i), ret);
        break;
    case K_SIGACT_OUT:
        sb_sigaction(sb, c, addr);
        break;
    case K_SIGSET_OUT:
        sb_sigset(sb, c, addr);
        break;
    case K_TIMESPEC_OUT:
    case K_TIMEVAL_OUT:
        sb_timespec(sb, c, addr, kind == K_TIMEVAL_OUT);
        break;
    case K_STAT_OUT:
        sb_stat(sb, c, addr);
        break;
    case K_STATX_OUT:
        sb_statx(sb, c, addr);
        break;
    case K_WSTATUS_OUT:
        sb_wstatus(sb, c, addr);
        break;
    case K_EPOLL_EV_OUT:
        sb_epoll_events(sb, c, addr, ret);
        break;
    case K_PIPEFDS_OUT:
        sb_int_pair(sb, c, addr);
        break;
    case K_RLIMIT_OUT:
        sb_rlimit(sb, c, addr);
        break;
    default: /* K_UTSNAME_OUT */
        sb_utsname(sb, c, addr);
        break;
    }
    return true;
}

/* fcntl's third argument, by command. */
static void put_fcntl_arg(struct sbuf *sb, const struct strace_ctx *c, uint64_t v)
{
    switch (c->a->a[1] & 0xffffffff) {
    case 2: /* F_SETFD */
        sb_puts(sb, v == 1 ? "FD_CLOEXEC" : "0");
        if (v > 1)
            sb_printf(sb, "|%#llx", (unsigned long long)v);
        break;
    case 4: /* F_SETFL */
        sb_open_flags(sb, (uint32_t)v);
        break;
    case 10: /* F_SETSIG */
        sb_signal(sb, (int)v, true);
        break;
    case 0:    /* F_DUPFD */
    case 8:    /* F_SETOWN */
    case 1024: /* F_SETLEASE */
    case 1026: /* F_NOTIFY */
    case 1030: /* F_DUPFD_CLOEXEC */
    case 1031: /* F_SETPIPE_SZ */
    case 1033: /* F_ADD_SEALS */
        sb_printf(sb, "%d", (int)v);
        break;
    default:
        sb_printf(sb, "%#llx", (unsigned long long)v);
        break;
    }
}

/* fcntl commands that take no third argument; strace(1) leaves it out. */
static bool fcntl_has_no_arg(uint64_t cmd)
{
    switch (cmd & 0xffffffff) {
    case 1:    /* F_GETFD */
    case 3:    /* F_GETFL */
    case 9:    /* F_GETOWN */
    case 11:   /* F_GETSIG */
    case 1025: /* F_GETLEASE */
    case 1032: /* F_GETPIPE_SZ */
    case 1034: /* F_GET_SEALS */
        return true;
    default:
        return false;
    }
}

static bool futex_op_waits(uint64_t op)
{
    switch (op & 0x7f) {
    case 0:  /* FUTEX_WAIT */
    case 6:  /* FUTEX_LOCK_PI */
    case 9:  /* FUTEX_WAIT_BITSET */
    case 11: /* FUTEX_WAIT_REQUEUE_PI */
    case 13: /* FUTEX_LOCK_PI2 */
        return true;
    default:
        return false;
    }
}

/* Arguments whose meaning depends on another argument (the command or option). */
static bool put_dependent(struct sbuf *sb, const struct strace_ctx *c, int i, enum strace_kind kind)
{
    uint64_t v = c->a->a[i];
    uint64_t sel = kind == K_FUTEX_TIMEOUT || kind == K_IOCTL_ARG ? c->a->a[1] : c->a->a[0];
    bool out = ctx_out_ok(c);
    switch (kind) {
    case K_FCNTL_ARG:
        put_fcntl_arg(sb, c, v);
        return true;
    case K_FUTEX_TIMEOUT:
        if (futex_op_waits(sel))
            sb_timespec(sb, c, v, false);
        else
            sb_printf(sb, "%u", (unsigned)v); /* val2 */
        return true;
    case K_IOCTL_ARG:
        if ((uint32_t)sel == 0x5414 || ((uint32_t)sel == 0x5413 && out)) /* TIOC[SG]WINSZ */
            sb_winsize(sb, c, v);
        else
            sb_printf(sb, "%#llx", (unsigned long long)v);
        return true;
    case K_ARCH_ADDR:
        if ((sel == 0x1003 || sel == 0x1004) && out) /* ARCH_GET_FS, ARCH_GET_GS */
            sb_u64_out(sb, c, v);
        else
            sb_printf(sb, "%#llx", (unsigned long long)v);
        return true;
    case K_PRCTL_ARG:
        if ((int)sel == 15 || ((int)sel == 16 && out)) /* PR_SET_NAME, PR_GET_NAME */
            sb_path(sb, c, v);
        else if ((int)sel == 1) /* PR_SET_PDEATHSIG */
            sb_signal(sb, (int)v, true);
        else
            sb_printf(sb, "%#llx", (unsigned long long)v);
        return true;
    default:
        return false;
    }
}

static void put_arg(struct sbuf *sb, const struct strace_ctx *c, int i, enum strace_kind kind)
{
    if (put_scalar(sb, c, i, kind) || put_named(sb, c, i, kind) || put_in_mem(sb, c, i, kind) ||
        put_out_mem(sb, c, i, kind) || put_dependent(sb, c, i, kind))
        return;
    sb_printf(sb, "%#llx", (unsigned long long)c->a->a[i]); /* a kind with no printer */
}

/* Whether argument @i is left out of the line, as strace(1) leaves out unused ones. */
static bool arg_omitted(const struct strace_ctx *c, int i, enum strace_kind kind)
{
    return kind == K_FCNTL_ARG && fcntl_has_no_arg(c->a->a[1]);
}

static void put_args(struct sbuf *sb, const struct strace_ctx *c, const struct strace_sig *sig)
{
    sb_putc(sb, '(');
    for (int i = 0; i < sig->nargs && i < 6; i++) {
        enum strace_kind kind = sig->kind[i] < K_KIND_COUNT ? sig->kind[i] : K_HEX;
        if (arg_omitted(c, i, kind))
            continue;
        if (i > 0)
            sb_puts(sb, ", ");
        put_arg(sb, c, i, kind);
    }
    sb_putc(sb, ')');
}

/* Signature of syscall @nr; unknown numbers get six hex arguments. */
static const struct strace_sig *sig_of(uint64_t nr)
{
    static const struct strace_sig unknown = {.nargs = 6, .known = 1};
    if (nr < LINUX_NR_MAX && g_strace_sigs[nr].known)
        return &g_strace_sigs[nr];
    return &unknown;
}

static void put_head(struct sbuf *sb, int tid, const char *comm, char phase, uint64_t nr)
{
    sb_printf(sb, "[%4d] %s %c ", tid, comm ? comm : "?", phase);
    if (nr < LINUX_NR_MAX && g_syscall_names[nr])
        sb_puts(sb, g_syscall_names[nr]);
    else
        sb_printf(sb, "syscall_%#llx", (unsigned long long)nr);
}

static void put_result(struct sbuf *sb, long ret, const struct strace_sig *sig)
{
    if (ret < 0 && ret >= -4095) {
        const char *name = strace_errno_name(-ret);
        if (name)
            sb_printf(sb, " = -1 %s (%s)", name, strace_errno_msg(-ret));
        else
            sb_printf(sb, " = -1 (errno %ld)", -ret);
    } else if (sig->ret == R_HEX) {
        sb_printf(sb, " = %#lx", (unsigned long)ret);
    } else {
        sb_printf(sb, " = %ld", ret);
    }
}

/* @ns as Go's time.Duration prints it: 850ns, 12.4µs, 1.5ms, 2.000001s. */
static void put_duration(struct sbuf *sb, uint64_t ns)
{
    static const struct {
        uint64_t div;
        int digits;
        const char *unit;
    } units[] = {{1000000000, 9, "s"}, {1000000, 6, "ms"}, {1000, 3, "\xc2\xb5s"}};
    if (ns < 1000) {
        sb_printf(sb, " (%lluns)", (unsigned long long)ns);
        return;
    }
    size_t u = 0;
    while (ns < units[u].div)
        u++;
    uint64_t whole = ns / units[u].div, frac = ns % units[u].div;
    int digits = units[u].digits;
    while (frac != 0 && frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    if (frac == 0)
        sb_printf(sb, " (%llu%s)", (unsigned long long)whole, units[u].unit);
    else
        sb_printf(sb, " (%llu.%0*llu%s)", (unsigned long long)whole, digits,
                  (unsigned long long)frac, units[u].unit);
}

size_t strace_format_enter(char *buf, size_t size, int tid, const char *comm,
                           const struct syscall_args *a, const struct strace_mem *m)
{
    struct sbuf sb;
    struct strace_ctx c = {.a = a, .m = m, .exiting = false, .ret = 0};
    const struct strace_sig *sig = sig_of(a->nr);
    sb_init(&sb, buf, size);
    put_head(&sb, tid, comm, 'E', a->nr);
    put_args(&sb, &c, sig);
    return sb_finish(&sb);
}

size_t strace_format_exit(char *buf, size_t size, int tid, const char *comm,
                          const struct syscall_args *a, long ret, uint64_t ns,
                          const struct strace_mem *m)
{
    struct sbuf sb;
    struct strace_ctx c = {.a = a, .m = m, .exiting = true, .ret = ret};
    const struct strace_sig *sig = sig_of(a->nr);
    sb_init(&sb, buf, size);
    put_head(&sb, tid, comm, 'X', a->nr);
    put_args(&sb, &c, sig);
    put_result(&sb, ret, sig);
    put_duration(&sb, ns);
    return sb_finish(&sb);
}

/* Write @len bytes of @line plus a newline in one write(2); the buffer has room for it. */
static void write_line(char *line, size_t len)
{
    line[len++] = '\n';
    ssize_t r = write(cv_log_fd(), line, len);
    (void)r; /* a lost trace line is not worth failing the syscall for */
}

void strace_enter(int tid, const char *comm, const struct syscall_args *a,
                  const struct strace_mem *m)
{
    char line[STRACE_LINE_MAX];
    size_t len = strace_format_enter(line, sizeof(line) - 1, tid, comm, a, m);
    write_line(line, len);
}

void strace_exit(int tid, const char *comm, const struct syscall_args *a, long ret, uint64_t ns,
                 const struct strace_mem *m)
{
    char line[STRACE_LINE_MAX];
    size_t len = strace_format_exit(line, sizeof(line) - 1, tid, comm, a, ret, ns, m);
    write_line(line, len);
}
