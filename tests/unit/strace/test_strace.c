// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the --strace decoder (sentry/strace/): exact entry and exit lines for common
 * syscalls, read from a fake guest memory, plus errno names, bad pointers and truncation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "abi/linux/syscall_nr_x86_64.h"
#include "common/log.h"
#include "sentry/strace/strace.h"
#include "sentry/strace/strace_internal.h"

/* Guest memory: [GBASE, GBASE + GSIZE); everything else faults. */
#define GBASE 0x10000ULL
#define GSIZE 0x3000

static uint8_t g_guest[GSIZE];

static int fake_read(void *opaque, gaddr_t addr, void *buf, size_t size)
{
    (void)opaque;
    if (addr < GBASE || addr - GBASE > GSIZE || size > GSIZE - (addr - GBASE))
        return -EFAULT;
    memcpy(buf, g_guest + (addr - GBASE), size);
    return 0;
}

static const struct strace_mem g_mem = {.read = fake_read, .opaque = NULL};

/* Copy @size bytes to guest address @addr; returns @addr. */
static gaddr_t put(gaddr_t addr, const void *data, size_t size)
{
    assert_true(addr >= GBASE && addr + size <= GBASE + GSIZE);
    memcpy(g_guest + (addr - GBASE), data, size);
    return addr;
}

static gaddr_t put_str(gaddr_t addr, const char *s)
{
    return put(addr, s, strlen(s) + 1);
}

static struct syscall_args args(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                                uint64_t a4, uint64_t a5)
{
    struct syscall_args a = {.nr = nr, .a = {a0, a1, a2, a3, a4, a5}};
    return a;
}

static char g_line[STRACE_LINE_MAX];

static const char *enter(const struct syscall_args *a)
{
    size_t n = strace_format_enter(g_line, sizeof(g_line), 7, "bash", a, &g_mem);
    assert_int_equal(n, strlen(g_line));
    return g_line;
}

static const char *leave(const struct syscall_args *a, long ret)
{
    size_t n = strace_format_exit(g_line, sizeof(g_line), 7, "bash", a, ret, 12400, &g_mem);
    assert_int_equal(n, strlen(g_line));
    return g_line;
}

static int reset_guest(void **state)
{
    memset(g_guest, 0, sizeof(g_guest));
    return 0;
}

static void test_openat_enter_exit(void **state)
{
    gaddr_t path = put_str(GBASE + 0x100, "/etc/passwd");
    struct syscall_args a = args(LINUX_NR_openat, (uint64_t)-100, path, 02000000, 0, 0, 0);
    assert_string_equal(enter(&a),
                        "[   7] bash E openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC, 0)");
    assert_string_equal(leave(&a, 3), "[   7] bash X openat(AT_FDCWD, \"/etc/passwd\", "
                                      "O_RDONLY|O_CLOEXEC, 0) = 3 (12.4\xc2\xb5s)");
    a = args(LINUX_NR_openat, 5, path, 01 | 0100 | 01000, 0644, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E openat(5, \"/etc/passwd\", "
                                   "O_WRONLY|O_CREAT|O_TRUNC, 0644)");
}

static void test_errno_results(void **state)
{
    gaddr_t path = put_str(GBASE, "/nope");
    struct syscall_args a = args(LINUX_NR_open, path, 0, 0, 0, 0, 0);
    assert_string_equal(leave(&a, -ENOENT), "[   7] bash X open(\"/nope\", O_RDONLY, 0) = -1 "
                                            "ENOENT (No such file or directory) (12.4\xc2\xb5s)");
    a = args(LINUX_NR_close, 9, 0, 0, 0, 0, 0);
    assert_string_equal(leave(&a, -EBADF),
                        "[   7] bash X close(9) = -1 EBADF (Bad file descriptor) (12.4\xc2\xb5s)");
    a = args(LINUX_NR_pause, 0, 0, 0, 0, 0, 0);
    assert_string_equal(leave(&a, -512), "[   7] bash X pause() = -1 ERESTARTSYS "
                                         "(To be restarted if SA_RESTART is set) (12.4\xc2\xb5s)");
    assert_string_equal(leave(&a, -300), "[   7] bash X pause() = -1 (errno 300) (12.4\xc2\xb5s)");
}

static void test_read_buffer_on_exit(void **state)
{
    static const uint8_t elf[40] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, [39] = 'z'};
    gaddr_t buf = put(GBASE + 0x200, elf, sizeof(elf));
    struct syscall_args a = args(LINUX_NR_read, 3, buf, 832, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E read(3, 0x10200, 832)");
    assert_string_equal(leave(&a, 4), "[   7] bash X read(3, \"\\x7fELF\", 832) = 4 "
                                      "(12.4\xc2\xb5s)");
    const char *line = leave(&a, 40);
    assert_non_null(strstr(line, "read(3, \"\\x7fELF\\x02\\x01\\x01\\x00"));
    assert_non_null(strstr(line, "\\x00\"..., 832) = 40"));
    assert_string_equal(leave(&a, -EAGAIN), "[   7] bash X read(3, 0x10200, 832) = -1 EAGAIN "
                                            "(Resource temporarily unavailable) (12.4\xc2\xb5s)");
}

static void test_write_escapes(void **state)
{
    gaddr_t buf = put_str(GBASE, "hi \"x\"\t\\\n");
    struct syscall_args a = args(LINUX_NR_write, 1, buf, 9, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E write(1, \"hi \\\"x\\\"\\t\\\\\\n\", 9)");
}

static void test_long_path_truncated(void **state)
{
    char s[100];
    memset(s, 'a', sizeof(s) - 1);
    s[99] = 0;
    gaddr_t path = put_str(GBASE, s);
    struct syscall_args a = args(LINUX_NR_chdir, path, 0, 0, 0, 0, 0);
    char want[128];
    snprintf(want, sizeof(want), "[   7] bash E chdir(\"%.64s\"...)", s);
    assert_string_equal(enter(&a), want);
    s[64] = 0; /* exactly 64 bytes: shown whole */
    put_str(GBASE, s);
    snprintf(want, sizeof(want), "[   7] bash E chdir(\"%s\")", s);
    assert_string_equal(enter(&a), want);
}

static void test_bad_pointers(void **state)
{
    struct syscall_args a = args(LINUX_NR_openat, (uint64_t)-100, 0xdead0000, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E openat(AT_FDCWD, 0xdead0000 (bad), O_RDONLY, 0)");
    a = args(LINUX_NR_fstat, 3, 0x5000, 0, 0, 0, 0);
    assert_string_equal(leave(&a, 0), "[   7] bash X fstat(3, 0x5000 (bad)) = 0 (12.4\xc2\xb5s)");
    a = args(LINUX_NR_write, 1, UINT64_MAX - 4, 16, 0, 0, 0); /* wraps around */
    assert_string_equal(enter(&a), "[   7] bash E write(1, 0xfffffffffffffffb (bad), 16)");
    /* A string running into unmapped memory. */
    memset(g_guest + GSIZE - 4, 'x', 4);
    a = args(LINUX_NR_unlink, GBASE + GSIZE - 4, 0, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E unlink(\"xxxx\"...(bad))");
    /* No memory reader at all: pointers print as addresses. */
    a = args(LINUX_NR_unlink, GBASE, 0, 0, 0, 0, 0);
    strace_format_enter(g_line, sizeof(g_line), 7, "bash", &a, NULL);
    assert_string_equal(g_line, "[   7] bash E unlink(0x10000)");
}

static void test_mmap_and_prot(void **state)
{
    struct syscall_args a = args(LINUX_NR_mmap, 0, 8192, 3, 0x22, (uint64_t)-1, 0);
    assert_string_equal(leave(&a, 0x7f0000001000),
                        "[   7] bash X mmap(NULL, 8192, PROT_READ|PROT_WRITE, "
                        "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000001000 (12.4\xc2\xb5s)");
    a = args(LINUX_NR_mprotect, 0x400000, 4096, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E mprotect(0x400000, 4096, PROT_NONE)");
    a = args(LINUX_NR_mmap, 0x1000, 4096, 5, 0x12 | 0x80000000ULL, 4, 0x2000);
    assert_string_equal(enter(&a), "[   7] bash E mmap(0x1000, 4096, PROT_READ|PROT_EXEC, "
                                   "MAP_PRIVATE|MAP_FIXED|0x80000000, 4, 0x2000)");
}

static void test_clone_flags(void **state)
{
    struct syscall_args a = args(LINUX_NR_clone, 0x3d0f00, 0x7000, 0x8000, 0x8000, 0x9000, 0);
    assert_string_equal(enter(&a),
                        "[   7] bash E clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|"
                        "CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|"
                        "CLONE_CHILD_CLEARTID, 0x7000, 0x8000, 0x8000, 0x9000)");
    a = args(LINUX_NR_clone, 0x1200000 | 17, 0, 0, 0x8000, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E clone(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|"
                                   "SIGCHLD, 0, 0, 0x8000, 0)");
}

static void test_signals(void **state)
{
    uint64_t act[4] = {0x401000, 0x14000000, 0x402000, 1ULL << 14};
    gaddr_t pact = put(GBASE, act, sizeof(act));
    struct syscall_args a = args(LINUX_NR_rt_sigaction, 2, pact, 0, 8, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E rt_sigaction(SIGINT, {sa_handler=0x401000, "
                                   "sa_mask=[TERM], sa_flags=SA_RESTORER|SA_RESTART, "
                                   "sa_restorer=0x402000}, NULL, 8)");
    uint64_t old[4] = {1, 0, 0, 0};
    gaddr_t pold = put(GBASE + 0x40, old, sizeof(old));
    a = args(LINUX_NR_rt_sigaction, 34, 0, pold, 8, 0, 0);
    assert_string_equal(leave(&a, 0), "[   7] bash X rt_sigaction(SIGRT_2, NULL, {sa_handler="
                                      "SIG_IGN, sa_mask=[], sa_flags=0}, 8) = 0 (12.4\xc2\xb5s)");

    uint64_t set = (1ULL << 0) | (1ULL << 1), all = ~((1ULL << 8) | (1ULL << 18)), zero = 0;
    gaddr_t pset = put(GBASE + 0x80, &set, 8);
    gaddr_t pall = put(GBASE + 0x88, &all, 8);
    gaddr_t pzero = put(GBASE + 0x90, &zero, 8);
    a = args(LINUX_NR_rt_sigprocmask, 0, pset, pzero, 8, 0, 0);
    assert_string_equal(enter(&a),
                        "[   7] bash E rt_sigprocmask(SIG_BLOCK, [HUP INT], 0x10090, 8)");
    assert_string_equal(leave(&a, 0), "[   7] bash X rt_sigprocmask(SIG_BLOCK, [HUP INT], [], 8) "
                                      "= 0 (12.4\xc2\xb5s)");
    a = args(LINUX_NR_rt_sigprocmask, 2, pall, 0, 8, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E rt_sigprocmask(SIG_SETMASK, ~[KILL STOP], "
                                   "NULL, 8)");
    a = args(LINUX_NR_kill, 42, 9, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E kill(42, SIGKILL)");
}

static void test_timespec_and_clock(void **state)
{
    int64_t ts[2] = {5, 123};
    gaddr_t p = put(GBASE, ts, sizeof(ts));
    struct syscall_args a = args(LINUX_NR_clock_gettime, 1, p, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E clock_gettime(CLOCK_MONOTONIC, 0x10000)");
    assert_string_equal(leave(&a, 0), "[   7] bash X clock_gettime(CLOCK_MONOTONIC, "
                                      "{tv_sec=5, tv_nsec=123}) = 0 (12.4\xc2\xb5s)");
    a = args(LINUX_NR_nanosleep, p, 0, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E nanosleep({tv_sec=5, tv_nsec=123}, NULL)");
}

static void test_stat_on_exit(void **state)
{
    uint64_t st[18] = {0};
    st[0] = 0x801;   /* st_dev: 8:1 */
    st[1] = 42;      /* st_ino */
    st[3] = 0100644; /* st_mode (low half), st_uid 0 */
    st[6] = 1234;    /* st_size */
    gaddr_t p = put(GBASE + 0x300, st, sizeof(st));
    gaddr_t path = put_str(GBASE, "f");
    struct syscall_args a = args(LINUX_NR_newfstatat, (uint64_t)-100, path, p, 0x100, 0, 0);
    assert_string_equal(leave(&a, 0), "[   7] bash X newfstatat(AT_FDCWD, \"f\", "
                                      "{st_dev=makedev(0x8, 0x1), st_ino=42, st_mode=S_IFREG|0644, "
                                      "st_size=1234, ...}, AT_SYMLINK_NOFOLLOW) = 0 "
                                      "(12.4\xc2\xb5s)");
    st[3] = 020620;
    st[5] = 0x8803; /* st_rdev: 136:3 */
    put(p, st, sizeof(st));
    a = args(LINUX_NR_fstat, 0, p, 0, 0, 0, 0);
    assert_string_equal(leave(&a, 0), "[   7] bash X fstat(0, {st_dev=makedev(0x8, 0x1), "
                                      "st_ino=42, st_mode=S_IFCHR|0620, "
                                      "st_rdev=makedev(0x88, 0x3), ...}) = 0 (12.4\xc2\xb5s)");
}

static void test_iovec(void **state)
{
    gaddr_t b0 = put_str(GBASE + 0x100, "hello");
    uint64_t iov[4] = {b0, 5, GBASE + 0x200, 10};
    gaddr_t p = put(GBASE, iov, sizeof(iov));
    struct syscall_args a = args(LINUX_NR_writev, 1, p, 2, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E writev(1, [{iov_base=\"hello\", iov_len=5}, "
                                   "...], 2)");
    a = args(LINUX_NR_readv, 3, p, 1, 0, 0, 0);
    assert_string_equal(leave(&a, 3), "[   7] bash X readv(3, [{iov_base=\"hel\", iov_len=5}], "
                                      "1) = 3 (12.4\xc2\xb5s)");
}

static void test_sockets(void **state)
{
    struct syscall_args a = args(LINUX_NR_socket, 2, 1 | 02000000, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)");
    a = args(LINUX_NR_socket, 1, 2 | 04000, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E socket(AF_UNIX, SOCK_DGRAM|SOCK_NONBLOCK, 0)");
    uint8_t sin[16] = {2, 0, 0, 80, 127, 0, 0, 1};
    gaddr_t p = put(GBASE, sin, sizeof(sin));
    a = args(LINUX_NR_connect, 3, p, 16, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E connect(3, {sa_family=AF_INET, "
                                   "sin_port=htons(80), sin_addr=inet_addr(\"127.0.0.1\")}, 16)");
    uint8_t sun[12] = {1, 0, '/', 't', 'm', 'p', '/', 's', 0};
    p = put(GBASE, sun, sizeof(sun));
    a = args(LINUX_NR_bind, 3, p, 12, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E bind(3, {sa_family=AF_UNIX, "
                                   "sun_path=\"/tmp/s\"}, 12)");
}

static void test_fcntl_ioctl(void **state)
{
    struct syscall_args a = args(LINUX_NR_fcntl, 3, 2, 1, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E fcntl(3, F_SETFD, FD_CLOEXEC)");
    a = args(LINUX_NR_fcntl, 3, 3, 0, 0, 0, 0);
    assert_string_equal(leave(&a, 02002), "[   7] bash X fcntl(3, F_GETFL) = 1026 (12.4\xc2\xb5s)");
    a = args(LINUX_NR_fcntl, 3, 4, 04000 | 2, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK)");
    a = args(LINUX_NR_fcntl, 3, 1030, 10, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E fcntl(3, F_DUPFD_CLOEXEC, 10)");

    a = args(LINUX_NR_ioctl, 0, 0x5401, GBASE, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E ioctl(0, TCGETS, 0x10000)");
    uint16_t ws[4] = {24, 80, 0, 0};
    put(GBASE, ws, sizeof(ws));
    a = args(LINUX_NR_ioctl, 1, 0x5413, GBASE, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E ioctl(1, TIOCGWINSZ, 0x10000)");
    assert_string_equal(leave(&a, 0), "[   7] bash X ioctl(1, TIOCGWINSZ, {ws_row=24, ws_col=80, "
                                      "ws_xpixel=0, ws_ypixel=0}) = 0 (12.4\xc2\xb5s)");
    a = args(LINUX_NR_ioctl, 1, 0x80045430, GBASE, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E ioctl(1, TIOCGPTN, 0x10000)");
    a = args(LINUX_NR_ioctl, 1, 0xc0de, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E ioctl(1, 0xc0de, 0)");
}

static void test_futex_wait4_lseek_access(void **state)
{
    struct syscall_args a = args(LINUX_NR_futex, 0x10008, 128, 2, 0, 0, 0);
    assert_string_equal(enter(&a),
                        "[   7] bash E futex(0x10008, FUTEX_WAIT_PRIVATE, 2, NULL, 0, 0)");
    a = args(LINUX_NR_futex, 0x10008, 1 | 128, 1, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E futex(0x10008, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0)");
    a = args(LINUX_NR_futex, 0x10008, 9 | 128 | 256, 0, 0, 0, 0xffffffff);
    assert_string_equal(enter(&a), "[   7] bash E futex(0x10008, FUTEX_WAIT_BITSET_PRIVATE|"
                                   "FUTEX_CLOCK_REALTIME, 0, NULL, 0, -1)");

    uint32_t status = 3 << 8;
    gaddr_t p = put(GBASE, &status, sizeof(status));
    a = args(LINUX_NR_wait4, (uint64_t)-1, p, 1 | 0x40000000, 0, 0, 0);
    assert_string_equal(leave(&a, 42), "[   7] bash X wait4(-1, [{WIFEXITED(s) && "
                                       "WEXITSTATUS(s) == 3}], WNOHANG|__WALL, 0) = 42 "
                                       "(12.4\xc2\xb5s)");
    status = 0x80 | 11;
    put(GBASE, &status, sizeof(status));
    assert_non_null(strstr(leave(&a, 42), "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && "
                                          "WCOREDUMP(s)}]"));
    assert_non_null(strstr(leave(&a, 0), "wait4(-1, 0x10000, WNOHANG|__WALL"));

    a = args(LINUX_NR_lseek, 3, (uint64_t)-16, 2, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E lseek(3, -16, SEEK_END)");
    gaddr_t path = put_str(GBASE + 0x10, "/bin/sh");
    a = args(LINUX_NR_access, path, 5, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E access(\"/bin/sh\", R_OK|X_OK)");
    a = args(LINUX_NR_faccessat2, (uint64_t)-100, path, 0, 0x200, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E faccessat2(AT_FDCWD, \"/bin/sh\", F_OK, "
                                   "AT_REMOVEDIR)");
}

static void test_poll_epoll(void **state)
{
    int32_t fds[4] = {3, 0x0001 | (0x0001 << 16), 4, 0x0004};
    gaddr_t p = put(GBASE, fds, sizeof(fds));
    struct syscall_args a = args(LINUX_NR_poll, p, 2, (uint64_t)-1, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E poll([{fd=3, events=POLLIN}, {fd=4, "
                                   "events=POLLOUT}], 2, -1)");
    assert_string_equal(leave(&a, 1), "[   7] bash X poll([{fd=3, events=POLLIN, revents=POLLIN}, "
                                      "{fd=4, events=POLLOUT, revents=0}], 2, -1) = 1 "
                                      "(12.4\xc2\xb5s)");
    uint8_t ev[12] = {0x01, 0, 0, 0x80, 7};
    p = put(GBASE + 0x40, ev, sizeof(ev));
    a = args(LINUX_NR_epoll_ctl, 5, 1, 7, p, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E epoll_ctl(5, EPOLL_CTL_ADD, 7, "
                                   "{events=EPOLLIN|EPOLLET, data=0x7})");
    a = args(LINUX_NR_epoll_wait, 5, p, 16, 100, 0, 0);
    assert_string_equal(leave(&a, 1), "[   7] bash X epoll_wait(5, [{events=EPOLLIN|EPOLLET, "
                                      "data=0x7}], 16, 100) = 1 (12.4\xc2\xb5s)");
}

static void test_prctl_arch_prctl_pipe(void **state)
{
    uint64_t fs = 0x7f00dead0000;
    gaddr_t p = put(GBASE, &fs, sizeof(fs));
    struct syscall_args a = args(LINUX_NR_arch_prctl, 0x1002, 0x7f00dead0000, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E arch_prctl(ARCH_SET_FS, 0x7f00dead0000)");
    a = args(LINUX_NR_arch_prctl, 0x1003, p, 0, 0, 0, 0);
    assert_string_equal(leave(&a, 0), "[   7] bash X arch_prctl(ARCH_GET_FS, [0x7f00dead0000]) "
                                      "= 0 (12.4\xc2\xb5s)");
    gaddr_t name = put_str(GBASE + 0x20, "worker");
    a = args(LINUX_NR_prctl, 15, name, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E prctl(PR_SET_NAME, \"worker\", 0, 0, 0)");
    a = args(LINUX_NR_prctl, 38, 1, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E prctl(PR_SET_NO_NEW_PRIVS, 0x1, 0, 0, 0)");
    int32_t pfd[2] = {3, 4};
    p = put(GBASE + 0x40, pfd, sizeof(pfd));
    a = args(LINUX_NR_pipe2, p, 02000000, 0, 0, 0, 0);
    assert_string_equal(leave(&a, 0), "[   7] bash X pipe2([3, 4], O_CLOEXEC) = 0 "
                                      "(12.4\xc2\xb5s)");
    uint64_t rl[2] = {1024, UINT64_MAX};
    p = put(GBASE + 0x60, rl, sizeof(rl));
    a = args(LINUX_NR_prlimit64, 0, 7, 0, p, 0, 0);
    assert_string_equal(leave(&a, 0), "[   7] bash X prlimit64(0, RLIMIT_NOFILE, NULL, "
                                      "{rlim_cur=1024, rlim_max=RLIM64_INFINITY}) = 0 "
                                      "(12.4\xc2\xb5s)");
}

static void test_execve(void **state)
{
    gaddr_t s0 = put_str(GBASE + 0x100, "/bin/ls");
    gaddr_t s1 = put_str(GBASE + 0x110, "-l");
    gaddr_t e0 = put_str(GBASE + 0x120, "PATH=/bin");
    uint64_t argv[3] = {s0, s1, 0}, envp[3] = {e0, e0, 0};
    gaddr_t pa = put(GBASE, argv, sizeof(argv));
    gaddr_t pe = put(GBASE + 0x40, envp, sizeof(envp));
    struct syscall_args a = args(LINUX_NR_execve, s0, pa, pe, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E execve(\"/bin/ls\", [\"/bin/ls\", \"-l\"], "
                                   "0x10040 /* 2 vars */)");
    uint64_t many[12];
    for (int i = 0; i < 11; i++)
        many[i] = s1;
    many[11] = 0;
    pa = put(GBASE + 0x200, many, sizeof(many));
    a = args(LINUX_NR_execve, s0, pa, 0, 0, 0, 0);
    assert_string_equal(enter(&a), "[   7] bash E execve(\"/bin/ls\", [\"-l\", \"-l\", \"-l\", "
                                   "\"-l\", \"-l\", \"-l\", \"-l\", \"-l\", ...], NULL)");
}

static void test_unknown_syscall(void **state)
{
    struct syscall_args a = args(1000, 1, 2, 3, 4, 5, 6);
    assert_string_equal(enter(&a), "[   7] bash E syscall_0x3e8(0x1, 0x2, 0x3, 0x4, 0x5, 0x6)");
    a = args(400, 0, 0, 0, 0, 0, 0); /* a hole in the x86-64 table */
    assert_string_equal(leave(&a, -ENOSYS), "[   7] bash X syscall_0x190(0, 0, 0, 0, 0, 0) "
                                            "= -1 ENOSYS (Function not implemented) "
                                            "(12.4\xc2\xb5s)");
}

static void test_truncation(void **state)
{
    gaddr_t path = put_str(GBASE, "/etc/passwd");
    struct syscall_args a = args(LINUX_NR_openat, (uint64_t)-100, path, 0, 0, 0, 0);
    char small[20];
    memset(small, 'Z', sizeof(small));
    size_t n = strace_format_enter(small, sizeof(small), 7, "bash", &a, &g_mem);
    assert_int_equal(n, sizeof(small) - 1);
    assert_string_equal(small, "[   7] bash E op...");

    /* Every size from 0 up: never writes past @size, always terminated. */
    for (size_t size = 0; size < 120; size++) {
        char buf[128];
        memset(buf, 'Z', sizeof(buf));
        n = strace_format_exit(buf, size, 7, "bash", &a, 3, 5, &g_mem);
        assert_true(size == 0 ? n == 0 : n < size);
        if (size > 0)
            assert_int_equal(strlen(buf), n);
        for (size_t i = size; i < sizeof(buf); i++)
            assert_int_equal(buf[i], 'Z');
    }
}

static void test_durations(void **state)
{
    struct syscall_args a = args(LINUX_NR_getpid, 0, 0, 0, 0, 0, 0);
    static const struct {
        uint64_t ns;
        const char *want;
    } cases[] = {
        {0, "(0ns)"},
        {850, "(850ns)"},
        {1000, "(1\xc2\xb5s)"},
        {12400, "(12.4\xc2\xb5s)"},
        {1500000, "(1.5ms)"},
        {2000000000, "(2s)"},
        {2000000001, "(2.000000001s)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char want[64];
        snprintf(want, sizeof(want), "[  12] init X getpid() = 1 %s", cases[i].want);
        strace_format_exit(g_line, sizeof(g_line), 12, "init", &a, 1, cases[i].ns, &g_mem);
        assert_string_equal(g_line, want);
    }
}

static void test_names_and_table(void **state)
{
    assert_string_equal(syscall_name(LINUX_NR_read), "read");
    assert_string_equal(syscall_name(LINUX_NR_mseal), "mseal");
    assert_string_equal(syscall_name(400), "unknown");
    assert_string_equal(syscall_name(LINUX_NR_MAX), "unknown");
    assert_string_equal(syscall_name(UINT64_MAX), "unknown");
    int named = 0;
    for (int nr = 0; nr < LINUX_NR_MAX; nr++) {
        bool has_name = g_syscall_names[nr] != NULL;
        named += has_name;
        if (has_name != (g_strace_sigs[nr].known != 0))
            fail_msg("syscall %d: name and signature tables disagree", nr);
    }
    assert_int_equal(named, 335 + (LINUX_NR_MAX - 424));
}

static uint64_t g_rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

/* An argument likely to hit the interesting cases: small, negative, or pointing into (or just
 * before the end of) guest memory. */
static uint64_t rnd_arg(void)
{
    switch (rnd() % 6) {
    case 0:
        return rnd();
    case 1:
        return rnd() % 16;
    case 2:
        return (uint64_t) - (int64_t)(rnd() % 5000);
    case 3:
        return GBASE + GSIZE - rnd() % 64;
    default:
        return GBASE + rnd() % GSIZE;
    }
}

/* Random arguments and random guest memory (full of guest pointers) for every syscall number:
 * the output always fits and ASan/UBSan stay quiet. */
static void test_random_args_never_crash(void **state)
{
    for (size_t i = 0; i + 8 <= GSIZE; i += 8) {
        uint64_t v = rnd() % 3 ? rnd_arg() : rnd();
        memcpy(g_guest + i, &v, sizeof(v));
    }
    char buf[STRACE_LINE_MAX];
    for (uint64_t nr = 0; nr < LINUX_NR_MAX + 3; nr++) {
        for (int round = 0; round < 40; round++) {
            struct syscall_args a =
                args(nr, rnd_arg(), rnd_arg(), rnd_arg(), rnd_arg(), rnd_arg(), rnd_arg());
            size_t size = round % 4 ? sizeof(buf) : rnd() % 80;
            long ret = round % 3 ? (long)(rnd() % 100) : -(long)(rnd() % 600);
            size_t n = strace_format_enter(buf, size, (int)rnd(), "x", &a, &g_mem);
            assert_true(size == 0 ? n == 0 : n < size && strlen(buf) == n);
            n = strace_format_exit(buf, size, 1, NULL, &a, ret, rnd(), &g_mem);
            assert_true(size == 0 ? n == 0 : n < size && strlen(buf) == n);
        }
    }
}

static void test_strace_enter_writes_one_line(void **state)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    cv_log_set_fd(p[1]);
    struct syscall_args a = args(LINUX_NR_getpid, 0, 0, 0, 0, 0, 0);
    strace_enter(1, "init", &a, &g_mem);
    strace_exit(1, "init", &a, 1, 2000, &g_mem);
    cv_log_set_fd(2);
    char buf[256] = {0};
    ssize_t n = read(p[0], buf, sizeof(buf) - 1);
    assert_true(n > 0);
    assert_string_equal(buf, "[   1] init E getpid()\n[   1] init X getpid() = 1 (2\xc2\xb5s)\n");
    close(p[0]);
    close(p[1]);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, reset_guest)
    const struct CMUnitTest tests[] = {
        T(test_openat_enter_exit),
        T(test_errno_results),
        T(test_read_buffer_on_exit),
        T(test_write_escapes),
        T(test_long_path_truncated),
        T(test_bad_pointers),
        T(test_mmap_and_prot),
        T(test_clone_flags),
        T(test_signals),
        T(test_timespec_and_clock),
        T(test_stat_on_exit),
        T(test_iovec),
        T(test_sockets),
        T(test_fcntl_ioctl),
        T(test_futex_wait4_lseek_access),
        T(test_poll_epoll),
        T(test_prctl_arch_prctl_pipe),
        T(test_execve),
        T(test_unknown_syscall),
        T(test_truncation),
        T(test_durations),
        T(test_names_and_table),
        T(test_random_args_never_crash),
        T(test_strace_enter_writes_one_line),
    };
#undef T
    return cmocka_run_group_tests_name("strace", tests, NULL, NULL);
}
