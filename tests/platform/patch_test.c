// SPDX-License-Identifier: Apache-2.0
/*
 * Syscall-site patching seen from the app (tests/platform/patching.sh). Prints "key value"
 * lines; the script compares the native run, the sandbox with patching and without.
 *   patch_test
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* A patchable site, a false match (REX prefix before the b8) and a site for the threads. */
__asm__(".text\n"
        ".globl pt_site\n"
        "pt_site:\n"
        "  mov $39, %eax\n" /* b8 27 00 00 00 */
        "  syscall\n"
        "  ret\n"
        ".globl pt_prefixed\n"
        "pt_prefixed:\n"
        "  mov $39, %eax\n"
        ".globl pt_prefixed_mov\n"
        "pt_prefixed_mov:\n"
        "  .byte 0x41, 0xb8, 0x27, 0, 0, 0\n" /* mov $39, %r8d */
        "  syscall\n"
        "  ret\n"
        ".globl pt_shared\n"
        "pt_shared:\n"
        "  mov $39, %eax\n"
        "  syscall\n"
        "  ret\n");
long pt_site(void), pt_prefixed(void), pt_shared(void);

static void hex(const char *key, const uint8_t *b, size_t n)
{
    printf("%s ", key);
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
    printf("\n");
}

/* The bytes of the executable's file at the place of @addr (found through /proc/self/maps). */
static int file_bytes(const void *addr, uint8_t *out, size_t n)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = -1;
    while (f && fgets(line, sizeof(line), f)) {
        unsigned long lo, hi, off;
        char path[256] = "";
        if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %255s", &lo, &hi, &off, path) < 3)
            continue;
        if ((uintptr_t)addr < lo || (uintptr_t)addr >= hi || !path[0])
            continue;
        FILE *exe = fopen("/proc/self/exe", "rb");
        if (exe && fseek(exe, (long)(off + ((uintptr_t)addr - lo)), SEEK_SET) == 0 &&
            fread(out, 1, n, exe) == n)
            found = 0;
        if (exe)
            fclose(exe);
        break;
    }
    if (f)
        fclose(f);
    return found;
}

static int has_usertrap(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int yes = 0;
    while (f && fgets(line, sizeof(line), f))
        yes |= strstr(line, "[usertrap]") != NULL;
    if (f)
        fclose(f);
    return yes;
}

static void *hammer(void *arg)
{
    long pid = (long)(intptr_t)arg, bad = 0;
    for (int i = 0; i < 20000; i++)
        bad += pt_shared() != pid;
    return (void *)(intptr_t)bad;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    long pid = getpid(), bad = 0;
    for (int i = 0; i < 3; i++)
        bad += pt_site() != pid;
    bad += pt_prefixed() != pid;
    printf("results_ok %d\n", bad == 0);
    hex("site", (const uint8_t *)pt_site, 7);
    uint8_t fb[7];
    if (file_bytes((const void *)pt_site, fb, 7) == 0)
        hex("site_file", fb, 7);
    extern const uint8_t pt_prefixed_mov[];
    hex("prefixed", pt_prefixed_mov, 8);
    printf("usertrap %d\n", has_usertrap());

    /* Eight threads race on a site nobody called yet. */
    pthread_t th[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&th[i], NULL, hammer, (void *)(intptr_t)pid);
    long tbad = 0;
    for (int i = 0; i < 8; i++) {
        void *r;
        pthread_join(th[i], &r);
        tbad += (long)(intptr_t)r;
    }
    printf("threads_ok %d\n", tbad == 0);
    hex("shared", (const uint8_t *)pt_shared, 7);

    /* A child inherits the patched code and its table. */
    pid_t c = fork();
    if (c == 0) {
        long me = getpid();
        _exit(pt_site() == me && pt_shared() == me && has_usertrap() == has_usertrap() ? 0 : 1);
    }
    int st = -1;
    waitpid(c, &st, 0);
    printf("fork_ok %d\n", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return 0;
}
