// SPDX-License-Identifier: Apache-2.0
/*
 * Attacks on the systrap platform from inside the sandbox (tests/security/systrap.sh). Each
 * mode reports what it observed, one "key value" line at a time; the script decides. Natively
 * there is no stub region: the probe then maps a writable stand-in (and, for jumps, a
 * `syscall; jmp *%r15` stand-in) at the same place, so that the native run shows what a
 * successful attack looks like to the script.
 *   systrap_probe selector HOST_PATH
 *   systrap_probe jump HOST_DIR
 *   systrap_probe memop
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Layout facts of the stub region (src/sentry/platform/systrap/abi.h). */
#define CODE_SIZE 0x4000
#define CTL_OFF 0x4000
#define CTL_SELECTOR 0x40
#define MAP_TARGET 0x200000000UL

static const uintptr_t candidates[] = {0x7e0000000000UL, 0x7d0000000000UL, 0x6e0000000000UL};
static sigjmp_buf g_jmp;
static volatile int g_armed;

static void on_fault(int sig)
{
    if (g_armed)
        siglongjmp(g_jmp, 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Access one byte at @p (write @v if @write). Returns 0, or -1 if it faulted. */
static int touch(volatile uint8_t *p, int write, uint8_t v)
{
    if (sigsetjmp(g_jmp, 1)) {
        g_armed = 0;
        return -1;
    }
    g_armed = 1;
    if (write)
        *p = v;
    else
        (void)*p;
    g_armed = 0;
    return 0;
}

/* The stub region, or (natively) a writable stand-in at the first candidate address. */
static uintptr_t region(int *fake)
{
    *fake = 0;
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
        if (touch((volatile uint8_t *)candidates[i], 0, 0) == 0)
            return candidates[i];
    void *p = mmap((void *)candidates[0], CODE_SIZE + 0x8000, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    *fake = 1;
    /* The stand-in's only "site": syscall; jmp *%r15. */
    static const uint8_t site[] = {0x0f, 0x05, 0x41, 0xff, 0xe7};
    memcpy(p, site, sizeof(site));
    return (uintptr_t)p;
}

static long raw_syscall(long nr, long a0, long a1, long a2, long a3)
{
    long ret;
    register long r10 __asm__("r10") = a3;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
                     : "rcx", "r11", "memory");
    return ret;
}

static int mode_selector(const char *host_path)
{
    int fake;
    uintptr_t r = region(&fake);
    printf("fake %d\n", fake);
    int w = touch((volatile uint8_t *)(r + CTL_OFF + CTL_SELECTOR), 1, 0 /* ALLOW */);
    printf("selector_write %s\n", w == 0 ? "done" : "faulted");
    printf("getpid %ld\n", raw_syscall(SYS_getpid, 0, 0, 0, 0));
    long fd = raw_syscall(SYS_openat, AT_FDCWD, (long)host_path, O_RDONLY, 0);
    printf("openat %s\n", fd >= 0 ? "opened" : strerror((int)-fd));
    return 0;
}

/* Jump to the syscall instruction at @site with rax = @nr and the arguments given; r15 is
 * where a `jmp *%r15` after the site comes back to. Runs in a child; returns its status. */
static int jump_child(uintptr_t site, long nr, long a0, long a1, long a2, long a3)
{
    pid_t pid = fork();
    if (pid == 0) {
        long ret;
        register long r10 __asm__("r10") = a3;
        register long r8 __asm__("r8") = -1;
        register long r9 __asm__("r9") = 0;
        __asm__ volatile("lea 1f(%%rip), %%r15\n\t"
                         "jmp *%[site]\n"
                         "1:"
                         : "=a"(ret)
                         : [site] "r"(site), "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8),
                           "r"(r9)
                         : "rcx", "r11", "r15", "memory");
        if (nr == SYS_mmap && ret == (long)MAP_TARGET &&
            touch((volatile uint8_t *)MAP_TARGET, 1, 1) == 0)
            _exit(42); /* a host mapping the Sentry does not know of */
        _exit(ret >= 0 ? 43 : 44);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return st;
}

static int mode_jump(const char *dir)
{
    int fake;
    uintptr_t r = region(&fake);
    printf("fake %d\n", fake);
    char created[4096], marker[4096];
    snprintf(created, sizeof(created), "%s/created_by_jump", dir);
    snprintf(marker, sizeof(marker), "%s/exec_marker", dir);
    char *const targv[] = {"touch", marker, NULL};
    int sites = 0, refused = 0, mapped = 0;
    for (uintptr_t p = r; p + 1 < r + CODE_SIZE; p++) {
        if (((uint8_t *)p)[0] != 0x0f || ((uint8_t *)p)[1] != 0x05)
            continue;
        sites++;
        int s1 = jump_child(p, SYS_openat, AT_FDCWD, (long)created, O_CREAT | O_WRONLY, 0644);
        int s2 = jump_child(p, SYS_execve, (long)"/usr/bin/touch", (long)targv, 0, 0);
        int s3 = jump_child(p, SYS_mmap, MAP_TARGET, 4096, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
        if (WIFEXITED(s3) && WEXITSTATUS(s3) == 42)
            mapped++;
        if (WIFSIGNALED(s1) && WIFSIGNALED(s2) && WIFSIGNALED(s3))
            refused++;
    }
    printf("sites %d\nrefused %d\nmapped %d\n", sites, refused, mapped);
    return 0;
}

static int mode_memop(void)
{
    int fake;
    uintptr_t r = region(&fake);
    printf("fake %d\n", fake);
    /* A request as the Sentry writes it: op MAP of memory-file offset 0 at MAP_TARGET. */
    const uint64_t req[] = {3, 1, MAP_TARGET, 4096, 3, 0};
    int done = 0;
    for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
        for (size_t b = 0; b < 8; b++)
            done += touch((volatile uint8_t *)(r + CTL_OFF + 8 * i + b), 1,
                          (uint8_t)(req[i] >> (8 * b))) == 0;
    printf("request_bytes_written %d\n", done);
    usleep(100000);
    printf("target %s\n", touch((volatile uint8_t *)MAP_TARGET, 0, 0) == 0 ? "mapped" : "absent");
    return 0;
}

int main(int argc, char **argv)
{
    struct sigaction sa = {.sa_handler = on_fault, .sa_flags = SA_NODEFER};
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 3 && strcmp(argv[1], "selector") == 0)
        return mode_selector(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "jump") == 0)
        return mode_jump(argv[2]);
    if (argc >= 2 && strcmp(argv[1], "memop") == 0)
        return mode_memop();
    fprintf(stderr, "usage: systrap_probe selector PATH | jump DIR | memop\n");
    return 2;
}
