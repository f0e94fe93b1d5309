// SPDX-License-Identifier: Apache-2.0
/*
 * Private interfaces of the --strace decoder: the bounded output buffer, the argument kinds of
 * the per-syscall table (strace_table.c), the constant tables (strace_flags.c, strace_errno.c)
 * and the decoders of guest structs (strace_mem.c).
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sentry/strace/strace.h"

/* A bounded output string. Once full, further output is dropped and @full is set. */
struct sbuf {
    char *buf;
    size_t size; /* bytes of buf, NUL included */
    size_t len;  /* bytes written so far, always < size when size > 0 */
    bool full;
};

void sb_init(struct sbuf *sb, char *buf, size_t size);
void sb_putc(struct sbuf *sb, char c);
void sb_puts(struct sbuf *sb, const char *s);
void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminate, marking a cut line with "...". Returns the string length. */
size_t sb_finish(struct sbuf *sb);

/* What the decoder knows while it prints one line. */
struct strace_ctx {
    const struct syscall_args *a;
    const struct strace_mem *m; /* may be NULL */
    bool exiting;
    long ret; /* valid when exiting */
};

/* True when output arguments were written: the exit line of a successful call. */
static inline bool ctx_out_ok(const struct strace_ctx *c)
{
    return c->exiting && c->ret >= 0;
}

/* How one argument prints. K_HEX is 0 so that unlisted arguments print in hex. */
enum strace_kind {
    K_HEX = 0,     /* 0x1f */
    K_INT,         /* signed decimal, 32-bit */
    K_LONG,        /* signed decimal, 64-bit */
    K_UINT,        /* unsigned decimal, 64-bit (sizes, counts) */
    K_OCT,         /* octal mode: 0644 */
    K_PTR,         /* NULL or hex */
    K_FD,          /* decimal int */
    K_DIRFD,       /* AT_FDCWD or decimal */
    K_PATH,        /* quoted NUL-terminated string, first 64 bytes */
    K_PATH_OUT,    /* NUL-terminated string written by the call (getcwd) */
    K_STR_OUT,     /* string of result bytes written by the call (readlink) */
    K_BUF_IN,      /* bytes the call reads, length in the next argument */
    K_BUF_OUT,     /* bytes the call writes, length is the result */
    K_IOV_IN,      /* struct iovec[], count in the next argument */
    K_IOV_OUT,     /* struct iovec[] filled by the call (first buffer, result bytes) */
    K_OPEN_FLAGS,  /* O_RDONLY|O_CLOEXEC */
    K_FD_FLAGS,    /* O_CLOEXEC|O_NONBLOCK or 0 (pipe2, dup3, eventfd2, ...) */
    K_PROT,        /* PROT_READ|PROT_WRITE */
    K_MMAP_FLAGS,  /* MAP_PRIVATE|MAP_ANONYMOUS */
    K_CLONE_FLAGS, /* CLONE_VM|...|SIGCHLD */
    K_UNSHARE,     /* CLONE_NEWNS|... */
    K_SIGNAL,      /* SIGINT */
    K_SIGACT_IN,   /* struct sigaction read by the call */
    K_SIGACT_OUT,  /* struct sigaction written by the call */
    K_SIGHOW,      /* SIG_BLOCK */
    K_SIGSET_IN,   /* [INT TERM] */
    K_SIGSET_OUT,
    K_TIMESPEC_IN, /* {tv_sec=1, tv_nsec=0} */
    K_TIMESPEC_OUT,
    K_TIMEVAL_OUT, /* {tv_sec=1, tv_usec=0} */
    K_STAT_OUT,    /* {st_dev=..., st_ino=..., st_mode=S_IFREG|0644, st_size=..., ...} */
    K_STATX_OUT,
    K_AT_FLAGS,      /* AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH */
    K_ACCESS_MODE,   /* F_OK or R_OK|W_OK */
    K_WHENCE,        /* SEEK_SET */
    K_SOCK_DOMAIN,   /* AF_INET */
    K_SOCK_TYPE,     /* SOCK_STREAM|SOCK_CLOEXEC */
    K_SOCK_FLAGS,    /* SOCK_CLOEXEC|SOCK_NONBLOCK (accept4) */
    K_SOCKADDR_IN,   /* struct sockaddr, length in the next argument */
    K_FCNTL_CMD,     /* F_SETFD */
    K_FCNTL_ARG,     /* depends on the command: FD_CLOEXEC, O_NONBLOCK, ... */
    K_IOCTL_REQ,     /* TCGETS */
    K_IOCTL_ARG,     /* struct winsize for TIOC[GS]WINSZ, else hex */
    K_FUTEX_OP,      /* FUTEX_WAIT_PRIVATE */
    K_FUTEX_TIMEOUT, /* timespec for the waiting ops, val2 otherwise */
    K_WAIT_OPTIONS,  /* WNOHANG|__WALL */
    K_WSTATUS_OUT,   /* [{WIFEXITED(s) && WEXITSTATUS(s) == 0}] */
    K_POLLFDS,       /* [{fd=3, events=POLLIN}], count in the next argument */
    K_EPOLL_OP,      /* EPOLL_CTL_ADD */
    K_EPOLL_EV_IN,   /* {events=EPOLLIN, data=0x3} */
    K_EPOLL_EV_OUT,  /* events returned by epoll_wait, count is the result */
    K_CLOCK_ID,      /* CLOCK_MONOTONIC */
    K_ARCH_PRCTL,    /* ARCH_SET_FS */
    K_ARCH_ADDR,     /* hex, or [0x...] for the ARCH_GET_* codes on exit */
    K_PRCTL_OPT,     /* PR_SET_NAME */
    K_PRCTL_ARG,     /* the name string for PR_[GS]ET_NAME, else hex */
    K_ARGV,          /* ["ls", "-l"] */
    K_ENVP,          /* the address and how many variables it holds */
    K_PIPEFDS_OUT,   /* [3, 4] */
    K_RLIMIT_RES,    /* RLIMIT_NOFILE */
    K_RLIMIT_IN,     /* {rlim_cur=1024, rlim_max=RLIM64_INFINITY} */
    K_RLIMIT_OUT,
    K_UTSNAME_OUT, /* {sysname="Linux", nodename="...", ...} */
    K_IDTYPE,      /* P_PID (waitid) */
    K_KIND_COUNT,
};

/* How the result prints on success. */
enum strace_ret {
    R_DEC = 0, /* = 3 */
    R_HEX,     /* = 0x7f0000000000 (mmap, brk) */
};

struct strace_sig {
    uint8_t known; /* 1 for every syscall the table describes */
    uint8_t nargs;
    uint8_t ret;     /* enum strace_ret */
    uint8_t kind[6]; /* enum strace_kind */
};

/* Argument kinds of every syscall, by number; known is 0 for the holes. */
extern const struct strace_sig g_strace_sigs[LINUX_NR_MAX];

/* A named constant. */
struct xlat {
    uint64_t val;
    const char *name;
};

/* A table of constants: either an enumeration or a set of flag bits. */
struct xlat_table {
    const struct xlat *e;
    size_t n;
    const char *zero; /* for flags: what 0 prints as (NULL: "0") */
};

#define XLAT_TABLE(arr, z)                                                                         \
    {                                                                                              \
        (arr), sizeof(arr) / sizeof((arr)[0]), (z)                                                 \
    }

/* The name of @v in @t, or NULL. */
const char *xlat_name(const struct xlat_table *t, int64_t v);
/* Print @v as the name in @t, or in decimal if it has none. */
void sb_enum(struct sbuf *sb, const struct xlat_table *t, int64_t v);
/* Print @v as NAME|NAME|0x.. from the flag bits in @t (multi-bit entries must come first). */
void sb_flags(struct sbuf *sb, const struct xlat_table *t, uint64_t v);

/* Constant tables, strace_flags.c. */
extern const struct xlat_table g_xlat_fd_flags, g_xlat_prot, g_xlat_at_flags, g_xlat_access,
    g_xlat_whence, g_xlat_sock_domain, g_xlat_fcntl_cmd, g_xlat_ioctl, g_xlat_wait_options,
    g_xlat_sighow, g_xlat_poll, g_xlat_epoll_op, g_xlat_epoll_events, g_xlat_clock,
    g_xlat_arch_prctl, g_xlat_prctl, g_xlat_rlimit, g_xlat_sa_flags, g_xlat_idtype, g_xlat_unshare,
    g_xlat_sock_flags;

void sb_open_flags(struct sbuf *sb, uint64_t v);
void sb_mmap_flags(struct sbuf *sb, uint64_t v);
void sb_clone_flags(struct sbuf *sb, uint64_t v);
void sb_sock_type(struct sbuf *sb, uint64_t v);
void sb_futex_op(struct sbuf *sb, uint64_t v);
void sb_file_mode(struct sbuf *sb, uint32_t mode);
/* SIGINT, SIGRTMIN, SIGRT_3, or the number. @prefix false drops "SIG" (inside sets). */
void sb_signal(struct sbuf *sb, int sig, bool prefix);

/* Errno name and message, strace_errno.c. Returns NULL if @err is not known. */
const char *strace_errno_name(long err);
const char *strace_errno_msg(long err);

/* Guest-memory decoders, strace_mem.c. Each prints @addr itself when it cannot read it. */
void sb_addr(struct sbuf *sb, gaddr_t addr);
void sb_bad(struct sbuf *sb, gaddr_t addr);
void sb_path(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
/* Bytes shown of a read/write buffer, and of a string. */
#define BUF_SHOW 32
#define STR_SHOW 64
/* Quote the first min(@size, @limit) bytes at @addr, followed by "..." if @size is larger. */
void sb_bytes(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr, uint64_t size,
              uint64_t limit);
void sb_iovec(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr, uint64_t count,
              uint64_t limit);
void sb_timespec(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr, bool usec);
void sb_stat(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
void sb_statx(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
void sb_sigaction(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
void sb_sigset(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
void sb_wstatus(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
void sb_pollfds(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr, uint64_t count);
void sb_epoll_event(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
void sb_epoll_events(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr, uint64_t count);
void sb_argv(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
void sb_envp(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
void sb_int_pair(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
void sb_u64_out(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
void sb_rlimit(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
void sb_utsname(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
void sb_sockaddr(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr, uint64_t size);
void sb_winsize(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr);
