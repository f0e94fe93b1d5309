// SPDX-License-Identifier: Apache-2.0
/*
 * Decoders of guest memory for --strace: strings, byte buffers, iovecs and the guest structs
 * (stat, statx, sigaction, pollfd, ...). Guest memory is read only through struct strace_mem,
 * into local copies with the x86-64 layout; an unreadable address prints as "0x... (bad)".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sentry/strace/strace_internal.h"

#define STR_MAX STR_SHOW
#define ARRAY_MAX 8 /* entries of an array shown (argv, pollfd, epoll_event) */
#define ENVP_COUNT_MAX 4096

void sb_addr(struct sbuf *sb, gaddr_t addr)
{
    if (addr == 0)
        sb_puts(sb, "NULL");
    else
        sb_printf(sb, "%#llx", (unsigned long long)addr);
}

void sb_bad(struct sbuf *sb, gaddr_t addr)
{
    sb_printf(sb, "%#llx (bad)", (unsigned long long)addr);
}

/* Copy @size bytes of guest memory at @addr. Returns 0 or -EFAULT. */
static int mem_read(const struct strace_ctx *c, gaddr_t addr, void *buf, size_t size)
{
    if (c->m == NULL || c->m->read == NULL)
        return -EFAULT;
    if (size == 0)
        return 0;
    if (addr + size < addr)
        return -EFAULT;
    return c->m->read(c->m->opaque, addr, buf, size) == 0 ? 0 : -EFAULT;
}

/* Read a struct for printing. On failure print what stands for @addr (NULL, the address, or
 * the address marked bad) and return false. */
static bool fetch(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr, void *buf, size_t size)
{
    if (addr == 0) {
        sb_puts(sb, "NULL");
        return false;
    }
    if (c->m == NULL) {
        sb_addr(sb, addr);
        return false;
    }
    if (mem_read(c, addr, buf, size) < 0) {
        sb_bad(sb, addr);
        return false;
    }
    return true;
}

/* Quote @n bytes at @p, escaping as Go's %q does for bytes. */
static void put_quoted(struct sbuf *sb, const uint8_t *p, size_t n)
{
    sb_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch == '"' || ch == '\\') {
            sb_putc(sb, '\\');
            sb_putc(sb, (char)ch);
        } else if (ch == '\n') {
            sb_puts(sb, "\\n");
        } else if (ch == '\t') {
            sb_puts(sb, "\\t");
        } else if (ch == '\r') {
            sb_puts(sb, "\\r");
        } else if (ch >= 0x20 && ch < 0x7f) {
            sb_putc(sb, (char)ch);
        } else {
            sb_printf(sb, "\\x%02x", ch);
        }
    }
    sb_putc(sb, '"');
}

/*
 * Read a NUL-terminated string of at most @max bytes into @out, one page at a time so that a
 * string ending just before an unmapped page reads whole. Sets *@complete if the NUL was seen.
 * Returns the bytes read (NUL excluded), or -EFAULT if not even the first page was readable.
 */
static long read_str(const struct strace_ctx *c, gaddr_t addr, uint8_t *out, size_t max,
                     bool *complete)
{
    size_t got = 0;
    *complete = false;
    while (got < max) {
        size_t chunk = LINUX_PAGE_SIZE - ((addr + got) & (LINUX_PAGE_SIZE - 1));
        if (chunk > max - got)
            chunk = max - got;
        if (mem_read(c, addr + got, out + got, chunk) < 0)
            return got == 0 ? -EFAULT : (long)got;
        uint8_t *nul = memchr(out + got, 0, chunk);
        if (nul) {
            *complete = true;
            return nul - out;
        }
        got += chunk;
    }
    return (long)got;
}

void sb_path(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    uint8_t tmp[STR_MAX + 1];
    bool complete;
    if (addr == 0 || c->m == NULL) {
        sb_addr(sb, addr);
        return;
    }
    long n = read_str(c, addr, tmp, sizeof(tmp), &complete);
    if (n < 0) {
        sb_bad(sb, addr);
        return;
    }
    put_quoted(sb, tmp, n > STR_MAX ? STR_MAX : (size_t)n);
    if (!complete && n >= STR_MAX)
        sb_puts(sb, "...");
    else if (!complete)
        sb_puts(sb, "...(bad)");
}

void sb_bytes(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr, uint64_t size,
              uint64_t limit)
{
    uint8_t tmp[STR_MAX];
    size_t n = size < limit ? size : limit;
    if (n > sizeof(tmp))
        n = sizeof(tmp);
    if (size == 0 && addr != 0) {
        sb_puts(sb, "\"\"");
        return;
    }
    if (!fetch(sb, c, addr, tmp, n))
        return;
    put_quoted(sb, tmp, n);
    if (size > n)
        sb_puts(sb, "...");
}

struct g_iovec {
    uint64_t base;
    uint64_t len;
};

void sb_iovec(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr, uint64_t count,
              uint64_t limit)
{
    struct g_iovec iov;
    if (count == 0) {
        sb_puts(sb, "[]");
        return;
    }
    if (!fetch(sb, c, addr, &iov, sizeof(iov)))
        return;
    sb_puts(sb, "[{iov_base=");
    sb_bytes(sb, c, iov.base, iov.len < limit ? iov.len : limit, BUF_SHOW);
    sb_printf(sb, ", iov_len=%llu}", (unsigned long long)iov.len);
    if (count > 1)
        sb_puts(sb, ", ...");
    sb_putc(sb, ']');
}

void sb_timespec(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr, bool usec)
{
    int64_t ts[2];
    if (!fetch(sb, c, addr, ts, sizeof(ts)))
        return;
    sb_printf(sb, "{tv_sec=%lld, %s=%lld}", (long long)ts[0], usec ? "tv_usec" : "tv_nsec",
              (long long)ts[1]);
}

/* The x86-64 struct stat. */
struct g_stat {
    uint64_t dev, ino, nlink;
    uint32_t mode, uid, gid, pad0;
    uint64_t rdev;
    int64_t size, blksize, blocks;
    uint64_t times[6];
    int64_t unused[3];
};
_Static_assert(sizeof(struct g_stat) == 144, "x86-64 struct stat is 144 bytes");

/* A device number in the kernel's encoding of a 64-bit dev_t. */
static void put_dev(struct sbuf *sb, uint64_t dev)
{
    uint64_t major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~(uint64_t)0xfff);
    uint64_t minor = (dev & 0xff) | ((dev >> 12) & ~(uint64_t)0xff);
    sb_printf(sb, "makedev(%#llx, %#llx)", (unsigned long long)major, (unsigned long long)minor);
}

static bool is_device(uint32_t mode)
{
    uint32_t type = mode & 0170000;
    return type == 0020000 || type == 0060000;
}

void sb_stat(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    struct g_stat st;
    if (!fetch(sb, c, addr, &st, sizeof(st)))
        return;
    sb_puts(sb, "{st_dev=");
    put_dev(sb, st.dev);
    sb_printf(sb, ", st_ino=%llu, st_mode=", (unsigned long long)st.ino);
    sb_file_mode(sb, st.mode);
    if (is_device(st.mode)) {
        sb_puts(sb, ", st_rdev=");
        put_dev(sb, st.rdev);
    } else {
        sb_printf(sb, ", st_size=%lld", (long long)st.size);
    }
    sb_puts(sb, ", ...}");
}

/* The start of struct statx, up to the device numbers. */
struct g_statx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, spare0;
    uint64_t ino, size, blocks, attributes_mask;
    int64_t times[8];
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
};
_Static_assert(sizeof(struct g_statx) == 144, "struct statx up to stx_dev_minor");

void sb_statx(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    struct g_statx sx;
    if (!fetch(sb, c, addr, &sx, sizeof(sx)))
        return;
    sb_printf(sb, "{stx_mask=%#x, stx_dev=makedev(%#x, %#x), stx_ino=%llu, stx_mode=", sx.mask,
              sx.dev_major, sx.dev_minor, (unsigned long long)sx.ino);
    sb_file_mode(sb, sx.mode);
    sb_printf(sb, ", stx_size=%llu, ...}", (unsigned long long)sx.size);
}

/* A signal set as [INT TERM], or ~[KILL STOP] when most signals are in it. */
static void put_sigset(struct sbuf *sb, uint64_t set)
{
    if (__builtin_popcountll(set) > 32) {
        sb_putc(sb, '~');
        set = ~set;
    }
    sb_putc(sb, '[');
    bool first = true;
    for (int i = 0; i < 64; i++) {
        if (!(set & (1ULL << i)))
            continue;
        if (!first)
            sb_putc(sb, ' ');
        sb_signal(sb, i + 1, false);
        first = false;
    }
    sb_putc(sb, ']');
}

void sb_sigset(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    uint64_t set;
    if (fetch(sb, c, addr, &set, sizeof(set)))
        put_sigset(sb, set);
}

/* The kernel's struct sigaction on x86-64 (not glibc's). */
struct g_sigaction {
    uint64_t handler, flags, restorer, mask;
};

void sb_sigaction(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    struct g_sigaction sa;
    if (!fetch(sb, c, addr, &sa, sizeof(sa)))
        return;
    sb_puts(sb, "{sa_handler=");
    if (sa.handler == 0)
        sb_puts(sb, "SIG_DFL");
    else if (sa.handler == 1)
        sb_puts(sb, "SIG_IGN");
    else
        sb_printf(sb, "%#llx", (unsigned long long)sa.handler);
    sb_puts(sb, ", sa_mask=");
    put_sigset(sb, sa.mask);
    sb_puts(sb, ", sa_flags=");
    sb_flags(sb, &g_xlat_sa_flags, sa.flags);
    if (sa.flags & 0x04000000) /* SA_RESTORER */
        sb_printf(sb, ", sa_restorer=%#llx", (unsigned long long)sa.restorer);
    sb_putc(sb, '}');
}

void sb_wstatus(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    uint32_t s;
    if (!fetch(sb, c, addr, &s, sizeof(s)))
        return;
    if ((s & 0x7f) == 0) {
        sb_printf(sb, "[{WIFEXITED(s) && WEXITSTATUS(s) == %u}]", (s >> 8) & 0xff);
    } else if ((s & 0xff) == 0x7f) {
        sb_puts(sb, "[{WIFSTOPPED(s) && WSTOPSIG(s) == ");
        sb_signal(sb, (int)((s >> 8) & 0xff), true);
        sb_puts(sb, "}]");
    } else if (s == 0xffff) {
        sb_puts(sb, "[{WIFCONTINUED(s)}]");
    } else {
        sb_puts(sb, "[{WIFSIGNALED(s) && WTERMSIG(s) == ");
        sb_signal(sb, (int)(s & 0x7f), true);
        sb_puts(sb, (s & 0x80) ? " && WCOREDUMP(s)}]" : "}]");
    }
}

struct g_pollfd {
    int32_t fd;
    uint16_t events, revents;
};

void sb_pollfds(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr, uint64_t count)
{
    struct g_pollfd p;
    if (count == 0) {
        sb_puts(sb, "[]");
        return;
    }
    if (!fetch(sb, c, addr, &p, sizeof(p)))
        return;
    sb_putc(sb, '[');
    for (uint64_t i = 0; i < count; i++) {
        if (i > 0 && (i >= ARRAY_MAX || mem_read(c, addr + i * sizeof(p), &p, sizeof(p)) < 0)) {
            sb_puts(sb, ", ...");
            break;
        }
        sb_printf(sb, "%s{fd=%d, events=", i ? ", " : "", p.fd);
        sb_flags(sb, &g_xlat_poll, p.events);
        if (ctx_out_ok(c)) {
            sb_puts(sb, ", revents=");
            sb_flags(sb, &g_xlat_poll, p.revents);
        }
        sb_putc(sb, '}');
    }
    sb_putc(sb, ']');
}

/* struct epoll_event is packed on x86-64: 12 bytes. */
#define EPOLL_EVENT_SIZE 12

static void put_epoll_event(struct sbuf *sb, const uint8_t raw[EPOLL_EVENT_SIZE])
{
    uint32_t events;
    uint64_t data;
    memcpy(&events, raw, sizeof(events));
    memcpy(&data, raw + 4, sizeof(data));
    sb_puts(sb, "{events=");
    sb_flags(sb, &g_xlat_epoll_events, events);
    sb_printf(sb, ", data=%#llx}", (unsigned long long)data);
}

void sb_epoll_event(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    uint8_t raw[EPOLL_EVENT_SIZE];
    if (fetch(sb, c, addr, raw, sizeof(raw)))
        put_epoll_event(sb, raw);
}

void sb_epoll_events(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr, uint64_t count)
{
    uint8_t raw[EPOLL_EVENT_SIZE];
    if (count == 0) {
        sb_puts(sb, "[]");
        return;
    }
    if (!fetch(sb, c, addr, raw, sizeof(raw)))
        return;
    sb_putc(sb, '[');
    for (uint64_t i = 0; i < count; i++) {
        if (i > 0 && (i >= ARRAY_MAX || mem_read(c, addr + i * sizeof(raw), raw, sizeof(raw)))) {
            sb_puts(sb, ", ...");
            break;
        }
        if (i > 0)
            sb_puts(sb, ", ");
        put_epoll_event(sb, raw);
    }
    sb_putc(sb, ']');
}

void sb_argv(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    uint64_t p;
    if (!fetch(sb, c, addr, &p, sizeof(p)))
        return;
    sb_putc(sb, '[');
    for (uint64_t i = 0; p != 0; i++) {
        if (i >= ARRAY_MAX) {
            sb_puts(sb, ", ...");
            break;
        }
        if (i > 0)
            sb_puts(sb, ", ");
        sb_path(sb, c, p);
        if (mem_read(c, addr + (i + 1) * sizeof(p), &p, sizeof(p)) < 0) {
            sb_puts(sb, ", ...(bad)");
            break;
        }
    }
    sb_putc(sb, ']');
}

void sb_envp(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    uint64_t p;
    if (!fetch(sb, c, addr, &p, sizeof(p)))
        return;
    uint64_t n = 0;
    while (p != 0 && n < ENVP_COUNT_MAX) {
        n++;
        if (mem_read(c, addr + n * sizeof(p), &p, sizeof(p)) < 0)
            break;
    }
    sb_printf(sb, "%#llx /* %llu%s vars */", (unsigned long long)addr, (unsigned long long)n,
              n >= ENVP_COUNT_MAX ? "+" : "");
}

void sb_int_pair(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    int32_t fds[2];
    if (fetch(sb, c, addr, fds, sizeof(fds)))
        sb_printf(sb, "[%d, %d]", fds[0], fds[1]);
}

void sb_u64_out(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    uint64_t v;
    if (fetch(sb, c, addr, &v, sizeof(v)))
        sb_printf(sb, "[%#llx]", (unsigned long long)v);
}

static void put_rlim(struct sbuf *sb, uint64_t v)
{
    if (v == UINT64_MAX)
        sb_puts(sb, "RLIM64_INFINITY");
    else
        sb_printf(sb, "%llu", (unsigned long long)v);
}

void sb_rlimit(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    uint64_t r[2];
    if (!fetch(sb, c, addr, r, sizeof(r)))
        return;
    sb_puts(sb, "{rlim_cur=");
    put_rlim(sb, r[0]);
    sb_puts(sb, ", rlim_max=");
    put_rlim(sb, r[1]);
    sb_putc(sb, '}');
}

#define UTS_FIELD 65

void sb_utsname(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    static const char *const names[] = {"sysname", "nodename", "release"};
    uint8_t u[3][UTS_FIELD];
    if (!fetch(sb, c, addr, u, sizeof(u)))
        return;
    sb_putc(sb, '{');
    for (int i = 0; i < 3; i++) {
        const uint8_t *nul = memchr(u[i], 0, UTS_FIELD);
        sb_printf(sb, "%s=", names[i]);
        put_quoted(sb, u[i], nul ? (size_t)(nul - u[i]) : UTS_FIELD);
        sb_puts(sb, ", ");
    }
    sb_puts(sb, "...}");
}

#define SOCKADDR_MAX 128

static void put_sockaddr_un(struct sbuf *sb, const uint8_t *sa, size_t size)
{
    const uint8_t *path = sa + 2;
    size_t n = size > 2 ? size - 2 : 0;
    sb_puts(sb, ", sun_path=");
    if (n > 0 && path[0] == 0) { /* abstract socket: the name is not NUL-terminated */
        sb_putc(sb, '@');
        path++;
        n--;
    } else {
        const uint8_t *nul = memchr(path, 0, n);
        if (nul)
            n = nul - path;
    }
    put_quoted(sb, path, n > STR_MAX ? STR_MAX : n);
}

static void put_sockaddr_inet(struct sbuf *sb, const uint8_t *sa, size_t size, int family)
{
    char ip[INET6_ADDRSTRLEN];
    uint16_t port = (uint16_t)(sa[2] << 8 | sa[3]);
    if (family == 2 && size >= 8) {
        inet_ntop(AF_INET, sa + 4, ip, sizeof(ip));
        sb_printf(sb, ", sin_port=htons(%u), sin_addr=inet_addr(\"%s\")", port, ip);
    } else if (family == 10 && size >= 24) {
        inet_ntop(AF_INET6, sa + 8, ip, sizeof(ip));
        sb_printf(sb, ", sin6_port=htons(%u), sin6_addr=\"%s\"", port, ip);
    } else {
        sb_puts(sb, ", ...");
    }
}

void sb_sockaddr(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr, uint64_t size)
{
    uint8_t sa[SOCKADDR_MAX];
    size_t n = size < sizeof(sa) ? (size_t)size : sizeof(sa);
    if (n < 2) {
        sb_addr(sb, addr);
        return;
    }
    if (!fetch(sb, c, addr, sa, n))
        return;
    uint16_t family;
    memcpy(&family, sa, sizeof(family));
    sb_puts(sb, "{sa_family=");
    sb_enum(sb, &g_xlat_sock_domain, family);
    if (family == 1)
        put_sockaddr_un(sb, sa, n);
    else if (family == 2 || family == 10)
        put_sockaddr_inet(sb, sa, n, family);
    else
        sb_puts(sb, ", ...");
    sb_putc(sb, '}');
}

void sb_winsize(struct sbuf *sb, const struct strace_ctx *c, gaddr_t addr)
{
    uint16_t ws[4];
    if (fetch(sb, c, addr, ws, sizeof(ws)))
        sb_printf(sb, "{ws_row=%u, ws_col=%u, ws_xpixel=%u, ws_ypixel=%u}", ws[0], ws[1], ws[2],
                  ws[3]);
}
