// SPDX-License-Identifier: Apache-2.0
/*
 * Named constants of the Linux x86-64 ABI for --strace (open and mmap flags, signals, fcntl and
 * ioctl commands, ...) and the printers that turn a number into NAME|NAME|0x.. text. The values
 * are written out from the ABI, so the decoder does not depend on the host's headers.
 */
#include <stdbool.h>
#include <stdint.h>

#include "sentry/strace/strace_internal.h"

const char *xlat_name(const struct xlat_table *t, int64_t v)
{
    for (size_t i = 0; i < t->n; i++) {
        if ((int64_t)t->e[i].val == v)
            return t->e[i].name;
    }
    return NULL;
}

void sb_enum(struct sbuf *sb, const struct xlat_table *t, int64_t v)
{
    const char *name = xlat_name(t, v);
    if (name)
        sb_puts(sb, name);
    else
        sb_printf(sb, "%lld", (long long)v);
}

/* Print the flags of @t present in @v; returns the bits left over. @first says whether
 * nothing has been printed yet in this flag set, and is updated. */
static uint64_t put_flag_bits(struct sbuf *sb, const struct xlat_table *t, uint64_t v, bool *first)
{
    for (size_t i = 0; i < t->n; i++) {
        uint64_t f = t->e[i].val;
        if (f == 0 || (v & f) != f)
            continue;
        if (!*first)
            sb_putc(sb, '|');
        sb_puts(sb, t->e[i].name);
        *first = false;
        v &= ~f;
    }
    return v;
}

/* Print leftover bits @rest after the names, as hex. */
static void put_rest(struct sbuf *sb, uint64_t rest, bool first)
{
    if (rest == 0)
        return;
    if (!first)
        sb_putc(sb, '|');
    sb_printf(sb, "%#llx", (unsigned long long)rest);
}

void sb_flags(struct sbuf *sb, const struct xlat_table *t, uint64_t v)
{
    if (v == 0) {
        sb_puts(sb, t->zero ? t->zero : "0");
        return;
    }
    bool first = true;
    uint64_t rest = put_flag_bits(sb, t, v, &first);
    put_rest(sb, rest, first);
}

/* Open flags after the access mode. O_SYNC and O_TMPFILE include other bits: keep them first. */
static const struct xlat open_flags[] = {
    {04010000, "O_SYNC"},     {020200000, "O_TMPFILE"}, {0100, "O_CREAT"},
    {0200, "O_EXCL"},         {0400, "O_NOCTTY"},       {01000, "O_TRUNC"},
    {02000, "O_APPEND"},      {04000, "O_NONBLOCK"},    {010000, "O_DSYNC"},
    {020000, "O_ASYNC"},      {040000, "O_DIRECT"},     {0100000, "O_LARGEFILE"},
    {0200000, "O_DIRECTORY"}, {0400000, "O_NOFOLLOW"},  {01000000, "O_NOATIME"},
    {02000000, "O_CLOEXEC"},  {010000000, "O_PATH"},
};
static const struct xlat_table xlat_open_flags = XLAT_TABLE(open_flags, NULL);

void sb_open_flags(struct sbuf *sb, uint64_t v)
{
    static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
    bool first = false;
    sb_puts(sb, acc[v & 3]);
    uint64_t rest = put_flag_bits(sb, &xlat_open_flags, v & ~(uint64_t)3, &first);
    put_rest(sb, rest, first);
}

static const struct xlat fd_flags[] = {
    {02000000, "O_CLOEXEC"}, {04000, "O_NONBLOCK"}, {0200000, "O_DIRECTORY"},
    {02000, "O_APPEND"},     {010000, "O_DSYNC"},   {01000, "O_TRUNC"},
};
const struct xlat_table g_xlat_fd_flags = XLAT_TABLE(fd_flags, NULL);

static const struct xlat prot[] = {
    {1, "PROT_READ"},
    {2, "PROT_WRITE"},
    {4, "PROT_EXEC"},
    {8, "PROT_SEM"},
    {0x01000000, "PROT_GROWSDOWN"},
    {0x02000000, "PROT_GROWSUP"},
};
const struct xlat_table g_xlat_prot = XLAT_TABLE(prot, "PROT_NONE");

static const struct xlat mmap_flags[] = {
    {0x10, "MAP_FIXED"},
    {0x20, "MAP_ANONYMOUS"},
    {0x40, "MAP_32BIT"},
    {0x100, "MAP_GROWSDOWN"},
    {0x800, "MAP_DENYWRITE"},
    {0x1000, "MAP_EXECUTABLE"},
    {0x2000, "MAP_LOCKED"},
    {0x4000, "MAP_NORESERVE"},
    {0x8000, "MAP_POPULATE"},
    {0x10000, "MAP_NONBLOCK"},
    {0x20000, "MAP_STACK"},
    {0x40000, "MAP_HUGETLB"},
    {0x80000, "MAP_SYNC"},
    {0x100000, "MAP_FIXED_NOREPLACE"},
    {0x4000000, "MAP_UNINITIALIZED"},
};
static const struct xlat_table xlat_mmap_flags = XLAT_TABLE(mmap_flags, NULL);

void sb_mmap_flags(struct sbuf *sb, uint64_t v)
{
    static const char *const type[] = {NULL, "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE"};
    bool first = true;
    if ((v & 0xf) < 4 && type[v & 0xf]) {
        sb_puts(sb, type[v & 0xf]);
        first = false;
        v &= ~(uint64_t)0xf;
    }
    uint64_t rest = put_flag_bits(sb, &xlat_mmap_flags, v, &first);
    if (first && rest == 0)
        sb_putc(sb, '0');
    put_rest(sb, rest, first);
}

static const struct xlat clone_flags[] = {
    {0x100, "CLONE_VM"},
    {0x200, "CLONE_FS"},
    {0x400, "CLONE_FILES"},
    {0x800, "CLONE_SIGHAND"},
    {0x1000, "CLONE_PIDFD"},
    {0x2000, "CLONE_PTRACE"},
    {0x4000, "CLONE_VFORK"},
    {0x8000, "CLONE_PARENT"},
    {0x10000, "CLONE_THREAD"},
    {0x20000, "CLONE_NEWNS"},
    {0x40000, "CLONE_SYSVSEM"},
    {0x80000, "CLONE_SETTLS"},
    {0x100000, "CLONE_PARENT_SETTID"},
    {0x200000, "CLONE_CHILD_CLEARTID"},
    {0x400000, "CLONE_DETACHED"},
    {0x800000, "CLONE_UNTRACED"},
    {0x1000000, "CLONE_CHILD_SETTID"},
    {0x2000000, "CLONE_NEWCGROUP"},
    {0x4000000, "CLONE_NEWUTS"},
    {0x8000000, "CLONE_NEWIPC"},
    {0x10000000, "CLONE_NEWUSER"},
    {0x20000000, "CLONE_NEWPID"},
    {0x40000000, "CLONE_NEWNET"},
    {0x80000000, "CLONE_IO"},
};
const struct xlat_table g_xlat_unshare = XLAT_TABLE(clone_flags, NULL);

/* clone's flags: the CLONE_* bits, then the exit signal in the low byte. */
void sb_clone_flags(struct sbuf *sb, uint64_t v)
{
    bool first = true;
    uint64_t rest = put_flag_bits(sb, &g_xlat_unshare, v & ~(uint64_t)0xff, &first);
    put_rest(sb, rest, first);
    if ((v & 0xff) != 0) {
        if (!first || rest != 0)
            sb_putc(sb, '|');
        sb_signal(sb, (int)(v & 0xff), true);
    } else if (first && rest == 0) {
        sb_putc(sb, '0');
    }
}

static const char *const signal_names[32] = {
    [1] = "HUP",   [2] = "INT",     [3] = "QUIT",  [4] = "ILL",     [5] = "TRAP",  [6] = "ABRT",
    [7] = "BUS",   [8] = "FPE",     [9] = "KILL",  [10] = "USR1",   [11] = "SEGV", [12] = "USR2",
    [13] = "PIPE", [14] = "ALRM",   [15] = "TERM", [16] = "STKFLT", [17] = "CHLD", [18] = "CONT",
    [19] = "STOP", [20] = "TSTP",   [21] = "TTIN", [22] = "TTOU",   [23] = "URG",  [24] = "XCPU",
    [25] = "XFSZ", [26] = "VTALRM", [27] = "PROF", [28] = "WINCH",  [29] = "IO",   [30] = "PWR",
    [31] = "SYS",
};

void sb_signal(struct sbuf *sb, int sig, bool prefix)
{
    const char *p = prefix ? "SIG" : "";
    if (sig > 0 && sig < 32)
        sb_printf(sb, "%s%s", p, signal_names[sig]);
    else if (sig == 32)
        sb_printf(sb, "%sRTMIN", p);
    else if (sig > 32 && sig <= 64)
        sb_printf(sb, "%sRT_%d", p, sig - 32);
    else
        sb_printf(sb, "%d", sig);
}

static const struct xlat sock_type_flags[] = {
    {04000, "SOCK_NONBLOCK"},
    {02000000, "SOCK_CLOEXEC"},
};
const struct xlat_table g_xlat_sock_flags = XLAT_TABLE(sock_type_flags, NULL);

void sb_sock_type(struct sbuf *sb, uint64_t v)
{
    static const char *const types[] = {
        NULL,        "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM",   "SOCK_SEQPACKET",
        "SOCK_DCCP", NULL,          NULL,         NULL,       "SOCK_PACKET"};
    uint64_t t = v & 0xf;
    if (t < sizeof(types) / sizeof(types[0]) && types[t])
        sb_puts(sb, types[t]);
    else
        sb_printf(sb, "%llu", (unsigned long long)t);
    bool first = false;
    uint64_t rest = put_flag_bits(sb, &g_xlat_sock_flags, v & ~(uint64_t)0xf, &first);
    put_rest(sb, rest, first);
}

void sb_futex_op(struct sbuf *sb, uint64_t v)
{
    static const char *const ops[] = {
        "FUTEX_WAIT",           "FUTEX_WAKE",        "FUTEX_FD",          "FUTEX_REQUEUE",
        "FUTEX_CMP_REQUEUE",    "FUTEX_WAKE_OP",     "FUTEX_LOCK_PI",     "FUTEX_UNLOCK_PI",
        "FUTEX_TRYLOCK_PI",     "FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET", "FUTEX_WAIT_REQUEUE_PI",
        "FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2",
    };
    uint64_t cmd = v & 0x7f;
    if (cmd < sizeof(ops) / sizeof(ops[0]))
        sb_puts(sb, ops[cmd]);
    else
        sb_printf(sb, "%llu", (unsigned long long)cmd);
    if (v & 128)
        sb_puts(sb, "_PRIVATE");
    if (v & 256)
        sb_puts(sb, "|FUTEX_CLOCK_REALTIME");
    uint64_t rest = v & ~(uint64_t)(0x7f | 128 | 256);
    if (rest)
        sb_printf(sb, "|%#llx", (unsigned long long)rest);
}

/* The file type and permission bits of a mode: S_IFREG|0644. */
void sb_file_mode(struct sbuf *sb, uint32_t mode)
{
    static const char *const types[16] = {
        [001] = "S_IFIFO", [002] = "S_IFCHR", [004] = "S_IFDIR",  [006] = "S_IFBLK",
        [010] = "S_IFREG", [012] = "S_IFLNK", [014] = "S_IFSOCK",
    };
    uint32_t type = (mode >> 12) & 0xf;
    if (types[type])
        sb_printf(sb, "%s|", types[type]);
    else if (type)
        sb_printf(sb, "%#o|", type << 12);
    sb_printf(sb, "%#o", mode & 07777);
}

static const struct xlat at_flags[] = {
    {0x100, "AT_SYMLINK_NOFOLLOW"}, {0x200, "AT_REMOVEDIR"},   {0x400, "AT_SYMLINK_FOLLOW"},
    {0x800, "AT_NO_AUTOMOUNT"},     {0x1000, "AT_EMPTY_PATH"}, {0x2000, "AT_STATX_FORCE_SYNC"},
    {0x4000, "AT_STATX_DONT_SYNC"}, {0x8000, "AT_RECURSIVE"},
};
const struct xlat_table g_xlat_at_flags = XLAT_TABLE(at_flags, NULL);

static const struct xlat access_modes[] = {{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}};
const struct xlat_table g_xlat_access = XLAT_TABLE(access_modes, "F_OK");

static const struct xlat whence[] = {
    {0, "SEEK_SET"}, {1, "SEEK_CUR"}, {2, "SEEK_END"}, {3, "SEEK_DATA"}, {4, "SEEK_HOLE"},
};
const struct xlat_table g_xlat_whence = XLAT_TABLE(whence, NULL);

static const struct xlat sock_domain[] = {
    {0, "AF_UNSPEC"},    {1, "AF_UNIX"}, {2, "AF_INET"},   {3, "AF_AX25"},       {4, "AF_IPX"},
    {5, "AF_APPLETALK"}, {9, "AF_X25"},  {10, "AF_INET6"}, {15, "AF_KEY"},       {16, "AF_NETLINK"},
    {17, "AF_PACKET"},   {29, "AF_CAN"}, {30, "AF_TIPC"},  {31, "AF_BLUETOOTH"}, {38, "AF_ALG"},
    {40, "AF_VSOCK"},    {44, "AF_XDP"},
};
const struct xlat_table g_xlat_sock_domain = XLAT_TABLE(sock_domain, NULL);

static const struct xlat fcntl_cmd[] = {
    {0, "F_DUPFD"},         {1, "F_GETFD"},         {2, "F_SETFD"},
    {3, "F_GETFL"},         {4, "F_SETFL"},         {5, "F_GETLK"},
    {6, "F_SETLK"},         {7, "F_SETLKW"},        {8, "F_SETOWN"},
    {9, "F_GETOWN"},        {10, "F_SETSIG"},       {11, "F_GETSIG"},
    {15, "F_SETOWN_EX"},    {16, "F_GETOWN_EX"},    {36, "F_OFD_GETLK"},
    {37, "F_OFD_SETLK"},    {38, "F_OFD_SETLKW"},   {1024, "F_SETLEASE"},
    {1025, "F_GETLEASE"},   {1026, "F_NOTIFY"},     {1030, "F_DUPFD_CLOEXEC"},
    {1031, "F_SETPIPE_SZ"}, {1032, "F_GETPIPE_SZ"}, {1033, "F_ADD_SEALS"},
    {1034, "F_GET_SEALS"},
};
const struct xlat_table g_xlat_fcntl_cmd = XLAT_TABLE(fcntl_cmd, NULL);

static const struct xlat ioctl_req[] = {
    {0x5401, "TCGETS"},       {0x5402, "TCSETS"},         {0x5403, "TCSETSW"},
    {0x5404, "TCSETSF"},      {0x5405, "TCGETA"},         {0x5406, "TCSETA"},
    {0x5407, "TCSETAW"},      {0x5408, "TCSETAF"},        {0x5409, "TCSBRK"},
    {0x540a, "TCXONC"},       {0x540b, "TCFLSH"},         {0x540c, "TIOCEXCL"},
    {0x540d, "TIOCNXCL"},     {0x540e, "TIOCSCTTY"},      {0x540f, "TIOCGPGRP"},
    {0x5410, "TIOCSPGRP"},    {0x5411, "TIOCOUTQ"},       {0x5412, "TIOCSTI"},
    {0x5413, "TIOCGWINSZ"},   {0x5414, "TIOCSWINSZ"},     {0x5415, "TIOCMGET"},
    {0x5416, "TIOCMBIS"},     {0x5417, "TIOCMBIC"},       {0x5418, "TIOCMSET"},
    {0x541b, "FIONREAD"},     {0x541c, "TIOCLINUX"},      {0x541d, "TIOCCONS"},
    {0x5420, "TIOCPKT"},      {0x5421, "FIONBIO"},        {0x5422, "TIOCNOTTY"},
    {0x5423, "TIOCSETD"},     {0x5424, "TIOCGETD"},       {0x5425, "TCSBRKP"},
    {0x5427, "TIOCSBRK"},     {0x5428, "TIOCCBRK"},       {0x5429, "TIOCGSID"},
    {0x802c542a, "TCGETS2"},  {0x402c542b, "TCSETS2"},    {0x402c542c, "TCSETSW2"},
    {0x402c542d, "TCSETSF2"}, {0x80045430, "TIOCGPTN"},   {0x40045431, "TIOCSPTLCK"},
    {0x80045432, "TIOCGDEV"}, {0x40045436, "TIOCSIG"},    {0x5437, "TIOCVHANGUP"},
    {0x80045438, "TIOCGPKT"}, {0x80045439, "TIOCGPTLCK"}, {0x80045440, "TIOCGEXCL"},
    {0x5441, "TIOCGPTPEER"},  {0x5450, "FIONCLEX"},       {0x5451, "FIOCLEX"},
    {0x5452, "FIOASYNC"},     {0x5460, "FIOQSIZE"},
};
const struct xlat_table g_xlat_ioctl = XLAT_TABLE(ioctl_req, NULL);

static const struct xlat wait_options[] = {
    {1, "WNOHANG"},         {2, "WUNTRACED"},         {4, "WEXITED"},
    {8, "WCONTINUED"},      {0x01000000, "WNOWAIT"},  {0x20000000, "__WNOTHREAD"},
    {0x40000000, "__WALL"}, {0x80000000, "__WCLONE"},
};
const struct xlat_table g_xlat_wait_options = XLAT_TABLE(wait_options, NULL);

static const struct xlat idtype[] = {{0, "P_ALL"}, {1, "P_PID"}, {2, "P_PGID"}, {3, "P_PIDFD"}};
const struct xlat_table g_xlat_idtype = XLAT_TABLE(idtype, NULL);

static const struct xlat sighow[] = {{0, "SIG_BLOCK"}, {1, "SIG_UNBLOCK"}, {2, "SIG_SETMASK"}};
const struct xlat_table g_xlat_sighow = XLAT_TABLE(sighow, NULL);

static const struct xlat sa_flags[] = {
    {1, "SA_NOCLDSTOP"},          {2, "SA_NOCLDWAIT"},          {4, "SA_SIGINFO"},
    {0x400, "SA_UNSUPPORTED"},    {0x800, "SA_EXPOSE_TAGBITS"}, {0x04000000, "SA_RESTORER"},
    {0x08000000, "SA_ONSTACK"},   {0x10000000, "SA_RESTART"},   {0x40000000, "SA_NODEFER"},
    {0x80000000, "SA_RESETHAND"},
};
const struct xlat_table g_xlat_sa_flags = XLAT_TABLE(sa_flags, NULL);

static const struct xlat poll_events[] = {
    {0x1, "POLLIN"},       {0x2, "POLLPRI"},      {0x4, "POLLOUT"},     {0x8, "POLLERR"},
    {0x10, "POLLHUP"},     {0x20, "POLLNVAL"},    {0x40, "POLLRDNORM"}, {0x80, "POLLRDBAND"},
    {0x100, "POLLWRNORM"}, {0x200, "POLLWRBAND"}, {0x400, "POLLMSG"},   {0x1000, "POLLREMOVE"},
    {0x2000, "POLLRDHUP"},
};
const struct xlat_table g_xlat_poll = XLAT_TABLE(poll_events, NULL);

static const struct xlat epoll_op[] = {
    {1, "EPOLL_CTL_ADD"},
    {2, "EPOLL_CTL_DEL"},
    {3, "EPOLL_CTL_MOD"},
};
const struct xlat_table g_xlat_epoll_op = XLAT_TABLE(epoll_op, NULL);

static const struct xlat epoll_events[] = {
    {0x1, "EPOLLIN"},
    {0x2, "EPOLLPRI"},
    {0x4, "EPOLLOUT"},
    {0x8, "EPOLLERR"},
    {0x10, "EPOLLHUP"},
    {0x20, "EPOLLNVAL"},
    {0x40, "EPOLLRDNORM"},
    {0x80, "EPOLLRDBAND"},
    {0x100, "EPOLLWRNORM"},
    {0x200, "EPOLLWRBAND"},
    {0x400, "EPOLLMSG"},
    {0x2000, "EPOLLRDHUP"},
    {1u << 28, "EPOLLEXCLUSIVE"},
    {1u << 29, "EPOLLWAKEUP"},
    {1u << 30, "EPOLLONESHOT"},
    {1u << 31, "EPOLLET"},
};
const struct xlat_table g_xlat_epoll_events = XLAT_TABLE(epoll_events, NULL);

static const struct xlat clocks[] = {
    {0, "CLOCK_REALTIME"},          {1, "CLOCK_MONOTONIC"},     {2, "CLOCK_PROCESS_CPUTIME_ID"},
    {3, "CLOCK_THREAD_CPUTIME_ID"}, {4, "CLOCK_MONOTONIC_RAW"}, {5, "CLOCK_REALTIME_COARSE"},
    {6, "CLOCK_MONOTONIC_COARSE"},  {7, "CLOCK_BOOTTIME"},      {8, "CLOCK_REALTIME_ALARM"},
    {9, "CLOCK_BOOTTIME_ALARM"},    {11, "CLOCK_TAI"},
};
const struct xlat_table g_xlat_clock = XLAT_TABLE(clocks, NULL);

static const struct xlat arch_prctl[] = {
    {0x1001, "ARCH_SET_GS"},
    {0x1002, "ARCH_SET_FS"},
    {0x1003, "ARCH_GET_FS"},
    {0x1004, "ARCH_GET_GS"},
    {0x1011, "ARCH_GET_CPUID"},
    {0x1012, "ARCH_SET_CPUID"},
    {0x1021, "ARCH_GET_XCOMP_SUPP"},
    {0x1022, "ARCH_GET_XCOMP_PERM"},
    {0x1023, "ARCH_REQ_XCOMP_PERM"},
    {0x1024, "ARCH_GET_XCOMP_GUEST_PERM"},
    {0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"},
    {0x2001, "ARCH_MAP_VDSO_X32"},
    {0x2002, "ARCH_MAP_VDSO_32"},
    {0x2003, "ARCH_MAP_VDSO_64"},
};
const struct xlat_table g_xlat_arch_prctl = XLAT_TABLE(arch_prctl, NULL);

static const struct xlat prctl_opt[] = {
    {1, "PR_SET_PDEATHSIG"},
    {2, "PR_GET_PDEATHSIG"},
    {3, "PR_GET_DUMPABLE"},
    {4, "PR_SET_DUMPABLE"},
    {5, "PR_GET_UNALIGN"},
    {6, "PR_SET_UNALIGN"},
    {7, "PR_GET_KEEPCAPS"},
    {8, "PR_SET_KEEPCAPS"},
    {9, "PR_GET_FPEMU"},
    {10, "PR_SET_FPEMU"},
    {11, "PR_GET_FPEXC"},
    {12, "PR_SET_FPEXC"},
    {13, "PR_GET_TIMING"},
    {14, "PR_SET_TIMING"},
    {15, "PR_SET_NAME"},
    {16, "PR_GET_NAME"},
    {19, "PR_GET_ENDIAN"},
    {20, "PR_SET_ENDIAN"},
    {21, "PR_GET_SECCOMP"},
    {22, "PR_SET_SECCOMP"},
    {23, "PR_CAPBSET_READ"},
    {24, "PR_CAPBSET_DROP"},
    {25, "PR_GET_TSC"},
    {26, "PR_SET_TSC"},
    {27, "PR_GET_SECUREBITS"},
    {28, "PR_SET_SECUREBITS"},
    {29, "PR_SET_TIMERSLACK"},
    {30, "PR_GET_TIMERSLACK"},
    {31, "PR_TASK_PERF_EVENTS_DISABLE"},
    {32, "PR_TASK_PERF_EVENTS_ENABLE"},
    {33, "PR_MCE_KILL"},
    {34, "PR_MCE_KILL_GET"},
    {35, "PR_SET_MM"},
    {36, "PR_SET_CHILD_SUBREAPER"},
    {37, "PR_GET_CHILD_SUBREAPER"},
    {38, "PR_SET_NO_NEW_PRIVS"},
    {39, "PR_GET_NO_NEW_PRIVS"},
    {40, "PR_GET_TID_ADDRESS"},
    {41, "PR_SET_THP_DISABLE"},
    {42, "PR_GET_THP_DISABLE"},
    {43, "PR_MPX_ENABLE_MANAGEMENT"},
    {44, "PR_MPX_DISABLE_MANAGEMENT"},
    {45, "PR_SET_FP_MODE"},
    {46, "PR_GET_FP_MODE"},
    {47, "PR_CAP_AMBIENT"},
    {50, "PR_SVE_SET_VL"},
    {51, "PR_SVE_GET_VL"},
    {52, "PR_GET_SPECULATION_CTRL"},
    {53, "PR_SET_SPECULATION_CTRL"},
    {54, "PR_PAC_RESET_KEYS"},
    {55, "PR_SET_TAGGED_ADDR_CTRL"},
    {56, "PR_GET_TAGGED_ADDR_CTRL"},
    {57, "PR_SET_IO_FLUSHER"},
    {58, "PR_GET_IO_FLUSHER"},
    {59, "PR_SET_SYSCALL_USER_DISPATCH"},
    {62, "PR_SCHED_CORE"},
    {65, "PR_SET_MDWE"},
    {66, "PR_GET_MDWE"},
    {0x53564d41, "PR_SET_VMA"},
};
const struct xlat_table g_xlat_prctl = XLAT_TABLE(prctl_opt, NULL);

static const struct xlat rlimits[] = {
    {0, "RLIMIT_CPU"},       {1, "RLIMIT_FSIZE"}, {2, "RLIMIT_DATA"},    {3, "RLIMIT_STACK"},
    {4, "RLIMIT_CORE"},      {5, "RLIMIT_RSS"},   {6, "RLIMIT_NPROC"},   {7, "RLIMIT_NOFILE"},
    {8, "RLIMIT_MEMLOCK"},   {9, "RLIMIT_AS"},    {10, "RLIMIT_LOCKS"},  {11, "RLIMIT_SIGPENDING"},
    {12, "RLIMIT_MSGQUEUE"}, {13, "RLIMIT_NICE"}, {14, "RLIMIT_RTPRIO"}, {15, "RLIMIT_RTTIME"},
};
const struct xlat_table g_xlat_rlimit = XLAT_TABLE(rlimits, NULL);
