// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for loader/loader.c over fakes (fakes/fake_sentry.c: a VFS of host files and an
 * in-memory address space): static, PIE, static-PIE and dynamic programs, bss, segments at
 * incongruent offsets, "#!" chains, and execve's errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sentry/kernel/task.h"
#include "sentry/loader/elf.h"
#include "sentry/loader/loader.h"
#include "tests/unit/loader/fakes/fake_sentry.h"

struct fixture {
    struct task *t;
    struct mm *mm;
    char dir[64];
    struct linux_regs regs;
    char exe[PATH_MAX];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    fake_setup(&f->t, &f->mm);
    strcpy(f->dir, "/tmp/cvisor-loader-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    fake_teardown(f->t, f->mm);
    assert_int_equal(fake_open_files(), 0); /* every file and mappable reference dropped */
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static int load(struct fixture *f, const char *path, char *const *argv, char *const *envp)
{
    struct exec_creds creds = {0};
    int ret = loader_load(f->t, f->mm, path, argv, envp, &f->regs, f->exe, sizeof(f->exe), &creds);
    if (creds.cred)
        cred_unref(creds.cred);
    return ret;
}

static uint64_t rd64(struct fixture *f, gaddr_t addr)
{
    uint64_t v;
    assert_true(fake_read(f->mm, addr, &v, sizeof(v)));
    return v;
}

static void rdstr(struct fixture *f, gaddr_t addr, char *buf, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        assert_true(fake_read(f->mm, addr + i, &buf[i], 1));
        if (!buf[i])
            return;
    }
    fail_msg("unterminated string");
}

/* The value of auxv entry @type on the initial stack (fails if absent). */
static uint64_t auxv_get(struct fixture *f, uint64_t type)
{
    gaddr_t p = f->regs.rsp;
    uint64_t argc = rd64(f, p);
    p += 8 * (argc + 2);
    while (rd64(f, p))
        p += 8;
    for (p += 8;; p += 16) {
        uint64_t t = rd64(f, p);
        if (t == type)
            return rd64(f, p + 8);
        if (t == LINUX_AT_NULL)
            fail_msg("auxv entry %lu missing", (unsigned long)type);
    }
}

static void check_argv(struct fixture *f, const char *const *want)
{
    int n = 0;
    while (want[n])
        n++;
    assert_int_equal(rd64(f, f->regs.rsp), n);
    for (int i = 0; i < n; i++) {
        char s[PATH_MAX];
        rdstr(f, rd64(f, f->regs.rsp + 8 * (i + 1)), s, sizeof(s));
        assert_string_equal(s, want[i]);
    }
    assert_int_equal(rd64(f, f->regs.rsp + 8 * (n + 1)), 0);
}

static void check_regs(struct fixture *f)
{
    assert_int_equal(f->regs.cs, 0x33);
    assert_int_equal(f->regs.ss, 0x2b);
    assert_int_equal(f->regs.eflags, 0x202);
    assert_int_equal(f->regs.rsp % 16, 0);
    assert_true(f->regs.rsp >= f->mm->stack_start && f->regs.rsp < f->mm->stack_end);
    assert_int_equal(f->regs.rax | f->regs.rdx | f->regs.rbp | f->regs.fs_base, 0);
}

static struct elf64_ehdr read_ehdr(const char *path)
{
    struct elf64_ehdr e;
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &e, sizeof(e), 0), sizeof(e));
    close(fd);
    return e;
}

/* ---- a synthetic ET_EXEC ------------------------------------------------------------------ */

/* Write an ELF file at @path: header, @n program headers at offset 64, then @body bytes from
 * offset 0x1000 on (file size 0x1000 + @body_size). Mode 0755. */
static void write_elf(const char *path, uint16_t type, uint64_t entry, const struct elf64_phdr *ph,
                      int n, const uint8_t *body, size_t body_size)
{
    size_t size = 0x1000 + body_size;
    uint8_t *img = calloc(1, size);
    struct elf64_ehdr e = {0};
    memcpy(e.e_ident, "\177ELF", 4);
    e.e_ident[ELF_EI_CLASS] = ELF_CLASS64;
    e.e_ident[ELF_EI_DATA] = ELF_DATA2LSB;
    e.e_ident[ELF_EI_VERSION] = 1;
    e.e_type = type;
    e.e_machine = ELF_EM_X86_64;
    e.e_version = 1;
    e.e_entry = entry;
    e.e_phoff = 64;
    e.e_ehsize = 64;
    e.e_phentsize = sizeof(*ph);
    e.e_phnum = n;
    memcpy(img, &e, sizeof(e));
    memcpy(img + 64, ph, n * sizeof(*ph));
    memcpy(img + 0x1000, body, body_size);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, img, size), (ssize_t)size);
    close(fd);
    free(img);
}

/* Text at 0x400000 (file 0), data+bss at 0x602010 (file 0x2010, 0x20 bytes, 0x3000 in
 * memory; the file holds 0xbb garbage after the data), and a read-only segment at an offset
 * not congruent to its address. */
static void write_static_exec(const char *path)
{
    static uint8_t body[0x3000];
    memset(body, 0xcc, 0x100);                     /* "code" at file 0x1000 */
    memset(body + 0x1010, 0xaa, 0x20);             /* data at file 0x2010 */
    memset(body + 0x1030, 0xbb, 0x2000 - 0x1030);  /* garbage after it, same page */
    memcpy(body + 0x2005, "0123456789abcdef", 16); /* at file 0x3005 */
    struct elf64_phdr ph[] = {
        {ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0, 0x400000, 0x400000, 0x1100, 0x1100, 0x1000},
        {ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2010, 0x602010, 0x602010, 0x20, 0x3000, 0x1000},
        {ELF_PT_LOAD, ELF_PF_R, 0x3005, 0x800100, 0x800100, 0x10, 0x10, 0x10},
        {ELF_PT_GNU_STACK, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0, 0, 16},
    };
    write_elf(path, ELF_ET_EXEC, 0x401000, ph, 4, body, sizeof(body));
}

static void test_static_exec(void **state)
{
    struct fixture *f = *state;
    char path[128];
    snprintf(path, sizeof(path), "%s/static", f->dir);
    write_static_exec(path);
    char *argv[] = {"static", "arg1", NULL};
    char *envp[] = {"HOME=/root", NULL};
    assert_int_equal(load(f, path, argv, envp), 0);
    check_regs(f);
    assert_int_equal(f->regs.rip, 0x401000);
    check_argv(f, (const char *[]){"static", "arg1", NULL});
    assert_int_equal(auxv_get(f, LINUX_AT_PHDR), 0x400040); /* inside the first PT_LOAD */
    assert_int_equal(auxv_get(f, LINUX_AT_PHNUM), 4);
    assert_int_equal(auxv_get(f, LINUX_AT_PHENT), 56);
    assert_int_equal(auxv_get(f, LINUX_AT_BASE), 0);
    assert_int_equal(auxv_get(f, LINUX_AT_ENTRY), 0x401000);
    assert_int_equal(auxv_get(f, LINUX_AT_PAGESZ), 4096);
    assert_int_equal(auxv_get(f, LINUX_AT_SYSINFO_EHDR), FAKE_VDSO_BASE);
    char s[PATH_MAX];
    rdstr(f, auxv_get(f, LINUX_AT_EXECFN), s, sizeof(s));
    assert_string_equal(s, path);
    rdstr(f, auxv_get(f, LINUX_AT_PLATFORM), s, sizeof(s));
    assert_string_equal(s, "x86_64");
    assert_int_equal(f->mm->brk_start, 0x801000); /* after the highest segment */

    /* The program headers are readable where AT_PHDR says. */
    struct elf64_phdr ph;
    assert_true(fake_read(f->mm, 0x400040 + 56, &ph, sizeof(ph)));
    assert_int_equal(ph.p_vaddr, 0x602010);

    /* Text: file-backed, r-x. */
    const struct fake_vma *v = fake_vma_at(f->mm, 0x401000);
    assert_non_null(v);
    assert_non_null(v->obj);
    assert_int_equal(v->prot, PROT_READ | PROT_EXEC);
    uint8_t b;
    assert_true(fake_read(f->mm, 0x401000, &b, 1));
    assert_int_equal(b, 0xcc);

    /* Data, then the rest of its page cleared, then anonymous bss. */
    uint8_t buf[0x3000];
    assert_true(fake_read(f->mm, 0x602010, buf, 0x3000));
    for (int i = 0; i < 0x20; i++)
        assert_int_equal(buf[i], 0xaa);
    for (int i = 0x20; i < 0x3000; i++)
        if (buf[i] != 0)
            fail_msg("bss byte at 0x%x is 0x%x", 0x602010 + i, buf[i]);
    v = fake_vma_at(f->mm, 0x602000);
    assert_int_equal(v->prot, PROT_READ | PROT_WRITE);
    v = fake_vma_at(f->mm, 0x604000);
    assert_non_null(v);
    assert_null(v->obj);

    /* The incongruent segment was copied, and ends read-only. */
    assert_true(fake_read(f->mm, 0x800100, buf, 16));
    assert_memory_equal(buf, "0123456789abcdef", 16);
    v = fake_vma_at(f->mm, 0x800100);
    assert_int_equal(v->prot, PROT_READ);

    /* /proc/self/exe and cmdline. */
    char real[PATH_MAX];
    assert_non_null(realpath(path, real));
    assert_string_equal(f->exe, real);
    assert_int_equal(f->t->tg->arg_end - f->t->tg->arg_start, sizeof("static\0arg1"));
    assert_int_equal(f->t->tg->env_end - f->t->tg->env_start, sizeof("HOME=/root"));
}

static void test_dynamic_pie(void **state)
{
    struct fixture *f = *state;
    char sh[PATH_MAX];
    if (!realpath("/bin/sh", sh)) {
        skip();
        return;
    }
    struct elf64_ehdr e = read_ehdr(sh);
    if (e.e_type != ELF_ET_DYN) {
        skip();
        return;
    }
    char *argv[] = {"sh", "-c", "true", NULL};
    assert_int_equal(load(f, "/bin/sh", argv, NULL), 0);
    check_regs(f);
    assert_string_equal(f->exe, sh);
    uint64_t base = auxv_get(f, LINUX_AT_BASE);
    assert_true(base != 0);
    assert_int_equal(base % 4096, 0);
    assert_int_equal(auxv_get(f, LINUX_AT_ENTRY), LOADER_PIE_BASE + e.e_entry);
    /* The interpreter runs first, from its entry point. */
    struct elf64_ehdr ld = read_ehdr("/lib64/ld-linux-x86-64.so.2");
    assert_int_equal(f->regs.rip, base + ld.e_entry);
    /* It lies outside the stack and the program. */
    assert_true(base >= LOADER_PIE_BASE + 0x100000);
    assert_true(base + 0x1000 <= f->mm->stack_start);
    /* AT_PHDR points at the program's own headers. */
    struct elf64_phdr ph0;
    int fd = open(sh, O_RDONLY);
    assert_int_equal(pread(fd, &ph0, sizeof(ph0), (off_t)e.e_phoff), sizeof(ph0));
    close(fd);
    struct elf64_phdr mem;
    assert_true(fake_read(f->mm, auxv_get(f, LINUX_AT_PHDR), &mem, sizeof(mem)));
    assert_memory_equal(&mem, &ph0, sizeof(mem));
    assert_true(f->mm->brk_start > LOADER_PIE_BASE);
}

static void test_static_pie(void **state)
{
    struct fixture *f = *state;
    const char *path = "/sbin/ldconfig"; /* static-pie on Debian */
    if (access(path, X_OK) != 0 || read_ehdr(path).e_type != ELF_ET_DYN) {
        skip();
        return;
    }
    char *argv[] = {"ldconfig", NULL};
    assert_int_equal(load(f, path, argv, NULL), 0);
    check_regs(f);
    struct elf64_ehdr e = read_ehdr(path);
    assert_int_equal(auxv_get(f, LINUX_AT_BASE), 0);
    assert_int_equal(f->regs.rip, LOADER_PIE_BASE + e.e_entry);
}

/* ---- scripts -------------------------------------------------------------------------------- */

static void write_text(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_script_chain(void **state)
{
    struct fixture *f = *state;
    char elf[128], s1[128], s2[128], text[256];
    snprintf(elf, sizeof(elf), "%s/static", f->dir);
    snprintf(s1, sizeof(s1), "%s/s1", f->dir);
    snprintf(s2, sizeof(s2), "%s/s2", f->dir);
    write_static_exec(elf);
    snprintf(text, sizeof(text), "#! %s  one two \necho\n", s2);
    write_text(s1, text, 0755);
    snprintf(text, sizeof(text), "#!%s\n", elf);
    write_text(s2, text, 0755);

    char *argv[] = {"s1", "x", "y", NULL};
    assert_int_equal(load(f, s1, argv, NULL), 0);
    /* [interp, arg, script, argv[1:]], twice. */
    check_argv(f, (const char *[]){elf, s2, "one two", s1, "x", "y", NULL});
    assert_int_equal(f->regs.rip, 0x401000);
    char s[PATH_MAX];
    rdstr(f, auxv_get(f, LINUX_AT_EXECFN), s, sizeof(s)); /* the path given to execve */
    assert_string_equal(s, s1);
    char real[PATH_MAX];
    assert_non_null(realpath(elf, real));
    assert_string_equal(f->exe, real); /* /proc/self/exe is the ELF file */
}

/* A chain of @n scripts ending at the synthetic ELF; returns the first. */
static void make_chain(struct fixture *f, int n, char *first, size_t size)
{
    char elf[128], cur[128], next[128], text[256];
    snprintf(elf, sizeof(elf), "%s/static", f->dir);
    write_static_exec(elf);
    snprintf(next, sizeof(next), "%s", elf);
    for (int i = n; i >= 1; i--) {
        snprintf(cur, sizeof(cur), "%s/chain%d", f->dir, i);
        snprintf(text, sizeof(text), "#!%s\n", next);
        write_text(cur, text, 0755);
        snprintf(next, sizeof(next), "%s", cur);
    }
    snprintf(first, size, "%s", next);
}

static void test_script_depth_limit(void **state)
{
    struct fixture *f = *state;
    char first[128];
    char *argv[] = {"x", NULL};
    make_chain(f, LOADER_MAX_SCRIPT_DEPTH, first, sizeof(first));
    assert_int_equal(load(f, first, argv, NULL), 0);
    make_chain(f, LOADER_MAX_SCRIPT_DEPTH + 1, first, sizeof(first));
    assert_int_equal(load(f, first, argv, NULL), -ELOOP);
    /* A script that names itself. */
    char self[128], text[160];
    snprintf(self, sizeof(self), "%s/self", f->dir);
    snprintf(text, sizeof(text), "#!%s\n", self);
    write_text(self, text, 0755);
    assert_int_equal(load(f, self, argv, NULL), -ELOOP);
}

/* ---- errors --------------------------------------------------------------------------------- */

static void test_errors(void **state)
{
    struct fixture *f = *state;
    char path[128], text[160];
    char *argv[] = {"x", NULL};

    snprintf(path, sizeof(path), "%s/missing", f->dir);
    assert_int_equal(load(f, path, argv, NULL), -ENOENT);
    assert_int_equal(load(f, f->dir, argv, NULL), -EACCES); /* a directory */

    snprintf(path, sizeof(path), "%s/noexec", f->dir);
    write_static_exec(path);
    chmod(path, 0644);
    assert_int_equal(load(f, path, argv, NULL), -EACCES);

    snprintf(path, sizeof(path), "%s/text", f->dir);
    write_text(path, "just text\n", 0755);
    assert_int_equal(load(f, path, argv, NULL), -ENOEXEC);

    snprintf(path, sizeof(path), "%s/elf32", f->dir);
    write_static_exec(path);
    int fd = open(path, O_WRONLY);
    assert_int_equal(pwrite(fd, "\001", 1, ELF_EI_CLASS), 1); /* ELFCLASS32 */
    close(fd);
    assert_int_equal(load(f, path, argv, NULL), -ENOEXEC);

    /* The script's interpreter is missing. */
    snprintf(path, sizeof(path), "%s/badscript", f->dir);
    snprintf(text, sizeof(text), "#!%s/nothere\n", f->dir);
    write_text(path, text, 0755);
    assert_int_equal(load(f, path, argv, NULL), -ENOENT);
}

static void test_bad_interpreter(void **state)
{
    struct fixture *f = *state;
    char path[128], interp[128];
    snprintf(interp, sizeof(interp), "%s/ld.so", f->dir);
    write_text(interp, "#!/bin/sh\n", 0755); /* not ELF */
    /* A program whose PT_INTERP (at file offset 0x1000) names it. */
    uint8_t body[0x1000] = {0};
    memcpy(body, interp, strlen(interp) + 1);
    struct elf64_phdr ph[] = {
        {ELF_PT_INTERP, ELF_PF_R, 0x1000, 0x1000, 0x1000, strlen(interp) + 1, strlen(interp) + 1,
         1},
        {ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0, 0, 0, 0x2000, 0x2000, 0x1000},
    };
    snprintf(path, sizeof(path), "%s/dyn", f->dir);
    write_elf(path, ELF_ET_DYN, 0x1000, ph, 2, body, sizeof(body));
    char *argv[] = {"dyn", NULL};
    assert_int_equal(load(f, path, argv, NULL), -ELIBBAD);
    unlink(interp);
    assert_int_equal(load(f, path, argv, NULL), -ENOENT);
    /* PT_INTERP without its NUL. */
    ph[0].p_filesz = ph[0].p_memsz = strlen(interp);
    write_elf(path, ELF_ET_DYN, 0x1000, ph, 2, body, sizeof(body));
    assert_int_equal(load(f, path, argv, NULL), -ENOEXEC);
}

static void test_e2big_before_format(void **state)
{
    struct fixture *f = *state;
    char path[128];
    snprintf(path, sizeof(path), "%s/text", f->dir);
    write_text(path, "not a program\n", 0755);
    size_t len = 200 * 1024;
    char *big = malloc(len);
    memset(big, 'z', len - 1);
    big[len - 1] = '\0';
    char *argv[] = {"x", big, NULL}; /* over MAX_ARG_STRLEN */
    assert_int_equal(load(f, path, argv, NULL), -E2BIG);
    free(big);
}

static void test_empty_argv(void **state)
{
    struct fixture *f = *state;
    char path[128];
    snprintf(path, sizeof(path), "%s/static", f->dir);
    write_static_exec(path);
    assert_int_equal(load(f, path, NULL, NULL), 0);
    check_argv(f, (const char *[]){"", NULL}); /* Linux >= 5.18 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_static_exec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dynamic_pie, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_pie, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_depth_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_interpreter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_e2big_before_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_argv, setup, teardown),
    };
    return cmocka_run_group_tests_name("loader_load", tests, NULL, NULL);
}
